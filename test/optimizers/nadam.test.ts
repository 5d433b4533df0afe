// Nadam against the expected values of Keras 3's own tests, on every ISA path (TensorFlow.js has no Nadam).
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Nadam, nadam, deserializeOptimizer, getOptimizer, serializeOptimizer } from '../../lib/optimizers/index.js';
import { expectAllClose, kerasGoldenRun, kerasWeightDecayRun, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

describe('nadam: should throw', () => {
  it('rejects bad options', () => {
    expect(() => nadam({ beta1: 1.5 })).toThrow(/nadam: beta1 must be a number in \[0, 1\)/);
    expect(() => nadam({ beta2: 1 })).toThrow(ValueError);
    expect(() => nadam({ epsilon: null as never })).toThrow(ArgumentTypeError);
    expect(() => nadam({ momentumDecay: 0.004 } as never)).toThrow(/nadam: unknown option 'momentumDecay'/);
  });
});

describe('nadam: Keras 3 expected values', () => {
  it('has the Keras defaults, its name and its config', () => {
    const a = nadam();
    expect(a).toBeInstanceOf(Nadam);
    expect([a.className, a.learningRate, a.beta1, a.beta2, a.epsilon, a.weightDecay]).toEqual(['Nadam', 0.001, 0.9, 0.999, 1e-7, 0]);
    expect(getOptimizer('nadam')).toBeInstanceOf(Nadam);
    expect(getOptimizer('Nadam')).toBeInstanceOf(Nadam);
    // Keras nadam_test.py test_config.
    const configured = nadam({ learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5 });
    const config = serializeOptimizer(configured);
    expect(config).toEqual({ className: 'Nadam', config: { learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5, weightDecay: 0 } });
    expect(deserializeOptimizer(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(configured.getConfig());
    // Keras nadam_test.py test_build_with_empty_var_list: building with no variables works.
    const empty = nadam();
    empty.build([]);
    empty.step();
    expect(empty.iterations).toBe(1);
  });

  for (const isa of isas) {
    it(`matches Keras' nadam_test.py (${isa})`, () => {
      binding.setIsa(isa);
      // Keras nadam_test.py, test_single_step (rtol = atol = 1e-4).
      const [single] = runSteps(nadam({ learningRate: 0.5 }), [1, 2, 3, 4], [[1, 6, 7, 2]]);
      expectAllClose(single, [0.4686, 1.4686, 2.4686, 3.4686], 1e-4, 1e-4);
      // Keras nadam_test.py, test_weight_decay (var1).
      expect(kerasWeightDecayRun(nadam)).toBeCloseTo(1.9760959, 6);
      // Keras nadam_test.py, test_correctness_with_golden (rtol = atol = 5e-4).
      const golden = [
        [0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281],
        [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
        [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
        [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
        [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454],
      ];
      const ours = kerasGoldenRun(nadam({ learningRate: 0.5, beta1: 0.5, beta2: 0.67, epsilon: 1e-5 }));
      golden.forEach((row, i) => expectAllClose(ours[i], row, 5e-4, 5e-4));
    });
  }
});
