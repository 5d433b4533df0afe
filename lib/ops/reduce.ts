/**
 * Reductions: sum, mean, max, min, variance (over any axes, with keepDims), argmax and argmin,
 * and sumToShape (how broadcast gradients are summed back to an input's shape). They run on the
 * native `reduce` kernel, which reduces the middle axis of an [outer, axis, inner] view, so
 * adjacent reduced axes merge into one call and no transpose is ever needed.
 */
import { ValueError } from '../errors.js';
import { checkAxes, checkAxis, checkBoolean, checkShape, formatShape, shapeError } from '../validate.js';
import { checkFloat, emptyTensor, floats, outputTensor, sameShape, shapeSize, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { kernels, reduceCodes } from './kernels.js';
import { contiguous, expandTo, reshapeTo } from './shape.js';
import { div, mul, neg, square, sub } from './elementwise.js';
import { equal } from './compare.js';

type ReduceName = 'sum' | 'mean' | 'max' | 'min';

/** Reduces the sorted `axes` of contiguous float32 `x`; the result drops those axes. */
function reduceAxes(where: string, name: ReduceName, x: Tensor, axes: readonly number[]): Tensor {
  const code = reduceCodes[name];
  let current = x;
  let shape = x.shape.slice();
  // Runs of adjacent axes, reduced last run first so earlier axis numbers stay valid.
  let end = axes.length - 1;
  while (end >= 0) {
    let start = end;
    while (start > 0 && axes[start - 1] === axes[start] - 1) start--;
    const first = axes[start];
    const last = axes[end];
    const outer = shapeSize(shape.slice(0, first));
    const length = shapeSize(shape.slice(first, last + 1));
    const inner = shapeSize(shape.slice(last + 1));
    shape = [...shape.slice(0, first), ...shape.slice(last + 1)];
    // A sum over an empty axis is 0: only then are the zeros of a fresh tensor the result.
    const out = length === 0 ? emptyTensor(shape) : outputTensor(shape);
    if (length === 0) {
      if (name === 'max' || name === 'min') {
        throw new ValueError(`${where}: cannot take the ${name} over an empty axis (shape ${formatShape(x.shape)})`);
      }
      if (name === 'mean') out.storage.fill(Number.NaN);
    } else if (out.size !== 0) {
      kernels.reduce(code, floats(current), outer, length, inner, floats(out));
    }
    current = out;
    end = start - 1;
  }
  return current;
}

/** The shape with reduced axes kept as size 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

interface Reduction {
  input: Tensor;
  axes: readonly number[];
  keepDims: boolean;
  result: Tensor;
}

const NO_AXES: readonly number[] = [];
/** Marks a reduction over every axis (the result is rank 0, so its gradient broadcasts as is). */
const ALL_AXES: readonly number[] = [];

function runReduction(where: string, name: ReduceName, x: unknown, axis: unknown, keepDims: unknown): Reduction {
  const input = checkFloat(where, 'x', x instanceof Tensor ? x : toTensor(where, 'x', x));
  const keep = keepDims === false ? false : checkBoolean(where, 'keepDims', keepDims);
  if ((axis === undefined || axis === null) && !keep && input._strides === null && input.size > 0 && input.rank > 0) {
    // The common loss reduction: every axis of a contiguous tensor, one kernel call.
    const result = outputTensor(NO_AXES);
    kernels.reduce(reduceCodes[name], floats(input), 1, input.size, 1, floats(result));
    return { input, axes: ALL_AXES, keepDims: false, result };
  }
  const axes = checkAxes(where, 'axis', axis, input.rank);
  const source = input._strides === null ? input : contiguous(input.detach());
  // Reducing over no axes (a rank-0 tensor, or axis []) still returns a new tensor.
  let result = axes.length > 0 ? reduceAxes(where, name, source, axes) : source === input ? cloneValues(input) : source;
  if (keep) result = reshapeTo(result, keptShape(input.shape, axes));
  return { input, axes, keepDims: keep, result };
}

/** A private copy, so a reduction over no axes never returns its own input. */
function cloneValues(x: Tensor): Tensor {
  const out = outputTensor(x.shape);
  out.storage.set(x.storage);
  return out;
}

/** Reshapes an output gradient to the input's rank (reduced axes as size 1). */
function gradAtKeptShape(grad: Tensor, r: Reduction): Tensor {
  return r.keepDims || r.axes === ALL_AXES ? grad : reshapeTo(grad, keptShape(r.input.shape, r.axes));
}

/** The number of elements each output element of a reduction summarises. */
function reducedCount(r: Reduction): number {
  return r.axes === ALL_AXES ? r.input.size : r.axes.reduce((n, a) => n * r.input.shape[a], 1);
}

/**
 * Sum over `axis` (an axis, a list of axes, or all axes when omitted/null); `keepDims` keeps the
 * reduced axes with size 1.
 * ```ts
 * dn.sum(x);            // a rank-0 tensor
 * x.sum(-1, true);      // row sums, shape [rows, 1]
 * ```
 */
export function sum(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  const r = runReduction('sum', 'sum', x, axis, keepDims);
  if (!needsGrad(r.input)) return r.result;
  return recordOp('sum', r.result, [r.input], (grad) => [expandTo(gradAtKeptShape(grad, r), r.input.shape)]);
}

/** Mean over `axis` (default: all axes). The mean over an empty axis is NaN. */
export function mean(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  const r = runReduction('mean', 'mean', x, axis, keepDims);
  if (!needsGrad(r.input)) return r.result;
  const count = reducedCount(r);
  return recordOp('mean', r.result, [r.input], (grad) => [expandTo(mul(gradAtKeptShape(grad, r), 1 / count), r.input.shape)]);
}

/** The gradient of max/min: shared evenly by the elements equal to the extreme. */
function extremeGrad(grad: Tensor, r: Reduction): Tensor {
  const axes = r.axes === ALL_AXES ? r.input.shape.map((_, i) => i) : r.axes;
  const keptDims = keptShape(r.input.shape, axes);
  const kept = reshapeTo(r.result, keptDims);
  const mask = equal(r.input, kept);
  const ties = reduceAxes('max', 'sum', mask, axes);
  return mul(div(mask, reshapeTo(ties, keptDims)), gradAtKeptShape(grad, r));
}

/** Maximum over `axis` (default: all axes). At ties the gradient is shared evenly. */
export function max(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  const r = runReduction('max', 'max', x, axis, keepDims);
  if (!needsGrad(r.input)) return r.result;
  return recordOp('max', r.result, [r.input], (grad) => [extremeGrad(grad, r)]);
}

/** Minimum over `axis` (default: all axes). At ties the gradient is shared evenly. */
export function min(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  const r = runReduction('min', 'min', x, axis, keepDims);
  if (!needsGrad(r.input)) return r.result;
  return recordOp('min', r.result, [r.input], (grad) => [extremeGrad(grad, r)]);
}

/**
 * Population variance (mean squared deviation from the mean, dividing by N like
 * `tf.moments`) over `axis` (default: all axes).
 */
export function variance(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  const input = checkFloat('variance', 'x', toTensor('variance', 'x', x));
  const axes = checkAxes('variance', 'axis', axis, input.rank);
  checkBoolean('variance', 'keepDims', keepDims);
  const centered = sub(input, mean(input, axes, true));
  return mean(square(centered), axes, keepDims);
}

function argReduce(where: string, x: unknown, axis: unknown, keepDims: unknown, negate: boolean): Tensor {
  const input = checkFloat(where, 'x', toTensor(where, 'x', x));
  const keep = checkBoolean(where, 'keepDims', keepDims);
  const source = contiguous((negate ? neg(input.detach()) : input).detach());
  let outer: number;
  let length: number;
  let inner: number;
  let shape: number[];
  if (axis === undefined || axis === null) {
    outer = 1;
    length = input.size;
    inner = 1;
    shape = keep ? input.shape.map(() => 1) : [];
  } else {
    const k = checkAxis(where, 'axis', axis, input.rank);
    outer = shapeSize(input.shape.slice(0, k));
    length = input.shape[k];
    inner = shapeSize(input.shape.slice(k + 1));
    shape = keep ? keptShape(input.shape, [k]) : [...input.shape.slice(0, k), ...input.shape.slice(k + 1)];
  }
  if (length === 0) throw new ValueError(`${where}: cannot take the ${where} over an empty axis (shape ${formatShape(input.shape)})`);
  const out = outputTensor(shape, 'int32');
  if (out.size !== 0) kernels.argmax(floats(source), outer, length, inner, out.storage as Int32Array);
  return out;
}

/**
 * The index of the first maximum along `axis`, as int32 (NaN counts as the maximum). Without an
 * axis, the index into the flattened tensor (NumPy/PyTorch semantics). No gradient.
 */
export function argmax(x: TensorLike, axis?: number | null, keepDims = false): Tensor {
  return argReduce('argmax', x, axis, keepDims, false);
}

/** The index of the first minimum along `axis` (default: over the flattened tensor), as int32. */
export function argmin(x: TensorLike, axis?: number | null, keepDims = false): Tensor {
  return argReduce('argmin', x, axis, keepDims, true);
}

/**
 * Sums a gradient computed at a broadcast shape back to the shape of the input that was
 * broadcast: over the leading axes the input lacked and the axes where it had size 1. Returns
 * `grad` itself when the shapes already match. Not recorded.
 * ```ts
 * dn.sumToShape(dn.ones([4, 3]), [1, 3]); // [[4, 4, 4]]
 * ```
 * `shape` must broadcast to `grad`'s shape (a ShapeError otherwise).
 */
export function sumToShape(grad: TensorLike, shape: readonly number[]): Tensor {
  const where = 'sumToShape';
  const input = checkFloat(where, 'grad', toTensor(where, 'grad', grad));
  const target = checkShape(where, 'shape', shape);
  const lead = input.rank - target.length;
  if (lead < 0 || target.some((d, i) => d !== 1 && d !== input.shape[lead + i])) {
    shapeError(where, `shape ${formatShape(target)} does not broadcast to grad's shape ${formatShape(input.shape)}`);
  }
  return sumGradToShape(input, target);
}

/**
 * {@link sumToShape} for library code (backward passes): `shape` is known to broadcast to
 * `grad`'s, nothing is checked.
 * @internal
 */
export function sumGradToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const source = contiguous(grad.detach());
  const reduced = axes.length === 0 ? source : reduceAxes('sumToShape', 'sum', source, axes);
  return reshapeTo(reduced, shape);
}
