// Categorical hinge loss: errors, the peers' expected values, weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1], [0, 0]]);
const yPred = dn.tensor([[0.6, 0.4], [0.4, 0.6]]);

describe('categoricalHinge: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.categoricalHinge(dn.zeros([2]), dn.zeros([2, 2]))).toThrow(
      'categoricalHinge: yTrue and yPred must have the same shape, got yTrue [2] and yPred [2, 2]',
    );
    expect(() => dn.losses.categoricalHinge(dn.zeros([2, 0]), dn.zeros([2, 0]))).toThrow(ShapeError);
  });
});

describe('categoricalHinge', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › CategoricalHingeTest › test_unweighted, test_weighted, test_zero_weighted.
    expect(dn.losses.categoricalHinge(yTrue, yPred).item()).toBeCloseTo(1.4, 5);
    expect(dn.losses.categoricalHinge(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(2.8, 5);
    const none = dn.losses.categoricalHinge(yTrue, yPred, { reduction: 'none' }).toArray() as number[];
    expect(none[0]).toBeCloseTo(1.2, 5);
    expect(none[1]).toBeCloseTo(1.6, 5);
    expect(dn.losses.categoricalHinge(yTrue, yPred, { sampleWeight: [1, 0] }).item()).toBeCloseTo(0.6, 5);
    expect(dn.losses.categoricalHinge(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › categoricalHinge › '2D'.
    const tfjs = dn.losses.categoricalHinge(dn.tensor([[0, 1, 0], [1, 0, 0]]), dn.tensor([[0, 2, 0], [1, 3, 2]]), { reduction: 'none' });
    expect(Array.from(tfjs.dataSync())).toEqual([0, 3 - 1 + 1]);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = dn.oneHot(dn.tensor([2, 0, 1], { dtype: 'int32' }), 4);
    gradcheck((p) => dn.losses.categoricalHinge(t, p), [randomTensor([3, 4], { seed: 39, low: 0.1, high: 0.9 })]);
    gradcheck((p) => dn.losses.categoricalHinge(t, p, { reduction: 'none' }), [randomTensor([3, 4], { seed: 40, low: 0.1, high: 0.9 })]);
  });
});
