// Kullback-Leibler divergence: errors, the peers' expected values, the kld alias, weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yPred = dn.tensor([[0.4, 0.9, 0.12], [0.36, 0.3, 0.4]]);
const yTrue = dn.tensor([[0.5, 0.8, 0.12], [0.7, 0.43, 0.8]]);
const t = [0.5, 0.8, 0.12, 0.7, 0.43, 0.8];
const p = [0.4, 0.9, 0.12, 0.36, 0.3, 0.4];
const elements = t.map((v, i) => v * Math.log(v / p[i]));
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('kullbackLeiblerDivergence: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.kld(dn.zeros([2, 3]), dn.zeros([2, 2]))).toThrow(ShapeError);
  });
});

describe('kullbackLeiblerDivergence', () => {
  it('gives the peers\' values, also as dn.losses.kld and by the names kld, KLD, kl_divergence', () => {
    // Keras 3 losses_test.py › KLDivergenceTest (3 places, as there).
    expect(dn.losses.kullbackLeiblerDivergence(yTrue, yPred).item()).toBeCloseTo(sum(elements) / 2, 3);
    expect(dn.losses.kld).toBe(dn.losses.kullbackLeiblerDivergence);
    for (const name of ['kld', 'KLD', 'kl_divergence', 'KLDivergence', 'kullback_leibler_divergence']) {
      expect(dn.losses.get(name).call(yTrue, yPred).item()).toBeCloseTo(sum(elements) / 2, 5);
    }
    expect(dn.losses.kld(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo((2.3 * sum(elements)) / 2, 3);
    const perSample = [1.2, 1.2, 1.2, 3.4, 3.4, 3.4];
    expect(dn.losses.kld(yTrue, yPred, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(sum(elements.map((v, i) => v * perSample[i])) / 2, 3);
    const timestep = [3, 6, 5, 0, 4, 2];
    expect(dn.losses.kld(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: dn.tensor(timestep, [2, 3]) }).item())
      .toBeCloseTo(sum(elements.map((v, i) => v * timestep[i])) / 6, 3);
    expect(dn.losses.kld(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › kullbackLeiblerDivergence › '2D' (zeros clipped to epsilon).
    const kl = (a: number, b: number): number => Math.max(a, 1e-7) * Math.log(Math.max(a, 1e-7) / Math.max(b, 1e-7));
    const tfjs = dn.losses.kld(dn.tensor([[1, 0], [1, 0]]), dn.tensor([[0.25, 0.75], [0.9, 0.1]]), { reduction: 'none' }).toArray() as number[];
    expect(tfjs[0]).toBeCloseTo(kl(1, 0.25) + kl(0, 0.75), 5);
    expect(tfjs[1]).toBeCloseTo(kl(1, 0.9) + kl(0, 0.1), 5);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const target = randomTensor([3, 4], { seed: 43, positive: true, low: 0.05, high: 0.9 });
    gradcheck((q) => dn.losses.kld(target, q), [randomTensor([3, 4], { seed: 44, positive: true, low: 0.1, high: 0.9 })]);
  });
});
