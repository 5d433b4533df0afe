/**
 * Shape and data-movement ops: reshape, flatten, transpose/permute, squeeze, expandDims,
 * broadcastTo, slice, split, concat, stack, pad, gather, oneHot, cast, contiguous, clone.
 *
 * reshape (of a contiguous tensor), transpose, squeeze, expandDims, broadcastTo, slice and split
 * return views: new shapes and strides over the same storage, no copy. The others copy with plain
 * loops (they only move values). Each op's gradient is defined beside its forward; the gradient
 * of a view is the inverse view (transpose back, reshape back) or, for slice, a zero padding.
 */
import { ShapeError, ValueError } from '../errors.js';
import {
  checkAxis, checkChoice, checkEach, checkInteger, checkIntegerArray, checkNumber, checkPositiveInteger, checkShape, dtypeError,
  formatList, formatShape, MAX_RANK, shapeError, typeError,
} from '../validate.js';
import {
  DTYPES, type DType, emptyTensor, makeTensor, outputTensor, sameShape, shapeSize, Tensor, tensor, toTensor, type TensorLike,
  type TypedStorage,
} from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { sumGradToShape } from './reduce.js';

// ---------------------------------------------------------------------------------------------
// Views and strided copies.

function isRowMajor(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/**
 * A tensor over `x`'s storage with `shape` and `strides`, starting `offset` elements in. It is
 * marked contiguous when the strides happen to be row-major.
 * @internal
 */
export function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  const size = shapeSize(shape);
  const storage = x.storage;
  if (size === 0) return makeTensor(storage.subarray(0, 0), shape);
  if (isRowMajor(shape, strides)) {
    return makeTensor(offset === 0 && storage.length === size ? storage : storage.subarray(offset, offset + size), shape);
  }
  let span = 1;
  for (let i = 0; i < shape.length; i++) span += (shape[i] - 1) * strides[i];
  return makeTensor(offset === 0 && storage.length === span ? storage : storage.subarray(offset, offset + span), shape, strides);
}

/**
 * Copies every element of `source` (any strides) into `target`, which is laid out with
 * `targetStrides` starting at `targetOffset`.
 */
function copyStrided(source: Tensor, target: TypedStorage, targetOffset: number, targetStrides: readonly number[]): void {
  const shape = source.shape;
  const rank = shape.length;
  const size = source.size;
  if (size === 0) return;
  if (rank === 0) {
    target[targetOffset] = source.storage[0];
    return;
  }
  const from = source.storage;
  const sourceStrides = source.strides;
  const inner = shape[rank - 1];
  const fromStep = sourceStrides[rank - 1];
  const toStep = targetStrides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let fromBase = 0;
  let toBase = targetOffset;
  for (let done = 0; done < size; done += inner) {
    if (fromStep === 1 && toStep === 1) {
      target.set(from.subarray(fromBase, fromBase + inner), toBase);
    } else {
      for (let j = 0; j < inner; j++) target[toBase + j * toStep] = from[fromBase + j * fromStep];
    }
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      fromBase += sourceStrides[d];
      toBase += targetStrides[d];
      if (index[d] < shape[d]) break;
      fromBase -= sourceStrides[d] * shape[d];
      toBase -= targetStrides[d] * shape[d];
      index[d] = 0;
    }
  }
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** A fresh contiguous copy of `x`'s values (not recorded). */
function copyOf(x: Tensor): Tensor {
  const out = outputTensor(x.shape, x.dtype);
  copyStrided(x, out.storage, 0, rowMajorStrides(x.shape));
  return out;
}

/** Gradient of the identity-shaped ops (contiguous, clone): the gradient itself. */
const passThrough = (grad: Tensor): Tensor[] => [grad];

/** `x` itself when contiguous, else a contiguous copy (recorded for gradients). */
export function contiguous(x: Tensor): Tensor {
  if (x._strides === null) return x;
  const out = copyOf(x);
  if (!needsGrad(x)) return out;
  return recordOp('contiguous', out, [x], passThrough);
}

/** A contiguous copy of `x` that shares nothing with it (recorded for gradients). */
export function clone(x: TensorLike): Tensor {
  const input = toTensor('clone', 'x', x);
  const out = copyOf(input);
  if (!needsGrad(input)) return out;
  return recordOp('clone', out, [input], passThrough);
}

/**
 * Converts `x` to `dtype`: float32 → int32 truncates toward zero (NaN becomes 0, values beyond
 * the int32 range saturate). Returns `x` itself when it already has that dtype. No gradient.
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const input = toTensor('cast', 'x', x);
  checkChoice('cast', 'dtype', dtype, DTYPES);
  if (input.dtype === dtype) return input;
  const source = contiguous(input.detach());
  const out = outputTensor(input.shape, dtype);
  const from = source.storage;
  const to = out.storage;
  if (dtype === 'int32') {
    for (let i = 0; i < from.length; i++) {
      const v = from[i];
      to[i] = Number.isNaN(v) ? 0 : v >= 2147483647 ? 2147483647 : v <= -2147483648 ? -2147483648 : Math.trunc(v);
    }
  } else {
    to.set(from);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// reshape, flatten, squeeze, expandDims.

/** Resolves a requested shape with at most one -1 against `size` elements. */
function resolveShape(where: string, x: Tensor, shape: unknown): number[] {
  if (!Array.isArray(shape)) typeError(where, 'shape', 'an array of integers', shape);
  const dims = checkIntegerArray(where, 'shape', shape, -1, 2 ** 31 - 1, MAX_RANK);
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === -1) {
      if (inferred >= 0) throw new ValueError(`${where}: shape may contain only one -1, got ${formatList(dims)}`);
      inferred = i;
    } else {
      known *= dims[i];
    }
  }
  if (inferred >= 0) {
    if (known === 0 || x.size % known !== 0) {
      shapeError(where, `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatList(dims)}`);
    }
    dims[inferred] = x.size / known;
  } else if (known !== x.size) {
    shapeError(where, `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(dims)} (${known} elements)`);
  }
  return dims;
}

/** A view of `x` (contiguous) with another shape of the same size, recorded. */
function reshapeView(where: string, x: Tensor, shape: readonly number[]): Tensor {
  const source = x._strides === null ? x : contiguous(x);
  const out = makeTensor(source.storage, shape);
  if (!needsGrad(source)) return out;
  return recordOp(where, out, [source], (grad) => [reshapeTo(grad, source.shape)]);
}

/**
 * Reshapes to a shape already known to hold the same number of elements (library code, e.g. a
 * backward pass): no validation. A view when `x` is contiguous; recorded.
 * @internal
 */
export function reshapeTo(x: Tensor, shape: readonly number[]): Tensor {
  return sameShape(shape, x.shape) ? x : reshapeView('reshape', x, shape);
}

/**
 * The same elements in a new shape; one dimension may be -1 (inferred). A view of a contiguous
 * tensor (no copy); a non-contiguous tensor is copied first.
 * ```ts
 * dn.arange(6).reshape([2, -1]); // shape [2, 3]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const input = toTensor('reshape', 'x', x);
  const dims = resolveShape('reshape', input, shape);
  if (sameShape(dims, input.shape)) return input;
  return reshapeView('reshape', input, dims);
}

/**
 * Flattens axes `startAxis` through `endAxis` (default: all, giving a 1-D tensor) into one.
 * `flatten(x, 1)` keeps the batch axis.
 */
export function flatten(x: TensorLike, startAxis = 0, endAxis = -1): Tensor {
  const input = toTensor('flatten', 'x', x);
  if (input.rank === 0) return reshapeView('flatten', input, [1]);
  const start = checkAxis('flatten', 'startAxis', startAxis, input.rank);
  const end = checkAxis('flatten', 'endAxis', endAxis, input.rank);
  if (start > end) throw new ValueError(`flatten: startAxis (${startAxis}) must not come after endAxis (${endAxis})`);
  const shape = [...input.shape.slice(0, start), shapeSize(input.shape.slice(start, end + 1)), ...input.shape.slice(end + 1)];
  if (sameShape(shape, input.shape)) return input;
  return reshapeView('flatten', input, shape);
}

/** Removes size-1 axes: all of them, or those listed (each must have size 1). A view. */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const where = 'squeeze';
  const input = toTensor(where, 'x', x);
  let drop: boolean[];
  if (axis === undefined) {
    drop = input.shape.map((d) => d === 1);
  } else {
    drop = new Array<boolean>(input.rank).fill(false);
    const axes = typeof axis === 'number' ? [axis] : Array.isArray(axis) ? axis : typeError(where, 'axis', 'an integer or an array of integers', axis);
    axes.forEach((a, i) => {
      const k = checkAxis(where, Array.isArray(axis) ? `axis[${i}]` : 'axis', a, input.rank);
      if (input.shape[k] !== 1) shapeError(where, `cannot squeeze axis ${a} of shape ${formatShape(input.shape)}: its size is ${input.shape[k]}, not 1`);
      drop[k] = true;
    });
  }
  const strides = input.strides;
  const shape: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < input.rank; i++) {
    if (drop[i]) continue;
    shape.push(input.shape[i]);
    kept.push(strides[i]);
  }
  if (shape.length === input.rank) return input;
  const out = makeView(input, shape, kept, 0);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => [reshapeTo(grad, input.shape)]);
}

/** Inserts a size-1 axis at `axis` (default 0; -1 appends). A view. */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const where = 'expandDims';
  const input = toTensor(where, 'x', x);
  const k = checkAxis(where, 'axis', axis, input.rank + 1);
  const strides = input.strides;
  const shape = [...input.shape.slice(0, k), 1, ...input.shape.slice(k)];
  const stride = k < input.rank ? strides[k] * input.shape[k] : 1;
  const out = makeView(input, shape, [...strides.slice(0, k), stride, ...strides.slice(k)], 0);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => [reshapeTo(grad, input.shape)]);
}

// ---------------------------------------------------------------------------------------------
// transpose, permute, broadcastTo.

function checkPermutation(where: string, perm: unknown, rank: number): number[] {
  const axes = checkIntegerArray(where, 'perm', perm, -rank, rank - 1, rank).map((a) => (a < 0 ? a + rank : a));
  if (axes.length !== rank || new Set(axes).size !== rank) {
    throw new ValueError(`${where}: perm must be a permutation of the ${rank} axes, got ${formatList(perm as unknown[])}`);
  }
  return axes;
}

function permuteView(where: string, input: Tensor, perm: readonly number[]): Tensor {
  let identity = true;
  for (let i = 0; i < perm.length; i++) if (perm[i] !== i) identity = false;
  if (identity) return input;
  const strides = input.strides;
  const out = makeView(input, perm.map((a) => input.shape[a]), perm.map((a) => strides[a]), 0);
  if (!needsGrad(input)) return out;
  const inverse = new Array<number>(perm.length);
  perm.forEach((a, i) => (inverse[a] = i));
  return recordOp(where, out, [input], (grad) => [permuteView(where, grad, inverse)]);
}

/**
 * Permutes the axes (default: reverses them, so a matrix is transposed). A view: nothing is
 * copied, and `matmul` folds a transposed matrix into its GEMM call.
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const input = toTensor('transpose', 'x', x);
  const axes = perm === undefined ? input.shape.map((_, i) => input.rank - 1 - i) : checkPermutation('transpose', perm, input.rank);
  return permuteView('transpose', input, axes);
}

/** Permutes the axes as `perm` lists them (PyTorch's permute). A view. */
export function permute(x: TensorLike, perm: readonly number[]): Tensor {
  const input = toTensor('permute', 'x', x);
  return permuteView('permute', input, checkPermutation('permute', perm, input.rank));
}

/**
 * Broadcasts `x` to `shape` (NumPy rules) without copying: broadcast axes get stride 0. The
 * gradient sums back over them.
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const where = 'broadcastTo';
  const input = toTensor(where, 'x', x);
  const target = checkIntegerArray(where, 'shape', shape, 0, 2 ** 31 - 1, MAX_RANK);
  if (target.length < input.rank) {
    shapeError(where, `cannot broadcast ${formatShape(input.shape)} to ${formatShape(target)}: the target has fewer axes`);
  }
  return expandTo(input, target);
}

/**
 * Broadcasts to `target` (at least `input`'s rank) as a zero-stride view, recorded; throws a
 * ShapeError when an axis is neither equal nor 1. Library code uses it without the argument
 * checks of {@link broadcastTo}.
 * @internal
 */
export function expandTo(input: Tensor, target: readonly number[]): Tensor {
  const where = 'broadcastTo';
  const offset = target.length - input.rank;
  const strides = input.strides;
  const viewStrides = new Array<number>(target.length).fill(0);
  for (let i = 0; i < input.rank; i++) {
    const d = input.shape[i];
    if (d === target[i + offset]) viewStrides[i + offset] = strides[i];
    else if (d !== 1) shapeError(where, `cannot broadcast ${formatShape(input.shape)} to ${formatShape(target)}: axis ${i} is ${d}, not 1 or ${target[i + offset]}`);
  }
  if (sameShape(target, input.shape)) return input;
  const out = makeView(input, target, viewStrides, 0);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => [sumGradToShape(grad, input.shape)]);
}

// ---------------------------------------------------------------------------------------------
// slice, split, pad.

/** Reads `begin`/`size` (a number means the first axis; missing axes start at 0 / run to the end). */
function sliceBounds(where: string, input: Tensor, begin: unknown, size: unknown): { start: number[]; length: number[] } {
  const rank = input.rank;
  const begins = typeof begin === 'number' ? [begin] : begin;
  if (!Array.isArray(begins)) typeError(where, 'begin', 'an integer or an array of integers', begin);
  if (begins.length > rank) throw new ValueError(`${where}: begin has ${begins.length} entries, the tensor has ${rank} axes`);
  const sizes = size === undefined ? [] : typeof size === 'number' ? [size] : size;
  if (!Array.isArray(sizes)) typeError(where, 'size', 'an integer or an array of integers', size);
  if (sizes.length > rank) throw new ValueError(`${where}: size has ${sizes.length} entries, the tensor has ${rank} axes`);
  const start = new Array<number>(rank);
  const length = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const n = input.shape[i];
    let b = i < begins.length ? checkInteger(where, `begin[${i}]`, begins[i], -n, n) : 0;
    if (b < 0) b += n;
    const s = i < sizes.length ? checkInteger(where, `size[${i}]`, sizes[i], -1, n) : -1;
    const l = s === -1 ? n - b : s;
    if (b + l > n) {
      throw new ValueError(`${where}: begin[${i}] + size[${i}] = ${b + l} runs past axis ${i} of size ${n} (shape ${formatShape(input.shape)})`);
    }
    start[i] = b;
    length[i] = l;
  }
  return { start, length };
}

function sliceView(where: string, input: Tensor, start: readonly number[], length: readonly number[]): Tensor {
  if (sameShape(length, input.shape)) return input;
  const strides = input.strides;
  let offset = 0;
  for (let i = 0; i < start.length; i++) offset += start[i] * strides[i];
  const out = makeView(input, length, strides, offset);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => [
    padWith('slice', grad, start.map((b, i) => [b, input.shape[i] - b - length[i]] as [number, number]), 0),
  ]);
}

/**
 * The block of `x` starting at `begin` with `size` entries per axis (TensorFlow.js semantics):
 * a number means the first axis; missing axes start at 0; a size of -1 (or a missing one) runs to
 * the end of its axis; a negative begin counts from the end. A view (no copy).
 * ```ts
 * x.slice([0, 1], [2, -1]); // rows 0-1, columns 1..end
 * ```
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const input = toTensor('slice', 'x', x);
  const { start, length } = sliceBounds('slice', input, begin, size);
  return sliceView('slice', input, start, length);
}

/**
 * Splits `x` along `axis` (default 0) into `numOrSizes` equal parts, or into parts of the listed
 * sizes (one may be -1: the rest). The parts are views.
 */
export function split(x: TensorLike, numOrSizes: number | readonly number[], axis = 0): Tensor[] {
  const where = 'split';
  const input = toTensor(where, 'x', x);
  const k = checkAxis(where, 'axis', axis, input.rank);
  const n = input.shape[k];
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    const parts = checkPositiveInteger(where, 'numOrSizes', numOrSizes);
    if (n % parts !== 0) shapeError(where, `axis ${axis} of shape ${formatShape(input.shape)} has ${n} entries, which do not split into ${parts} equal parts`);
    sizes = new Array<number>(parts).fill(n / parts);
  } else {
    sizes = checkIntegerArray(where, 'numOrSizes', numOrSizes, -1, n);
    const rest = sizes.indexOf(-1);
    if (rest !== sizes.lastIndexOf(-1)) throw new ValueError(`${where}: numOrSizes may contain only one -1`);
    const known = sizes.reduce((sum, s) => (s === -1 ? sum : sum + s), 0);
    if (rest >= 0) {
      if (known > n) shapeError(where, `sizes ${formatList(sizes)} exceed the ${n} entries of axis ${axis} of shape ${formatShape(input.shape)}`);
      sizes[rest] = n - known;
    } else if (known !== n) {
      shapeError(where, `sizes ${formatList(sizes)} add up to ${known}, but axis ${axis} of shape ${formatShape(input.shape)} has ${n} entries`);
    }
  }
  const parts: Tensor[] = [];
  let begin = 0;
  for (const s of sizes) {
    const start = input.shape.map((_, i) => (i === k ? begin : 0));
    const length = input.shape.map((d, i) => (i === k ? s : d));
    parts.push(sliceView(where, input, start, length));
    begin += s;
  }
  return parts;
}

function padWith(where: string, input: Tensor, paddings: ReadonlyArray<readonly [number, number]>, value: number): Tensor {
  const shape = input.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = value === 0 ? emptyTensor(shape, input.dtype) : outputTensor(shape, input.dtype);
  if (value !== 0) out.storage.fill(value);
  const strides = rowMajorStrides(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += paddings[i][0] * strides[i];
  copyStrided(input, out.storage, offset, strides);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => [sliceView(where, grad, paddings.map((p) => p[0]), input.shape)]);
}

/**
 * Pads `x` with `value` (default 0): `paddings[i] = [before, after]` entries on axis i.
 * ```ts
 * dn.pad(x, [[0, 0], [1, 1]]); // one zero column on each side of a matrix
 * ```
 */
export function pad(x: TensorLike, paddings: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
  const where = 'pad';
  const input = toTensor(where, 'x', x);
  if (!Array.isArray(paddings)) typeError(where, 'paddings', 'an array of [before, after] pairs', paddings);
  if (paddings.length !== input.rank) {
    throw new ValueError(`${where}: paddings needs one [before, after] pair per axis: ${input.rank} for shape ${formatShape(input.shape)}, got ${paddings.length}`);
  }
  const pairs = checkEach(paddings, (pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) typeError(where, `paddings[${i}]`, 'a [before, after] pair', pair);
    return checkIntegerArray(where, `paddings[${i}]`, pair, 0, 2 ** 31 - 1) as [number, number];
  });
  checkNumber(where, 'value', value);
  if (input.dtype === 'int32' && !Number.isInteger(value)) throw new ValueError(`${where}: value must be an integer for an int32 tensor, got ${value}`);
  return padWith(where, input, pairs, value);
}

// ---------------------------------------------------------------------------------------------
// concat, stack.

function checkTensorList(where: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors)) typeError(where, 'tensors', 'an array of tensors', tensors);
  if (tensors.length === 0) throw new ValueError(`${where}: tensors must not be empty`);
  return checkEach(tensors, (t, i) => toTensor(where, `tensors[${i}]`, t as TensorLike));
}

/** Joins tensors along an existing `axis` (default 0); the other axes must match. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  const where = 'concat';
  const inputs = checkTensorList(where, tensors);
  const first = inputs[0];
  if (first.rank === 0) shapeError(where, 'cannot concatenate rank-0 tensors; use stack');
  const k = checkAxis(where, 'axis', axis, first.rank);
  let total = 0;
  inputs.forEach((t, i) => {
    if (t.dtype !== first.dtype) dtypeError(where, `tensors[${i}]`, first.dtype, t.dtype, 'all tensors must share a dtype');
    const compatible = t.rank === first.rank && t.shape.every((d, j) => j === k || d === first.shape[j]);
    if (!compatible) {
      const expected = first.shape.map((d, j) => (j === k ? '*' : String(d))).join(', ');
      throw new ShapeError(`${where}: tensors[${i}] has shape ${formatShape(t.shape)}, expected [${expected}] to join along axis ${axis}`);
    }
    total += t.shape[k];
  });
  if (inputs.length === 1) return first;
  const shape = first.shape.map((d, j) => (j === k ? total : d));
  const out = outputTensor(shape, first.dtype);
  const strides = rowMajorStrides(shape);
  let offset = 0;
  for (const t of inputs) {
    copyStrided(t, out.storage, offset * strides[k], strides);
    offset += t.shape[k];
  }
  return recordOp(where, out, inputs, (grad, needs) => {
    let begin = 0;
    return inputs.map((t, i) => {
      const start = shape.map((_, j) => (j === k ? begin : 0));
      begin += t.shape[k];
      return needs[i] ? sliceView(where, grad, start, t.shape) : null;
    });
  });
}

/** Stacks same-shaped tensors along a new `axis` (default 0). */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  const where = 'stack';
  const inputs = checkTensorList(where, tensors);
  const k = checkAxis(where, 'axis', axis, inputs[0].rank + 1);
  inputs.forEach((t, i) => {
    if (!sameShape(t.shape, inputs[0].shape)) {
      throw new ShapeError(`${where}: tensors[${i}] has shape ${formatShape(t.shape)}, but tensors[0] has ${formatShape(inputs[0].shape)}; stacked tensors must share a shape`);
    }
  });
  const expanded = inputs.map((t) => expandDims(t, k));
  return expanded.length === 1 ? contiguous(expanded[0]) : concat(expanded, k);
}

// ---------------------------------------------------------------------------------------------
// gather, oneHot.

/** Reads int32 indices from a tensor or an array of integers. */
function toIndices(where: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) {
    if (value.dtype !== 'int32') dtypeError(where, name, 'int32', value.dtype, `convert it with ${name}.cast('int32')`);
    return value;
  }
  if (typeof value === 'number') return tensor(value, undefined, 'int32');
  if (Array.isArray(value) || value instanceof Int32Array) return tensor(value as TensorLike, undefined, 'int32');
  typeError(where, name, 'an int32 Tensor or an array of integers', value);
}

/**
 * Takes the entries of `x` at `indices` along `axis` (default 0): the result's shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Indices are int32, in [0, size of axis).
 * The gradient adds into the gathered positions (repeated indices accumulate).
 * ```ts
 * embeddings.gather(tokenIds); // rows of an embedding table
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const where = 'gather';
  const input = toTensor(where, 'x', x);
  const index = contiguous(toIndices(where, 'indices', indices));
  const k = checkAxis(where, 'axis', axis, input.rank);
  const n = input.shape[k];
  const ids = index.storage;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= n) {
      throw new ValueError(`${where}: indices[${i}] = ${ids[i]} is out of range for axis ${axis} of size ${n} (shape ${formatShape(input.shape)})`);
    }
  }
  const source = contiguous(input.detach());
  const outer = shapeSize(input.shape.slice(0, k));
  const inner = shapeSize(input.shape.slice(k + 1));
  const shape = [...input.shape.slice(0, k), ...index.shape, ...input.shape.slice(k + 1)];
  const out = outputTensor(shape, input.dtype);
  const from = source.storage;
  const to = out.storage;
  const count = ids.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const src = (o * n + ids[j]) * inner;
      const dst = (o * count + j) * inner;
      if (inner > 16) to.set(from.subarray(src, src + inner), dst);
      else for (let e = 0; e < inner; e++) to[dst + e] = from[src + e];
    }
  }
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => {
    const g = contiguous(grad).storage;
    const dx = emptyTensor(input.shape);
    const acc = dx.storage;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        const dst = (o * n + ids[j]) * inner;
        const src = (o * count + j) * inner;
        for (let e = 0; e < inner; e++) acc[dst + e] += g[src + e];
      }
    }
    return [dx];
  });
}

/**
 * One-hot encodes int32 `indices` (each in [0, depth)) into float32 rows of length `depth`
 * (shape `[...indices.shape, depth]`), with `onValue` (default 1) and `offValue` (default 0).
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0): Tensor {
  const where = 'oneHot';
  const index = contiguous(toIndices(where, 'indices', indices));
  checkPositiveInteger(where, 'depth', depth);
  checkNumber(where, 'onValue', onValue);
  checkNumber(where, 'offValue', offValue);
  // The output must fit a tensor: depth times the number of indices.
  const out = emptyTensor(checkShape(where, 'the output shape', [...index.shape, depth]));
  const to = out.storage;
  if (offValue !== 0) to.fill(offValue);
  const ids = index.storage;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= depth) throw new ValueError(`${where}: indices[${i}] = ${id} is out of range for depth ${depth}`);
    to[i * depth + id] = onValue;
  }
  return out;
}
