/**
 * NumPy broadcasting: the result shape of two operands, and the strided layout the native
 * `binary` kernel takes (`[rank, shape..., aStrides..., bStrides...]`, stride 0 on broadcast
 * dimensions). Layouts are collapsed (size-1 dims dropped, dims merged where both operands run
 * contiguously) so the kernel sees the fewest, longest loops, and cached so a training loop that
 * repeats the same shapes computes each layout once.
 */
import { formatShape, shapeError } from '../validate.js';
import { sameShape, type Tensor } from '../tensor.js';

/** The broadcast shape of `a` and `b`; reuses `a` or `b` when it equals one of them. */
export function broadcastShapes(where: string, a: readonly number[], b: readonly number[]): readonly number[] {
  if (sameShape(a, b)) return a;
  const rank = Math.max(a.length, b.length);
  const shape = new Array<number>(rank);
  let isA = a.length === rank;
  let isB = b.length === rank;
  for (let i = 0; i < rank; i++) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      shapeError(
        where,
        `shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together: axis ${i - rank} is ${da} in the first and ${db} in the second`,
      );
    }
    const d = da === 1 ? db : da;
    shape[i] = d;
    if (d !== da) isA = false;
    if (d !== db) isB = false;
  }
  return isA ? a : isB ? b : shape;
}

/** The strides of `t` aligned to an output of rank `rank` (0 on broadcast and missing axes). */
export function alignedStrides(t: Tensor, outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const offset = rank - t.shape.length;
  const strides = t.strides;
  const aligned = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const j = i - offset;
    aligned[i] = j < 0 || (t.shape[j] === 1 && outShape[i] !== 1) ? 0 : strides[j];
  }
  return aligned;
}

/** The largest rank the binary kernel accepts after collapsing (kMaxRank in kernels.h). */
const MAX_KERNEL_RANK = 8;

/** A planned binary op: its output shape and kernel layout. */
export interface BinaryPlan {
  shape: readonly number[];
  layout: Float64Array;
}

// The one-dimension layouts of the fast paths, rewritten in place for each call: the kernel
// reads the layout synchronously, so one array serves every call.
const flatPlan: BinaryPlan = { shape: [], layout: new Float64Array(4) };
flatPlan.layout[0] = 1;

interface CachedPlan extends BinaryPlan {
  aShape: readonly number[];
  aStrides: readonly number[] | null;
  bShape: readonly number[];
  bStrides: readonly number[] | null;
}
const CACHE_SIZE = 16;
const cache: CachedPlan[] = [];
let cacheNext = 0;

function sameStrides(x: readonly number[] | null, y: readonly number[] | null): boolean {
  return x === y || (x !== null && y !== null && sameShape(x, y));
}

/**
 * Plans `a op b`: the broadcast output shape and the kernel layout. The returned object may be
 * reused by the next call: read it before planning another op.
 */
export function planBinary(where: string, a: Tensor, b: Tensor): BinaryPlan {
  const as = a._strides;
  const bs = b._strides;
  if (as === null && bs === null) {
    if (sameShape(a.shape, b.shape)) return flat(a.shape, a.size, 1, 1);
    if (b.size === 1 && b.shape.length <= a.shape.length) return flat(a.shape, a.size, 1, 0);
    if (a.size === 1 && a.shape.length <= b.shape.length) return flat(b.shape, b.size, 0, 1);
  }
  for (let i = 0; i < cache.length; i++) {
    const entry = cache[i];
    if (
      sameShape(entry.aShape, a.shape) && sameShape(entry.bShape, b.shape) &&
      sameStrides(entry.aStrides, as) && sameStrides(entry.bStrides, bs)
    ) {
      return entry;
    }
  }
  const shape = broadcastShapes(where, a.shape, b.shape);
  const entry: CachedPlan = {
    shape,
    layout: collapsedLayout(where, shape, alignedStrides(a, shape), alignedStrides(b, shape)),
    aShape: a.shape,
    aStrides: as,
    bShape: b.shape,
    bStrides: bs,
  };
  if (cache.length < CACHE_SIZE) cache.push(entry);
  else cache[cacheNext] = entry;
  cacheNext = (cacheNext + 1) % CACHE_SIZE;
  return entry;
}

function flat(shape: readonly number[], size: number, aStride: number, bStride: number): BinaryPlan {
  flatPlan.shape = shape;
  const layout = flatPlan.layout;
  layout[1] = size;
  layout[2] = aStride;
  layout[3] = bStride;
  return flatPlan;
}

/** Drops size-1 dims and merges dims where both operands (and the contiguous output) run on. */
function collapsedLayout(where: string, shape: readonly number[], aStrides: number[], bStrides: number[]): Float64Array {
  const dims: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = shape[i];
    if (n === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && aStrides[i] === sa[last] * dims[last] && bStrides[i] === sb[last] * dims[last]) {
      dims[last] *= n;
    } else {
      dims.push(n);
      sa.push(aStrides[i]);
      sb.push(bStrides[i]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    sa.push(0);
    sb.push(0);
  }
  const rank = dims.length;
  if (rank > MAX_KERNEL_RANK) {
    shapeError(where, `the broadcast of these operands needs ${rank} strided dimensions, the kernel takes at most ${MAX_KERNEL_RANK}; make an operand contiguous first`);
  }
  const layout = new Float64Array(1 + 3 * rank);
  layout[0] = rank;
  for (let k = 0; k < rank; k++) {
    // Collected innermost first; the kernel wants outermost first.
    layout[1 + k] = dims[rank - 1 - k];
    layout[1 + rank + k] = sa[rank - 1 - k];
    layout[1 + 2 * rank + k] = sb[rank - 1 - k];
  }
  return layout;
}

/**
 * For each element of a contiguous output of `outShape`, the index of the element of `t` it reads
 * (broadcast and strides applied), or null when that is the identity. Used by the ops written
 * as plain loops (comparisons, where).
 */
export function indexMap(t: Tensor, outShape: readonly number[]): Int32Array | null {
  if (t._strides === null && sameShape(t.shape, outShape)) return null;
  const size = outShape.reduce((p, d) => p * d, 1);
  const map = new Int32Array(size);
  if (size === 0) return map;
  const strides = alignedStrides(t, outShape);
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  const innerLength = rank === 0 ? 1 : outShape[rank - 1];
  const innerStride = rank === 0 ? 0 : strides[rank - 1];
  let base = 0;
  for (let position = 0; position < size; position += innerLength) {
    for (let j = 0; j < innerLength; j++) map[position + j] = base + j * innerStride;
    // Odometer over the outer dims.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      base += strides[d];
      if (index[d] < outShape[d]) break;
      base -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return map;
}
