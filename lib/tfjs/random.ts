/**
 * TensorFlow.js's random tensors and `moments`, with its positional arguments, over Dendrite's
 * `randn`, `rand`, `truncatedNormal`, `mean` and `variance` (population variance, as tfjs).
 */
import { mean, rand, randn, truncatedNormal as dnTruncatedNormal, variance, type Tensor, type TensorLike } from '../index.js';
import { checkChoice } from '../validate.js';

type Float = 'float32' | undefined;
const seedOf = (seed: number | undefined) => (seed === undefined ? {} : { seed });
const floatOnly = (where: string, dtype: Float) => {
  if (dtype !== undefined) checkChoice(where, 'dtype', dtype, ['float32'] as const);
};

/** Normal values (`tf.randomNormal(shape, mean = 0, stdDev = 1, dtype, seed)`). */
export function randomNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype?: Float, seed?: number): Tensor {
  floatOnly('randomNormal', dtype);
  return randn(shape, { mean, std: stdDev, ...seedOf(seed) });
}

/** Normal values redrawn past two standard deviations (`tf.truncatedNormal`). */
export function truncatedNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype?: Float, seed?: number): Tensor {
  floatOnly('truncatedNormal', dtype);
  return dnTruncatedNormal(shape, { mean, std: stdDev, ...seedOf(seed) });
}

/** Uniform values in [minval, maxval) (`tf.randomUniform(shape, minval = 0, maxval = 1, dtype, seed)`). */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype?: Float, seed?: number): Tensor {
  floatOnly('randomUniform', dtype);
  return rand(shape, { low: minval, high: maxval, ...seedOf(seed) });
}

/** The mean and (population) variance over `axes` (all by default), as `tf.moments`. */
export function moments(x: TensorLike, axes?: number | readonly number[] | null, keepDims = false): { mean: Tensor; variance: Tensor } {
  return { mean: mean(x, axes ?? null, keepDims), variance: variance(x, axes ?? null, keepDims) };
}
