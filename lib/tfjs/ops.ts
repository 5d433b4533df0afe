/**
 * TensorFlow.js's spellings and signatures of ops Dendrite has under Keras 3 / NumPy ones: `argMax`
 * and `argMin` (axis 0 by default, as tfjs), `matmul(a, b, transposeA, transposeB)`, `fill`, `oneHot`
 * (int32 by default, as tfjs), and `nextFrame`/`ready`.
 */
import { argmax, argmin, full, matmul as dnMatmul, oneHot as dnOneHot, type DType, type Tensor, type TensorLike } from '../index.js';
import { checkBoolean, checkChoice, checkInteger } from '../validate.js';

/** Indices of the largest values along `axis` (default 0, as tfjs; Dendrite's `argmax` defaults to the flattened tensor). */
export function argMax(x: TensorLike, axis = 0): Tensor {
  return argmax(x, checkInteger('argMax', 'axis', axis));
}

/** Indices of the smallest values along `axis` (default 0, as tfjs). */
export function argMin(x: TensorLike, axis = 0): Tensor {
  return argmin(x, checkInteger('argMin', 'axis', axis));
}

/** `a` times `b`, either transposed first, as `tf.matMul(a, b, transposeA, transposeB)`. */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return dnMatmul(a, b, { transposeA: checkBoolean('matMul', 'transposeA', transposeA), transposeB: checkBoolean('matMul', 'transposeB', transposeB) });
}

/** A tensor of `shape` filled with `value`, as `tf.fill`. */
export function fill(shape: readonly number[], value: number, dtype?: DType): Tensor {
  return full(shape, value, dtype);
}

/** One-hot rows of `depth` for int32 `indices`, as `tf.oneHot(indices, depth, onValue = 1, offValue = 0, dtype = 'int32')`. */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  return dnOneHot(indices, depth, onValue, offValue).cast(checkChoice('oneHot', 'dtype', dtype, ['float32', 'int32'] as const));
}

/** Resolves on the next turn of the event loop (tfjs `nextFrame`; in Node a `setImmediate`). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves at once: Dendrite's backend is ready when it is imported (tfjs `ready`). */
export function ready(): Promise<void> {
  return Promise.resolve();
}
