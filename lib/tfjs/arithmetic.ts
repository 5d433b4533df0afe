/**
 * TensorFlow.js's dtype rules for arithmetic, over Dendrite's float32 ops (which refuse int32):
 * - a JS number or array is float32 (tfjs's `inferDtype`), so `tf.sub(1, int32Tensor)` is float32;
 * - operands of different dtypes are upcast to float32;
 * - int32 with int32 stays int32 (`div` is then floor division, as tfjs), as do `neg`, `abs`,
 *   `square`, `relu` and the `sum`/`max`/`min` of int32; `exp` and `mean` of int32 are float32.
 * The int32 results are computed in float32 and rounded back, exact while values stay within ±2^24.
 * Float32 operands go straight to Dendrite's op, so gradients flow as usual (int32 has none, as in tfjs).
 */
import {
  Tensor, tensor, add as dnAdd, sub as dnSub, mul as dnMul, div as dnDiv, pow as dnPow, maximum as dnMaximum,
  minimum as dnMinimum, neg as dnNeg, abs as dnAbs, square as dnSquare, relu as dnRelu, exp as dnExp,
  sum as dnSum, mean as dnMean, max as dnMax, min as dnMin, floorDiv as dnFloorDiv, type TensorLike,
} from '../index.js';

type Axis = number | readonly number[] | null;

const isInt = (x: TensorLike): boolean => x instanceof Tensor && x.dtype === 'int32';
const asFloat = (x: TensorLike): TensorLike => (isInt(x) ? (x as Tensor).cast('float32') : x);

/** A float32 result of integer operands back as int32 (`round` undoes float32 noise; `floor` for division). */
function toInt32(result: Tensor, round: (value: number) => number): Tensor {
  return tensor(Int32Array.from(result.dataSync(), round), [...result.shape], 'int32');
}

function binary(op: (a: TensorLike, b: TensorLike) => Tensor, round: (value: number) => number = Math.round) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const result = op(asFloat(a), asFloat(b));
    return isInt(a) && isInt(b) ? toInt32(result, round) : result;
  };
}

function intPreserving(op: (x: TensorLike) => Tensor) {
  return (x: TensorLike): Tensor => (isInt(x) ? toInt32(op(asFloat(x)), Math.round) : op(x));
}

function intReduction(op: (x: TensorLike, axis?: Axis, keepDims?: boolean) => Tensor) {
  return (x: TensorLike, axis?: Axis, keepDims = false): Tensor => (isInt(x) ? toInt32(op(asFloat(x), axis, keepDims), Math.round) : op(x, axis, keepDims));
}

/** `a + b` with tfjs's dtype rules (int32 + int32 is int32; a number or a float32 tensor makes it float32). */
export const add = binary(dnAdd);
/** `a - b` with tfjs's dtype rules: `tf.sub(1, int32Tensor)` is float32. */
export const sub = binary(dnSub);
/** `a * b` with tfjs's dtype rules. */
export const mul = binary(dnMul);
/** `a / b` with tfjs's dtype rules: int32 / int32 is floor division (int32), as tfjs. */
export const div = binary(dnDiv, Math.floor);
/** `a ** b` with tfjs's dtype rules. */
export const pow = binary(dnPow);
/** The larger of `a` and `b` element-wise, with tfjs's dtype rules. */
export const maximum = binary(dnMaximum);
/** The smaller of `a` and `b` element-wise, with tfjs's dtype rules. */
export const minimum = binary(dnMinimum);
/**
 * `floor(a / b)`, always int32 as tfjs's kernel makes it (an infinite or NaN quotient, as from a division
 * by zero, becomes 0 as in tfjs's Int32Array; Dendrite's `dn.floorDiv` keeps float32 operands float32).
 */
export const floorDiv = (a: TensorLike, b: TensorLike): Tensor => {
  const result = dnFloorDiv(a, b);
  return result.dtype === 'int32' ? result : toInt32(result, (value) => value);
};
/** `(a - b)²` element-wise (tfjs `squaredDifference`), with tfjs's dtype rules. */
export const squaredDifference = binary((a, b) => dnSquare(dnSub(a, b)));
/** `-x`; int32 stays int32. */
export const neg = intPreserving(dnNeg);
/** `|x|`; int32 stays int32. */
export const abs = intPreserving(dnAbs);
/** `x²`; int32 stays int32. */
export const square = intPreserving(dnSquare);
/** `max(x, 0)`; int32 stays int32. */
export const relu = intPreserving(dnRelu);
/** `e^x`; of int32 it is float32, as tfjs. */
export const exp = (x: TensorLike): Tensor => dnExp(asFloat(x));
/** The sum over `axis` (all by default); of int32 it is int32, as tfjs. */
export const sum = intReduction(dnSum);
/** The largest value over `axis`; of int32 it is int32. */
export const max = intReduction(dnMax);
/** The smallest value over `axis`; of int32 it is int32. */
export const min = intReduction(dnMin);
/** The mean over `axis`; of int32 it is float32, as tfjs. */
export const mean = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => dnMean(asFloat(x), axis, keepDims);
