// Log-cosh loss: errors, the peers' expected values, weights, large errors, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
const yPred = dn.tensor([[4, 8, 12], [8, 1, 3]]);
const logcosh = (x: number): number => Math.log((Math.exp(x) + Math.exp(-x)) / 2);
const expected = [3, -1, 10, 13, 3, -3].map(logcosh);
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('logCosh: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.logCosh(dn.zeros([2, 3]), dn.zeros([3, 2]))).toThrow(ShapeError);
  });
});

describe('logCosh', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › LogCoshTest (3 places, as there).
    expect(dn.losses.logCosh(yTrue, yPred).item()).toBeCloseTo(sum(expected) / 6, 3);
    expect(dn.losses.logCosh(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo((2.3 * sum(expected)) / 6, 3);
    const perSample = [1.2, 1.2, 1.2, 3.4, 3.4, 3.4];
    expect(dn.losses.logCosh(yTrue, yPred, { sampleWeight: [1.2, 3.4] }).item()).toBeCloseTo(sum(expected.map((v, i) => v * perSample[i])) / 6, 3);
    const timestep = [3, 6, 5, 0, 4, 2];
    expect(dn.losses.logCosh(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: dn.tensor(timestep, [2, 3, 1]) }).item())
      .toBeCloseTo(sum(expected.map((v, i) => v * timestep[i])) / 6, 3);
    expect(dn.losses.logCosh(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › logcosh › '2D'.
    const tfjs = dn.losses.logCosh(dn.zeros([2, 2]), dn.tensor([[1, 2], [3, 4]]), { reduction: 'none' }).toArray() as number[];
    expect(tfjs[0]).toBeCloseTo((logcosh(1) + logcosh(2)) / 2, 5);
    expect(tfjs[1]).toBeCloseTo((logcosh(3) + logcosh(4)) / 2, 5);
  });

  it('stays finite for large errors (|x| - log 2)', () => {
    expect(dn.losses.logCosh(dn.tensor([[0]]), dn.tensor([[1000]])).item()).toBeCloseTo(1000 - Math.LN2, 2);
    expect(dn.losses.logCosh(dn.tensor([[0]]), dn.tensor([[-1000]])).item()).toBeCloseTo(1000 - Math.LN2, 2);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    gradcheck((p) => dn.losses.logCosh(randomTensor([3, 4], { seed: 41 }), p), [randomTensor([3, 4], { seed: 42 })]);
  });
});
