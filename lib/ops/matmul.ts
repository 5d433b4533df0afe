/**
 * Matrix products on the native `sgemm` kernel: 2-D, batched N-D with NumPy broadcasting of the
 * batch axes, and 1-D operands (vectors) as in NumPy. Transposes are never materialised: a
 * `transposeA`/`transposeB` option, or an operand that is a transposed view (`x.transpose()`),
 * becomes the GEMM call's transA/transB flag and leading dimension. Batches whose strides line up
 * run as one batched GEMM call.
 */
import { ValueError } from '../errors.js';
import { checkBoolean, formatShape, shapeError, typeError, unknownOption } from '../validate.js';
import { checkFloat, shapeSize, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { kernels, unaryCodes } from './kernels.js';
import { outputFor, storagesOverlap, type OutOptions } from './elementwise.js';
import { contiguous, reshape, reshapeTo } from './shape.js';
import { sumGradToShape } from './reduce.js';

/** Options of {@link matmul}. */
export interface MatmulOptions extends OutOptions {
  /** Multiply by the transpose of `a`'s last two axes (default false). */
  transposeA?: boolean;
  /** Multiply by the transpose of `b`'s last two axes (default false). */
  transposeB?: boolean;
}

const IDENTITY = unaryCodes.linear;

/** How a matrix operand reaches GEMM: its storage, whether it is stored transposed, its leading dimension. */
interface MatrixOperand {
  storage: Float32Array;
  /** The last two axes are stored column-major (a transposed view of a row-major matrix). */
  storedTransposed: boolean;
  leadingDim: number;
  /** Element strides of the batch axes. */
  batchStrides: readonly number[];
}

const NO_BATCH: readonly number[] = [];

/** Describes `t`'s last two axes as a GEMM operand, copying only when its strides fit neither layout. */
function matrixOperand(t: Tensor): MatrixOperand {
  const rank = t.rank;
  const rows = t.shape[rank - 2];
  const cols = t.shape[rank - 1];
  if (t._strides === null) {
    // Contiguous: row-major with ld = cols (the common case, decided without computing strides).
    return {
      storage: t.storage as Float32Array,
      storedTransposed: false,
      leadingDim: Math.max(cols, 1),
      batchStrides: rank === 2 ? NO_BATCH : t.strides.slice(0, rank - 2),
    };
  }
  let strides = t.strides;
  let s0 = strides[rank - 2];
  let s1 = strides[rank - 1];
  let source = t;
  const rowMajor = (cols <= 1 || s1 === 1) && (rows <= 1 || s0 >= Math.max(cols, 1));
  const colMajor = (rows <= 1 || s0 === 1) && (cols <= 1 || s1 >= Math.max(rows, 1));
  if (!rowMajor && !colMajor) {
    source = contiguous(t.detach());
    strides = source.strides;
    s0 = strides[rank - 2];
    s1 = strides[rank - 1];
  }
  const transposed = !rowMajor && colMajor;
  const leadingDim = transposed ? (cols <= 1 ? Math.max(rows, 1) : s1) : rows <= 1 ? Math.max(cols, 1) : s0;
  return {
    storage: source.storage as Float32Array,
    storedTransposed: transposed,
    leadingDim,
    batchStrides: rank === 2 ? NO_BATCH : strides.slice(0, rank - 2),
  };
}

function describeOperands(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): string {
  const flags = [transposeA ? 'transposeA' : '', transposeB ? 'transposeB' : ''].filter(Boolean).join(', ');
  return `cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}${flags ? ` (${flags})` : ''}`;
}

/** Broadcasts the batch axes; names both operands in the error. */
function batchShape(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): readonly number[] {
  if (a.rank === 2 && b.rank === 2) return NO_BATCH;
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const shape = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i - (rank - ba.length) >= 0 ? ba[i - (rank - ba.length)] : 1;
    const db = i - (rank - bb.length) >= 0 ? bb[i - (rank - bb.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      shapeError('matmul', `${describeOperands(a, b, transposeA, transposeB)}: batch dimensions ${da} and ${db} (axis ${i - rank - 2}) cannot be broadcast`);
    }
    shape[i] = da === 1 ? db : da;
  }
  return shape;
}

/** Batch strides of an operand aligned to the broadcast batch shape (0 on broadcast axes). */
function alignBatch(operand: MatrixOperand, shape: readonly number[], batch: readonly number[]): number[] {
  const offset = batch.length - operand.batchStrides.length;
  return batch.map((d, i) => {
    const j = i - offset;
    return j < 0 || (shape[j] === 1 && d !== 1) ? 0 : operand.batchStrides[j];
  });
}

/** The product of matrices (rank >= 2 both), written into `out`. */
function gemm(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, out: Tensor, batch: readonly number[]): void {
  const ra = a.rank;
  const rb = b.rank;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (out.size === 0) return;
  if (k === 0) {
    out.storage.fill(0);
    return;
  }
  const A = matrixOperand(a);
  const B = matrixOperand(b);
  const transA = A.storedTransposed !== transposeA;
  const transB = B.storedTransposed !== transposeB;
  if (batch.length === 0) {
    kernels.sgemm(transA, transB, m, n, k, 1, A.storage, A.leadingDim, B.storage, B.leadingDim, 0,
      out.storage as Float32Array, n, null, IDENTITY, 0, 1, 0, 0, 0);
    return;
  }
  const aStrides = alignBatch(A, a.shape.slice(0, -2), batch);
  const bStrides = alignBatch(B, b.shape.slice(0, -2), batch);

  // Collapse the batch axes (innermost first) where all three operands step evenly.
  const sizes: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  const sc: number[] = [];
  let cStride = m * n;
  for (let i = batch.length - 1; i >= 0; i--) {
    const d = batch[i];
    if (d !== 1) {
      const last = sizes.length - 1;
      if (last >= 0 && aStrides[i] === sa[last] * sizes[last] && bStrides[i] === sb[last] * sizes[last] && cStride === sc[last] * sizes[last]) {
        sizes[last] *= d;
      } else {
        sizes.push(d);
        sa.push(aStrides[i]);
        sb.push(bStrides[i]);
        sc.push(cStride);
      }
    }
    cStride *= d;
  }
  const innerCount = sizes.length > 0 ? sizes[0] : 1;
  const innerA = sizes.length > 0 ? sa[0] : 0;
  const innerB = sizes.length > 0 ? sb[0] : 0;
  const innerC = sizes.length > 0 ? sc[0] : 0;

  // A batch of row-major A against one shared B is a single taller matrix: one plain GEMM.
  if (sizes.length === 1 && !transA && innerB === 0 && innerA === m * A.leadingDim) {
    kernels.sgemm(false, transB, m * innerCount, n, k, 1, A.storage, A.leadingDim, B.storage, B.leadingDim, 0,
      out.storage as Float32Array, n, null, IDENTITY, 0, 1, 0, 0, 0);
    return;
  }
  if (sizes.length <= 1) {
    kernels.sgemm(transA, transB, m, n, k, 1, A.storage, A.leadingDim, B.storage, B.leadingDim, 0,
      out.storage as Float32Array, n, null, IDENTITY, 0, innerCount, innerA, innerB, innerC);
    return;
  }
  // Batch axes that do not collapse: one batched call per combination of the outer ones.
  const outerSizes = sizes.slice(1);
  const outerCount = outerSizes.reduce((p, d) => p * d, 1);
  const index = new Array<number>(outerSizes.length).fill(0);
  for (let call = 0; call < outerCount; call++) {
    let offA = 0;
    let offB = 0;
    let offC = 0;
    for (let j = 0; j < outerSizes.length; j++) {
      offA += index[j] * sa[j + 1];
      offB += index[j] * sb[j + 1];
      offC += index[j] * sc[j + 1];
    }
    kernels.sgemm(transA, transB, m, n, k, 1, A.storage.subarray(offA), A.leadingDim, B.storage.subarray(offB), B.leadingDim, 0,
      (out.storage as Float32Array).subarray(offC), n, null, IDENTITY, 0, innerCount, innerA, innerB, innerC);
    for (let j = 0; j < outerSizes.length; j++) {
      if (++index[j] < outerSizes[j]) break;
      index[j] = 0;
    }
  }
}

/** Matrix product of operands of rank >= 2, recorded for gradients. */
function matmulMatrices(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, options: OutOptions | undefined): Tensor {
  const ra = a.rank;
  const rb = b.rank;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = batchShape(a, b, transposeA, transposeB);
  const recording = needsGrad(a, b);
  const out = outputFor('matmul', options, batch.length === 0 ? [m, n] : [...batch, m, n], recording, a, b);
  if (options?.out !== undefined && (storagesOverlap(out, a) || storagesOverlap(out, b))) {
    throw new ValueError('matmul: out must not share memory with a or b');
  }
  gemm(a, b, transposeA, transposeB, out, batch);
  if (!recording) return out;
  // d op(A) = dC · op(B)^T and d op(B) = op(A)^T · dC, with every transpose a GEMM flag;
  // gradients of broadcast batch axes are summed back.
  return recordOp('matmul', out, [a, b], (grad, needs) => [
    needs[0]
      ? sumGradToShape(
          transposeA ? matmulMatrices(b, grad, transposeB, true, undefined) : matmulMatrices(grad, b, false, !transposeB, undefined),
          a.shape,
        )
      : null,
    needs[1] ? matrixGradient(a, b, grad, transposeA, transposeB) : null,
  ]);
}

/** The gradient of `b` in `op(a) · op(b)`: summed over broadcast batch axes. */
function matrixGradient(a: Tensor, b: Tensor, grad: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  if (b.rank === 2 && a.rank > 2 && !transposeA) {
    // A batch of A against one shared B: fold the batch into the rows, so the sum over the batch
    // happens inside one GEMM instead of a batched product reduced afterwards.
    const rows = shapeSize(a.shape.slice(0, -1));
    const a2 = reshapeTo(a, [rows, a.shape[a.rank - 1]]);
    const g2 = reshapeTo(grad, [rows, grad.shape[grad.rank - 1]]);
    return transposeB ? matmulMatrices(g2, a2, true, false, undefined) : matmulMatrices(a2, g2, true, false, undefined);
  }
  return sumGradToShape(
    transposeB ? matmulMatrices(grad, a, true, transposeA, undefined) : matmulMatrices(a, grad, !transposeA, false, undefined),
    b.shape,
  );
}

/**
 * Matrix product `op(a) · op(b)`, where op transposes the last two axes when `transposeA` /
 * `transposeB` is set (like `tf.matMul`). Operands of rank > 2 are batches of matrices whose
 * batch axes broadcast (NumPy rules); a 1-D operand is a vector (its axis is dropped from the
 * result). Transposes are folded into the GEMM call, never copied, including operands that are
 * transposed views.
 * ```ts
 * dn.matmul(x, w);                          // [batch, in] · [in, out]
 * dn.matmul(x, w, { transposeB: true });    // [batch, in] · [out, in]^T
 * ```
 * @throws ShapeError when the inner dimensions differ:
 *   `matmul: cannot multiply [32, 10] by [64, 16]: inner dimensions 10 and 64 differ`
 */
export function matmul(a: TensorLike, b: TensorLike, options?: MatmulOptions): Tensor {
  const where = 'matmul';
  const x = checkFloat(where, 'a', toTensor(where, 'a', a));
  const y = checkFloat(where, 'b', toTensor(where, 'b', b));
  let transposeA = false;
  let transposeB = false;
  let outOptions: OutOptions | undefined;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') typeError(where, 'options', 'an object', options);
    for (const key in options) {
      if (key !== 'transposeA' && key !== 'transposeB' && key !== 'out') {
        unknownOption(where, key, ['transposeA', 'transposeB', 'out']);
      }
    }
    if (options.transposeA !== undefined) transposeA = checkBoolean(where, 'transposeA', options.transposeA);
    if (options.transposeB !== undefined) transposeB = checkBoolean(where, 'transposeB', options.transposeB);
    if (options.out !== undefined) outOptions = { out: options.out };
  }
  if (x.rank === 0 || y.rank === 0) {
    shapeError(where, `${describeOperands(x, y, transposeA, transposeB)}: both operands need at least one axis`);
  }
  if (x.rank === 1 && transposeA) throw new ValueError(`${where}: transposeA needs a matrix (rank >= 2), got shape ${formatShape(x.shape)}`);
  if (y.rank === 1 && transposeB) throw new ValueError(`${where}: transposeB needs a matrix (rank >= 2), got shape ${formatShape(y.shape)}`);
  const kA = x.rank === 1 ? x.shape[0] : transposeA ? x.shape[x.rank - 2] : x.shape[x.rank - 1];
  const kB = y.rank === 1 ? y.shape[0] : transposeB ? y.shape[y.rank - 1] : y.shape[y.rank - 2];
  if (kA !== kB) shapeError(where, `${describeOperands(x, y, transposeA, transposeB)}: inner dimensions ${kA} and ${kB} differ`);
  if (x.rank >= 2 && y.rank >= 2) return matmulMatrices(x, y, transposeA, transposeB, outOptions);

  // Vectors: promote to matrices, multiply, drop the promoted axis (as NumPy does).
  if (outOptions !== undefined) throw new ValueError(`${where}: out needs both operands to be matrices (rank >= 2)`);
  const a2 = x.rank === 1 ? reshape(x, [1, kA]) : x;
  const b2 = y.rank === 1 ? reshape(y, [kB, 1]) : y;
  const product = matmulMatrices(a2, b2, transposeA, transposeB, undefined);
  const shape = product.shape.slice();
  if (y.rank === 1) shape.splice(shape.length - 1, 1);
  if (x.rank === 1) shape.splice(shape.length - 1 - (y.rank === 1 ? 0 : 1), 1);
  return reshape(product, shape);
}
