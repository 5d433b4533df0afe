/**
 * TensorFlow.js's model methods on Dendrite's models. `tf.sequential`, `tf.model` and
 * `tf.loadLayersModel` of `dendrite/tfjs` return Dendrite models whose `evaluate`, `fit`,
 * `fitDataset` and `evaluateDataset` follow tfjs (the same model made through `dendrite` keeps
 * Dendrite's own methods):
 * - `evaluate(x, y, args)` is synchronous and returns Scalars: the loss alone for a model with one
 *   output and no metrics, otherwise `[loss, ...]` in `model.metricsNames` order (as tfjs's
 *   `singletonOrArray`). Like tfjs's `testLoop` it is the mean over batches of each batch's value,
 *   weighted by the batch's size. A number as `args` is the batch size; `null` fields are absent.
 * - `fit(x, y, args)` takes tfjs's `yieldEvery` and callbacks as plain objects of hooks (with
 *   `onYield`), and logs each `accuracy` also as `acc` (`val_accuracy` as `val_acc`), the keys
 *   tfjs programs read from the logs and from `history.history`.
 * - `fitDataset(dataset, args)` is `fit` with a dataset, `batchesPerEpoch` as `stepsPerEpoch` and
 *   `validationBatches` as `validationSteps`.
 */
import {
  Model, scalar, ValueError, callbacks as dnCallbacks, data,
  loadLayersModel as dnLoadLayersModel, model as dnModel, Sequential as DnSequential,
  type EvaluationResult, type FitOptions, type Functional, type History, type LoadOptions, type Logs, type ModelData, type ModelOptions, type PredictOptions,
  type SequentialOptions, type SymbolicTensor, type Tensor, type TrainingBatch,
} from '../index.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBoolean, checkChoice, checkFunction, checkObject, checkOptions, checkString, checkPositiveInteger, describe, typeError } from '../validate.js';
import { nextFrame } from './ops.js';
import type { Dataset as TfjsDataset } from './data.js';
import { isRecording } from './gradients.js';
import { registerModel } from './model-weights.js';

/** A dataset of batches: Dendrite's, or one of `tf.data` (the same objects, typed as tfjs's). */
type Dataset<T> = data.Dataset<T> | TfjsDataset<unknown>;

/** tfjs's `yieldEvery`: when `fit` hands the event loop back (Dendrite does after every batch anyway). */
export type YieldEveryOptions = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** tfjs's callback object (`CustomCallbackArgs`): any of the hooks, each may return a Promise. */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs: Logs) => void | Promise<void>;
  onTrainEnd?: (logs: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  /** Called when training yields (see `yieldEvery`), with the epoch, batch and the batch's logs. */
  onYield?: (epoch: number, batch: number, logs: Logs) => void | Promise<void>;
  /** The clock `yieldEvery` in milliseconds reads (default `performance.now`). */
  nowFunc?: () => number;
  /** What waiting for the next frame means (default `tf.nextFrame`). */
  nextFrameFunc?: () => Promise<void>;
}

type TfjsCallbacks = dnCallbacks.Callback | CustomCallbackArgs | readonly (dnCallbacks.Callback | CustomCallbackArgs)[];

/** `model.fit` arguments as tfjs takes them (tfjs `ModelFitArgs`): Dendrite's `fit` options plus `yieldEvery`. */
export type ModelFitArgs = { [K in Exclude<keyof FitOptions, 'callbacks'>]?: FitOptions[K] | null } & {
  callbacks?: TfjsCallbacks | null;
  yieldEvery?: YieldEveryOptions | null;
};

/** `model.fitDataset` arguments (tfjs `ModelFitDatasetArgs`). */
export interface ModelFitDatasetArgs {
  epochs?: number;
  /** The batches that make an epoch (default: one pass over the dataset). */
  batchesPerEpoch?: number | null;
  verbose?: number | null;
  callbacks?: TfjsCallbacks | null;
  /** Held-out data: a dataset of batches, or `[x, y]` tensors. */
  validationData?: Dataset<TrainingBatch> | [ModelData, ModelData] | [ModelData, ModelData, ModelData] | null;
  validationBatchSize?: number | null;
  /** With a dataset as validationData: the batches evaluated per epoch (default: all). */
  validationBatches?: number | null;
  yieldEvery?: YieldEveryOptions | null;
  initialEpoch?: number | null;
  classWeight?: FitOptions['classWeight'] | null;
}

/** `model.evaluate` arguments (tfjs `ModelEvaluateArgs`). */
export interface ModelEvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number | null;
  /** Accepted for tfjs's sake; only 0 (tfjs throws for more, as it has no progress display for evaluate). */
  verbose?: number | null;
}

/** `model.evaluateDataset` arguments (tfjs `ModelEvaluateDatasetArgs`). */
export interface ModelEvaluateDatasetArgs {
  /** Evaluate at most this many batches (default: the whole dataset). */
  batches?: number | null;
  verbose?: number | null;
}

/** The methods `dendrite/tfjs` gives its models, in tfjs's form. */
export interface TfjsModelMethods {
  evaluate(x: ModelData, y: ModelData, args?: ModelEvaluateArgs | number | null): Tensor | Tensor[];
  fit(x: ModelData, y: ModelData, args?: ModelFitArgs | null): Promise<History>;
  fitDataset(dataset: Dataset<TrainingBatch>, args?: ModelFitDatasetArgs | null): Promise<History>;
  evaluateDataset(dataset: Dataset<TrainingBatch>, args?: ModelEvaluateDatasetArgs | null): Promise<Tensor | Tensor[]>;
  save(handlerOrURL: string, config?: { includeOptimizer?: boolean | null; trainableOnly?: boolean | null } | null): Promise<SaveResult>;
}

/** A Dendrite model with tfjs's `evaluate`/`fit`/`fitDataset`/`evaluateDataset` (tfjs `LayersModel`). */
export type LayersModel<M extends AnyModel = Model> = TfjsModelMethods & M;

type AnyModel = Model<Tensor | Tensor[]>;

/** tfjs's default of `yieldEvery: 'auto'`: at most every 125 ms. */
const AUTO_YIELD_MS = 125;

/** The options object with its `null` fields dropped (tfjs reads every option with `== null`). */
function withoutNulls(where: string, args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  const object = checkObject(where, 'args', args);
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null && value !== undefined));
}

/** `accuracy` logged also as `acc`, `val_accuracy` as `val_acc` (and `out_accuracy` as `out_acc`): tfjs's names. */
function addTfjsKeys(logs: Logs | undefined): void {
  if (logs === undefined) return;
  for (const key of Object.keys(logs)) {
    if (key !== 'accuracy' && !key.endsWith('_accuracy')) continue;
    const alias = `${key.slice(0, -'accuracy'.length)}acc`;
    if (!(alias in logs)) logs[alias] = logs[key];
  }
}

/** Runs first in every tfjs `fit`: adds tfjs's keys to the logs every later callback (History too) receives. */
class TfjsLogKeys extends dnCallbacks.Callback {
  override onEpochEnd(_epoch: number, logs: Logs): void {
    addTfjsKeys(logs);
  }
  override onBatchEnd(_batch: number, logs: Logs): void {
    addTfjsKeys(logs);
  }
  override onTrainEnd(logs: Logs): void {
    addTfjsKeys(logs);
  }
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield', 'nowFunc', 'nextFrameFunc'] as const;

/**
 * A callback object of hooks, as tfjs's `CustomCallback`: after a batch it waits for the next frame
 * (and calls `onYield`) every batch, every `yieldEvery` milliseconds, or at each epoch's end.
 */
class CustomCallback extends dnCallbacks.Callback {
  private epoch = 0;
  private lastYield: number;
  private readonly now: () => number;
  private readonly frame: () => Promise<void>;

  constructor(private readonly hooks: CustomCallbackArgs, private readonly yieldEvery: 'batch' | 'epoch' | 'never' | number) {
    super();
    this.now = hooks.nowFunc ?? (() => performance.now());
    this.frame = hooks.nextFrameFunc ?? nextFrame;
    this.lastYield = this.now();
  }

  override async onTrainBegin(logs: Logs): Promise<void> {
    await this.hooks.onTrainBegin?.(logs);
  }
  override async onTrainEnd(logs: Logs): Promise<void> {
    await this.hooks.onTrainEnd?.(logs);
  }
  override async onEpochBegin(epoch: number, logs: Logs): Promise<void> {
    this.epoch = epoch;
    await this.hooks.onEpochBegin?.(epoch, logs);
  }
  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    await Promise.all([this.hooks.onEpochEnd?.(epoch, logs), this.yieldEvery === 'epoch' ? this.frame() : undefined]);
  }
  override async onBatchBegin(batch: number, logs: Logs): Promise<void> {
    await this.hooks.onBatchBegin?.(batch, logs);
  }
  override async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    const waits: (void | Promise<void>)[] = [this.hooks.onBatchEnd?.(batch, logs)];
    if (this.yieldEvery === 'batch') waits.push(this.frame());
    else if (typeof this.yieldEvery === 'number') {
      const now = this.now();
      if (now - this.lastYield >= this.yieldEvery) {
        this.lastYield = now;
        waits.push(this.hooks.onYield?.(this.epoch, batch, logs), this.frame());
      }
    }
    await Promise.all(waits);
  }
}

/** tfjs's `callbacks` (one or a list; Callback objects or hook objects) as Dendrite callbacks, tfjs's log keys first. */
function toCallbacks(where: string, value: unknown, yieldOption: unknown): dnCallbacks.Callback[] {
  let yieldEvery: 'batch' | 'epoch' | 'never' | number = AUTO_YIELD_MS;
  if (typeof yieldOption === 'number') {
    if (!Number.isFinite(yieldOption) || yieldOption < 0) throw new ValueError(`${where}: yieldEvery must be a number of milliseconds >= 0 or one of 'auto', 'batch', 'epoch', 'never', got ${describe(yieldOption)}`);
    yieldEvery = yieldOption;
  } else if (yieldOption !== undefined) {
    const choice = checkChoice(where, 'yieldEvery', yieldOption, ['auto', 'batch', 'epoch', 'never'] as const);
    if (choice !== 'auto') yieldEvery = choice;
  }
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const converted = list.map((item: unknown, i) => {
    if (item instanceof dnCallbacks.Callback) return item;
    const hooks = checkObject(where, `callbacks[${i}]`, item);
    for (const [key, hook] of Object.entries(hooks)) {
      checkChoice(where, `callbacks[${i}] hook name`, key, HOOKS);
      if (hook !== undefined && hook !== null) checkFunction(where, `callbacks[${i}].${key}`, hook);
    }
    if (yieldEvery === 'never' && hooks.onYield != null) {
      throw new ValueError(`${where}: callbacks[${i}] has onYield but yieldEvery is 'never'; change yieldEvery or remove the onYield callback`);
    }
    return new CustomCallback(Object.fromEntries(Object.entries(hooks).filter(([, h]) => h != null)) as CustomCallbackArgs, yieldEvery);
  });
  return [new TfjsLogKeys(), ...converted];
}

/** Each value of Dendrite's evaluation result as a scalar; one alone as itself (tfjs `singletonOrArray`). */
function asScalars(result: EvaluationResult): Tensor | Tensor[] {
  const values = Object.values(result).map((value) => scalar(value));
  return values.length === 1 ? values[0] : values;
}

/** The rows `start` to `end` of each tensor of `data` (a tensor, or a list of them). */
function rowsOf(data: ModelData, start: number, end: number): ModelData {
  const rows = (t: Tensor): Tensor => t.slice([start], [end - start]);
  return Array.isArray(data) ? (data as Tensor[]).map(rows) : rows(data as Tensor);
}

function samplesOf(where: string, x: ModelData): number {
  const first = Array.isArray(x) ? x[0] : x;
  if (first === null || typeof first !== 'object' || !('shape' in first)) {
    typeError(where, 'x', 'a tensor or an array of tensors (one per model input)', x);
  }
  return (first as Tensor).shape[0];
}

/** tfjs's synchronous `evaluate`: each batch through `testOnBatch`, the values averaged by batch size. */
function evaluate(this: Model, x: ModelData, y: ModelData, args?: ModelEvaluateArgs | number | null): Tensor | Tensor[] {
  const where = 'evaluate';
  const o = typeof args === 'number' ? { batchSize: args } : withoutNulls(where, args);
  for (const key of Object.keys(o)) {
    checkChoice(where, 'option name', key, ['batchSize', 'verbose', 'steps', 'sampleWeight'] as const);
  }
  if (o.steps !== undefined) throw new ValueError(`${where}: steps is not supported with tensors (tfjs does not implement it either); use evaluateDataset`);
  if (o.sampleWeight !== undefined) throw new ValueError(`${where}: sampleWeight is not supported here (tfjs ignores it); Dendrite's own model.evaluate(x, y, { sampleWeight }) weights samples`);
  const batchSize = o.batchSize === undefined ? 32 : checkPositiveInteger(where, 'batchSize', o.batchSize);
  const samples = samplesOf(where, x);
  if (samples === 0) throw new ValueError(`${where}: x has no samples`);
  let sums: number[] | null = null;
  let keys: string[] = [];
  for (let start = 0; start < samples; start += batchSize) {
    const end = Math.min(samples, start + batchSize);
    const result = this.testOnBatch(rowsOf(x, start, end), rowsOf(y, start, end));
    keys = Object.keys(result);
    sums ??= keys.map(() => 0);
    keys.forEach((key, k) => {
      sums![k] += result[key] * (end - start);
    });
  }
  return asScalars(Object.fromEntries(keys.map((key, k) => [key, sums![k] / samples])));
}

async function fit(this: Model, x: ModelData, y: ModelData, args?: ModelFitArgs | null): Promise<History> {
  const where = 'fit';
  const { callbacks, yieldEvery, ...rest } = withoutNulls(where, args);
  return await (Model.prototype.fit.call(this, x, y, { ...rest, callbacks: toCallbacks(where, callbacks, yieldEvery) }) as Promise<History>);
}

async function fitDataset(this: Model, dataset: Dataset<TrainingBatch>, args?: ModelFitDatasetArgs | null): Promise<History> {
  const where = 'fitDataset';
  if (!(dataset instanceof data.Dataset)) typeError(where, 'dataset', 'a dataset (tf.data)', dataset);
  const { callbacks, yieldEvery, batchesPerEpoch, validationBatches, ...rest } = withoutNulls(where, args);
  const options: Record<string, unknown> = { ...rest, callbacks: toCallbacks(where, callbacks, yieldEvery) };
  if (batchesPerEpoch !== undefined) options.stepsPerEpoch = batchesPerEpoch;
  if (validationBatches !== undefined) options.validationSteps = validationBatches;
  return await fitWithDataset.call(this, dataset as data.Dataset<TrainingBatch>, options as FitOptions);
}

async function evaluateDataset(this: Model, dataset: Dataset<TrainingBatch>, args?: ModelEvaluateDatasetArgs | null): Promise<Tensor | Tensor[]> {
  const where = 'evaluateDataset';
  if (!(dataset instanceof data.Dataset)) typeError(where, 'dataset', 'a dataset (tf.data)', dataset);
  const { batches, verbose: _verbose, ...rest } = withoutNulls(where, args);
  for (const key of Object.keys(rest)) checkChoice(where, 'option name', key, ['batches', 'verbose'] as const);
  const result = await evaluateWithDataset.call(this, dataset as data.Dataset<TrainingBatch>, batches === undefined ? {} : { steps: batches as number });
  return asScalars(result);
}

// Dendrite's own methods, in their dataset form.
const fitWithDataset = Model.prototype.fit as (this: Model, dataset: data.Dataset<TrainingBatch>, options?: FitOptions) => Promise<History>;
const evaluateWithDataset = Model.prototype.evaluate as (this: Model, dataset: data.Dataset<TrainingBatch>, options?: { steps?: number }) => Promise<EvaluationResult>;

/** What tfjs's `model.save` resolves to (`SaveResult.modelArtifactsInfo`), read back from the files written. */
export interface SaveResult {
  modelArtifactsInfo: {
    dateSaved: Date;
    modelTopologyType: 'JSON';
    modelTopologyBytes: number;
    weightSpecsBytes: number;
    weightDataBytes: number;
  };
}

/**
 * tfjs's `model.save(url)`: the tfjs layers-model format (`model.json` and `.bin` shards), which
 * `tf.loadLayersModel` of tfjs and of Dendrite read. `includeOptimizer` and `trainableOnly` are refused:
 * Dendrite's tfjs writer saves the whole model without the optimizer (`dn` `model.save` keeps that).
 */
async function save(this: Model, handlerOrURL: string, config?: { includeOptimizer?: boolean | null; trainableOnly?: boolean | null } | null): Promise<SaveResult> {
  const where = 'save';
  const o = withoutNulls(where, config);
  for (const key of Object.keys(o)) checkChoice(where, 'option name', key, ['includeOptimizer', 'trainableOnly'] as const);
  for (const key of ['includeOptimizer', 'trainableOnly']) {
    if (o[key] !== undefined && checkBoolean(where, key, o[key])) {
      throw new ValueError(`${where}: ${key} is not supported in the tfjs format here; Dendrite's own format keeps the optimizer: dn's model.save(path, { includeOptimizer: true })`);
    }
  }
  await Model.prototype.save.call(this, handlerOrURL, { format: 'tfjs' });
  const directory = checkString(where, 'handlerOrURL', handlerOrURL).replace(/^file:\/\//, '');
  const modelJson = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown[] }[] };
  let weightDataBytes = 0;
  for (const group of modelJson.weightsManifest) for (const path of group.paths) weightDataBytes += (await stat(join(directory, path))).size;
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
      weightSpecsBytes: JSON.stringify(modelJson.weightsManifest.flatMap((g) => g.weights)).length,
      weightDataBytes,
    },
  };
}

/**
 * tfjs's `predict`: inside `tf.grad`, `tf.variableGrads` or `optimizer.minimize` it records
 * gradients (Dendrite's `apply`, the whole batch at once), elsewhere it is Dendrite's `predict`.
 */
function predict(this: Model, x: ModelData, args?: PredictOptions | null): Tensor | Tensor[] {
  const options = withoutNulls('predict', args);
  if (isRecording()) {
    checkOptions('predict', options, ['batchSize', 'verbose']);
    return this.apply(x, { training: false });
  }
  const { verbose: _verbose, ...rest } = options;
  return Model.prototype.predict.call(this, x, rest);
}

const TFJS_METHODS = { evaluate, fit, fitDataset, evaluateDataset, predict, save };

/** What tfjs's `model.inputs`/`model.outputs` hold (symbolic tensors), for a Sequential model: name, shape with the batch, dtype. */
export interface SymbolicTensorInfo {
  readonly name: string;
  readonly shape: (number | null)[];
  readonly dtype: 'float32';
}

/** tfjs's `inputs` and `outputs` of a Sequential model (Dendrite's functional models have their own). */
export interface SequentialEnds {
  readonly inputs: SymbolicTensorInfo[];
  readonly outputs: SymbolicTensorInfo[];
}

type Shape = readonly (number | null)[];

function ends(names: readonly string[], shape: Shape | null): SymbolicTensorInfo[] {
  return shape === null ? [] : [{ name: names[0], shape: [...shape], dtype: 'float32' }];
}

/** Gives `model` tfjs's `evaluate`, `fit`, `fitDataset` and `evaluateDataset` (on the object, not its class). */
export function asLayersModel<M extends AnyModel>(model: M): LayersModel<M> {
  registerModel(model);
  if (!('inputs' in model)) {
    const sequential = model as unknown as DnSequential;
    // The shape declared on the first layer, as tfjs keeps it (Dendrite's recurrent layers build for any length).
    const inputShape = (): Shape | null => sequential.layers[0]?.batchInputShape ?? sequential.inputShape;
    Object.defineProperty(model, 'inputs', { get: () => ends(sequential.inputNames, inputShape()), configurable: true, enumerable: false });
    Object.defineProperty(model, 'outputs', { get: () => ends(sequential.outputNames, sequential.outputShape), configurable: true, enumerable: false });
  }
  for (const [name, method] of Object.entries(TFJS_METHODS)) {
    Object.defineProperty(model, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
  return model as LayersModel<M>;
}

/** A Sequential model of the tfjs entry: Dendrite's, with tfjs's `evaluate`/`fit`/`fitDataset`, `inputs` and `outputs`. */
export type Sequential = LayersModel<DnSequential> & SequentialEnds;

/**
 * tfjs's `new tf.Sequential(config)`: the model `tf.sequential(config)` makes (an instance of
 * Dendrite's `Sequential` too, which saves and loads as one).
 */
export const Sequential = class Sequential extends DnSequential {
  constructor(options?: SequentialOptions) {
    super(options);
    asLayersModel(this);
  }
} as unknown as new (options?: SequentialOptions) => Sequential;

/** A Sequential model (tfjs `tf.sequential`), with tfjs's `evaluate`/`fit`/`fitDataset`. */
export function sequential(options?: SequentialOptions): Sequential {
  return new Sequential(options);
}

/** A functional model from inputs and outputs (tfjs `tf.model`), with tfjs's `evaluate`/`fit`/`fitDataset`. */
export function model(options: ModelOptions<SymbolicTensor>): LayersModel<Functional<Tensor>>;
export function model(options: ModelOptions<readonly SymbolicTensor[]>): LayersModel<Functional<Tensor[]>>;
export function model(options: ModelOptions): LayersModel<Functional>;
export function model(options: ModelOptions): LayersModel<Functional> {
  return asLayersModel(dnModel(options));
}

/** Loads a tfjs layers-model (`model.json` and its weights) as Dendrite's `loadLayersModel`, with tfjs's model methods. */
export async function loadLayersModel<Out extends Tensor | Tensor[] = Tensor>(pathOrUrl: string, options?: LoadOptions): Promise<LayersModel<Model<Out>>> {
  return asLayersModel(await dnLoadLayersModel<Out>(pathOrUrl, options));
}
