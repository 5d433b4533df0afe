/**
 * Batch and layer normalization with autograd. Batch normalization runs on the native
 * `batchNormStatistics`, `batchNormBackward` and `channelAffine` kernels; layer normalization
 * (`layerNorm`, at the end) on `layerNorm` / `layerNormBackward`, one pass each way.
 *
 * Batch normalization's channels are the last axis (channelsLast) or axis 1 (channelsFirst, moved
 * last by a transpose); every other axis is flattened into rows.
 *
 * The output is computed as `x * scale + shift` per channel with `scale = gamma / sqrt(variance + eps)`
 * and `shift = beta - mean * scale` (float32): the same two numbers a convolution's epilogue applies
 * when a batch normalization is folded into it at inference, so folded and unfolded results agree.
 */
import { ValueError } from '../errors.js';
import { checkAxes, checkChoice, checkNumber, checkObject, checkOptions, formatShape, shapeError, unknownOption } from '../validate.js';
import { checkFloat, emptyTensor, floats, makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { kernels } from './kernels.js';
import { permute } from './shape.js';
import { DATA_FORMATS, rowMajor, type DataFormat } from './conv.js';

/** Options of {@link batchNorm}'s options form. */
export interface BatchNormOptions {
  /**
   * Per-channel mean `[channels]` to normalize with. Leave out (with variance) to use the batch's own
   * statistics (training mode, as PyTorch's `F.batch_norm(training=True)`): gradients then flow
   * through them.
   */
  mean?: TensorLike | null;
  /** Per-channel variance `[channels]` (with mean). */
  variance?: TensorLike | null;
  /** beta, added after scaling `[channels]`. Default 0. */
  offset?: TensorLike | null;
  /** gamma, the scale `[channels]`. Default 1. */
  scale?: TensorLike | null;
  /** Added to the variance. Default 0.001 (Keras, TensorFlow.js). */
  epsilon?: number;
  /** 'channelsLast' (default: the last axis holds the channels) or 'channelsFirst' (axis 1). */
  dataFormat?: DataFormat;
}

const OPTION_NAMES = ['mean', 'variance', 'offset', 'scale', 'epsilon', 'dataFormat'];

/** `gamma / sqrt(variance + epsilon)` and `beta - mean * scale` per channel, in float32. */
export function normalizationAffine(
  mean: Float32Array, variance: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, epsilon: number,
): { scale: Float32Array; shift: Float32Array; invStd: Float32Array } {
  const channels = mean.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    invStd[c] = 1 / Math.sqrt(Math.fround(variance[c] + epsilon));
    scale[c] = gamma === null ? invStd[c] : Math.fround(gamma[c] * invStd[c]);
    shift[c] = Math.fround((beta === null ? 0 : beta[c]) - Math.fround(mean[c] * scale[c]));
  }
  return { scale, shift, invStd };
}

/** What the training form returns besides the output: the batch statistics, for moving averages. */
export interface BatchStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

/**
 * Normalizes `x` (contiguous or not; channels on the last axis) with its own batch statistics,
 * recorded for gradients with respect to x, gamma and beta. `out` may supply the output buffer.
 */
export function batchNormTraining(
  where: string, x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, out?: Float32Array,
): { y: Tensor; statistics: BatchStatistics } {
  const channels = x.shape[x.rank - 1];
  const rows = channels === 0 ? 0 : x.size / channels;
  const xData = rowMajor(x);
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  kernels.batchNormStatistics(xData, rows, channels, mean, variance);
  const gammaData = gamma === null ? null : rowMajor(gamma);
  const { scale, shift, invStd } = normalizationAffine(mean, variance, gammaData, beta === null ? null : rowMajor(beta), epsilon);
  const yData = out ?? new Float32Array(x.size);
  kernels.channelAffine(xData, rows, channels, scale, shift, yData);
  const y = makeTensor(yData, x.shape);
  const statistics = { mean, variance };
  if (!needsGrad(x, gamma, beta)) return { y, statistics };
  const inputs = [x, ...(gamma === null ? [] : [gamma]), ...(beta === null ? [] : [beta])];
  const recorded = recordOp(where, y, inputs, (grad, needs) => {
    const dx = needs[0] ? emptyTensor(x.shape) : null;
    const sumDy = new Float32Array(channels);
    const sumDyXhat = new Float32Array(channels);
    kernels.batchNormBackward(xData, rowMajor(grad), rows, channels, mean, invStd, gammaData, dx === null ? null : floats(dx), sumDy, sumDyXhat);
    const grads: (Tensor | null)[] = [dx];
    if (gamma !== null) grads.push(needs[1] ? makeTensor(sumDyXhat, gamma.shape) : null);
    if (beta !== null) grads.push(needs[inputs.length - 1] ? makeTensor(sumDy, beta.shape) : null);
    return grads;
  });
  return { y: recorded, statistics };
}

/**
 * Normalizes `x` (channels last) with given statistics: `x * scale + shift`, recorded for gradients
 * with respect to x, mean, variance, gamma and beta.
 */
export function batchNormInference(
  where: string, x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, out?: Float32Array,
): Tensor {
  const channels = x.shape[x.rank - 1];
  const rows = channels === 0 ? 0 : x.size / channels;
  const xData = rowMajor(x);
  const meanData = rowMajor(mean);
  const gammaData = gamma === null ? null : rowMajor(gamma);
  const { scale, shift, invStd } = normalizationAffine(meanData, rowMajor(variance), gammaData, beta === null ? null : rowMajor(beta), epsilon);
  const yData = out ?? new Float32Array(x.size);
  kernels.channelAffine(xData, rows, channels, scale, shift, yData);
  const y = makeTensor(yData, x.shape);
  const parameters = [mean, variance, gamma, beta];
  if (!needsGrad(x, mean, variance) && !(gamma?.requiresGrad ?? false) && !(beta?.requiresGrad ?? false)) return y;
  const inputs = [x, ...parameters.filter((p): p is Tensor => p !== null)];
  return recordOp(where, y, inputs, (grad, needs) => {
    const dy = rowMajor(grad);
    const sumDy = new Float32Array(channels);
    const sumDyXhat = new Float32Array(channels);
    kernels.batchNormBackward(xData, dy, rows, channels, meanData, invStd, gammaData, null, sumDy, sumDyXhat);
    const grads: (Tensor | null)[] = [null];
    if (needs[0]) {
      const dx = emptyTensor(x.shape);
      kernels.channelAffine(dy, rows, channels, scale, new Float32Array(channels), floats(dx));
      grads[0] = dx;
    }
    // d/dmean = -scale * sum(dy); d/dvariance = -gamma / 2 * invStd^3 * sum(dy * (x - mean)) = -scale * invStd / 2 * sum(dy * xhat).
    const dMean = new Float32Array(channels);
    const dVariance = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      dMean[c] = -scale[c] * sumDy[c];
      dVariance[c] = -0.5 * scale[c] * invStd[c] * sumDyXhat[c];
    }
    let index = 1;
    for (const [parameter, value] of [[mean, dMean], [variance, dVariance], [gamma, sumDyXhat], [beta, sumDy]] as const) {
      if (parameter === null) continue;
      grads.push(needs[index] ? makeTensor(new Float32Array(value), parameter.shape) : null);
      index++;
    }
    return grads;
  });
}

function channelVector(where: string, name: string, value: unknown, channels: number): Tensor | null {
  if (value === undefined || value === null) return null;
  const t = checkFloat(where, name, toTensor(where, name, value));
  if (t.size !== channels || t.rank > 1 && t.shape.slice(0, -1).some((d) => d !== 1)) {
    shapeError(where, `${name} must hold one value per channel (shape [${channels}]), got shape ${formatShape(t.shape)}`);
  }
  return t.rank === 1 ? t : makeTensor(rowMajor(t), [channels]);
}

/**
 * Batch normalization: `(x - mean) / sqrt(variance + epsilon) * scale + offset` per channel.
 * TensorFlow.js' positional form normalizes with given statistics; leave mean and variance out (or
 * null) to use the batch's own, with gradients through them (training):
 * ```ts
 * dn.batchNorm(x, movingMean, movingVariance, beta, gamma, 1e-3);   // inference, tf.batchNorm
 * dn.batchNorm(x, { scale: gamma, offset: beta });                   // training: batch statistics
 * ```
 */
export function batchNorm(x: TensorLike, options?: BatchNormOptions): Tensor;
export function batchNorm(
  x: TensorLike, mean: TensorLike | null, variance: TensorLike | null, offset?: TensorLike | null, scale?: TensorLike | null,
  varianceEpsilon?: number,
): Tensor;
export function batchNorm(x0: TensorLike, ...args: unknown[]): Tensor {
  const where = 'batchNorm';
  let o: Record<string, unknown>;
  const optionsForm = args.length <= 1 && (args[0] === undefined || (typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0]) && !(args[0] instanceof Tensor) && !ArrayBuffer.isView(args[0])));
  if (optionsForm) {
    o = args[0] === undefined ? {} : checkObject(where, 'options', args[0]);
    for (const key of Object.keys(o)) if (!OPTION_NAMES.includes(key)) unknownOption(where, key, OPTION_NAMES);
  } else {
    const [mean, variance, offset, scale, epsilon] = args;
    o = { mean, variance, offset, scale, epsilon };
  }
  const x = checkFloat(where, 'x', toTensor(where, 'x', x0));
  const dataFormat = o.dataFormat === undefined ? 'channelsLast' : checkChoice(where, 'dataFormat', o.dataFormat, DATA_FORMATS);
  const epsilon = o.epsilon === undefined || o.epsilon === null ? 0.001 : checkNumber(where, 'epsilon', o.epsilon);
  if (epsilon < 0) throw new ValueError(`${where}: epsilon must be >= 0, got ${epsilon}`);
  if (x.rank < 2) shapeError(where, `x must have a batch axis and a channel axis (rank >= 2), got shape ${formatShape(x.shape)}`);
  const first = dataFormat === 'channelsFirst' && x.rank > 2;
  const perm = first ? [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1] : null;
  const input = perm === null ? x : permute(x, perm);
  const channels = input.shape[input.rank - 1];
  const mean = channelVector(where, 'mean', o.mean, channels);
  const variance = channelVector(where, 'variance', o.variance, channels);
  if ((mean === null) !== (variance === null)) throw new ValueError(`${where}: give both mean and variance, or neither (to use the batch's statistics)`);
  const gamma = channelVector(where, 'scale', o.scale, channels);
  const beta = channelVector(where, 'offset', o.offset, channels);
  const y = mean === null
    ? batchNormTraining(where, input, gamma, beta, epsilon).y
    : batchNormInference(where, input, mean, variance!, gamma, beta, epsilon);
  if (perm === null) return y;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return permute(y, inverse);
}

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** The axis (or axes) normalized over. Default -1, the last (Keras `LayerNormalization`'s default). */
  axis?: number | readonly number[];
  /** gamma, multiplying the normalized values: one value per element of the normalized axes. Default 1. */
  scale?: TensorLike | null;
  /** beta, added after scaling: one value per element of the normalized axes. Default 0. */
  offset?: TensorLike | null;
  /** Added to the variance. Default 0.001 (Keras; PyTorch's `layer_norm` uses 1e-5). */
  epsilon?: number;
}

const LAYER_NORM_OPTIONS = ['axis', 'scale', 'offset', 'epsilon'];

/** The normalized axes, sorted, and the permutation that moves them last (null when they already are). */
export function layerNormAxes(where: string, axis: unknown, rank: number): { axes: number[]; perm: number[] | null } {
  const axes = checkAxes(where, 'axis', axis === undefined ? -1 : axis, rank);
  if (axes.length === 0) throw new ValueError(`${where}: axis must name at least one axis, got []`);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing) return { axes, perm: null };
  const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => !axes.includes(i));
  return { axes, perm: [...rest, ...axes] };
}

/** A per-element parameter of the normalized axes (`dims`), flattened; a ShapeError names it otherwise. */
function featureVector(where: string, name: string, value: unknown, dims: readonly number[]): Tensor | null {
  if (value === undefined || value === null) return null;
  const t = checkFloat(where, name, toTensor(where, name, value));
  const cols = dims.reduce((p, d) => p * d, 1);
  const matches = t.rank === dims.length && t.shape.every((d, i) => d === dims[i]);
  if (!(matches || (t.rank === 1 && t.size === cols))) {
    shapeError(where, `${name} must have the normalized axes' shape ${formatShape(dims)}, got shape ${formatShape(t.shape)}`);
  }
  return t;
}

/**
 * @internal Layer normalization of `x` over its last `cols` elements per row (x contiguous or not), recorded
 * for gradients with respect to x, gamma and beta. `out` may supply the output's storage.
 */
export function layerNormRows(x: Tensor, cols: number, gamma: Tensor | null, beta: Tensor | null, epsilon: number, out?: Float32Array): Tensor {
  const rows = cols === 0 ? 0 : x.size / cols;
  const xData = rowMajor(x);
  const gammaData = gamma === null ? null : rowMajor(gamma);
  const recording = needsGrad(x, gamma, beta);
  const mean = recording ? new Float32Array(rows) : null;
  const invStd = recording ? new Float32Array(rows) : null;
  const yData = out ?? new Float32Array(x.size);
  kernels.layerNorm(xData, rows, cols, gammaData, beta === null ? null : rowMajor(beta), epsilon, yData, mean, invStd);
  const y = makeTensor(yData, x.shape);
  if (!recording) return y;
  const inputs = [x, ...(gamma === null ? [] : [gamma]), ...(beta === null ? [] : [beta])];
  return recordOp('layerNorm', y, inputs, (grad, needs) => {
    const dx = needs[0] ? emptyTensor(x.shape) : null;
    const dGamma = gamma !== null && needs[1] ? emptyTensor(gamma.shape) : null;
    const dBeta = beta !== null && needs[inputs.length - 1] ? emptyTensor(beta.shape) : null;
    kernels.layerNormBackward(
      xData, rowMajor(grad), rows, cols, gammaData, mean!, invStd!, dx === null ? null : floats(dx),
      dGamma === null ? null : floats(dGamma), dBeta === null ? null : floats(dBeta), false,
    );
    const grads: (Tensor | null)[] = [dx];
    if (gamma !== null) grads.push(dGamma);
    if (beta !== null) grads.push(dBeta);
    return grads;
  });
}

/**
 * Layer normalization: `(x - mean) / sqrt(variance + epsilon) * scale + offset`, with the mean and the
 * (biased) variance of each sample over `axis` (default the last), as Keras' `LayerNormalization` and
 * PyTorch's `layer_norm` compute them; gradients with respect to x, scale and offset. One native pass
 * forwards and one backwards.
 * ```ts
 * const y = dn.layerNorm(x, { scale: gamma, offset: beta });          // over the last axis
 * const z = dn.layerNorm(images, { axis: [1, 2, 3], epsilon: 1e-5 });  // over all but the batch axis
 * ```
 */
export function layerNorm(x0: TensorLike, options: LayerNormOptions = {}): Tensor {
  const where = 'layerNorm';
  const o = checkOptions<LayerNormOptions>(where, options, LAYER_NORM_OPTIONS);
  const x = checkFloat(where, 'x', toTensor(where, 'x', x0));
  if (x.rank < 1) shapeError(where, `x must have at least one axis to normalize, got a scalar`);
  const epsilon = o.epsilon === undefined ? 0.001 : checkNumber(where, 'epsilon', o.epsilon);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new ValueError(`${where}: epsilon must be a finite number >= 0, got ${epsilon}`);
  const { axes, perm } = layerNormAxes(where, o.axis, x.rank);
  const dims = axes.map((a) => x.shape[a]);
  const gamma = featureVector(where, 'scale', o.scale, dims);
  const beta = featureVector(where, 'offset', o.offset, dims);
  const input = perm === null ? x : permute(x, perm);
  const y = layerNormRows(input, dims.reduce((p, d) => p * d, 1), gamma, beta, epsilon);
  return perm === null ? y : permute(y, perm.map((_, i) => perm.indexOf(i)));
}
