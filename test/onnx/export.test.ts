// ONNX export checked against the real engine: every model here is exported, run in onnxruntime-node
// on the same data, and must match Dendrite's predict within 1e-5 relative (float32) — the largest
// difference over the largest output magnitude.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as dn from '../../lib/index.js';
import { UnsupportedError, ValueError } from '../../lib/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-onnx-export-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs ONNX bytes in onnxruntime on named inputs; returns each output's data. */
async function runOnnx(bytes: Uint8Array, feeds: Record<string, dn.Tensor>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    inputs[name] = new ort.Tensor(t.dtype === 'int32' ? 'int32' : 'float32', t.dataSync() as Float32Array | Int32Array, t.shape.slice());
  }
  const result = await session.run(inputs);
  return session.outputNames.map((name) => result[name].data as Float32Array);
}

/** Largest |a - b| over the largest |b|. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Exports `model`, runs it in onnxruntime on `inputs`, and compares each output with predict's. */
async function expectSameOutputs(model: dn.Model<dn.Tensor> | dn.Model<dn.Tensor[]> | dn.Model<dn.Tensor | dn.Tensor[]>, inputs: dn.Tensor[], options: dn.onnx.ExportOptions = {}): Promise<void> {
  const bytes = await dn.onnx.exportModel(model, { toBuffer: true }, options);
  const feeds = Object.fromEntries(model.inputNames.map((name, i) => [name, inputs[i]]));
  const ours = model.predict(inputs.length === 1 ? inputs[0] : inputs);
  const expected = (Array.isArray(ours) ? ours : [ours]).map((t) => t.dataSync() as Float32Array);
  const theirs = await runOnnx(bytes, feeds);
  expect(theirs.length).toBe(expected.length);
  theirs.forEach((values, i) => expect(relativeError(values, expected[i]), `output ${i}`).toBeLessThan(1e-5));
}

const randn = (shape: number[], seed: number) => {
  dn.seed(seed);
  return dn.randn(shape);
};

describe('onnx.exportModel runs in onnxruntime with predict\'s outputs', () => {
  it('an MLP with every built-in activation (and tfjs\'s hard sigmoid), dropout and a softmax', async () => {
    dn.seed(1);
    const acts = ['relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'gelu', 'swish', 'softplus', 'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish', 'exponential', 'linear'] as const;
    const layers: dn.layers.Layer[] = [dn.layers.dense({ units: 12, inputShape: [6] })];
    for (const activation of acts) {
      layers.push(dn.layers.dense({ units: 12, activation, kernelInitializer: activation === 'exponential' ? 'zeros' : 'glorotUniform' }));
      if (activation === 'relu') layers.push(dn.layers.dropout({ rate: 0.5 }));
    }
    layers.push(dn.layers.activation({ activation: dn.activations.gelu({ approximate: true }) }));
    layers.push(dn.layers.dense({ units: 12, activation: dn.activations.hardSigmoid({ slope: 0.2 }) }));
    layers.push(dn.layers.dense({ units: 4, activation: 'softmax' }));
    const model = dn.sequential({ layers });
    await expectSameOutputs(model, [randn([5, 6], 2)]);
  });

  it('a graph model with residual add, concatenate, subtract, multiply, average, maximum, minimum and two outputs', async () => {
    dn.seed(3);
    const a = dn.input({ shape: [8], name: 'a' });
    const c = dn.input({ shape: [8], name: 'c' });
    const h = dn.layers.dense({ units: 8, activation: 'tanh' }).apply(a);
    const sum = dn.layers.add().apply([a, h, c]);
    const joined = dn.layers.concatenate().apply([sum, dn.layers.subtract().apply([a, c])]);
    const mixed = dn.layers.average().apply([dn.layers.multiply().apply([a, c, h]), dn.layers.maximum().apply([a, c]), dn.layers.minimum().apply([h, c])]);
    const out1 = dn.layers.dense({ units: 3, activation: 'logSoftmax' }).apply(joined);
    const out2 = dn.layers.dense({ units: 2 }).apply(mixed);
    const model = dn.model({ inputs: [a, c], outputs: [out1, out2] });
    await expectSameOutputs(model, [randn([4, 8], 4), randn([4, 8], 5)]);
  });

  it('a CNN: conv2d (same, valid, strides, dilation, groups), depthwise, pooling, batch norm, padding, upsampling, flatten', async () => {
    dn.seed(6);
    const model = dn.sequential({
      layers: [
        dn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [9, 10, 2] }),
        dn.layers.batchNormalization(),
        dn.layers.zeroPadding2d({ padding: [1, 2] }),
        dn.layers.upSampling2d({ size: [2, 1] }),
        dn.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', groups: 2 }),
        dn.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, dilationRate: 1 }),
        dn.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
        dn.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        dn.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same' }),
        dn.layers.flatten(),
        dn.layers.dense({ units: 5, activation: 'softmax' }),
      ],
    });
    // Moving statistics that are not the initial 0 and 1, so batch norm's export is checked.
    const bn = model.layers[1] as dn.layers.BatchNormalization;
    bn.movingMean!.assign(randn([4], 7));
    bn.movingVariance!.assign(dn.add(dn.abs(randn([4], 8)), 0.5));
    bn.gamma!.assign(randn([4], 9));
    bn.beta!.assign(randn([4], 10));
    await expectSameOutputs(model, [randn([3, 9, 10, 2], 11)]);
  });

  it('conv1d (causal, same) with pooling 1-D, global pooling and reshape', async () => {
    dn.seed(12);
    const x = dn.input({ shape: [12, 3] });
    const c1 = dn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'elu' }).apply(x);
    const c2 = dn.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }).apply(c1);
    const p = dn.layers.maxPooling1d({ poolSize: 2 }).apply(c2);
    const q = dn.layers.averagePooling1d({ poolSize: 2, padding: 'same' }).apply(c1);
    const g = dn.layers.globalAveragePooling1d().apply(p);
    const gm = dn.layers.globalMaxPooling1d().apply(q);
    const r = dn.layers.reshape({ targetShape: [2, 2] }).apply(g);
    const out = dn.layers.concatenate().apply([dn.layers.flatten().apply(r), gm]);
    const img = dn.input({ shape: [4, 4, 2] });
    const g2 = dn.layers.globalAveragePooling2d().apply(img);
    const g3 = dn.layers.globalMaxPooling2d({ keepdims: true }).apply(img);
    const model = dn.model({ inputs: [x, img], outputs: [out, g2, dn.layers.flatten().apply(g3)] });
    await expectSameOutputs(model, [randn([2, 12, 3], 13), randn([2, 4, 4, 2], 14)]);
  });

  it('embedding (int32 ids), layer normalization, LSTM, GRU (resetAfter both ways) and SimpleRNN', async () => {
    dn.seed(15);
    const ids = dn.input({ shape: [7], dtype: 'int32' });
    const e = dn.layers.embedding({ inputDim: 20, outputDim: 6 }).apply(ids);
    const n = dn.layers.layerNormalization().apply(e);
    const l = dn.layers.lstm({ units: 5, returnSequences: true }).apply(n);
    const g1 = dn.layers.gru({ units: 4, returnSequences: true }).apply(l);
    const g2 = dn.layers.gru({ units: 3, resetAfter: false }).apply(g1);
    const s = dn.layers.simpleRNN({ units: 3 }).apply(l);
    const [o, h, c] = dn.layers.lstm({ units: 2, returnState: true }).apply(n) as dn.SymbolicTensor[];
    const model = dn.model({ inputs: ids, outputs: [g2, s, o, h, c] });
    // Non-zero biases, so the gate order of the biases is checked too.
    for (const layer of model.layers) {
      for (const w of layer.weights) if (w.name.endsWith('bias')) w.assign(dn.mul(randn(w.shape.slice(), w.shape.length + 16), 0.5));
    }
    const tokens = dn.tensor(Array.from({ length: 21 }, (_, i) => (i * 7) % 20), [3, 7], 'int32');
    await expectSameOutputs(model, [tokens]);
  });

  it('bidirectional LSTM and GRU in every merge mode', async () => {
    dn.seed(17);
    const x = dn.input({ shape: [5, 3] });
    const outs = [
      dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 3, returnSequences: true }) }).apply(x),
      dn.layers.bidirectional({ layer: dn.layers.gru({ units: 2 }), mergeMode: 'sum' }).apply(x),
      dn.layers.bidirectional({ layer: dn.layers.simpleRNN({ units: 2, returnSequences: true }), mergeMode: 'ave' }).apply(x),
      dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 2 }), mergeMode: 'mul' }).apply(x),
    ];
    const model = dn.model({ inputs: x, outputs: outs });
    await expectSameOutputs(model, [randn([2, 5, 3], 18)]);
  });

  it('a fixed batch, a nested model, another opset, and a file on disk', async () => {
    dn.seed(19);
    const inner = dn.sequential({ layers: [dn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] })] });
    const x = dn.input({ shape: [3] });
    const model = dn.model({ inputs: x, outputs: dn.layers.dense({ units: 2 }).apply(inner.apply(x) as dn.SymbolicTensor) });
    await expectSameOutputs(model, [randn([2, 3], 20)], { dynamicBatch: false, batchSize: 2, opset: 20 });
    const path = join(scratch, 'model.onnx');
    await dn.onnx.exportModel(model, path);
    const session = await ort.InferenceSession.create(readFileSync(path));
    expect(session.inputNames).toEqual(model.inputNames.slice());
  });

  it('refuses what has no ONNX form, naming the layer, and checks its arguments', async () => {
    const custom = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [2], activation: (t: dn.Tensor) => dn.mul(t, 2) })] });
    await expect(dn.onnx.exportModel(custom, { toBuffer: true })).rejects.toThrow(UnsupportedError);
    await expect(dn.onnx.exportModel(custom, { toBuffer: true })).rejects.toThrow(/dense/);
    const masked = dn.sequential({ layers: [dn.layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [3] }), dn.layers.lstm({ units: 2 })] });
    await expect(dn.onnx.exportModel(masked, { toBuffer: true })).rejects.toThrow(/mask/);
    const ok = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [2] })] });
    await expect(dn.onnx.exportModel(ok, { toBuffer: true }, { opset: 9 })).rejects.toThrow(ValueError);
    await expect(dn.onnx.exportModel(ok, { toBuffer: true }, { nope: 1 } as never)).rejects.toThrow(/nope/);
    await expect(dn.onnx.exportModel(ok, { toBuffer: false } as never)).rejects.toThrow(TypeError);
    await expect(dn.onnx.exportModel({} as never, { toBuffer: true })).rejects.toThrow(TypeError);
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 2 })] });
    await expect(dn.onnx.exportModel(unbuilt, { toBuffer: true })).rejects.toThrow(/not built/);
  });
});
