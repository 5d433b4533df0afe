// Adam and AdamW against hand-computed Keras updates (float64 replay), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Adam, AdamW, adam, adamw } from '../../lib/optimizers/index.js';
import { expectClose, GRADIENTS, INITIAL, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/**
 * Keras Adam: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * p -= alpha * m / (sqrt(v) + eps). AdamW first does p -= p * wd * lr.
 */
function kerasAdam(lr: number, b1: number, b2: number, eps: number, wd = 0): number[][] {
  const p = [...INITIAL];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  return GRADIENTS.map((g, step) => {
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
  });
});

describe('adam: Keras updates', () => {
  it('has the Keras defaults', () => {
    const a = adam();
    expect(a).toBeInstanceOf(Adam);
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon, a.weightDecay]).toEqual([0.001, 0.9, 0.999, 1e-7, 0]);
    const w = adamw();
    expect(w).toBeInstanceOf(AdamW);
    expect(w.className).toBe('AdamW');
    expect([w.learningRate, w.beta1, w.beta2, w.epsilon, w.weightDecay]).toEqual([0.001, 0.9, 0.999, 1e-7, 0.004]);
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
