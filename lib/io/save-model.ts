/**
 * Saving a model: what goes into `model.json` and `weights.safetensors`, and the in-memory form.
 *
 * `model.json` (format `dendrite.model`, version {@link MODEL_FORMAT_VERSION}):
 * ```json
 * { "format": "dendrite.model", "formatVersion": 1, "dendriteVersion": "0.1.0",
 *   "architecture": { "className": "Sequential", "config": { "name", "layers": [{ "className", "config" }] },
 *                     "buildInputShape": [null, 64] },
 *   "trainingConfig": { "optimizer": { "className", "config" }, "loss": { "className", "config" },
 *                       "metrics": [{ "className", "config" }], "lossWeights"?: [1] } | null,
 *   "trainingConfigOmitted": "why the training config could not be saved" (only then),
 *   "optimizerState": { "tensorPrefix": "optimizer/", "randomStates": { "dropout_1": [5 numbers] } } | null,
 *   "weights": { "file": "weights.safetensors", "bytes", "sha256" } }
 * ```
 * A graph model's architecture is `{ "className": "Functional", "config": { "name", "layers": [{ "className",
 * "name", "config", "inboundNodes": [[["dense_1", 0, 0, {}], ...], ...] }], "inputLayers", "outputLayers" } }`
 * (Keras's form: each call of a layer as the `[layer, call, output]` it reads; a nested model's config is
 * its own architecture), and with several outputs `loss` and `metrics` hold one entry per output.
 * `weights.safetensors` holds every weight under its variable name (`dense_1/kernel`, F32; a kernel that
 * is at least half zeros, as pruning leaves it, as a bitmap and its non-zero values: sparse-weights.ts), the
 * optimizer's state under `optimizer/` when included (`optimizer/iteration` I32,
 * `optimizer/dense_1/kernel/m`...), and `__metadata__` with the format, its version and the
 * Dendrite version.
 *
 * The in-memory form ({@link encodeModelBuffer}) is one safetensors file whose `__metadata__` also
 * carries the model.json text and the SHA-256 of the tensor data.
 *
 * Nothing is written until everything is known to be saveable: each layer is rebuilt from its JSON
 * once (constructed, without weights) so that a layer that could not be loaded back fails the save,
 * not a later load.
 */
import { createHash } from 'node:crypto';
import { SerializationError, ValueError } from '../errors.js';
import { version } from '../native.js';
import { random } from '../random.js';
import { checkBoolean, checkChoice, checkOptions, checkString, describe } from '../validate.js';
import type { Tensor } from '../tensor.js';
import type { AnyModel } from '../model/training.js';
import type { AnyLayer } from '../layers/layer.js';
import { deserializeLayer } from '../layers/registry.js';
import { serializeOptimizer } from '../optimizers/index.js';
import { serializeLoss, type Loss, type LossFunction } from '../losses/index.js';
import { serializeMetric, type Metric } from '../metrics.js';
import { encodeSafetensors, type StoredTensor } from './safetensors.js';
import { packSparseKernels, SPARSE_METADATA_KEY } from './sparse-weights.js';
import { quantizedTensors } from '../compression/quantization/quantized-dense.js';
import { isInt8Layer } from '../compression/quantization/quantized-conv.js';
import { Bf16Dense, bf16Tensors } from '../compression/quantization/bf16-dense.js';
import { saveModelFiles } from './model-files.js';
import { parseModelLocation } from './locations.js';

/** The `format` field of model.json. */
export const MODEL_FORMAT = 'dendrite.model';
/** The model.json version this Dendrite writes, and the newest it reads. */
export const MODEL_FORMAT_VERSION = 1;
/** Prefix of the optimizer-state tensors in the weights file. */
export const OPTIMIZER_PREFIX = 'optimizer/';
/** The `__metadata__` key of the model.json text in an in-memory model. */
export const BUFFER_MODEL_KEY = 'dendrite.model.json';
/** The `__metadata__` key of the SHA-256 of an in-memory model's tensor data. */
export const BUFFER_DIGEST_KEY = 'dendrite.dataSha256';

/** Options of `model.save()` and `model.saveToBuffer()`. */
export interface SaveOptions {
  /**
   * Also save the optimizer's state (its moments and iteration count, and the dropout layers'
   * random state), so that `dn.loadModel` followed by `fit` continues training exactly where it
   * stopped. Default false (the model predicts the same either way). Needs a compiled model
   * whose training configuration can be saved.
   */
  includeOptimizer?: boolean;
  /**
   * `'dendrite'` (default): model.json and weights.safetensors. `'tfjs'`: TensorFlow.js's
   * layers-model files (model.json with modelTopology and weightsManifest, and .bin weight shards),
   * which `tf.loadLayersModel` of `@tensorflow/tfjs` reads and `dn.loadLayersModel` reads back.
   */
  format?: 'dendrite' | 'tfjs';
}

const SAVE_OPTION_NAMES = ['includeOptimizer', 'format'];

/** What a layer with random state (dropout) offers for exact resumption. */
interface RandomStateLayer extends AnyLayer {
  getRandomState(): number[];
  setRandomState(state: readonly number[]): void;
}

/** @internal Whether a layer keeps random state that training advances. */
export function hasRandomState(layer: AnyLayer): layer is RandomStateLayer {
  const candidate = layer as Partial<RandomStateLayer>;
  return typeof candidate.getRandomState === 'function' && typeof candidate.setRandomState === 'function';
}

/** @internal The compile settings a save needs (null for a model never compiled). */
export interface CompiledFacts {
  /** Each output's loss. */
  losses: readonly (Loss | LossFunction)[];
  /** Each output's metric objects (training copies). */
  metrics: readonly (readonly Metric[])[];
  /** Each output's loss weight, when lossWeights were given. */
  lossWeights: readonly number[] | null;
  /** Whether the model has several outputs (the config then holds a loss and a list of metrics per output). */
  perOutput: boolean;
}

/** @internal A model in saveable form. */
export interface EncodedModel {
  /** model.json without its `weights` entry (the file layer adds it). */
  description: Record<string, unknown>;
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** @internal Checks the options of save/saveToBuffer. */
export function checkSaveOptions(where: string, options: unknown): { includeOptimizer: boolean; format: 'dendrite' | 'tfjs' } {
  const o = checkOptions<SaveOptions>(where, options, SAVE_OPTION_NAMES);
  return {
    includeOptimizer: o.includeOptimizer === undefined ? false : checkBoolean(where, 'includeOptimizer', o.includeOptimizer),
    format: o.format === undefined ? 'dendrite' : checkChoice(where, 'format', o.format, ['dendrite', 'tfjs'] as const),
  };
}

/** Runs `fn` and puts the global generator back as it was (a save must not change what training draws next). */
function keepingGlobalRandomState<T>(fn: () => T): T {
  const state = random.getState();
  try {
    return fn();
  } finally {
    random.setState(state);
  }
}

/** A tensor (a copy the caller owns) as the safetensors writer takes it. */
function storedTensor(where: string, name: string, tensor: Tensor): StoredTensor {
  const storage = tensor.storage;
  if (tensor.dtype === 'float32') return { dtype: 'F32', shape: tensor.shape.slice(), data: storage as Float32Array };
  if (tensor.dtype === 'int32') return { dtype: 'I32', shape: tensor.shape.slice(), data: storage as Int32Array };
  throw new SerializationError(`${where}: '${name}' is a ${tensor.dtype} tensor; only float32 and int32 can be saved`);
}

/** The compile settings as JSON, or the reason they cannot be saved. */
function trainingConfigOf(model: AnyModel, facts: CompiledFacts | null): { config: Record<string, unknown> | null; omitted: string | null } {
  const optimizer = model.optimizer;
  if (optimizer === null || facts === null) return { config: null, omitted: null };
  const lossConfigs = facts.losses.map((loss) => serializeLoss(loss));
  if (lossConfigs.includes(null)) return { config: null, omitted: 'the loss is a custom function, which cannot be saved; compile the loaded model again' };
  const metricConfigs: unknown[][] = [];
  for (const list of facts.metrics) {
    const configs: unknown[] = [];
    for (const metric of list) {
      const config = serializeMetric(metric);
      if (config === null) {
        return { config: null, omitted: `metric '${metric.name}' is a custom function, which cannot be saved; compile the loaded model again` };
      }
      configs.push(config);
    }
    metricConfigs.push(configs);
  }
  let optimizerConfig: unknown;
  try {
    optimizerConfig = serializeOptimizer(optimizer);
  } catch (error) {
    if (error instanceof SerializationError) return { config: null, omitted: error.message };
    throw error;
  }
  const config: Record<string, unknown> = facts.perOutput
    ? { optimizer: optimizerConfig, loss: lossConfigs, metrics: metricConfigs }
    : { optimizer: optimizerConfig, loss: lossConfigs[0], metrics: metricConfigs[0] };
  if (facts.lossWeights !== null) config.lossWeights = facts.lossWeights.slice();
  return { config, omitted: null };
}

/**
 * @internal Turns a model into model.json's content, its tensors and the weights file's metadata.
 * Throws SerializationError (nothing written yet) when the model cannot be saved.
 */
export function encodeModel(model: AnyModel, where: string, includeOptimizer: boolean, facts: CompiledFacts | null, int8 = false): EncodedModel {
  if (!model.built) {
    throw new ValueError(
      `${where}: the model is not built yet, so it has no weights to save: give its first layer an inputShape, or call fit/predict on data first`,
    );
  }
  const className = (model as unknown as { className?: unknown }).className;
  if (typeof className !== 'string') throw new SerializationError(`${where}: ${describe(model)} cannot be saved: it has no className`);
  const quantized = model.flatLayers.find((layer) => isInt8Layer(layer) || layer instanceof Bf16Dense);
  if (quantized !== undefined && !int8) {
    const kind = quantized instanceof Bf16Dense ? 'bfloat16' : 'int8';
    throw new SerializationError(`${where}: layer '${quantized.name}' is ${kind} (dn.quantize), which only Dendrite's own format stores: save without format 'tfjs'`);
  }
  const config = JSON.parse(JSON.stringify(model.getConfig())) as Record<string, unknown>;
  const layerConfigs = Array.isArray(config.layers) ? (config.layers as unknown[]) : [];
  // Each layer is rebuilt from its JSON, so a layer that could not be loaded back (a custom
  // activation function, an unregistered class) fails the save; then the whole architecture, so a
  // graph that could not be connected again fails it too.
  keepingGlobalRandomState(() => {
    layerConfigs.forEach((layerConfig, i) => {
      try {
        deserializeLayer(layerConfig);
      } catch (error) {
        const name = model.layers[i]?.name ?? `#${i}`;
        throw new SerializationError(`${where}: layer '${name}' cannot be saved: ${(error as Error).message}`);
      }
    });
    try {
      deserializeLayer({ className, config });
    } catch (error) {
      throw new SerializationError(`${where}: the architecture cannot be saved: ${(error as Error).message}`);
    }
  });
  const architecture = { className, config, buildInputShape: model.inputShape };

  const tensors = new Map<string, StoredTensor>();
  for (const variable of model.weights) {
    if (tensors.has(variable.name)) throw new SerializationError(`${where}: two weights are named '${variable.name}'; give the layers unique names`);
    tensors.set(variable.name, storedTensor(where, variable.name, variable.read()));
  }

  const training = trainingConfigOf(model, facts);
  let optimizerState: Record<string, unknown> | null = null;
  if (includeOptimizer) {
    const optimizer = model.optimizer;
    if (optimizer === null) throw new ValueError(`${where}: includeOptimizer needs a compiled model; this one has no optimizer`);
    if (training.config === null) throw new SerializationError(`${where}: includeOptimizer: the training configuration cannot be saved: ${training.omitted}`);
    if (!optimizer.built) {
      throw new ValueError(`${where}: includeOptimizer: the optimizer has no state yet (compile the model once it is built, or train it first)`);
    }
    for (const { name, tensor } of optimizer.getWeights()) {
      const key = `${OPTIMIZER_PREFIX}${name}`;
      if (tensors.has(key)) throw new SerializationError(`${where}: optimizer state '${key}' collides with a weight of the same name; rename the layer`);
      tensors.set(key, storedTensor(where, key, tensor));
    }
    const randomStates: Record<string, unknown[]> = {};
    for (const layer of model.flatLayers) {
      // NaN (no spare normal draw waiting) is not JSON: stored as null.
      if (hasRandomState(layer)) randomStates[layer.name] = layer.getRandomState().map((v) => (Number.isNaN(v) ? null : v));
    }
    optimizerState = { tensorPrefix: OPTIMIZER_PREFIX, randomStates };
  }

  const description: Record<string, unknown> = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    dendriteVersion: version,
    architecture,
    trainingConfig: training.config,
  };
  if (training.omitted !== null) description.trainingConfigOmitted = training.omitted;
  description.optimizerState = optimizerState;
  const metadata = {
    format: MODEL_FORMAT,
    formatVersion: String(MODEL_FORMAT_VERSION),
    dendriteVersion: version,
    contents: includeOptimizer ? 'weights+optimizer' : 'weights',
  };
  return { description, tensors, metadata };
}

/**
 * The model in Dendrite's own format: kernels that are mostly zeros (pruned) stored as a bitmap and
 * their non-zero values (other formats, tfjs's, take the dense tensors of {@link encodeModel}).
 */
function encodeDendriteModel(model: AnyModel, where: string, includeOptimizer: boolean, facts: CompiledFacts | null): EncodedModel {
  const encoded = encodeModel(model, where, includeOptimizer, facts, true);
  const packed = packSparseKernels(encoded.tensors);
  const metadata = packed.metadata === null ? encoded.metadata : { ...encoded.metadata, [SPARSE_METADATA_KEY]: packed.metadata };
  for (const layer of model.flatLayers) {
    if (!isInt8Layer(layer) && !(layer instanceof Bf16Dense)) continue;
    for (const [name, tensor] of layer instanceof Bf16Dense ? bf16Tensors(layer) : quantizedTensors(layer)) {
      if (packed.tensors.has(name)) throw new SerializationError(`${where}: two weights are named '${name}'; give the layers unique names`);
      packed.tensors.set(name, tensor);
    }
  }
  return { description: encoded.description, tensors: packed.tensors, metadata };
}

/** @internal `model.save(directory)`: the crash-safe two-file write of model.json and weights.safetensors. */
export async function saveModel(model: AnyModel, directory: unknown, options: unknown, facts: CompiledFacts | null): Promise<void> {
  const where = `${model.name}.save`;
  const location = parseModelLocation(where, 'directory', checkString(where, 'directory', directory), 'save');
  if (location.kind !== 'file') throw new ValueError(`${where}: directory must be a path or file:// URL`);
  const { includeOptimizer, format } = checkSaveOptions(where, options);
  if (format === 'tfjs') {
    // Loaded when used: the tfjs writer reaches the loader, which reaches the model classes.
    const { saveLayersModel } = await import('./tfjs/layers-model.js');
    return saveLayersModel(model, where, location.path, includeOptimizer, facts);
  }
  const { description, tensors, metadata } = encodeDendriteModel(model, where, includeOptimizer, facts);
  await saveModelFiles(location.path, description, encodeSafetensors(tensors, metadata), where);
}

/** @internal `model.saveToBuffer()`: one safetensors file with model.json in its metadata. */
export function encodeModelBuffer(model: AnyModel, options: unknown, facts: CompiledFacts | null): Buffer {
  const where = `${model.name}.saveToBuffer`;
  const { includeOptimizer, format } = checkSaveOptions(where, options);
  if (format !== 'dendrite') throw new ValueError(`${where}: format '${format}' is written to a folder only: use model.save(path, { format: '${format}' })`);
  const { description, tensors, metadata } = encodeDendriteModel(model, where, includeOptimizer, facts);
  const digest = createHash('sha256');
  for (const tensor of tensors.values()) digest.update(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  return encodeSafetensors(tensors, { ...metadata, [BUFFER_MODEL_KEY]: JSON.stringify(description), [BUFFER_DIGEST_KEY]: digest.digest('hex') });
}
