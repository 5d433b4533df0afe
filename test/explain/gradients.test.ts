// Gradient attributions: saliency, gradient × input, SmoothGrad, integrated gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

/** A linear model x -> x W + b with known weights: W [4, 3]. */
function linearModel(): { model: dn.Sequential; kernel: number[][] } {
  const kernel = [[1, -2, 0.5], [0.25, 3, -1], [-1.5, 0, 2], [2, 1, 1]];
  const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, inputShape: [4] })] });
  model.setWeights([dn.tensor(kernel), dn.tensor([0.1, -0.2, 0.3])]);
  return { model, kernel };
}

/** A smooth non-linear classifier as a graph model: tanh hidden layer, softmax output. */
function smoothGraphModel(): dn.Functional<dn.Tensor> {
  dn.seed(3);
  const x = dn.input({ shape: [5] });
  const hidden = dn.layers.dense({ units: 8, activation: 'tanh' }).apply(x);
  const out = dn.layers.dense({ units: 3, activation: 'softmax' }).apply(hidden);
  return dn.model({ inputs: x, outputs: out });
}

const rows = dn.tensor([[0.5, -1, 2, 0.25], [1, 1, -1, 3], [-2, 0.5, 0, 1]]);

describe('explain (gradients): should throw', () => {
  it('names the argument, the expected and the received value', () => {
    const { model } = linearModel();
    expect(() => dn.explain.saliency(model, rows, { target: 3 })).toThrow(ValueError);
    expect(() => dn.explain.saliency(model, rows, { target: 3 })).toThrow('explain.saliency: target (the model has 3 outputs) must be an integer from 0 to 2, got 3');
    expect(() => dn.explain.saliency(model, rows, { target: [0, 1] })).toThrow(ShapeError);
    expect(() => dn.explain.integratedGradients(model, rows, { baseline: dn.zeros([2, 4]) })).toThrow(ShapeError);
    expect(() => dn.explain.integratedGradients(model, rows, { baseline: dn.zeros([2, 4]) })).toThrow(
      'explain.integratedGradients: baseline must be a number, one sample of shape [4] or one per row of shape [3, 4], got shape [2, 4]',
    );
    expect(() => dn.explain.integratedGradients(model, rows, { steps: 0 })).toThrow(ValueError);
    expect(() => dn.explain.saliency(model, dn.tensor([1, 2, 3, 4]))).toThrow(ShapeError);
    expect(() => dn.explain.saliency({} as never, rows)).toThrow(ArgumentTypeError);
    expect(() => dn.explain.saliency(model, rows, { steps: 3 } as never)).toThrow(/unknown option 'steps'/);
    expect(() => dn.explain.smoothGrad(model, rows, { noiseLevel: -1 })).toThrow(ValueError);
    expect(() => dn.explain.saliency(model, rows, { onProgress: 3 } as never)).toThrow(ArgumentTypeError);
  });

  it('refuses a model with several outputs, suggesting a function', () => {
    const x = dn.input({ shape: [2] });
    const twoHeads = dn.model({ inputs: x, outputs: [dn.layers.dense({ units: 1 }).apply(x), dn.layers.dense({ units: 2 }).apply(x)] });
    expect(() => dn.explain.saliency(twoHeads as never, dn.ones([1, 2]))).toThrow(/the model has 2 outputs; explain one of them with a function/);
    const first = (t: dn.Tensor): dn.Tensor => twoHeads.apply(t)[0];
    expect(dn.explain.saliency(first, dn.ones([1, 2])).attributions.shape).toEqual([1, 2]);
  });
});

describe('explain (gradients)', () => {
  it('saliency of a linear model is its kernel column; gradient × input multiplies by x', () => {
    const { model, kernel } = linearModel();
    for (const target of [0, 1, 2]) {
      const map = dn.explain.saliency(model, rows, { target });
      expect(map.targets).toEqual([target, target, target]);
      const times = dn.explain.gradientTimesInput(model, rows, { target }).attributions.toArray() as number[][];
      (map.attributions.toArray() as number[][]).forEach((row, r) => row.forEach((g, j) => {
        expect(g).toBeCloseTo(kernel[j][target], 6);
        expect(times[r][j]).toBeCloseTo(kernel[j][target] * (rows.toArray() as number[][])[r][j], 5);
      }));
    }
    const absolute = dn.explain.saliency(model, rows, { target: 1, absolute: true }).attributions.dataSync();
    expect(Array.from(absolute.slice(0, 4))).toEqual([2, 3, 0, 1]);
  });

  it('targets default to the predicted class and may differ per row', () => {
    const { model } = linearModel();
    const predicted = (model.predict(rows).argmax(1).toArray() as number[]);
    expect(dn.explain.saliency(model, rows).targets).toEqual(predicted);
    const perRow = dn.explain.saliency(model, rows, { target: [2, 0, 1] });
    expect(perRow.targets).toEqual([2, 0, 1]);
    expect(perRow.attributions.dataSync()[4]).toBeCloseTo(1, 6);   // row 1, feature 0, class 0
  });

  it('batches and reports progress; results do not depend on the batch size', () => {
    const model = smoothGraphModel();
    const x = dn.randn([7, 5], { seed: 4 });
    const calls: [number, number][] = [];
    const small = dn.explain.saliency(model, x, { target: 1, batchSize: 3, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([[1, 3], [2, 3], [3, 3]]);
    const whole = dn.explain.saliency(model, x, { target: 1 });
    small.attributions.dataSync().forEach((v, i) => expect(v).toBeCloseTo(whole.attributions.dataSync()[i], 6));
  });

  it('saliency of a graph model matches central differences of its output', () => {
    const model = smoothGraphModel();
    const x = dn.randn([2, 5], { seed: 5 });
    const map = dn.explain.saliency(model, x, { target: 2 }).attributions.dataSync();
    const values = Array.from(x.dataSync());
    const h = 1e-2;
    for (let i = 0; i < values.length; i++) {
      const at = (delta: number): number => {
        const moved = values.slice();
        moved[i] += delta;
        return (model.predict(dn.tensor(moved, [2, 5])).toArray() as number[][])[Math.floor(i / 5)][2];
      };
      expect(map[i]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 3);
    }
  });

  it('integrated gradients are complete within 1 % on a smooth model at 64 steps', () => {
    const model = smoothGraphModel();
    const x = dn.randn([4, 5], { seed: 6 }).mul(2);
    for (const baseline of [undefined, dn.full([5], 0.5), dn.randn([4, 5], { seed: 7 })]) {
      const ig = dn.explain.integratedGradients(model, x, { steps: 64, baseline, batchSize: 20 });
      expect(ig.completenessError).toBeLessThan(0.01);
      // The reported error is what it says: the attribution sum against f(x) − f(baseline).
      const fx = model.predict(x).toArray() as number[][];
      const base = baseline === undefined ? dn.zeros([4, 5]) : baseline.broadcastTo([4, 5]);
      const fb = model.predict(base).toArray() as number[][];
      (ig.attributions.toArray() as number[][]).forEach((row, r) => {
        const total = row.reduce((a, b) => a + b, 0);
        const change = fx[r][ig.targets[r]] - fb[r][ig.targets[r]];
        expect(ig.convergenceDelta[r]).toBeCloseTo(total - change, 5);
        expect(Math.abs(total - change)).toBeLessThan(0.01 * Math.abs(change) + 1e-6);
      });
    }
    // Too few steps leave a visible completeness error on this model, which the report shows.
    const coarse = dn.explain.integratedGradients(model, x, { steps: 1 });
    expect(coarse.completenessError).toBeGreaterThan(dn.explain.integratedGradients(model, x, { steps: 64 }).completenessError);
  });

  it('integrated gradients of a linear model are exactly kernel × (x − baseline)', () => {
    const { model, kernel } = linearModel();
    const ig = dn.explain.integratedGradients(model, rows, { target: 0, baseline: 1, steps: 3 });
    (ig.attributions.toArray() as number[][]).forEach((row, r) => row.forEach((a, j) => {
      expect(a).toBeCloseTo(kernel[j][0] * ((rows.toArray() as number[][])[r][j] - 1), 5);
    }));
    expect(ig.completenessError).toBeLessThan(1e-5);
  });

  it('SmoothGrad of a linear model is its kernel column; with noise it is reproducible by seed', () => {
    const { model, kernel } = linearModel();
    const smooth = dn.explain.smoothGrad(model, rows, { target: 2, nSamples: 8, seed: 1 }).attributions.toArray() as number[][];
    smooth.forEach((row) => row.forEach((g, j) => expect(g).toBeCloseTo(kernel[j][2], 5)));
    const model2 = smoothGraphModel();
    const x = dn.randn([2, 5], { seed: 8 });
    const a = dn.explain.smoothGrad(model2, x, { nSamples: 20, seed: 2, batchSize: 7 }).attributions.dataSync();
    const b = dn.explain.smoothGrad(model2, x, { nSamples: 20, seed: 2 }).attributions.dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 6));
    const raw = dn.explain.saliency(model2, x).attributions.dataSync();
    expect(Array.from(a).some((v, i) => Math.abs(v - raw[i]) > 1e-4)).toBe(true);
  });

  it('works with a plain differentiable function', () => {
    const fn = (t: dn.Tensor): dn.Tensor => t.square().sum(1, true);   // f(x) = |x|², gradient 2x
    const x = dn.tensor([[1, -2], [3, 0.5]]);
    expect(dn.explain.saliency(fn, x).attributions.toArray()).toEqual([[2, -4], [6, 1]]);
  });
});
