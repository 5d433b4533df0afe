// TensorFlow.js layers-model files in and out, checked against the real @tensorflow/tfjs: a model
// tfjs saves loads in Dendrite and predicts the same (1e-5 relative), and a model Dendrite saves
// with { format: 'tfjs' } loads in tfjs and predicts the same; sharded and quantised (uint8, uint16,
// float16) weights; bad files (truncated shards, a manifest disagreeing with its shards, unknown
// dtypes, paths leaving the folder, unknown layers) are typed errors, and random corruptions of the
// files end in a model or a Dendrite error, never anything else.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as dn from '../../lib/index.js';
import { DendriteError, SerializationError, ValueError } from '../../lib/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-tfjs-format-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = (name: string) => join(scratch, `${name}-${++folders}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Writes tfjs's save artifacts as tfjs-node's file:// handler (NodeFileSystem.save) does: model.json
 * (modelTopology, weightsManifest with one group ['weights.bin'], format, generatedBy, convertedBy,
 * and trainingConfig when saved with includeOptimizer) and weights.bin.
 */
async function saveWithTfjs(model: tf.LayersModel, directory: string, includeOptimizer = false): Promise<void> {
  mkdirSync(directory, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData as ArrayBuffer;
    const json: Record<string, unknown> = {
      modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
    };
    if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
    writeFileSync(join(directory, 'model.json'), JSON.stringify(json));
    writeFileSync(join(directory, 'weights.bin'), Buffer.from(weightData));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
}

/** Loads a model.json and its shards with tfjs's own parser of the format. */
async function loadWithTfjs(directory: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const data = Buffer.concat(manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(directory, p)))));
    return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = relative * Math.max(1, Math.abs(expected[i]));
    if (!Number.isFinite(expected[i]) || !(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      throw new Error(`element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${tolerance}`);
    }
  }
}

const inputs = Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i * 1.7) * 2);

function tfjsPredict(model: tf.LayersModel, features: number): Float32Array {
  return (model.predict(tf.tensor2d(inputs.slice(0, 6 * features), [6, features])) as tf.Tensor).dataSync() as Float32Array;
}
function dendritePredict(model: dn.Model, features: number): Float32Array {
  return (model.predict(dn.tensor(inputs.slice(0, 6 * features), [6, features])) as dn.Tensor).dataSync() as Float32Array;
}

function tfjsSequential(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 7, activation: 'relu', inputShape: [5] }));
  model.add(tf.layers.dropout({ rate: 0.2 }));
  model.add(tf.layers.dense({ units: 6, activation: 'tanh', useBias: false }));
  model.add(tf.layers.dense({ units: 5, activation: 'elu', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
  model.add(tf.layers.dense({ units: 4, activation: 'softplus' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return model;
}

describe('models saved by @tensorflow/tfjs load in Dendrite', () => {
  it('a Sequential dense model predicts the same', async () => {
    const model = tfjsSequential();
    const directory = folder('tfjs-sequential');
    await saveWithTfjs(model, directory);
    const loaded = await dn.loadLayersModel(join(directory, 'model.json'));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expectClose(dendritePredict(loaded, 5), tfjsPredict(model, 5));
    // The folder, and a file:// URL, name it too.
    expectClose(dendritePredict(await dn.loadLayersModel(`file://${directory}`), 5), tfjsPredict(model, 5));
  });

  it('a functional model (two inputs, a concatenation, two outputs) predicts the same', async () => {
    const a = tf.input({ shape: [5], name: 'a' });
    const b = tf.input({ shape: [3], name: 'b' });
    const ha = tf.layers.dense({ units: 4, activation: 'sigmoid', name: 'ha' }).apply(a) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: 'joined' }).apply([ha, b]) as tf.SymbolicTensor;
    const out1 = tf.layers.dense({ units: 2, name: 'out1' }).apply(joined) as tf.SymbolicTensor;
    const out2 = tf.layers.add({ name: 'out2' }).apply([tf.layers.dense({ units: 3, name: 'hb' }).apply(joined) as tf.SymbolicTensor, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: [out1, out2] });
    const directory = folder('tfjs-functional');
    await saveWithTfjs(model, directory);
    const loaded = await dn.loadLayersModel<dn.Tensor[]>(join(directory, 'model.json'));
    const xa = inputs.slice(0, 10);
    const xb = inputs.slice(10, 16);
    const expected = model.predict([tf.tensor2d(xa, [2, 5]), tf.tensor2d(xb, [2, 3])]) as tf.Tensor[];
    const actual = loaded.predict([dn.tensor(xa, [2, 5]), dn.tensor(xb, [2, 3])]) as dn.Tensor[];
    expect(actual.length).toBe(2);
    actual.forEach((t, i) => expectClose(t.dataSync(), expected[i].dataSync()));
  });
});

describe('each layer family, both ways: tfjs → Dendrite → tfjs predicts as the tfjs model', () => {
  const sequentialOf = (layers: tf.layers.Layer[]): tf.Sequential => {
    const model = tf.sequential();
    for (const layer of layers) model.add(layer);
    return model;
  };
  /** A functional model joining two dense branches of one input with a merge layer. */
  const merged = (merge: (inputs: tf.SymbolicTensor[]) => tf.SymbolicTensor): tf.LayersModel => {
    const x = tf.input({ shape: [6] });
    const a = tf.layers.dense({ units: 4, activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4 }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2 }).apply(merge([a, b])) as tf.SymbolicTensor });
  };
  // tfjs's LSTM and GRU default to its hard sigmoid (its own test below): these use 'sigmoid', on native kernels.
  const gate = { recurrentActivation: 'sigmoid' } as const;
  const families: [string, () => tf.LayersModel, number[], 'int' | 'float'][] = [
    ['activation, reshape, flatten', () => sequentialOf([tf.layers.reshape({ targetShape: [3, 4], inputShape: [12] }), tf.layers.activation({ activation: 'selu' }), tf.layers.flatten(), tf.layers.dense({ units: 2 })]), [2, 12], 'float'],
    ['embedding', () => sequentialOf([tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })]), [2, 5], 'int'],
    ['simpleRNN', () => sequentialOf([tf.layers.simpleRNN({ units: 4, inputShape: [5, 3], returnSequences: true }), tf.layers.simpleRNN({ units: 3 })]), [2, 5, 3], 'float'],
    ['lstm', () => sequentialOf([tf.layers.lstm({ units: 4, inputShape: [5, 3], returnSequences: true, ...gate }), tf.layers.lstm({ units: 3, ...gate })]), [2, 5, 3], 'float'],
    ['gru', () => sequentialOf([tf.layers.gru({ units: 4, inputShape: [5, 3], ...gate })]), [2, 5, 3], 'float'],
    ['bidirectional', () => sequentialOf([tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, ...gate }) as tf.RNN, inputShape: [5, 3] })]), [2, 5, 3], 'float'],
    ['timeDistributed', () => sequentialOf([tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4 }), inputShape: [5, 3] })]), [2, 5, 3], 'float'],
    ['masking', () => sequentialOf([tf.layers.masking({ maskValue: 0, inputShape: [5, 3] }), tf.layers.lstm({ units: 4, ...gate })]), [2, 5, 3], 'float'],
    ['multiply', () => merged((pair) => tf.layers.multiply().apply(pair) as tf.SymbolicTensor), [3, 6], 'float'],
    ['average, maximum, minimum', () => merged(([a, b]) => tf.layers.average().apply([tf.layers.maximum().apply([a, b]) as tf.SymbolicTensor, tf.layers.minimum().apply([a, b]) as tf.SymbolicTensor]) as tf.SymbolicTensor), [3, 6], 'float'],
    ['dot', () => merged(([a, b]) => tf.layers.dot({ axes: 1, normalize: true }).apply([a, b]) as tf.SymbolicTensor), [3, 6], 'float'],
  ];
  for (const [label, make, shape, kind] of families) {
    it(label, async () => {
      const model = make();
      const size = shape.reduce((a, b) => a * b, 1);
      // Every fourth step is all zeros, for the masking layer.
      const values = Array.from({ length: size }, (_, i) => (kind === 'int' ? (i * 7) % 10 : i % 12 < 3 ? 0 : Math.sin(i * 1.3)));
      const expected = (model.predict(tf.tensor(values, shape)) as tf.Tensor).dataSync();
      const directory = folder(`family-${label.replace(/\W+/g, '-')}`);
      await saveWithTfjs(model, directory);
      const loaded = await dn.loadLayersModel(directory);
      expectClose((loaded.predict(dn.tensor(values, shape)) as dn.Tensor).dataSync(), expected);
      const back = folder(`family-back-${label.replace(/\W+/g, '-')}`);
      await loaded.save(back, { format: 'tfjs' });
      const inTfjs = await loadWithTfjs(back);
      expectClose((inTfjs.predict(tf.tensor(values, shape)) as tf.Tensor).dataSync(), expected);
    });
  }

  it("tfjs's LSTM and GRU defaults (its hard sigmoid gate, clip(0.2x + 0.5)) load as hardSigmoid({ slope: 0.2 }) and go back", async () => {
    const model = sequentialOf([tf.layers.lstm({ units: 4, inputShape: [5, 3], returnSequences: true }), tf.layers.gru({ units: 3 })]);
    const values = Array.from({ length: 30 }, (_, i) => 3 * Math.sin(i * 1.3));
    const expected = (model.predict(tf.tensor(values, [2, 5, 3])) as tf.Tensor).dataSync();
    const directory = folder('recurrent-hard-sigmoid');
    await saveWithTfjs(model, directory);
    const loaded = await dn.loadLayersModel(directory);
    expect(loaded.layers[0].getConfig().recurrentActivation).toEqual({ className: 'hardSigmoid', config: { slope: 0.2 } });
    expectClose((loaded.predict(dn.tensor(values, [2, 5, 3])) as dn.Tensor).dataSync(), expected);
    const back = folder('recurrent-hard-sigmoid-back');
    await loaded.save(back, { format: 'tfjs' });
    expectClose(((await loadWithTfjs(back)).predict(tf.tensor(values, [2, 5, 3])) as tf.Tensor).dataSync(), expected);
  });
});

describe('a tfjs model saved with includeOptimizer loads compiled', () => {
  // tfjs's optimizer and its settings as Dendrite's: [tfjs optimizer, Dendrite class, settings Dendrite must have].
  const cases: [string, () => tf.Optimizer, string, Record<string, unknown>][] = [
    ['adam', () => tf.train.adam(0.02, 0.8, 0.99), 'Adam', { learningRate: 0.02, beta1: 0.8, beta2: 0.99 }],
    ['rmsprop', () => tf.train.rmsprop(0.01, 0.8, 0.1, 1e-6), 'RMSprop', { learningRate: 0.01, rho: 0.8, momentum: 0.1, epsilon: 1e-6 }],
    ['sgd', () => tf.train.sgd(0.2), 'SGD', { learningRate: 0.2 }],
    ['momentum', () => tf.train.momentum(0.1, 0.7, true), 'SGD', { learningRate: 0.1, momentum: 0.7, nesterov: true }],
    ['adagrad', () => tf.train.adagrad(0.05, 0.2), 'Adagrad', { learningRate: 0.05, initialAccumulatorValue: 0.2 }],
    ['adadelta', () => tf.train.adadelta(0.5, 0.9), 'Adadelta', { learningRate: 0.5, rho: 0.9 }],
  ];
  for (const [label, make, className, settings] of cases) {
    it(`${label}: the optimizer, loss and metrics come back; tfjs's optimizer state is read past`, async () => {
      const model = tfjsSequential();
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['acc', 'accuracy'] });
      await model.fit(tf.tensor2d(inputs, [6, 5]), tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3), { epochs: 1, verbose: 0 });
      const directory = folder(`compiled-${label}`);
      await saveWithTfjs(model, directory, true);
      const json = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8'));
      expect(json.trainingConfig.loss).toBe('categorical_crossentropy');
      expect(json.weightsManifest[0].weights.some((w: { group?: string }) => w.group === 'optimizer')).toBe(true);
      const loaded = await dn.loadLayersModel(`file://${directory}/model.json`);
      expectClose(dendritePredict(loaded, 5), tfjsPredict(model, 5));
      expect(loaded.optimizer?.className).toBe(className);
      const config = loaded.optimizer!.getConfig() as Record<string, unknown>;
      for (const [key, value] of Object.entries(settings)) expect(config[key], key).toBeCloseTo(value as number, 6);
      // Each metric keeps the name the program gave it, as tfjs logs it.
      expect(loaded.metricsNames).toEqual(expect.arrayContaining(['acc', 'accuracy']));
      // It trains on.
      const history = await loaded.fit(dn.tensor(inputs, [6, 5]), dn.tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], [6, 3]), { epochs: 1, verbose: 0 });
      expect(Number.isFinite(history.history.loss[0])).toBe(true);
      // { compile: false } leaves it uncompiled.
      expect((await dn.loadLayersModel(directory, { compile: false })).optimizer).toBeNull();
    });
  }
});

describe('models saved by Dendrite with { format: "tfjs" } load in @tensorflow/tfjs', () => {
  it('a Sequential dense model predicts the same, and loads back in Dendrite', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 8, activation: 'relu', inputShape: [5], kernelRegularizer: dn.regularizers.l1l2({ l1: 0.01, l2: 0.02 }) }),
      dn.layers.dropout({ rate: 0.5 }),
      dn.layers.dense({ units: 4, activation: 'sigmoid', kernelInitializer: 'heNormal' }),
      dn.layers.dense({ units: 3, activation: 'softmax', useBias: false }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const directory = folder('dendrite-sequential');
    await model.save(`file://${directory}`, { format: 'tfjs' });
    expect(readdirSync(directory).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(model.weights.map((w) => w.name));
    const inTfjs = await loadWithTfjs(directory);
    expectClose(tfjsPredict(inTfjs, 5), dendritePredict(model, 5));
    const back = await dn.loadLayersModel(directory);
    expect(Array.from(dendritePredict(back, 5))).toEqual(Array.from(dendritePredict(model, 5)));
  });

  it('a functional model predicts the same in tfjs', async () => {
    const x = dn.input({ shape: [5], name: 'x' });
    const h = dn.layers.dense({ units: 6, activation: 'tanh', name: 'h' }).apply(x) as dn.SymbolicTensor;
    const skip = dn.layers.dense({ units: 6, name: 'skip' }).apply(x) as dn.SymbolicTensor;
    const sum = dn.layers.add({ name: 'sum' }).apply([h, skip]) as dn.SymbolicTensor;
    const out = dn.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(sum) as dn.SymbolicTensor;
    const model = dn.model({ inputs: x, outputs: out });
    const directory = folder('dendrite-functional');
    await model.save(directory, { format: 'tfjs' });
    expectClose(tfjsPredict(await loadWithTfjs(directory), 5), dendritePredict(model, 5));
  });

  it('options are checked: unknown format, includeOptimizer, saveToBuffer', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(model.save(folder('x'), { format: 'onnx' as 'tfjs' })).rejects.toThrow(ValueError);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(model.save(folder('x'), { format: 'tfjs', includeOptimizer: true })).rejects.toThrow(/includeOptimizer/);
    await expect(model.saveToBuffer({ format: 'tfjs' })).rejects.toThrow(ValueError);
  });
});

/** A tfjs-saved model's folder, and what tfjs predicts with it. */
async function savedByTfjs(): Promise<{ directory: string; expected: Float32Array; json: Record<string, any>; weights: Buffer }> {
  const model = tfjsSequential();
  const directory = folder('source');
  await saveWithTfjs(model, directory);
  return {
    directory, expected: tfjsPredict(model, 5),
    json: JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8')), weights: readFileSync(join(directory, 'weights.bin')),
  };
}

function writeModel(directory: string, json: unknown, shards: Record<string, Uint8Array>): string {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'model.json'), JSON.stringify(json));
  for (const [name, data] of Object.entries(shards)) writeFileSync(join(directory, name), data);
  return join(directory, 'model.json');
}

describe('sharded and quantised weights', () => {
  it('weights split over several shards load the same', async () => {
    const { json, weights, expected } = await savedByTfjs();
    const third = Math.floor(weights.length / 3);
    json.weightsManifest[0].paths = ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'];
    const path = writeModel(folder('sharded'), json, {
      'group1-shard1of3.bin': weights.subarray(0, third), 'group1-shard2of3.bin': weights.subarray(third, 2 * third), 'group1-shard3of3.bin': weights.subarray(2 * third),
    });
    expectClose(dendritePredict(await dn.loadLayersModel(path), 5), expected);
  });

  /** The converter's quantisation of float32 values: uint8/uint16 affine with scale and min, or IEEE half. */
  function quantise(values: Float32Array, dtype: 'uint8' | 'uint16' | 'float16'): { bytes: Uint8Array; quantization: Record<string, unknown> } {
    if (dtype === 'float16') {
      const half = new Uint16Array(values.length);
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      values.forEach((v, i) => {
        f[0] = v;
        const bits = u[0];
        const sign = (bits >>> 16) & 0x8000;
        const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        const mantissa = bits & 0x7fffff;
        half[i] = exponent <= 0 ? sign : sign | (exponent << 10) | Math.round(mantissa / 0x2000);
      });
      return { bytes: new Uint8Array(half.buffer), quantization: { dtype: 'float16' } };
    }
    const levels = dtype === 'uint8' ? 255 : 65535;
    let min = Math.min(...values);
    const max = Math.max(...values);
    if (max === min) min -= 1;
    const scale = (max - min) / levels;
    const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
    values.forEach((v, i) => { q[i] = Math.round((v - min) / scale); });
    return { bytes: new Uint8Array(q.buffer), quantization: { dtype, scale, min } };
  }

  for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
    it(`${dtype} weights dequantise as tfjs does (same predictions from the same files)`, async () => {
      const { json, weights } = await savedByTfjs();
      let offset = 0;
      const parts: Uint8Array[] = [];
      for (const spec of json.weightsManifest[0].weights) {
        const count = spec.shape.reduce((a: number, b: number) => a * b, 1);
        const values = new Float32Array(weights.buffer.slice(weights.byteOffset + offset, weights.byteOffset + offset + 4 * count));
        offset += 4 * count;
        const { bytes, quantization } = quantise(values, dtype);
        spec.quantization = quantization;
        parts.push(bytes);
      }
      const directory = folder(`quantised-${dtype}`);
      const path = writeModel(directory, json, { 'weights.bin': Buffer.concat(parts) });
      expectClose(dendritePredict(await dn.loadLayersModel(path), 5), tfjsPredict(await loadWithTfjs(directory), 5));
    });
  }
});

describe('bad tfjs files are typed errors', () => {
  async function failure(json: unknown, shards: Record<string, Uint8Array>): Promise<Error> {
    const path = writeModel(folder('bad'), json, shards);
    return dn.loadLayersModel(path).then(() => new Error('loaded'), (error: Error) => error);
  }

  it('a truncated shard', async () => {
    const { json, weights } = await savedByTfjs();
    const error = await failure(json, { 'weights.bin': weights.subarray(0, weights.length - 4) });
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/hold \d+ bytes .* need \d+: truncated/);
  });

  it('a manifest that disagrees with its shard (a longer shard, a different shape)', async () => {
    const { json, weights } = await savedByTfjs();
    expect(await failure(json, { 'weights.bin': Buffer.concat([weights, Buffer.alloc(8)]) })).toBeInstanceOf(SerializationError);
    json.weightsManifest[0].weights[0].shape = [5, 8];
    const error = await failure(json, { 'weights.bin': weights });
    expect(error).toBeInstanceOf(SerializationError);
  });

  it('a shape the architecture does not have names the weight', async () => {
    const { json, weights } = await savedByTfjs();
    const [kernel, bias] = json.weightsManifest[0].weights;
    // Swap the kernel's shape for another with as many elements: the sizes agree, the shape does not.
    kernel.shape = [7, 5];
    const error = await failure(json, { 'weights.bin': weights });
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain(kernel.name);
    expect(bias.name).toMatch(/bias/);
  });

  it('unknown dtypes', async () => {
    const { json, weights } = await savedByTfjs();
    json.weightsManifest[0].weights[0].dtype = 'complex64';
    expect((await failure(json, { 'weights.bin': weights })).message).toMatch(/dtype "complex64" is not supported/);
    json.weightsManifest[0].weights[0].dtype = 'float32';
    json.weightsManifest[0].weights[0].quantization = { dtype: 'int4', scale: 1, min: 0 };
    expect((await failure(json, { 'weights.bin': weights })).message).toMatch(/quantization dtype "int4"/);
  });

  it('paths that leave the model folder are refused before anything is read', async () => {
    const { json, weights } = await savedByTfjs();
    const outside = folder('outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'weights.bin'), weights);
    for (const path of [`../${outside.split('/').pop()}/weights.bin`, join(outside, 'weights.bin'), 'file:///etc/passwd', 'a//b.bin', 'sub\\..\\x.bin']) {
      json.weightsManifest[0].paths = [path];
      const error = await failure(json, {});
      expect(error).toBeInstanceOf(SerializationError);
      expect(error.message).toMatch(/leaves the model folder/);
    }
  });

  it("tfjs's hard sigmoid (clip(0.2x + 0.5)) loads as hardSigmoid({ slope: 0.2 }); Dendrite's default one (relu6(x + 3) / 6) cannot be saved for tfjs", async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 2, activation: 'hardSigmoid', inputShape: [3], name: 'gate' }));
    const directory = folder('hard-sigmoid');
    await saveWithTfjs(model, directory);
    const x = [[-4, 0.3, 2], [1, -1, 9]];
    const loaded = await dn.loadLayersModel(directory);
    expectClose((loaded.predict(dn.tensor(x)) as dn.Tensor).dataSync(), (model.predict(tf.tensor(x)) as tf.Tensor).dataSync());
    const own = dn.sequential({ layers: [dn.layers.dense({ units: 2, activation: 'hardSigmoid', inputShape: [3], name: 'own' })] });
    await expect(own.save(folder('hard-sigmoid-out'), { format: 'tfjs' })).rejects.toThrow(/layer 'own': Dendrite's hardSigmoid is relu6\(x \+ 3\) \/ 6/);
    await expect(own.save(folder('hard-sigmoid-out'), { format: 'tfjs' })).rejects.toThrow(SerializationError);
  });

  it('layers Dendrite lacks are listed; a Dendrite model.json or a graph model says what it is', async () => {
    const { json, weights } = await savedByTfjs();
    json.modelTopology.config.layers[1].class_name = 'SpatialDropoutX';
    json.modelTopology.config.layers[2].class_name = 'FancyDense';
    const error = await failure(json, { 'weights.bin': weights });
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/does not have: SpatialDropoutX, FancyDense/);
    expect((await failure({ format: 'graph-model', modelTopology: {} }, {})).message).toMatch(/graph model/);
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [3] })] });
    const own = folder('own');
    await model.save(own);
    await expect(dn.loadLayersModel(own)).rejects.toThrow(/load it with dn.loadModel/);
    await expect(dn.loadLayersModel('indexeddb://m')).rejects.toThrow(/'indexeddb:\/\/'/);
  });

  it('random corruptions of model.json and the shards end in a model or a Dendrite error', async () => {
    const { json, weights } = await savedByTfjs();
    const text = JSON.stringify(json);
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const numbers = ['-1', '0', '1e308', '3.5', '2147483648', 'null', '"x"', '[]', '{}', '[1e9,1e9,1e9]'];
    let loaded = 0;
    for (let trial = 0; trial < 150; trial++) {
      let modelText = text;
      let shard: Buffer = weights;
      const kind = next(4);
      if (kind === 0) {
        // Replace a JSON value (a number, string or bracket) with another.
        const positions = [...modelText.matchAll(/-?\d+(\.\d+)?|"[^"]*"|\[|\{/g)];
        const hit = positions[next(positions.length)];
        modelText = modelText.slice(0, hit.index) + numbers[next(numbers.length)] + modelText.slice(hit.index! + hit[0].length);
      } else if (kind === 1) {
        modelText = modelText.slice(0, next(modelText.length));
      } else if (kind === 2) {
        shard = Buffer.from(weights);
        for (let i = 0; i < 4; i++) shard[next(shard.length)] = next(256);
      } else {
        shard = weights.subarray(0, next(weights.length));
      }
      const directory = folder('fuzz');
      mkdirSync(directory);
      writeFileSync(join(directory, 'model.json'), modelText);
      writeFileSync(join(directory, 'weights.bin'), shard);
      try {
        await dn.loadLayersModel(directory);
        loaded++;
      } catch (error) {
        if (!(error instanceof DendriteError)) throw new Error(`trial ${trial} (kind ${kind}) threw ${(error as Error).constructor.name}: ${(error as Error).message}`);
      }
    }
    expect(loaded).toBeGreaterThan(0); // flipped weight bytes still load
  });
});

describe('over http(s) through fetch', () => {
  it('loads model.json and its shards from a loopback server; a shard longer than the manifest says is cut off and refused', async () => {
    const { json, weights, expected } = await savedByTfjs();
    const served = new Map<string, Buffer>([['/m/model.json', Buffer.from(JSON.stringify(json))], ['/m/weights.bin', weights]]);
    const server = createServer((request, response) => {
      const body = served.get(request.url!);
      if (body === undefined) response.writeHead(404).end('not found');
      else response.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expectClose(dendritePredict(await dn.loadLayersModel(`${base}/m/model.json`), 5), expected);
      expectClose(dendritePredict(await dn.loadLayersModel(`${base}/m`), 5), expected);
      served.set('/m/weights.bin', Buffer.concat([weights, Buffer.alloc(1 << 20)]));
      await expect(dn.loadLayersModel(`${base}/m`)).rejects.toThrow(SerializationError);
      served.delete('/m/weights.bin');
      await expect(dn.loadLayersModel(`${base}/m`)).rejects.toThrow(/404|weights\.bin/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
