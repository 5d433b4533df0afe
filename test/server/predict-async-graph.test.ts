// predictAsync on graph models: merge layers, several inputs and outputs and nested models run as
// native steps on the worker (a snapshot of the weights taken at the call), with exactly predict's result.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding, type ForwardStep } from '../../lib/native.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const seeded = (units: number, seed: number, activation: dn.layers.DenseOptions['activation'] = 'linear'): dn.layers.Dense =>
  dn.layers.dense({ units, activation, kernelInitializer: dn.initializers.glorotUniform({ seed }), biasInitializer: dn.initializers.randomNormal({ seed: seed + 50 }) });

function same(a: dn.Tensor, b: dn.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  const p = a.dataSync();
  const q = b.dataSync();
  for (let i = 0; i < p.length; i++) if (!Object.is(p[i], q[i])) throw new Error(`element ${i}: ${p[i]} and ${q[i]} differ`);
}

/**
 * Calls predictAsync, then changes the weights before it settles: a call that runs on its own
 * snapshot (natively) is not affected; one that falls back to predict after a turn of the event
 * loop would see the change. Returns the result and what predict gave before the change.
 */
async function asyncAgainstSnapshot(model: dn.Model<dn.Tensor | dn.Tensor[]>, x: dn.ModelData): Promise<{ result: dn.Tensor[]; before: dn.Tensor[] }> {
  const list = (out: dn.Tensor | dn.Tensor[]): dn.Tensor[] => (Array.isArray(out) ? out : [out]);
  const before = list(model.predict(x));
  const pending = model.predictAsync(x);
  model.setWeights(model.getWeights().map((w) => w.add(1)));
  return { result: list(await pending), before };
}

describe('predictAsync on graph models', () => {
  it('runs a residual block natively, with predict\'s exact result', async () => {
    const input = dn.input({ shape: [6] });
    const h = seeded(8, 1, 'relu').apply(input);
    const f = seeded(8, 2).apply(seeded(8, 3, 'relu').apply(h));
    const skip = dn.layers.activation({ activation: 'relu' }).apply(dn.layers.add().apply([h, f]));
    const model = dn.model({ inputs: input, outputs: seeded(4, 4, 'softmax').apply(skip) });
    const x = dn.randn([37, 6], { seed: 5 });
    const { result, before } = await asyncAgainstSnapshot(model, x);
    same(result[0], before[0]);
    same(await model.predictAsync(x, { batchSize: 5 }), model.predict(x));
  });

  it('runs every merge layer natively: subtract, multiply, average, maximum, minimum, concatenate, dot (plain and normalized), broadcasting a column', async () => {
    const a = dn.input({ shape: [5], name: 'a' });
    const b = dn.input({ shape: [5], name: 'b' });
    const u = seeded(4, 6, 'tanh').apply(a);
    const v = seeded(4, 7, 'tanh').apply(b);
    const column = seeded(1, 8).apply(b);
    const merged = [
      dn.layers.subtract().apply([u, v]),
      dn.layers.multiply().apply([u, column]),
      dn.layers.average().apply([u, v, column]),
      dn.layers.maximum().apply([column, u]),
      dn.layers.minimum().apply([u, v]),
      dn.layers.dot({ axes: 1 }).apply([u, v]),
      dn.layers.dot({ axes: -1, normalize: true }).apply([u, v]),
    ];
    const joined = dn.layers.concatenate().apply(merged);
    const model = dn.model({ inputs: [a, b], outputs: [joined, seeded(2, 9, 'softmax').apply(joined)] });
    const x = { a: dn.randn([29, 5], { seed: 10 }), b: dn.randn([29, 5], { seed: 11 }) };
    const { result, before } = await asyncAgainstSnapshot(model, x);
    expect(result.map((t) => t.shape)).toEqual([[29, 22], [29, 2]]);
    result.forEach((t, k) => same(t, before[k]));
  });

  it('runs nested models (a Sequential and a graph inside a graph) and an output that is an input', async () => {
    const encoderInput = dn.input({ shape: [4] });
    const encoder = dn.model({ inputs: encoderInput, outputs: seeded(3, 12, 'relu').apply(encoderInput) });
    const head = dn.sequential({ layers: [seeded(2, 13, 'sigmoid')] });
    head.build([null, 3]);
    const input = dn.input({ shape: [4] });
    const model = dn.model({ inputs: input, outputs: [head.apply(encoder.apply(input)), input] });
    const x = dn.rand([9, 4], { seed: 14 });
    const { result, before } = await asyncAgainstSnapshot(model, x);
    result.forEach((t, k) => same(t, before[k]));
    same(result[1], x);
  });

  it('falls back to predict on the main thread for layers without native steps, with the same result', async () => {
    class Doubling extends dn.layers.Layer {
      readonly className = 'DoublingGraph';
      constructor() {
        super('doubling', {}, 'DoublingGraph');
      }
      computeOutputShape(shape: readonly (number | null)[]): dn.layers.Shape {
        return shape.slice();
      }
      call(x: dn.Tensor): dn.Tensor {
        return x.mul(2);
      }
    }
    const input = dn.input({ shape: [3] });
    const model = dn.model({ inputs: input, outputs: dn.layers.add().apply([input, new Doubling().apply(input)]) });
    const x = dn.rand([4, 3], { seed: 15 });
    same(await model.predictAsync(x), model.predict(x));
    // The fallback reads the weights as they are after its turn of the event loop: no snapshot.
    const rank3 = dn.input({ shape: [2, 3] });
    const deep = dn.model({ inputs: rank3, outputs: dn.layers.add().apply([rank3, rank3]) });
    same(await deep.predictAsync(dn.ones([2, 2, 3])), dn.full([2, 2, 3], 2));
  });
  it('folds a batch normalization or an activation into the convolution before it only where nothing else reads the convolution', async () => {
    const conv = (filters: number, seed: number): dn.layers.Conv2D => dn.layers.conv2d({
      filters, kernelSize: 3, padding: 'same', kernelInitializer: dn.initializers.glorotUniform({ seed }), biasInitializer: dn.initializers.randomNormal({ seed: seed + 50 }),
    });
    const normalization = (seed: number): dn.layers.BatchNormalization => dn.layers.batchNormalization({
      movingMeanInitializer: dn.initializers.randomNormal({ seed }), movingVarianceInitializer: dn.initializers.randomUniform({ seed: seed + 1, minval: 0.5, maxval: 2 }),
    });
    const input = dn.input({ shape: [5, 5, 2] });
    // Read by the normalization and by a pooling: no folding.
    const shared = conv(3, 20).apply(input);
    const normalized = normalization(21).apply(shared);
    const relu = dn.layers.activation({ activation: 'relu' }).apply(shared);
    // Read by the normalization only, then an activation: both fold.
    const own = dn.layers.activation({ activation: 'tanh' }).apply(normalization(22).apply(conv(4, 23).apply(input)));
    const pooled = [normalized, relu, shared, own].map((t, k) => (k % 2 === 0 ? dn.layers.globalAveragePooling2d() : dn.layers.globalMaxPooling2d()).apply(t));
    const model = dn.model({ inputs: input, outputs: [dn.layers.concatenate().apply(pooled), own] });
    const spy = vi.spyOn(binding, 'forwardPlan');
    const x = dn.randn([7, 5, 5, 2], { seed: 24 });
    const { result, before } = await asyncAgainstSnapshot(model, x);
    result.forEach((t, k) => same(t, before[k]));
    const steps = spy.mock.calls[0][0] as ForwardStep[];
    expect(steps.map((step) => step.kind)).toEqual(['conv2d', 'affine', 'unary', 'conv2d', 'reduce', 'reduce', 'reduce', 'reduce', 'concat']);
    expect(steps[3]).toMatchObject({ activation: binding.opCodes.unary.tanh });
    expect((steps[3] as { scale: Float32Array | null }).scale).not.toBeNull();
  });
});
