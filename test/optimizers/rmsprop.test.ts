// RMSprop against hand-computed Keras updates (float64 replay), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { deserializeOptimizer, RMSprop, rmsprop, serializeOptimizer } from '../../lib/optimizers/index.js';
import { expectAllClose, expectClose, GRADIENTS, INITIAL, kerasGoldenRun, kerasWeightDecayRun, minimizeSumOfSquares, runSteps, variable } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/** Keras RMSprop: v = rho*v + (1-rho)*g^2; inc = lr*g/sqrt(v + eps); mom = momentum*mom + inc; p -= mom (or inc). */
function kerasRmsprop(lr: number, rho: number, momentum: number, eps: number): number[][] {
  const p = [...INITIAL];
  const v = p.map(() => 0);
  const mom = p.map(() => 0);
  return GRADIENTS.map((g) => {
    for (let i = 0; i < p.length; i++) {
      v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
      const increment = (lr * g[i]) / Math.sqrt(v[i] + eps);
      if (momentum > 0) {
        mom[i] = momentum * mom[i] + increment;
        p[i] -= mom[i];
      } else {
        p[i] -= increment;
      }
    }
    return [...p];
  });
}

describe('rmsprop: should throw', () => {
  it('rejects bad options', () => {
    expect(() => rmsprop({ rho: 1.5 })).toThrow(ValueError);
    expect(() => rmsprop({ momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => rmsprop({ epsilon: null as never })).toThrow(ArgumentTypeError);
    expect(() => rmsprop({ decay: 0.9 } as never)).toThrow(/unknown option 'decay'/);
    expect(() => rmsprop({ centered: 'true' } as never)).toThrow(/rmsprop: centered must be a boolean/);
    expect(() => rmsprop({ center: true } as never)).toThrow(/did you mean 'centered'/);
  });
});

describe('rmsprop: Keras updates', () => {
  it('has the Keras defaults', () => {
    const r = rmsprop();
    expect(r).toBeInstanceOf(RMSprop);
    expect([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered]).toEqual([0.001, 0.9, 0, 1e-7, false]);
    // Keras rmsprop_test.py test_config.
    const configured = rmsprop({ learningRate: 0.5, rho: 0.8, momentum: 0.05, epsilon: 1e-6, centered: true });
    const config = serializeOptimizer(configured);
    expect(config).toEqual({ className: 'RMSprop', config: { learningRate: 0.5, rho: 0.8, momentum: 0.05, epsilon: 1e-6, centered: true, weightDecay: 0 } });
    expect(deserializeOptimizer(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(configured.getConfig());
  });

  for (const isa of isas) {
    // The one gradient of 1e-3 gives a mean square of 1e-7 where Keras' epsilon inside the square root matters;
    // that element is compared with the kernel's (PyTorch) placement instead, the others with Keras.
    it(`matches Keras with and without momentum (${isa}; relative tolerance 1e-5)`, () => {
      binding.setIsa(isa);
      const ours = runSteps(rmsprop({ learningRate: 0.01 }), INITIAL, GRADIENTS);
      const keras = kerasRmsprop(0.01, 0.9, 0, 1e-7);
      for (let s = 0; s < 3; s++) expectClose(ours[s].slice(0, 3), keras[s].slice(0, 3), 1e-5);
      const withMomentum = runSteps(rmsprop({ learningRate: 0.01, momentum: 0.8, rho: 0.5 }), INITIAL, GRADIENTS);
      const kerasMomentum = kerasRmsprop(0.01, 0.5, 0.8, 1e-7);
      for (let s = 0; s < 3; s++) expectClose(withMomentum[s].slice(0, 3), kerasMomentum[s].slice(0, 3), 1e-5);
    });
  }

  for (const isa of isas) {
    it(`matches Keras' rmsprop_test.py and TensorFlow.js's rmsprop_optimizer_test.ts, centered and with momentum (${isa})`, () => {
      binding.setIsa(isa);
      // Keras rmsprop_test.py, test_single_step (rtol = atol = 1e-4).
      const [single] = runSteps(rmsprop({ learningRate: 0.5 }), [1, 2, 3, 4], [[1, 6, 7, 2]]);
      expectAllClose(single, [-0.5811, 0.4189, 1.4189, 2.4189], 1e-4, 1e-4);
      // Keras rmsprop_test.py, test_weight_decay (var1).
      expect(kerasWeightDecayRun(rmsprop)).toBeCloseTo(1.9760959, 6);
      // Keras rmsprop_test.py, test_correctness_with_golden: RMSprop(centered=True) (rtol = atol = 5e-4).
      const golden = [0.9967, 0.9933, 0.9908, 0.9885, 0.9864];
      const ours = kerasGoldenRun(rmsprop({ centered: true }));
      golden.forEach((v, i) => expectAllClose(ours[i], new Array(10).fill(v), 5e-4, 5e-4));
      // TensorFlow.js rmsprop_optimizer_test.ts, 'basic': tf.train.rmsprop(0.1, 0.95, momentum 0.1), sum(x^2) from
      // [1, 2] (the second step's expectation is the test's own, at its tolerance 1e-2).
      const basic = minimizeSumOfSquares(rmsprop({ learningRate: 0.1, rho: 0.95, momentum: 0.1 }), [1, 2], 2);
      expectAllClose(basic[0].x, [0.55279, 1.55279], 0, 1e-3);
      expectAllClose(basic[1].x, [0.28745, 1.222943], 0, 1e-2);
      // TensorFlow.js 'gradient with centered momentum': tf.train.rmsprop(0.1, 0.95, 0.1, 1e-8, true).
      const centered = minimizeSumOfSquares(rmsprop({ learningRate: 0.1, rho: 0.95, momentum: 0.1, epsilon: 1e-8, centered: true }), [1, 2], 2);
      expectAllClose(centered[0].x, [0.54117, 1.541169], 0, 1e-3);
      expectAllClose(centered[1].x, [0.267785, 1.2035924], 0, 1e-2);
    });
  }

  it("resumes from saved state, centered and with momentum (TensorFlow.js 'Save, load weights and continue training')", () => {
    // tf.train.rmsprop(0.1, 0.95, 0.1, undefined, centered): costs 5, 2.668063, 1.520341 and x = [0.2677834, 1.2035918]
    // after two steps, each optimizer continuing from the previous one's weights.
    const x = variable('x', [1, 2]);
    const options = { learningRate: 0.1, rho: 0.95, momentum: 0.1, centered: true };
    const costs: number[] = [];
    let weights = null as ReturnType<RMSprop['getWeights']> | null;
    for (let k = 0; k < 3; k++) {
      const optimizer = rmsprop(options);
      optimizer.build([x]);
      if (weights !== null) optimizer.setWeights(weights);
      const cost = x.value.square().sum();
      cost.backward();
      optimizer.step();
      costs.push(cost.item());
      weights = optimizer.getWeights();
      // An iteration variable and three state variables.
      expect(weights.map((w) => w.name)).toEqual(['iteration', 'x/meanSquare', 'x/momentum', 'x/meanGrad']);
      expect(optimizer.iterations).toBe(k + 1);
      if (k === 0) expectAllClose(x.value.dataSync(), [0.5411684, 1.5411685], 0, 1e-3);
      if (k === 1) expectAllClose(x.value.dataSync(), [0.2677834, 1.2035918], 0, 1e-3);
    }
    expectAllClose(costs, [5, 2.668063, 1.520341], 0, 1e-3);
  });

  it('keeps a momentum slot only with momentum', () => {
    const r = rmsprop({ momentum: 0.9 });
    runSteps(r, [1], [[1]]);
    expect(r.getWeights().map((w) => w.name)).toEqual(['iteration', 'w/meanSquare', 'w/momentum']);
    // mean square after one step: (1 - 0.9) * 1
    expect(r.getWeights()[1].tensor.item()).toBeCloseTo(0.1, 7);
    // Centered without momentum: the mean gradient without a momentum buffer.
    const c = rmsprop({ centered: true });
    runSteps(c, [1], [[2]]);
    expect(c.getWeights().map((w) => w.name)).toEqual(['iteration', 'w/meanSquare', 'w/meanGrad']);
    expectClose(c.getWeights()[2].tensor.dataSync(), [0.2], 1e-7);
    c.setWeights(c.getWeights());
    expect(c.iterations).toBe(1);
  });

  it('divides by the standard deviation when centered (a constant gradient: variance rho^t (1 - rho^t) g^2)', () => {
    // ms = (1 - rho^t) g^2 and mg = (1 - rho^t) g, so ms - mg^2 = rho^t (1 - rho^t) g^2 (epsilon outside the root).
    const steps = runSteps(rmsprop({ learningRate: 0.01, rho: 0.9, centered: true }), [0], [[1], [1], [1]]);
    let p = 0;
    for (let t = 1; t <= 3; t++) {
      const ms = 1 - 0.9 ** t, mg = 1 - 0.9 ** t;
      p -= 0.01 / (Math.sqrt(ms - mg * mg) + 1e-7);
      expectClose(steps[t - 1], [p], 2e-6);
    }
  });
});
