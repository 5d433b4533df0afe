/**
 * Loading a saved model: `dn.loadModel(directory)` and `dn.loadModelFromBuffer(buffer)`.
 *
 * Every check runs before the model is handed out: the format and its version, the architecture
 * (layers rebuilt through the layer registry), the weights file against the architecture (every
 * tensor present, none extra, each shape and dtype right), the training configuration and the
 * optimizer state. The model is built entirely in memory; any problem is a SerializationError that
 * says what is wrong and where, and no half-loaded model is ever returned.
 *
 * The files may come from anyone (limits.ts): the weights file is checked whole (limits.ts,
 * safetensors.ts) before any tensor is copied, and the layers are built with their weights taken
 * from it (layer.ts, buildingFrom): each weight's shape is checked against the file before anything
 * is allocated for it, so what loading allocates is bounded by what the file holds.
 */
import { createHash } from 'node:crypto';
import { SerializationError } from '../errors.js';
import { version } from '../native.js';
import { makeTensor, type DType, type Tensor } from '../tensor.js';
import { checkBoolean, checkOptions, checkString, describe, formatShape, typeError } from '../validate.js';
import { deserializeLayer } from '../layers/registry.js';
import { buildingFrom, type Layer, type WeightSource } from '../layers/layer.js';
import { Sequential } from '../model/sequential.js';
import { Functional } from '../model/functional.js';
import type { AnyModel, Model } from '../model/training.js';
import { deserializeOptimizer } from '../optimizers/index.js';
import { getLoss, type LossConfig } from '../losses/index.js';
import { deserializeMetric } from '../metrics.js';
import { decodeSafetensors, type SafetensorsFile, type StoredTensor } from './safetensors.js';
import { loadQuantizedTensors } from '../compression/quantization/quantized-dense.js';
import { isInt8Layer } from '../compression/quantization/quantized-conv.js';
import { Bf16Dense, loadBf16Tensors } from '../compression/quantization/bf16-dense.js';
import { unpackSparseKernels } from './sparse-weights.js';
import { countLayers, LOAD_LIMITS, parseBoundedJson } from './limits.js';
import { loadModelFiles, MODEL_FILE, WEIGHTS_FILE } from './model-files.js';
import { parseModelLocation } from './locations.js';
import { fetchModelFiles } from './fetch-model.js';
import {
  BUFFER_DIGEST_KEY, BUFFER_MODEL_KEY, hasRandomState, MODEL_FORMAT, MODEL_FORMAT_VERSION, OPTIMIZER_PREFIX,
} from './save-model.js';

/** Options of {@link loadModel} and {@link loadModelFromBuffer}. */
export interface LoadOptions {
  /**
   * Compile the model with its saved training configuration (and restore the optimizer state, when
   * saved). Default true; false gives an uncompiled model for inference (as Keras' `compile=False`).
   */
  compile?: boolean;
}

export function checkLoadOptions(where: string, options: unknown): { compile: boolean } {
  const o = checkOptions<LoadOptions>(where, options, ['compile']);
  return { compile: o.compile === undefined ? true : checkBoolean(where, 'compile', o.compile) };
}

/** The most names one message lists. */
const LISTED = 8;

function listed(names: readonly string[]): string {
  return names.length <= LISTED ? names.join(', ') : `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Runs `fn`, turning any error into a SerializationError prefixed with `context`. */
function explained<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(`${context}: ${(error as Error).message}`);
  }
}

/** Checks `format` and `formatVersion` (a newer version than this Dendrite reads says which is needed). */
function checkFormat(fail: (message: string) => never, description: Record<string, unknown>): void {
  if (description.format !== MODEL_FORMAT) {
    if ('modelTopology' in description || 'weightsManifest' in description) {
      fail(`this is a TensorFlow.js model.json (format ${describe(description.format)}), not a Dendrite model; Dendrite reads the models model.save() writes`);
    }
    fail(`format is ${describe(description.format)}, expected '${MODEL_FORMAT}': not a Dendrite model`);
  }
  const formatVersion = description.formatVersion;
  if (typeof formatVersion !== 'number' || !Number.isInteger(formatVersion) || formatVersion < 1) {
    fail(`formatVersion must be a positive integer, got ${describe(formatVersion)}`);
  }
  if ((formatVersion as number) > MODEL_FORMAT_VERSION) {
    const savedBy = typeof description.dendriteVersion === 'string' ? ` (saved by Dendrite ${description.dendriteVersion})` : '';
    fail(
      `the model has formatVersion ${formatVersion}${savedBy}; this Dendrite (${version}) reads formatVersion ${MODEL_FORMAT_VERSION} at most: upgrade Dendrite${savedBy ? ` to ${description.dendriteVersion} or later` : ''} to load it`,
    );
  }
}

/** Rebuilds the layers and the model from the architecture, building it for the saved input shape. */
function rebuildArchitecture(fail: (message: string) => never, where: string, value: unknown): AnyModel {
  if (!isObject(value)) fail('architecture must be an object { className, config }');
  const { className, config, buildInputShape } = value;
  if (className !== 'Sequential' && className !== 'Functional') fail(`unknown model class ${describe(className)}; this Dendrite loads: Sequential, Functional`);
  if (!isObject(config)) fail('architecture.config must be an object');
  if (!Array.isArray(config.layers)) fail('architecture.config.layers must be an array of layer configs');
  const layerCount = countLayers(config);
  if (layerCount > LOAD_LIMITS.layers) fail(`the architecture lists ${layerCount} layers, more than the ${LOAD_LIMITS.layers} a model may have`);
  // A graph: its layers and their connections, replayed (always built: its inputs declare their shapes).
  if (className === 'Functional') return explained(`${where}: the architecture`, () => Functional.fromConfig(config as Record<string, unknown>));
  const layers = (config.layers as unknown[]).map((layerConfig, i) => {
    const name = isObject(layerConfig) && isObject(layerConfig.config) && typeof layerConfig.config.name === 'string' ? ` '${layerConfig.config.name}'` : '';
    return explained(`${where}: layer ${i}${name}`, () => deserializeLayer(layerConfig) as Layer);
  });
  const model = explained(`${where}: the architecture`, () => new Sequential({ layers, ...(typeof config.name === 'string' ? { name: config.name } : {}) }));
  if (!model.built) {
    if (!Array.isArray(buildInputShape) || buildInputShape.length < 2) {
      fail('architecture.buildInputShape must be the input shape [null, ...] the model was built for');
    }
    explained(`${where}: building for input shape ${JSON.stringify(buildInputShape)}`, () => model.build(buildInputShape as (number | null)[]));
  }
  return model;
}

/** Checks a tensor of the file against the shape and dtype the model expects. */
function checkEntry(fail: (message: string) => never, name: string, stored: { shape: readonly number[]; dtype: string }, shape: readonly number[], dtype: DType): void {
  const shapeMatches = stored.shape.length === shape.length && stored.shape.every((d, i) => d === shape[i]);
  if (!shapeMatches) fail(`tensor '${name}' has shape ${formatShape(stored.shape)} in the weights file but the architecture needs ${formatShape(shape)}`);
  const wanted = dtype === 'float32' ? 'F32' : 'I32';
  if (stored.dtype !== wanted) fail(`tensor '${name}' is ${stored.dtype} in the weights file but the architecture needs ${wanted} (${dtype})`);
}

/** The file's tensors not taken yet, each taken (copied out) at most once. */
class TensorSupply implements WeightSource {
  readonly remaining: Map<string, { shape: readonly number[]; dtype: string }>;

  constructor(private readonly fail: (message: string) => never, private readonly file: SafetensorsFile) {
    this.remaining = new Map(file.entries);
  }

  /** A layer's weight, checked against the file before its data is copied (Layer.addWeight calls it while loading). */
  take(name: string, shape: readonly number[], dtype: DType): Tensor {
    const entry = this.remaining.get(name);
    if (entry === undefined) {
      this.fail(this.file.entries.has(name)
        ? `two weights of the architecture are named '${name}'`
        : `the weights file lacks tensor '${name}' ${formatShape(shape)}, which the architecture needs`);
    }
    checkEntry(this.fail, name, entry!, shape, dtype);
    this.remaining.delete(name);
    const stored = this.file.read(name);
    return makeTensor(stored.data as Float32Array | Int32Array, stored.shape);
  }

  /** A tensor of another dtype than a layer weight's (an int8 layer's), checked against the file before it is copied. */
  takeStored(name: string, dtype: string, shape: readonly number[]): StoredTensor['data'] {
    const entry = this.remaining.get(name);
    if (entry === undefined) this.fail(`the weights file lacks tensor '${name}' ${formatShape(shape)}, which the architecture needs`);
    const shapeMatches = entry!.shape.length === shape.length && entry!.shape.every((d, i) => d === shape[i]);
    if (!shapeMatches) this.fail(`tensor '${name}' has shape ${formatShape(entry!.shape)} in the weights file but the architecture needs ${formatShape(shape)}`);
    if (entry!.dtype !== dtype) this.fail(`tensor '${name}' is ${entry!.dtype} in the weights file but the architecture needs ${dtype}`);
    this.remaining.delete(name);
    return this.file.read(name).data;
  }

  /** The named tensors, in order; missing ones are all named in one message. */
  takeAll(expected: ReadonlyArray<{ name: string; tensor: Tensor }>, what: string): Tensor[] {
    const missing = expected.filter(({ name }) => !this.remaining.has(name));
    if (missing.length > 0) {
      this.fail(`the weights file lacks ${missing.length} ${what} tensor${missing.length === 1 ? '' : 's'} the architecture needs: ${listed(missing.map(({ name, tensor }) => `'${name}' ${formatShape(tensor.shape)}`))}`);
    }
    return expected.map(({ name, tensor }) => this.take(name, tensor.shape, tensor.dtype));
  }
}

/**
 * Builds a model from its description (model.json's content) and the decoded weights file.
 * `source` names where they came from, for messages.
 */
export function decodeModel(description: unknown, file: SafetensorsFile, where: string, source: string, compile: boolean): AnyModel {
  const fail = (message: string): never => {
    throw new SerializationError(`${where}: ${source}: ${message}`);
  };
  if (!isObject(description)) fail('the model description is not a JSON object');
  const d = description as Record<string, unknown>;
  checkFormat(fail, d);
  // The layers take their weights from the file as they are built (sparse kernels read as dense ones).
  const supply = new TensorSupply(fail, unpackSparseKernels(file, fail));
  const model = buildingFrom(supply, () => rebuildArchitecture(fail, `${where}: ${source}`, d.architecture));
  for (const layer of model.flatLayers) {
    if (isInt8Layer(layer)) loadQuantizedTensors(layer, (name, dtype, shape) => supply.takeStored(name, dtype, shape));
    if (layer instanceof Bf16Dense) loadBf16Tensors(layer, (name, dtype, shape) => supply.takeStored(name, dtype, shape));
  }
  const remaining = supply.remaining;

  const training = d.trainingConfig;
  if (training !== null && training !== undefined && compile) {
    if (!isObject(training)) fail('trainingConfig must be an object or null');
    const t = training as Record<string, unknown>;
    explained(`${where}: ${source}: trainingConfig`, () => {
      const optimizer = deserializeOptimizer(t.optimizer);
      // One loss and one list of metrics, or (a model with several outputs) one of each per output.
      const loss = Array.isArray(t.loss)
        ? t.loss.map((l, i) => getLoss(l as LossConfig, `trainingConfig.loss[${i}]`))
        : getLoss(t.loss as LossConfig, 'trainingConfig.loss');
      if (!Array.isArray(t.metrics)) typeError('trainingConfig', 'metrics', 'an array', t.metrics);
      const metrics = t.metrics.map((m, i) => (Array.isArray(m)
        ? m.map((one, j) => deserializeMetric(one, `trainingConfig.metrics[${i}][${j}]`))
        : deserializeMetric(m, `trainingConfig.metrics[${i}]`)));
      if (t.lossWeights !== undefined && !Array.isArray(t.lossWeights)) typeError('trainingConfig', 'lossWeights', 'an array of numbers', t.lossWeights);
      model.compile({ optimizer, loss, metrics: metrics as never, ...(t.lossWeights === undefined ? {} : { lossWeights: t.lossWeights as number[] }) });
    });
  }

  const state = d.optimizerState;
  if (state !== null && state !== undefined && !compile) {
    for (const name of [...remaining.keys()]) if (name.startsWith(OPTIMIZER_PREFIX)) remaining.delete(name);
  } else if (state !== null && state !== undefined) {
    if (!isObject(state)) fail('optimizerState must be an object or null');
    const s = state as Record<string, unknown>;
    const optimizer = model.optimizer;
    if (optimizer === null) fail('optimizerState is given but trainingConfig is not: there is no optimizer to restore it into');
    if (s.tensorPrefix !== OPTIMIZER_PREFIX) fail(`optimizerState.tensorPrefix must be '${OPTIMIZER_PREFIX}', got ${describe(s.tensorPrefix)}`);
    const expected = optimizer!.getWeights().map(({ name, tensor }) => ({ name: `${OPTIMIZER_PREFIX}${name}`, tensor }));
    const values = supply.takeAll(expected, 'optimizer-state');
    explained(`${where}: ${source}: restoring the optimizer state`, () => optimizer!.setWeights(values));
    const randomStates = s.randomStates === undefined ? {} : s.randomStates;
    if (!isObject(randomStates)) fail('optimizerState.randomStates must be an object of layer name -> generator state');
    for (const layer of model.flatLayers) {
      if (!hasRandomState(layer)) continue;
      const saved = Object.hasOwn(randomStates as object, layer.name) ? (randomStates as Record<string, unknown>)[layer.name] : undefined;
      if (!Array.isArray(saved)) fail(`optimizerState.randomStates lacks the random state of layer '${layer.name}'`);
      explained(`${where}: ${source}: the random state of layer '${layer.name}'`, () => {
        layer.setRandomState((saved as unknown[]).map((v) => (v === null ? Number.NaN : v)) as number[]);
      });
    }
  }

  if (remaining.size > 0) {
    const extra = [...remaining].map(([name, t]) => `'${name}' ${formatShape(t.shape)}`);
    const hint = [...remaining.keys()].some((name) => name.startsWith(OPTIMIZER_PREFIX)) && (state === null || state === undefined)
      ? ' (optimizer state without optimizerState in the description)' : '';
    fail(`the weights file has ${remaining.size} tensor${remaining.size === 1 ? '' : 's'} the architecture does not: ${listed(extra)}${hint}`);
  }
  return model;
}

/**
 * Loads a model saved with `model.save(directory)` from a path, a `file://` URL, or an `http(s)://`
 * URL of the folder (or of its model.json), fetched with `fetch`: the architecture, the weights (bit for bit),
 * the training configuration (the model comes back compiled, when it was saved compiled, unless
 * `compile: false`) and, when saved with `includeOptimizer: true`, the optimizer state, so `fit`
 * continues exactly.
 *
 * ```ts
 * await model.save('./models/digits');
 * const model = await dn.loadModel('./models/digits');
 * model.predict(x);
 * ```
 * A missing, truncated, corrupted, too-new or mismatched file is a SerializationError that says what
 * is wrong (and which tensor). A model whose save was interrupted loads as it was before that save.
 * A graph model whose outputs were given as an array returns arrays: type it with
 * `dn.loadModel<dn.Tensor[]>(directory)`.
 */
export async function loadModel<Out extends Tensor | Tensor[] = Tensor>(directory: string, options?: LoadOptions): Promise<Model<Out>> {
  const where = 'loadModel';
  const path = checkString(where, 'directory', directory);
  const location = parseModelLocation(where, 'directory', path, 'load');
  const { compile } = checkLoadOptions(where, options);
  const { model: description, weights } = location.kind === 'file' ? await loadModelFiles(location.path) : await fetchModelFiles(location.url);
  const file = explained(`${where}: ${WEIGHTS_FILE} in ${path}`, () => decodeSafetensors(weights));
  return decodeModel(description, file, where, `${MODEL_FILE} in ${path}`, compile) as unknown as Model<Out>;
}

/**
 * Loads a model from the Buffer `model.saveToBuffer()` returned (a safetensors file carrying the
 * model description in its metadata): for servers that keep models in a database or receive them
 * over the network. Same options, checks and errors as {@link loadModel}.
 *
 * ```ts
 * const bytes = await model.saveToBuffer();
 * const copy = await dn.loadModelFromBuffer(bytes);
 * ```
 */
export async function loadModelFromBuffer<Out extends Tensor | Tensor[] = Tensor>(buffer: Uint8Array | ArrayBuffer, options?: LoadOptions): Promise<Model<Out>> {
  const where = 'loadModelFromBuffer';
  const { compile } = checkLoadOptions(where, options);
  let bytes: Uint8Array;
  if (buffer instanceof Uint8Array) bytes = buffer;
  else if (buffer instanceof ArrayBuffer) bytes = new Uint8Array(buffer);
  else return typeError(where, 'buffer', 'a Buffer, Uint8Array or ArrayBuffer (from model.saveToBuffer())', buffer);
  const source = 'the buffer';
  const file = explained(`${where}: ${source}`, () => decodeSafetensors(bytes));
  const text = file.metadata[BUFFER_MODEL_KEY];
  if (text === undefined) {
    const hint = file.metadata.format === MODEL_FORMAT ? ` (a ${WEIGHTS_FILE} from a saved directory: load the directory with dn.loadModel)` : '';
    throw new SerializationError(`${where}: ${source} is a safetensors file without a Dendrite model description${hint}`);
  }
  const description = parseBoundedJson(`${where}: ${source}`, 'the model description', text, LOAD_LIMITS.descriptionBytes);
  const digest = file.metadata[BUFFER_DIGEST_KEY];
  if (digest !== undefined) {
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const actual = createHash('sha256').update(bytes.subarray(8 + headerLength)).digest('hex');
    if (actual !== digest) throw new SerializationError(`${where}: ${source}: the tensor data does not match its SHA-256: corrupted`);
  }
  return decodeModel(description, file, where, source, compile) as unknown as Model<Out>;
}

