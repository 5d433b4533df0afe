/**
 * TensorFlow.js's function-style metrics, `tf.metrics.*(yTrue, yPred)`: one value per row (the last
 * axis averaged), or a scalar for precision and recall, as tfjs computes them. The error and
 * cross-entropy ones are Dendrite's losses with reduction 'none'; the accuracies are built from its ops.
 */
import { argmax, cast, equal, greater, losses, mean, mul, scalar, sum, Tensor, tensor, type TensorLike } from '../index.js';

function asTensor(value: TensorLike): Tensor {
  return value instanceof Tensor ? value : tensor(value);
}

/** The share of a row's entries where `yPred > 0.5` matches `yTrue` (0/1). */
export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const y = asTensor(yTrue).cast('float32');
  return mean(equal(y, cast(greater(asTensor(yPred), 0.5), 'float32')).cast('float32'), -1);
}

/** 1 where a row's largest prediction is at its one-hot label, else 0. */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  return equal(argmax(yTrue, -1), argmax(yPred, -1)).cast('float32');
}

/** 1 where a row's largest prediction is at its integer label (labels `[rows]` or `[rows, 1]`), else 0. */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const predicted = argmax(yPred, -1);
  const labels = asTensor(yTrue).cast('int32').reshape(predicted.shape);
  return equal(labels, predicted).cast('float32');
}

type LossFunction = (yTrue: TensorLike, yPred: TensorLike, options: { reduction: 'none' }) => Tensor;
const perRow = (loss: LossFunction) => (yTrue: TensorLike, yPred: TensorLike): Tensor => loss(yTrue, yPred, { reduction: 'none' });

/** Mean squared error of each row. */
export const meanSquaredError = perRow(losses.meanSquaredError);
/** Mean absolute error of each row. */
export const meanAbsoluteError = perRow(losses.meanAbsoluteError);
/** Mean absolute percentage error of each row. */
export const meanAbsolutePercentageError = perRow(losses.meanAbsolutePercentageError);
/** Binary cross-entropy of each row, from probabilities. */
export const binaryCrossentropy = perRow(losses.binaryCrossentropy);
/** Categorical cross-entropy of each row, from probabilities and one-hot labels. */
export const categoricalCrossentropy = perRow(losses.categoricalCrossentropy);
/** Sparse categorical cross-entropy of each row, from probabilities and integer labels. */
export const sparseCategoricalCrossentropy = perRow(losses.sparseCategoricalCrossentropy);
export { meanSquaredError as MSE, meanSquaredError as mse, meanAbsoluteError as MAE, meanAbsoluteError as mae };
export { meanAbsolutePercentageError as MAPE, meanAbsolutePercentageError as mape };

/** Counts of (label, prediction) pairs equal to (`label`, 1), predictions and labels being 0/1. */
function count(yTrue: TensorLike, yPred: TensorLike, label: number): number {
  return sum(mul(equal(yTrue, label).cast('float32'), equal(yPred, 1).cast('float32'))).item();
}

/** Precision of 0/1 predictions: true positives / predicted positives (0 when there are none). */
export function precision(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const truePositives = count(yTrue, yPred, 1);
  const predicted = truePositives + count(yTrue, yPred, 0);
  return scalar(predicted > 0 ? truePositives / predicted : 0);
}

/** Recall of 0/1 predictions: true positives / actual positives (0 when there are none). */
export function recall(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const truePositives = count(yTrue, yPred, 1);
  const actual = sum(equal(yTrue, 1).cast('float32')).item();
  return scalar(actual > 0 ? truePositives / actual : 0);
}
