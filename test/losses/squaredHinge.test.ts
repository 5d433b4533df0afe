// Squared hinge loss: errors, the peers' expected values, weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1], [0, 0]]);
const yPred = dn.tensor([[0.6, 0.4], [0.4, 0.6]]);

describe('squaredHinge: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.squaredHinge(dn.zeros([2, 3]), dn.zeros([2, 4]))).toThrow(ShapeError);
  });
});

describe('squaredHinge', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › SquaredHingeTest › test_unweighted, test_weighted, test_zero_weighted.
    expect(dn.losses.squaredHinge(yTrue, yPred).item()).toBeCloseTo(1.86, 5);
    expect(dn.losses.squaredHinge(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(3.72, 5);
    const none = dn.losses.squaredHinge(yTrue, yPred, { reduction: 'none' }).toArray() as number[];
    expect(none[0]).toBeCloseTo(1.46, 5);
    expect(none[1]).toBeCloseTo(2.26, 5);
    expect(dn.losses.squaredHinge(yTrue, yPred, { sampleWeight: [1, 0] }).item()).toBeCloseTo(0.73, 5);
    expect(dn.losses.squaredHinge(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › squaredHinge › '2D'.
    const tfjs = dn.losses.squaredHinge(dn.tensor([[-1, 2], [-3, 2]]), dn.tensor([[-3, 5], [3, -2]]), { reduction: 'none' }).toArray() as number[];
    expect(tfjs).toEqual([0, (10 * 10 + 5 * 5) / 2]);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    gradcheck((p) => dn.losses.squaredHinge(dn.tensor([[1, -1, 1], [-1, -1, 1]]), p), [randomTensor([2, 3], { seed: 38, low: 0.1, high: 0.9 })]);
  });
});
