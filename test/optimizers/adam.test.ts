// Adam and AdamW against hand-computed Keras updates (float64 replay), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Adam, AdamW, adam, adamw } from '../../lib/optimizers/index.js';
import { deserializeOptimizer, serializeOptimizer } from '../../lib/optimizers/index.js';
import { expectAllClose, expectClose, GRADIENTS, INITIAL, kerasGoldenRun, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/**
 * Keras Adam: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * p -= alpha * m / (sqrt(v) + eps). AdamW first does p -= p * wd * lr.
 */
function kerasAdam(lr: number, b1: number, b2: number, eps: number, wd = 0, initial = INITIAL, gradients = GRADIENTS): number[][] {
  const p = [...initial];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  return gradients.map((g, step) => {
    const t = step + 1;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < p.length; i++) {
      p[i] -= p[i] * wd * lr;
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      p[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + eps);
    }
    return [...p];
  });
}

describe('adam: should throw', () => {
  it('rejects bad options', () => {
    expect(() => adam({ beta1: 1.2 })).toThrow(ValueError);
    expect(() => adam({ beta2: 1 })).toThrow(/beta2 must be a number in \[0, 1\)/);
    expect(() => adam({ epsilon: '1e-7' as never })).toThrow(ArgumentTypeError);
    expect(() => adam({ beta_1: 0.9 } as never)).toThrow(/unknown option 'beta_1' \(did you mean 'beta1'\?\)/);
    expect(() => adamw({ weightDecay: -0.1 })).toThrow(/adamw: weightDecay/);
    expect(() => adamw({ weight_decay: 0.1 } as never)).toThrow(/did you mean 'weightDecay'/);
    expect(() => adam({ amsgrad: 1 } as never)).toThrow(/adam: amsgrad must be a boolean/);
    expect(() => adamw({ amsgrad: 'yes' } as never)).toThrow(/adamw: amsgrad must be a boolean/);
    expect(() => adam({ amsGrad: true } as never)).toThrow(/did you mean 'amsgrad'/);
  });
});

describe('adam: Keras updates', () => {
  it('has the Keras defaults', () => {
    const a = adam();
    expect(a).toBeInstanceOf(Adam);
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon, a.weightDecay, a.amsgrad]).toEqual([0.001, 0.9, 0.999, 1e-7, 0, false]);
    const w = adamw();
    expect(w).toBeInstanceOf(AdamW);
    expect(w.className).toBe('AdamW');
    expect([w.learningRate, w.beta1, w.beta2, w.epsilon, w.weightDecay, w.amsgrad]).toEqual([0.001, 0.9, 0.999, 1e-7, 0.004, false]);
  });

  it('keeps amsgrad in its config and a vMax slot in its state (Keras adam_test.py / adamw_test.py test_config)', () => {
    const a = adam({ learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, amsgrad: true });
    const config = serializeOptimizer(a);
    expect(config).toEqual({ className: 'Adam', config: { learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, amsgrad: true, weightDecay: 0 } });
    expect(deserializeOptimizer(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(a.getConfig());
    const w = adamw({ learningRate: 0.5, weightDecay: 0.008, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, amsgrad: true });
    expect(deserializeOptimizer(serializeOptimizer(w))).toBeInstanceOf(AdamW);
    expect(deserializeOptimizer(serializeOptimizer(w)).getConfig()).toEqual(w.getConfig());
    runSteps(a, [1], [[1]]);
    expect(a.getWeights().map((x) => x.name)).toEqual(['iteration', 'w/m', 'w/v', 'w/vMax']);
    // A config saved before amsgrad existed loads as plain Adam.
    expect((deserializeOptimizer({ className: 'Adam', config: { learningRate: 0.01 } }) as Adam).amsgrad).toBe(false);
  });

  /** Compares the first three elements with Keras: the fourth's tiny gradient (1e-3) makes Keras' epsilon placement visible. */
  const firstThree = (steps: number[][]) => steps.flatMap((step) => step.slice(0, 3));

  for (const isa of isas) {
    it(`matches Keras step by step (${isa}; relative tolerance 2e-6 for float32 arithmetic)`, () => {
      binding.setIsa(isa);
      const ours = runSteps(adam({ learningRate: 0.1 }), INITIAL, GRADIENTS);
      expectClose(firstThree(ours), firstThree(kerasAdam(0.1, 0.9, 0.999, 1e-7)), 2e-6);
      // Every element, the tiny gradient included, follows the paper's form sqrt(vhat) + eps.
      expectClose(ours.flat(), paperAdam(0.1, 0.9, 0.999, 1e-7).flat(), 2e-6);
      expectClose(
        runSteps(adam({ learningRate: 0.01, beta1: 0.5, beta2: 0.75, epsilon: 1e-3 }), INITIAL, GRADIENTS).flat(),
        paperAdam(0.01, 0.5, 0.75, 1e-3).flat(),
        2e-6,
      );
      const decayed = runSteps(adamw({ learningRate: 0.1, weightDecay: 0.2 }), INITIAL, GRADIENTS);
      expectClose(firstThree(decayed), firstThree(kerasAdam(0.1, 0.9, 0.999, 1e-7, 0.2)), 2e-6);
    });
  }

  for (const isa of isas) {
    it(`matches Keras' adam_test.py golden with amsgrad, and divides by the largest second moment (${isa})`, () => {
      binding.setIsa(isa);
      // Keras adam_test.py, test_correctness_with_golden: Adam(amsgrad=True) (rtol = atol = 5e-4).
      const golden = [0.999, 0.9982, 0.9974, 0.9965, 0.9955];
      const ours = kerasGoldenRun(adam({ amsgrad: true }));
      golden.forEach((value, i) => expectAllClose(ours[i], new Array(10).fill(value), 5e-4, 5e-4));
      // A large gradient then small ones: plain Adam's step grows back as v decays; AMSGrad's keeps vMax.
      const gradients = [[10], [0.1], [0.1], [0.1]];
      const plain = runSteps(adam({ learningRate: 0.1, beta2: 0.5 }), [0], gradients);
      const ams = runSteps(adam({ learningRate: 0.1, beta2: 0.5, amsgrad: true }), [0], gradients);
      const stepOf = (h: number[][], t: number) => Math.abs(h[t][0] - h[t - 1][0]);
      expect(stepOf(ams, 3)).toBeLessThan(stepOf(plain, 3) / 2);
      expectAllClose(ams[0], plain[0], 0, 0);  // the same first step: vMax = v
      // Replay of the rule in double: vMax = max(vMax, v); p -= lr * mhat / (sqrt(vMax / (1 - b2^t)) + eps).
      let p = 0, m = 0, v = 0, vMax = 0;
      gradients.forEach(([g], step) => {
        const t = step + 1;
        m = 0.9 * m + 0.1 * g;
        v = 0.5 * v + 0.5 * g * g;
        vMax = Math.max(vMax, v);
        p -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(vMax / (1 - 0.5 ** t)) + 1e-7);
        expectClose(ams[step], [p], 2e-6);
      });
    });
  }

  it("differs from Keras' AdamW golden with epsilon 2 from the first step, as documented (epsilon placement)", () => {
    // Keras adamw_test.py, test_correctness_with_golden: AdamW(learning_rate=1.0, weight_decay=0.5, epsilon=2).
    // Keras adds epsilon to sqrt(v) before the bias correction, an epsilon 31.6 times larger at step 1.
    const kerasGolden = [
      [0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998],
      [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
    ];
    const ours = kerasGoldenRun(adamw({ learningRate: 1, weightDecay: 0.5, epsilon: 2 }));
    // The paper's form: 1 - 1 * 0.5 * 1 (decay), then - 0.01 / (0.01 + 2).
    expectClose(ours[0], new Array(10).fill(0.5 - 0.01 / 2.01), 1e-6);
    expect(Math.abs(ours[0][0] - kerasGolden[0][0])).toBeGreaterThan(4e-3);
    // The difference is the placement alone: a replay of Keras' formula on the same gradients gives its golden.
    const ramp = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
    const replay = kerasAdam(1, 0.9, 0.999, 2, 0.5, new Array(10).fill(1), [new Array(10).fill(0.01), ramp]);
    kerasGolden.forEach((row, i) => expectAllClose(replay[i], row, 5e-4, 5e-4));
  });

  it('takes a first step of about lr * sign(g), the Adam signature', () => {
    const [after] = runSteps(adam({ learningRate: 0.01 }), [0, 0, 0], [[5, -0.001, 2]]);
    expectClose(after, [-0.01, 0.01, -0.01], 1e-4);
  });
});

/** Kingma & Ba's form: mhat / (sqrt(vhat) + eps), what the kernel computes. */
function paperAdam(lr: number, b1: number, b2: number, eps: number): number[][] {
  const p = [...INITIAL];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  return GRADIENTS.map((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    }
    return [...p];
  });
}
