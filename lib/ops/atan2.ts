/**
 * atan2 (TensorFlow.js tf.atan2): the angle of the point (b, a), elementwise with broadcasting. Computed with
 * JavaScript's Math.atan2 in double and rounded once (C's atan2: signed zeros and infinities pick the quadrant).
 */
import { needsGrad, recordOp } from '../autograd/engine.js';
import { checkFloat, outputTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { planBinary } from './broadcast.js';
import { add, div, mul, neg } from './elementwise.js';
import { sumGradToShape } from './reduce.js';
import { broadcastTo, contiguous } from './shape.js';

/** The values of `x` broadcast to `shape`, contiguous. */
function valuesAt(x: Tensor, shape: readonly number[]): Float32Array {
  return contiguous(broadcastTo(x.detach(), shape)).storage as Float32Array;
}

/**
 * The angle of the point `(b, a)` in radians, in [-pi, pi], elementwise with broadcasting (TensorFlow.js
 * `tf.atan2(a, b)`; C's atan2(y = a, x = b), whose signed zeros and infinities choose the quadrant). The
 * gradient is `b / (a^2 + b^2)` for `a` and `-a / (a^2 + b^2)` for `b` (not finite at the origin).
 * ```ts
 * dn.atan2(dn.tensor([1, -1]), dn.tensor([-1, 0])); // [3 pi / 4, -pi / 2]
 * ```
 */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  const where = 'atan2';
  const y = checkFloat(where, 'a', toTensor(where, 'a', a));
  const x = checkFloat(where, 'b', toTensor(where, 'b', b));
  const shape = planBinary(where, y, x).shape;
  const out = outputTensor(shape);
  const angles = out.storage as Float32Array;
  if (angles.length > 0) {
    const ys = valuesAt(y, shape), xs = valuesAt(x, shape);
    for (let i = 0; i < angles.length; i++) angles[i] = Math.atan2(ys[i], xs[i]);
  }
  if (!needsGrad(y, x)) return out;
  return recordOp(where, out, [y, x], (grad, needs) => {
    const scale = div(grad, add(mul(y, y), mul(x, x)));
    return [needs[0] ? sumGradToShape(mul(scale, x), y.shape) : null, needs[1] ? sumGradToShape(neg(mul(scale, y)), x.shape) : null];
  });
}
