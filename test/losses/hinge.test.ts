// Hinge loss: errors, the peers' expected values (0/1 labels turned into -1/1 as in Keras 3), weights,
// gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1], [0, 0]]);
const yPred = dn.tensor([[0.6, 0.4], [0.4, 0.6]]);

describe('hinge: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.hinge(dn.zeros([2, 3]), dn.zeros([3, 2]))).toThrow(ShapeError);
  });
});

describe('hinge', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › HingeTest › test_unweighted, test_weighted, test_zero_weighted.
    expect(dn.losses.hinge(yTrue, yPred).item()).toBeCloseTo(1.3, 5);
    expect(dn.losses.hinge(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(2.6, 5);
    const none = dn.losses.hinge(yTrue, yPred, { reduction: 'none' }).toArray() as number[];
    expect(none[0]).toBeCloseTo(1.1, 5);
    expect(none[1]).toBeCloseTo(1.5, 5);
    expect(dn.losses.hinge(yTrue, yPred, { sampleWeight: [1, 0] }).item()).toBeCloseTo(0.55, 5);
    expect(dn.losses.hinge(yTrue, yPred, { sampleWeight: [1, 0], reduction: 'sum' }).item()).toBeCloseTo(1.1, 5);
    expect(dn.losses.hinge(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › hinge › '2D' (targets that are not 0/1 are used as they are).
    const tfjs = dn.losses.hinge(dn.tensor([[-1, 2], [-3, 2]]), dn.tensor([[-3, 5], [3, -2]]), { reduction: 'none' }).toArray() as number[];
    expect(tfjs).toEqual([0, (1 - -3 * 3 + (1 - 2 * -2)) / 2]);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    gradcheck((p) => dn.losses.hinge(dn.tensor([[1, -1, 1], [-1, -1, 1]]), p), [randomTensor([2, 3], { seed: 36, low: 0.1, high: 0.9 })]);
    gradcheck((p) => dn.losses.hinge(dn.tensor([[1, 0, 1], [0, 0, 1]]), p, { reduction: 'none' }), [randomTensor([2, 3], { seed: 37, low: 0.1, high: 0.9 })]);
  });
});
