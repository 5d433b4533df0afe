// Sparse categorical cross-entropy: errors, Keras' documented values, label checks, logits, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const labels = dn.tensor([1, 2], { dtype: 'int32' });
const yPred = dn.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]);

describe('sparseCategoricalCrossentropy: should throw', () => {
  it('rejects labels of the wrong shape, pointing one-hot targets at the categorical loss', () => {
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([1, 2, 0]), yPred)).toThrow(ShapeError);
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([1, 2, 0]), yPred)).toThrow(
      'sparseCategoricalCrossentropy: yTrue must hold one class label per row (shape [2]) for yPred [2, 3], got yTrue [3]',
    );
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.zeros([2, 3]), yPred)).toThrow(/one-hot targets need categoricalCrossentropy/);
  });

  it('rejects labels that are not class indices, naming the row', () => {
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([1, 3], { dtype: 'int32' }), yPred)).toThrow(ValueError);
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([1, 3], { dtype: 'int32' }), yPred)).toThrow(
      'sparseCategoricalCrossentropy: yTrue[1] must be a class index in [0, 3), got 3',
    );
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([0.5, 1]), yPred, { fromLogits: true })).toThrow(/yTrue\[0\] must be a class index in \[0, 3\), got 0.5/);
    expect(() => dn.losses.sparseCategoricalCrossentropy(dn.tensor([-1, 1], { dtype: 'int32' }), yPred, { fromLogits: true })).toThrow(ValueError);
  });
});

describe('sparseCategoricalCrossentropy', () => {
  it('gives the values of the Keras documentation, for int32 and float labels, [n] and [n, 1]', () => {
    expect(dn.losses.sparseCategoricalCrossentropy(labels, yPred).item()).toBeCloseTo(1.177, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(dn.tensor([[1], [2]]), yPred).item()).toBeCloseTo(1.177, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(labels, yPred, { sampleWeight: dn.tensor([0.3, 0.7]) }).item()).toBeCloseTo(0.814, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(labels, yPred, { reduction: 'sum' }).item()).toBeCloseTo(2.354, 3);
  });

  it('divides probability rows by their sum, as Keras and categoricalCrossentropy do', () => {
    // Keras 3 losses_test.py › SparseCategoricalCrossentropyTest › test_unweighted and test_sample_weighted
    // (compared to 3 places, as there).
    const classes = dn.tensor([0, 1, 2], { dtype: 'int32' });
    const probabilities = dn.tensor([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]]);
    expect(dn.losses.sparseCategoricalCrossentropy(classes, probabilities).item()).toBeCloseTo(0.3239, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(dn.tensor([[0], [1], [2]]), probabilities, { sampleWeight: dn.tensor([[1.2], [3.4], [5.6]]) }).item())
      .toBeCloseTo(1.0696, 3);
    const logits = dn.tensor([[8, 1, 1], [0, 9, 1], [2, 3, 5]]);
    expect(dn.losses.sparseCategoricalCrossentropy(classes, logits, { fromLogits: true }).item()).toBeCloseTo(0.0573, 3);
    // test_scalar_weighted: a scalar sample weight.
    expect(dn.losses.sparseCategoricalCrossentropy(classes, probabilities, { sampleWeight: 2.3 }).item()).toBeCloseTo(0.7449, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(classes, logits, { fromLogits: true, sampleWeight: 2.3 }).item()).toBeCloseTo(0.1317, 3);
    expect(dn.losses.sparseCategoricalCrossentropy(classes, probabilities).item())
      .toBeCloseTo(dn.losses.categoricalCrossentropy(dn.oneHot(classes, 3), probabilities).item(), 6);
  });

  it('agrees with categoricalCrossentropy on one-hot targets, from logits', () => {
    const logits = randomTensor([5, 4], { seed: 15 });
    const classes = dn.tensor([0, 3, 1, 1, 2], { dtype: 'int32' });
    const sparse = dn.losses.sparseCategoricalCrossentropy(classes, logits, { fromLogits: true }).item();
    const dense = dn.losses.categoricalCrossentropy(dn.oneHot(classes, 4), logits, { fromLogits: true }).item();
    expect(sparse).toBeCloseTo(dense, 6);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const classes = dn.tensor([2, 0, 3], { dtype: 'int32' });
    // Rows that do not sum to 1: the gradient goes through the normalisation.
    gradcheck((p) => dn.losses.sparseCategoricalCrossentropy(classes, p), [randomTensor([3, 4], { seed: 16, positive: true, low: 0.1, high: 0.9 })]);
    gradcheck((p) => dn.losses.sparseCategoricalCrossentropy(classes, p, { fromLogits: true }), [randomTensor([3, 4], { seed: 17 })]);
    gradcheck((p) => dn.losses.sparseCategoricalCrossentropy(classes, p, { fromLogits: true, reduction: 'none' }), [randomTensor([3, 4], { seed: 18 })]);
  });
});
