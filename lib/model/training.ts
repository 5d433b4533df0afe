/**
 * The model base class: compile, fit, evaluate, predict, predictAsync, trainOnBatch, weights and
 * summary — everything that does not depend on how layers are connected. `Sequential` (a stack of
 * layers) implements the forward pass; a functional (graph) model can implement it the same way.
 *
 * A training step is synchronous: forward (each Dense one fused native call, writing into buffers
 * reused from step to step), the loss (a final softmax/sigmoid folded into a cross-entropy computed
 * from logits in one native call), regularization penalties, backward (weight gradients accumulated
 * straight into the optimizer's flat gradient buffer), and one optimizer update over the flat
 * parameter buffer. `fit` yields to the event loop between steps, so a server waits at most one step.
 */
import { AbortError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { emptyTensor, makeTensor, Tensor, toTensor, type TensorLike, type TypedStorage } from '../tensor.js';
import { noGrad } from '../autograd/engine.js';
import { contiguous } from '../ops/shape.js';
import { Generator, random } from '../random.js';
import {
  checkBoolean, checkChoice, checkInteger, checkObject, checkOptions, checkPositiveInteger, checkRange, describe,
  formatShape, didYouMean, typeError, valueError,
} from '../validate.js';
import { getOptimizer, Optimizer, OPTIMIZER_NAMES, type OptimizerConfig } from '../optimizers/index.js';
import { getActivation, type Activation } from '../activations.js';
import { getLoss, Loss, type LossFunction, type LossIdentifier } from '../losses/index.js';
import { BinaryCrossentropy } from '../losses/binaryCrossentropy.js';
import { CategoricalCrossentropy } from '../losses/categoricalCrossentropy.js';
import { SparseCategoricalCrossentropy } from '../losses/sparseCategoricalCrossentropy.js';
import { Accuracy, getMetric, type Metric, type MetricIdentifier } from '../metrics.js';
import type { Layer, LayerVariable, Shape, Workspace } from '../layers/layer.js';
import { CallbackList, toCallbacks, type CallbackLike, type Logs, type TrainingParams } from './callbacks.js';
import { History } from './history.js';
import { ProgressLogger } from './progress.js';
import { printSummary, type SummaryOptions } from './summary.js';
import { encodeModelBuffer, saveModel, type CompiledFacts, type SaveOptions } from '../io/save-model.js';
import type { InferencePlan } from './plan.js';
import { binding } from '../native.js';

/** Options of `model.compile()`. */
export interface CompileOptions {
  /**
   * The optimizer: a name with Keras defaults (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, `'adagrad'`)
   * or an object (`dn.optimizers.adam({ learningRate: 1e-3 })`). Default `'rmsprop'`, as in Keras.
   */
  optimizer?: string | Optimizer | OptimizerConfig;
  /**
   * The loss: a name (`'meanSquaredError'`/`'mse'`, `'meanAbsoluteError'`/`'mae'`, `'huber'`,
   * `'binaryCrossentropy'`, `'categoricalCrossentropy'`, `'sparseCategoricalCrossentropy'`), a loss
   * object (`dn.losses.get('binaryCrossentropy', { fromLogits: true })`), or a function
   * `(yTrue, yPred) => Tensor` returning a scalar (or one loss per sample). Required.
   */
  loss: LossIdentifier;
  /** Metrics reported per epoch: names (`'accuracy'`, `'precision'`, `'recall'`, `'auc'`, `'mse'`, `'mae'`...), objects or functions. */
  metrics?: MetricIdentifier | MetricIdentifier[];
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
  /** Validation data `[x, y]` or `[x, y, sampleWeight]`, evaluated at the end of each epoch. */
  validationData?: [TensorLike, TensorLike] | [TensorLike, TensorLike, TensorLike];
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
  /** A weight per class index for the loss (`{ 0: 1, 1: 5 }` counts class 1 five times as much). */
  classWeight?: Record<number, number>;
  /** A weight per training sample (`[samples]`) for the loss. */
  sampleWeight?: TensorLike;
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
  'classWeight', 'sampleWeight', 'initialEpoch', 'onNonFiniteLoss', 'signal',
];

/** Options of `model.evaluate()`. */
export interface EvaluateOptions {
  /** Samples per batch. Default 32. */
  batchSize?: number;
  /** A weight per sample for the loss. */
  sampleWeight?: TensorLike;
}

/** Options of `model.predict()` and `model.predictAsync()`. */
export interface PredictOptions {
  /**
   * Samples per pass of `predict` (it bounds memory; results do not depend on it). Default 256, not
   * Keras's 32: a larger pass reuses each packed weight panel for more rows (batch-256 inference of
   * a 784-256-128-10 MLP runs about 1.2 to 1.4 times faster than in passes of 32).
   */
  batchSize?: number;
}

/** Options of `model.trainOnBatch()`. */
export interface TrainOnBatchOptions {
  /** A weight per sample for the loss. */
  sampleWeight?: TensorLike;
  /** A weight per class index for the loss. */
  classWeight?: Record<number, number>;
}

/** @internal What a model's forward pass is told. */
export interface ForwardOptions {
  training: boolean;
  /** One workspace per layer (created on demand), or null to allocate fresh outputs. */
  workspaces: (Workspace | undefined)[] | null;
  /** Return the logits of a final softmax/sigmoid that the loss folds in. */
  logits: boolean;
  /** Where layers add activity penalties, or null. */
  losses: Tensor[] | null;
}

/** The compile() settings, plus what is captured once the model is built. */
interface CompiledState {
  optimizer: Optimizer;
  loss: Loss | LossFunction;
  trainMetrics: Metric[];
  validationMetrics: Metric[];
  ready: boolean;
  /** The trainable variables at compile time: what the optimizer updates. */
  trainable: LayerVariable[];
  /** Every variable of the model, and whether it is in `trainable`. */
  variables: LayerVariable[];
  trainMask: boolean[];
  regularized: LayerVariable[];
  activityRegularized: boolean;
  /** The final activation folded into the loss (the model outputs logits in training), or null. */
  folded: Activation | null;
  /** Turns outputs into probabilities for metrics (the folded activation, or the one a fromLogits loss implies), or null. */
  probabilities: Activation | null;
}

/** Evaluation results by name: `{ loss, accuracy, ... }`. */
export type EvaluationResult = Logs;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows per pass of `predict` when no batchSize is given (see PredictOptions.batchSize). */
const PREDICT_BATCH_SIZE = 256;

/** predictAsync hands the worker at most this many input floats (4 MB) per call. */
const PREDICT_CHUNK_FLOATS = 1 << 20;

/** An AbortSignal (or an object that behaves as one: a boolean `aborted` and `addEventListener`). */
function checkSignal(where: string, value: unknown): AbortSignal {
  const candidate = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (!(value instanceof AbortSignal) && (candidate === null || typeof candidate !== 'object' || typeof candidate.aborted !== 'boolean' || typeof candidate.addEventListener !== 'function')) {
    typeError(where, 'signal', 'an AbortSignal (e.g. from new AbortController())', value);
  }
  return value as AbortSignal;
}

/** The base class of models. Create one with `dn.sequential({ layers })`. */
export abstract class Model {
  /** The model's name. */
  readonly name: string;
  /** Set to true (by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /** The History of the last `fit`, or null. */
  history: History | null = null;
  private compiled: CompiledState | null = null;
  private fitting = false;
  private readonly trainWorkspaces: (Workspace | undefined)[] = [];
  private readonly inferenceWorkspaces: (Workspace | undefined)[] = [];

  protected constructor(name: string) {
    this.name = name;
  }

  // --- what a concrete model provides -------------------------------------------------------

  /** The layers, in order. */
  abstract get layers(): Layer[];
  /** Whether every layer has its weights (the input shape is known). */
  abstract get built(): boolean;
  /** The input shape (batch dimension `null`), or null while not built. */
  abstract get inputShape(): Shape | null;
  /** The output shape (batch dimension `null`), or null while not built. */
  abstract get outputShape(): Shape | null;
  /** Builds every layer for inputs of `inputShape` (batch first); a ShapeError names the layer that does not fit. */
  abstract build(inputShape: readonly (number | null)[]): void;
  /** Throws a ShapeError naming the first layer when inputs of `shape` do not fit the model. */
  protected abstract checkInput(shape: readonly number[]): void;
  /** @internal The forward pass. */
  protected abstract forward(x: Tensor, options: ForwardOptions): Tensor;
  /** @internal The activation of the model's output that a loss could fold in (a final softmax or sigmoid), or null. */
  protected abstract outputActivation(): Activation | null;
  /** The options that rebuild the model's architecture (plain JSON). */
  abstract getConfig(): Record<string, unknown>;

  /** @internal Tells the model its layers changed: compiled state is captured again at the next step. */
  protected layersChanged(): void {
    if (this.compiled !== null) this.compiled.ready = false;
    this.trainWorkspaces.length = 0;
    this.inferenceWorkspaces.length = 0;
  }

  // --- weights ----------------------------------------------------------------------------

  /** Every weight of every layer, in layer order. */
  get weights(): LayerVariable[] {
    return this.layers.flatMap((layer) => layer.weights);
  }

  /** The weights training updates. */
  get trainableWeights(): LayerVariable[] {
    return this.layers.flatMap((layer) => layer.trainableWeights);
  }

  /** The weights training leaves alone. */
  get nonTrainableWeights(): LayerVariable[] {
    return this.layers.flatMap((layer) => layer.nonTrainableWeights);
  }

  /** Copies of all weights, in the order of {@link Model.weights}. */
  getWeights(): Tensor[] {
    return this.layers.flatMap((layer) => layer.getWeights());
  }

  /** Sets all weights (same order and shapes as {@link Model.getWeights}); values are copied in place. */
  setWeights(weights: ReadonlyArray<Tensor | number[] | number[][]>): void {
    const where = `${this.name}.setWeights`;
    if (!Array.isArray(weights)) typeError(where, 'weights', 'an array of tensors', weights);
    this.requireBuilt(where);
    const variables = this.weights;
    if (weights.length !== variables.length) {
      throw new ValueError(`${where}: expected ${variables.length} weights (${variables.map((v) => `${v.name} ${formatShape(v.shape)}`).join(', ')}), got ${weights.length}`);
    }
    // Check every shape before changing anything.
    weights.forEach((w, i) => {
      const t = toTensor(where, `weights[${i}]`, w);
      if (!sameDims(t.shape, variables[i].shape)) {
        throw new ShapeError(`${where}: weights[${i}] (${variables[i].name}) must have shape ${formatShape(variables[i].shape)}, got shape ${formatShape(t.shape)}`);
      }
    });
    let offset = 0;
    for (const layer of this.layers) {
      const count = layer.weights.length;
      if (count > 0) layer.setWeights(weights.slice(offset, offset + count));
      offset += count;
    }
  }

  /** The number of weight elements. The model must be built. */
  countParams(): number {
    this.requireBuilt(`${this.name}.countParams`);
    return this.layers.reduce((total, layer) => total + layer.countParams(), 0);
  }

  /** Prints a table of the layers, their output shapes and parameter counts (like Keras); returns the text. */
  summary(options?: SummaryOptions): string {
    return printSummary(this, options);
  }

  // --- saving -------------------------------------------------------------------------------

  /**
   * Saves the model into the folder `directory` (created if needed): `model.json` (architecture,
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
  private compiledFacts(): CompiledFacts {
    return { metrics: this.compiled === null ? [] : this.compiled.trainMetrics };
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

  /** The loss given to compile(), or null. */
  get loss(): Loss | LossFunction | null {
    return this.compiled === null ? null : this.compiled.loss;
  }

  /** The names logged for training (`loss` and the metrics). */
  get metricsNames(): string[] {
    return this.compiled === null ? [] : ['loss', ...this.compiled.trainMetrics.map((m) => m.name)];
  }

  /**
   * Configures training: optimizer, loss and metrics.
   * ```ts
   * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
   * ```
   * The trainable weights are captured here (and again when layers are added): changing a layer's
   * `trainable` takes effect at the next compile(), as in Keras.
   */
  compile(options: CompileOptions): void {
    const where = 'compile';
    if (options === undefined) throw new ValueError(`${where}: options are required, e.g. compile({ optimizer: 'adam', loss: 'mse' })`);
    const o = checkOptions<CompileOptions>(where, options, ['optimizer', 'loss', 'metrics']);
    if (o.loss === undefined) throw new ValueError(`${where}: loss is required, e.g. compile({ optimizer: 'adam', loss: 'meanSquaredError' })`);
    const optimizerId = o.optimizer === undefined ? 'rmsprop' : o.optimizer;
    if (typeof optimizerId === 'string' && !OPTIMIZER_NAMES.includes(optimizerId) && !['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'].includes(optimizerId)) {
      throw new ValueError(
        `${where}: unknown optimizer '${optimizerId}'${didYouMean(optimizerId, OPTIMIZER_NAMES)}; expected one of ${OPTIMIZER_NAMES.map((n) => `'${n}'`).join(', ')} or an optimizer object`,
      );
    }
    const optimizer = getOptimizer(optimizerId as string | Optimizer | OptimizerConfig);
    const loss = getLoss(o.loss, where);
    const metricIds = o.metrics === undefined ? [] : Array.isArray(o.metrics) ? o.metrics : [o.metrics];
    const trainMetrics = metricIds.map((m) => getMetric(m, where));
    const validationMetrics = metricIds.map((m) => getMetric(m, where));
    const names = new Set<string>(['loss']);
    for (const m of trainMetrics) {
      if (names.has(m.name)) throw new ValueError(`${where}: two metrics are named '${m.name}'; give one a different name`);
      names.add(m.name);
    }
    // Accuracy follows the loss, as in Keras.
    const kind = loss instanceof BinaryCrossentropy ? 'binary' : loss instanceof SparseCategoricalCrossentropy ? 'sparse' : loss instanceof CategoricalCrossentropy ? 'categorical' : null;
    if (kind !== null) for (const m of [...trainMetrics, ...validationMetrics]) if (m instanceof Accuracy && m.resolvedKind === null) m.resolve(kind);
    this.compiled = {
      optimizer, loss, trainMetrics, validationMetrics, ready: false, trainable: [], variables: [], trainMask: [], regularized: [],
      activityRegularized: false, folded: null, probabilities: null,
    };
    if (this.built) this.prepare(where);
  }

  private requireCompiled(where: string): CompiledState {
    if (this.compiled === null) {
      throw new ValueError(`${where}: the model must be compiled first: model.compile({ optimizer: 'adam', loss: 'meanSquaredError' })`);
    }
    return this.compiled;
  }

  /** Captures the trainable variables, builds the optimizer over them, and decides what the loss folds. */
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
    state.activityRegularized = this.layers.some((layer) => (layer as { activityRegularizer?: unknown }).activityRegularizer != null);
    const activation = this.outputActivation();
    const loss = state.loss;
    state.folded = activation !== null && loss instanceof Loss && foldable(activation) && loss.foldsActivation(activation.name) ? activation : null;
    state.probabilities = state.folded;
    if (state.probabilities === null && loss instanceof Loss && loss.fromLogits) {
      state.probabilities = getActivation(loss instanceof BinaryCrossentropy ? 'sigmoid' : 'softmax');
    }
    state.optimizer.build(trainable);
    state.ready = true;
    return state;
  }

  // --- tensors in -------------------------------------------------------------------------

  /** Converts and checks an input batch; builds the model from it if needed. */
  private inputTensor(where: string, name: string, value: unknown): Tensor {
    const t = toTensor(where, name, value);
    if (t.dtype !== 'float32') throw new DTypeError(`${where}: ${name} must be a float32 tensor, got ${t.dtype} (convert it with .cast('float32'))`);
    if (t.rank < 1) throw new ShapeError(`${where}: ${name} must have a batch dimension, got a rank-0 tensor`);
    if (this.layers.length === 0) throw new ValueError(`${where}: the model has no layers`);
    if (!this.built) this.build([null, ...t.shape.slice(1)]);
    this.checkInput(t.shape);
    return t.isContiguous ? t : contiguous(t.detach());
  }

  private targetTensor(where: string, name: string, value: unknown, samples: number): Tensor {
    const t = toTensor(where, name, value);
    if (t.rank < 1 || t.shape[0] !== samples) {
      throw new ShapeError(`${where}: ${name} must have one entry per sample (${samples}), got shape ${formatShape(t.shape)}`);
    }
    return t.isContiguous ? t : contiguous(t.detach());
  }

  private weightArray(where: string, name: string, value: unknown, samples: number): Float32Array {
    const t = toTensor(where, name, value);
    if (t.dtype !== 'float32') throw new DTypeError(`${where}: ${name} must be a float32 tensor, got ${t.dtype}`);
    if (t.size !== samples || t.rank > 2 || (t.rank === 2 && t.shape[1] !== 1)) {
      throw new ShapeError(`${where}: ${name} must hold one weight per sample (shape [${samples}]), got shape ${formatShape(t.shape)}`);
    }
    return contiguous(t.detach()).storage as Float32Array;
  }

  /** Combines sampleWeight and classWeight into one weight per sample, or null for none. */
  private sampleWeights(where: string, y: Tensor, sampleWeight: unknown, classWeight: unknown): Float32Array | null {
    const weights = sampleWeight === undefined ? null : this.weightArray(where, 'sampleWeight', sampleWeight, y.shape[0]);
    return this.withClassWeights(where, y, weights, classWeight);
  }

  /** `sampleWeights` (one per sample of `y`, or null) times the classWeight of each sample's class, in a new array. */
  private withClassWeights(where: string, y: Tensor, sampleWeights: Float32Array | null, classWeight: unknown): Float32Array | null {
    if (classWeight === undefined) return sampleWeights;
    const samples = y.shape[0];
    const table = classWeightTable(where, classWeight);
    const labels = classLabels(where, y);
    const weights = sampleWeights === null ? new Float32Array(samples).fill(1) : sampleWeights.slice();
    for (let i = 0; i < samples; i++) {
      const w = table.get(labels[i]);
      if (w === undefined) {
        throw new ValueError(`${where}: classWeight has no weight for class ${labels[i]} (sample ${i}); it lists classes ${[...table.keys()].join(', ')}`);
      }
      weights[i] *= w;
    }
    return weights;
  }

  // --- one step ---------------------------------------------------------------------------

  /** The loss of a batch as a scalar tensor (recorded when gradients are on). */
  private batchLoss(state: CompiledState, y: Tensor, out: Tensor, weights: Float32Array | null): Tensor {
    const loss = state.loss;
    if (loss instanceof Loss) {
      return loss.compute(y, out, weights, state.folded !== null, loss.reduction === 'sum' ? 'sum' : 'mean', true);
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
      return (weights === null ? value : value.mul(makeTensor(weights, [weights.length]))).mean();
    }
    throw new ShapeError(`loss function: must return a scalar or one loss per sample (shape [${out.shape[0]}]), got shape ${formatShape(value.shape)}`);
  }

  /** Adds weight-regularization and activity penalties to `loss`. */
  private withPenalties(state: CompiledState, loss: Tensor, activity: Tensor[] | null): Tensor {
    let total = loss;
    for (const v of state.regularized) total = total.add(v.regularizer!.apply(v.value));
    if (activity !== null) for (const penalty of activity) total = total.add(penalty);
    return total;
  }

  private updateMetrics(metrics: Metric[], state: CompiledState, y: Tensor, out: Tensor): void {
    if (metrics.length === 0) return;
    noGrad(() => {
      const predictions = state.probabilities === null ? out : state.probabilities.apply(out);
      for (const m of metrics) m.update(y, predictions);
    });
  }

  /**
   * One training step on a batch: forward, loss, backward, optimizer update. Returns the loss.
   * With `skipNonFinite`, a NaN/infinite loss leaves the weights untouched.
   */
  private trainStep(state: CompiledState, x: Tensor, y: Tensor, weights: Float32Array | null, skipNonFinite: boolean, metrics: Metric[]): number {
    const { variables, trainMask } = state;
    for (let i = 0; i < variables.length; i++) variables[i].value.requiresGrad = trainMask[i];
    try {
      const activity = state.activityRegularized ? [] : null;
      const out = this.forward(x, { training: true, workspaces: this.trainWorkspaces, logits: state.folded !== null, losses: activity });
      const loss = this.withPenalties(state, this.batchLoss(state, y, out, weights), activity);
      const value = loss.storage[0];
      this.updateMetrics(metrics, state, y, out);
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
  private evaluateBatch(state: CompiledState, x: Tensor, y: Tensor, weights: Float32Array | null, metrics: Metric[]): number {
    return noGrad(() => {
      const activity = state.activityRegularized ? [] : null;
      const out = this.forward(x, { training: false, workspaces: this.inferenceWorkspaces, logits: state.folded !== null, losses: activity });
      const loss = this.withPenalties(state, this.batchLoss(state, y, out, weights), activity);
      this.updateMetrics(metrics, state, y, out);
      return loss.storage[0];
    });
  }

  /** Evaluates data in batches: the mean loss (weighted by batch size) and the metrics. */
  private async evaluateData(
    state: CompiledState, x: Tensor, y: Tensor, weights: Float32Array | null, batchSize: number, metrics: Metric[], prefix: string,
    checkAborted: () => void = () => {},
  ): Promise<Logs> {
    for (const m of metrics) m.reset();
    const n = x.shape[0];
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const value = this.evaluateBatch(state, rowsOf(x, start, end), rowsOf(y, start, end), weights === null ? null : weights.subarray(start, end), metrics);
      lossSum += value * (end - start);
      if (end < n) {
        await yieldToEventLoop();
        checkAborted();
      }
    }
    const logs: Logs = { [`${prefix}loss`]: n === 0 ? Number.NaN : lossSum / n };
    for (const m of metrics) logs[`${prefix}${m.name}`] = m.result();
    return logs;
  }

  /**
   * Runs the first sample through the model and the loss (no update) so that a shape, dtype or label
   * problem is reported before training starts.
   */
  private preflight(where: string, state: CompiledState, x: Tensor, y: Tensor): void {
    if (x.shape[0] === 0) return;
    this.evaluateBatch(state, rowsOf(x, 0, 1), rowsOf(y, 0, 1), null, []);
    const output = this.outputShape;
    if (state.loss instanceof SparseCategoricalCrossentropy && output !== null) {
      // Every label, not just the first batch's, so a bad one is reported with its sample index before training.
      const classes = output[output.length - 1] as number;
      const labels = y.storage;
      for (let i = 0; i < labels.length; i++) {
        const label = labels[i];
        if (!Number.isInteger(label) || label < 0 || label >= classes) {
          throw new ValueError(`${where}: y[${i}] must be a class index in [0, ${classes}) for sparseCategoricalCrossentropy, got ${describe(label)}`);
        }
      }
    }
  }

  // --- fit ----------------------------------------------------------------------------------

  /**
   * Trains the model for a number of epochs on `x` (inputs, `[samples, ...inputShape]`) and `y`
   * (targets: `[samples, outputs]`, or integer labels `[samples]` for sparseCategoricalCrossentropy).
   * Returns the {@link History}. Each step is synchronous; between steps `fit` yields to the event
   * loop, so timers and requests keep being served.
   *
   * ```ts
   * const history = await model.fit(xTrain, yTrain, { epochs: 20, batchSize: 32, validationSplit: 0.1 });
   * ```
   * A NaN or infinite loss stops training with a ValueError naming the epoch and batch (the weights
   * are those before that batch) unless `onNonFiniteLoss: 'ignore'` or a callback stops training.
   * `signal` cancels: `fit` then rejects with an AbortError and the model keeps the weights of the
   * last completed step.
   */
  async fit(x: TensorLike, y: TensorLike, options: FitOptions = {}): Promise<History> {
    const where = 'fit';
    const o = checkOptions<FitOptions>(where, options, FIT_OPTION_NAMES);
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
    const userCallbacks = toCallbacks(where, o.callbacks);
    if (validationSplit > 0 && o.validationData !== undefined) {
      throw new ValueError(`${where}: give validationSplit or validationData, not both`);
    }
    const signal = o.signal === undefined ? null : checkSignal(where, o.signal);
    let completedSteps = 0;
    let position = 'before the first step';
    const checkAborted = (): void => {
      if (signal !== null && signal.aborted) {
        throw new AbortError(
          `${where}: aborted ${position}, after ${completedSteps} training step${completedSteps === 1 ? '' : 's'}; the model keeps the weights of the last completed step`,
          { cause: signal.reason },
        );
      }
    };
    checkAborted();

    let xs = this.inputTensor(where, 'x', x);
    let ys = this.targetTensor(where, 'y', y, xs.shape[0]);
    // Sample weights are split with the data; class weights apply to the training part only (as in
    // Keras and tfjs): the validation loss stays comparable across class weightings.
    let weights = o.sampleWeight === undefined ? null : this.weightArray(where, 'sampleWeight', o.sampleWeight, xs.shape[0]);
    let validation: { x: Tensor; y: Tensor; weights: Float32Array | null } | null = null;
    if (validationSplit > 0) {
      // The last samples, before any shuffling, as Keras takes them.
      const total = xs.shape[0];
      const splitAt = Math.floor(total * (1 - validationSplit));
      if (splitAt === 0 || splitAt === total) {
        throw new ValueError(`${where}: validationSplit ${validationSplit} of ${total} samples leaves ${splitAt === 0 ? 'no training' : 'no validation'} samples`);
      }
      validation = { x: rowsOf(xs, splitAt, total), y: rowsOf(ys, splitAt, total), weights: weights === null ? null : weights.subarray(splitAt) };
      xs = rowsOf(xs, 0, splitAt);
      ys = rowsOf(ys, 0, splitAt);
      if (weights !== null) weights = weights.subarray(0, splitAt);
    } else if (o.validationData !== undefined) {
      const data = o.validationData;
      if (!Array.isArray(data) || (data.length !== 2 && data.length !== 3)) {
        typeError(where, 'validationData', 'an array [x, y] or [x, y, sampleWeight]', data);
      }
      const vx = this.inputTensor(where, 'validationData[0]', data[0]);
      const vy = this.targetTensor(where, 'validationData[1]', data[1], vx.shape[0]);
      validation = { x: vx, y: vy, weights: data.length === 3 ? this.weightArray(where, 'validationData[2]', data[2], vx.shape[0]) : null };
    }
    weights = this.withClassWeights(where, ys, weights, o.classWeight);
    this.prepare(where);
    this.preflight(where, state, xs, ys);
    if (validation !== null) this.preflight(where, state, validation.x, validation.y);

    const samples = xs.shape[0];
    const steps = Math.ceil(samples / batchSize);
    const metricNames = ['loss', ...state.trainMetrics.map((m) => m.name)];
    const params: TrainingParams = {
      epochs, initialEpoch, steps, samples, batchSize, verbose,
      metrics: validation === null ? metricNames : [...metricNames, ...metricNames.map((n) => `val_${n}`)],
    };
    const history = new History();
    const list = new CallbackList([...userCallbacks, history, ...(verbose > 0 ? [new ProgressLogger({ verbose })] : [])]);
    list.setModel(this);
    list.setParams(params);
    const order = Int32Array.from({ length: samples }, (_, i) => i);
    // Each epoch's order builds on the last: a seeded run resumed at initialEpoch replays the skipped shuffles.
    if (shuffle && o.seed !== undefined) for (let skipped = 0; skipped < initialEpoch; skipped++) generator.shuffle(order);
    const batches = new BatchGatherer();

    this.fitting = true;
    this.stopTraining = false;
    let lastLogs: Logs = {};
    try {
      await list.onTrainBegin({});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        checkAborted();
        await list.onEpochBegin(epoch, {});
        for (const m of state.trainMetrics) m.reset();
        if (shuffle) generator.shuffle(order);
        let lossSum = 0;
        let seen = 0;
        for (let batch = 0; batch < steps; batch++) {
          const start = batch * batchSize;
          const end = Math.min(samples, start + batchSize);
          const size = end - start;
          const begun = list.onBatchBegin(batch, { batch, size });
          if (begun !== undefined) await begun;
          position = `at epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${steps}`;
          checkAborted();
          const xb = shuffle ? batches.gather('x', xs, order, start, end) : rowsOf(xs, start, end);
          const yb = shuffle ? batches.gather('y', ys, order, start, end) : rowsOf(ys, start, end);
          const wb = weights === null ? null : shuffle ? batches.gatherWeights(weights, order, start, end) : weights.subarray(start, end);
          const value = this.trainStep(state, xb, yb, wb, onNonFinite === 'throw', state.trainMetrics);
          completedSteps++;
          lossSum += value * size;
          seen += size;
          const logs: Logs = { batch, size, loss: lossSum / seen };
          for (const m of state.trainMetrics) logs[m.name] = m.result();
          const ended = list.onBatchEnd(batch, logs);
          if (ended !== undefined) await ended;
          if (!Number.isFinite(value) && onNonFinite === 'throw' && !this.stopTraining) {
            throw new ValueError(
              `${where}: the loss became ${value} at epoch ${epoch + 1}/${epochs}, batch ${batch + 1}/${steps}; training stopped before this batch changed the weights. Lower the learning rate, check the data for NaN or infinite values, or pass onNonFiniteLoss: 'ignore' (or use dn.callbacks.terminateOnNaN() to stop without an error)`,
            );
          }
          if (this.stopTraining) break;
          await yieldToEventLoop();
        }
        position = `at the end of epoch ${epoch + 1}/${epochs}`;
        checkAborted();
        const epochLogs: Logs = { loss: seen === 0 ? Number.NaN : lossSum / seen };
        for (const m of state.trainMetrics) epochLogs[m.name] = m.result();
        if (validation !== null) {
          position = `during the validation of epoch ${epoch + 1}/${epochs}`;
          Object.assign(epochLogs, await this.evaluateData(state, validation.x, validation.y, validation.weights, validationBatchSize, state.validationMetrics, 'val_', checkAborted));
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

  // --- evaluate, predict, trainOnBatch ------------------------------------------------------

  /**
   * The loss and metrics on `x`, `y` in inference mode (dropout off), in batches:
   * `{ loss, accuracy, ... }`. The loss includes regularization penalties, as in Keras.
   */
  async evaluate(x: TensorLike, y: TensorLike, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    const where = 'evaluate';
    const o = checkOptions<EvaluateOptions>(where, options, ['batchSize', 'sampleWeight']);
    const state = this.requireCompiled(where);
    const batchSize = o.batchSize === undefined ? 32 : checkPositiveInteger(where, 'batchSize', o.batchSize);
    const xs = this.inputTensor(where, 'x', x);
    const ys = this.targetTensor(where, 'y', y, xs.shape[0]);
    const weights = o.sampleWeight === undefined ? null : this.weightArray(where, 'sampleWeight', o.sampleWeight, xs.shape[0]);
    this.prepare(where);
    // Separate metric objects, so evaluating during fit (from a callback) does not disturb the epoch's totals.
    const metrics = state.validationMetrics.map((m) => getMetric(m));
    for (const [i, m] of metrics.entries()) {
      const original = state.validationMetrics[i];
      if (m instanceof Accuracy && original instanceof Accuracy && original.resolvedKind !== null) m.resolve(original.resolvedKind);
    }
    return this.evaluateData(state, xs, ys, weights, batchSize, metrics, '');
  }

  /**
   * The model's outputs for `x` (inference mode), synchronously, in batches of `batchSize`.
   * ```ts
   * const probabilities = model.predict(xTest);   // [samples, classes]
   * ```
   */
  predict(x: TensorLike, options: PredictOptions = {}): Tensor {
    const where = 'predict';
    const o = checkOptions<PredictOptions>(where, options, ['batchSize']);
    const batchSize = o.batchSize === undefined ? PREDICT_BATCH_SIZE : checkPositiveInteger(where, 'batchSize', o.batchSize);
    const xs = this.inputTensor(where, 'x', x);
    const n = xs.shape[0];
    const workspaces = this.inferenceWorkspaces;
    return noGrad(() => {
      let result: Tensor | null = null;
      // An empty batch still runs once, to give the result its shape.
      for (let start = 0; start === 0 || start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const out = this.forward(rowsOf(xs, start, end), { training: false, workspaces, logits: false, losses: null });
        // Outputs may live in reused buffers: the result is always a copy.
        result ??= emptyTensor([n, ...out.shape.slice(1)]);
        if (n === 0) break;
        (result.storage as Float32Array).set(contiguous(out.detach()).storage, start * (result.size / n));
      }
      return result!;
    });
  }

  /**
   * Like {@link Model.predict}, off the main thread: the forward pass runs natively on a worker
   * thread over a copy of the weights taken when it is called, so the event loop stays free and a
   * training step that runs meanwhile (`fit` on the same model) cannot change or tear the result.
   * The result equals `predict(x)` exactly.
   * ```ts
   * const probabilities = await model.predictAsync(xTest);
   * ```
   * Models of Dense, Activation, Dropout, Flatten and Reshape layers (with built-in elementwise
   * activations, softmax over the last axis, Dense on 2-D rows) run this way. A model with other
   * layers (custom layers or activation functions) runs `predict` on the main thread after yielding
   * to the event loop once: that blocks the loop for the whole prediction, and reads the weights as
   * they are then. Concurrent predictions run one at a time on the worker, each on one thread.
   * `batchSize` is checked but does not matter: the worker takes up to 4 MB of input per pass. The
   * input of a larger call is read a pass at a time: do not modify it until the promise settles.
   */
  async predictAsync(x: TensorLike, options: PredictOptions = {}): Promise<Tensor> {
    const where = 'predictAsync';
    const o = checkOptions<PredictOptions>(where, options, ['batchSize']);
    // Results do not depend on the batch size (only checked).
    if (o.batchSize !== undefined) checkPositiveInteger(where, 'batchSize', o.batchSize);
    const xs = this.inputTensor(where, 'x', x);
    const n = xs.shape[0];
    const sampleShape = xs.shape.slice(1);
    const plan = this.inferencePlan(sampleShape);
    const width = sampleShape.reduce((a, b) => a * b, 1);
    if (plan === null || width === 0) {
      await yieldToEventLoop();
      return this.predict(xs, options);
    }
    const input = xs.storage as Float32Array;
    const chunkRows = Math.max(1, Math.floor(PREDICT_CHUNK_FLOATS / width));
    if (n <= chunkRows) {
      // The binding copies the input and the weights before it returns: the snapshot is taken here.
      const output = await binding.forwardAsync(plan.steps, input, n, width);
      return makeTensor(output, [n, ...plan.outputSampleShape]);
    }
    // A large input goes in chunks, so the calling thread never spends long copying (a fresh
    // buffer of hundreds of MB takes a good fraction of a second to fault in). The weights are
    // copied here, once: every chunk uses the same snapshot.
    const steps = plan.steps.map((step) => (step.kind === 'dense' ? { ...step, kernel: step.kernel.slice(), bias: step.bias === null ? null : step.bias.slice() } : step));
    let result: Float32Array | null = null;
    for (let start = 0; start < n; start += chunkRows) {
      const end = Math.min(n, start + chunkRows);
      const output = await binding.forwardAsync(steps, input.subarray(start * width, end * width), end - start, width);
      result ??= new Float32Array(n * (output.length / (end - start)));
      result.set(output, start * (result.length / n));
    }
    return makeTensor(result!, [n, ...plan.outputSampleShape]);
  }

  /**
   * @internal The forwardAsync steps computing this model's inference for samples of `sampleShape`,
   * or null when the model has none (then predictAsync runs on the main thread).
   */
  protected inferencePlan(_sampleShape: readonly number[]): InferencePlan | null {
    return null;
  }

  /**
   * One training step on one batch, synchronously (for custom loops: GANs, reinforcement learning).
   * Returns the batch's loss and metrics: `{ loss, ... }`. A non-finite loss is returned, not thrown.
   */
  trainOnBatch(x: TensorLike, y: TensorLike, options?: TrainOnBatchOptions): EvaluationResult {
    const where = 'trainOnBatch';
    const state = this.requireCompiled(where);
    let weights: Float32Array | null = null;
    const xs = this.inputTensor(where, 'x', x);
    const ys = this.targetTensor(where, 'y', y, xs.shape[0]);
    if (options !== undefined) {
      const o = checkOptions<TrainOnBatchOptions>(where, options, ['sampleWeight', 'classWeight']);
      weights = this.sampleWeights(where, ys, o.sampleWeight, o.classWeight);
    }
    if (!state.ready) this.prepare(where);
    const metrics = state.trainMetrics;
    for (let i = 0; i < metrics.length; i++) metrics[i].reset();
    const value = this.trainStep(state, xs, ys, weights, false, metrics);
    const logs: Logs = { loss: value };
    for (let i = 0; i < metrics.length; i++) logs[metrics[i].name] = metrics[i].result();
    return logs;
  }

  /**
   * Applies the model to a batch with autograd (for custom training loops: `model.apply(x)` then a
   * loss, `backward()`, and an optimizer step). Builds the model on first use.
   * @param options `training: true` for training behaviour (dropout)
   */
  apply(x: TensorLike, options: { training?: boolean } = {}): Tensor {
    const where = `${this.name}.apply`;
    const o = checkOptions<{ training?: boolean }>(where, options, ['training']);
    const training = o.training === undefined ? false : checkBoolean(where, 'training', o.training);
    const xs = this.inputTensor(where, 'x', x);
    return this.forward(xs, { training, workspaces: null, logits: false, losses: null });
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A final activation a cross-entropy can fold in: sigmoid, or softmax over the last axis. */
function foldable(activation: Activation): boolean {
  if (activation.name === 'sigmoid') return true;
  return activation.name === 'softmax' && activation.getConfig().axis === undefined;
}

/** Rows [start, end) of a contiguous tensor, as a view. */
function rowsOf(t: Tensor, start: number, end: number): Tensor {
  if (start === 0 && end === t.shape[0]) return t;
  const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  return makeTensor(t.storage.subarray(start * row, end * row), [end - start, ...t.shape.slice(1)]);
}

/** Gathers shuffled batches into buffers reused from one step to the next. */
class BatchGatherer {
  private readonly buffers = new Map<string, TypedStorage>();
  private weights: Float32Array | null = null;

  private buffer(key: string, dtype: 'float32' | 'int32', length: number): TypedStorage {
    const full = `${key}:${length}`;
    let buffer = this.buffers.get(full);
    if (buffer === undefined) {
      buffer = dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
      this.buffers.set(full, buffer);
    }
    return buffer;
  }

  gather(key: string, t: Tensor, order: Int32Array, start: number, end: number): Tensor {
    const rows = end - start;
    const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
    const target = this.buffer(key, t.dtype, rows * row);
    const source = t.storage;
    if (row === 1) {
      for (let i = 0; i < rows; i++) target[i] = source[order[start + i]];
    } else {
      for (let i = 0; i < rows; i++) {
        const from = order[start + i] * row;
        target.set(source.subarray(from, from + row), i * row);
      }
    }
    return makeTensor(target, [rows, ...t.shape.slice(1)]);
  }

  gatherWeights(weights: Float32Array, order: Int32Array, start: number, end: number): Float32Array {
    const rows = end - start;
    if (this.weights === null || this.weights.length < rows) this.weights = new Float32Array(rows);
    const target = this.weights.subarray(0, rows);
    for (let i = 0; i < rows; i++) target[i] = weights[order[start + i]];
    return target;
  }
}

/** Validates `classWeight`: an object of class index → weight >= 0. */
function classWeightTable(where: string, value: unknown): Map<number, number> {
  const object = checkObject(where, 'classWeight', value);
  const table = new Map<number, number>();
  for (const [key, weight] of Object.entries(object)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || String(index) !== key) valueError(where, `classWeight key ${JSON.stringify(key)}`, 'a class index (an integer >= 0)', key);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) valueError(where, `classWeight[${key}]`, 'a finite number >= 0', weight);
    table.set(index, weight);
  }
  if (table.size === 0) throw new ValueError(`${where}: classWeight is empty; give a weight per class, e.g. { 0: 1, 1: 3 }`);
  return table;
}

/**
 * The class of each sample for classWeight: integer labels as they are, one-hot rows by their
 * arg-max, a single output by rounding (0/1).
 */
function classLabels(where: string, y: Tensor): Int32Array {
  const samples = y.shape[0];
  const values = y.storage;
  const labels = new Int32Array(samples);
  const row = samples === 0 ? 0 : y.size / samples;
  for (let i = 0; i < samples; i++) {
    if (row === 1) {
      const v = values[i];
      const label = Math.round(v);
      if (!Number.isFinite(v) || Math.abs(v - label) > 1e-6) {
        throw new ValueError(`${where}: classWeight needs class labels in y, got ${describe(v)} at sample ${i}`);
      }
      labels[i] = label;
    } else {
      let best = 0;
      for (let c = 1; c < row; c++) if (values[i * row + c] > values[i * row + best]) best = c;
      labels[i] = best;
    }
  }
  return labels;
}
