// model.save / dn.loadModel / saveToBuffer / loadModelFromBuffer: argument checks, bad files
// (truncated, corrupted, wrong format or version, unknown layer, mismatched tensors), bit-for-bit
// round trips, and exact resumption of training from a checkpoint with the optimizer state.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, SerializationError, ValueError } from '../../lib/errors.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../../lib/io/safetensors.js';
import { sha256 } from '../../lib/io/model-files.js';
import { version } from '../../lib/native.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-save-load-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = (name: string) => join(scratch, `${name}-${++folders}`);

/** A small compiled classifier with seeded initializers (and a seeded dropout). */
function classifier(options: { dropout?: boolean; compile?: boolean; optimizer?: () => dn.Optimizer } = {}): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 16, activation: 'relu', inputShape: [4], kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }),
      ...(options.dropout ? [dn.layers.dropout({ rate: 0.3, seed: 5 })] : []),
      dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  if (options.compile !== false) {
    const optimizer = options.optimizer?.() ?? dn.optimizers.adam({ learningRate: 0.01 });
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  }
  return model;
}

const x = dn.randn([100, 4], { seed: 7 });
const y = dn.randint(0, 3, [100], { seed: 8 });

/** A custom layer with a weight of its own: an elementwise gain. */
class Gain extends dn.layers.Layer {
  readonly className = 'TestGain';
  private gain: dn.LayerVariable | null = null;
  constructor(options: { name?: string; inputShape?: number[] } = {}) {
    super('gain', options, 'TestGain');
  }
  protected override buildWeights(inputShape: dn.layers.Shape): void {
    this.gain = this.addWeight('gain', [inputShape[inputShape.length - 1] as number], 'ones');
  }
  override computeOutputShape(inputShape: readonly (number | null)[]): dn.layers.Shape {
    return inputShape.slice();
  }
  override call(input: dn.Tensor): dn.Tensor {
    return input.mul(this.gain!.value);
  }
}

/** The raw bits of every weight, for bit-for-bit comparisons (NaN payloads and -0 included). */
function weightBits(model: dn.Model): number[][] {
  return model.getWeights().map((t) => [...new Uint32Array(Float32Array.from(t.dataSync()).buffer)]);
}

function bitsOf(t: dn.Tensor): number[] {
  return [...new Uint32Array(Float32Array.from(t.dataSync()).buffer)];
}

/** Rewrites a saved folder's weights (and model.json's digest of them) through `edit`. */
function editWeights(dir: string, edit: (tensors: Map<string, StoredTensor>) => void): void {
  const decoded = decodeSafetensors(readFileSync(join(dir, 'weights.safetensors')));
  const { metadata } = decoded;
  const tensors = decoded.readAll();
  edit(tensors);
  const file = encodeSafetensors(tensors, metadata);
  writeFileSync(join(dir, 'weights.safetensors'), file);
  const description = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  description.weights = { ...description.weights, bytes: file.length, sha256: sha256(file) };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(description));
}

/** Rewrites a saved folder's model.json through `edit` (the weights stay valid). */
function editDescription(dir: string, edit: (description: Record<string, any>) => void): void {
  const description = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  edit(description);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(description));
}

async function savedClassifier(options: { includeOptimizer?: boolean } = {}): Promise<string> {
  const dir = folder('model');
  const model = classifier();
  await model.fit(x, y, { epochs: 1, verbose: 0, seed: 1 });
  await model.save(dir, options);
  return dir;
}

describe('save and load: should throw', () => {
  it('checks the arguments of save, saveToBuffer, loadModel and loadModelFromBuffer', async () => {
    const model = classifier();
    await expect(model.save(42 as never)).rejects.toThrow(ArgumentTypeError);
    await expect(model.save(42 as never)).rejects.toThrow(/save: directory must be a string, got 42/);
    await expect(model.save('')).rejects.toThrow(ValueError);
    const dir = folder('options');
    await expect(model.save(dir, { includeOptimiser: true } as never)).rejects.toThrow(/unknown option 'includeOptimiser' \(did you mean 'includeOptimizer'\?\)/);
    await expect(model.save(dir, { includeOptimizer: 'yes' } as never)).rejects.toThrow(ArgumentTypeError);
    await expect(model.saveToBuffer({ includeOptimzer: true } as never)).rejects.toThrow(/did you mean 'includeOptimizer'/);
    await expect(model.save(dir, [] as never)).rejects.toThrow(ArgumentTypeError);
    expect(existsSync(dir)).toBe(false);
    await expect(dn.loadModel(undefined as never)).rejects.toThrow(ArgumentTypeError);
    await expect(dn.loadModel('')).rejects.toThrow(ValueError);
    await expect(dn.loadModel(join(scratch, 'x'), { complie: false } as never)).rejects.toThrow(/unknown option 'complie' \(did you mean 'compile'\?\)/);
    await expect(dn.loadModel(join(scratch, 'x'), { compile: 'no' } as never)).rejects.toThrow(ArgumentTypeError);
    await expect(dn.loadModelFromBuffer(Buffer.alloc(0), { compiled: true } as never)).rejects.toThrow(/did you mean 'compile'/);
    await expect(dn.loadModelFromBuffer('model' as never)).rejects.toThrow(ArgumentTypeError);
    await expect(dn.loadModelFromBuffer([1, 2, 3] as never)).rejects.toThrow(/must be a Buffer, Uint8Array or ArrayBuffer/);
  });

  it('refuses, before writing anything, models that cannot be saved', async () => {
    const dir = folder('refused');
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 2 })] });
    await expect(unbuilt.save(dir)).rejects.toThrow(/the model is not built yet/);
    const custom = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [3], activation: (t: dn.Tensor) => t.mul(2) })] });
    await expect(custom.save(dir)).rejects.toThrow(SerializationError);
    await expect(custom.save(dir)).rejects.toThrow(/layer 'dense_\d+' cannot be saved: .*custom activation function/);
    const uncompiled = classifier({ compile: false });
    await expect(uncompiled.save(dir, { includeOptimizer: true })).rejects.toThrow(/includeOptimizer needs a compiled model/);
    const customLoss = classifier({ compile: false });
    customLoss.compile({ optimizer: 'sgd', loss: (yTrue, yPred) => yPred.sub(yTrue).square().mean() });
    await expect(customLoss.save(dir, { includeOptimizer: true })).rejects.toThrow(/training configuration cannot be saved: the loss is a custom function/);
    const scheduled = classifier({ compile: false });
    scheduled.compile({ optimizer: dn.optimizers.sgd({ learningRate: (step: number) => 0.1 / (1 + step) }), loss: 'sparseCategoricalCrossentropy' });
    await expect(scheduled.save(dir, { includeOptimizer: true })).rejects.toThrow(/a learning rate given as a function cannot be saved/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('save and load: bad files', () => {
  it('says when the folder, model.json or the weights are missing, truncated or corrupted', async () => {
    await expect(dn.loadModel(join(scratch, 'nowhere'))).rejects.toThrow(SerializationError);
    await expect(dn.loadModel(join(scratch, 'nowhere'))).rejects.toThrow(/no model.json in/);
    const dir = await savedClassifier();
    const json = readFileSync(join(dir, 'model.json'), 'utf8');
    writeFileSync(join(dir, 'model.json'), json.slice(0, json.length / 2));
    await expect(dn.loadModel(dir)).rejects.toThrow(/model.json is not valid JSON .*corrupted or truncated/);
    writeFileSync(join(dir, 'model.json'), json);
    const weights = readFileSync(join(dir, 'weights.safetensors'));
    writeFileSync(join(dir, 'weights.safetensors'), weights.subarray(0, weights.length - 10));
    await expect(dn.loadModel(dir)).rejects.toThrow(/weights.safetensors .* does not match model.json .*missing, truncated or corrupted/);
    const flipped = Buffer.from(weights);
    flipped[flipped.length - 7] ^= 0x10;
    writeFileSync(join(dir, 'weights.safetensors'), flipped);
    await expect(dn.loadModel(dir)).rejects.toThrow(SerializationError);
    rmSync(join(dir, 'weights.safetensors'));
    await expect(dn.loadModel(dir)).rejects.toThrow(/missing, truncated or corrupted/);
  });

  it('rejects other formats and newer format versions, saying which version is needed', async () => {
    const dir = await savedClassifier();
    editDescription(dir, (d) => { d.formatVersion = 2; d.dendriteVersion = '9.4.0'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(SerializationError);
    await expect(dn.loadModel(dir)).rejects.toThrow(
      `the model has formatVersion 2 (saved by Dendrite 9.4.0); this Dendrite (${version}) reads formatVersion 1 at most: upgrade Dendrite to 9.4.0 or later to load it`,
    );
    editDescription(dir, (d) => { d.formatVersion = 1.5; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/formatVersion must be a positive integer, got 1.5/);
    editDescription(dir, (d) => { d.formatVersion = 1; d.format = 'keras'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/format is "keras", expected 'dendrite.model': not a Dendrite model/);
    editDescription(dir, (d) => { delete d.format; d.modelTopology = {}; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/this is a TensorFlow.js model.json/);
  });

  it('names an unknown layer class or model class, and bad layer settings', async () => {
    const dir = await savedClassifier();
    editDescription(dir, (d) => { d.architecture.config.layers[1].className = 'Dense3D'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(SerializationError);
    await expect(dn.loadModel(dir)).rejects.toThrow(/layer 1 'dense_\d+': deserializeLayer: unknown layer class 'Dense3D' \(did you mean 'Dense'\?\)/);
    editDescription(dir, (d) => { d.architecture.config.layers[1].className = 'Dense'; d.architecture.config.layers[1].config.units = -3; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/layer 1 'dense_\d+': dense: units must be/);
    editDescription(dir, (d) => { d.architecture.config.layers[1].config.units = 3; d.architecture.className = 'LayersModel'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/unknown model class "LayersModel"; this Dendrite loads: Sequential, Functional/);
    editDescription(dir, (d) => { d.architecture.className = 'Sequential'; d.trainingConfig.loss.className = 'hingeLoss'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/trainingConfig: .*unknown loss 'hingeLoss'/);
  });

  it('names the tensor and both shapes when the weights do not match the architecture', async () => {
    const dir = await savedClassifier();
    const [first, second] = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).architecture.config.layers.map((l: any) => l.config.name);
    // A file whose kernel has another shape.
    editWeights(dir, (t) => t.set(`${second}/kernel`, { dtype: 'F32', shape: [16, 4], data: new Float32Array(64) }));
    await expect(dn.loadModel(dir)).rejects.toThrow(SerializationError);
    await expect(dn.loadModel(dir)).rejects.toThrow(`tensor '${second}/kernel' has shape [16, 4] in the weights file but the architecture needs [16, 3]`);
    // An architecture edited to another size: the same message from the other side.
    editWeights(dir, (t) => t.set(`${second}/kernel`, { dtype: 'F32', shape: [16, 3], data: new Float32Array(48) }));
    editDescription(dir, (d) => { d.architecture.config.layers[0].config.units = 8; });
    await expect(dn.loadModel(dir)).rejects.toThrow(`tensor '${first}/kernel' has shape [4, 16] in the weights file but the architecture needs [4, 8]`);
    editDescription(dir, (d) => { d.architecture.config.layers[0].config.units = 16; });
    await dn.loadModel(dir); // repaired
    // Wrong dtype, missing and extra tensors.
    editWeights(dir, (t) => t.set(`${first}/bias`, { dtype: 'I32', shape: [16], data: new Int32Array(16) }));
    await expect(dn.loadModel(dir)).rejects.toThrow(`tensor '${first}/bias' is I32 in the weights file but the architecture needs F32 (float32)`);
    editWeights(dir, (t) => t.delete(`${first}/bias`));
    await expect(dn.loadModel(dir)).rejects.toThrow(`the weights file lacks tensor '${first}/bias' [16], which the architecture needs`);
    editWeights(dir, (t) => {
      t.set(`${first}/bias`, { dtype: 'F32', shape: [16], data: new Float32Array(16) });
      t.set('dense_99/kernel', { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) });
    });
    await expect(dn.loadModel(dir)).rejects.toThrow(`the weights file has 1 tensor the architecture does not: 'dense_99/kernel' [2, 2]`);
    editWeights(dir, (t) => {
      t.delete('dense_99/kernel');
      t.set('optimizer/iteration', { dtype: 'I32', shape: [], data: Int32Array.of(3) });
    });
    await expect(dn.loadModel(dir)).rejects.toThrow(/'optimizer\/iteration' \[\] \(optimizer state without optimizerState in the description\)/);
  });

  it('checks the optimizer state against the optimizer', async () => {
    const dir = await savedClassifier({ includeOptimizer: true });
    const layer = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).architecture.config.layers[0].config.name;
    editWeights(dir, (t) => t.delete(`optimizer/${layer}/kernel/v`));
    await expect(dn.loadModel(dir)).rejects.toThrow(`the weights file lacks 1 optimizer-state tensor the architecture needs: 'optimizer/${layer}/kernel/v' [4, 16]`);
    editWeights(dir, (t) => t.set(`optimizer/${layer}/kernel/v`, { dtype: 'F32', shape: [16, 4], data: new Float32Array(64) }));
    await expect(dn.loadModel(dir)).rejects.toThrow(`tensor 'optimizer/${layer}/kernel/v' has shape [16, 4] in the weights file but the architecture needs [4, 16]`);
    editWeights(dir, (t) => t.set(`optimizer/${layer}/kernel/v`, { dtype: 'F32', shape: [4, 16], data: new Float32Array(64) }));
    editDescription(dir, (d) => { d.trainingConfig = null; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/optimizerState is given but trainingConfig is not/);
  });

  it('rejects truncated, corrupted or foreign buffers', async () => {
    const model = classifier();
    const buffer = await model.saveToBuffer();
    await expect(dn.loadModelFromBuffer(buffer.subarray(0, buffer.length - 1))).rejects.toThrow(SerializationError);
    await expect(dn.loadModelFromBuffer(buffer.subarray(0, 5))).rejects.toThrow(/shorter than the 8-byte header length/);
    const corrupted = Buffer.from(buffer);
    corrupted[corrupted.length - 1] ^= 1;
    await expect(dn.loadModelFromBuffer(corrupted)).rejects.toThrow(/the tensor data does not match its SHA-256: corrupted/);
    const dir = folder('weights-only');
    await model.save(dir);
    await expect(dn.loadModelFromBuffer(readFileSync(join(dir, 'weights.safetensors')))).rejects.toThrow(
      /without a Dendrite model description \(a weights.safetensors from a saved directory: load the directory with dn.loadModel\)/,
    );
    await expect(dn.loadModelFromBuffer(Buffer.from('{"not": "safetensors"}'))).rejects.toThrow(SerializationError);
  });

  it('any flipped byte or truncation of a buffer is a SerializationError or an unchanged model, never a crash or a half model', async () => {
    const model = classifier();
    const buffer = await model.saveToBuffer({ includeOptimizer: true });
    const expected = bitsOf(model.predict(x));
    const outcomes = { rejected: 0, unchanged: 0 };
    // Every 7th byte (header and data), each flipped in one bit, and truncations at many lengths.
    const damaged: Buffer[] = [];
    for (let i = 0; i < buffer.length; i += 7) {
      const copy = Buffer.from(buffer);
      copy[i] ^= 1 << (i % 8);
      damaged.push(copy);
    }
    for (let length = 0; length < buffer.length; length += 97) damaged.push(buffer.subarray(0, length));
    for (const bytes of damaged) {
      try {
        const loaded = await dn.loadModelFromBuffer(bytes);
        // A flip in a part that does not change the model (a version string, a name's letter) may load.
        expect(bitsOf(loaded.predict(x))).toEqual(expected);
        outcomes.unchanged++;
      } catch (error) {
        expect(error).toBeInstanceOf(SerializationError);
        outcomes.rejected++;
      }
    }
    expect(outcomes.rejected).toBeGreaterThan(damaged.length * 0.9);
  });
});

describe('save and load: round trips', () => {
  it('weights round-trip bit for bit, NaN payloads, denormals, -0 and infinities included', async () => {
    const model = classifier();
    const special = [Number.NaN, -0, 1e-45, -1.2e-40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4028234663852886e38, 1 / 3];
    const weights = model.getWeights().map((w) => {
      const values = Float32Array.from(w.dataSync());
      values.forEach((_, i) => { values[i] = special[i % special.length]; });
      // Two NaNs with payloads of their own (not the canonical quiet NaN).
      new Uint32Array(values.buffer)[0] = 0x7fc01234;
      if (values.length > 9) new Uint32Array(values.buffer)[9] = 0xffa00001;
      return dn.tensor(values, w.shape);
    });
    model.setWeights(weights);
    const original = weightBits(model);
    expect(original[0][0]).toBe(0x7fc01234);
    const dir = folder('bits');
    await model.save(dir);
    expect(weightBits(await dn.loadModel(dir))).toEqual(original);
    expect(weightBits(await dn.loadModelFromBuffer(await model.saveToBuffer()))).toEqual(original);
    const copy = await model.saveToBuffer();
    expect(weightBits(await dn.loadModelFromBuffer(copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.length) as ArrayBuffer))).toEqual(original);
  });

  it('custom layers save once registered, and load through the registry', async () => {
    const model = dn.sequential({ layers: [new Gain({ inputShape: [4] }), dn.layers.dense({ units: 2 })] });
    model.setWeights([dn.tensor([1, 2, 3, 4]), ...model.getWeights().slice(1)]);
    const dir = folder('custom-layer');
    await expect(model.save(dir)).rejects.toThrow(/layer 'test_gain_\d+' cannot be saved: .*unknown layer class 'TestGain'.*registerLayer/);
    expect(existsSync(dir)).toBe(false);
    dn.layers.registerLayer('TestGain', Gain);
    await model.save(dir);
    const loaded = await dn.loadModel(dir);
    expect(loaded.layers[0]).toBeInstanceOf(Gain);
    expect(weightBits(loaded)).toEqual(weightBits(model));
    expect(bitsOf(loaded.predict(x))).toEqual(bitsOf(model.predict(x)));
  });

  it('writes model.json with the schema and the weights with their metadata, and nothing else', async () => {
    const dir = await savedClassifier();
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
    const description = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(description).toMatchObject({
      format: 'dendrite.model', formatVersion: 1, dendriteVersion: version,
      architecture: { className: 'Sequential', buildInputShape: [null, 4] },
      trainingConfig: {
        optimizer: { className: 'Adam', config: { learningRate: 0.01 } },
        loss: { className: 'SparseCategoricalCrossentropy' },
        metrics: [{ className: 'Accuracy', config: { name: 'accuracy' } }],
      },
      optimizerState: null,
      weights: { file: 'weights.safetensors' },
    });
    expect(description.architecture.config.layers.map((l: any) => l.className)).toEqual(['Dense', 'Dense']);
    const decoded = decodeSafetensors(readFileSync(join(dir, 'weights.safetensors')));
    const { metadata } = decoded;
    const tensors = decoded.readAll();
    const names = description.architecture.config.layers.flatMap((l: any) => [`${l.config.name}/kernel`, `${l.config.name}/bias`]);
    expect([...tensors.keys()]).toEqual(names);
    expect([...tensors.values()].map((t) => t.dtype)).toEqual(['F32', 'F32', 'F32', 'F32']);
    expect(metadata).toEqual({ format: 'dendrite.model', formatVersion: '1', dendriteVersion: version, contents: 'weights' });
  });

  it('restores the training configuration: the loaded model evaluates and trains like the original', async () => {
    const model = classifier();
    await model.fit(x, y, { epochs: 2, verbose: 0, seed: 3 });
    const dir = folder('compiled');
    await model.save(dir);
    const loaded = await dn.loadModel(dir);
    expect(loaded.optimizer?.className).toBe('Adam');
    expect(loaded.optimizer?.getConfig()).toEqual(model.optimizer?.getConfig());
    expect(loaded.metricsNames).toEqual(['loss', 'accuracy']);
    expect(await loaded.evaluate(x, y)).toEqual(await model.evaluate(x, y));
    // Without the optimizer state, it starts a fresh optimizer (iteration 0).
    expect(loaded.optimizer?.iterations).toBe(0);
    await loaded.fit(x, y, { epochs: 1, verbose: 0 });
  });

  it('compile: false loads an uncompiled model, ignoring the saved optimizer state', async () => {
    const dir = await savedClassifier({ includeOptimizer: true });
    const compiled = await dn.loadModel(dir);
    const plain = await dn.loadModel(dir, { compile: false });
    expect(compiled.optimizer?.iterations).toBe(4);
    expect(plain.optimizer).toBeNull();
    expect(bitsOf(plain.predict(x))).toEqual(bitsOf(compiled.predict(x)));
    const fromBuffer = await dn.loadModelFromBuffer(await compiled.saveToBuffer({ includeOptimizer: true }), { compile: false });
    expect(fromBuffer.optimizer).toBeNull();
  });

  it('keeps learning-rate schedules, regularizers and a model built from data', async () => {
    const model = dn.sequential({
      layers: [
        dn.layers.dense({ units: 5, activation: 'tanh', kernelRegularizer: dn.regularizers.l2({ l2: 0.01 }) }),
        dn.layers.dense({ units: 1 }),
      ],
    });
    const schedule = dn.optimizers.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: schedule, momentum: 0.9 }), loss: 'mse', metrics: ['mae'] });
    await model.fit(x, dn.randn([100, 1], { seed: 4 }), { epochs: 1, verbose: 0, seed: 1 });
    const dir = folder('built-from-data');
    await model.save(dir, { includeOptimizer: true });
    const loaded = await dn.loadModel(dir);
    expect(loaded.inputShape).toEqual([null, 4]);
    expect(loaded.optimizer?.getConfig()).toEqual(model.optimizer?.getConfig());
    expect(loaded.optimizer?.learningRate).toBe(model.optimizer?.learningRate);
    expect(loaded.optimizer?.iterations).toBe(4);
    expect(loaded.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    expect(bitsOf(loaded.predict(x))).toEqual(bitsOf(model.predict(x)));
  });

  it('saves a model compiled with a custom loss without its training configuration, and says why', async () => {
    const model = classifier({ compile: false });
    model.compile({ optimizer: 'adam', loss: (yTrue, yPred) => yPred.sub(yTrue).square().mean() });
    const dir = folder('custom-loss');
    await model.save(dir);
    const description = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(description.trainingConfig).toBeNull();
    expect(description.trainingConfigOmitted).toMatch(/the loss is a custom function/);
    const loaded = await dn.loadModel(dir);
    expect(loaded.optimizer).toBeNull();
    expect(bitsOf(loaded.predict(x))).toEqual(bitsOf(model.predict(x)));
    // An uncompiled model: no training configuration either.
    const plain = classifier({ compile: false });
    await plain.save(dir);
    expect((await dn.loadModel(dir)).optimizer).toBeNull();
  });

  it('a save does not change the global random stream', async () => {
    const model = classifier({ dropout: true });
    dn.seed(99);
    const expected = dn.rand([4]).dataSync();
    dn.seed(99);
    await model.save(folder('random'), { includeOptimizer: false });
    await model.saveToBuffer();
    expect(dn.rand([4]).dataSync()).toEqual(expected);
  });
});

describe('save and load: resuming training', () => {
  /** Trains 6 epochs straight, and 3 + save + load + 3; returns both runs' epoch losses and models. */
  async function straightAndResumed(resume: (model: dn.Sequential) => Promise<dn.Model>, optimizer?: () => dn.Optimizer, epochs = 6) {
    const fitOptions = { batchSize: 16, seed: 11, verbose: 0 };
    const straight = classifier({ dropout: true, optimizer });
    const straightLosses = (await straight.fit(x, y, { ...fitOptions, epochs })).history.loss;
    const first = classifier({ dropout: true, optimizer });
    const half = epochs / 2;
    const firstLosses = (await first.fit(x, y, { ...fitOptions, epochs: half })).history.loss;
    const resumed = await resume(first);
    const secondLosses = (await resumed.fit(x, y, { ...fitOptions, epochs, initialEpoch: half })).history.loss;
    return { straight, straightLosses, resumed, resumedLosses: [...firstLosses, ...secondLosses] };
  }

  it('with includeOptimizer, load + fit gives bit for bit the losses and weights of an uninterrupted run', async () => {
    const dir = folder('resume');
    const run = await straightAndResumed(async (model) => {
      await model.save(dir, { includeOptimizer: true });
      return dn.loadModel(dir);
    });
    // Exact equality (toEqual on doubles): the same kernels on the same data in the same order.
    expect(run.resumedLosses).toEqual(run.straightLosses);
    expect(weightBits(run.resumed)).toEqual(weightBits(run.straight));
    expect(run.resumed.optimizer?.iterations).toBe(run.straight.optimizer?.iterations);
  });

  it('resumes bit for bit with every optimizer state: Adamax, Adadelta, Nadam, AMSGrad, centered RMSprop', async () => {
    const optimizers: [string, () => dn.Optimizer, string[]][] = [
      ['adamax', () => dn.optimizers.adamax(0.01), ['m', 'u']],
      ['adadelta', () => dn.optimizers.adadelta({ learningRate: 1, weightDecay: 0.01 }), ['accumulatedGrad', 'accumulatedDelta']],
      ['nadam', () => dn.optimizers.nadam(0.01), ['m', 'v']],
      ['adam amsgrad', () => dn.optimizers.adam({ learningRate: 0.01, amsgrad: true }), ['m', 'v', 'vMax']],
      ['adamw amsgrad', () => dn.optimizers.adamw({ learningRate: 0.01, amsgrad: true }), ['m', 'v', 'vMax']],
      ['rmsprop centered', () => dn.optimizers.rmsprop({ learningRate: 0.01, centered: true }), ['meanSquare', 'meanGrad']],
      ['rmsprop centered + momentum', () => dn.optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 }), ['meanSquare', 'momentum', 'meanGrad']],
    ];
    for (const [name, optimizer, slots] of optimizers) {
      const dir = folder(name.replaceAll(' ', '-'));
      const run = await straightAndResumed(async (model) => {
        await model.save(dir, { includeOptimizer: true });
        return dn.loadModel(dir);
      }, optimizer, 4);
      expect(run.resumed.optimizer?.className, name).toBe(optimizer().className);
      expect(run.resumed.optimizer?.getConfig(), name).toEqual(optimizer().getConfig());
      const saved = decodeSafetensors(readFileSync(join(dir, 'weights.safetensors'))).entries;
      const kernel = run.resumed.layers[0].weights[0].name;
      for (const slot of slots) expect(saved.has(`optimizer/${kernel}/${slot}`), `${name}: ${slot}`).toBe(true);
      expect(run.resumedLosses, name).toEqual(run.straightLosses);
      expect(weightBits(run.resumed), name).toEqual(weightBits(run.straight));
    }
  });

  it('the same through saveToBuffer / loadModelFromBuffer', async () => {
    const run = await straightAndResumed(async (model) => dn.loadModelFromBuffer(await model.saveToBuffer({ includeOptimizer: true })));
    expect(run.resumedLosses).toEqual(run.straightLosses);
    expect(weightBits(run.resumed)).toEqual(weightBits(run.straight));
  });

  it('without the optimizer state the resumed run differs (what the state is for)', async () => {
    const dir = folder('no-state');
    const run = await straightAndResumed(async (model) => {
      await model.save(dir);
      return dn.loadModel(dir);
    });
    expect(run.resumedLosses.slice(0, 3)).toEqual(run.straightLosses.slice(0, 3));
    expect(run.resumedLosses[3]).not.toBe(run.straightLosses[3]);
  });
});
