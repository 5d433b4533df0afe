// Model-agnostic attributions: occlusion, permutation importance, KernelSHAP, LIME.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';

/** A small non-linear model of 4 features with interactions (a tanh net), as a Sequential. */
function smallModel(): dn.Sequential {
  dn.seed(11);
  return dn.sequential({
    layers: [dn.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), dn.layers.dense({ units: 2, activation: 'softmax' })],
  });
}

/** Exact Shapley values by enumerating every coalition (the test's own, independent of the library). */
function shapleyByEnumeration(f: (rows: number[][]) => number[], x: number[], background: number[][]): number[] {
  const d = x.length;
  const value = (subset: number): number => {
    const rows = background.map((b) => b.map((v, j) => ((subset >> j) & 1 ? x[j] : v)));
    const out = f(rows);
    return out.reduce((a, b) => a + b, 0) / out.length;
  };
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = new Array<number>(d).fill(0);
  for (let j = 0; j < d; j++) {
    // Every ordering of the players, grouped by the set S before j: |S|! (d - |S| - 1)! / d! each.
    for (let s = 0; s < 2 ** d; s++) {
      if ((s >> j) & 1) continue;
      let size = 0;
      for (let k = 0; k < d; k++) size += (s >> k) & 1;
      phi[j] += (factorial(size) * factorial(d - size - 1)) / factorial(d) * (value(s | (1 << j)) - value(s));
    }
  }
  return phi;
}

describe('explain (model-agnostic): should throw', () => {
  it('names the argument, the expected and the received value', () => {
    const model = smallModel();
    const x = dn.ones([2, 4]);
    expect(() => dn.explain.kernelShap(model, x, {} as never)).toThrow(/options.background is required/);
    expect(() => dn.explain.kernelShap(model, x, { background: dn.ones([5, 3]) })).toThrow(ShapeError);
    expect(() => dn.explain.kernelShap(model, x, { background: dn.ones([5, 4]), target: 2 })).toThrow(ValueError);
    expect(() => dn.explain.kernelShap(model, dn.ones([2, 2, 2]), { background: dn.ones([5, 4]) })).toThrow(/x must be 2-D \[samples, features\], got shape \[2, 2, 2\]/);
    expect(() => dn.explain.permutationImportance(model, x, dn.ones([3]))).toThrow('explain.permutationImportance: y must have one row per row of x (2), got shape [3]');
    expect(() => dn.explain.permutationImportance(model, x, dn.ones([2]), { metric: 'f1' as never })).toThrow(/unknown metric 'f1'/);
    expect(() => dn.explain.permutationImportance(model, x, dn.ones([2]), { higherIsBetter: false })).toThrow(ValueError);
    expect(() => dn.explain.occlusion(model, x, { window: 5 })).toThrow(ShapeError);
    expect(() => dn.explain.occlusion(model, x, { window: [1, 1] })).toThrow(/one size per sample axis/);
    expect(() => dn.explain.lime(model, x, { kernelWidth: 0 })).toThrow(ValueError);
    expect(() => dn.explain.lime(model, x, { background: dn.ones([5, 3]) })).toThrow(ShapeError);
  });
});

describe('explain (model-agnostic)', () => {
  it('KernelSHAP equals exact Shapley values (enumerated here) and sums to f(x) − E[f(background)]', () => {
    const model = smallModel();
    const background = dn.randn([12, 4], { seed: 21 });
    const x = dn.tensor([[1.5, -0.5, 2, -1], [-1, 1, 0.5, 0.3]]);
    const f = (rows: number[][]): number[] => (model.predict(dn.tensor(rows)).toArray() as number[][]).map((r) => r[1]);
    const expected = (x.toArray() as number[][]).map((row) => shapleyByEnumeration(f, row, background.toArray() as number[][]));

    const exact = dn.explain.kernelShap(model, x, { background, target: 1 });
    expect(exact.exact).toBe(true);   // 2^4 − 2 = 14 coalitions fit in the default budget
    const sampled = dn.explain.kernelShap(model, x, { background, target: 1, exact: false, nSamples: 400, seed: 5 });
    expect(sampled.exact).toBe(false);
    const fx = f(x.toArray() as number[][]);
    const expectedValue = f(background.toArray() as number[][]).reduce((a, b) => a + b, 0) / 12;
    for (const result of [exact, sampled]) {
      const values = result.values.toArray() as number[][];
      values.forEach((row, r) => {
        expect(result.prediction[r]).toBeCloseTo(fx[r], 6);
        expect(result.expectedValue[r]).toBeCloseTo(expectedValue, 6);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(fx[r] - expectedValue, 5);
      });
    }
    (exact.values.toArray() as number[][]).forEach((row, r) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[r][j], 5)));
    // Sampling error at 400 coalitions: about 0.001 of an output that spans ~0.3 here (0.013 at 20).
    (sampled.values.toArray() as number[][]).forEach((row, r) => row.forEach((v, j) => expect(Math.abs(v - expected[r][j])).toBeLessThan(0.005)));
    const again = dn.explain.kernelShap(model, x, { background, target: 1, exact: false, nSamples: 400, seed: 5 });
    expect(Array.from(again.values.dataSync())).toEqual(Array.from(sampled.values.dataSync()));
  });

  it('KernelSHAP by sampling on 12 features of a linear model gives w·(x − mean background)', () => {
    const weights = Array.from({ length: 12 }, (_, j) => (j % 3) - 1 + j / 10);
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [12] })] });
    model.setWeights([dn.tensor(weights.map((w) => [w])), dn.tensor([0.5])]);
    const background = dn.randn([8, 12], { seed: 2 });
    const x = dn.randn([1, 12], { seed: 3 });
    const shap = dn.explain.kernelShap(model, x, { background, nSamples: 300, seed: 1 });
    expect(shap.exact).toBe(false);
    const mean = (background.mean(0).toArray() as number[]);
    (shap.values.toArray() as number[][])[0].forEach((v, j) => expect(v).toBeCloseTo(weights[j] * ((x.toArray() as number[][])[0][j] - mean[j]), 4));
  });

  it('permutation importance ranks the informative feature first', () => {
    // Labels depend on feature 2 only; the model reads feature 2 strongly and feature 0 a little.
    const g = new dn.Generator(9);
    const n = 400;
    const rows = Array.from({ length: n }, () => [g.normal(), g.normal(), g.normal(), g.normal()]);
    const labels = rows.map((r) => Number(r[2] > 0));
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    model.setWeights([dn.tensor([[0.3], [0], [6], [0]]), dn.tensor([0])]);
    const result = dn.explain.permutationImportance(model, dn.tensor(rows), dn.tensor(labels), { repeats: 4, seed: 3 });
    expect(result.metric).toBe('accuracy');
    expect(result.ranking[0]).toBe(2);
    expect(result.importances[2]).toBeGreaterThan(0.3);
    expect(result.importances[1]).toBe(0);   // a feature the model ignores changes nothing
    expect(result.importances[3]).toBe(0);
    expect(result.raw[2]).toHaveLength(4);
    expect(result.baselineScore).toBeGreaterThan(0.9);
    // An error metric reports the rise of the error, and a metric function is used as given.
    const mse = dn.explain.permutationImportance(model, dn.tensor(rows), dn.tensor(labels).reshape([n, 1]), { metric: 'meanSquaredError', seed: 3 });
    expect(mse.ranking[0]).toBe(2);
    expect(mse.importances[2]).toBeGreaterThan(0);
    const custom = dn.explain.permutationImportance(model, dn.tensor(rows), dn.tensor(labels), {
      metric: (yTrue, yPred) => -dn.losses.binaryCrossentropy(yTrue.reshape([n, 1]), yPred).item(), seed: 3,
    });
    expect(custom.ranking[0]).toBe(2);
  });

  it('occlusion of a linear model with 1-wide windows and baseline 0 is kernel × x; windows cover edges', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [5] })] });
    model.setWeights([dn.tensor([[1, 0], [-2, 0], [0.5, 0], [3, 0], [1, 1]]), dn.tensor([0.2, 0])]);
    const x = dn.tensor([[1, 2, 3, 4, 5]]);
    const map = dn.explain.occlusion(model, x, { target: 0 });
    (map.attributions.toArray() as number[][])[0].forEach((a, j) => expect(a).toBeCloseTo([1, -4, 1.5, 12, 5][j], 5));
    // Windows of 2 with stride 2 over 5 values: [0,1], [2,3] and the edge window [3,4].
    const wide = (dn.explain.occlusion(model, x, { target: 0, window: 2 }).attributions.toArray() as number[][])[0];
    expect(wide[0]).toBeCloseTo(-3, 5);
    expect(wide[4]).toBeCloseTo(17, 5);
    expect(wide[3]).toBeCloseTo((13.5 + 17) / 2, 5);
  });

  it('occlusion slides over images: a model that reads one pixel lights up that pixel', () => {
    // The model's output is pixel (2, 3) of a 6x6 single-channel image.
    const fn = (t: dn.Tensor): dn.Tensor => t.reshape([t.shape[0], 36]).slice([0, 2 * 6 + 3], [t.shape[0], 1]);
    const image = dn.ones([1, 6, 6, 1]);
    const map = dn.explain.occlusion(fn, image, { window: [2, 2, 1], batchSize: 4 }).attributions.toArray() as number[][][][];
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(map[0][i][j][0]).toBe(i >= 2 && i < 4 && j >= 2 && j < 4 ? 1 : 0);
  });

  it('LIME recovers a linear model exactly: coefficient = weight × feature scale, R² = 1', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3] })] });
    model.setWeights([dn.tensor([[2], [-1], [0.5]]), dn.tensor([1])]);
    const background = dn.tensor([[0, 0, 0], [2, 4, 0], [0, 0, 10], [2, 4, 10]]);   // std 1, 2, 5
    const x = dn.tensor([[1, 1, 1]]);
    const result = dn.explain.lime(model, x, { background, ridge: 0, nSamples: 200, seed: 4 });
    (result.coefficients.toArray() as number[][])[0].forEach((c, j) => expect(c).toBeCloseTo([2, -2, 2.5][j], 4));
    expect(result.score[0]).toBeCloseTo(1, 5);
    expect(result.intercept[0]).toBeCloseTo(result.prediction[0], 4);
  });

  it('LIME on a non-linear model agrees in sign with the local gradient for the features that matter', () => {
    const model = smallModel();
    const x = dn.tensor([[0.3, -0.2, 0.1, 0.4]]);
    const result = dn.explain.lime(model, x, { target: 0, kernelWidth: 0.3, nSamples: 2000, seed: 6 });
    const gradient = dn.explain.saliency(model, x, { target: 0 }).attributions.dataSync();
    const coefficients = result.coefficients.dataSync();
    for (let j = 0; j < 4; j++) if (Math.abs(gradient[j]) > 0.05) expect(Math.sign(coefficients[j])).toBe(Math.sign(gradient[j]));
    expect(result.score[0]).toBeGreaterThan(0.5);
  });
});
