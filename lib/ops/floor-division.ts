/**
 * Floor division and the floored remainder (TensorFlow's `floorDiv` and `mod`), broadcasting like
 * arithmetic. Written as plain loops: they are rare in models (index arithmetic, bucketing), not hot.
 * Two int32 operands give an exact int32 result; otherwise the result is float32, the quotient
 * rounded to float32 before `floor` as TensorFlow's kernels do (`floorDiv(1, 0.1)` is 10).
 */
import { outputTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { broadcastShapes, indexMap } from './broadcast.js';
import { sumGradToShape } from './reduce.js';
import { mul, neg } from './elementwise.js';

function floorDivide(u: number, v: number, integer: boolean): number {
  return integer ? (v === 0 ? 0 : Math.floor(u / v)) : Math.floor(Math.fround(u / v));
}

/** The floored remainder, with the sign of the divisor (Python's `%`); x % 0 is NaN for floats, 0 for int32. */
function floorModulo(u: number, v: number, integer: boolean): number {
  if (integer && v === 0) return 0;
  const rem = u % v;
  return rem !== 0 && rem < 0 !== v < 0 ? rem + v : rem;
}

function elementwise(where: string, a0: TensorLike, b0: TensorLike, op: (u: number, v: number, integer: boolean) => number): { a: Tensor; b: Tensor; out: Tensor } {
  const a = toTensor(where, 'a', a0);
  const b = toTensor(where, 'b', b0);
  const integer = a.dtype === 'int32' && b.dtype === 'int32';
  const shape = broadcastShapes(where, a.shape, b.shape);
  const out = outputTensor(shape, integer ? 'int32' : 'float32');
  const ia = indexMap(a, shape);
  const ib = indexMap(b, shape);
  const x = a.storage;
  const y = b.storage;
  const result = out.storage;
  for (let i = 0; i < result.length; i++) result[i] = op(ia === null ? x[i] : x[ia[i]], ib === null ? y[i] : y[ib[i]], integer);
  return { a, b, out };
}

/**
 * `floor(a / b)` element-wise (tfjs `floorDiv`). Piecewise constant: no gradient. Integer division
 * by zero is 0, as TensorFlow.js's CPU backend gives (TensorFlow raises).
 */
export function floorDiv(a: TensorLike, b: TensorLike): Tensor {
  return elementwise('floorDiv', a, b, floorDivide).out;
}

/**
 * The remainder of floor division, `a - b · floor(a / b)`, with the sign of `b` (tfjs `mod`;
 * JavaScript's `%` keeps the sign of `a`). Gradients as TensorFlow's: `dy` to `a`, `-floor(a / b) · dy` to `b`.
 */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  const { a: x, b: y, out } = elementwise('mod', a, b, floorModulo);
  if (out.dtype === 'int32' || !needsGrad(x, y)) return out;
  return recordOp('mod', out, [x, y], (grad, needs) => [
    needs[0] ? sumGradToShape(grad, x.shape) : null,
    needs[1] ? sumGradToShape(mul(grad, neg(floorDiv(x, y))), y.shape) : null,
  ]);
}
