// Binary cross-entropy: errors, Keras' documented values, clipping, logits, label smoothing, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1], [0, 0]]);
const yPred = dn.tensor([[0.6, 0.4], [0.4, 0.6]]);

describe('binaryCrossentropy: should throw', () => {
  it('rejects mismatched shapes and bad options', () => {
    expect(() => dn.losses.binaryCrossentropy(dn.zeros([4, 1]), dn.zeros([4, 2]))).toThrow(ShapeError);
    expect(() => dn.losses.binaryCrossentropy(yTrue, yPred, { fromLogits: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.losses.binaryCrossentropy(yTrue, yPred, { labelSmoothing: 2 })).toThrow(/labelSmoothing must be a number in \[0, 1\], got 2/);
    expect(() => dn.losses.binaryCrossentropy(yTrue, yPred, { from_logits: true } as never)).toThrow(/unknown option 'from_logits' \(did you mean 'fromLogits'\?\)/);
  });
});

describe('binaryCrossentropy', () => {
  it('gives the values of the Keras documentation', () => {
    expect(dn.losses.binaryCrossentropy(yTrue, yPred).item()).toBeCloseTo(0.8149, 4);
    expect(dn.losses.binaryCrossentropy(yTrue, yPred, { sampleWeight: dn.tensor([1, 0]) }).item()).toBeCloseTo(0.4581, 4);
    expect(dn.losses.binaryCrossentropy(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(1.62985, 4);
    const none = dn.losses.binaryCrossentropy(yTrue, yPred, { reduction: 'none' }).toArray() as number[];
    expect(none[0]).toBeCloseTo(0.9163, 4);
    expect(none[1]).toBeCloseTo(0.7136, 4);
  });

  it('clips probabilities to [1e-7, 1 - 1e-7] in float32, as Keras and TensorFlow.js do', () => {
    expect(dn.losses.binaryCrossentropy(dn.tensor([[1]]), dn.tensor([[0]])).item()).toBeCloseTo(-Math.log(1e-7), 4);
    // 1 - 1e-7 is 1 - 2^-23 in float32: a fully wrong prediction of 1 costs 15.942, not 16.118.
    expect(dn.losses.binaryCrossentropy(dn.tensor([[0]]), dn.tensor([[1]])).item()).toBeCloseTo(15.9424, 4);
    // tfjs-layers metrics_test.ts › binaryCrossentropy › '2D single-value yTrue'.
    const perSample = dn.losses.binaryCrossentropy(
      dn.tensor([[0], [0], [0], [1], [1], [1]]), dn.tensor([[0], [0.5], [1], [0], [0.5], [1]]), { reduction: 'none' },
    ).toArray() as number[];
    const expected = [1.00000015e-7, 6.93147182e-1, 1.59423847e1, 1.61180954e1, 6.93147182e-1, 1.19209332e-7];
    perSample.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
    // Keras 3 losses_test.py › BinaryCrossentropyTest › test_unweighted and test_sample_weighted.
    const t = dn.tensor([[1, 0], [1, 0]]);
    const p = dn.tensor([[1, 1], [1, 0]]);
    expect(dn.losses.binaryCrossentropy(t, p).item()).toBeCloseTo(3.98559, 4);
    expect(dn.losses.binaryCrossentropy(t, p, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(4.7827, 4);
    // test_scalar_weighted (Keras' assertAlmostEqual: 3 places).
    expect(dn.losses.binaryCrossentropy(t, p, { sampleWeight: 2.3 }).item()).toBeCloseTo(9.1668, 3);
    expect(dn.losses.binaryCrossentropy(
      dn.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), dn.tensor([[0.9, 0.1, 0.2], [0.3, 0.8, 0.1], [0.1, 0.2, 0.7]]),
    ).item()).toBeCloseTo(0.20046903, 5);
  });

  it('matches the probability form from logits, and stays finite for large logits', () => {
    const logits = dn.tensor([[-3, 0.5], [2, -0.2]]);
    const fromLogits = dn.losses.binaryCrossentropy(yTrue, logits, { fromLogits: true }).item();
    expect(fromLogits).toBeCloseTo(dn.losses.binaryCrossentropy(yTrue, dn.sigmoid(logits)).item(), 5);
    const large = dn.losses.binaryCrossentropy(dn.tensor([[1]]), dn.tensor([[-200]]), { fromLogits: true }).item();
    expect(large).toBeCloseTo(200, 3);
  });

  it("gives Keras 3's values from logits: losses_test.py › BinaryCrossentropyTest", () => {
    const t = dn.tensor([[1, 0, 1], [0, 1, 1]]);
    const logits = dn.tensor([[10, -10, 10], [10, 10, -10]]);
    const fromLogits = { fromLogits: true } as const;
    // test_unweighted, test_scalar_weighted, test_sample_weighted (weights [4, 3]), at Keras' assertAlmostEqual
    // tolerance (numpy's assert_almost_equal to 3 decimals: |got - want| < 1.5e-3).
    const kerasAlmostEqual = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1.5e-3);
    kerasAlmostEqual(dn.losses.binaryCrossentropy(t, logits, fromLogits).item(), 3.3333);
    kerasAlmostEqual(dn.losses.binaryCrossentropy(t, logits, { ...fromLogits, sampleWeight: 2.3 }).item(), 7.666);
    kerasAlmostEqual(dn.losses.binaryCrossentropy(t, logits, { ...fromLogits, sampleWeight: dn.tensor([4, 3]) }).item(), 10);
    // test_no_reduction (atol 1e-3).
    const none = dn.losses.binaryCrossentropy(t, logits, { ...fromLogits, reduction: 'none' }).toArray() as number[];
    [0, 6.666].forEach((v, i) => expect(Math.abs(none[i] - v)).toBeLessThanOrEqual(1e-3 + 1e-6 * v));
    // test_label_smoothing: logits [10, -10, -10], labels [1, 0, 1], smoothing 0.1 cost (10 + 5 * 0.1) / 3.
    expect(dn.losses.binaryCrossentropy(dn.tensor([[1, 0, 1]]), dn.tensor([[10, -10, -10]]), { ...fromLogits, labelSmoothing: 0.1 }).item())
      .toBeCloseTo((10 + 5 * 0.1) / 3, 4);
  });

  it('smooths labels toward 0.5', () => {
    const smoothed = dn.losses.binaryCrossentropy(dn.tensor([[1]]), dn.tensor([[0.9]]), { labelSmoothing: 0.2 }).item();
    expect(smoothed).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), 5);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = dn.tensor([[1, 0, 1], [0, 0, 1]]);
    gradcheck((p) => dn.losses.binaryCrossentropy(t, p), [randomTensor([2, 3], { seed: 9, positive: true, low: 0.1, high: 0.9 })]);
    gradcheck((p) => dn.losses.binaryCrossentropy(t, p, { fromLogits: true }), [randomTensor([2, 3], { seed: 10 })]);
    gradcheck((p) => dn.losses.binaryCrossentropy(t, p, { fromLogits: true, reduction: 'none', labelSmoothing: 0.1 }), [randomTensor([2, 3], { seed: 11 })]);
  });
});
