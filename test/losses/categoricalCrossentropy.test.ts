// Categorical cross-entropy: errors, Keras' documented values, normalisation, logits, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1, 0], [0, 0, 1]]);
const yPred = dn.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);

describe('categoricalCrossentropy: should throw', () => {
  it('rejects mismatched shapes and points integer labels at the sparse loss', () => {
    expect(() => dn.losses.categoricalCrossentropy(dn.zeros([2, 2]), yPred)).toThrow(ShapeError);
    expect(() => dn.losses.categoricalCrossentropy(dn.tensor([1, 2]), yPred)).toThrow(/integer class labels need sparseCategoricalCrossentropy/);
    expect(() => dn.losses.categoricalCrossentropy(dn.zeros([]), dn.zeros([]))).toThrow(/must have a class axis/);
  });
});

describe('categoricalCrossentropy', () => {
  it('gives the values of the Keras documentation', () => {
    expect(dn.losses.categoricalCrossentropy(yTrue, yPred).item()).toBeCloseTo(1.177, 3);
    expect(dn.losses.categoricalCrossentropy(yTrue, yPred, { sampleWeight: dn.tensor([0.3, 0.7]) }).item()).toBeCloseTo(0.814, 3);
    expect(dn.losses.categoricalCrossentropy(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(2.354, 3);
    const none = dn.losses.categoricalCrossentropy(yTrue, yPred, { reduction: 'none' }).toArray() as number[];
    expect(none[0]).toBeCloseTo(0.0513, 4);
    expect(none[1]).toBeCloseTo(2.303, 3);
  });

  it("gives Keras 3's values: losses_test.py › CategoricalCrossentropyTest, from probabilities and from logits", () => {
    const t = dn.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const probabilities = dn.tensor([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]]);
    const logits = dn.tensor([[8, 1, 1], [0, 9, 1], [2, 3, 5]]);
    const fromLogits = { fromLogits: true } as const;
    const perSample = dn.tensor([[1.2], [3.4], [5.6]]);
    // test_unweighted, test_scalar_weighted, test_sample_weighted (Keras' assertAlmostEqual: 3 places).
    expect(dn.losses.categoricalCrossentropy(t, probabilities).item()).toBeCloseTo(0.3239, 3);
    expect(dn.losses.categoricalCrossentropy(t, logits, fromLogits).item()).toBeCloseTo(0.0573, 3);
    expect(dn.losses.categoricalCrossentropy(t, probabilities, { sampleWeight: 2.3 }).item()).toBeCloseTo(0.7449, 3);
    expect(dn.losses.categoricalCrossentropy(t, logits, { ...fromLogits, sampleWeight: 2.3 }).item()).toBeCloseTo(0.1317, 3);
    expect(dn.losses.categoricalCrossentropy(t, probabilities, { sampleWeight: perSample }).item()).toBeCloseTo(1.0696, 3);
    expect(dn.losses.categoricalCrossentropy(t, logits, { ...fromLogits, sampleWeight: perSample }).item()).toBeCloseTo(0.31829, 4);
    // test_no_reduction (assertAllClose: rtol = atol = 1e-6).
    const none = dn.losses.categoricalCrossentropy(t, logits, { ...fromLogits, reduction: 'none' }).toArray() as number[];
    [0.001822, 0.000459, 0.169846].forEach((v, i) => expect(Math.abs(none[i] - v)).toBeLessThanOrEqual(1e-6 + 1e-6 * v));
    // test_label_smoothing: logits [100, -100, -100], smoothing 0.1 costs 400 * 0.1 / 3.
    expect(dn.losses.categoricalCrossentropy(dn.tensor([[1, 0, 0]]), dn.tensor([[100, -100, -100]]), { ...fromLogits, labelSmoothing: 0.1 }).item())
      .toBeCloseTo(400 * 0.1 / 3, 4);
  });

  it('normalises probabilities that do not sum to 1', () => {
    const scaled = dn.losses.categoricalCrossentropy(yTrue, yPred.mul(3)).item();
    expect(scaled).toBeCloseTo(1.177, 3);
  });

  it('matches the probability form from logits (fused kernel), with label smoothing', () => {
    const logits = dn.tensor([[2, -1, 0.5], [0, 1, 3]]);
    const a = dn.losses.categoricalCrossentropy(yTrue, logits, { fromLogits: true, labelSmoothing: 0.1 }).item();
    const b = dn.losses.categoricalCrossentropy(yTrue, dn.softmax(logits), { labelSmoothing: 0.1 }).item();
    expect(a).toBeCloseTo(b, 5);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = dn.tensor([[0, 1, 0, 0], [0.2, 0.3, 0.5, 0], [0, 0, 0, 1]]);
    gradcheck((p) => dn.losses.categoricalCrossentropy(t, p), [randomTensor([3, 4], { seed: 12, positive: true, low: 0.1, high: 1 })]);
    gradcheck((p) => dn.losses.categoricalCrossentropy(t, p, { fromLogits: true }), [randomTensor([3, 4], { seed: 13 })]);
    gradcheck(
      (p) => dn.losses.categoricalCrossentropy(t, p, { fromLogits: true, reduction: 'none', sampleWeight: dn.tensor([1, 0.5, 2]) }),
      [randomTensor([3, 4], { seed: 14 })],
    );
  });
});
