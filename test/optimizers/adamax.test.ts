// Adamax against the expected values of Keras 3's and TensorFlow.js's own tests, on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Adamax, adamax, deserializeOptimizer, getOptimizer, serializeOptimizer } from '../../lib/optimizers/index.js';
import { expectAllClose, kerasGoldenRun, kerasWeightDecayRun, minimizeSumOfSquares, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

describe('adamax: should throw', () => {
  it('rejects bad options', () => {
    expect(() => adamax({ beta1: 1 })).toThrow(/adamax: beta1 must be a number in \[0, 1\)/);
    expect(() => adamax({ beta2: -0.1 })).toThrow(ValueError);
    expect(() => adamax({ epsilon: '1e-7' as never })).toThrow(ArgumentTypeError);
    expect(() => adamax({ beta_2: 0.9 } as never)).toThrow(/unknown option 'beta_2' \(did you mean 'beta2'\?\)/);
    expect(() => adamax({ decay: 0.1 } as never)).toThrow(/adamax: unknown option 'decay'/);
    expect(() => adamax({ amsgrad: true } as never)).toThrow(/unknown option 'amsgrad'/);
  });
});

describe('adamax: Keras 3 and TensorFlow.js expected values', () => {
  it('has the Keras defaults, its name and its config', () => {
    const a = adamax();
    expect(a).toBeInstanceOf(Adamax);
    expect([a.className, a.learningRate, a.beta1, a.beta2, a.epsilon, a.weightDecay]).toEqual(['Adamax', 0.001, 0.9, 0.999, 1e-7, 0]);
    expect(getOptimizer('adamax')).toBeInstanceOf(Adamax);
    expect(getOptimizer('Adamax')).toBeInstanceOf(Adamax);
    expect(adamax(0.002).learningRate).toBe(0.002);
    // Keras adamax_test.py test_config: the config rebuilds the same optimizer.
    const configured = adamax({ learningRate: 0.5, beta1: 0.8, beta2: 0.95, epsilon: 1e-5 });
    const config = serializeOptimizer(configured);
    expect(config).toEqual({ className: 'Adamax', config: { learningRate: 0.5, beta1: 0.8, beta2: 0.95, epsilon: 1e-5, weightDecay: 0 } });
    expect(deserializeOptimizer(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(configured.getConfig());
    expect(a.getWeights().map((w) => w.name)).toEqual(['iteration']);
    runSteps(a, [1], [[1]]);
    expect(a.getWeights().map((w) => w.name)).toEqual(['iteration', 'w/m', 'w/u']);
  });

  for (const isa of isas) {
    it(`matches Keras' adamax_test.py and TensorFlow.js's adamax_optimizer_test.ts (${isa})`, () => {
      binding.setIsa(isa);
      // Keras adamax_test.py, test_single_step (rtol = atol = 1e-4).
      const [single] = runSteps(adamax({ learningRate: 0.5 }), [1, 2, 3, 4], [[1, 6, 7, 2]]);
      expectAllClose(single, [0.5, 1.5, 2.5, 3.5], 1e-4, 1e-4);
      // Keras adamax_test.py, test_weight_decay (var1).
      expect(kerasWeightDecayRun(adamax)).toBeCloseTo(1.9760959, 6);
      // Keras adamax_test.py, test_correctness_with_golden (rtol = atol = 5e-4).
      const golden = [
        [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
        [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
        [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
        [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
        [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126],
      ];
      const ours = kerasGoldenRun(adamax({ learningRate: 0.2, beta1: 0.85, beta2: 0.95, epsilon: 1e-6 }));
      golden.forEach((row, i) => expectAllClose(ours[i], row, 5e-4, 5e-4));
      // TensorFlow.js adamax_optimizer_test.ts, 'basic': tf.train.adamax(0.1, 0.8, 0.9, undefined, decay 0.1)
      // minimizing sum(x^2) from [2, 4]; its learning-rate decay lr / (1 + decay * iteration) is a schedule here.
      // (expectArraysClose's float32 tolerance, 1e-3.)
      const tfjs = minimizeSumOfSquares(adamax({ learningRate: (step) => 0.1 / (1 + 0.1 * step), beta1: 0.8, beta2: 0.9 }), [2, 4], 2);
      expectAllClose(tfjs[0].x, [1.9, 3.9], 0, 1e-3);
      expectAllClose(tfjs[1].x, [1.80697, 3.8086], 0, 1e-3);
    });
  }
});
