/**
 * Comparisons, logical operators and `where`, written as plain loops (they move and test values, no
 * arithmetic). Comparisons broadcast like arithmetic and return float32 masks of 0 and 1 — not a
 * boolean dtype — so a mask multiplies, sums and averages directly: `pred.equal(labels).mean()` is
 * the accuracy. The logical operators read any nonzero value (NaN too) as true, so they combine
 * masks. All accept float32 and int32 operands (mixed too); they have no gradient.
 */
import { dtypeError } from '../validate.js';
import { outputTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { broadcastShapes, indexMap } from './broadcast.js';
import { sumGradToShape } from './reduce.js';

const enum Comparison {
  Equal,
  NotEqual,
  Greater,
  GreaterEqual,
  Less,
  LessEqual,
  And,
  Or,
  Xor,
}

function compareOp(where: string, kind: Comparison, a0: unknown, b0: unknown): Tensor {
  const a = toTensor(where, 'a', a0);
  const b = toTensor(where, 'b', b0);
  const shape = broadcastShapes(where, a.shape, b.shape);
  const out = outputTensor(shape);
  const ia = indexMap(a, shape);
  const ib = indexMap(b, shape);
  const x = a.storage;
  const y = b.storage;
  const result = out.storage;
  for (let i = 0; i < result.length; i++) {
    const u = ia === null ? x[i] : x[ia[i]];
    const v = ib === null ? y[i] : y[ib[i]];
    let r: boolean;
    switch (kind) {
      case Comparison.Equal: r = u === v; break;
      case Comparison.NotEqual: r = u !== v; break;
      case Comparison.Greater: r = u > v; break;
      case Comparison.GreaterEqual: r = u >= v; break;
      case Comparison.Less: r = u < v; break;
      case Comparison.LessEqual: r = u <= v; break;
      case Comparison.And: r = u !== 0 && v !== 0; break;
      case Comparison.Or: r = u !== 0 || v !== 0; break;
      default: r = (u !== 0) !== (v !== 0); break;
    }
    result[i] = r ? 1 : 0;
  }
  return out;
}

/** 1 where `a == b`, else 0 (float32 mask, broadcasting). NaN equals nothing. */
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('equal', Comparison.Equal, a, b);
}
/** 1 where `a != b`, else 0 (float32 mask, broadcasting). */
export function notEqual(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('notEqual', Comparison.NotEqual, a, b);
}
/** 1 where `a > b`, else 0 (float32 mask, broadcasting). */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('greater', Comparison.Greater, a, b);
}
/** 1 where `a >= b`, else 0 (float32 mask, broadcasting). */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('greaterEqual', Comparison.GreaterEqual, a, b);
}
/** 1 where `a < b`, else 0 (float32 mask, broadcasting). */
export function less(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('less', Comparison.Less, a, b);
}
/** 1 where `a <= b`, else 0 (float32 mask, broadcasting). */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('lessEqual', Comparison.LessEqual, a, b);
}
/** 1 where both `a` and `b` are nonzero, else 0 (float32 mask, broadcasting; tfjs `logicalAnd`). */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('logicalAnd', Comparison.And, a, b);
}
/** 1 where `a` or `b` is nonzero, else 0 (float32 mask, broadcasting; tfjs `logicalOr`). */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('logicalOr', Comparison.Or, a, b);
}
/** 1 where exactly one of `a` and `b` is nonzero, else 0 (float32 mask, broadcasting; tfjs `logicalXor`). */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return compareOp('logicalXor', Comparison.Xor, a, b);
}
/** 1 where `x` is 0, else 0 (float32 mask; tfjs `logicalNot`). */
export function logicalNot(x: TensorLike): Tensor {
  return compareOp('logicalNot', Comparison.Equal, toTensor('logicalNot', 'x', x), 0);
}

/**
 * Picks `a` where `condition` is nonzero and `b` elsewhere; the three broadcast together. `a`
 * and `b` must share a dtype, which the result takes. Gradients flow to `a` and `b`.
 * ```ts
 * dn.where(x.greater(0), x, 0); // relu
 * ```
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const name = 'where';
  const c = toTensor(name, 'condition', condition);
  const x = toTensor(name, 'a', a);
  const y = toTensor(name, 'b', b);
  if (x.dtype !== y.dtype) dtypeError(name, 'b', x.dtype, y.dtype, 'a and b must share a dtype');
  const shape = broadcastShapes(name, broadcastShapes(name, c.shape, x.shape), y.shape);
  const out = outputTensor(shape, x.dtype);
  const ic = indexMap(c, shape);
  const ix = indexMap(x, shape);
  const iy = indexMap(y, shape);
  const cs = c.storage;
  const xs = x.storage;
  const ys = y.storage;
  const result = out.storage;
  for (let i = 0; i < result.length; i++) {
    const pick = (ic === null ? cs[i] : cs[ic[i]]) !== 0;
    result[i] = pick ? (ix === null ? xs[i] : xs[ix[i]]) : iy === null ? ys[i] : ys[iy[i]];
  }
  if (!needsGrad(x, y)) return out;
  return recordOp(name, out, [x, y], (grad, needs) => [
    needs[0] ? sumGradToShape(where(c, grad, 0), x.shape) : null,
    needs[1] ? sumGradToShape(where(c, 0, grad), y.shape) : null,
  ]);
}

/**
 * For the gradient of maximum (sign 1) or minimum (sign -1): 1 where `a` wins, 0.5 at ties,
 * 0 where `b` wins, at the broadcast shape.
 * @internal
 */
export function maximumMask(a: Tensor, b: Tensor, sign: 1 | -1): Tensor {
  const shape = broadcastShapes('maximum', a.shape, b.shape);
  const out = outputTensor(shape);
  const ia = indexMap(a, shape);
  const ib = indexMap(b, shape);
  const x = a.storage;
  const y = b.storage;
  const result = out.storage;
  for (let i = 0; i < result.length; i++) {
    const d = sign * ((ia === null ? x[i] : x[ia[i]]) - (ib === null ? y[i] : y[ib[i]]));
    result[i] = d > 0 ? 1 : d === 0 ? 0.5 : 0;
  }
  return out;
}

/** 1 where `min <= x <= max`, else 0 (x contiguous). For the gradient of clip. @internal */
export function rangeMask(x: Tensor, min: number, max: number): Tensor {
  const out = outputTensor(x.shape);
  const xs = x.storage;
  const result = out.storage;
  for (let i = 0; i < result.length; i++) result[i] = xs[i] >= min && xs[i] <= max ? 1 : 0;
  return out;
}
