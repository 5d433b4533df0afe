/**
 * Gradient attributions: saliency (the gradient of the explained output with respect to the input),
 * gradient × input, and SmoothGrad (the gradient averaged over noisy copies of the input).
 */
import { pickGenerator } from '../random.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkBoolean, checkNumber, checkOptions, checkPositiveInteger, valueError } from '../validate.js';
import {
  batchedGradients, batchedPredict, batchOf, checkInputs, eachRowChunk, inputGradients, modelRunner, resolveTargets, runOptions,
  TARGET_OPTIONS, valuesOf, type ExplainableModel, type TargetOptions,
} from './common.js';

/** Attributions of the explained output to each input value. */
export interface Attributions {
  /** One value per input value: the shape of `x`. */
  attributions: Tensor;
  /** The output column explained for each row. */
  targets: number[];
}

/** Options of {@link saliency}. */
export interface SaliencyOptions extends TargetOptions {
  /** Absolute values of the gradient (Simonyan et al.'s saliency map); default false: signed. */
  absolute?: boolean;
}

/**
 * The gradient of the explained output with respect to each input value (a saliency map):
 * how much the output moves per unit change of each input, near `x`.
 * ```ts
 * const { attributions } = dn.explain.saliency(model, xTest.slice([0, 0], [4, 64]), { target: 3 });
 * ```
 * @param model a model with one output, or a differentiable function of a batch
 * @param x a batch [samples, ...features]
 */
export function saliency(model: ExplainableModel, x: Tensor, options: SaliencyOptions = {}): Attributions {
  const where = 'explain.saliency';
  const o = checkOptions<SaliencyOptions>(where, options, [...TARGET_OPTIONS, 'absolute']);
  const absolute = o.absolute === undefined ? false : checkBoolean(where, 'absolute', o.absolute);
  const { gradients, targets, input } = gradientsOf(where, model, x, o);
  if (absolute) for (let i = 0; i < gradients.length; i++) gradients[i] = Math.abs(gradients[i]);
  return { attributions: makeTensor(gradients, input.shape), targets };
}

/**
 * Gradient × input: each input value times the explained output's gradient with respect to it (for
 * a linear model, each feature's exact contribution to the output).
 */
export function gradientTimesInput(model: ExplainableModel, x: Tensor, options: TargetOptions = {}): Attributions {
  const where = 'explain.gradientTimesInput';
  const o = checkOptions<TargetOptions>(where, options, TARGET_OPTIONS);
  const { gradients, targets, input } = gradientsOf(where, model, x, o);
  const values = valuesOf(input);
  for (let i = 0; i < gradients.length; i++) gradients[i] *= values[i];
  return { attributions: makeTensor(gradients, input.shape), targets };
}

function gradientsOf(where: string, model: unknown, x: unknown, o: TargetOptions): { gradients: Float32Array; targets: number[]; input: Tensor } {
  const runner = modelRunner(where, model);
  const input = checkInputs(where, 'x', x);
  const { batchSize, onProgress } = runOptions(where, o);
  const targets = resolveTargets(where, o.target, input.shape[0], batchedPredict(runner, input, batchSize));
  return { gradients: batchedGradients(runner, input, targets, batchSize, onProgress), targets, input };
}

/** Options of {@link smoothGrad}. */
export interface SmoothGradOptions extends TargetOptions {
  /** Noisy copies averaged per sample (default 50). */
  nSamples?: number;
  /**
   * Standard deviation of the Gaussian noise as a fraction of each sample's value range
   * (max − min), as in Smilkov et al. (default 0.15).
   */
  noiseLevel?: number;
  /** Seed of the noise (default: the global generator). */
  seed?: number;
}

/**
 * SmoothGrad (Smilkov et al., 2017): the gradient averaged over `nSamples` copies of each sample with
 * Gaussian noise added, which removes much of the speckle of a raw saliency map.
 */
export function smoothGrad(model: ExplainableModel, x: Tensor, options: SmoothGradOptions = {}): Attributions {
  const where = 'explain.smoothGrad';
  const o = checkOptions<SmoothGradOptions>(where, options, [...TARGET_OPTIONS, 'nSamples', 'noiseLevel', 'seed']);
  const runner = modelRunner(where, model);
  const input = checkInputs(where, 'x', x);
  const { batchSize, onProgress } = runOptions(where, o);
  const nSamples = o.nSamples === undefined ? 50 : checkPositiveInteger(where, 'nSamples', o.nSamples);
  const noiseLevel = o.noiseLevel === undefined ? 0.15 : checkNumber(where, 'noiseLevel', o.noiseLevel);
  if (noiseLevel < 0) valueError(where, 'noiseLevel', 'a number >= 0', noiseLevel);
  const generator = pickGenerator(where, { seed: o.seed });
  const rows = input.shape[0];
  const rowSize = input.size / rows;
  const values = valuesOf(input);
  const targets = resolveTargets(where, o.target, rows, batchedPredict(runner, input, batchSize));
  const result = new Float32Array(input.size);
  // Each chunk holds noisy copies of one sample; a sample with many copies takes several chunks.
  eachRowChunk(rows, nSamples, batchSize, onProgress, (r, _first, count) => {
    const sample = values.subarray(r * rowSize, (r + 1) * rowSize);
    let low = Infinity;
    let high = -Infinity;
    for (const v of sample) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const std = noiseLevel * (high - low);
    const noisy = new Float32Array(count * rowSize);
    for (let c = 0; c < count; c++) {
      for (let i = 0; i < rowSize; i++) noisy[c * rowSize + i] = sample[i] + generator.normal(0, 1) * std;
    }
    const gradients = inputGradients(runner, batchOf(noisy, count, input.shape.slice(1)), new Array<number>(count).fill(targets[r]));
    for (let c = 0; c < count; c++) {
      for (let i = 0; i < rowSize; i++) result[r * rowSize + i] += gradients[c * rowSize + i] / nSamples;
    }
  });
  return { attributions: makeTensor(result, input.shape), targets };
}
