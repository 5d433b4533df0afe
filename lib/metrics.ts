/**
 * Metrics: what `compile({ metrics })` reports per epoch for training and validation.
 *
 * A metric keeps running totals over the batches of an epoch (`update`), and `result()` gives the
 * value so far; `reset()` starts over. They run on the predictions' typed arrays, outside autograd.
 * `update(yTrue, yPred, sampleWeight)` takes optional weights as Keras does (a scalar, one per
 * sample, or one per row: `[batch, steps]` for sequences); a weighted mean divides by the weights' sum.
 * Names: `'accuracy'` (or `'acc'`: binary, categorical or sparse-categorical accuracy chosen from the
 * loss as Keras does), `'crossentropy'` (or `'ce'`, chosen the same way, as in TensorFlow.js),
 * `'binaryAccuracy'`, `'categoricalAccuracy'`, `'sparseCategoricalAccuracy'`,
 * `'topKCategoricalAccuracy'`, `'sparseTopKCategoricalAccuracy'`, `'precision'`, `'recall'`, `'auc'`
 * (binary tasks), `'r2Score'`, and every loss by its name (`'mse'`, `'mae'`, `'mape'`, `'msle'`,
 * `'binaryCrossentropy'`, `'hinge'`, `'logCosh'`, `'kld'`, `'poisson'`, `'cosineSimilarity'`...: the mean
 * per-sample loss); the Keras and TensorFlow.js spellings in lib/aliases.ts; objects from the
 * factories (`dn.metrics.precision({ threshold })`); or any function `(yTrue, yPred) => Tensor`
 * (averaged over batches, weighted by batch size).
 */
import { ShapeError, ValueError } from './errors.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { noGrad } from './autograd/engine.js';
import { contiguous } from './ops/shape.js';
import {
  checkBoolean, checkChoice, checkInteger, checkObject, checkOptions, checkRange, checkString, formatShape, didYouMean, typeError,
} from './validate.js';
import { acceptedNames, ownEntry, resolveName } from './aliases.js';
import { rowWeights } from './losses/loss.js';
import { get as getLossByName, type Loss } from './losses/index.js';

/** The base class of metrics. */
export abstract class Metric {
  /** The registered class name ('BinaryAccuracy', 'AUC', ...). */
  abstract readonly className: string;
  /** The key in logs and History (`'accuracy'`, `'val_accuracy'` for validation). */
  readonly name: string;

  protected constructor(name: string) {
    this.name = name;
  }

  /** Forgets everything seen (the model calls it at the start of each epoch). */
  abstract reset(): void;
  /**
   * Adds a batch: targets and predictions (probabilities for classifiers), and optionally weights:
   * a scalar, one per sample (`[batch]`), or one per position of the predictions' leading axes
   * (`[batch, steps]`). A model passes a masked output's mask here (0 for padded steps), so metrics
   * count the valid positions only, as Keras does.
   */
  abstract update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void;
  /** The metric over everything seen since the last reset (NaN before any data). */
  abstract result(): number;

  /** The options that rebuild this metric (plain JSON). */
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

function floatsOf(t: Tensor): ArrayLike<number> {
  return contiguous(t.detach()).storage;
}

/** Checks that targets and predictions have the same number of elements (a [n] vs [n, 1] pair is fine). */
function checkSameSize(where: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.size !== yPred.size) {
    throw new ShapeError(`${where}: yTrue and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
  }
}

/** How predictions split into rows (one value each). */
interface Rows {
  rows: number;
  cols: number;
  /** The shape of the per-row values (what a per-row sample weight has). */
  rowShape: number[];
}

/** Rows over the last axis (each element of a vector is a row): the regression metrics' rows. */
function elementRows(yPred: Tensor): Rows {
  if (yPred.rank <= 1) return { rows: yPred.size, cols: 1, rowShape: [yPred.size] };
  const cols = yPred.shape[yPred.rank - 1];
  return { rows: cols === 0 ? 0 : yPred.size / cols, cols, rowShape: yPred.shape.slice(0, -1) };
}

/** Every element its own row (binary accuracy, precision, recall, AUC: weights broadcast to the predictions). */
function eachElement(yPred: Tensor): Rows {
  return { rows: yPred.size, cols: 1, rowShape: yPred.rank === 0 ? [1] : yPred.shape.slice() };
}

/** Rows over a class axis (the last): a vector is one row. */
function classRows(where: string, yPred: Tensor): Rows {
  if (yPred.rank === 0) throw new ShapeError(`${where}: yPred must have a class axis, got a rank-0 tensor`);
  const cols = yPred.shape[yPred.rank - 1];
  return { rows: cols === 0 ? 0 : yPred.size / cols, cols, rowShape: yPred.shape.slice(0, -1) };
}

/** One weight per row, or null when no weights were given. */
function weightsFor(where: string, sampleWeight: TensorLike | null | undefined, rows: Rows): Float32Array | null {
  return sampleWeight === undefined || sampleWeight === null ? null : rowWeights(where, sampleWeight, rows.rowShape);
}

/** The values of one batch: one per row, with the rows' shape (for per-row weights). */
interface RowValues {
  values: ArrayLike<number>;
  rows: Rows;
}

/** A weighted mean over rows of a per-row value (Keras' MeanMetricWrapper). */
abstract class MeanOverRows extends Metric {
  private total = 0;
  private count = 0;

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  /** The batch's per-row values. */
  protected abstract rowValues(yTrue: Tensor, yPred: Tensor): RowValues;

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    const { values, rows } = this.rowValues(yTrue, yPred);
    const weights = weightsFor(this.name, sampleWeight, rows);
    for (let r = 0; r < rows.rows; r++) {
      const w = weights === null ? 1 : weights[r];
      this.total += w * values[r];
      this.count += w;
    }
  }

  result(): number {
    return this.count === 0 ? Number.NaN : this.total / this.count;
  }
}

// --- accuracy -----------------------------------------------------------------------------------

/** Options of {@link binaryAccuracy}. */
export interface BinaryAccuracyOptions {
  /** The name in logs. Default 'binaryAccuracy'. */
  name?: string;
  /** A prediction above this counts as 1. Default 0.5. */
  threshold?: number;
}

/** The fraction of elements where `yPred > threshold` equals `yTrue` (0/1); weights broadcast over the elements, as in Keras 3. */
export class BinaryAccuracy extends MeanOverRows {
  readonly className = 'BinaryAccuracy';
  readonly threshold: number;

  constructor(options: BinaryAccuracyOptions = {}) {
    const o = checkOptions<BinaryAccuracyOptions>('binaryAccuracy', options, ['name', 'threshold']);
    super(o.name === undefined ? 'binaryAccuracy' : checkString('binaryAccuracy', 'name', o.name));
    this.threshold = o.threshold === undefined ? 0.5 : checkRange('binaryAccuracy', 'threshold', o.threshold, 0, 1);
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const values = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) values[i] = (p[i] > this.threshold ? 1 : 0) === (t[i] > 0.5 ? 1 : 0) ? 1 : 0;
    return { values, rows: eachElement(yPred) };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), threshold: this.threshold };
  }
}

/** The fraction of rows where the arg-max of `yPred` is the arg-max of the one-hot `yTrue`. */
export class CategoricalAccuracy extends MeanOverRows {
  readonly className = 'CategoricalAccuracy';

  constructor(options: { name?: string } = {}) {
    const o = checkOptions<{ name?: string }>('categoricalAccuracy', options, ['name']);
    super(o.name === undefined ? 'categoricalAccuracy' : checkString('categoricalAccuracy', 'name', o.name));
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    checkOneHot(this.name, yTrue, yPred);
    const rows = classRows(this.name, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const values = new Float64Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) values[r] = argmaxRow(p, r * rows.cols, rows.cols) === argmaxRow(t, r * rows.cols, rows.cols) ? 1 : 0;
    return { values, rows };
  }
}

/** Checks one-hot targets against predictions of the same shape. */
function checkOneHot(where: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.rank !== yPred.rank || !yTrue.shape.every((d, i) => d === yPred.shape[i]) || yPred.rank === 0) {
    throw new ShapeError(`${where}: yTrue (one-hot) and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
  }
}

/** Checks integer labels, one per row of `yPred`; returns the rows. */
function checkLabels(where: string, yTrue: Tensor, yPred: Tensor): Rows {
  const rows = classRows(where, yPred);
  if (yTrue.size !== rows.rows) {
    throw new ShapeError(`${where}: yTrue must hold one label per row of yPred ${formatShape(yPred.shape)}, got shape ${formatShape(yTrue.shape)}`);
  }
  return rows;
}

/** The fraction of rows where the arg-max of `yPred` equals the integer label in `yTrue`. */
export class SparseCategoricalAccuracy extends MeanOverRows {
  readonly className = 'SparseCategoricalAccuracy';

  constructor(options: { name?: string } = {}) {
    const o = checkOptions<{ name?: string }>('sparseCategoricalAccuracy', options, ['name']);
    super(o.name === undefined ? 'sparseCategoricalAccuracy' : checkString('sparseCategoricalAccuracy', 'name', o.name));
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    const rows = checkLabels(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const values = new Float64Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) values[r] = argmaxRow(p, r * rows.cols, rows.cols) === t[r] ? 1 : 0;
    return { values, rows };
  }
}

/** The index of the first maximum of `values[start .. start + length)` (NaN counts as the maximum). */
function argmaxRow(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  let bestValue = values[start];
  if (Number.isNaN(bestValue)) return 0;
  for (let c = 1; c < length; c++) {
    const v = values[start + c];
    if (Number.isNaN(v)) return c;
    if (v > bestValue) {
      best = c;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Whether class `label` is among the `k` highest of `values[start .. start + length)`: fewer than k
 * classes score strictly higher (so ties at the boundary count as in, as TensorFlow's in_top_k and
 * Keras 3 do). A NaN score is never in.
 */
function inTopK(values: ArrayLike<number>, start: number, length: number, label: number, k: number): boolean {
  if (!Number.isInteger(label) || label < 0 || label >= length) return false;
  const score = values[start + label];
  if (Number.isNaN(score)) return false;
  let higher = 0;
  for (let c = 0; c < length; c++) if (values[start + c] > score) higher++;
  return higher < k;
}

/** Options of {@link topKCategoricalAccuracy}. */
export interface TopKOptions {
  /** The name in logs. */
  name?: string;
  /** How many of the highest-scoring classes count as a hit. Default 5 (Keras). */
  k?: number;
}

function checkK(where: string, value: unknown): number {
  return value === undefined ? 5 : checkInteger(where, 'k', value, 1, Number.MAX_SAFE_INTEGER);
}

/** The fraction of rows whose true class (the arg-max of one-hot `yTrue`) is among the `k` highest predictions (Keras `TopKCategoricalAccuracy`). */
export class TopKCategoricalAccuracy extends MeanOverRows {
  readonly className = 'TopKCategoricalAccuracy';
  readonly k: number;

  constructor(options: TopKOptions = {}) {
    const where = 'topKCategoricalAccuracy';
    const o = checkOptions<TopKOptions>(where, options, ['name', 'k']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
    this.k = checkK(where, o.k);
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    checkOneHot(this.name, yTrue, yPred);
    const rows = classRows(this.name, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const values = new Float64Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) {
      const start = r * rows.cols;
      values[r] = inTopK(p, start, rows.cols, argmaxRow(t, start, rows.cols), this.k) ? 1 : 0;
    }
    return { values, rows };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), k: this.k };
  }
}

/** Options of {@link sparseTopKCategoricalAccuracy}. */
export interface SparseTopKOptions extends TopKOptions {
  /**
   * The predictions are already the ids of the top classes, best first (`[batch, >= k]`, e.g. from a
   * beam search), not scores (Keras `from_sorted_ids`). Default false.
   */
  fromSortedIds?: boolean;
}

/** The fraction of rows whose integer label is among the `k` highest predictions (Keras `SparseTopKCategoricalAccuracy`). */
export class SparseTopKCategoricalAccuracy extends MeanOverRows {
  readonly className = 'SparseTopKCategoricalAccuracy';
  readonly k: number;
  readonly fromSortedIds: boolean;

  constructor(options: SparseTopKOptions = {}) {
    const where = 'sparseTopKCategoricalAccuracy';
    const o = checkOptions<SparseTopKOptions>(where, options, ['name', 'k', 'fromSortedIds']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
    this.k = checkK(where, o.k);
    this.fromSortedIds = o.fromSortedIds === undefined ? false : checkBoolean(where, 'fromSortedIds', o.fromSortedIds);
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    const rows = checkLabels(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const values = new Float64Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) {
      const start = r * rows.cols;
      if (this.fromSortedIds) {
        let hit = false;
        for (let c = 0; c < Math.min(this.k, rows.cols); c++) if (p[start + c] === t[r]) hit = true;
        values[r] = hit ? 1 : 0;
      } else {
        values[r] = inTopK(p, start, rows.cols, t[r], this.k) ? 1 : 0;
      }
    }
    return { values, rows };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), k: this.k, fromSortedIds: this.fromSortedIds };
  }
}

type MetricKind = 'binary' | 'categorical' | 'sparse';

const KINDS: readonly MetricKind[] = ['binary', 'categorical', 'sparse'];

/** Options of {@link accuracy} and {@link crossentropy}. */
export interface KindOptions {
  /** The name in logs. */
  name?: string;
  /** The kind, when not chosen from the loss: 'binary', 'categorical' or 'sparse'. */
  kind?: MetricKind;
}

/**
 * A metric of three kinds (binary, categorical, sparse categorical) whose kind the model chooses
 * from the loss (binaryCrossentropy → binary, categoricalCrossentropy → categorical,
 * sparseCategoricalCrossentropy → sparse); for other losses, from the shapes at the first batch as
 * Keras does (one output → binary, labels of lower rank → sparse, else categorical).
 */
export abstract class KindFromLoss extends Metric {
  private kind: MetricKind | null;
  private inner: Metric | null = null;

  /** @param where the metric's default name, for messages */
  protected constructor(where: string, options: KindOptions) {
    const o = checkOptions<KindOptions>(where, options, ['name', 'kind']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
    this.kind = o.kind === undefined ? null : checkChoice(where, 'kind', o.kind, KINDS);
    if (this.kind !== null) this.inner = this.ofKind(this.kind);
  }

  /** A fresh metric of `kind`, logged under this metric's name. */
  protected abstract ofKind(kind: MetricKind): Metric;

  /** Which kind this is: 'binary', 'categorical', 'sparse', or null until decided. */
  get resolvedKind(): MetricKind | null {
    return this.kind;
  }

  /** @internal Fixes the kind (the model calls it from the loss). */
  resolve(kind: MetricKind): void {
    if (this.kind === kind) return;
    this.kind = kind;
    this.inner = this.ofKind(kind);
  }

  reset(): void {
    this.inner?.reset();
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    if (this.inner === null) {
      const last = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1];
      const trueLast = yTrue.rank === 0 ? 1 : yTrue.shape[yTrue.rank - 1];
      let kind: MetricKind;
      if (last === 1 || yPred.rank <= 1) kind = 'binary';
      else if (yTrue.rank < yPred.rank || (trueLast === 1 && last > 1)) kind = 'sparse';
      else kind = 'categorical';
      this.resolve(kind);
    }
    this.inner!.update(yTrue, yPred, sampleWeight);
  }

  result(): number {
    return this.inner === null ? Number.NaN : this.inner.result();
  }
}

/** `'accuracy'`: binary, categorical or sparse-categorical accuracy (see {@link KindFromLoss}). */
export class Accuracy extends KindFromLoss {
  readonly className = 'Accuracy';

  constructor(options: KindOptions = {}) {
    super('accuracy', options);
  }

  protected ofKind(kind: MetricKind): Metric {
    if (kind === 'binary') return new BinaryAccuracy({ name: this.name });
    if (kind === 'categorical') return new CategoricalAccuracy({ name: this.name });
    return new SparseCategoricalAccuracy({ name: this.name });
  }
}

/**
 * `'crossentropy'` (TensorFlow.js' metric, also `'ce'`): binary, categorical or sparse categorical
 * cross-entropy of the predicted probabilities (see {@link KindFromLoss}).
 */
export class Crossentropy extends KindFromLoss {
  readonly className = 'Crossentropy';

  constructor(options: KindOptions = {}) {
    super('crossentropy', options);
  }

  protected ofKind(kind: MetricKind): Metric {
    const loss = kind === 'binary' ? 'binaryCrossentropy' : kind === 'categorical' ? 'categoricalCrossentropy' : 'sparseCategoricalCrossentropy';
    return new LossMetric({ loss, name: this.name });
  }
}

// --- regression ---------------------------------------------------------------------------------

/**
 * The mean over samples of an elementwise error of prediction and target, each sample's errors
 * averaged over the last axis (Keras' regression metrics).
 */
abstract class MeanElementError extends MeanOverRows {
  protected constructor(where: string, options: { name?: string }) {
    const o = checkOptions<{ name?: string }>(where, options, ['name']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
  }

  /** The error of one element, from prediction minus target. */
  protected abstract error(difference: number): number;

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const rows = elementRows(yPred);
    const values = new Float64Array(rows.rows);
    for (let r = 0; r < rows.rows; r++) {
      let sum = 0;
      for (let i = r * rows.cols, end = i + rows.cols; i < end; i++) sum += this.error(p[i] - t[i]);
      values[r] = sum / rows.cols;
    }
    return { values, rows };
  }
}

/** Mean squared error over all elements (Keras' MSE metric: per-sample means, averaged). */
export class MeanSquaredErrorMetric extends MeanElementError {
  readonly className = 'MeanSquaredError';

  constructor(options: { name?: string } = {}) {
    super('meanSquaredError', options);
  }

  protected error(difference: number): number {
    return difference * difference;
  }
}

/** Mean absolute error over all elements. */
export class MeanAbsoluteErrorMetric extends MeanElementError {
  readonly className = 'MeanAbsoluteError';

  constructor(options: { name?: string } = {}) {
    super('meanAbsoluteError', options);
  }

  protected error(difference: number): number {
    return Math.abs(difference);
  }
}

/**
 * Options of a loss used as a metric: the loss (any name `dn.losses.get` takes), the name in logs,
 * and the loss's own options (`fromLogits`, `labelSmoothing`, `delta`; not `reduction`).
 */
export interface LossMetricOptions {
  loss: string;
  name?: string;
  [option: string]: unknown;
}

/**
 * A loss as a metric (Keras' MeanMetricWrapper): the weighted mean of its per-sample (per-row) value.
 * Every built-in loss is one by name (`'mape'`, `'hinge'`, `'kld'`, `'binaryCrossentropy'`...).
 */
export class LossMetric extends MeanOverRows {
  /** The loss's class name ('Hinge', 'KLDivergence', ...). */
  readonly className: string;
  /** The loss it averages. */
  readonly loss: Loss;
  private readonly lossName: string;

  constructor(options: LossMetricOptions) {
    const object = checkObject('LossMetric', 'options', options);
    const lossName = checkString('LossMetric', 'loss', object.loss);
    const where = `metrics.${lossName}`;
    const { name, loss: _loss, ...lossOptions } = object;
    if ('reduction' in lossOptions) throw new ValueError(`${where}: a metric takes no reduction (it is a weighted mean over samples)`);
    const loss = getLossByName(lossName, lossOptions);
    super(name === undefined ? loss.name : checkString(where, 'name', name));
    this.loss = loss;
    this.lossName = lossName;
    this.className = loss.className;
  }

  protected rowValues(yTrue: Tensor, yPred: Tensor): RowValues {
    const values = noGrad(() => this.loss.compute(yTrue, yPred, null, false, 'none', false));
    return { values: values.storage, rows: { rows: values.size, cols: 0, rowShape: values.rank === 0 ? [1] : values.shape.slice() } };
  }

  override getConfig(): Record<string, unknown> {
    const { reduction: _reduction, ...options } = this.loss.getConfig();
    return { ...super.getConfig(), loss: this.lossName, ...options };
  }
}

/**
 * Cosine similarity as a metric (Keras' `CosineSimilarity` metric): the mean of
 * `sum(normalize(yTrue) * normalize(yPred))` over the last axis, in [-1, 1], 1 when aligned (the loss
 * is its negative; TensorFlow.js' `cosineProximity` metric reports the loss's sign).
 */
export class CosineSimilarityMetric extends LossMetric {
  constructor(options: { name?: string } = {}) {
    super({ ...checkObject('cosineSimilarity', 'options', options), loss: 'cosineSimilarity' });
  }

  override result(): number {
    return -super.result();
  }
}

/** Options of {@link r2Score}. */
export interface R2ScoreOptions {
  /** The name in logs. Default 'r2Score'. */
  name?: string;
  /**
   * How the scores of several outputs combine: 'uniformAverage' (default, their mean) or
   * 'varianceWeightedAverage' (weighted by each output's variance), as Keras' `class_aggregation`.
   */
  classAggregation?: 'uniformAverage' | 'varianceWeightedAverage';
  /** Regressors of the model, for the adjusted R² (Keras `num_regressors`). Default 0: plain R². */
  numRegressors?: number;
}

/**
 * The coefficient of determination R² = 1 - sum((y - ŷ)²) / sum((y - mean y)²), per output over all
 * samples seen since the reset (Keras `R2Score`): 1 is a perfect fit, 0 the mean's, negative worse.
 * Targets and predictions are `[batch, outputs]` (or `[batch]`, one output).
 */
export class R2Score extends Metric {
  readonly className = 'R2Score';
  readonly classAggregation: 'uniformAverage' | 'varianceWeightedAverage';
  readonly numRegressors: number;
  private sum: Float64Array | null = null;
  private squaredSum: Float64Array | null = null;
  private residual: Float64Array | null = null;
  private weightSum: Float64Array | null = null;
  private samples = 0;

  constructor(options: R2ScoreOptions = {}) {
    const where = 'r2Score';
    const o = checkOptions<R2ScoreOptions>(where, options, ['name', 'classAggregation', 'numRegressors']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
    this.classAggregation = o.classAggregation === undefined
      ? 'uniformAverage' : checkChoice(where, 'classAggregation', o.classAggregation, ['uniformAverage', 'varianceWeightedAverage'] as const);
    this.numRegressors = o.numRegressors === undefined ? 0 : checkInteger(where, 'numRegressors', o.numRegressors, 0, Number.MAX_SAFE_INTEGER);
  }

  reset(): void {
    this.sum = this.squaredSum = this.residual = this.weightSum = null;
    this.samples = 0;
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    if (yPred.rank < 1 || yPred.rank > 2 || yTrue.rank !== yPred.rank || !yTrue.shape.every((d, i) => d === yPred.shape[i])) {
      throw new ShapeError(`${this.name}: yTrue and yPred must have the same shape [batch, outputs] (or [batch]), got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
    }
    const outputs = yPred.rank === 2 ? yPred.shape[1] : 1;
    if (this.sum === null) {
      this.sum = new Float64Array(outputs);
      this.squaredSum = new Float64Array(outputs);
      this.residual = new Float64Array(outputs);
      this.weightSum = new Float64Array(outputs);
    } else if (this.sum.length !== outputs) {
      throw new ShapeError(`${this.name}: expected ${this.sum.length} outputs as in earlier batches, got shape ${formatShape(yPred.shape)}`);
    }
    const batch = yPred.shape[0];
    const weights = sampleWeight === undefined || sampleWeight === null ? null : rowWeights(this.name, sampleWeight, [batch]);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    for (let r = 0; r < batch; r++) {
      const w = weights === null ? 1 : weights[r];
      if (w !== 0) this.samples++;
      for (let c = 0; c < outputs; c++) {
        const y = t[r * outputs + c];
        const error = y - p[r * outputs + c];
        this.sum[c] += w * y;
        this.squaredSum![c] += w * y * y;
        this.residual![c] += w * error * error;
        this.weightSum![c] += w;
      }
    }
  }

  result(): number {
    if (this.sum === null) return Number.NaN;
    const outputs = this.sum.length;
    let scoreSum = 0;
    let weightedSum = 0;
    let totalSum = 0;
    for (let c = 0; c < outputs; c++) {
      const mean = this.sum[c] / this.weightSum![c];
      const total = this.squaredSum![c] - this.sum[c] * mean;
      let score = 1 - this.residual![c] / total;
      // A constant target (total 0) scores 0, as in Keras.
      if (!Number.isFinite(score) && !Number.isNaN(score)) score = 0;
      scoreSum += score;
      weightedSum += total * score;
      totalSum += total;
    }
    let r2 = this.classAggregation === 'uniformAverage' ? scoreSum / outputs : weightedSum / totalSum;
    const n = this.samples;
    const p = this.numRegressors;
    // The adjusted score needs more samples than regressors + 1 (Keras falls back to plain R² otherwise).
    if (p !== 0 && p < n - 1) r2 = 1 - ((1 - r2) * (n - 1)) / (n - p - 1);
    return r2;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), classAggregation: this.classAggregation, numRegressors: this.numRegressors };
  }
}

// --- precision, recall, AUC (binary tasks) ------------------------------------------------------

/** Options of {@link precision} and {@link recall}. */
export interface ThresholdOptions {
  /** The name in logs. */
  name?: string;
  /** A prediction above this counts as positive. Default 0.5. */
  threshold?: number;
}

/** Calls `visit(i, weight)` for each element of `yPred`, with its weight (1 without weights). */
function forEachWeighted(where: string, yPred: Tensor, sampleWeight: TensorLike | null | undefined, visit: (i: number, weight: number) => void): void {
  const weights = weightsFor(where, sampleWeight, eachElement(yPred));
  for (let i = 0; i < yPred.size; i++) visit(i, weights === null ? 1 : weights[i]);
}

/** Counts of a thresholded binary classifier over every element (weighted). */
abstract class ConfusionCounts extends Metric {
  readonly threshold: number;
  protected truePositives = 0;
  protected falsePositives = 0;
  protected falseNegatives = 0;

  protected constructor(where: string, options: ThresholdOptions) {
    const o = checkOptions<ThresholdOptions>(where, options, ['name', 'threshold']);
    super(o.name === undefined ? where : checkString(where, 'name', o.name));
    this.threshold = o.threshold === undefined ? 0.5 : checkRange(where, 'threshold', o.threshold, 0, 1);
  }

  reset(): void {
    this.truePositives = 0;
    this.falsePositives = 0;
    this.falseNegatives = 0;
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const threshold = this.threshold;
    forEachWeighted(this.name, yPred, sampleWeight, (i, w) => {
      const predicted = p[i] > threshold;
      const actual = t[i] > 0.5;
      if (predicted && actual) this.truePositives += w;
      else if (predicted) this.falsePositives += w;
      else if (actual) this.falseNegatives += w;
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), threshold: this.threshold };
  }
}

/** Precision: true positives / predicted positives (0 when nothing is predicted positive, as in Keras). */
export class Precision extends ConfusionCounts {
  readonly className = 'Precision';
  constructor(options: ThresholdOptions = {}) {
    super('precision', options);
  }
  result(): number {
    const predicted = this.truePositives + this.falsePositives;
    return predicted === 0 ? 0 : this.truePositives / predicted;
  }
}

/** Recall: true positives / actual positives (0 when there are none, as in Keras). */
export class Recall extends ConfusionCounts {
  readonly className = 'Recall';
  constructor(options: ThresholdOptions = {}) {
    super('recall', options);
  }
  result(): number {
    const actual = this.truePositives + this.falseNegatives;
    return actual === 0 ? 0 : this.truePositives / actual;
  }
}

/** Options of {@link auc}. */
export interface AucOptions {
  /** The name in logs. Default 'auc'. */
  name?: string;
  /** Thresholds used to approximate the curve (Keras' default 200), at least 3. */
  numThresholds?: number;
  /**
   * The curve: 'ROC' (default; true positive rate against false positive rate) or 'PR' (precision
   * against recall, the more telling one when positives are rare, as in fraud detection).
   */
  curve?: 'ROC' | 'PR';
}

/**
 * Area under the ROC or precision-recall curve for binary tasks, computed as Keras does: the curve
 * is sampled at `numThresholds` evenly spaced thresholds over [0, 1] (plus one just below 0 and one
 * just above 1). The ROC curve is integrated with the trapezoid rule; the PR curve with Keras's
 * interpolation (Davis & Goadrich 2006: true and false positives vary linearly between thresholds,
 * precision does not). Predictions must be probabilities.
 */
export class AUC extends Metric {
  readonly className = 'AUC';
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  // positives[b] / negatives[b]: how many predictions have exactly b thresholds strictly below them.
  private readonly positives: Float64Array;
  private readonly negatives: Float64Array;

  constructor(options: AucOptions = {}) {
    const o = checkOptions<AucOptions>('auc', options, ['name', 'numThresholds', 'curve']);
    super(o.name === undefined ? 'auc' : checkString('auc', 'name', o.name));
    this.numThresholds = o.numThresholds === undefined ? 200 : checkInteger('auc', 'numThresholds', o.numThresholds, 3, 100_000);
    this.curve = o.curve === undefined ? 'ROC' : checkChoice('auc', 'curve', o.curve, ['ROC', 'PR'] as const);
    this.positives = new Float64Array(this.numThresholds + 1);
    this.negatives = new Float64Array(this.numThresholds + 1);
  }

  reset(): void {
    this.positives.fill(0);
    this.negatives.fill(0);
  }

  /** The number of thresholds strictly below `p`: thresholds are -eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps. */
  private bucket(p: number): number {
    const n = this.numThresholds;
    if (Number.isNaN(p) || p <= -1e-7) return 0;
    if (p > 1 + 1e-7) return n;
    const inner = Math.min(Math.max(Math.ceil(p * (n - 1)) - 1, 0), n - 2);
    return 1 + inner;
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    forEachWeighted(this.name, yPred, sampleWeight, (i, w) => {
      const b = this.bucket(p[i]);
      if (t[i] > 0.5) this.positives[b] += w;
      else this.negatives[b] += w;
    });
  }

  result(): number {
    const n = this.numThresholds;
    let totalPositives = 0;
    let totalNegatives = 0;
    for (let b = 0; b <= n; b++) {
      totalPositives += this.positives[b];
      totalNegatives += this.negatives[b];
    }
    if (totalPositives === 0 && totalNegatives === 0) return Number.NaN;
    if (this.curve === 'PR') return this.prArea(totalPositives, totalNegatives);
    // At threshold j, predictions with more than j thresholds below them are called positive.
    let tp = totalPositives - this.positives[0];
    let fp = totalNegatives - this.negatives[0];
    let previousTpr = totalPositives === 0 ? 0 : tp / totalPositives;
    let previousFpr = totalNegatives === 0 ? 0 : fp / totalNegatives;
    let area = 0;
    for (let j = 1; j < n; j++) {
      tp -= this.positives[j];
      fp -= this.negatives[j];
      const tpr = totalPositives === 0 ? 0 : tp / totalPositives;
      const fpr = totalNegatives === 0 ? 0 : fp / totalNegatives;
      area += (previousFpr - fpr) * (previousTpr + tpr) / 2;
      previousTpr = tpr;
      previousFpr = fpr;
    }
    return area;
  }

  /**
   * The PR area as Keras's `interpolate_pr_auc`: between successive thresholds A and B, true
   * positives TP and predicted positives P vary linearly, so precision TP/P integrates in closed form
   * to slope * (dTP + intercept * ln(P_A / P_B)) / positives, with slope = dTP / dP and
   * intercept = TP_B - slope * P_B (a ratio with an empty side counts as 1).
   */
  private prArea(totalPositives: number, totalNegatives: number): number {
    const n = this.numThresholds;
    if (totalPositives === 0) return 0;
    let tpA = totalPositives - this.positives[0];
    let pA = tpA + totalNegatives - this.negatives[0];
    let area = 0;
    for (let j = 1; j < n; j++) {
      const tpB = tpA - this.positives[j];
      const pB = pA - this.positives[j] - this.negatives[j];
      const dtp = tpA - tpB;
      const dp = pA - pB;
      const slope = dp > 0 ? dtp / dp : 0;
      const intercept = tpB - slope * pB;
      const ratio = pA > 0 && pB > 0 ? pA / pB : 1;
      area += (slope * (dtp + intercept * Math.log(ratio))) / totalPositives;
      tpA = tpB;
      pA = pB;
    }
    return area;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), numThresholds: this.numThresholds, curve: this.curve };
  }
}

// --- custom functions ---------------------------------------------------------------------------

/**
 * A metric function `(yTrue, yPred) => Tensor`: its mean value, averaged over batches weighted by
 * their size. With sample weights (or a mask) the function returns a scalar (counted once per weight)
 * or values the weights broadcast to (one per sample, or per position); the result is their weighted
 * mean.
 */
export class FunctionMetric extends Metric {
  readonly className = 'FunctionMetric';
  private total = 0;
  private count = 0;

  /** @param fn the function; @param name the name in logs (default: the function's name) */
  constructor(readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor, name?: string) {
    super(name ?? (fn.name || 'metric'));
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: TensorLike | null): void {
    const value = noGrad(() => this.fn(yTrue, yPred));
    if (!(value instanceof Tensor)) typeError(this.name, 'the metric function\'s result', 'a Tensor', value);
    const values = floatsOf(value);
    const batch = yPred.rank === 0 ? 1 : yPred.shape[0];
    if (sampleWeight !== undefined && sampleWeight !== null) {
      // A scalar result counts once per weight; per-sample (or per-position) results are weighted each.
      const weights = values.length === 1 ? floatsOf(toTensor(this.name, 'sampleWeight', sampleWeight)) : rowWeights(this.name, sampleWeight, value.shape);
      for (let i = 0; i < weights.length; i++) {
        this.total += weights[i] * values[values.length === 1 ? 0 : i];
        this.count += weights[i];
      }
      return;
    }
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    this.total += (values.length === 0 ? Number.NaN : sum / values.length) * batch;
    this.count += batch;
  }


  result(): number {
    return this.count === 0 ? Number.NaN : this.total / this.count;
  }
}

// --- factories and lookup -----------------------------------------------------------------------

/** `'accuracy'` with the kind chosen from the loss (see {@link Accuracy}). */
export function accuracy(options?: KindOptions): Accuracy {
  return new Accuracy(options);
}
/** `'crossentropy'` with the kind chosen from the loss (see {@link Crossentropy}). */
export function crossentropy(options?: KindOptions): Crossentropy {
  return new Crossentropy(options);
}
/** Binary accuracy at a threshold (default 0.5). */
export function binaryAccuracy(options?: BinaryAccuracyOptions): BinaryAccuracy {
  return new BinaryAccuracy(options);
}
/** Accuracy of arg-max predictions against one-hot targets. */
export function categoricalAccuracy(options?: { name?: string }): CategoricalAccuracy {
  return new CategoricalAccuracy(options);
}
/** Accuracy of arg-max predictions against integer labels. */
export function sparseCategoricalAccuracy(options?: { name?: string }): SparseCategoricalAccuracy {
  return new SparseCategoricalAccuracy(options);
}
/** Whether the true class (one-hot targets) is among the `k` (default 5) highest predictions. */
export function topKCategoricalAccuracy(options?: TopKOptions): TopKCategoricalAccuracy {
  return new TopKCategoricalAccuracy(options);
}
/** Whether the integer label is among the `k` (default 5) highest predictions. */
export function sparseTopKCategoricalAccuracy(options?: SparseTopKOptions): SparseTopKCategoricalAccuracy {
  return new SparseTopKCategoricalAccuracy(options);
}
/** Precision of a binary classifier at a threshold (default 0.5). */
export function precision(options?: ThresholdOptions): Precision {
  return new Precision(options);
}
/** Recall of a binary classifier at a threshold (default 0.5). */
export function recall(options?: ThresholdOptions): Recall {
  return new Recall(options);
}
/** Area under the ROC curve of a binary classifier. */
export function auc(options?: AucOptions): AUC {
  return new AUC(options);
}
/** The coefficient of determination R² of a regression. */
export function r2Score(options?: R2ScoreOptions): R2Score {
  return new R2Score(options);
}
/** Mean squared error as a metric. */
export function meanSquaredError(options?: { name?: string }): MeanSquaredErrorMetric {
  return new MeanSquaredErrorMetric(options);
}
/** Mean absolute error as a metric. */
export function meanAbsoluteError(options?: { name?: string }): MeanAbsoluteErrorMetric {
  return new MeanAbsoluteErrorMetric(options);
}
/** Cosine similarity (positive when aligned) as a metric. */
export function cosineSimilarity(options?: { name?: string }): CosineSimilarityMetric {
  return new CosineSimilarityMetric(options);
}

/** Options of a loss used as a metric: the name in logs and the loss's own options. */
export type LossAsMetricOptions = { name?: string } & Record<string, unknown>;

/** Mean absolute percentage error as a metric. */
export function meanAbsolutePercentageError(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'meanAbsolutePercentageError' });
}
/** Mean squared logarithmic error as a metric. */
export function meanSquaredLogarithmicError(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'meanSquaredLogarithmicError' });
}
/** Huber loss as a metric (`delta` as the loss's). */
export function huber(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'huber' });
}
/** Binary cross-entropy as a metric (`fromLogits`, `labelSmoothing` as the loss's). */
export function binaryCrossentropy(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'binaryCrossentropy' });
}
/** Categorical cross-entropy as a metric (`fromLogits`, `labelSmoothing` as the loss's). */
export function categoricalCrossentropy(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'categoricalCrossentropy' });
}
/** Sparse categorical cross-entropy as a metric (`fromLogits` as the loss's). */
export function sparseCategoricalCrossentropy(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'sparseCategoricalCrossentropy' });
}
/** Hinge loss as a metric. */
export function hinge(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'hinge' });
}
/** Squared hinge loss as a metric. */
export function squaredHinge(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'squaredHinge' });
}
/** Categorical hinge loss as a metric. */
export function categoricalHinge(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'categoricalHinge' });
}
/** Log-cosh error as a metric. */
export function logCosh(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'logCosh' });
}
/** Kullback-Leibler divergence as a metric. */
export function kullbackLeiblerDivergence(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'kullbackLeiblerDivergence' });
}
/** Poisson loss as a metric. */
export function poisson(options?: LossAsMetricOptions): LossMetric {
  return new LossMetric({ ...options, loss: 'poisson' });
}

/** The losses whose metric is their plain weighted mean ({@link LossMetric}); mse, mae and cosine similarity have their own classes. */
const LOSS_METRICS = [
  'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'huber', 'binaryCrossentropy', 'categoricalCrossentropy',
  'sparseCategoricalCrossentropy', 'hinge', 'squaredHinge', 'categoricalHinge', 'logCosh', 'kullbackLeiblerDivergence', 'poisson',
] as const;

/**
 * Fresh metrics by canonical name, each logged under the name it was asked by (`'acc'` logs as
 * `acc`, as in Keras); the Keras and TensorFlow.js spellings are in lib/aliases.ts.
 */
const metricFactories: Record<string, (name: string) => Metric> = {
  accuracy: (name) => new Accuracy({ name }),
  crossentropy: (name) => new Crossentropy({ name }),
  binaryAccuracy: (name) => new BinaryAccuracy({ name }),
  categoricalAccuracy: (name) => new CategoricalAccuracy({ name }),
  sparseCategoricalAccuracy: (name) => new SparseCategoricalAccuracy({ name }),
  topKCategoricalAccuracy: (name) => new TopKCategoricalAccuracy({ name }),
  sparseTopKCategoricalAccuracy: (name) => new SparseTopKCategoricalAccuracy({ name }),
  precision: (name) => new Precision({ name }),
  recall: (name) => new Recall({ name }),
  auc: (name) => new AUC({ name }),
  r2Score: (name) => new R2Score({ name }),
  meanSquaredError: (name) => new MeanSquaredErrorMetric({ name }),
  meanAbsoluteError: (name) => new MeanAbsoluteErrorMetric({ name }),
  cosineSimilarity: (name) => new CosineSimilarityMetric({ name }),
  ...Object.fromEntries(LOSS_METRICS.map((loss) => [loss, (name: string) => new LossMetric({ loss, name })])),
};

/** The metric names `compile({ metrics })` accepts: the canonical ones and the short forms (all spellings: lib/aliases.ts). */
export const METRIC_NAMES: readonly string[] = [
  'accuracy', 'acc', ...Object.keys(metricFactories).filter((name) => name !== 'accuracy'), 'ce', 'mse', 'mae', 'mape', 'msle', 'kld',
];

/** What `compile({ metrics })` accepts for one metric. */
export type MetricIdentifier = string | Metric | ((yTrue: Tensor, yPred: Tensor) => Tensor);

/**
 * A fresh metric from a name (its logged name is the name given: `'acc'` logs as `acc`), a metric
 * object (its class rebuilt from its config, so training and validation keep separate totals), or a
 * function. An unknown name is a ValueError listing the valid ones.
 */
export function getMetric(identifier: MetricIdentifier, where = 'getMetric'): Metric {
  if (typeof identifier === 'string') {
    const resolved = resolveName('metric', identifier, metricFactories);
    if (resolved === undefined) {
      throw new ValueError(
        `${where}: unknown metric '${identifier}'${didYouMean(identifier, acceptedNames('metric', metricFactories))}; expected one of ${METRIC_NAMES.map((n) => `'${n}'`).join(', ')}, a metric object or a function`,
      );
    }
    return metricFactories[resolved.name](identifier);
  }
  if (typeof identifier === 'function') return new FunctionMetric(identifier);
  if (identifier instanceof Metric) {
    if (identifier instanceof FunctionMetric) return new FunctionMetric(identifier.fn, identifier.name);
    const MetricClass = identifier.constructor as new (options: Record<string, unknown>) => Metric;
    return new MetricClass(identifier.getConfig());
  }
  return typeError(where, 'metric', `a metric name (${METRIC_NAMES.join(', ')}), a metric object or a function`, identifier);
}

// --- serialization (saved models) ---------------------------------------------------------------

/** The serialized form of a metric: its class name and its getConfig(). */
export interface MetricConfig {
  className: string;
  config: Record<string, unknown>;
}

/** Builders of the metrics a saved model can name, by class name (a function metric cannot be saved). */
const METRIC_CLASSES: Record<string, (config: never) => Metric> = {
  ...Object.fromEntries(LOSS_METRICS.map((loss) => [getLossByName(loss).className, (config: Record<string, unknown>) => new LossMetric({ ...config, loss })])),
  ...Object.fromEntries(LOSS_METRICS.map((loss) => [getLossByName(loss).className, (config: Record<string, unknown>) => new LossMetric({ ...config, loss })])),
  Accuracy: (config) => new Accuracy(config), Crossentropy: (config) => new Crossentropy(config),
  BinaryAccuracy: (config) => new BinaryAccuracy(config), CategoricalAccuracy: (config) => new CategoricalAccuracy(config),
  SparseCategoricalAccuracy: (config) => new SparseCategoricalAccuracy(config),
  TopKCategoricalAccuracy: (config) => new TopKCategoricalAccuracy(config),
  SparseTopKCategoricalAccuracy: (config) => new SparseTopKCategoricalAccuracy(config),
  Precision: (config) => new Precision(config), Recall: (config) => new Recall(config), AUC: (config) => new AUC(config),
  MeanSquaredError: (config) => new MeanSquaredErrorMetric(config), MeanAbsoluteError: (config) => new MeanAbsoluteErrorMetric(config),
  R2Score: (config) => new R2Score(config), CosineSimilarity: (config) => new CosineSimilarityMetric(config),
};

/** `{ className, config }` for a built-in metric; null for a function metric (which cannot be saved). */
export function serializeMetric(metric: Metric): MetricConfig | null {
  if (!(metric instanceof Metric)) typeError('serializeMetric', 'metric', 'a Metric', metric);
  return ownEntry(METRIC_CLASSES, metric.className) === undefined ? null : { className: metric.className, config: metric.getConfig() };
}

/** Rebuilds a metric from {@link serializeMetric}'s output. An unknown class name lists the known ones. */
export function deserializeMetric(value: unknown, where = 'deserializeMetric'): Metric {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) typeError(where, 'metric', 'an object { className, config }', value);
  const { className, config } = value as Record<string, unknown>;
  if (typeof className !== 'string') typeError(where, 'metric.className', 'a string', className);
  const MetricType = ownEntry(METRIC_CLASSES, className);
  if (MetricType === undefined) {
    const known = Object.keys(METRIC_CLASSES);
    throw new ValueError(`${where}: unknown metric class '${className}'${didYouMean(className, known)}; known: ${known.join(', ')}`);
  }
  if (config !== undefined && (config === null || typeof config !== 'object' || Array.isArray(config))) typeError(where, 'metric.config', 'an object', config);
  return MetricType((config ?? {}) as never);
}
