// Adadelta against the expected values of Keras 3's and TensorFlow.js's own tests, on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import {
  Adadelta, adadelta, deserializeOptimizer, getOptimizer, serializeOptimizer, type OptimizerVariable,
} from '../../lib/optimizers/index.js';
import { expectAllClose, kerasGoldenRun, kerasWeightDecayRun, minimizeSumOfSquares, runSteps, variable } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

describe('adadelta: should throw', () => {
  it('rejects bad options', () => {
    expect(() => adadelta({ rho: 1 })).toThrow(/adadelta: rho must be a number in \[0, 1\)/);
    expect(() => adadelta({ epsilon: -1 })).toThrow(ValueError);
    expect(() => adadelta({ rho: '0.95' as never })).toThrow(ArgumentTypeError);
    expect(() => adadelta({ decay: 0.9 } as never)).toThrow(/adadelta: unknown option 'decay'/);
    expect(() => adadelta({ beta2: 0.9 } as never)).toThrow(/unknown option 'beta2'/);
  });
});

describe('adadelta: Keras 3 and TensorFlow.js expected values', () => {
  it('has the Keras defaults, its name and its config', () => {
    const a = adadelta();
    expect(a).toBeInstanceOf(Adadelta);
    expect([a.className, a.learningRate, a.rho, a.epsilon, a.weightDecay]).toEqual(['Adadelta', 0.001, 0.95, 1e-7, 0]);
    expect(getOptimizer('adadelta')).toBeInstanceOf(Adadelta);
    expect(getOptimizer('Adadelta')).toBeInstanceOf(Adadelta);
    // Keras adadelta_test.py test_config and TensorFlow.js 'serialization round-trip'.
    const configured = adadelta({ learningRate: 0.5, rho: 0.9, epsilon: 1e-5 });
    const config = serializeOptimizer(configured);
    expect(config).toEqual({ className: 'Adadelta', config: { learningRate: 0.5, rho: 0.9, epsilon: 1e-5, weightDecay: 0 } });
    expect(deserializeOptimizer(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(configured.getConfig());
  });

  for (const isa of isas) {
    it(`matches Keras' adadelta_test.py and TensorFlow.js's adadelta_optimizer_test.ts (${isa})`, () => {
      binding.setIsa(isa);
      // Keras adadelta_test.py, test_single_step (rtol = atol = 1e-4).
      const [single] = runSteps(adadelta({ learningRate: 0.5 }), [1, 2, 3, 4], [[1, 6, 7, 2]]);
      expectAllClose(single, [0.9993, 1.9993, 2.9993, 3.9993], 1e-4, 1e-4);
      // Keras adadelta_test.py, test_weight_decay (var1).
      expect(kerasWeightDecayRun(adadelta)).toBeCloseTo(1.9760959, 6);
      // Keras adadelta_test.py, test_correctness_with_golden (rtol = atol = 5e-4).
      const golden = [0.9978, 0.9947, 0.9915, 0.9882, 0.9849];
      const ours = kerasGoldenRun(adadelta({ learningRate: 1, rho: 0.8, epsilon: 1e-6 }));
      golden.forEach((value, i) => expectAllClose(ours[i], new Array(10).fill(value), 5e-4, 5e-4));
      // TensorFlow.js adadelta_optimizer_test.ts, 'basic' (tf.train.adadelta(0.1, 0.95) minimizing sum(x^2) from
      // [1, 2]) expects x = [0.8, 1.6]: TensorFlow.js divides by the mean square gradient of the step BEFORE
      // (sqrt(0 + eps) at the first step, so the first update is the raw gradient). Keras, PyTorch and Zeiler's
      // paper divide by the updated one, as Dendrite does: 1 - 0.1 * 2 * sqrt(eps) / sqrt(0.05 * 4 + eps).
      const [first] = minimizeSumOfSquares(adadelta({ learningRate: 0.1, rho: 0.95 }), [1, 2], 1);
      expect(first.cost).toBeCloseTo(5, 5);
      const expected = [1, 2].map((x) => x - (0.1 * 2 * x * Math.sqrt(1e-7)) / Math.sqrt(0.05 * 4 * x * x + 1e-7));
      expectAllClose(first.x, expected, 1e-6, 0);
      expect(Math.abs(first.x[0] - 0.8)).toBeGreaterThan(0.1);
    });
  }

  it("continues from saved state (TensorFlow.js's 'Save, load weights and continue training')", () => {
    const step = (optimizer: Adadelta, x: OptimizerVariable) => {
      const c = x.value.square().sum();
      c.backward();
      optimizer.step();
      return c.item();
    };
    // Two steps straight...
    const straight = variable('x', [1, 2]);
    const once = adadelta({ learningRate: 0.1, rho: 0.95 });
    once.build([straight]);
    step(once, straight);
    step(once, straight);
    // ...and one step, the state moved to a fresh optimizer, one more.
    const x = variable('x', [1, 2]);
    const first = adadelta({ learningRate: 0.1, rho: 0.95 });
    first.build([x]);
    expect(step(first, x)).toBeCloseTo(5, 5);
    const weights = first.getWeights();
    expect(weights.map((w) => w.name)).toEqual(['iteration', 'x/accumulatedGrad', 'x/accumulatedDelta']);
    const second = adadelta({ learningRate: 0.1, rho: 0.95 });
    second.build([x]);
    second.setWeights(weights);
    step(second, x);
    expect(Array.from(x.value.dataSync())).toEqual(Array.from(straight.value.dataSync()));
    expect(second.iterations).toBe(2);
  });
});
