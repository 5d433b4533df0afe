// Mean squared logarithmic error: errors, the peers' expected values, weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
const yPred = dn.tensor([[4, 8, 12], [8, 1, 3]]);

describe('meanSquaredLogarithmicError: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.meanSquaredLogarithmicError(dn.zeros([2, 3]), dn.zeros([2, 2]))).toThrow(ShapeError);
  });
});

describe('meanSquaredLogarithmicError', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › MeanSquaredLogarithmicErrorTest (3 places, as there).
    expect(dn.losses.meanSquaredLogarithmicError(yTrue, yPred).item()).toBeCloseTo(1.437, 3);
    expect(dn.losses.meanSquaredLogarithmicError(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo(3.3051, 3);
    expect(dn.losses.meanSquaredLogarithmicError(yTrue, yPred, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(3.7856, 3);
    expect(dn.losses.meanSquaredLogarithmicError(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: dn.tensor([[3, 6, 5], [0, 4, 2]]) }).item())
      .toBeCloseTo(2.647374, 5);
    expect(dn.losses.meanSquaredLogarithmicError(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › meanSquaredLogarithmicError › '2D'.
    const msle = (x: number[]): number => x.reduce((sum, v) => sum + (Math.log(v + 1) - Math.log(1e-7 + 1)) ** 2, 0) / x.length;
    const values = dn.losses.meanSquaredLogarithmicError(dn.zeros([2, 2]), dn.tensor([[1, 2], [3, 4]]), { reduction: 'none' }).toArray() as number[];
    expect(values[0]).toBeCloseTo(msle([1, 2]), 5);
    expect(values[1]).toBeCloseTo(msle([3, 4]), 5);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = randomTensor([3, 4], { seed: 34, positive: true });
    gradcheck((p) => dn.losses.meanSquaredLogarithmicError(t, p), [randomTensor([3, 4], { seed: 35, positive: true })]);
  });
});
