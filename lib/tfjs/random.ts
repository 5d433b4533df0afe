/**
 * TensorFlow.js's random tensors and `moments`, with its positional arguments, over Dendrite's
 * `randn`, `rand`, `truncatedNormal`, `mean` and `variance` (population variance, as tfjs).
 */
import {
  Generator, mean, rand, randn, random, tensor, truncatedNormal as dnTruncatedNormal, variance, ShapeError, Tensor, type TensorLike,
} from '../index.js';
import { checkBoolean, checkChoice, checkInteger, typeError } from '../validate.js';

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

/**
 * `numSamples` class indices per row drawn from the distribution given by `logits` (rank 1 or 2),
 * as `tf.multinomial(logits, numSamples, seed, normalized = false)`: softmax of the logits, or the
 * logits themselves as probabilities when `normalized`. Returns int32 `[numSamples]` or
 * `[batch, numSamples]`. Drawn from Dendrite's generator (`dn.seed` repeats it) unless `seed` is given.
 */
export function multinomial(logits: TensorLike, numSamples: number, seed?: number | null, normalized = false): Tensor {
  const where = 'multinomial';
  const input = logits instanceof Tensor ? logits : tensor(logits as never);
  if (input.rank !== 1 && input.rank !== 2) throw new ShapeError(`${where}: logits must have rank 1 or 2, got shape [${input.shape.join(', ')}]`);
  if (input.dtype !== 'float32') typeError(where, 'logits', 'a float32 tensor', input);
  checkInteger(where, 'numSamples', numSamples, 1, 2 ** 31 - 1);
  checkBoolean(where, 'normalized', normalized);
  const generator = seed === undefined || seed === null ? random : new Generator(checkInteger(where, 'seed', seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  const rows = input.rank === 1 ? 1 : input.shape[0];
  const classes = input.shape[input.rank - 1];
  if (classes < 2) throw new ShapeError(`${where}: logits must have at least 2 classes, got ${classes}`);
  const values = input.dataSync();
  const out = new Int32Array(rows * numSamples);
  const probabilities = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * classes, (r + 1) * classes);
    if (normalized) probabilities.set(row);
    else {
      // softmax, shifted by the largest logit so that huge logits (a temperature near 0) stay finite
      let largest = -Infinity;
      for (const v of row) largest = Math.max(largest, v);
      for (let c = 0; c < classes; c++) probabilities[c] = Math.exp(row[c] - largest);
    }
    let total = 0;
    for (const p of probabilities) total += p;
    for (let s = 0; s < numSamples; s++) {
      const u = generator.uniform() * total;
      let c = 0;
      for (let cumulative = probabilities[0]; cumulative <= u && c < classes - 1; cumulative += probabilities[++c]);
      out[r * numSamples + s] = c;
    }
  }
  return tensor(out, input.rank === 1 ? [numSamples] : [rows, numSamples], 'int32');
}
