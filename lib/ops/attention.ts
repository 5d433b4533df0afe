/**
 * Scaled dot-product attention with autograd, on the native blocked kernels `attentionForward` /
 * `attentionBackward` (FlashAttention's algorithm: the scores are computed block by block with an online
 * softmax and recomputed in the backward pass, so memory grows linearly with the sequence lengths, not
 * with their product). The kernels address q, k, v and the output through strides, so views (a
 * transposed `[batch, length, heads, dim]` projection, a slice of a key/value cache) are read in place.
 */
import { ValueError } from '../errors.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, formatShape, shapeError } from '../validate.js';
import { checkFloat, contiguousStrides, emptyTensor, floats, makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { pickGenerator, type Generator } from '../random.js';
import { alignedStrides } from './broadcast.js';
import { broadcastTo, cast, contiguous } from './shape.js';
import { kernels } from './kernels.js';

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /**
   * Which keys each query may attend to: nonzero (or true) where it may, 0 where it may not; any tensor that
   * broadcasts to `[...batch, qLen, kvLen]` (a key padding mask `[batch, 1, 1, kvLen]` for `[batch, heads,
   * length, dim]` inputs, Keras' `[batch, qLen, kvLen]` attention mask for `[batch, length, dim]` ones).
   * A query that may attend to no key outputs 0.
   */
  mask?: TensorLike | null;
  /** Query i attends only to keys j <= i + causalOffset (a causal, autoregressive mask). Default false. */
  causal?: boolean;
  /**
   * With `causal`, where the diagonal sits (default 0: query i sees keys 0..i, as PyTorch's `is_causal` and
   * Keras' `use_causal_mask`). `kvLen - qLen` aligns the last query with the last key, as when the keys
   * hold a cache of earlier steps.
   */
  causalOffset?: number;
  /** Multiplies the scores q · k. Default 1 / sqrt(headDim). */
  scale?: number;
  /** Fraction of the attention weights to drop (and scale the rest by 1 / (1 - rate)). Default 0. */
  dropout?: number;
  /** Seed of the dropout decisions (default: drawn from `generator` or the global generator). */
  seed?: number;
  /** The generator the dropout seed is drawn from. */
  generator?: Generator;
  /** Also return the attention weights `[...batch, qLen, kvLen]` (before dropout). Default false. */
  returnScores?: boolean;
}

const OPTION_NAMES = ['mask', 'causal', 'causalOffset', 'scale', 'dropout', 'seed', 'generator', 'returnScores'];

/** How the native kernels see one tensor: (batch, head, row) strides over its storage, the last axis contiguous. */
interface Problems {
  data: Float32Array;
  batch: number;
  heads: number;
  strides: [number, number, number];
}

/**
 * The (batch, head, row) view of a tensor of rank >= 2 with the given strides (its last axis contiguous):
 * rank 2 is one problem, rank 3 a batch of them, rank 4 `[batch, heads, rows, width]`; a higher rank must be
 * contiguous (its leading axes fold into the batch).
 */
function problemsOf(shape: readonly number[], strides: readonly number[]): Omit<Problems, 'data'> {
  const r = shape.length;
  if (r === 2) return { batch: 1, heads: 1, strides: [0, 0, strides[0]] };
  if (r === 3) return { batch: shape[0], heads: 1, strides: [strides[0], 0, strides[1]] };
  if (r === 4) return { batch: shape[0], heads: shape[1], strides: [strides[0], strides[1], strides[2]] };
  let batch = 1;
  for (let i = 0; i < r - 3; i++) batch *= shape[i];
  return { batch, heads: shape[r - 3], strides: [strides[r - 4], strides[r - 3], strides[r - 2]] };
}

/** Problems over `t`'s storage (a contiguous copy when its last axis is strided or its rank is above 4). */
function problems(t: Tensor): Problems {
  const strides = t.strides;
  const inPlace = t.rank <= 4 && (t.shape[t.rank - 1] <= 1 || strides[t.rank - 1] === 1);
  const source = inPlace ? t : contiguous(t.detach());
  return { data: floats(source), ...problemsOf(source.shape, source.strides) };
}

/** The mask's (batch, head, query, key) strides over its storage, broadcast to `full` = [...batch, qLen, kvLen]. */
function maskLayout(mask: Tensor, full: readonly number[]): { data: Float32Array; strides: number[] } {
  let m = mask.dtype === 'float32' ? mask.detach() : cast(mask.detach(), 'float32');
  if (full.length > 4) m = contiguous(broadcastTo(m, full));
  const aligned = full.length > 4 ? contiguousStrides(full) : alignedStrides(m, full);
  const r = full.length;
  const strides = r === 2 ? [0, 0, aligned[0], aligned[1]]
    : r === 3 ? [aligned[0], 0, aligned[1], aligned[2]]
    : [aligned[r - 4], aligned[r - 3], aligned[r - 2], aligned[r - 1]];
  return { data: m.storage as Float32Array, strides };
}

/** @internal Everything the kernels need about one attention call, already checked. */
export interface AttentionCall {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  mask: Tensor | null;
  causal: boolean;
  causalOffset: number;
  scale: number;
  dropout: number;
  dropoutSeed: number;
}

/** The (batch, head, row) strides of a contiguous tensor of this shape. */
function contiguousProblemStrides(shape: readonly number[]): [number, number, number] {
  return problemsOf(shape, contiguousStrides(shape)).strides;
}

/** Problems over a `[batch, rows, heads, width]` tensor (heads after the rows), read in place when its last axis is contiguous. */
function headsLastProblems(t: Tensor): Problems {
  const source = t.shape[3] <= 1 || t.strides[3] === 1 ? t : contiguous(t.detach());
  const s = source.strides;
  return { data: floats(source), batch: t.shape[0], heads: t.shape[2], strides: [s[0], s[2], s[1]] };
}

/**
 * A zeroed tensor of `t`'s shape laid out like `t` when t's strides are a permutation of a contiguous layout
 * (a transposed view: its gradient then transposes back without a copy), else contiguous.
 */
function gradientLike(t: Tensor): Tensor {
  if (t.isContiguous || t.rank > 4) return emptyTensor(t.shape);
  const strides = t.strides;
  const order = t.shape.map((_, i) => i).filter((i) => t.shape[i] > 1).sort((a, b) => strides[b] - strides[a]);
  let expected = 1;
  for (let n = order.length - 1; n >= 0; n--) {
    if (strides[order[n]] !== expected) return emptyTensor(t.shape);
    expected *= t.shape[order[n]];
  }
  return makeTensor(new Float32Array(t.size), t.shape, strides);
}

/** How {@link attention} lays out its output. */
export interface AttentionLayout {
  /** Also return the attention weights. */
  withScores?: boolean;
  /**
   * q is `[batch, heads, qLen, dim]` and the output is written `[batch, qLen, heads, valueDim]` (heads after
   * the steps, as multi-head attention's output projection reads them), so no transpose is copied.
   */
  headsLast?: boolean;
  /** Storage for the output (contiguous, in the output's shape). */
  out?: Float32Array;
}

/**
 * @internal Runs attention (the forward kernel, recorded for gradients with respect to q, k and v).
 */
export function attention(call: AttentionCall, layout: AttentionLayout = {}): { output: Tensor; scores: Tensor | null } {
  const { q, k, v } = call;
  const r = q.rank;
  const qLen = q.shape[r - 2], kvLen = k.shape[r - 2], headDim = q.shape[r - 1], valueDim = v.shape[r - 1];
  const lead = q.shape.slice(0, -2);
  const headsLast = layout.headsLast === true;
  const outShape = headsLast ? [q.shape[0], qLen, q.shape[1], valueDim] : [...lead, qLen, valueDim];
  const qp = problems(q), kp = problems(k), vp = problems(v);
  const output = layout.out === undefined ? emptyTensor(outShape) : makeTensor(layout.out, outShape);
  const outStrides = headsLast ? headsLastProblems(output).strides : contiguousProblemStrides(outShape);
  const mask = call.mask === null ? null : maskLayout(call.mask, [...lead, qLen, kvLen]);
  const geometry = new Int32Array(36);
  geometry.set([qp.batch, qp.heads, qLen, kvLen, headDim, valueDim, ...qp.strides, ...kp.strides, ...vp.strides, ...outStrides]);
  geometry.set([...(mask === null ? [0, 0, 0, 0] : mask.strides), call.causal ? 1 : 0, call.causalOffset], 18);
  const recording = needsGrad(q, k, v);
  const logsumexp = recording ? new Float32Array(qp.batch * qp.heads * qLen) : null;
  const scores = layout.withScores === true ? emptyTensor([...lead, qLen, kvLen]) : null;
  const outData = floats(output);
  const maskData = mask === null ? null : mask.data;
  kernels.attentionForward(
    geometry.subarray(0, 24), qp.data, kp.data, vp.data, outData, maskData, logsumexp, scores === null ? null : floats(scores),
    call.scale, call.dropout, call.dropoutSeed,
  );
  if (!recording) return { output, scores };
  const recorded = recordOp('scaledDotProductAttention', output, [q, k, v], (grad) => {
    const dq = gradientLike(q), dk = gradientLike(k), dv = gradientLike(v);
    const dOut = headsLast ? headsLastProblems(grad) : problems(grad);
    const strides = [dq, dk, dv].map((t) => problemsOf(t.shape, t.strides).strides);
    geometry.set([...dOut.strides, ...strides[0], ...strides[1], ...strides[2]], 24);
    kernels.attentionBackward(
      geometry, qp.data, kp.data, vp.data, outData, maskData, logsumexp!, dOut.data, floats(dq), floats(dk), floats(dv),
      call.scale, call.dropout, call.dropoutSeed,
    );
    return [dq, dk, dv];
  });
  return { output: recorded, scores };
}

/** A 53-bit seed for the dropout hash, drawn from a generator. */
export function drawDropoutSeed(generator: Generator): number {
  return generator.nextUint32() * 2 ** 21 + (generator.nextUint32() >>> 11);
}

/** @internal Checks q, k and v against each other; returns them as float32 tensors. */
export function checkAttentionInputs(where: string, q0: unknown, k0: unknown, v0: unknown): [Tensor, Tensor, Tensor] {
  const q = checkFloat(where, 'q', toTensor(where, 'q', q0));
  const k = checkFloat(where, 'k', toTensor(where, 'k', k0));
  const v = checkFloat(where, 'v', toTensor(where, 'v', v0));
  if (q.rank < 2) shapeError(where, `q must have rank at least 2 ([..., qLen, headDim]), got shape ${formatShape(q.shape)}`);
  if (k.rank !== q.rank || v.rank !== q.rank) {
    shapeError(where, `q, k and v must have the same rank, got shapes ${formatShape(q.shape)}, ${formatShape(k.shape)} and ${formatShape(v.shape)}`);
  }
  const r = q.rank;
  for (let i = 0; i < r - 2; i++) {
    if (k.shape[i] !== q.shape[i] || v.shape[i] !== q.shape[i]) {
      shapeError(where, `q, k and v must share their leading (batch) axes, got shapes ${formatShape(q.shape)}, ${formatShape(k.shape)} and ${formatShape(v.shape)}`);
    }
  }
  if (k.shape[r - 1] !== q.shape[r - 1]) {
    shapeError(where, `k must have q's last dimension (${q.shape[r - 1]}), got shapes ${formatShape(q.shape)} and ${formatShape(k.shape)}`);
  }
  if (v.shape[r - 2] !== k.shape[r - 2]) {
    shapeError(where, `v must have as many rows (keys) as k (${k.shape[r - 2]}), got shapes ${formatShape(k.shape)} and ${formatShape(v.shape)}`);
  }
  return [q, k, v];
}

/**
 * @internal A mask as attention takes it (float32 or int32, nonzero where a query may attend), checked to
 * broadcast to the scores' shape `full` = [...batch, qLen, kvLen].
 */
export function checkAttentionMask(where: string, name: string, value: unknown, full: readonly number[]): Tensor | null {
  if (value === undefined || value === null) return null;
  const mask = toTensor(where, name, value);
  const fits = mask.rank <= full.length && mask.shape.every((d, i) => d === 1 || d === full[full.length - mask.rank + i]);
  if (!fits) shapeError(where, `${name} must broadcast to the attention scores' shape ${formatShape(full)}, got shape ${formatShape(mask.shape)}`);
  return mask;
}

/**
 * Scaled dot-product attention, `softmax(q kᵀ * scale + mask) v`, over the last two axes of q `[...batch,
 * qLen, headDim]`, k `[...batch, kvLen, headDim]` and v `[...batch, kvLen, valueDim]` (the leading axes
 * shared: `[batch, heads, length, dim]` for several heads); returns `[...batch, qLen, valueDim]`, with
 * gradients with respect to q, k and v. One fused native kernel per pass, blocked as FlashAttention is:
 * the `qLen x kvLen` weights are never stored (unless `returnScores`), so memory grows linearly with the
 * lengths.
 * ```ts
 * const q = dn.randn([2, 4, 16, 32]), k = dn.randn([2, 4, 16, 32]), v = dn.randn([2, 4, 16, 32]);
 * const y = dn.scaledDotProductAttention(q, k, v, { causal: true });           // [2, 4, 16, 32]
 * const { output, scores } = dn.scaledDotProductAttention(q, k, v, { returnScores: true });
 * ```
 * A query that may attend to no key (all masked) outputs 0 (PyTorch gives NaN, Keras a uniform average).
 */
export function scaledDotProductAttention(q: TensorLike, k: TensorLike, v: TensorLike, options?: AttentionOptions & { returnScores?: false }): Tensor;
export function scaledDotProductAttention(
  q: TensorLike, k: TensorLike, v: TensorLike, options: AttentionOptions & { returnScores: true },
): { output: Tensor; scores: Tensor };
export function scaledDotProductAttention(q0: TensorLike, k0: TensorLike, v0: TensorLike, options: AttentionOptions = {}): Tensor | { output: Tensor; scores: Tensor } {
  const where = 'scaledDotProductAttention';
  const o = checkOptions<AttentionOptions>(where, options, OPTION_NAMES);
  const [q, k, v] = checkAttentionInputs(where, q0, k0, v0);
  const causal = o.causal === undefined ? false : checkBoolean(where, 'causal', o.causal);
  const causalOffset = o.causalOffset === undefined ? 0 : checkInteger(where, 'causalOffset', o.causalOffset, -(2 ** 31) + 1, 2 ** 31 - 1);
  if (o.causalOffset !== undefined && !causal) throw new ValueError(`${where}: causalOffset applies to a causal mask; give causal: true too`);
  const headDim = q.shape[q.rank - 1];
  const scale = o.scale === undefined ? 1 / Math.sqrt(Math.max(headDim, 1)) : checkNumber(where, 'scale', o.scale);
  if (!Number.isFinite(scale) || Math.abs(scale) > 3.4e38) throw new ValueError(`${where}: scale must be a finite float, got ${scale}`);
  const dropout = o.dropout === undefined ? 0 : checkNumber(where, 'dropout', o.dropout);
  if (!(dropout >= 0 && dropout < 1)) throw new ValueError(`${where}: dropout must be in [0, 1), got ${dropout}`);
  const returnScores = o.returnScores === undefined ? false : checkBoolean(where, 'returnScores', o.returnScores);
  const dropoutSeed = dropout === 0 ? 0 : drawDropoutSeed(pickGenerator(where, o));
  const r = q.rank;
  const mask = checkAttentionMask(where, 'mask', o.mask, [...q.shape.slice(0, -2), q.shape[r - 2], k.shape[r - 2]]);
  const { output, scores } = attention({ q, k, v, mask, causal, causalOffset, scale, dropout, dropoutSeed }, { withScores: returnScores });
  return returnScores ? { output, scores: scores! } : output;
}
