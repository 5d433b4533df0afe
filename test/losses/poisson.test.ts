// Poisson loss: errors, the peers' expected values, weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yPred = dn.tensor([[1, 9, 2], [5, 2, 6]]);
const yTrue = dn.tensor([[4, 8, 12], [8, 1, 3]]);
const p = [1, 9, 2, 5, 2, 6];
const t = [4, 8, 12, 8, 1, 3];
const elements = p.map((v, i) => v - t[i] * Math.log(v));
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('poisson: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.poisson(dn.zeros([2, 3]), dn.zeros([3, 2]))).toThrow(ShapeError);
  });
});

describe('poisson', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › PoissonTest (3 places, as there).
    expect(dn.losses.poisson(yTrue, yPred).item()).toBeCloseTo(sum(elements) / 6, 3);
    expect(dn.losses.poisson(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo((2.3 * sum(elements)) / 6, 3);
    const perSample = [1.2, 1.2, 1.2, 3.4, 3.4, 3.4];
    expect(dn.losses.poisson(yTrue, yPred, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(sum(elements.map((v, i) => v * perSample[i])) / 6, 3);
    const timestep = [3, 6, 5, 0, 4, 2];
    expect(dn.losses.poisson(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: dn.tensor(timestep, [2, 3]) }).item())
      .toBeCloseTo(sum(elements.map((v, i) => v * timestep[i])) / 6, 3);
    expect(dn.losses.poisson(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › poisson › '2D'.
    const element = (a: number, b: number): number => b - a * Math.log(b + 1e-7);
    const tfjs = dn.losses.poisson(dn.tensor([[1, 0], [1, 0]]), dn.tensor([[0.25, 0.75], [0.9, 0.1]]), { reduction: 'none' }).toArray() as number[];
    expect(tfjs[0]).toBeCloseTo((element(1, 0.25) + element(0, 0.75)) / 2, 5);
    expect(tfjs[1]).toBeCloseTo((element(1, 0.9) + element(0, 0.1)) / 2, 5);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    gradcheck((q) => dn.losses.poisson(randomTensor([3, 4], { seed: 45, positive: true }), q), [randomTensor([3, 4], { seed: 46, positive: true, low: 0.5 })]);
  });
});
