// Huber: errors, Keras' documented values, both regions of the gradient.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('huber: should throw', () => {
  it('rejects a delta that is not positive, and mismatched shapes', () => {
    expect(() => new dn.losses.Huber({ delta: 0 })).toThrow(ValueError);
    expect(() => new dn.losses.Huber({ delta: -1 })).toThrow(/huber: delta must be a number in \(0, Infinity\), got -1/);
    expect(() => dn.losses.huber(dn.zeros([2, 2]), dn.zeros([2]))).toThrow(ShapeError);
  });
});

describe('huber', () => {
  it('gives the values of the Keras documentation', () => {
    const yTrue = dn.tensor([[0, 1], [0, 0]]);
    const yPred = dn.tensor([[0.6, 0.4], [0.4, 0.6]]);
    expect(dn.losses.huber(yTrue, yPred).item()).toBeCloseTo(0.155, 6);
    expect(dn.losses.huber(yTrue, yPred, { sampleWeight: dn.tensor([1, 0]) }).item()).toBeCloseTo(0.09, 6);
  });

  it('is linear beyond delta: 0.5 d^2 inside, delta (|d| - delta / 2) outside', () => {
    const value = dn.losses.huber(dn.tensor([[0, 0]]), dn.tensor([[0.5, 3]]), { delta: 2 }).item();
    expect(value).toBeCloseTo((0.5 * 0.25 + 2 * (3 - 1)) / 2, 6);
    expect(new dn.losses.Huber({ delta: 2 }).getConfig()).toEqual({ reduction: 'mean', delta: 2 });
  });

  it('has the gradient of its value in both regions (finite differences, default tolerance)', () => {
    const t = dn.zeros([4, 3]);
    gradcheck((p) => dn.losses.huber(t, p, { delta: 1 }), [randomTensor([4, 3], { seed: 8, low: 0.1, high: 3 })]);
  });
});
