/**
 * TensorFlow.js "layers-model" files in and out: `dn.loadLayersModel(pathOrUrl)` and
 * `model.save(path, { format: 'tfjs' })`.
 *
 * The format (what `tf.loadLayersModel` reads and `model.save('file://...')` writes):
 * ```json
 * { "format": "layers-model", "generatedBy": "...", "convertedBy": null,
 *   "modelTopology": { "class_name": "Sequential", "config": { "name", "layers": [...] }, "keras_version", "backend" },
 *   "weightsManifest": [{ "paths": ["group1-shard1of1.bin"], "weights": [{ "name": "dense_1/kernel", "shape": [4, 16], "dtype": "float32" }] }],
 *   "trainingConfig"?: { "loss", "metrics", "optimizer_config": { "class_name", "config" } } }
 * ```
 * Loading turns the topology into Dendrite's architecture (topology.ts) and the shards into named
 * tensors (weights.ts), then builds the model exactly as `dn.loadModel` does, with the same checks
 * (every weight present, none extra, each shape right, nothing allocated before it is checked).
 * Shards are read only from the model's folder: a path that leaves it (`../x.bin`, an absolute
 * path, another host) is refused before anything is read.
 */
import { basename, dirname, join } from 'node:path';
import { SerializationError, ValueError } from '../../errors.js';
import { version } from '../../native.js';
import { checkString, describe } from '../../validate.js';
import { getMetric, serializeMetric } from '../../metrics.js';
import type { Tensor } from '../../tensor.js';
import type { AnyModel, Model } from '../../model/training.js';
import { LOAD_LIMITS, parseBoundedJson } from '../limits.js';
import { openFolder, readInFolder, saveIntoFolder, type ModelFolder } from '../model-files.js';
import { descriptionUrl, fetchBounded, parseModelLocation, urlBeside } from '../locations.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../safetensors.js';
import { checkLoadOptions, decodeModel, type LoadOptions } from '../load-model.js';
import { encodeModel, MODEL_FORMAT, MODEL_FORMAT_VERSION, type CompiledFacts } from '../save-model.js';
import { removeTemporaries, writeFileAtomic } from '../atomic.js';
import { checkManifest, decodeGroup, encodeWeights, groupBytes, isObject, type NamedWeight } from './weights.js';
import { architectureFromTopology, renameWeight, toCamel, topologyFromArchitecture, wrapperWeightPrefixes } from './topology.js';

/** The `format` field of a tfjs layers-model model.json. */
export const TFJS_LAYERS_FORMAT = 'layers-model';
const MODEL_JSON = 'model.json';

/** A shard path of the manifest, refused when it could leave the model's folder. */
function checkShardName(where: string, name: string): string {
  if (name.startsWith('/') || name.includes('\\') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(name) || name.split('/').some((part) => part === '..' || part === '')) {
    throw new SerializationError(`${where}: weightsManifest path ${describe(name)} leaves the model folder: refused`);
  }
  return name;
}

/** Where the files come from: a folder on disk or a URL. */
interface FileSource {
  /** Names model.json, for messages. */
  description: string;
  readModelJson(): Promise<Buffer>;
  /** A shard (a relative name, already checked), of at most `maxBytes`. */
  readShard(name: string, maxBytes: number): Promise<Buffer>;
}

function diskSource(where: string, path: string): FileSource {
  const file = path.endsWith('.json') ? basename(path) : MODEL_JSON;
  const directory = path.endsWith('.json') ? dirname(path) : path;
  let folder: ModelFolder | null = null;
  const open = async (): Promise<ModelFolder> => (folder ??= await openFolder(directory));
  const read = async (name: string, maxBytes: number): Promise<Buffer> => {
    const bytes = await readInFolder(where, await open(), name, maxBytes);
    if (bytes === null) throw new SerializationError(`${where}: ${join(directory, name)} does not exist`);
    return bytes;
  };
  return { description: join(directory, file), readModelJson: () => read(file, LOAD_LIMITS.descriptionBytes), readShard: read };
}

function urlSource(where: string, url: URL): FileSource {
  const modelUrl = descriptionUrl(url, MODEL_JSON);
  return {
    description: modelUrl.href,
    readModelJson: () => fetchBounded(where, modelUrl, LOAD_LIMITS.descriptionBytes),
    readShard: (name, maxBytes) => fetchBounded(where, urlBeside(where, modelUrl, name), maxBytes),
  };
}

/** Dendrite's training configuration from tfjs's (loss and metric names, optimizer class and settings). */
function trainingConfigFromTfjs(fail: (message: string) => never, value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) fail('trainingConfig must be an object');
  const t = value as Record<string, unknown>;
  const optimizer = t.optimizer_config;
  if (!isObject(optimizer) || typeof optimizer.class_name !== 'string') fail('trainingConfig.optimizer_config must be an object { class_name, config }');
  const opt = optimizer as Record<string, unknown>;
  const optimizerNames: Record<string, string> = { RMSProp: 'RMSprop', SGD: 'SGD', sgd: 'SGD', Momentum: 'SGD' };
  const config: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(isObject(opt.config) ? opt.config : {})) if (v !== null) config[toCamel(key)] = v;
  // tfjs's 'Momentum' is SGD with momentum; its useNesterov is Keras's nesterov.
  if ('useNesterov' in config) {
    config.nesterov = config.useNesterov;
    delete config.useNesterov;
  }
  // tfjs's RMSProp calls Keras's rho 'decay'; its Adamax has a learning-rate decay Dendrite lacks.
  if (opt.class_name === 'RMSProp' && 'decay' in config) {
    config.rho = config.decay;
    delete config.decay;
  }
  if (opt.class_name === 'Adamax' && 'decay' in config) {
    if (config.decay !== 0) fail(`trainingConfig: Adamax with a learning-rate decay (${describe(config.decay)}) is not supported: load with { compile: false } and compile the model yourself`);
    delete config.decay;
  }
  // tfjs names metrics by string ('acc', 'mean_squared_error'); Dendrite's description holds them
  // serialized. A metric keeps the name the program gave ('acc' logs as acc, as in tfjs).
  const metric = (m: unknown): unknown => {
    if (Array.isArray(m)) return m.map(metric);
    if (typeof m !== 'string') return m;
    let serialized: unknown = null;
    try {
      serialized = serializeMetric(getMetric(toCamel(m), 'trainingConfig.metrics'));
    } catch (error) {
      fail((error as Error).message);
    }
    if (serialized === null) fail(`trainingConfig: metric ${describe(m)} cannot be rebuilt`);
    return serialized;
  };
  const lossName = (l: unknown): unknown => (typeof l === 'string' ? toCamel(l) : l);
  const metrics = t.metrics === undefined || t.metrics === null ? [] : t.metrics;
  if (!Array.isArray(metrics)) fail('trainingConfig.metrics must be an array of names');
  return {
    optimizer: { className: optimizerNames[opt.class_name as string] ?? opt.class_name, config },
    loss: Array.isArray(t.loss) ? t.loss.map(lossName) : lossName(t.loss),
    metrics: (metrics as unknown[]).map(metric),
  };
}

/**
 * Loads a TensorFlow.js layers model (`model.json` with `modelTopology` and `weightsManifest`, and its
 * `.bin` weight shards): what `model.save('file://...')` of `@tensorflow/tfjs` writes, and what the
 * tfjs converter makes of a Keras model (quantised uint8, uint16 and float16 weights included).
 *
 * `pathOrUrl` is the model.json (or the folder holding it) as a path, a `file://` URL, or an
 * `http(s)://` URL fetched with `fetch`. The model comes back compiled when the file carries a
 * training configuration (unless `{ compile: false }`).
 *
 * ```ts
 * const model = await dn.loadLayersModel('file://./my-model/model.json');
 * model.predict(x);
 * ```
 * A model using layers Dendrite does not have is a SerializationError listing them; truncated
 * shards, a manifest that disagrees with its shards, unknown dtypes and shard paths that leave the
 * model's folder are SerializationErrors too.
 */
export async function loadLayersModel<Out extends Tensor | Tensor[] = Tensor>(pathOrUrl: string, options?: LoadOptions): Promise<Model<Out>> {
  const where = 'loadLayersModel';
  const location = parseModelLocation(where, 'pathOrUrl', checkString(where, 'pathOrUrl', pathOrUrl), 'load');
  const { compile } = checkLoadOptions(where, options);
  const source = location.kind === 'file' ? diskSource(where, location.path) : urlSource(where, location.url);
  const fail = (message: string): never => {
    throw new SerializationError(`${where}: ${source.description}: ${message}`);
  };
  const json = parseBoundedJson(`${where}: ${source.description}`, 'model.json', await source.readModelJson(), LOAD_LIMITS.descriptionBytes);
  if (!isObject(json)) fail('model.json is not a JSON object');
  const d = json as Record<string, unknown>;
  if (d.format === MODEL_FORMAT) fail('this is a Dendrite model (format dendrite.model); load it with dn.loadModel');
  if (d.format !== undefined && d.format !== TFJS_LAYERS_FORMAT) {
    fail(`format is ${describe(d.format)}, expected '${TFJS_LAYERS_FORMAT}'${d.format === 'graph-model' ? ' (a tfjs graph model holds a TensorFlow graph, not layers: Dendrite reads layers models)' : ''}`);
  }
  if (d.modelTopology === undefined) fail('it has no modelTopology: not a tfjs layers model');
  const architecture = architectureFromTopology(`${where}: ${source.description}`, d.modelTopology);
  const groups = checkManifest(`${where}: ${source.description}`, d.weightsManifest ?? []);

  // Each group's shards are read in order, at most what the group still needs (+1 byte, so that a
  // longer shard is seen as one), then checked whole against the manifest.
  const weights = new Map<string, NamedWeight>();
  for (const group of groups) {
    const expected = groupBytes(group);
    const shards: Buffer[] = [];
    let read = 0;
    for (const path of group.paths) {
      const name = checkShardName(`${where}: ${source.description}`, path);
      const room = Number.isSafeInteger(expected) ? Math.max(0, expected - read) + 1 : 0;
      const shard = await source.readShard(name, Math.min(room, 2 ** 31 - 1)).catch((error: unknown) => {
        if (error instanceof SerializationError && /more than the/.test(error.message)) {
          fail(`the shards of ${group.paths.join(', ')} hold more than the ${expected} bytes the manifest's weights need: a manifest that does not match its shards`);
        }
        throw error;
      });
      shards.push(shard);
      read += shard.length;
    }
    decodeGroup(`${where}: ${source.description}`, group, shards, weights);
  }

  const tensors = new Map<string, StoredTensor>();
  const prefixes = wrapperWeightPrefixes(architecture);
  for (const [name, w] of weights) tensors.set(renameWeight(name, prefixes, 0), { dtype: w.data instanceof Float32Array ? 'F32' : 'I32', shape: w.shape, data: w.data });
  const file = decodeSafetensors(encodeSafetensors(tensors, {}));
  const description = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    architecture,
    trainingConfig: compile ? trainingConfigFromTfjs(fail, d.trainingConfig) : null,
    optimizerState: null,
  };
  return decodeModel(description, file, where, source.description, compile) as unknown as Model<Out>;
}

/**
 * @internal `model.save(path, { format: 'tfjs' })`: model.json and its weight shards. As tfjs's own
 * save without includeOptimizer, no training configuration is written (tfjs programs compile a
 * loaded model themselves).
 */
export async function saveLayersModel(model: AnyModel, where: string, directory: string, includeOptimizer: boolean, facts: CompiledFacts | null): Promise<void> {
  if (includeOptimizer) throw new ValueError(`${where}: includeOptimizer is not supported with format 'tfjs'; save in Dendrite's format to resume training exactly`);
  const { description, tensors } = encodeModel(model, where, false, facts);
  const architecture = description.architecture as { className: string; config: Record<string, unknown>; buildInputShape: unknown };
  let topology: Record<string, unknown>;
  try {
    topology = topologyFromArchitecture(architecture.className, architecture.config, `dendrite ${version}`);
  } catch (error) {
    if (error instanceof SerializationError) throw new SerializationError(`${where}: format 'tfjs': ${error.message}`);
    throw error;
  }
  // A Sequential built without an inputShape on its first layer: tfjs needs the shape on that layer.
  const layers = (topology.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers;
  if (architecture.className === 'Sequential' && layers.length > 0) {
    const first = layers[0].config;
    if (first.batch_input_shape === undefined && first.input_shape === undefined && Array.isArray(architecture.buildInputShape)) {
      first.batch_input_shape = architecture.buildInputShape;
    }
  }
  const prefixes = wrapperWeightPrefixes(architecture as unknown as Record<string, unknown>);
  const named = [...tensors].map(([name, t]) => {
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Int32Array)) throw new SerializationError(`${where}: weight '${name}' is not float32 or int32`);
    return { name: renameWeight(name, prefixes, 1), shape: t.shape, data: t.data };
  });
  const { manifest, shards } = encodeWeights(named);
  const json: Record<string, unknown> = {
    modelTopology: topology,
    format: TFJS_LAYERS_FORMAT,
    generatedBy: `Dendrite ${version}`,
    convertedBy: null,
    weightsManifest: manifest,
  };
  // The folder's lock and queue, as Dendrite's own format: two savers never interleave their files.
  await saveIntoFolder(where, directory, async (folder) => {
    const files = [...manifest[0].paths, MODEL_JSON].map((name) => join(folder.real, name));
    // Only the lock's holder writes temporaries: any left are from a save that was killed.
    for (const file of files) await removeTemporaries(file);
    // Shards first, model.json last: a crash leaves the previous model.json (or none), never one
    // pointing at shards not yet written.
    for (let i = 0; i < shards.length; i++) await writeFileAtomic(files[i], shards[i]);
    await writeFileAtomic(files[shards.length], Buffer.from(JSON.stringify(json)));
  });
}
