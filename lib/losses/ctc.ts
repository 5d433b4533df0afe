/**
 * Connectionist temporal classification (CTC) loss: `dn.ctcLoss` (PyTorch's `ctc_loss` options and
 * reductions) and the `CTC` loss object for `compile` (Keras 3 `keras.losses.CTC`).
 *
 * The negative log-likelihood of each labelling, summed over every alignment of its labels to the
 * input steps, is computed by the native log-space forward-backward kernel (native/runtime/ctc.cc,
 * parallel over the batch), which also writes the exact gradient with respect to the logits; that
 * gradient is the loss's backward in the autograd graph.
 *
 * Labels must be class indices other than the blank: a blank (or an index outside [0, classes)) among
 * a sequence's labels is a `ValueError`. A labelling that no alignment can produce (its length plus
 * its adjacent repeats exceed the input length) is not an error: as in PyTorch its loss is `Infinity`
 * (and its gradient NaN), or 0 with a zero gradient with `zeroInfinity: true`.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { binding } from '../native.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { allocateStorage, allocateUninitialized, makeTensor, scalar, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { checkBoolean, checkChoice, checkInteger, checkOptions, describe, formatShape, typeError } from '../validate.js';
import { Loss, REDUCTIONS, type LossGeometry, type LossInputs, type LossOptions, type Reduction } from './loss.js';

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions {
  /**
   * Steps of each sequence's logits to use (`[batch]`: numbers, an Int32Array or an int32 tensor), each in
   * [0, time]; default: every step.
   */
  inputLengths?: readonly number[] | Int32Array | Tensor;
  /**
   * Labels of each sequence (`[batch]`), each at most its row's width; default: a `number[][]` row's
   * length, or for a padded tensor the entries before its trailing padding (the blank, or -1: Keras' mask).
   */
  labelLengths?: readonly number[] | Int32Array | Tensor;
  /** The blank class (default 0). */
  blank?: number;
  /**
   * 'mean' (default, PyTorch's: each sequence's loss divided by its label length (at least 1), then the
   * batch mean), 'sum' (the losses summed) or 'none' (`[batch]` losses).
   */
  reduction?: Reduction;
  /** An infeasible labelling's loss (Infinity) and gradient are replaced by 0 (default false). */
  zeroInfinity?: boolean;
}

/** @internal Labels packed for the kernel. */
interface PackedLabels {
  labels: Int32Array;
  labelLengths: Int32Array;
  maxLabel: number;
}

/** @internal The logits' sizes, checked: a float32 `[batch, time, classes]` tensor with classes >= 1. */
function logitGeometry(where: string, name: string, logits: Tensor): { batch: number; time: number; classes: number } {
  if (logits.dtype !== 'float32') throw new DTypeError(`${where}: ${name} must be a float32 tensor, got ${logits.dtype}`);
  if (logits.rank !== 3 || logits.shape[2] < 1) {
    throw new ShapeError(`${where}: ${name} must have shape [batch, time, classes] with classes >= 1, got ${formatShape(logits.shape)}`);
  }
  const [batch, time, classes] = logits.shape;
  return { batch, time, classes };
}

/** @internal The blank option: a class index. */
export function checkBlank(where: string, blank: unknown, classes: number): number {
  if (blank === undefined) return 0;
  return checkInteger(where, 'blank', blank, 0, classes - 1);
}

/** @internal A `[batch]` list of lengths from numbers, an Int32Array or a tensor, each in [0, max(b)]. */
export function checkLengths(where: string, name: string, value: unknown, batch: number, max: (b: number) => number): Int32Array {
  let items: ArrayLike<number>;
  if (value instanceof Tensor) {
    if (value.rank !== 1 || value.shape[0] !== batch) throw new ShapeError(`${where}: ${name} must have shape [${batch}], got ${formatShape(value.shape)}`);
    items = contiguous(value.detach()).storage;
  } else if (value instanceof Int32Array || Array.isArray(value)) {
    items = value as ArrayLike<number>;
    if (items.length !== batch) throw new ShapeError(`${where}: ${name} must hold ${batch} lengths (one per sequence), got ${items.length}`);
  } else {
    return typeError(where, name, `${batch} lengths (an array, an Int32Array or a tensor)`, value);
  }
  const lengths = new Int32Array(batch);
  for (let b = 0; b < batch; b++) lengths[b] = checkInteger(where, `${name}[${b}]`, items[b], 0, max(b));
  return lengths;
}

/**
 * @internal Labels for the kernel from `number[][]` (rows may differ in length) or a padded `[batch, width]`
 * tensor. Without `lengths`, a tensor row's labels end where its trailing padding (entries equal to the
 * blank, or negative) starts; padding followed by a label is an error. Every used label is checked to be
 * a class index other than the blank.
 */
export function packLabels(
  where: string, name: string, value: unknown, batch: number, classes: number, blank: number, lengths: unknown,
): PackedLabels {
  let rows: ArrayLike<number>[];
  let width: number;
  let fromTensor = false;
  if (value instanceof Tensor) {
    if (value.rank !== 2 || value.shape[0] !== batch) {
      throw new ShapeError(`${where}: ${name} must have shape [${batch}, maxLabelLength], got ${formatShape(value.shape)}`);
    }
    width = value.shape[1];
    const storage = contiguous(value.detach()).storage;
    rows = [];
    for (let b = 0; b < batch; b++) rows.push(storage.subarray(b * width, (b + 1) * width));
    fromTensor = true;
  } else if (Array.isArray(value)) {
    if (value.length !== batch) throw new ShapeError(`${where}: ${name} must hold ${batch} label sequences (one per sequence of logits), got ${value.length}`);
    rows = value.map((row, b) => (Array.isArray(row) ? row : typeError(where, `${name}[${b}]`, 'an array of class indices', row)));
    width = rows.reduce((m, row) => Math.max(m, row.length), 0);
  } else {
    return typeError(where, name, 'an array of label arrays (number[][]) or a [batch, maxLabelLength] tensor', value);
  }
  let labelLengths: Int32Array;
  if (lengths !== undefined) {
    labelLengths = checkLengths(where, 'labelLengths', lengths, batch, (b) => rows[b].length);
  } else if (fromTensor) {
    labelLengths = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      const row = rows[b];
      let length = row.length;
      while (length > 0 && (row[length - 1] === blank || row[length - 1] < 0)) length--;
      labelLengths[b] = length;
    }
  } else {
    labelLengths = Int32Array.from(rows, (row) => row.length);
  }
  const labels = new Int32Array(batch * width);
  for (let b = 0; b < batch; b++) {
    const row = rows[b];
    for (let i = 0; i < labelLengths[b]; i++) {
      const label = row[i];
      if (!Number.isInteger(label) || label < 0 || label >= classes || label === blank) {
        const padding = fromTensor && lengths === undefined && Number.isInteger(label) && (label === blank || label < 0);
        throw new ValueError(
          `${where}: ${name}[${b}][${i}] must be a class index in [0, ${classes}) other than the blank (${blank}), got ${describe(label)}` +
            (padding ? ' (padding, the blank or -1, may only follow the labels)' : ''),
        );
      }
      labels[b * width + i] = label;
    }
  }
  return { labels, labelLengths, maxLabel: width };
}

/**
 * The CTC loss (Graves et al. 2006) of `logits` `[batch, time, classes]` (unnormalised: the log-softmax
 * is taken inside) against label sequences, differentiable with respect to the logits. PyTorch's
 * `ctc_loss` semantics: `reduction: 'mean'` divides each sequence's loss by its label length, then takes
 * the batch mean; `'sum'` sums; `'none'` returns the `[batch]` losses. A labelling too long for its input
 * (labels plus adjacent repeats > input length) costs Infinity, or 0 with `zeroInfinity`; a blank or
 * out-of-range class among the labels throws a `ValueError`.
 * ```ts
 * import * as dn from 'dendrite';
 * const logits = dn.randn([2, 12, 5], { requiresGrad: true });
 * const loss = dn.ctcLoss(logits, [[1, 2, 2], [3]], { inputLengths: [12, 8] });
 * loss.backward(); // logits.grad: [2, 12, 5]
 * ```
 */
export function ctcLoss(logits: TensorLike, labels: readonly (readonly number[])[] | Tensor, options: CtcLossOptions = {}): Tensor {
  const where = 'ctcLoss';
  const o = checkOptions<CtcLossOptions>(where, options, ['inputLengths', 'labelLengths', 'blank', 'reduction', 'zeroInfinity']);
  const x = toTensor(where, 'logits', logits);
  const { batch, time, classes } = logitGeometry(where, 'logits', x);
  const blank = checkBlank(where, o.blank, classes);
  const reduction = o.reduction === undefined ? 'mean' : checkChoice(where, 'reduction', o.reduction, REDUCTIONS);
  const zeroInfinity = o.zeroInfinity === undefined ? false : checkBoolean(where, 'zeroInfinity', o.zeroInfinity);
  const inputLengths = o.inputLengths === undefined ? new Int32Array(batch).fill(time) : checkLengths(where, 'inputLengths', o.inputLengths, batch, () => time);
  const packed = packLabels(where, 'labels', labels, batch, classes, blank, o.labelLengths);

  // Each sequence's factor in the reduced loss (and so in the gradient).
  const factors = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    factors[b] = reduction === 'mean' ? 1 / (Math.max(packed.labelLengths[b], 1) * batch) : 1;
  }
  const source = contiguous(x.detach()).storage as Float32Array;
  const recording = isGradEnabled() && x.requiresGrad;
  const losses = allocateStorage('float32', batch) as Float32Array;
  const grad = recording ? (allocateUninitialized('float32', source.length) as Float32Array) : null;
  binding.ctcLoss(source, packed.labels, inputLengths, packed.labelLengths, batch, time, classes, packed.maxLabel, blank, zeroInfinity, losses, grad, reduction === 'none' ? null : factors);

  let out: Tensor;
  if (reduction === 'none') {
    out = makeTensor(losses, [batch]);
  } else {
    let total = 0;
    for (let b = 0; b < batch; b++) total += losses[b] * factors[b];
    out = scalar(total);
  }
  if (grad === null) return out;
  const sequence = time * classes;
  return recordOp(where, out, [x], (upstream) => {
    const g = contiguous(upstream).storage as Float32Array;
    if (reduction !== 'none' && g[0] === 1) return [makeTensor(grad, x.shape)];
    const scaled = allocateUninitialized('float32', grad.length) as Float32Array;
    for (let b = 0; b < batch; b++) {
      const s = reduction === 'none' ? g[b] : g[0];
      for (let i = b * sequence, end = i + sequence; i < end; i++) scaled[i] = grad[i] * s;
    }
    return [makeTensor(scaled, x.shape)];
  });
}

/** @internal The CTC loss's rows (one per sequence) with the logits' sizes. */
interface CtcGeometry extends LossGeometry {
  time: number;
  classes: number;
}

/** Options of the {@link CTC} loss object. */
export interface CtcOptions extends LossOptions {
  /** The blank class, which also pads yTrue (default 0, Keras' mask index). */
  blank?: number;
  /** An infeasible labelling costs 0 (and no gradient) instead of Infinity (default false). */
  zeroInfinity?: boolean;
}

/**
 * The CTC loss for `compile` (Keras 3 `keras.losses.CTC`; names `'ctc'`, `'CTC'`). `yPred` is the model's
 * output `[batch, time, classes]`, logits (a final softmax is folded into the loss; the log-softmax is
 * taken inside), every step used. `yTrue` is `[batch, maxLabelLength]`, each row's labels followed by
 * padding: the blank (0 by default; Keras pads with its mask index 0) or -1, as Keras computes the label
 * lengths from the entries that are not padding. The reduction is Keras': 'mean' averages the
 * per-sequence losses over the batch (not divided by label length, unlike {@link ctcLoss}'s 'mean').
 */
export class CTC extends Loss {
  readonly className = 'CTC';
  readonly name = 'ctc';
  readonly blank: number;
  readonly zeroInfinity: boolean;

  constructor(options: CtcOptions = {}) {
    const where = 'ctc';
    const o = checkOptions<CtcOptions>(where, options, ['reduction', 'blank', 'zeroInfinity']);
    super(where, o);
    this.blank = o.blank === undefined ? 0 : checkInteger(where, 'blank', o.blank, 0);
    this.zeroInfinity = o.zeroInfinity === undefined ? false : checkBoolean(where, 'zeroInfinity', o.zeroInfinity);
  }

  override foldsActivation(activation: string): boolean {
    return activation === 'softmax';
  }

  /** @internal One row per sequence: its whole `[time, classes]` block of logits. */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): CtcGeometry {
    const { batch, time, classes } = logitGeometry(where, 'yPred', yPred);
    if (this.blank >= classes) throw new ValueError(`${where}: blank must be a class index in [0, ${classes}), got ${this.blank}`);
    if (yTrue.rank !== 2 || yTrue.shape[0] !== batch) {
      throw new ShapeError(`${where}: yTrue must hold padded label sequences of shape [${batch}, maxLabelLength] for yPred ${formatShape(yPred.shape)}, got ${formatShape(yTrue.shape)}`);
    }
    return { rows: batch, cols: time * classes, rowShape: [batch], rowsPerSample: 1, time, classes };
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows: batch, time, classes } = inputs.geometry as CtcGeometry;
    if (batch === 0) return 0;
    const packed = packLabels(this.name, 'yTrue', inputs.yTrue, batch, classes, this.blank, undefined);
    const losses = rowLoss ?? this.scratch('rowLoss', batch);
    const scales = grad === null ? null : new Float32Array(batch).fill(gradScale);
    binding.ctcLoss(
      inputs.pred, packed.labels, new Int32Array(batch).fill(time), packed.labelLengths, batch, time, classes, packed.maxLabel,
      this.blank, this.zeroInfinity, losses, grad, scales,
    );
    let total = 0;
    for (let b = 0; b < batch; b++) total += losses[b];
    return total;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), blank: this.blank, zeroInfinity: this.zeroInfinity };
  }
}

/**
 * The CTC loss of logits `yPred` `[batch, time, classes]` against padded labels `yTrue`
 * `[batch, maxLabelLength]` (padding: the blank 0, or -1), averaged over the batch (see {@link CTC}).
 */
export function ctc(yTrue: TensorLike, yPred: TensorLike, options?: CtcOptions & { sampleWeight?: TensorLike }): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new CTC(rest).call(yTrue, yPred, sampleWeight);
}
