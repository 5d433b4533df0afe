// Cosine similarity loss: errors, the peers' expected values, weights, zero vectors, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
const yPred = dn.tensor([[4, 8, 12], [8, 1, 3]]);
const norm = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
const cosine = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0) / (norm(a) * norm(b));
const similarities = [cosine([1, 9, 2], [4, 8, 12]), cosine([-5, -2, 6], [8, 1, 3])];

describe('cosineSimilarity: should throw', () => {
  it('rejects mismatched shapes', () => {
    expect(() => dn.losses.cosineSimilarity(dn.zeros([2, 3]), dn.zeros([2, 2]))).toThrow(ShapeError);
  });
});

describe('cosineSimilarity', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › CosineSimilarityTest (3 places, as there).
    expect(dn.losses.cosineSimilarity(yTrue, yPred).item()).toBeCloseTo(-(similarities[0] + similarities[1]) / 2, 3);
    expect(dn.losses.cosineSimilarity(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo((-2.3 * (similarities[0] + similarities[1])) / 2, 3);
    expect(dn.losses.cosineSimilarity(yTrue, yPred, { sampleWeight: [1.2, 3.4] }).item()).toBeCloseTo(-(1.2 * similarities[0] + 3.4 * similarities[1]) / 2, 3);
    // test_timestep_weighted: rows of one element are ±1 (or 0), weighted per timestep.
    const timestep = [3, 6, 5, 0, 4, 2];
    const signs = [1, 9, 2, -5, -2, 6].map((v, i) => Math.sign(v) * Math.sign([4, 8, 12, 8, 1, 3][i]));
    expect(dn.losses.cosineSimilarity(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: dn.tensor(timestep, [2, 3]) }).item())
      .toBeCloseTo(-signs.reduce((s, v, i) => s + v * timestep[i], 0) / 6, 3);
    expect(dn.losses.cosineSimilarity(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    // tfjs-layers losses_test.ts › cosineProximity › '2D' (the same loss under its tfjs name).
    const z = Math.sqrt(2) / 2;
    const tfjs = dn.losses.get('cosineProximity', { reduction: 'none' }).call(dn.tensor([[1, 0], [1, 0]]), dn.tensor([[z, z], [0, 1]])).toArray() as number[];
    expect(tfjs[0]).toBeCloseTo(-z, 6);
    expect(tfjs[1]).toBeCloseTo(0, 6);
  });

  it('gives 0 for a zero vector, with a finite gradient', () => {
    const p = dn.zeros([1, 3]);
    p.requiresGrad = true;
    const loss = dn.losses.cosineSimilarity(dn.tensor([[1, 2, 3]]), p);
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(Array.from(p.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    gradcheck((q) => dn.losses.cosineSimilarity(randomTensor([3, 4], { seed: 47 }), q), [randomTensor([3, 4], { seed: 48 })]);
    gradcheck((q) => dn.losses.cosineSimilarity(randomTensor([2, 3, 2], { seed: 49 }), q, { reduction: 'none' }), [randomTensor([2, 3, 2], { seed: 50 })]);
  });
});
