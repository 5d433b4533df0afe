/**
 * Metrics: what `compile({ metrics })` reports per epoch for training and validation.
 *
 * A metric keeps running totals over the batches of an epoch (`update`), and `result()` gives the
 * value so far; `reset()` starts over. They run on the predictions' typed arrays, outside autograd.
 * Names: `'accuracy'` (or `'acc'`: binary, categorical or sparse-categorical accuracy chosen from the
 * loss as Keras does), `'binaryAccuracy'`, `'categoricalAccuracy'`, `'sparseCategoricalAccuracy'`,
 * `'precision'`, `'recall'`, `'auc'` (binary tasks), `'mse'`/`'meanSquaredError'`,
 * `'mae'`/`'meanAbsoluteError'`; objects from the factories (`dn.metrics.precision({ threshold })`);
 * or any function `(yTrue, yPred) => Tensor` (averaged over batches, weighted by batch size).
 */
import { ShapeError, ValueError } from './errors.js';
import { Tensor } from './tensor.js';
import { noGrad } from './autograd/engine.js';
import { contiguous } from './ops/shape.js';
import { checkChoice, checkInteger, checkOptions, checkRange, checkString, formatShape, didYouMean, typeError } from './validate.js';
import { acceptedNames, ownEntry, resolveName } from './aliases.js';

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
   * Adds a batch: targets and predictions (probabilities for classifiers). A `mask` over the leading
   * axes of the predictions (`[batch, steps]` of 0 and 1 for a masked sequence output) leaves out the
   * positions where it is 0.
   */
  abstract update(yTrue: Tensor, yPred: Tensor, mask?: Tensor | null): void;
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

/**
 * The weight (0 or 1) of entry i of `entries` laid out over a mask's positions (each mask entry covers
 * the same number of consecutive entries: the classes or features of a position), or null without a mask.
 */
function maskReader(where: string, mask: Tensor | null | undefined, entries: number): ((i: number) => number) | null {
  if (mask === null || mask === undefined) return null;
  const values = floatsOf(mask);
  const n = values.length;
  if (n === 0 ? entries !== 0 : entries % n !== 0) {
    throw new ShapeError(`${where}: the mask has shape ${formatShape(mask.shape)}, which does not cover the ${entries} entries of the predictions evenly`);
  }
  const per = n === 0 ? 1 : entries / n;
  return per === 1 ? (i) => values[i] : (i) => values[Math.floor(i / per)];
}

/** A mean over samples of a per-sample value. */
abstract class MeanOverRows extends Metric {
  private total = 0;
  private count = 0;

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  /** Adds the batch's per-row values (rows where the mask is 0 left out); returns [sum, rows counted]. */
  protected abstract batch(yTrue: Tensor, yPred: Tensor, mask: Tensor | null): [number, number];

  update(yTrue: Tensor, yPred: Tensor, mask: Tensor | null = null): void {
    const [sum, rows] = this.batch(yTrue, yPred, mask);
    this.total += sum;
    this.count += rows;
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

/** The fraction of elements where `yPred > threshold` equals `yTrue` (0/1). */
export class BinaryAccuracy extends MeanOverRows {
  readonly className = 'BinaryAccuracy';
  readonly threshold: number;

  constructor(options: BinaryAccuracyOptions = {}) {
    const o = checkOptions<BinaryAccuracyOptions>('binaryAccuracy', options, ['name', 'threshold']);
    super(o.name === undefined ? 'binaryAccuracy' : checkString('binaryAccuracy', 'name', o.name));
    this.threshold = o.threshold === undefined ? 0.5 : checkRange('binaryAccuracy', 'threshold', o.threshold, 0, 1);
  }

  protected batch(yTrue: Tensor, yPred: Tensor, mask: Tensor | null): [number, number] {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const threshold = this.threshold;
    const weight = maskReader(this.name, mask, p.length);
    let correct = 0;
    let counted = 0;
    for (let i = 0; i < p.length; i++) {
      const w = weight === null ? 1 : weight(i);
      if (w === 0) continue;
      counted += w;
      if ((p[i] > threshold ? 1 : 0) === (t[i] > 0.5 ? 1 : 0)) correct += w;
    }
    return [correct, counted];
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

  protected batch(yTrue: Tensor, yPred: Tensor, mask: Tensor | null): [number, number] {
    if (yTrue.rank !== yPred.rank || !yTrue.shape.every((d, i) => d === yPred.shape[i]) || yPred.rank === 0) {
      throw new ShapeError(`${this.name}: yTrue (one-hot) and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
    }
    const cols = yPred.shape[yPred.rank - 1];
    const rows = cols === 0 ? 0 : yPred.size / cols;
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const weight = maskReader(this.name, mask, rows);
    let correct = 0;
    let counted = 0;
    for (let r = 0; r < rows; r++) {
      const w = weight === null ? 1 : weight(r);
      if (w === 0) continue;
      counted += w;
      if (argmaxRow(p, r * cols, cols) === argmaxRow(t, r * cols, cols)) correct += w;
    }
    return [correct, counted];
  }
}

/** The fraction of rows where the arg-max of `yPred` equals the integer label in `yTrue`. */
export class SparseCategoricalAccuracy extends MeanOverRows {
  readonly className = 'SparseCategoricalAccuracy';

  constructor(options: { name?: string } = {}) {
    const o = checkOptions<{ name?: string }>('sparseCategoricalAccuracy', options, ['name']);
    super(o.name === undefined ? 'sparseCategoricalAccuracy' : checkString('sparseCategoricalAccuracy', 'name', o.name));
  }

  protected batch(yTrue: Tensor, yPred: Tensor, mask: Tensor | null): [number, number] {
    if (yPred.rank === 0) throw new ShapeError(`${this.name}: yPred must have a class axis, got a rank-0 tensor`);
    const cols = yPred.shape[yPred.rank - 1];
    const rows = cols === 0 ? 0 : yPred.size / cols;
    if (yTrue.size !== rows) {
      throw new ShapeError(`${this.name}: yTrue must hold one label per row of yPred ${formatShape(yPred.shape)}, got shape ${formatShape(yTrue.shape)}`);
    }
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const weight = maskReader(this.name, mask, rows);
    let correct = 0;
    let counted = 0;
    for (let r = 0; r < rows; r++) {
      const w = weight === null ? 1 : weight(r);
      if (w === 0) continue;
      counted += w;
      if (argmaxRow(p, r * cols, cols) === t[r]) correct += w;
    }
    return [correct, counted];
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

type AccuracyKind = 'binary' | 'categorical' | 'sparse';

/**
 * `'accuracy'`: binary, categorical or sparse-categorical accuracy. The model chooses from the loss
 * (binaryCrossentropy → binary, categoricalCrossentropy → categorical, sparseCategoricalCrossentropy
 * → sparse); for other losses, from the shapes at the first batch as Keras does (one output → binary,
 * labels of lower rank → sparse, else categorical).
 */
export class Accuracy extends Metric {
  readonly className = 'Accuracy';
  private kind: AccuracyKind | null;
  private inner: MeanOverRows | null = null;

  constructor(options: { name?: string; kind?: AccuracyKind } = {}) {
    const o = checkOptions<{ name?: string; kind?: AccuracyKind }>('accuracy', options, ['name', 'kind']);
    super(o.name === undefined ? 'accuracy' : checkString('accuracy', 'name', o.name));
    this.kind = o.kind ?? null;
    if (this.kind !== null) this.inner = accuracyOfKind(this.kind, this.name);
  }

  /** Which accuracy this is: 'binary', 'categorical', 'sparse', or null until decided. */
  get resolvedKind(): AccuracyKind | null {
    return this.kind;
  }

  /** @internal Fixes the kind (the model calls it from the loss). */
  resolve(kind: AccuracyKind): void {
    if (this.kind === kind) return;
    this.kind = kind;
    this.inner = accuracyOfKind(kind, this.name);
  }

  reset(): void {
    this.inner?.reset();
  }

  update(yTrue: Tensor, yPred: Tensor, mask: Tensor | null = null): void {
    if (this.inner === null) {
      const last = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1];
      const trueLast = yTrue.rank === 0 ? 1 : yTrue.shape[yTrue.rank - 1];
      let kind: AccuracyKind;
      if (last === 1 || yPred.rank <= 1) kind = 'binary';
      else if (yTrue.rank < yPred.rank || (trueLast === 1 && last > 1)) kind = 'sparse';
      else kind = 'categorical';
      this.resolve(kind);
    }
    this.inner!.update(yTrue, yPred, mask);
  }

  result(): number {
    return this.inner === null ? Number.NaN : this.inner.result();
  }
}

function accuracyOfKind(kind: AccuracyKind, name: string): MeanOverRows {
  if (kind === 'binary') return new BinaryAccuracy({ name });
  if (kind === 'categorical') return new CategoricalAccuracy({ name });
  return new SparseCategoricalAccuracy({ name });
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

  protected batch(yTrue: Tensor, yPred: Tensor, mask: Tensor | null): [number, number] {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const cols = yPred.rank >= 2 ? yPred.shape[yPred.rank - 1] : 1;
    const weight = maskReader(this.name, mask, p.length);
    let sum = 0;
    let counted = 0;
    for (let i = 0; i < p.length; i++) {
      const w = weight === null ? 1 : weight(i);
      if (w === 0) continue;
      sum += w * this.error(p[i] - t[i]);
      counted += w;
    }
    return cols === 0 ? [0, 0] : [sum / cols, counted / cols];
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

// --- precision, recall, AUC (binary tasks) ------------------------------------------------------

/** Options of {@link precision} and {@link recall}. */
export interface ThresholdOptions {
  /** The name in logs. */
  name?: string;
  /** A prediction above this counts as positive. Default 0.5. */
  threshold?: number;
}

/** Counts of a thresholded binary classifier over every element. */
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

  update(yTrue: Tensor, yPred: Tensor, mask: Tensor | null = null): void {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const threshold = this.threshold;
    const weight = maskReader(this.name, mask, p.length);
    for (let i = 0; i < p.length; i++) {
      if (weight !== null && weight(i) === 0) continue;
      const predicted = p[i] > threshold;
      const actual = t[i] > 0.5;
      if (predicted && actual) this.truePositives++;
      else if (predicted) this.falsePositives++;
      else if (actual) this.falseNegatives++;
    }
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

  update(yTrue: Tensor, yPred: Tensor, mask: Tensor | null = null): void {
    checkSameSize(this.name, yTrue, yPred);
    const t = floatsOf(yTrue);
    const p = floatsOf(yPred);
    const weight = maskReader(this.name, mask, p.length);
    for (let i = 0; i < p.length; i++) {
      if (weight !== null && weight(i) === 0) continue;
      const b = this.bucket(p[i]);
      if (t[i] > 0.5) this.positives[b]++;
      else this.negatives[b]++;
    }
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
 * A metric function `(yTrue, yPred) => Tensor`: its mean value, averaged over batches weighted by their
 * size. A mask is not applied (the function sees every position).
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

  update(yTrue: Tensor, yPred: Tensor): void {
    const value = noGrad(() => this.fn(yTrue, yPred));
    if (!(value instanceof Tensor)) typeError(this.name, 'the metric function\'s result', 'a Tensor', value);
    const values = floatsOf(value);
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    const batch = yPred.rank === 0 ? 1 : yPred.shape[0];
    this.total += (values.length === 0 ? Number.NaN : sum / values.length) * batch;
    this.count += batch;
  }

  result(): number {
    return this.count === 0 ? Number.NaN : this.total / this.count;
  }
}

// --- factories and lookup -----------------------------------------------------------------------

/** `'accuracy'` with the kind chosen from the loss (see {@link Accuracy}). */
export function accuracy(options?: { name?: string }): Accuracy {
  return new Accuracy(options);
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
/** Mean squared error as a metric. */
export function meanSquaredError(options?: { name?: string }): MeanSquaredErrorMetric {
  return new MeanSquaredErrorMetric(options);
}
/** Mean absolute error as a metric. */
export function meanAbsoluteError(options?: { name?: string }): MeanAbsoluteErrorMetric {
  return new MeanAbsoluteErrorMetric(options);
}

/**
 * Fresh metrics by canonical name, each logged under the name it was asked by (`'acc'` logs as
 * `acc`, as in Keras); the Keras and TensorFlow.js spellings are in lib/aliases.ts.
 */
const metricFactories: Record<string, (name: string) => Metric> = {
  accuracy: (name) => new Accuracy({ name }),
  binaryAccuracy: (name) => new BinaryAccuracy({ name }),
  categoricalAccuracy: (name) => new CategoricalAccuracy({ name }),
  sparseCategoricalAccuracy: (name) => new SparseCategoricalAccuracy({ name }),
  precision: (name) => new Precision({ name }),
  recall: (name) => new Recall({ name }),
  auc: (name) => new AUC({ name }),
  meanSquaredError: (name) => new MeanSquaredErrorMetric({ name }),
  meanAbsoluteError: (name) => new MeanAbsoluteErrorMetric({ name }),
};

/** The metric names `compile({ metrics })` accepts: the canonical ones and the short forms (all spellings: lib/aliases.ts). */
export const METRIC_NAMES: readonly string[] = [
  'accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', 'auc',
  'mse', 'meanSquaredError', 'mae', 'meanAbsoluteError',
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

type MetricClass = new (options: never) => Metric;

/** The metric classes a saved model can name (a function metric cannot be saved). */
const METRIC_CLASSES: Record<string, MetricClass> = {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, Precision, Recall, AUC,
  MeanSquaredError: MeanSquaredErrorMetric, MeanAbsoluteError: MeanAbsoluteErrorMetric,
};

/** `{ className, config }` for a built-in metric; null for a function metric (which cannot be saved). */
export function serializeMetric(metric: Metric): MetricConfig | null {
  if (!(metric instanceof Metric)) typeError('serializeMetric', 'metric', 'a Metric', metric);
  return METRIC_CLASSES[metric.className] === undefined ? null : { className: metric.className, config: metric.getConfig() };
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
  return new MetricType((config ?? {}) as never);
}
