/**
 * The base of the built-in losses, and the reduction — in one place.
 *
 * A built-in loss computes, in one fused pass (a native kernel where one exists), each row's loss
 * (a row is one sample, or one position of a sample for predictions of rank > 2) and the
 * derivative of that row loss with respect to the predictions. The reduction below then applies
 * sample weights and reduces, as Keras does:
 *   - 'mean' (default, Keras `sum_over_batch_size`): sum(weight_i * loss_i) / rows
 *   - 'sum': sum(weight_i * loss_i)
 *   - 'none': the weighted row losses, shaped like the predictions without their last axis
 * The result joins the autograd graph with the stored derivative as its backward, so the loss and
 * its gradient cost one pass.
 */
import { DTypeError, ShapeError } from '../errors.js';
import { allocateStorage, allocateUninitialized, makeTensor, scalar, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { binding } from '../native.js';
import { contiguous } from '../ops/shape.js';
import { checkBoolean, checkChoice, checkRange, formatShape } from '../validate.js';

/** How a loss reduces per-sample losses. */
export type Reduction = 'mean' | 'sum' | 'none';
/** The reductions a loss accepts. */
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Options every built-in loss accepts. */
export interface LossOptions {
  /** 'mean' (default: weighted sum over the number of samples), 'sum', or 'none' (per-sample losses). */
  reduction?: Reduction;
}

/** @internal How the predictions split into rows (samples) for a loss. */
export interface LossGeometry {
  /** Rows: one loss each. */
  rows: number;
  /** Elements per row. */
  cols: number;
  /** The shape of the per-row losses (reduction 'none'). */
  rowShape: number[];
  /** Rows per sample weight (1, or the positions of a sequence). */
  rowsPerSample: number;
}

/** @internal What a loss's fused pass reads. */
export interface LossInputs {
  /** The targets as they came (checked for shape). */
  yTrue: Tensor;
  /** The predictions, contiguous. */
  pred: Float32Array;
  geometry: LossGeometry;
  /** The predictions are logits of a softmax/sigmoid that the model folded into the loss. */
  logits: boolean;
}

/**
 * The base class of the built-in losses. Use the functions (`dn.losses.meanSquaredError(yTrue,
 * yPred)`), a name in `compile({ loss: 'mse' })`, or an object with options
 * (`dn.losses.get('binaryCrossentropy', { fromLogits: true })`).
 */
export abstract class Loss {
  /** The registered class name ('MeanSquaredError', ...). */
  abstract readonly className: string;
  /** The name compile() accepts ('meanSquaredError', ...). */
  abstract readonly name: string;
  /** How the per-sample losses are reduced. */
  readonly reduction: Reduction;
  /** Whether predictions are logits rather than probabilities (cross-entropy losses). */
  readonly fromLogits: boolean = false;
  private readonly buffers = new Map<string, Float32Array>();

  protected constructor(where: string, options: LossOptions) {
    this.reduction = options.reduction === undefined ? 'mean' : checkChoice(where, 'reduction', options.reduction, REDUCTIONS);
  }

  /**
   * @internal Whether this loss computes from logits when the model's output ends in `activation`
   * ('softmax' or 'sigmoid') — then the model folds that activation into the loss.
   */
  foldsActivation(_activation: string): boolean {
    return false;
  }

  /** @internal Checks shapes and dtypes; returns how the predictions split into rows. Throws naming the loss. */
  protected abstract geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry;

  /**
   * @internal The fused pass: writes each row's loss into `rowLoss` when given, writes
   * d(row loss)/d(prediction) * gradScale into `grad` when given, and returns the sum of the row losses.
   */
  protected abstract evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number;

  /**
   * @internal A buffer kept between calls (the fit loop calls a loss with the same sizes every
   * step). Only for values consumed within the call, or when the caller asked to reuse buffers.
   */
  protected scratch(key: string, length: number): Float32Array {
    let buffer = this.buffers.get(key);
    if (buffer === undefined || buffer.length !== length) {
      buffer = allocateUninitialized('float32', length) as Float32Array;
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /**
   * The loss of `yPred` against `yTrue`, reduced (see {@link Loss.reduction}); differentiable
   * with respect to `yPred`.
   * @param sampleWeight a scalar (weighting every sample), one weight per sample (`[batch]` or
   *   `[batch, 1]`), or one per row of the per-row losses (`[batch, steps]` for sequence
   *   predictions `[batch, steps, features]`: a weight per timestep), as Keras takes it
   */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): Tensor {
    const where = this.name;
    const target = toTensor(where, 'yTrue', yTrue);
    const prediction = toTensor(where, 'yPred', yPred);
    const weights = sampleWeight === undefined ? null : rowWeights(where, sampleWeight, this.geometry(where, target, prediction).rowShape);
    return this.compute(target, prediction, weights, false, this.reduction, false);
  }

  /**
   * @internal The loss with already converted arguments; `weights` holds one weight per sample or
   * one per row; `logits` says the predictions are logits of a folded softmax/sigmoid. With
   * `reuseBuffers` the gradient lives in a buffer the next call overwrites: only for callers that
   * run the backward before calling again (the model's step).
   */
  compute(
    yTrue: Tensor, yPred: Tensor, weights: Float32Array | null, logits: boolean, reduction: Reduction, reuseBuffers: boolean, mask: Tensor | null = null,
  ): Tensor {
    const where = this.name;
    if (yPred.dtype !== 'float32') throw new DTypeError(`${where}: yPred must be a float32 tensor, got ${yPred.dtype}`);
    let geometry = this.geometry(where, yTrue, yPred);
    if (weights !== null) checkWeightCount(where, geometry, weights, yPred.shape);
    if (mask !== null) {
      // A masked output (padded steps of a sequence): each row's weight is its sample's times its mask entry.
      weights = maskedRowWeights(where, geometry, weights, mask, reduction, yPred.shape);
      geometry = { ...geometry, rowsPerSample: 1 };
    }
    const source = yPred.isContiguous ? yPred : contiguous(yPred.detach());
    const inputs: LossInputs = { yTrue, pred: source.storage as Float32Array, geometry, logits };
    const recording = isGradEnabled() && yPred.requiresGrad;
    const { rows } = geometry;
    // Rows per weight: 1 for a weight per row, a sample's rows for a weight per sample.
    const rowsPerWeight = weights !== null && weights.length === rows ? 1 : geometry.rowsPerSample;
    const size = source.size;
    if (reduction === 'none') {
      const rowLoss = allocateStorage('float32', rows) as Float32Array;
      const grad = recording ? (allocateStorage('float32', size) as Float32Array) : null;
      this.evaluate(inputs, rowLoss, grad, 1);
      if (weights !== null) {
        for (let r = 0; r < rows; r++) rowLoss[r] *= weights[Math.floor(r / rowsPerWeight)];
        if (grad !== null) scaleRows(grad, geometry.cols, weights, rowsPerWeight);
      }
      const out = makeTensor(rowLoss, geometry.rowShape);
      if (grad === null) return out;
      return recordOp(where, out, [yPred], (upstream) => {
        const g = contiguous(upstream).storage as Float32Array;
        const dPred = allocateUninitialized('float32', size) as Float32Array;
        const cols = geometry.cols;
        for (let r = 0; r < rows; r++) {
          const s = g[r];
          for (let c = r * cols, end = c + cols; c < end; c++) dPred[c] = grad[c] * s;
        }
        return [makeTensor(dPred, yPred.shape)];
      });
    }
    const scale = reduction === 'mean' ? 1 / Math.max(rows, 1) : 1;
    const grad = !recording ? null : reuseBuffers ? this.scratch('grad', size) : (allocateStorage('float32', size) as Float32Array);
    let total: number;
    if (weights === null) {
      total = this.evaluate(inputs, null, grad, scale) * scale;
    } else {
      const rowLoss = reuseBuffers ? this.scratch('rowLoss', rows) : (allocateStorage('float32', rows) as Float32Array);
      this.evaluate(inputs, rowLoss, grad, scale);
      total = 0;
      for (let r = 0; r < rows; r++) total += rowLoss[r] * weights[Math.floor(r / rowsPerWeight)];
      total *= scale;
      if (grad !== null) scaleRows(grad, geometry.cols, weights, rowsPerWeight);
    }
    const out = scalar(total);
    if (grad === null) return out;
    const gradTensor = makeTensor(grad, yPred.shape);
    return recordOp(where, out, [yPred], (upstream) => {
      const g = upstream.storage[0];
      if (g === 1) return [gradTensor];
      const scaled = allocateUninitialized('float32', size) as Float32Array;
      for (let i = 0; i < size; i++) scaled[i] = grad[i] * g;
      return [makeTensor(scaled, yPred.shape)];
    });
  }

  /** The options that rebuild this loss (plain JSON). */
  getConfig(): Record<string, unknown> {
    return { reduction: this.reduction };
  }
}

/**
 * Checks that `weights` holds one weight per sample or one per row (timestep): a model's sample
 * weights are checked against its targets only, which cannot tell a timestep from a class.
 */
function checkWeightCount(where: string, geometry: LossGeometry, weights: Float32Array, predShape: readonly number[]): void {
  const { rows, rowsPerSample } = geometry;
  if (weights.length === rows || weights.length * rowsPerSample === rows) return;
  const samples = rowsPerSample === 0 ? 0 : rows / rowsPerSample;
  throw new ShapeError(
    `${where}: sampleWeight holds ${weights.length} weights for ${samples} samples; with yPred ${formatShape(predShape)} give one weight per sample${rowsPerSample > 1 ? ` or one per timestep (${rowsPerSample} per sample)` : ''}`,
  );
}

/**
 * Per-row weights for a masked output, as Keras weights the losses of masked sequences: a row's sample
 * weight (1 if none; one per sample or one per row) times its mask entry, and for the 'mean' reduction times rows / (valid rows +
 * 1e-7), so the mean is taken over the valid rows only. The mask must hold one entry per row (the
 * positions of `[batch, steps, ...]` predictions).
 */
function maskedRowWeights(
  where: string, geometry: LossGeometry, weights: Float32Array | null, mask: Tensor, reduction: Reduction, predShape: readonly number[],
): Float32Array {
  const { rows, rowsPerSample } = geometry;
  if (mask.size !== rows) {
    throw new ShapeError(`${where}: the output's mask has shape ${formatShape(mask.shape)}, which does not give one entry per position of yPred ${formatShape(predShape)} (${rows} positions)`);
  }
  const values = contiguous(mask.detach()).storage;
  let valid = 0;
  for (let r = 0; r < rows; r++) valid += values[r];
  const scale = reduction === 'mean' ? rows / (valid + 1e-7) : 1;
  const result = allocateStorage('float32', rows) as Float32Array;
  const rowsPerWeight = weights !== null && weights.length === rows ? 1 : rowsPerSample;
  for (let r = 0; r < rows; r++) result[r] = (weights === null ? 1 : weights[Math.floor(r / rowsPerWeight)]) * values[r] * scale;
  return result;
}

/** Multiplies each row (of `cols` elements) of `grad` by its weight, `weights[row / rowsPerWeight]`. */
function scaleRows(grad: Float32Array, cols: number, weights: Float32Array, rowsPerWeight: number): void {
  const rows = cols === 0 ? 0 : grad.length / cols;
  for (let r = 0; r < rows; r++) {
    const w = weights[Math.floor(r / rowsPerWeight)];
    for (let c = r * cols, end = c + cols; c < end; c++) grad[c] *= w;
  }
}

/**
 * @internal One weight per row from a `sampleWeight` (for losses and metrics), where `rowShape` is
 * the shape of the per-row values (batch first). As Keras broadcasts it, the weight's shape is
 * aligned from the batch axis and each dimension is the row shape's or 1: a scalar weights every
 * row, `[batch]` (or `[batch, 1]`) weights each sample's rows, `[batch, steps]` each timestep of a
 * sequence. A trailing 1 beyond the row shape is ignored. Weights are float32 (int32 is converted).
 */
export function rowWeights(where: string, sampleWeight: TensorLike, rowShape: readonly number[]): Float32Array {
  const w = toTensor(where, 'sampleWeight', sampleWeight);
  const rank = rowShape.length;
  const dims = w.rank === rank + 1 && w.shape[rank] === 1 ? w.shape.slice(0, -1) : w.shape;
  if (dims.length > rank || dims.some((d, i) => d !== rowShape[i] && d !== 1)) {
    const samples = rank === 0 ? 1 : rowShape[0];
    throw new ShapeError(
      `${where}: sampleWeight must be a scalar, hold one weight per sample (shape [${samples}]) or broadcast to the per-row losses (shape ${formatShape(rowShape)}), got shape ${formatShape(w.shape)}`,
    );
  }
  const values = targetFloats(w);
  const rows = rowShape.reduce((a, b) => a * b, 1);
  if (values.length === rows) return values;
  // Strides of the weight over the row shape: 0 along its broadcast (size 1 or missing) dimensions.
  const strides = new Array<number>(rank).fill(0);
  for (let i = dims.length - 1, stride = 1; i >= 0; i--) {
    if (dims[i] !== 1) strides[i] = stride;
    stride *= dims[i];
  }
  const weights = new Float32Array(rows);
  const index = new Array<number>(rank).fill(0);
  for (let r = 0; r < rows; r++) {
    let offset = 0;
    for (let i = 0; i < rank; i++) offset += index[i] * strides[i];
    weights[r] = values[offset];
    for (let i = rank - 1; i >= 0 && ++index[i] === rowShape[i]; i--) index[i] = 0;
  }
  return weights;
}

// --- helpers shared by the loss files ------------------------------------------------------------

/**
 * @internal Geometry of an elementwise loss (mse, mae, huber, binary cross-entropy): yTrue has
 * yPred's shape (a `[batch]` vector and a `[batch, 1]` column are interchangeable); the loss of a
 * sample is the mean over the last axis; rank-1 predictions are one value per sample.
 */
export function elementwiseGeometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
  let compatible = yTrue.size === yPred.size && sameIgnoringTrailingOne(yTrue.shape, yPred.shape);
  if (yPred.rank === 0) compatible = yTrue.size === 1;
  if (!compatible) {
    throw new ShapeError(`${where}: yTrue and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
  }
  if (yPred.rank <= 1) {
    const rows = yPred.size;
    return { rows, cols: 1, rowShape: [rows], rowsPerSample: 1 };
  }
  const cols = yPred.shape[yPred.rank - 1];
  const rows = cols === 0 ? 0 : yPred.size / cols;
  const samples = yPred.shape[0];
  return { rows, cols, rowShape: yPred.shape.slice(0, -1), rowsPerSample: samples === 0 ? 1 : rows / samples };
}

/** Equal shapes, or equal once a trailing 1 is dropped from the longer one. */
function sameIgnoringTrailingOne(a: readonly number[], b: readonly number[]): boolean {
  const strip = (s: readonly number[]): readonly number[] => (s.length >= 2 && s[s.length - 1] === 1 ? s.slice(0, -1) : s);
  const x = strip(a);
  const y = strip(b);
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/**
 * @internal Geometry of a loss over a class axis (categorical cross-entropy): the last axis holds
 * the classes, every other position is a row.
 */
export function classGeometry(where: string, yPred: Tensor): LossGeometry {
  if (yPred.rank === 0) {
    throw new ShapeError(`${where}: yPred must have a class axis (shape [batch, classes]), got a rank-0 tensor`);
  }
  const cols = yPred.shape[yPred.rank - 1];
  if (cols === 0) throw new ShapeError(`${where}: yPred has no classes (shape ${formatShape(yPred.shape)})`);
  const rows = yPred.size / cols;
  const rowShape = yPred.shape.slice(0, -1);
  const samples = yPred.rank === 1 ? 1 : yPred.shape[0];
  return { rows, cols, rowShape, rowsPerSample: samples === 0 ? 1 : rows / samples };
}

/**
 * @internal Geometry of a loss that reduces each row over the last axis (Kullback-Leibler
 * divergence, categorical hinge, cosine similarity): yTrue has yPred's shape; every position but the
 * last axis is a row.
 */
export function sameShapeRowGeometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
  const geometry = classGeometry(where, yPred);
  if (yTrue.rank !== yPred.rank || !yTrue.shape.every((d, i) => d === yPred.shape[i])) {
    throw new ShapeError(`${where}: yTrue and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}`);
  }
  return geometry;
}

/** @internal The targets as a contiguous Float32Array (int32 targets are converted). */
export function targetFloats(yTrue: Tensor): Float32Array {
  const source = yTrue.isContiguous ? yTrue : contiguous(yTrue.detach());
  if (source.dtype === 'float32') return source.storage as Float32Array;
  return Float32Array.from(source.storage);
}

/** @internal Validates a `fromLogits` option. */
export function checkFromLogits(where: string, value: unknown): boolean {
  return value === undefined ? false : checkBoolean(where, 'fromLogits', value);
}

/** @internal Validates a `labelSmoothing` option, in [0, 1]. */
export function checkLabelSmoothing(where: string, value: unknown): number {
  if (value === undefined) return 0;
  return checkRange(where, 'labelSmoothing', value, 0, 1);
}

/**
 * Keras' fuzz factor: probabilities are clipped to [EPSILON, 1 - EPSILON] before taking logs, with
 * both bounds in float32 as Keras and TensorFlow.js compute them (1 - 1e-7 rounds to 1 - 2^-23, so a
 * fully wrong binary prediction costs -log(2^-23) = 15.942, not -log(1e-7) = 16.118).
 */
export const EPSILON = Math.fround(1e-7);
const ONE_MINUS_EPSILON = Math.fround(1 - 1e-7);

/** @internal `p` clipped to [EPSILON, 1 - EPSILON]. */
export function clipProbability(p: number): number {
  return p < EPSILON ? EPSILON : p > ONE_MINUS_EPSILON ? ONE_MINUS_EPSILON : p;
}

/**
 * @internal Cross-entropy from probabilities, as Keras computes it: each row is divided by its sum,
 * clipped to [eps, 1 - eps], and `-sum t log q` taken, where t is the row of `targets` or, when
 * `targets` is null, the one-hot row of `labels`. The gradient goes through the normalisation;
 * clipped entries pass none.
 */
export function probabilityCrossEntropy(
  pred: Float32Array, targets: Float32Array | null, labels: Int32Array | null, rows: number, cols: number,
  rowLoss: Float32Array, grad: Float32Array | null, gradScale: number,
): void {
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const label = labels === null ? -1 : labels[r];
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += pred[start + c];
    let loss = 0;
    // a_c = d(loss)/d(q_c); dot = sum_c a_c q_c, for the normalisation's part of the gradient.
    let dot = 0;
    for (let c = 0; c < cols; c++) {
      const t = targets === null ? (c === label ? 1 : 0) : targets[start + c];
      const q = pred[start + c] / sum;
      const clipped = clipProbability(q);
      if (t !== 0) loss -= t * Math.log(clipped);
      if (grad !== null) {
        const a = clipped === q && t !== 0 ? -t / q : 0;
        grad[start + c] = a;
        dot += a * q;
      }
    }
    rowLoss[r] = loss;
    if (grad !== null) {
      for (let c = 0; c < cols; c++) grad[start + c] = ((grad[start + c] - dot) / sum) * gradScale;
    }
  }
}

/**
 * The base of the regression losses (mse, mae, huber): elementwise geometry and one fused native
 * pass (`regressionLoss`); a row's loss is the mean of its elementwise losses. Public only because
 * their declarations extend it.
 */
export abstract class RegressionLoss extends Loss {
  /** The native loss kind (`binding.opCodes.loss`). */
  protected abstract readonly kind: number;

  /** The kind's parameter (huber's delta). */
  protected get param(): number {
    return 0;
  }

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    return elementwiseGeometry(where, yTrue, yPred);
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    const pred = inputs.pred;
    const target = targetFloats(inputs.yTrue);
    const n = rows * cols;
    if (n === 0) return 0;
    if (rowLoss === null) return binding.regressionLoss(this.kind, this.param, pred, target, n, grad, gradScale / cols) / cols;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const start = r * cols;
      const end = start + cols;
      const value = binding.regressionLoss(
        this.kind, this.param, pred.subarray(start, end), target.subarray(start, end), cols, grad === null ? null : grad.subarray(start, end), gradScale / cols,
      ) / cols;
      rowLoss[r] = value;
      total += value;
    }
    return total;
  }
}

/**
 * The base of the losses computed elementwise in TypeScript (mape, msle, hinge, squared hinge,
 * log-cosh, Poisson): yTrue has yPred's shape, a row's loss is the mean over the last axis of
 * `element(prediction, target)`, and its gradient is `derivative(prediction, target)` over the row
 * length. One pass, no graph: these are cheap next to the model's forward pass. Public only because
 * their declarations extend it.
 */
export abstract class ElementwiseLoss extends Loss {
  /** The loss of one element. */
  protected abstract element(prediction: number, target: number): number;
  /** The derivative of {@link ElementwiseLoss.element} with respect to the prediction. */
  protected abstract derivative(prediction: number, target: number): number;

  /** The targets as the loss reads them (the hinge losses turn 0/1 labels into -1/1). */
  protected targets(yTrue: Tensor): Float32Array {
    return targetFloats(yTrue);
  }

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    return elementwiseGeometry(where, yTrue, yPred);
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    const pred = inputs.pred;
    const targets = this.targets(inputs.yTrue);
    const scale = gradScale / cols;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let i = r * cols, end = i + cols; i < end; i++) {
        sum += this.element(pred[i], targets[i]);
        if (grad !== null) grad[i] = this.derivative(pred[i], targets[i]) * scale;
      }
      const value = sum / cols;
      if (rowLoss !== null) rowLoss[r] = value;
      total += value;
    }
    return total;
  }
}

/**
 * The base of the losses that reduce each row over the last axis in TypeScript (Kullback-Leibler
 * divergence, categorical hinge, cosine similarity): yTrue has yPred's shape. Public only because
 * their declarations extend it.
 */
export abstract class RowLoss extends Loss {
  /**
   * The loss of the row of `cols` elements at `start`; writes d(row loss)/d(prediction) * gradScale
   * into `grad` at the same positions when `grad` is given.
   */
  protected abstract row(pred: Float32Array, target: Float32Array, start: number, cols: number, grad: Float32Array | null, gradScale: number): number;

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    return sameShapeRowGeometry(where, yTrue, yPred);
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    const targets = targetFloats(inputs.yTrue);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const value = this.row(inputs.pred, targets, r * cols, cols, grad, gradScale);
      if (rowLoss !== null) rowLoss[r] = value;
      total += value;
    }
    return total;
  }
}

/**
 * @internal The body of the loss functions (`dn.losses.hinge(yTrue, yPred, options)`): a loss object
 * built from `options` without `sampleWeight`, called on the tensors with it.
 */
export function callLoss<O extends LossOptions>(
  LossClass: new (options: O) => Loss, yTrue: TensorLike, yPred: TensorLike, options: (O & { sampleWeight?: TensorLike }) | undefined,
): Tensor {
  const { sampleWeight, ...rest } = options ?? ({} as O & { sampleWeight?: TensorLike });
  return new LossClass(rest as O).call(yTrue, yPred, sampleWeight);
}
