/**
 * The model base class: compile, fit, evaluate, predict, predictAsync, trainOnBatch, testOnBatch,
 * weights and summary — everything that does not depend on how layers are connected. A model is a
 * layer (it can be used inside another model). Its forward pass is a {@link Program}: `dn.model`
 * compiles a graph of layers into one, `Sequential` a stack; the same executor runs both.
 *
 * A training step is synchronous: forward (each Dense one fused native call, writing into buffers
 * reused from step to step), the loss of each output (a final softmax/sigmoid folded into a
 * cross-entropy computed from logits in one native call), regularization penalties, backward (weight
 * gradients accumulated straight into the optimizer's flat gradient buffer), and one optimizer
 * update over the flat parameter buffer. `fit` yields to the event loop between steps, so a server
 * waits at most one step. The data given to `fit`, `evaluate` and `predict` is turned into batches
 * once, at the entry (data-adapter.ts); the loops consume only batches.
 */
import { AbortError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { makeTensor, outputTensor, Tensor, toTensor, type DType, type TensorLike } from '../tensor.js';
import { noGrad } from '../autograd/engine.js';
import { contiguous } from '../ops/shape.js';
import { Generator, random } from '../random.js';
import {
  checkBoolean, checkChoice, checkInteger, checkOptions, checkPositiveInteger, checkRange, describe, didYouMean,
  formatShape, typeError, valueError,
} from '../validate.js';
import { getOptimizer, Optimizer, type OptimizerConfig } from '../optimizers/index.js';
import { getActivation } from '../activations.js';
import { Loss, type LossFunction } from '../losses/index.js';
import { BinaryCrossentropy } from '../losses/binaryCrossentropy.js';
import { SparseCategoricalCrossentropy } from '../losses/sparseCategoricalCrossentropy.js';
import { getMetric, KindFromLoss, type Metric } from '../metrics.js';
import {
  Layer, Workspace, type ApplyOptions, type CallContext, type LayerVariable, type MaskOutput, type Shape, type SymbolicOutput, type AnyLayer,
} from '../layers/layer.js';
import { symbolicInputs, type SymbolicTensor } from '../layers/symbolic.js';
import { Dense } from '../layers/dense.js';
import { ActivationLayer } from '../layers/activation.js';
import { CallbackList, toCallbacks, type CallbackLike, type Logs, type TrainingParams } from './callbacks.js';
import { History } from './history.js';
import { ProgressLogger } from './progress.js';
import { printSummary, type SummaryOptions } from './summary.js';
import { encodeModelBuffer, saveModel, type CompiledFacts, type SaveOptions } from '../io/save-model.js';
import { inferencePlan } from './plan.js';
import { runProgram, type Program } from './program.js';
import {
  compileOutputs, lossNames, metricNames, type CompiledOutput, type LossSpec, type LossWeightsSpec, type MetricsSpec,
} from './compile.js';
import {
  inputTensors, rowsOf, rowsOfAll, sampleWeightArrays, targetTensors, TensorAdapter, toBatch, withClassWeights, type Batch, type DataAdapter,
} from './data-adapter.js';
import { runOnWorker, SnapshotCache, weightsVersion } from './async-inference.js';
import { DatasetAdapter } from './dataset-adapter.js';
import { Dataset } from '../data/dataset.js';
import { isPlainObject } from '../data/elements.js';

/**
 * Data for a model's inputs or targets: one tensor (or nested array) for a model with one input
 * (output), an array of tensors in the model's order, or an object `{ name: tensor }` by input
 * (output) name.
 */
export type ModelData = TensorLike | readonly Tensor[] | Readonly<Record<string, TensorLike>>;

/** A weight per class index (`{ 0: 1, 1: 5 }` counts class 1 five times as much). */
export type ClassWeight = Readonly<Record<number, number>>;

/** Options of `model.compile()`. */
export interface CompileOptions {
  /**
   * The optimizer: a name with Keras defaults (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, `'adagrad'`,
   * in any case, as Keras and tfjs spell them: `'SGD'`, `'RMSProp'`) or an object
   * (`dn.optimizers.adam({ learningRate: 1e-3 })`). Default `'rmsprop'`, as in Keras.
   */
  optimizer?: string | Optimizer | OptimizerConfig;
  /**
   * The loss: a name (`'meanSquaredError'`/`'mse'`, `'meanAbsoluteError'`/`'mae'`, `'huber'`,
   * `'binaryCrossentropy'`, `'categoricalCrossentropy'`, `'sparseCategoricalCrossentropy'`, `'hinge'`,
   * `'kld'`...: see `dn.losses`; Keras' and tfjs' spellings work too), a loss object
   * (`dn.losses.get('binaryCrossentropy', { fromLogits: true })`), or a function
   * `(yTrue, yPred) => Tensor` returning a scalar (or one loss per sample). Required. For a model with
   * several outputs: one loss for all of them, or one per output (an array in the outputs' order, or
   * an object by output name).
   */
  loss: LossSpec;
  /**
   * Metrics reported per epoch: names (`'accuracy'`, `'precision'`, `'recall'`, `'auc'`, `'r2Score'`,
   * `'topKCategoricalAccuracy'`, any loss name...: see `dn.metrics`), objects or functions, each
   * logged under the name given (`'acc'` as `acc`). For a model with several outputs: one list for
   * all of them, or one list per output (an array of arrays, or an object by output name).
   */
  metrics?: MetricsSpec;
  /** The weight of each output's loss in the total loss (an array, or an object by output name). Default 1 each. */
  lossWeights?: LossWeightsSpec;
}

/** Options of `model.fit()`. */
export interface FitOptions {
  /** Samples per gradient update. Default 32. */
  batchSize?: number;
  /** The epoch to stop at (exclusive): with `initialEpoch` 0, the number of epochs. Default 1. */
  epochs?: number;
  /** 1: a progress bar on a terminal (one line per epoch otherwise); 2: one line per epoch; 0: silent. Default 1. */
  verbose?: number;
  /** Callbacks: objects from `dn.callbacks`, Callback subclasses, or plain objects of hooks. */
  callbacks?: CallbackLike | CallbackLike[];
  /** Fraction of the data (the last samples, before shuffling, as in Keras) held out for validation, in [0, 1). */
  validationSplit?: number;
  /**
   * Validation data, evaluated at the end of each epoch: `[x, y]`, `[x, y, sampleWeight]`, or a
   * dataset of batches (a fresh pass each epoch; `validationSteps` limits it).
   */
  validationData?: [ModelData, ModelData] | [ModelData, ModelData, ModelData] | Dataset<TrainingBatch>;
  /**
   * With a dataset as `validationData`: the batches evaluated per epoch, from the start of a fresh pass
   * (Keras `validation_steps`). Default: the whole dataset (required when it is endless).
   */
  validationSteps?: number;
  /**
   * With a dataset: the batches that make an epoch (Keras `steps_per_epoch`). The dataset is read as
   * one stream across epochs, each taking the next `stepsPerEpoch` batches; when it runs out it starts
   * again, as if repeated (Keras stops training there instead). Default: an epoch is one full pass,
   * and an endless dataset (`repeat()`) needs it.
   */
  stepsPerEpoch?: number;
  /** Batch size for validation. Default: `batchSize`. */
  validationBatchSize?: number;
  /** Shuffle the training samples before each epoch. Default true. */
  shuffle?: boolean;
  /**
   * Seed of the shuffling (default: draws from the global generator, which `dn.seed` makes reproducible).
   * With `initialEpoch` > 0 the epochs before it are shuffled first (and thrown away), so a run resumed
   * from a checkpoint sees the same batches as one that never stopped.
   */
  seed?: number;
  /**
   * A weight per class index for the loss (`{ 0: 1, 1: 5 }` counts class 1 five times as much); for a
   * model with several outputs, one table per output (an array, or an object by output name). Class
   * weights apply to the training data only, not to validation.
   */
  classWeight?: ClassWeight | readonly (ClassWeight | null | undefined)[] | Readonly<Record<string, ClassWeight>>;
  /**
   * A weight per training sample (`[samples]`) for the loss, or for sequence targets
   * `[samples, steps, ...]` a weight per timestep (`[samples, steps]`, Keras' temporal sample
   * weights): one for every output, or one per output (array or object by name).
   */
  sampleWeight?: ModelData;
  /** The epoch to start at (to resume an earlier run). Default 0. */
  initialEpoch?: number;
  /**
   * What a NaN or infinite batch loss does: `'throw'` (default) stops with an error naming the epoch and
   * batch, before that batch changes the weights; `'ignore'` carries on (as Keras does).
   */
  onNonFiniteLoss?: 'throw' | 'ignore';
  /**
   * Cancels training: when the signal fires, `fit` rejects with an {@link AbortError} (its `cause` is
   * the signal's reason) before the next step, and the model keeps the weights of the last completed
   * step. An already-aborted signal rejects before any step. Steps are not interrupted midway.
   */
  signal?: AbortSignal;
}

const FIT_OPTION_NAMES = [
  'batchSize', 'epochs', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'validationBatchSize', 'shuffle', 'seed',
  'classWeight', 'sampleWeight', 'initialEpoch', 'onNonFiniteLoss', 'signal', 'stepsPerEpoch', 'validationSteps',
];

/**
 * The options of `fit` that in-memory data needs and a dataset does not take (its elements are
 * already batches, in the order and with the weights the pipeline gives them), and what to do instead.
 */
const NOT_FOR_DATASETS: Record<string, string> = {
  batchSize: 'its elements are the batches: batch it with dataset.batch(batchSize)',
  validationSplit: 'give validationData (e.g. a dataset of held-out batches: dataset.take(n) and dataset.skip(n))',
  validationBatchSize: 'batch the validation dataset itself',
  shuffle: 'shuffle it with dataset.shuffle(bufferSize, { seed })',
  seed: 'shuffle it with dataset.shuffle(bufferSize, { seed })',
  sampleWeight: 'give each batch its weights: { xs, ys, sampleWeight }',
};

/**
 * A batch from a dataset given to `fit` or `evaluate`: `{ xs, ys }` (inputs and targets, each in
 * any form `fit` takes for in-memory data), `[xs, ys]`, or either with per-sample weights
 * (`{ xs, ys, sampleWeight }`, `[xs, ys, sampleWeight]`).
 */
export type TrainingBatch =
  | { readonly xs: ModelData; readonly ys: ModelData; readonly sampleWeight?: ModelData }
  | readonly [ModelData, ModelData]
  | readonly [ModelData, ModelData, ModelData]
  | readonly ModelData[];

/** Options of `model.evaluate()`. */
export interface EvaluateOptions {
  /** Samples per batch. Default 32. */
  batchSize?: number;
  /** A weight per sample (or per timestep, `[samples, steps]`) for the loss (one for every output, or one per output). */
  sampleWeight?: ModelData;
  /** With a dataset: evaluate at most this many batches (Keras `steps`). Default: all (required when it is endless). */
  steps?: number;
}

/** Options of `model.predict()` and `model.predictAsync()`. */
export interface PredictOptions {
  /**
   * Samples per pass of `predict` and `predictAsync` (it bounds memory; results do not depend on it). Default 256, not
   * Keras's 32: a larger pass reuses each packed weight panel for more rows (batch-256 inference of
   * a 784-256-128-10 MLP runs about 1.2 to 1.4 times faster than in passes of 32).
   */
  batchSize?: number;
}

/** Options of `model.trainOnBatch()`. */
export interface TrainOnBatchOptions {
  /** A weight per sample (or per timestep, `[samples, steps]`) for the loss (one for every output, or one per output). */
  sampleWeight?: ModelData;
  /** A weight per class index for the loss (one table per output for a model with several). */
  classWeight?: FitOptions['classWeight'];
}

/** Options of `model.testOnBatch()`. */
export interface TestOnBatchOptions {
  /** A weight per sample (or per timestep, `[samples, steps]`) for the loss (one for every output, or one per output). */
  sampleWeight?: ModelData;
}

/** The compile() settings, plus what is captured once the model is built. */
interface CompiledState {
  optimizer: Optimizer;
  /** Per output: loss, weight, metrics, folding. */
  outputs: CompiledOutput[];
  /** Whether lossWeights were given (saved with the training configuration). */
  lossWeightsGiven: boolean;
  ready: boolean;
  /** The trainable variables at compile time: what the optimizer updates. */
  trainable: LayerVariable[];
  /** Every variable of the model, and whether it is in `trainable`. */
  variables: LayerVariable[];
  trainMask: boolean[];
  regularized: LayerVariable[];
  activityRegularized: boolean;
  /** Per program step: 1 where the step returns logits for a loss that folds its activation, or null. */
  logits: Uint8Array | null;
  /** The loss of each output in the last step (unweighted). */
  outputLosses: Float64Array;
  /** The names logged for the losses. */
  lossNames: string[];
}

/** A model of any kind: one output or several. */
export type AnyModel = Model<Tensor | Tensor[]>;

/** Evaluation results by name: `{ loss, accuracy, ... }`. */
export type EvaluationResult = Logs;

/** Ends an iterator of batches left before its end, so a dataset's pass closes its source (a file). */
async function closeIterator(iterator: Iterator<Batch> | AsyncIterator<Batch>): Promise<void> {
  const closing = iterator.return?.();
  if (closing instanceof Promise) await closing;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows per pass of `predict` when no batchSize is given (see PredictOptions.batchSize). */
const PREDICT_BATCH_SIZE = 256;

/** An AbortSignal (or an object that behaves as one: a boolean `aborted` and `addEventListener`). */
function checkSignal(where: string, value: unknown): AbortSignal {
  const candidate = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (!(value instanceof AbortSignal) && (candidate === null || typeof candidate !== 'object' || typeof candidate.aborted !== 'boolean' || typeof candidate.addEventListener !== 'function')) {
    typeError(where, 'signal', 'an AbortSignal (e.g. from new AbortController())', value);
  }
  return value as AbortSignal;
}

/** Each item once, in first-seen order (a layer shared by two nested models owns its weights once). */
function unique<T>(items: T[]): T[] {
  return items.length < 2 ? items : [...new Set(items)];
}

/**
 * The base class of models: `dn.sequential({ layers })` (a stack) and `dn.model({ inputs, outputs })`
 * (a graph). `Out` is what the model returns: one tensor, or an array of them for a model whose
 * outputs were given as an array.
 */
export abstract class Model<Out extends Tensor | Tensor[] = Tensor> extends Layer<Out> {
  /** Set to true (by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /** The History of the last `fit`, or null. */
  history: History | null = null;
  private compiled: CompiledState | null = null;
  private fitting = false;
  private readonly trainWorkspace = new Workspace();
  private readonly inferenceWorkspace = new Workspace();
  private compiledProgram: Program | null = null;
  /** predictAsync's copy of the weights, kept until they change. */
  private readonly snapshots = new SnapshotCache();

  protected constructor(where: string, name: string | undefined, className: string) {
    super(where, name === undefined ? {} : { name }, className);
  }

  // --- what a concrete model provides -------------------------------------------------------

  /** The layers, in order (a nested model counts as one layer). */
  abstract get layers(): AnyLayer[];
  /** The names of the inputs (the keys of `{ name: tensor }` inputs), in order. */
  abstract get inputNames(): readonly string[];
  /** The names of the outputs (the keys of `{ name: tensor }` targets, and of per-output logs), in order. */
  abstract get outputNames(): readonly string[];
  /** Whether the model returns an array of tensors (its outputs were given as an array) rather than one. */
  abstract get returnsList(): boolean;
  /** @internal The forward pass as a program (the model is built). */
  protected abstract buildProgram(): Program;
  /**
   * Checks input tensors against the model (dtype, rank, shape), building a model that builds on
   * its first data; `labels` name each input in messages. The data adapters call it.
   */
  abstract checkInputs(where: string, labels: readonly string[], inputs: readonly Tensor[]): void;
  /** The options that rebuild the model's architecture (plain JSON). */
  abstract override getConfig(): Record<string, unknown>;

  /** @internal The forward pass (compiled once, again after the layers change). */
  get program(): Program {
    return (this.compiledProgram ??= this.buildProgram());
  }

  /** @internal Tells the model its layers changed: compiled state is captured again at the next step. */
  protected layersChanged(): void {
    if (this.compiled !== null) this.compiled.ready = false;
    this.compiledProgram = null;
    this.trainWorkspace.clear();
    this.inferenceWorkspace.clear();
    this.snapshots.clear();
  }

  /** @internal Checks one input tensor's dtype and rank for a model input expecting `dtype`. */
  protected checkInputTensor(where: string, label: string, t: Tensor, dtype: DType): void {
    if (t.dtype !== dtype) throw new DTypeError(`${where}: ${label} must be a ${dtype} tensor, got ${t.dtype} (convert it with .cast('${dtype}'))`);
    if (t.rank < 1) throw new ShapeError(`${where}: ${label} must have a batch dimension, got a rank-0 tensor`);
  }

  /** Every layer, nested models' layers included (each once). */
  get flatLayers(): AnyLayer[] {
    return unique(this.layers.flatMap((layer) => (layer instanceof Model ? [layer, ...layer.flatLayers] : [layer])));
  }

  /**
   * The layer with this name (among the model's own layers), or at this index of {@link Model.layers}.
   * A ValueError lists the layers otherwise. Typed as a layer with one output unless told otherwise
   * (`model.getLayer<dn.Functional<dn.Tensor[]>>('towers')`).
   */
  getLayer<L extends AnyLayer = Layer>(nameOrIndex: string | number): L {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const layer = layers[nameOrIndex];
      if (!Number.isInteger(nameOrIndex) || layer === undefined) valueError('getLayer', 'index', `an integer from 0 to ${layers.length - 1}`, nameOrIndex);
      return layer as L;
    }
    if (typeof nameOrIndex !== 'string') typeError('getLayer', 'nameOrIndex', 'a layer name or an index', nameOrIndex);
    const layer = layers.find((l) => l.name === nameOrIndex);
    if (layer === undefined) {
      const names = layers.map((l) => l.name);
      throw new ValueError(`getLayer: no layer named '${nameOrIndex}'${didYouMean(nameOrIndex, names)}; layers: ${names.join(', ') || 'none'}`);
    }
    return layer as L;
  }

  // --- weights ----------------------------------------------------------------------------

  /** Whether training updates the model's weights. Setting it sets every layer's (Keras); it takes effect at the next `compile()`. */
  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    for (const layer of this.layers) layer.trainable = value;
  }

  /** Every weight of every layer, in layer order (a weight shared by two layers' paths counts once). */
  override get weights(): LayerVariable[] {
    return unique(this.layers.flatMap((layer) => layer.weights));
  }

  /** The weights training updates. */
  override get trainableWeights(): LayerVariable[] {
    return this.trainable ? unique(this.layers.flatMap((layer) => layer.trainableWeights)) : [];
  }

  /** The weights training leaves alone. */
  override get nonTrainableWeights(): LayerVariable[] {
    return this.trainable ? unique(this.layers.flatMap((layer) => layer.nonTrainableWeights)) : this.weights;
  }

  /** Copies of all weights, in the order of {@link Model.weights}. */
  override getWeights(): Tensor[] {
    return this.weights.map((v) => v.read());
  }

  /** Sets all weights (same order and shapes as {@link Model.getWeights}); values are copied in place. */
  override setWeights(weights: ReadonlyArray<Tensor | number[] | number[][]>): void {
    const where = `${this.name}.setWeights`;
    if (!Array.isArray(weights)) typeError(where, 'weights', 'an array of tensors', weights);
    this.requireBuilt(where);
    const variables = this.weights;
    if (weights.length !== variables.length) {
      throw new ValueError(`${where}: expected ${variables.length} weights (${variables.map((v) => `${v.name} ${formatShape(v.shape)}`).join(', ')}), got ${weights.length}`);
    }
    // Check every value before changing anything.
    const tensors = weights.map((w, i) => {
      const t = toTensor(where, `weights[${i}]`, w);
      if (!sameDims(t.shape, variables[i].shape)) {
        throw new ShapeError(`${where}: weights[${i}] (${variables[i].name}) must have shape ${formatShape(variables[i].shape)}, got shape ${formatShape(t.shape)}`);
      }
      if (t.dtype !== 'float32') throw new DTypeError(`${where}: weights[${i}] (${variables[i].name}) must be a float32 tensor, got ${t.dtype}`);
      return t;
    });
    tensors.forEach((t, i) => variables[i].assign(t));
  }

  /** The number of weight elements. The model must be built. */
  override countParams(): number {
    this.requireBuilt(`${this.name}.countParams`);
    return this.weights.reduce((total, v) => total + v.value.size, 0);
  }

  /** Prints a table of the layers, their output shapes and parameter counts (like Keras); returns the text. */
  summary(options?: SummaryOptions): string {
    return printSummary(this, options);
  }

  // --- as a layer inside another model ------------------------------------------------------

  /** Runs the model as a layer of an enclosing model: its layers with the workspaces nested in the caller's. */
  override call(inputs: Tensor | Tensor[], context: CallContext): Out {
    const mask = context.mask ?? null;
    const inputMasks = mask === null ? undefined : Array.isArray(mask) ? mask : [mask as Tensor];
    const outputMasks: (Tensor | null)[] = [];
    const outputs = runProgram(this.program, inputs instanceof Tensor ? [inputs] : inputs, {
      training: context.training, trainable: context.trainable, workspace: context.workspace, logits: null, losses: context.losses,
      inputMasks, outputMasks,
    });
    this.callMasks = outputMasks;
    return (this.returnsList ? outputs : outputs[0]) as Out;
  }

  /** The masks of the outputs of the last `call` (a model runs its layers' masks itself). */
  private callMasks: (Tensor | null)[] = [];

  /** A model passes on the masks its layers compute. */
  override get supportsMasking(): boolean {
    return true;
  }

  /** The masks of the outputs of the call that just ran (the executor asks right after `call`). */
  override computeMask(): MaskOutput {
    const masks = this.callMasks;
    return this.returnsList ? masks.slice() : masks[0] ?? null;
  }

  // --- saving -------------------------------------------------------------------------------

  /**
   * Saves the model into the folder `directory` (a path or a `file://` URL; created if needed): `model.json` (architecture,
   * training configuration, format and Dendrite versions) and `weights.safetensors` (every weight,
   * bit for bit). Load it with `dn.loadModel(directory)`.
   *
   * ```ts
   * await model.save('./models/digits');
   * await model.save('./checkpoints/run1', { includeOptimizer: true });   // to resume training exactly
   * ```
   * The write is crash-safe: a process killed during a save leaves the previous model in the folder,
   * intact and loadable. A model that cannot be saved (not built yet, a layer with a custom activation
   * function) throws before anything is written. A custom loss or metric function cannot be saved: the
   * model is then saved without its training configuration (model.json says why), and loads uncompiled.
   * Saves into one folder run one at a time, across processes too (a lock in the folder, which a
   * killed process does not keep); a file-system error is a SerializationError naming the folder.
   */
  async save(directory: string, options?: SaveOptions): Promise<void> {
    await saveModel(this, directory, options, this.compiledFacts());
  }

  /**
   * The model as one Buffer (a safetensors file with the model description in its metadata), for
   * servers that keep models in a database or send them over the network. Load it with
   * `dn.loadModelFromBuffer(buffer)`. Same options as {@link Model.save}.
   */
  async saveToBuffer(options?: SaveOptions): Promise<Buffer> {
    return encodeModelBuffer(this, options, this.compiledFacts());
  }

  /** What a save needs from the compile() settings. */
  private compiledFacts(): CompiledFacts | null {
    const state = this.compiled;
    if (state === null) return null;
    return {
      losses: state.outputs.map((o) => o.loss),
      metrics: state.outputs.map((o) => o.trainMetrics),
      lossWeights: state.lossWeightsGiven ? state.outputs.map((o) => o.weight) : null,
      perOutput: this.outputNames.length > 1,
    };
  }

  private requireBuilt(where: string): void {
    if (!this.built) {
      throw new ValueError(
        `${where}: the model is not built yet: give its first layer an inputShape (e.g. dense({ units: 8, inputShape: [4] })), or call fit/predict on data first`,
      );
    }
  }

  // --- compile ------------------------------------------------------------------------------

  /** The optimizer given to compile(), or null. */
  get optimizer(): Optimizer | null {
    return this.compiled === null ? null : this.compiled.optimizer;
  }

  /** The loss given to compile() (one per output for a model with several), or null. */
  get loss(): Loss | LossFunction | (Loss | LossFunction)[] | null {
    const state = this.compiled;
    if (state === null) return null;
    return state.outputs.length === 1 ? state.outputs[0].loss : state.outputs.map((o) => o.loss);
  }

  /** The names logged for training (`loss`, each output's loss for a model with several, and the metrics). */
  get metricsNames(): string[] {
    const state = this.compiled;
    return state === null ? [] : [...state.lossNames, ...metricNames(state.outputs)];
  }

  /**
   * Configures training: optimizer, loss and metrics (per output for a model with several).
   * ```ts
   * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
   * twoHeads.compile({ optimizer: 'adam', loss: { kind: 'sparseCategoricalCrossentropy', price: 'mse' },
   *                    lossWeights: { kind: 1, price: 0.5 }, metrics: { kind: ['accuracy'] } });
   * ```
   * The trainable weights are captured here (and again when layers are added): changing a layer's
   * or a model's `trainable` takes effect at the next compile(), as in Keras.
   */
  compile(options: CompileOptions): void {
    const where = 'compile';
    if (options === undefined) throw new ValueError(`${where}: options are required, e.g. compile({ optimizer: 'adam', loss: 'mse' })`);
    const o = checkOptions<CompileOptions>(where, options, ['optimizer', 'loss', 'metrics', 'lossWeights']);
    if (o.loss === undefined) throw new ValueError(`${where}: loss is required, e.g. compile({ optimizer: 'adam', loss: 'meanSquaredError' })`);
    const optimizer = getOptimizer(o.optimizer === undefined ? 'rmsprop' : o.optimizer, where);
    const outputs = compileOutputs(where, this.outputNames, o.loss, o.metrics, o.lossWeights);
    this.compiled = {
      optimizer, outputs, lossWeightsGiven: o.lossWeights !== undefined, ready: false, trainable: [], variables: [], trainMask: [],
      regularized: [], activityRegularized: false, logits: null, outputLosses: new Float64Array(outputs.length), lossNames: lossNames(outputs),
    };
    if (this.built) this.prepare(where);
  }

  private requireCompiled(where: string): CompiledState {
    if (this.compiled === null) {
      throw new ValueError(`${where}: the model must be compiled first: model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })`);
    }
    return this.compiled;
  }

  /** Captures the trainable variables, builds the optimizer over them, and decides what each output's loss folds. */
  private prepare(where: string): CompiledState {
    const state = this.requireCompiled(where);
    if (state.ready) return state;
    if (this.layers.length === 0) throw new ValueError(`${where}: the model has no layers`);
    this.requireBuilt(where);
    const trainable = this.trainableWeights;
    const inTrainable = new Set(trainable);
    state.trainable = trainable;
    state.variables = this.weights;
    state.trainMask = state.variables.map((v) => inTrainable.has(v));
    state.regularized = state.variables.filter((v) => v.regularizer !== undefined);
    state.activityRegularized = this.flatLayers.some((layer) => (layer as { activityRegularizer?: unknown }).activityRegularizer != null);
    const program = this.program;
    let logits: Uint8Array | null = null;
    state.outputs.forEach((output, k) => {
      const step = program.foldableSteps[k];
      const layer = step < 0 ? null : program.steps[step].layer;
      // An activity penalty on the output must see the activation's output, so it is not folded away.
      const activation = layer instanceof Dense ? (layer.activityRegularizer === null ? layer.activation : null) : layer instanceof ActivationLayer ? layer.activation : null;
      const loss = output.loss;
      output.folded = activation !== null && loss instanceof Loss && foldable(activation.name, activation.getConfig().axis) && loss.foldsActivation(activation.name) ? activation : null;
      output.probabilities = output.folded;
      if (output.folded !== null) (logits ??= new Uint8Array(program.steps.length))[step] = 1;
      if (output.probabilities === null && loss instanceof Loss && loss.fromLogits) {
        output.probabilities = getActivation(loss instanceof BinaryCrossentropy ? 'sigmoid' : 'softmax');
      }
    });
    state.logits = logits;
    state.optimizer.build(trainable);
    state.ready = true;
    return state;
  }

  // --- one step ---------------------------------------------------------------------------

  /** @internal The forward pass on one tensor per input; returns one tensor per output. */
  protected forward(
    inputs: readonly Tensor[], training: boolean, workspace: Workspace | null, logits: Uint8Array | null, losses: Tensor[] | null,
    outputMasks?: (Tensor | null)[],
  ): Tensor[] {
    return runProgram(this.program, inputs, { training, trainable: this.trainable, workspace, logits, losses, outputMasks });
  }

  /** The loss of one output on a batch as a scalar tensor (recorded when gradients are on). */
  private outputLoss(output: CompiledOutput, y: Tensor, out: Tensor, weights: Float32Array | null, mask: Tensor | null): Tensor {
    const loss = output.loss;
    if (loss instanceof Loss) {
      return loss.compute(y, out, weights, output.folded !== null, loss.reduction === 'sum' ? 'sum' : 'mean', true, mask);
    }
    const value = loss(y, out);
    if (!(value instanceof Tensor)) typeError('loss function', 'its result', 'a Tensor', value);
    if (value.dtype !== 'float32') throw new DTypeError(`loss function: its result must be a float32 tensor, got ${value.dtype}`);
    if (value.size === 1) {
      if (weights !== null) {
        throw new ValueError('loss function: sampleWeight/classWeight need a loss function that returns one loss per sample (shape [batch]); yours returned a scalar');
      }
      return value;
    }
    if (value.rank === 1 && value.shape[0] === out.shape[0]) {
      if (weights !== null && weights.length !== value.size) {
        throw new ValueError(`loss function: sampleWeight holds ${weights.length / value.size} weights per sample (one per timestep); a loss function returns one loss per sample, so give one weight per sample or use a built-in loss`);
      }
      return (weights === null ? value : value.mul(makeTensor(weights, [weights.length]))).mean();
    }
    throw new ShapeError(`loss function: must return a scalar or one loss per sample (shape [${out.shape[0]}]), got shape ${formatShape(value.shape)}`);
  }

  /**
   * The total loss of a batch: each output's loss times its weight, plus weight-regularization and
   * activity penalties. Each output's own loss goes into `state.outputLosses`.
   */
  private totalLoss(state: CompiledState, batch: Batch, outs: readonly Tensor[], activity: Tensor[] | null, masks: readonly (Tensor | null)[]): Tensor {
    const outputs = state.outputs;
    let total: Tensor | null = null;
    for (let k = 0; k < outputs.length; k++) {
      const output = outputs[k];
      const loss = this.outputLoss(output, batch.y[k], outs[k], batch.weights[k], masks[k] ?? null);
      state.outputLosses[k] = loss.storage[0];
      const weighted = output.weight === 1 ? loss : loss.mul(output.weight);
      total = total === null ? weighted : total.add(weighted);
    }
    for (const v of state.regularized) total = total!.add(v.regularizer!.apply(v.value));
    if (activity !== null) for (const penalty of activity) total = total!.add(penalty);
    return total!;
  }

  private updateMetrics(state: CompiledState, validation: boolean, batch: Batch, outs: readonly Tensor[], masks: readonly (Tensor | null)[]): void {
    const outputs = state.outputs;
    for (let k = 0; k < outputs.length; k++) {
      const output = outputs[k];
      const metrics = validation ? output.validationMetrics : output.trainMetrics;
      if (metrics.length === 0) continue;
      const mask = masks[k] ?? null;
      noGrad(() => {
        const predictions = output.probabilities === null ? outs[k] : output.probabilities.apply(outs[k]);
        for (const m of metrics) {
          if (mask === null) m.update(batch.y[k], predictions);
          else m.update(batch.y[k], predictions, mask);
        }
      });
    }
  }

  /**
   * One training step on a batch: forward, loss, backward, optimizer update. Returns the loss.
   * With `skipNonFinite`, a NaN/infinite loss leaves the weights untouched.
   */
  private trainStep(state: CompiledState, batch: Batch, skipNonFinite: boolean): number {
    const { variables, trainMask } = state;
    for (let i = 0; i < variables.length; i++) variables[i].value.requiresGrad = trainMask[i];
    try {
      const activity = state.activityRegularized ? [] : null;
      const masks: (Tensor | null)[] = [];
      const outs = this.forward(batch.x, true, this.trainWorkspace, state.logits, activity, masks);
      const loss = this.totalLoss(state, batch, outs, activity, masks);
      const value = loss.storage[0];
      this.updateMetrics(state, false, batch, outs, masks);
      if (loss.requiresGrad && (!skipNonFinite || Number.isFinite(value))) {
        loss.backward();
        state.optimizer.step(state.trainable);
      }
      return value;
    } finally {
      // Back to each weight's natural state (a frozen layer's weights need no gradient).
      for (let i = 0; i < variables.length; i++) {
        const v = variables[i];
        v.value.requiresGrad = v.trainable && trainMask[i];
      }
    }
  }

  /** The loss (and metric updates) of one batch in inference mode. */
  private evaluateBatch(state: CompiledState, batch: Batch, validationMetrics: boolean): number {
    return noGrad(() => {
      const activity = state.activityRegularized ? [] : null;
      const masks: (Tensor | null)[] = [];
      const outs = this.forward(batch.x, false, this.inferenceWorkspace, state.logits, activity, masks);
      const loss = this.totalLoss(state, batch, outs, activity, masks);
      if (validationMetrics) this.updateMetrics(state, true, batch, outs, masks);
      return loss.storage[0];
    });
  }

  /**
   * Logs: the total `loss`, each output's loss for a model with several (`outputLoss(k)`), and the
   * metrics of `validation` or training.
   */
  private logsOf(state: CompiledState, loss: number, outputLoss: (k: number) => number, validation: boolean): Logs {
    const logs: Logs = { loss };
    const outputs = state.outputs;
    if (outputs.length > 1) for (let k = 0; k < outputs.length; k++) logs[`${outputs[k].prefix}loss`] = outputLoss(k);
    for (const output of outputs) {
      for (const m of validation ? output.validationMetrics : output.trainMetrics) logs[`${output.prefix}${m.name}`] = m.result();
    }
    return logs;
  }

  private resetMetrics(state: CompiledState, validation: boolean): void {
    for (const output of state.outputs) for (const m of validation ? output.validationMetrics : output.trainMetrics) m.reset();
  }

  /**
   * Evaluates every batch of `data` in inference mode: the mean loss (weighted by batch size), each
   * output's loss for a model with several, and the validation metrics, named with `prefix`.
   */
  private async evaluateData(state: CompiledState, data: DataAdapter, prefix: string, checkAborted: () => void = () => {}): Promise<Logs> {
    this.resetMetrics(state, true);
    const sums = new Float64Array(1 + state.outputs.length);
    let seen = 0;
    const iterator = data.epoch();
    let pending = false;
    let exhausted = false;
    try {
      for (;;) {
        let next = iterator.next();
        if (next instanceof Promise) next = await next;
        if (next.done === true) {
          exhausted = true;
          break;
        }
        if (pending) {
          await yieldToEventLoop();
          checkAborted();
        }
        const batch = next.value;
        const value = this.evaluateBatch(state, batch, true);
        sums[0] += value * batch.size;
        for (let k = 0; k < state.outputs.length; k++) sums[k + 1] += state.outputLosses[k] * batch.size;
        seen += batch.size;
        pending = true;
      }
    } finally {
      if (!exhausted) await closeIterator(iterator);
    }
    const mean = (sum: number): number => (seen === 0 ? Number.NaN : sum / seen);
    const logs = this.logsOf(state, mean(sums[0]), (k) => mean(sums[k + 1]), true);
    return Object.fromEntries(Object.entries(logs).map(([name, value]) => [`${prefix}${name}`, value]));
  }

  /** The output shapes, one per output. */
  private outputShapes(): Shape[] {
    const shape = this.outputShape;
    if (shape === null) return [];
    return this.returnsList ? (shape as Shape[]) : [shape as Shape];
  }

  /**
   * Runs the first sample through the model and the losses (no update) so that a shape, dtype or
   * label problem is reported before training starts; with the whole targets, checks every label of
   * a sparse categorical cross-entropy output too.
   */
  private preflight(where: string, state: CompiledState, data: TensorAdapter): void {
    if (data.samples === 0) return;
    this.evaluateBatch(state, data.head(1), false);
    const shapes = this.outputShapes();
    const names = this.outputNames;
    state.outputs.forEach((output, k) => {
      const shape = shapes[k];
      if (!(output.loss instanceof SparseCategoricalCrossentropy) || shape === undefined) return;
      // Every label, not just the first batch's, so a bad one is reported with its sample index before training.
      const classes = shape[shape.length - 1] as number;
      const labels = data.y[k].storage;
      const label = names.length === 1 ? 'y' : `y['${names[k]}']`;
      for (let i = 0; i < labels.length; i++) {
        const value = labels[i];
        if (!Number.isInteger(value) || value < 0 || value >= classes) {
          throw new ValueError(`${where}: ${label}[${i}] must be a class index in [0, ${classes}) for sparseCategoricalCrossentropy, got ${describe(value)}`);
        }
      }
    });
  }

  // --- fit ----------------------------------------------------------------------------------

  /**
   * Trains the model for a number of epochs on `x` (inputs, `[samples, ...inputShape]`) and `y`
   * (targets: `[samples, outputs]`, or integer labels `[samples]` for sparseCategoricalCrossentropy).
   * For a model with several inputs or outputs, give `x` and `y` as arrays in the model's order or as
   * objects by input and output name. Returns the {@link History}. Each step is synchronous; between
   * steps `fit` yields to the event loop, so timers and requests keep being served.
   *
   * ```ts
   * const history = await model.fit(xTrain, yTrain, { epochs: 20, batchSize: 32, validationSplit: 0.1 });
   * await twoInputs.fit({ user: users, item: items }, ratings, { epochs: 5 });
   * ```
   * A NaN or infinite loss stops training with a ValueError naming the epoch and batch (the weights
   * are those before that batch) unless `onNonFiniteLoss: 'ignore'` or a callback stops training.
   * `signal` cancels: `fit` then rejects with an AbortError and the model keeps the weights of the
   * last completed step.
   *
   * Data that does not fit in memory trains from a dataset of batches (`dn.data`), read as a stream:
   * ```ts
   * const rows = dn.data.csv('big.csv', { label: 'y' }).shuffle(10000).batch(256).prefetch(2);
   * await model.fit(rows, { epochs: 3, validationData: heldOut, stepsPerEpoch: 1000 });
   * ```
   * Its elements are `{ xs, ys }` (or `[xs, ys]`, or either with a sampleWeight); an epoch is one pass
   * unless `stepsPerEpoch` says otherwise. The dataset brings its own batching, order and weights, so
   * `batchSize`, `shuffle`, `seed`, `validationSplit` and `sampleWeight` do not apply (a typed error
   * says what to do instead); `classWeight` does.
   */
  fit(dataset: Dataset<TrainingBatch>, options?: FitOptions): Promise<History>;
  fit(x: ModelData, y: ModelData, options?: FitOptions): Promise<History>;
  async fit(x: ModelData | Dataset<TrainingBatch>, y?: ModelData | FitOptions, options: FitOptions = {}): Promise<History> {
    const where = 'fit';
    const fromDataset = x instanceof Dataset;
    if (fromDataset) {
      if (y !== undefined && !isPlainObject(y)) {
        typeError(where, 'the second argument', "the options (with a dataset, its batches carry the targets: fit(dataset, { epochs }))", y);
      }
      options = (y ?? {}) as FitOptions;
    }
    const o = checkOptions<FitOptions>(where, options, FIT_OPTION_NAMES);
    if (fromDataset) {
      for (const [key, instead] of Object.entries(NOT_FOR_DATASETS)) {
        if ((o as Record<string, unknown>)[key] !== undefined) throw new ValueError(`${where}: ${key} does not apply to a dataset; ${instead}`);
      }
    }
    const state = this.requireCompiled(where);
    if (this.fitting) throw new ValueError(`${where}: this model is already training (an earlier fit() has not finished); await it first`);
    const batchSize = o.batchSize === undefined ? 32 : checkPositiveInteger(where, 'batchSize', o.batchSize);
    const epochs = o.epochs === undefined ? 1 : checkInteger(where, 'epochs', o.epochs, 0, Number.MAX_SAFE_INTEGER);
    const initialEpoch = o.initialEpoch === undefined ? 0 : checkInteger(where, 'initialEpoch', o.initialEpoch, 0, Number.MAX_SAFE_INTEGER);
    if (initialEpoch > epochs) {
      throw new ValueError(`${where}: initialEpoch (${initialEpoch}) must not exceed epochs (${epochs}); epochs is the epoch to stop at, not a count to add`);
    }
    const verbose = o.verbose === undefined ? 1 : checkInteger(where, 'verbose', o.verbose, 0, 2);
    const shuffle = o.shuffle === undefined ? true : checkBoolean(where, 'shuffle', o.shuffle);
    const generator = o.seed === undefined ? random : new Generator(checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    const validationSplit = o.validationSplit === undefined ? 0 : checkRange(where, 'validationSplit', o.validationSplit, 0, 1, { maxExclusive: true });
    const onNonFinite = o.onNonFiniteLoss === undefined ? 'throw' : checkChoice(where, 'onNonFiniteLoss', o.onNonFiniteLoss, ['throw', 'ignore'] as const);
    const validationBatchSize = o.validationBatchSize === undefined ? batchSize : checkPositiveInteger(where, 'validationBatchSize', o.validationBatchSize);
    const stepsPerEpoch = o.stepsPerEpoch === undefined ? null : checkPositiveInteger(where, 'stepsPerEpoch', o.stepsPerEpoch);
    if (stepsPerEpoch !== null && !fromDataset) {
      throw new ValueError(`${where}: stepsPerEpoch applies to a dataset; an epoch of in-memory data is every sample, in batches of batchSize`);
    }
    const validationSteps = o.validationSteps === undefined ? null : checkPositiveInteger(where, 'validationSteps', o.validationSteps);
    if (validationSteps !== null && !(o.validationData instanceof Dataset)) {
      throw new ValueError(`${where}: validationSteps applies to a dataset given as validationData`);
    }
    const userCallbacks = toCallbacks(where, o.callbacks);
    if (validationSplit > 0 && o.validationData !== undefined) {
      throw new ValueError(`${where}: give validationSplit or validationData, not both`);
    }
    const signal = o.signal === undefined ? null : checkSignal(where, o.signal);
    const stopwatch = { completedSteps: 0, position: 'before the first step' };
    const checkAborted = (): void => {
      if (signal !== null && signal.aborted) {
        const steps = stopwatch.completedSteps;
        throw new AbortError(
          `${where}: aborted ${stopwatch.position}, after ${steps} training step${steps === 1 ? '' : 's'}; the model keeps the weights of the last completed step`,
          { cause: signal.reason },
        );
      }
    };
    checkAborted();

    // The data adapters: everything given becomes batches here, once. Datasets are read as streams
    // (closed when fit ends); in-memory data is checked whole before training.
    const streams: DatasetAdapter[] = [];
    let train: DataAdapter;
    let inMemory: TensorAdapter | null = null;
    let validation: DataAdapter | null = null;
    try {
      if (x instanceof Dataset) {
        const adapter = new DatasetAdapter({
          model: this, where, name: 'the dataset', dataset: x as Dataset<unknown>, steps: stepsPerEpoch, stepsOption: 'stepsPerEpoch', carry: stepsPerEpoch !== null, classWeight: o.classWeight,
        });
        streams.push(adapter);
        // The first batch is read and checked now (a model that builds on its first data is built by it).
        await adapter.peek();
        train = adapter;
      } else {
        const xs = inputTensors(this, where, 'x', x);
        const samples = xs[0].shape[0];
        const ys = targetTensors(this, where, 'y', y, samples);
        // Sample weights are split with the data; class weights apply to the training part only (as in
        // Keras and tfjs): the validation loss stays comparable across class weightings.
        const sampleWeights = sampleWeightArrays(this, where, 'sampleWeight', o.sampleWeight, ys);
        const shuffler = shuffle ? generator : null;
        if (validationSplit > 0) {
          // The last samples, before any shuffling, as Keras takes them.
          const splitAt = Math.floor(samples * (1 - validationSplit));
          if (splitAt === 0 || splitAt === samples) {
            throw new ValueError(`${where}: validationSplit ${validationSplit} of ${samples} samples leaves ${splitAt === 0 ? 'no training' : 'no validation'} samples`);
          }
          const held = rowsOfAll(xs, ys, sampleWeights, splitAt, samples);
          validation = new TensorAdapter(held.x, held.y, held.weights, validationBatchSize);
          const kept = rowsOfAll(xs, ys, sampleWeights, 0, splitAt);
          inMemory = new TensorAdapter(kept.x, kept.y, withClassWeights(this, where, kept.y, kept.weights, o.classWeight), batchSize, shuffler);
        } else {
          inMemory = new TensorAdapter(xs, ys, withClassWeights(this, where, ys, sampleWeights, o.classWeight), batchSize, shuffler);
        }
        train = inMemory;
      }
      const data = o.validationData;
      if (data instanceof Dataset) {
        const adapter = new DatasetAdapter({ model: this, where, name: 'validationData', dataset: data as Dataset<unknown>, steps: validationSteps, stepsOption: 'validationSteps', carry: false });
        streams.push(adapter);
        validation = adapter;
      } else if (data !== undefined) {
        if (!Array.isArray(data) || (data.length !== 2 && data.length !== 3)) {
          typeError(where, 'validationData', 'an array [x, y] or [x, y, sampleWeight], or a dataset', data);
        }
        const vx = inputTensors(this, where, 'validationData[0]', data[0]);
        const vy = targetTensors(this, where, 'validationData[1]', data[1], vx[0].shape[0]);
        const vw = sampleWeightArrays(this, where, 'validationData[2]', data[2], vy);
        validation = new TensorAdapter(vx, vy, vw, validationBatchSize);
      }
      this.prepare(where);
      if (inMemory !== null) this.preflight(where, state, inMemory);
      if (validation instanceof TensorAdapter) this.preflight(where, state, validation);
      // Each epoch's order builds on the last: a seeded run resumed at initialEpoch replays the skipped shuffles.
      if (o.seed !== undefined && inMemory !== null) inMemory.skipEpochs(initialEpoch);
      return await this.fitLoop(where, state, train, validation, { epochs, initialEpoch, batchSize, verbose, onNonFinite, callbacks: userCallbacks, checkAborted, stopwatch });
    } finally {
      for (const stream of streams) await stream.close();
    }
  }

  /** The training loop over a data adapter's batches: epochs, callbacks, validation, History. */
  private async fitLoop(
    where: string, state: CompiledState, train: DataAdapter, validation: DataAdapter | null,
    settings: {
      epochs: number; initialEpoch: number; batchSize: number; verbose: number; onNonFinite: 'throw' | 'ignore';
      callbacks: ReturnType<typeof toCallbacks>; checkAborted: () => void; stopwatch: { completedSteps: number; position: string };
    },
  ): Promise<History> {
    const { epochs, initialEpoch, batchSize, verbose, onNonFinite, checkAborted, stopwatch } = settings;
    const steps = train.steps;
    const stepsText = steps === null ? '?' : String(steps);
    const logged = this.metricsNames;
    const params: TrainingParams = {
      epochs, initialEpoch, steps, samples: train.samples, batchSize: train instanceof TensorAdapter ? batchSize : null, verbose,
      metrics: validation === null ? logged : [...logged, ...logged.map((n) => `val_${n}`)],
    };
    const history = new History();
    const list = new CallbackList([...settings.callbacks, history, ...(verbose > 0 ? [new ProgressLogger({ verbose })] : [])]);
    list.setModel(this);
    list.setParams(params);
    const outputs = state.outputs;
    const sums = new Float64Array(1 + outputs.length);

    this.fitting = true;
    this.stopTraining = false;
    let lastLogs: Logs = {};
    try {
      await list.onTrainBegin({});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        checkAborted();
        await list.onEpochBegin(epoch, {});
        this.resetMetrics(state, false);
        sums.fill(0);
        let seen = 0;
        const batches = train.epoch();
        let exhausted = false;
        try {
          for (let batch = 0; ; batch++) {
            let next = batches.next();
            if (next instanceof Promise) next = await next;
            if (next.done === true) {
              exhausted = true;
              break;
            }
            const data = next.value;
            const size = data.size;
            const begun = list.onBatchBegin(batch, { batch, size });
            if (begun !== undefined) await begun;
            stopwatch.position = `at epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${stepsText}`;
            checkAborted();
            const value = this.trainStep(state, data, onNonFinite === 'throw');
            stopwatch.completedSteps++;
            sums[0] += value * size;
            for (let k = 0; k < outputs.length; k++) sums[k + 1] += state.outputLosses[k] * size;
            seen += size;
            const logs: Logs = { batch, size, ...this.logsOf(state, sums[0] / seen, (k) => sums[k + 1] / seen, false) };
            const ended = list.onBatchEnd(batch, logs);
            if (ended !== undefined) await ended;
            if (!Number.isFinite(value) && onNonFinite === 'throw' && !this.stopTraining) {
              throw new ValueError(
                `${where}: the loss became ${value} at epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${stepsText}; training stopped before this batch changed the weights. Lower the learning rate, check the data for NaN or infinite values, or pass onNonFiniteLoss: 'ignore' (or use dn.callbacks.terminateOnNaN() to stop without an error)`,
              );
            }
            if (this.stopTraining) break;
            await yieldToEventLoop();
          }
        } finally {
          // A pass left before its end (stopTraining, an error) closes its source (a dataset's file).
          if (!exhausted) await closeIterator(batches);
        }
        stopwatch.position = `at the end of epoch ${epoch + 1}/${epochs}`;
        checkAborted();
        const mean = (sum: number): number => (seen === 0 ? Number.NaN : sum / seen);
        const epochLogs = this.logsOf(state, mean(sums[0]), (k) => mean(sums[k + 1]), false);
        if (validation !== null) {
          stopwatch.position = `during the validation of epoch ${epoch + 1}/${epochs}`;
          Object.assign(epochLogs, await this.evaluateData(state, validation, 'val_', checkAborted));
        }
        await list.onEpochEnd(epoch, epochLogs);
        lastLogs = epochLogs;
      }
      await list.onTrainEnd(lastLogs);
    } finally {
      this.fitting = false;
    }
    this.history = history;
    return history;
  }

  // --- evaluate, predict, trainOnBatch, testOnBatch -----------------------------------------

  /**
   * The loss and metrics on `x`, `y` in inference mode (dropout off), in batches:
   * `{ loss, accuracy, ... }` (and each output's loss and metrics for a model with several). The loss
   * includes regularization penalties, as in Keras. A dataset of batches (`{ xs, ys }`, as `fit`
   * takes) is evaluated in one pass, or its first `steps` batches: `await model.evaluate(testBatches)`.
   */
  evaluate(dataset: Dataset<TrainingBatch>, options?: EvaluateOptions): Promise<EvaluationResult>;
  evaluate(x: ModelData, y: ModelData, options?: EvaluateOptions): Promise<EvaluationResult>;
  async evaluate(x: ModelData | Dataset<TrainingBatch>, y?: ModelData | EvaluateOptions, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    const where = 'evaluate';
    const fromDataset = x instanceof Dataset;
    if (fromDataset) {
      if (y !== undefined && !isPlainObject(y)) {
        typeError(where, 'the second argument', 'the options (with a dataset, its batches carry the targets: evaluate(dataset, { steps }))', y);
      }
      options = (y ?? {}) as EvaluateOptions;
    }
    const o = checkOptions<EvaluateOptions>(where, options, ['batchSize', 'sampleWeight', 'steps']);
    const state = this.requireCompiled(where);
    let data: DataAdapter;
    let stream: DatasetAdapter | null = null;
    if (x instanceof Dataset) {
      if (o.batchSize !== undefined) throw new ValueError(`${where}: batchSize does not apply to a dataset; ${NOT_FOR_DATASETS.batchSize}`);
      if (o.sampleWeight !== undefined) throw new ValueError(`${where}: sampleWeight does not apply to a dataset; ${NOT_FOR_DATASETS.sampleWeight}`);
      const steps = o.steps === undefined ? null : checkPositiveInteger(where, 'steps', o.steps);
      stream = new DatasetAdapter({ model: this, where, name: 'the dataset', dataset: x as Dataset<unknown>, steps, stepsOption: 'steps', carry: false });
      data = stream;
    } else {
      if (o.steps !== undefined) throw new ValueError(`${where}: steps applies to a dataset; in-memory data is evaluated whole, in batches of batchSize`);
      const batchSize = o.batchSize === undefined ? 32 : checkPositiveInteger(where, 'batchSize', o.batchSize);
      const xs = inputTensors(this, where, 'x', x);
      const samples = xs[0].shape[0];
      const ys = targetTensors(this, where, 'y', y, samples);
      const weights = sampleWeightArrays(this, where, 'sampleWeight', o.sampleWeight, ys);
      data = new TensorAdapter(xs, ys, weights, batchSize);
    }
    try {
      if (stream !== null) await stream.peek();
      this.prepare(where);
      // Separate metric objects, so evaluating during fit (from a callback) does not disturb the epoch's totals.
      const separate: CompiledState = {
        ...state, outputs: state.outputs.map((output) => ({ ...output, validationMetrics: freshMetrics(output.validationMetrics) })), outputLosses: new Float64Array(state.outputs.length),
      };
      return await this.evaluateData(separate, data, '');
    } finally {
      await stream?.close();
    }
  }

  /**
   * The model's outputs for `x` (inference mode), synchronously, in batches of `batchSize`: one
   * tensor, or one per output for a model whose outputs were given as an array.
   * ```ts
   * const probabilities = model.predict(xTest);   // [samples, classes]
   * ```
   */
  predict(x: ModelData, options: PredictOptions = {}): Out {
    const where = 'predict';
    const o = checkOptions<PredictOptions>(where, options, ['batchSize']);
    const batchSize = o.batchSize === undefined ? PREDICT_BATCH_SIZE : checkPositiveInteger(where, 'batchSize', o.batchSize);
    const xs = inputTensors(this, where, 'x', x);
    const n = xs[0].shape[0];
    const workspace = this.inferenceWorkspace;
    return noGrad(() => {
      let results: Tensor[] | null = null;
      // An empty batch still runs once, to give the results their shapes.
      for (let start = 0; start === 0 || start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const rows = xs.length === 1 ? [rowsOf(xs[0], start, end)] : xs.map((t) => rowsOf(t, start, end));
        const outs = this.forward(rows, false, workspace, null, null);
        // Outputs may live in reused buffers: the results are always copies.
        results ??= outs.map((out) => outputTensor([n, ...out.shape.slice(1)]));
        if (n === 0) break;
        for (let k = 0; k < outs.length; k++) {
          const result = results[k];
          (result.storage as Float32Array).set(contiguous(outs[k].detach()).storage, start * (result.size / n));
        }
      }
      return (this.returnsList ? results! : results![0]) as Out;
    });
  }

  /**
   * Like {@link Model.predict}, off the main thread: the forward pass runs natively on a worker
   * thread over a copy of the weights as they were when it was called, so the event loop stays free
   * and a training step that runs meanwhile (`fit` on the same model) cannot change or tear the
   * result. The result equals `predict(x)` exactly.
   * ```ts
   * const probabilities = await model.predictAsync(xTest);
   * ```
   * Every call made while the weights stay the same shares one copy of them (a new copy is made on
   * the first call after a training step, `setWeights` or a change through `assign`), so a burst of
   * requests costs one copy, not one per request. Each call runs in passes of `batchSize` rows, as
   * `predict` does, so its memory does not grow with the batch. Concurrent calls queue and run one at
   * a time on the worker, each on one thread; a call that waits keeps a copy of its input (up to 4 MB:
   * a larger input is read a pass at a time, so do not modify it until the promise settles).
   *
   * Models of Dense, Activation, Dropout, Flatten, Reshape and merge layers and of models used as
   * layers (with built-in elementwise activations, softmax over the last axis, Dense and the merges
   * on 2-D rows), Sequential or graphs with any number of inputs and outputs, run this way. A model
   * with other layers (custom layers or activation functions) runs `predict` on the main thread after
   * yielding to the event loop once: that blocks the loop for the whole prediction, and reads the
   * weights as they are then.
   */
  async predictAsync(x: ModelData, options: PredictOptions = {}): Promise<Out> {
    const where = 'predictAsync';
    const o = checkOptions<PredictOptions>(where, options, ['batchSize']);
    const batchSize = o.batchSize === undefined ? PREDICT_BATCH_SIZE : checkPositiveInteger(where, 'batchSize', o.batchSize);
    const xs = inputTensors(this, where, 'x', x);
    const snapshot = this.snapshots.get(xs, weightsVersion(this.weights), (sampleShapes) => inferencePlan(this.program, sampleShapes, nestedProgram));
    if (snapshot === null) {
      await yieldToEventLoop();
      return this.predict(xs, options);
    }
    const n = xs[0].shape[0];
    // Several inputs go side by side in each row, and several outputs come back that way.
    const input = xs.length === 1 ? (xs[0].storage as Float32Array) : sideBySide(xs, snapshot.plan.inputWidths, n);
    const output = await runOnWorker(snapshot, input, n, batchSize);
    const shapes = snapshot.plan.outputSampleShapes;
    if (shapes.length > 1) return apart(output, shapes, n) as Out;
    const result = makeTensor(output, [n, ...shapes[0]]);
    return (this.returnsList ? [result] : result) as Out;
  }

  /**
   * One training step on one batch, synchronously (for custom loops: GANs, reinforcement learning).
   * Returns the batch's loss and metrics: `{ loss, ... }`. A non-finite loss is returned, not thrown.
   */
  trainOnBatch(x: ModelData, y: ModelData, options?: TrainOnBatchOptions): EvaluationResult {
    const where = 'trainOnBatch';
    const state = this.requireCompiled(where);
    const o = checkOptions<TrainOnBatchOptions>(where, options, ['sampleWeight', 'classWeight']);
    const batch = toBatch(this, where, x, y, o.sampleWeight, o.classWeight);
    if (!state.ready) this.prepare(where);
    this.resetMetrics(state, false);
    const loss = this.trainStep(state, batch, false);
    return this.logsOf(state, loss, (k) => state.outputLosses[k], false);
  }

  /**
   * The loss and metrics of one batch in inference mode, synchronously (Keras `test_on_batch`):
   * `{ loss, ... }`. Nothing changes in the model.
   */
  testOnBatch(x: ModelData, y: ModelData, options?: TestOnBatchOptions): EvaluationResult {
    const where = 'testOnBatch';
    const state = this.requireCompiled(where);
    const o = checkOptions<TestOnBatchOptions>(where, options, ['sampleWeight']);
    const batch = toBatch(this, where, x, y, o.sampleWeight);
    if (!state.ready) this.prepare(where);
    this.resetMetrics(state, true);
    const loss = this.evaluateBatch(state, batch, true);
    return this.logsOf(state, loss, (k) => state.outputLosses[k], true);
  }

  /**
   * Applies the model with autograd (for custom training loops: `model.apply(x, { training: true })`
   * then a loss, `backward()`, and an optimizer step), building it on first use. Applied to symbolic
   * tensors instead, it records the model as one layer of a larger graph (a model inside a model).
   * @param options `training: true` for training behaviour (dropout)
   */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[], options?: ApplyOptions): SymbolicOutput<Out>;
  override apply(inputs: ModelData, options?: ApplyOptions): Out;
  override apply(inputs: unknown, options: ApplyOptions = {}): unknown {
    const where = `${this.name}.apply`;
    if (symbolicInputs(where, inputs) !== null) return super.apply(inputs as SymbolicTensor, options);
    const o = checkOptions<ApplyOptions>(where, options, ['training']);
    const training = o.training === undefined ? false : checkBoolean(where, 'training', o.training);
    const outputs = this.forward(inputTensors(this, where, 'x', inputs), training, null, null, null);
    return this.returnsList ? outputs : outputs[0];
  }
}

/** The program of a model used as a layer (its steps join an inference plan), unless it computes some other way. */
function nestedProgram(layer: AnyLayer): Program | null {
  return layer instanceof Model && layer.call === Model.prototype.call ? layer.program : null;
}

/** Rows of several inputs side by side: rows x (widths summed). */
function sideBySide(inputs: readonly Tensor[], widths: readonly number[], rows: number): Float32Array {
  const total = widths.reduce((a, b) => a + b, 0);
  const result = new Float32Array(rows * total);
  let column = 0;
  inputs.forEach((t, i) => {
    const width = widths[i];
    const source = t.storage as Float32Array;
    for (let r = 0; r < rows; r++) result.set(source.subarray(r * width, (r + 1) * width), r * total + column);
    column += width;
  });
  return result;
}

/** The outputs side by side in each row, apart: one tensor per output. */
function apart(output: Float32Array, shapes: readonly number[][], rows: number): Tensor[] {
  const widths = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const total = widths.reduce((a, b) => a + b, 0);
  let column = 0;
  return shapes.map((shape, k) => {
    const width = widths[k];
    const values = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) values.set(output.subarray(r * total + column, r * total + column + width), r * width);
    column += width;
    return makeTensor(values, [rows, ...shape]);
  });
}

/** Fresh copies of metrics (new totals), keeping an accuracy's resolved kind. */
function freshMetrics(metrics: readonly Metric[]): Metric[] {
  return metrics.map((original) => {
    const m = getMetric(original);
    if (m instanceof KindFromLoss && original instanceof KindFromLoss && original.resolvedKind !== null) m.resolve(original.resolvedKind);
    return m;
  });
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A final activation a cross-entropy can fold in: sigmoid, or softmax over the last axis. */
function foldable(name: string, axis: unknown): boolean {
  if (name === 'sigmoid') return true;
  return name === 'softmax' && axis === undefined;
}
