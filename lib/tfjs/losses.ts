/**
 * TensorFlow.js's function-style losses, `tf.losses.*(labels, predictions, weights?, ..., reduction?)`:
 * an element-wise loss built from Dendrite's differentiable ops, then tfjs's weighting and reduction
 * (`computeWeightedLoss`: weights broadcast over the element losses; by default the sum over the
 * elements divided by the number of non-zero weights, i.e. the mean when there are no weights).
 * These differ from Dendrite's (Keras's) loss objects, which average each row first and take one
 * weight per sample: a tfjs program calling `tf.losses.meanSquaredError` gets tfjs's numbers.
 */
import {
  abs, add, broadcastTo, log, logSoftmax, mean, minimum, mul, notEqual, relu, ShapeError, softplus, square, sub, sum, Tensor, tensor, ValueError,
  type TensorLike,
} from '../index.js';
import { checkInteger, checkNumber, formatShape } from '../validate.js';

/** tfjs's `tf.losses.Reduction`. */
export enum Reduction {
  NONE = 0,
  MEAN = 1,
  SUM = 2,
  SUM_BY_NONZERO_WEIGHTS = 3,
}

function asTensor(value: TensorLike): Tensor {
  return value instanceof Tensor ? value : tensor(value);
}

/** `labels` and `predictions` as float32 tensors of one shape (tfjs asserts the shapes match). */
function pair(where: string, labels: TensorLike, predictions: TensorLike): [Tensor, Tensor] {
  const y = asTensor(labels).cast('float32');
  const p = asTensor(predictions).cast('float32');
  if (y.shape.length !== p.shape.length || y.shape.some((d, i) => d !== p.shape[i])) {
    throw new ShapeError(`${where}: labels and predictions must have one shape, got ${formatShape(y.shape)} and ${formatShape(p.shape)}`);
  }
  return [y, p];
}

/** Weights the element losses and reduces them, as `tf.losses.computeWeightedLoss`. */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const where = 'losses.computeWeightedLoss';
  const l = asTensor(losses).cast('float32');
  const mode = checkInteger(where, 'reduction', reduction, Reduction.NONE, Reduction.SUM_BY_NONZERO_WEIGHTS) as Reduction;
  const w = weights === undefined || weights === null ? null : broadcastTo(asTensor(weights).cast('float32'), l.shape);
  const weighted = w === null ? l : mul(l, w);
  if (mode === Reduction.NONE) return weighted;
  if (mode === Reduction.SUM) return sum(weighted);
  if (w === null) return mean(l);
  if (mode === Reduction.MEAN) return sum(weighted).div(sum(w));
  const nonZero = sum(notEqual(w, 0).cast('float32'));
  return sum(weighted).div(nonZero);
}

/** `tf.losses.meanSquaredError(labels, predictions, weights?, reduction?)`. */
export function meanSquaredError(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.meanSquaredError', labels, predictions);
  return computeWeightedLoss(square(sub(y, p)), weights, reduction);
}

/** `tf.losses.absoluteDifference(labels, predictions, weights?, reduction?)`. */
export function absoluteDifference(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.absoluteDifference', labels, predictions);
  return computeWeightedLoss(abs(sub(y, p)), weights, reduction);
}

/** `tf.losses.cosineDistance(labels, predictions, axis, weights?, reduction?)`: 1 - sum(labels * predictions) along `axis` (inputs unit-normalised by the caller, as in tfjs). */
export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.cosineDistance', labels, predictions);
  return computeWeightedLoss(sub(1, sum(mul(y, p), checkInteger('losses.cosineDistance', 'axis', axis), true)), weights, reduction);
}

/** `tf.losses.hingeLoss(labels, predictions, weights?, reduction?)`: labels 0/1 become -1/1. */
export function hingeLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.hingeLoss', labels, predictions);
  return computeWeightedLoss(relu(sub(1, mul(sub(mul(y, 2), 1), p))), weights, reduction);
}

/** `tf.losses.huberLoss(labels, predictions, weights?, delta = 1, reduction?)`. */
export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, delta = 1, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.huberLoss', labels, predictions);
  const d = checkNumber('losses.huberLoss', 'delta', delta);
  const error = abs(sub(p, y));
  const quadratic = minimum(error, d);
  const linear = sub(error, quadratic);
  return computeWeightedLoss(add(mul(square(quadratic), 0.5), mul(linear, d)), weights, reduction);
}

/** `tf.losses.logLoss(labels, predictions, weights?, epsilon = 1e-7, reduction?)` on probabilities. */
export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, epsilon = 1e-7, reduction?: Reduction): Tensor {
  const [y, p] = pair('losses.logLoss', labels, predictions);
  const e = checkNumber('losses.logLoss', 'epsilon', epsilon);
  const losses = sub(mul(y, log(add(p, e))).neg(), mul(sub(1, y), log(add(sub(1, p), e))));
  return computeWeightedLoss(losses, weights, reduction);
}

/** `tf.losses.sigmoidCrossEntropy(multiClassLabels, logits, weights?, labelSmoothing = 0, reduction?)`, computed stably from the logits. */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike, labelSmoothing = 0, reduction?: Reduction): Tensor {
  const where = 'losses.sigmoidCrossEntropy';
  let [y, x] = pair(where, multiClassLabels, logits);
  const smoothing = checkNumber(where, 'labelSmoothing', labelSmoothing);
  if (smoothing > 0) y = add(mul(y, 1 - smoothing), 0.5 * smoothing);
  // max(x, 0) - x z + log(1 + exp(-|x|))
  const losses = add(sub(relu(x), mul(x, y)), softplus(abs(x).neg()));
  return computeWeightedLoss(losses, weights, reduction);
}

/** `tf.losses.softmaxCrossEntropy(onehotLabels, logits, weights?, labelSmoothing = 0, reduction?)`: one loss per row (the last axis summed). */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike, labelSmoothing = 0, reduction?: Reduction): Tensor {
  const where = 'losses.softmaxCrossEntropy';
  let [y, x] = pair(where, onehotLabels, logits);
  if (x.rank === 0) throw new ValueError(`${where}: logits must have at least one dimension (the classes)`);
  const smoothing = checkNumber(where, 'labelSmoothing', labelSmoothing);
  if (smoothing > 0) y = add(mul(y, 1 - smoothing), smoothing / x.shape[x.rank - 1]);
  const losses = sum(mul(y, logSoftmax(x, -1)), -1).neg();
  return computeWeightedLoss(losses, weights, reduction);
}

