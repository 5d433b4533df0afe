// ONNX import: exported models come back as Dendrite models with bit-identical weights and the same
// predictions (to rounding), train further, and files that are not ONNX models (truncated, corrupted, unknown
// operators) are typed errors naming what is wrong.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as dn from '../../lib/index.js';
import { DendriteError, SerializationError, UnsupportedError } from '../../lib/errors.js';
import { encodeModel, decodeModel } from '../../lib/onnx/proto.js';
import { expectClose } from '../helpers/close.js';
import { Rng } from '../helpers/rng.js';

const randn = (shape: number[], seed: number) => {
  dn.seed(seed);
  return dn.randn(shape);
};

/** Every weight of a model, in order, as one array of float32 bits. */
function weightBits(model: dn.Model<dn.Tensor | dn.Tensor[]>): Uint32Array[] {
  return model.getWeights().map((w) => new Uint32Array(Float32Array.from(w.dataSync() as Float32Array).buffer));
}

async function roundTrip(model: dn.Model<dn.Tensor | dn.Tensor[]>, inputs: dn.Tensor[]): Promise<dn.Model<dn.Tensor | dn.Tensor[]>> {
  const bytes = await dn.onnx.exportModel(model, { toBuffer: true });
  const loaded = await dn.onnx.loadModel(bytes);
  expect(weightBits(loaded)).toEqual(weightBits(model));
  const expected = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const actual = loaded.predict(inputs.length === 1 ? inputs[0] : inputs);
  const list = (t: dn.Tensor | dn.Tensor[]) => (Array.isArray(t) ? t : [t]);
  // Predictions agree to rounding, not always bit for bit: an activation exported as a subgraph (swish as
  // x · sigmoid(x)) comes back as two layers, which round differently from the one fused kernel on some
  // ISA paths (the scalar one computes swish in double precision and rounds once).
  list(actual).forEach((t, i) => {
    const want = list(expected)[i].dataSync();
    expectClose(t.dataSync(), want, 1e-6 * Math.max(1, ...Array.from(want, Math.abs)));
  });
  return loaded;
}

describe('onnx.loadModel', () => {
  it('an exported MLP comes back bit for bit, predicts the same and trains further', async () => {
    dn.seed(1);
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
      dn.layers.dropout({ rate: 0.3 }),
      dn.layers.dense({ units: 8, activation: 'tanh' }),
      dn.layers.dense({ units: 8, activation: 'leakyRelu' }),
      dn.layers.dense({ units: 8, activation: 'swish' }),
      dn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    const x = randn([6, 4], 2);
    const loaded = await roundTrip(model, [x]);
    // Each dense layer comes back as one layer with its activation (swish is exported as x · sigmoid(x)).
    expect(loaded.layers.filter((l) => l.className === 'Dense').map((l) => (l as dn.layers.Dense).activation.name)).toEqual(['relu', 'tanh', 'leakyRelu', 'linear', 'softmax']);
    loaded.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
    const y = dn.tensor([0, 1, 2, 0, 1, 2], [6], 'int32');
    const before = (await loaded.evaluate(x, y)).loss;
    await loaded.fit(x, y, { epochs: 20, batchSize: 6, verbose: 0 });
    expect((await loaded.evaluate(x, y)).loss).toBeLessThan(before);
  });

  it('a CNN (conv, pooling, batch norm, padding, flatten) and a graph with merges', async () => {
    dn.seed(3);
    const cnn = dn.sequential({ layers: [
      dn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 2] }),
      dn.layers.batchNormalization(),
      dn.layers.zeroPadding2d({ padding: 1 }),
      dn.layers.conv2d({ filters: 3, kernelSize: 2, strides: 2 }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 2 }),
    ] });
    const bn = cnn.layers[1] as dn.layers.BatchNormalization;
    bn.movingMean!.assign(randn([4], 4));
    bn.movingVariance!.assign(dn.add(dn.abs(randn([4], 5)), 0.5));
    await roundTrip(cnn, [randn([2, 8, 8, 2], 6)]);

    const a = dn.input({ shape: [6] });
    const b = dn.input({ shape: [6] });
    const h = dn.layers.dense({ units: 6, activation: 'sigmoid' }).apply(a);
    const s = dn.layers.add().apply([h, b]);
    const c = dn.layers.concatenate().apply([s, dn.layers.multiply().apply([a, b]), dn.layers.maximum().apply([a, h])]);
    const conv = dn.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'causal' }).apply(dn.layers.reshape({ targetShape: [9, 2] }).apply(c));
    const out = dn.layers.globalAveragePooling1d().apply(conv);
    const graph = dn.model({ inputs: [a, b], outputs: [out, dn.layers.layerNormalization().apply(c)] });
    await roundTrip(graph, [randn([3, 6], 7), randn([3, 6], 8)]);
  });

  it('embedding, LSTM and GRU: gates and biases back in Keras order', async () => {
    dn.seed(9);
    const ids = dn.input({ shape: [5], dtype: 'int32' });
    const e = dn.layers.embedding({ inputDim: 10, outputDim: 4 }).apply(ids);
    const l = dn.layers.lstm({ units: 3, returnSequences: true }).apply(e);
    const g = dn.layers.gru({ units: 2 }).apply(l);
    const g2 = dn.layers.gru({ units: 2, resetAfter: false }).apply(l);
    const r = dn.layers.simpleRNN({ units: 2 }).apply(e);
    const model = dn.model({ inputs: ids, outputs: [g, g2, r] });
    for (const layer of model.layers) for (const w of layer.weights) if (w.name.endsWith('bias')) w.assign(randn(w.shape.slice(), 10));
    await roundTrip(model, [dn.tensor([1, 2, 3, 4, 5, 9, 8, 7, 6, 0], [2, 5], 'int32')]);
  });

  it('reads a channels-first graph the way PyTorch writes it (Gemm with transB, NCHW Conv, explicit pads)', async () => {
    // A graph built by hand with the schema: Conv NCHW (pads 1) → Relu → GlobalAveragePool → Flatten → Gemm.
    const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
    const random = new Rng(5);
    const rng = () => random.next();
    const w = Array.from({ length: 3 * 2 * 3 * 3 }, () => rng() - 0.5);
    const wb = [0.1, -0.2, 0.3];
    const g = Array.from({ length: 2 * 3 }, () => rng() - 0.5);
    const gb = [0.05, -0.05];
    const bytes = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'torch',
        node: [
          { op_type: 'Conv', input: ['x', 'w', 'wb'], output: ['c'], attribute: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [3, 3] }] },
          { op_type: 'Relu', input: ['c'], output: ['r'] },
          { op_type: 'GlobalAveragePool', input: ['r'], output: ['p'] },
          { op_type: 'Flatten', input: ['p'], output: ['f'] },
          { op_type: 'Gemm', input: ['f', 'g', 'gb'], output: ['y'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
        ],
        initializer: [
          { name: 'w', dims: [3, 2, 3, 3], data_type: 1, raw_data: f32(w) },
          { name: 'wb', dims: [3], data_type: 1, raw_data: f32(wb) },
          { name: 'g', dims: [2, 3], data_type: 1, raw_data: f32(g) },
          { name: 'gb', dims: [2], data_type: 1, float_data: gb },
        ],
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }, { dim_value: 5 }, { dim_value: 5 }] } } } }],
        output: [{ name: 'y', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }] } } } }],
      },
    });
    const model = await dn.onnx.loadModel(bytes);
    const x = randn([2, 2, 5, 5], 11);
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const result = await session.run({ x: new ort.Tensor('float32', x.dataSync() as Float32Array, [2, 2, 5, 5]) });
    const expected = result.y.data as Float32Array;
    const actual = (model.predict(x) as dn.Tensor).dataSync();
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-5);
  });

  it('lists every unsupported operator, and checks its arguments', async () => {
    const bytes = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        node: [
          { op_type: 'Relu', input: ['x'], output: ['a'] },
          { op_type: 'TopK', input: ['a', 'k'], output: ['b', 'i'] },
          { op_type: 'NonZero', input: ['b'], output: ['y'] },
        ],
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }] } } } }],
        output: [{ name: 'y' }],
      },
    });
    const error = await dn.onnx.loadModel(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as UnsupportedError).items).toEqual(['TopK', 'NonZero']);
    expect((error as Error).message).toMatch(/TopK, NonZero/);
    await expect(dn.onnx.loadModel(42 as never)).rejects.toThrow(TypeError);
    await expect(dn.onnx.loadModel('/nonexistent/model.onnx')).rejects.toThrow(SerializationError);
    await expect(dn.onnx.loadModel(new Uint8Array(0))).rejects.toThrow(/empty/);
  });

  it('truncated and corrupted files are typed errors, never crashes (fuzz)', async () => {
    dn.seed(12);
    const model = dn.sequential({ layers: [
      dn.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    const bytes = await dn.onnx.exportModel(model, { toBuffer: true });
    const random = new Rng(13);
    const rng = () => random.next();
    const cases: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) cases.push(bytes.subarray(0, Math.floor(rng() * bytes.length)));
    for (let i = 0; i < 120; i++) {
      const copy = bytes.slice();
      for (let k = 0; k < 1 + Math.floor(rng() * 4); k++) copy[Math.floor(rng() * copy.length)] = Math.floor(rng() * 256);
      cases.push(copy);
    }
    cases.push(new TextEncoder().encode('not an onnx file at all'));
    let failures = 0;
    for (const bad of cases) {
      try {
        await dn.onnx.loadModel(bad);
      } catch (error) {
        failures++;
        expect(error, String(error)).toBeInstanceOf(DendriteError);
        expect(error instanceof SerializationError || error instanceof UnsupportedError, String(error)).toBe(true);
      }
    }
    expect(failures).toBeGreaterThan(60);
    // A truncation mid-weights names the initializer or the protobuf problem.
    await expect(dn.onnx.loadModel(bytes.subarray(0, bytes.length - 7))).rejects.toThrow(SerializationError);
    expect(decodeModel(bytes, 'x').graph?.node?.length).toBeGreaterThan(0);
  });
});
