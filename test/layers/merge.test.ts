// Merge layers: add, subtract, multiply, average, maximum, minimum, concatenate, dot.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const elementwise = [
  ['add', () => dn.layers.add(), (a: dn.Tensor, b: dn.Tensor) => dn.add(a, b)],
  ['subtract', () => dn.layers.subtract(), (a: dn.Tensor, b: dn.Tensor) => dn.sub(a, b)],
  ['multiply', () => dn.layers.multiply(), (a: dn.Tensor, b: dn.Tensor) => dn.mul(a, b)],
  ['average', () => dn.layers.average(), (a: dn.Tensor, b: dn.Tensor) => dn.add(a, b).div(2)],
  ['maximum', () => dn.layers.maximum(), (a: dn.Tensor, b: dn.Tensor) => dn.maximum(a, b)],
  ['minimum', () => dn.layers.minimum(), (a: dn.Tensor, b: dn.Tensor) => dn.minimum(a, b)],
] as const;

const close = (a: dn.Tensor, b: dn.Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  a.dataSync().forEach((v, i) => expect(v).toBeCloseTo(b.dataSync()[i], 5));
};

describe('merge layers: should throw', () => {
  it('need an array of inputs of compatible shapes, naming the layer and the shapes', () => {
    const add = dn.layers.add({ name: 'sum_a' });
    expect(() => add.apply(dn.input({ shape: [4] }))).toThrow(ValueError);
    expect(() => add.apply(dn.input({ shape: [4] }))).toThrow('sum_a: a merge layer is applied to an array of inputs (layer.apply([a, b])), got one input of shape [null, 4]');
    expect(() => dn.layers.add({ name: 'sum_b' }).apply([dn.input({ shape: [4] }), dn.input({ shape: [3] })])).toThrow(
      'sum_b: inputs of shapes [null, 4] and [null, 3] cannot be merged elementwise (their dimensions differ and neither is 1)',
    );
    expect(() => dn.layers.subtract({ name: 'diff' }).apply([dn.input({ shape: [2] }), dn.input({ shape: [2] }), dn.input({ shape: [2] })])).toThrow('diff: expected exactly 2 inputs, got 3');
    expect(() => dn.layers.multiply({ name: 'batch_mix' }).apply([dn.ones([2, 3]), dn.ones([3, 3])])).toThrow(ShapeError);
    expect(() => dn.layers.multiply().apply([dn.ones([2, 3]), dn.ones([3, 3])])).toThrow(/every input must have the same number of samples, got shapes \[2, 3\] and \[3, 3\]/);
    expect(() => dn.layers.add({ units: 3 } as never)).toThrow(/add: unknown option 'units'/);
    expect(() => dn.layers.maximum({ name: 3 } as never)).toThrow(ArgumentTypeError);
  });

  it('concatenate needs matching axes and an axis other than the batch axis', () => {
    const a = dn.input({ shape: [2, 3] });
    const b = dn.input({ shape: [4, 3] });
    expect(dn.layers.concatenate({ axis: 1 }).apply([a, b]).shape).toEqual([null, 6, 3]);
    expect(() => dn.layers.concatenate({ name: 'cat_last' }).apply([a, b])).toThrow(
      'cat_last: inputs of shapes [null, 2, 3] and [null, 4, 3] cannot be joined along axis -1: every other axis must match',
    );
    expect(() => dn.layers.concatenate({ axis: 0 }).apply([a, b])).toThrow(/axis 0 is out of range for inputs of rank 3 \(the batch axis 0 cannot be joined along\)/);
    expect(() => dn.layers.concatenate({ axis: 3 }).apply([a, b])).toThrow(/axis 3 is out of range/);
    expect(() => dn.layers.concatenate({ axis: 1.5 })).toThrow(/concatenate: axis must be an integer/);
    expect(() => dn.layers.concatenate({ axis: 1 }).apply([a, dn.input({ shape: [3] })])).toThrow(ShapeError);
  });

  it('dot needs axes, two inputs of the same rank (2 or 3) and equal summed dimensions', () => {
    expect(() => dn.layers.dot({} as never)).toThrow('dot: axes is required, e.g. dot({ axes: 1 }) for the dot product of two [batch, k] inputs');
    expect(() => dn.layers.dot({ axes: [1] as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dot({ axes: 1, normalize: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dot({ axes: 1, name: 'dot_ab' }).apply([dn.input({ shape: [4] }), dn.input({ shape: [5] })])).toThrow(
      'dot_ab: cannot take the dot product of shapes [null, 4] and [null, 5] along axes 1 and 1: 4 and 5 differ',
    );
    expect(() => dn.layers.dot({ axes: 1 }).apply([dn.input({ shape: [4] }), dn.input({ shape: [2, 4] })])).toThrow(/two inputs of the same rank, 2 or 3/);
    expect(() => dn.layers.dot({ axes: 0 }).apply([dn.input({ shape: [4] }), dn.input({ shape: [4] })])).toThrow(/axis 0 is out of range/);
  });
});

describe('merge layers', () => {
  it('broadcast as Keras: from the right, size 1 stretches, a lower rank gets axes after the batch axis', () => {
    const shapeOf = (layer: dn.layers.Layer, ...shapes: (number | null)[][]): unknown => layer.apply(shapes.map((s) => dn.input({ shape: s }))).shape;
    expect(shapeOf(dn.layers.add(), [8], [1])).toEqual([null, 8]);
    expect(shapeOf(dn.layers.multiply(), [4, 8], [8])).toEqual([null, 4, 8]);
    expect(shapeOf(dn.layers.average(), [4, 1], [1, 5], [4, 5])).toEqual([null, 4, 5]);
    const lower = dn.tensor([[1, 2]]);            // [1, 2] -> [1, 1, 2]
    const higher = dn.tensor([[[10, 20], [30, 40]]]);
    expect(dn.layers.add().apply([lower, higher]).toArray()).toEqual([[[11, 22], [31, 42]]]);
    expect(dn.layers.add().apply([higher, lower]).toArray()).toEqual([[[11, 22], [31, 42]]]);
  });

  for (const [name, make, reference] of elementwise) {
    it(`${name} computes its op on every pair, and its gradients match finite differences`, () => {
      const a = randomTensor([3, 4], { seed: 1 });
      const b = randomTensor([3, 4], { seed: 2 });
      close(make().apply([a, b]), reference(a, b));
      gradcheck((x: dn.Tensor, y: dn.Tensor) => make().apply([x, y]), [a, b]);
      // Broadcasting: a [batch, 1] column, and a lower-rank input.
      gradcheck((x: dn.Tensor, y: dn.Tensor) => make().apply([x, y]), [randomTensor([3, 2, 4], { seed: 3 }), randomTensor([3, 1], { seed: 4 })]);
      gradcheck((x: dn.Tensor, y: dn.Tensor) => make().apply([x, y]), [randomTensor([2, 4], { seed: 5 }), randomTensor([2, 3, 4], { seed: 6 })]);
      const layer = make();
      const copy = deserializeLayer(serializeLayer(layer));
      expect(copy.className).toBe(layer.className);
      expect(copy.getConfig()).toEqual(layer.getConfig());
    });
  }

  it('add, multiply, average, maximum and minimum take any number of inputs', () => {
    const [a, b, c] = [1, 2, 3].map((seed) => randomTensor([2, 3], { seed }));
    close(dn.layers.add().apply([a, b, c]), a.add(b).add(c));
    close(dn.layers.average().apply([a, b, c]), a.add(b).add(c).div(3));
    close(dn.layers.maximum().apply([a, b, c]), dn.maximum(dn.maximum(a, b), c));
    gradcheck((x: dn.Tensor, y: dn.Tensor, z: dn.Tensor) => dn.layers.multiply().apply([x, y, z]), [a, b, c]);
    gradcheck((x: dn.Tensor, y: dn.Tensor, z: dn.Tensor) => dn.layers.average().apply([x, y, z]), [a, b, c]);
    expect(dn.layers.add().apply([a]).toArray()).toEqual(a.toArray());
  });

  it('concatenate joins along the last axis by default, or the one given, with gradients', () => {
    const a = randomTensor([2, 3], { seed: 7 });
    const b = randomTensor([2, 2], { seed: 8 });
    close(dn.layers.concatenate().apply([a, b]), dn.concat([a, b], 1));
    gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.concatenate().apply([x, y]), [a, b]);
    const c = randomTensor([2, 1, 3], { seed: 9 });
    const d = randomTensor([2, 2, 3], { seed: 10 });
    close(dn.layers.concatenate({ axis: 1 }).apply([c, d]), dn.concat([c, d], 1));
    gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.concatenate({ axis: -2 }).apply([x, y]), [c, d]);
    const layer = dn.layers.concatenate({ axis: 1, name: 'cat_cfg' });
    expect(serializeLayer(layer)).toEqual({ className: 'Concatenate', config: { name: 'cat_cfg', trainable: true, axis: 1 } });
    expect(dn.layers.concatenate().apply([dn.input({ shape: [3] }), dn.input({ shape: [null] })]).shape).toEqual([null, null]);
  });

  it('dot of [batch, k] inputs is [batch, 1], and normalize gives the cosine similarity', () => {
    const a = dn.tensor([[1, 2, 3], [0, 1, 0]]);
    const b = dn.tensor([[4, 5, 6], [0, 2, 0]]);
    expect(dn.layers.dot({ axes: 1 }).apply([a, b]).toArray()).toEqual([[32], [2]]);
    const cosine = dn.layers.dot({ axes: -1, normalize: true }).apply([a, b]).dataSync();
    expect(cosine[0]).toBeCloseTo(32 / Math.sqrt(14 * 77), 6);
    expect(cosine[1]).toBeCloseTo(1, 6);
    gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.dot({ axes: 1 }).apply([x, y]), [randomTensor([3, 4], { seed: 11 }), randomTensor([3, 4], { seed: 12 })]);
    gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.dot({ axes: 1, normalize: true }).apply([x, y]), [randomTensor([3, 4], { seed: 13 }), randomTensor([3, 4], { seed: 14 })]);
  });

  it('dot of rank-3 inputs sums the given axes: a batched matrix product, with gradients for every choice of axes', () => {
    const a = randomTensor([2, 3, 4], { seed: 15 });
    const b = randomTensor([2, 5, 4], { seed: 16 });
    const out = dn.layers.dot({ axes: 2 }).apply([a, b]);
    expect(out.shape).toEqual([2, 3, 5]);
    close(out, dn.matmul(a, b, { transposeB: true }));
    expect(dn.layers.dot({ axes: 2 }).apply([dn.input({ shape: [3, 4] }), dn.input({ shape: [5, 4] })]).shape).toEqual([null, 3, 5]);
    const shapes: Record<string, [number[], number[]]> = {
      '1,1': [[2, 4, 3], [2, 4, 5]], '1,2': [[2, 4, 3], [2, 5, 4]], '2,1': [[2, 3, 4], [2, 4, 5]], '2,2': [[2, 3, 4], [2, 5, 4]],
    };
    for (const [axes, [sa, sb]] of Object.entries(shapes)) {
      const pair = axes.split(',').map(Number) as [number, number];
      gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.dot({ axes: pair }).apply([x, y]), [randomTensor(sa, { seed: 17 }), randomTensor(sb, { seed: 18 })]);
    }
    gradcheck((x: dn.Tensor, y: dn.Tensor) => dn.layers.dot({ axes: 2, normalize: true }).apply([x, y]), [randomTensor([2, 3, 4], { seed: 19 }), randomTensor([2, 5, 4], { seed: 20 })]);
    const layer = dn.layers.dot({ axes: [1, 2], normalize: true, name: 'dot_cfg' });
    expect(serializeLayer(layer)).toEqual({ className: 'Dot', config: { name: 'dot_cfg', trainable: true, axes: [1, 2], normalize: true } });
    expect(deserializeLayer(serializeLayer(layer)).getConfig()).toEqual(layer.getConfig());
  });

  it('train inside a model: a residual block learns, saves and loads', async () => {
    const input = dn.input({ shape: [4] });
    const hidden = dn.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }).apply(input);
    const skip = dn.layers.add().apply([input, hidden]);
    const output = dn.layers.dense({ units: 1, kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }).apply(skip);
    const model = dn.model({ inputs: input, outputs: output });
    model.compile({ optimizer: dn.optimizers.adam(0.02), loss: 'mse' });
    const x = dn.rand([64, 4], { seed: 3 });
    const y = x.sum(1, true).square();
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, seed: 4, verbose: 0 });
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0] / 4);
    const copy = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expect(copy.predict(x).toArray()).toEqual(model.predict(x).toArray());
    expect(copy.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Add', 'Dense']);
  });
});
