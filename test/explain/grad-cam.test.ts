// Grad-CAM: against a hand computation (linear head) and finite differences (graph model, both data
// formats), validation, batching, and on the digits CNN.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

/** Bilinear resize with pixel centres aligned, written from the formula (the oracle of the resize). */
function resize(map: number[][], height: number, width: number): number[][] {
  const h = map.length;
  const w = map[0].length;
  const source = (i: number, inSize: number, outSize: number): number => Math.min(inSize - 1, Math.max(0, (i + 0.5) * inSize / outSize - 0.5));
  return Array.from({ length: height }, (_, i) => Array.from({ length: width }, (_, j) => {
    const y = source(i, h, height);
    const x = source(j, w, width);
    const y0 = Math.floor(y);
    const x0 = Math.floor(x);
    const y1 = Math.min(h - 1, y0 + 1);
    const x1 = Math.min(w - 1, x0 + 1);
    const top = map[y0][x0] + (map[y0][x1] - map[y0][x0]) * (x - x0);
    const bottom = map[y1][x0] + (map[y1][x1] - map[y1][x0]) * (x - x0);
    return top + (bottom - top) * (y - y0);
  }));
}

/** Grad-CAM from feature maps A [h, w, k] and the score's gradient G [h, w, k] (channelsLast). */
function camByHand(a: number[][][], g: number[][][]): number[][] {
  const h = a.length;
  const w = a[0].length;
  const k = a[0][0].length;
  const weights = Array.from({ length: k }, (_, c) => {
    let sum = 0;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) sum += g[i][j][c];
    return sum / (h * w);
  });
  return a.map((row) => row.map((pixel) => Math.max(0, pixel.reduce((s, v, c) => s + weights[c] * v, 0))));
}

/** A conv model with hand-set weights: 4x4x1 images, Conv2D(2, 2x2) 'features', Flatten, Dense(3) 'scores' (linear). */
function linearHeadModel(): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1], name: 'features' }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 3, name: 'scores' }),
    ],
  });
  const kernel = [[[[1, -0.5]], [[0.25, 1]]], [[[-1, 0.5]], [[0.5, 0.75]]]];   // [2, 2, 1, 2]
  const dense = Array.from({ length: 18 }, (_, i) => [Math.sin(i + 1), Math.cos(2 * i), 0.1 * (i % 5) - 0.2]);
  model.setWeights([dn.tensor(kernel), dn.tensor([0.1, -0.2]), dn.tensor(dense), dn.tensor([0, 0.5, -0.5])]);
  return model;
}

const images = dn.tensor(Array.from({ length: 2 * 16 }, (_, i) => Math.cos(0.7 * i) + 0.3), [2, 4, 4, 1]);

describe('explain.gradCam: should throw', () => {
  it('names the layer or argument, the expected and the received value', () => {
    const model = linearHeadModel();
    expect(() => dn.explain.gradCam(model, images, { layer: 'nope' })).toThrow(ValueError);
    expect(() => dn.explain.gradCam(model, images, { layer: 'nope' })).toThrow(/layer 'nope' is not a layer of model '.*'; its layers: features, flatten_\d+, scores/);
    expect(() => dn.explain.gradCam(model, images, { layer: dn.layers.conv2d({ filters: 1, kernelSize: 1, name: 'elsewhere' }) })).toThrow(/layer 'elsewhere' is not a layer of model/);
    expect(() => dn.explain.gradCam(model, images, { layer: 'scores' })).toThrow(ShapeError);
    expect(() => dn.explain.gradCam(model, images, { layer: 'scores' })).toThrow("explain.gradCam: layer 'scores' gives [2, 3]; Grad-CAM needs 4-D feature maps");
    expect(() => dn.explain.gradCam(model, images, { target: 3 })).toThrow('explain.gradCam: target (the model has 3 outputs) must be an integer from 0 to 2, got 3');
    expect(() => dn.explain.gradCam(model, images, { target: [0] })).toThrow(ShapeError);
    expect(() => dn.explain.gradCam(model, images.reshape([2, 16]))).toThrow(ShapeError);
    expect(() => dn.explain.gradCam(model, images.reshape([2, 16]))).toThrow('explain.gradCam: x must be a batch of rank 4, got shape [2, 16]');
    expect(() => dn.explain.gradCam(model, dn.zeros([2, 5, 5, 1]))).toThrow(ShapeError);   // the model's own input check
    expect(() => dn.explain.gradCam(((x: dn.Tensor) => x) as never, images)).toThrow(ArgumentTypeError);
    expect(() => dn.explain.gradCam(model, images, { layer: 3 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.explain.gradCam(model, images, { dataFormat: 'nhwc' as never })).toThrow(ValueError);
    expect(() => dn.explain.gradCam(model, images, { window: 2 } as never)).toThrow(/unknown option 'window'/);
    const dense = dn.sequential({ layers: [dn.layers.flatten({ inputShape: [4, 4, 1] }), dn.layers.dense({ units: 2 })] });
    expect(() => dn.explain.gradCam(dense, images)).toThrow(/has no 2-D convolutional layer of its own; name the layer/);
  });

  it('refuses a layer of a nested model or a layer called twice, saying why', () => {
    const inner = linearHeadModel();
    const x = dn.input({ shape: [4, 4, 1] });
    const outer = dn.model({ inputs: x, outputs: inner.apply(x) as dn.SymbolicTensor });
    expect(() => dn.explain.gradCam(outer, images, { layer: 'features' })).toThrow(/layer 'features' is inside the nested model/);
    const shared = dn.layers.conv2d({ filters: 1, kernelSize: 1, padding: 'same', name: 'shared' });
    const twice = dn.model({ inputs: x, outputs: dn.layers.dense({ units: 2 }).apply(dn.layers.flatten().apply(shared.apply(shared.apply(x)))) });
    expect(() => dn.explain.gradCam(twice, images)).toThrow("explain.gradCam: layer 'shared' is called 2 times");
  });
});

describe('explain.gradCam', () => {
  it('equals Grad-CAM by hand on a conv model with a linear head, resized bilinearly', () => {
    const model = linearHeadModel();
    const features = model.getLayer('features').apply(images).toArray() as number[][][][];   // [2, 3, 3, 2]
    const denseKernel = model.getLayer('scores').getWeights()[0].toArray() as number[][];       // [18, 3]
    for (const target of [0, 1, 2]) {
      const cam = dn.explain.gradCam(model, images, { target });
      expect(cam.layer).toBe('features');
      expect(cam.targets).toEqual([target, target]);
      expect(cam.heatmaps.shape).toEqual([2, 3, 3]);
      expect(cam.attributions.shape).toEqual([2, 4, 4]);
      const heatmaps = cam.heatmaps.toArray() as number[][][];
      const attributions = cam.attributions.toArray() as number[][][];
      features.forEach((a, r) => {
        // The score is linear in the flattened maps: its gradient is the dense kernel's column.
        const g = a.map((row, i) => row.map((pixel, j) => pixel.map((_, k) => denseKernel[(i * 3 + j) * 2 + k][target])));
        const expected = camByHand(a, g);
        heatmaps[r].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5)));
        const resized = resize(expected, 4, 4);
        attributions[r].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(resized[i][j], 5)));
      });
      // Some of these maps are not all zero (the ReLU leaves evidence), and none is negative.
      expect(Math.min(...cam.attributions.dataSync())).toBeGreaterThanOrEqual(0);
    }
    const maxima = [0, 1, 2].map((target) => Math.max(...dn.explain.gradCam(model, images, { target }).heatmaps.dataSync()));
    expect(Math.max(...maxima)).toBeGreaterThan(0.1);
  });

  it('defaults to the last conv layer; takes the layer object; batches with progress', () => {
    const model = linearHeadModel();
    const whole = dn.explain.gradCam(model, images, { target: 1 });
    const calls: [number, number][] = [];
    const byObject = dn.explain.gradCam(model, images, { target: 1, layer: model.getLayer('features'), batchSize: 1, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls).toEqual([[1, 2], [2, 2]]);
    expect(Array.from(byObject.attributions.dataSync())).toEqual(Array.from(whole.attributions.dataSync()));
    expect(dn.explain.gradCam(model, images).targets).toEqual(model.predict(images).argmax(1).toArray());
  });

  for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
    it(`matches finite differences on a graph model whose layer feeds two paths (${dataFormat})`, () => {
      dn.seed(5);
      const last = dataFormat === 'channelsLast';
      const x = dn.input({ shape: last ? [5, 5, 2] : [2, 5, 5] });
      const conv = dn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', dataFormat, name: 'maps' });
      const after = dn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh', dataFormat });
      const pool = dn.layers.globalAveragePooling2d({ dataFormat });
      const flatten = dn.layers.flatten({ dataFormat });
      const join = dn.layers.concatenate();
      const head = dn.layers.dense({ units: 3, activation: 'softmax' });
      const maps = conv.apply(x);
      const model = dn.model({ inputs: x, outputs: head.apply(join.apply([pool.apply(maps), flatten.apply(after.apply(maps))])) });
      const batch = dn.randn([2, ...x.shape.slice(1) as number[]], { seed: 6 });
      // The explained score as a function of the maps: the head's logits (its softmax left out, as the paper).
      const [kernel, bias] = head.getWeights();
      const score = (a: dn.Tensor): number[][] => dn.matmul(join.apply([pool.apply(a), flatten.apply(after.apply(a))]) as dn.Tensor, kernel).add(bias).toArray() as number[][];
      const features = conv.apply(batch);
      const values = Array.from(features.dataSync());
      const target = 2;
      // Into channelsLast [2, 5, 5, 3] for the hand computation.
      const toLast = (flat: ArrayLike<number>): number[][][][] => {
        const t = dn.tensor(Array.from(flat), features.shape);
        return (last ? t : t.transpose([0, 2, 3, 1])).toArray() as number[][][][];
      };
      // Central differences of every logit with respect to every feature-map value.
      const step = 1e-2;
      const columns = [0, 1, 2].map(() => new Float64Array(values.length));
      for (let i = 0; i < values.length; i++) {
        const at = (delta: number): number[] => {
          const moved = values.slice();
          moved[i] += delta;
          return score(dn.tensor(moved, features.shape))[Math.floor(i / (values.length / 2))];
        };
        const [up, down] = [at(step), at(-step)];
        columns.forEach((column, c) => (column[i] = (up[c] - down[c]) / (2 * step)));
      }
      const logitGradients = columns.map(toLast);
      const a = toLast(values);
      const check = (cam: dn.explain.GradCamResult, gradients: number[][][][], digits: number): void => {
        const heatmaps = cam.heatmaps.toArray() as number[][][];
        let largest = 0;
        a.forEach((sample, r) => camByHand(sample, gradients[r]).forEach((row, i) => row.forEach((v, j) => {
          expect(heatmaps[r][i][j]).toBeCloseTo(v, digits);
          largest = Math.max(largest, v);
        })));
        expect(largest).toBeGreaterThan(10 ** -(digits - 1));
      };
      const paper = dn.explain.gradCam(model, batch, { target, layer: 'maps', beforeSoftmax: true });
      expect(paper.layer).toBe('maps');
      expect(paper.attributions.shape).toEqual([2, 5, 5]);   // 'same' padding: the input's own size, no resizing
      expect(Array.from(paper.attributions.dataSync())).toEqual(Array.from(paper.heatmaps.dataSync()));
      check(paper, logitGradients[target], 3);
      // By default the score is the model's output, the probability: its gradient is p_t (g_t − Σ_c p_c g_c).
      const p = model.predict(batch).toArray() as number[][];
      const probabilityGradient = a.map((sample, r) => sample.map((row, i) => row.map((pixel, j) => pixel.map((_, k) => {
        const mean = [0, 1, 2].reduce((sum, c) => sum + p[r][c] * logitGradients[c][r][i][j][k], 0);
        return p[r][target] * (logitGradients[target][r][i][j][k] - mean);
      }))));
      check(dn.explain.gradCam(model, batch, { target, layer: conv }), probabilityGradient, 4);
    });
  }

  it('on the digits CNN, puts more of the map on inked pixels than on blank ones', async () => {
    const { xTrain, yTrain, xTest } = dn.datasets.digits({ shape: 'image' });
    dn.seed(0);
    const model = dn.sequential({
      layers: [
        dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
        dn.layers.maxPooling2d({ poolSize: 2 }),
        dn.layers.flatten(),
        dn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(xTrain.div(16), yTrain, { epochs: 4, batchSize: 32, verbose: 0, seed: 0 });
    const x = xTest.div(16).slice([0, 0, 0, 0], [40, 8, 8, 1]);
    const cam = dn.explain.gradCam(model, x);
    expect(cam.attributions.shape).toEqual([40, 8, 8]);
    const pixels = x.dataSync();
    const map = cam.attributions.dataSync();
    // Mean map value on inked pixels (>= 0.5) and on blank ones (0): over all images, and per image.
    const totals = { inked: 0, inkedCount: 0, blank: 0, blankCount: 0 };
    let inkier = 0;
    for (let image = 0; image < 40; image++) {
      const one = { inked: 0, inkedCount: 0, blank: 0, blankCount: 0 };
      for (let i = image * 64; i < (image + 1) * 64; i++) {
        expect(map[i]).toBeGreaterThanOrEqual(0);
        if (pixels[i] >= 0.5) {
          one.inked += map[i];
          one.inkedCount++;
        } else if (pixels[i] === 0) {
          one.blank += map[i];
          one.blankCount++;
        }
      }
      if (one.inked / one.inkedCount > one.blank / one.blankCount) inkier++;
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += one[key];
    }
    // Per pixel, the map is larger on ink than on the blank ground, overall and on most images.
    expect(totals.inked / totals.inkedCount).toBeGreaterThan(1.3 * (totals.blank / totals.blankCount));
    expect(inkier).toBeGreaterThan(20);
  });
});
