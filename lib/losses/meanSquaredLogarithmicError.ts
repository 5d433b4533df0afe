/**
 * Mean squared logarithmic error (Keras' form): per element
 * `(log(max(yPred, 1e-7) + 1) - log(max(yTrue, 1e-7) + 1))^2`, the mean over the last axis, then the
 * reduction. Negative values count as 1e-7, so the loss suits non-negative targets (counts, prices).
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, ElementwiseLoss, EPSILON, type LossOptions } from './loss.js';

/** Mean squared logarithmic error (Keras `MeanSquaredLogarithmicError`, tfjs `meanSquaredLogarithmicError`). */
export class MeanSquaredLogarithmicError extends ElementwiseLoss {
  readonly className = 'MeanSquaredLogarithmicError';
  readonly name = 'meanSquaredLogarithmicError';

  constructor(options: LossOptions = {}) {
    super('meanSquaredLogarithmicError', checkOptions<LossOptions>('meanSquaredLogarithmicError', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    const difference = Math.log1p(Math.max(prediction, EPSILON)) - Math.log1p(Math.max(target, EPSILON));
    return difference * difference;
  }

  protected derivative(prediction: number, target: number): number {
    // Below epsilon the prediction is clamped: no gradient, as through Keras' maximum.
    if (!(prediction > EPSILON)) return 0;
    return (2 * (Math.log1p(prediction) - Math.log1p(Math.max(target, EPSILON)))) / (prediction + 1);
  }
}

/**
 * Mean squared logarithmic error of `yPred` against `yTrue` (same shape), averaged over samples: a
 * scalar tensor.
 * ```ts
 * dn.losses.meanSquaredLogarithmicError(dn.tensor([[0, 1]]), dn.tensor([[1, 1]])); // ≈ 0.240
 * ```
 */
export function meanSquaredLogarithmicError(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(MeanSquaredLogarithmicError, yTrue, yPred, options);
}
