/**
 * Mean absolute percentage error (Keras' form): per element `100 * |yTrue - yPred| / max(|yTrue|, 1e-7)`,
 * the mean over the last axis, then the reduction.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, ElementwiseLoss, EPSILON, type LossOptions } from './loss.js';

/** Mean absolute percentage error (Keras `MeanAbsolutePercentageError`, tfjs `meanAbsolutePercentageError`). */
export class MeanAbsolutePercentageError extends ElementwiseLoss {
  readonly className = 'MeanAbsolutePercentageError';
  readonly name = 'meanAbsolutePercentageError';

  constructor(options: LossOptions = {}) {
    super('meanAbsolutePercentageError', checkOptions<LossOptions>('meanAbsolutePercentageError', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    return (100 * Math.abs(target - prediction)) / Math.max(Math.abs(target), EPSILON);
  }

  protected derivative(prediction: number, target: number): number {
    return (100 * Math.sign(prediction - target)) / Math.max(Math.abs(target), EPSILON);
  }
}

/**
 * Mean absolute percentage error of `yPred` against `yTrue` (same shape), averaged over samples: a
 * scalar tensor (a percentage).
 * ```ts
 * dn.losses.meanAbsolutePercentageError(dn.tensor([[2, 4]]), dn.tensor([[3, 4]])); // 25
 * ```
 */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(MeanAbsolutePercentageError, yTrue, yPred, options);
}
