/** Mean squared error: the mean over the last axis of `(yPred - yTrue)^2`, then the reduction. */
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { RegressionLoss, type LossOptions } from './loss.js';

const MSE = binding.opCodes.loss.mse;

/** Mean squared error (Keras `MeanSquaredError`). */
export class MeanSquaredError extends RegressionLoss {
  readonly className = 'MeanSquaredError';
  readonly name = 'meanSquaredError';
  protected readonly kind = MSE;

  constructor(options: LossOptions = {}) {
    const o = checkOptions<LossOptions>('meanSquaredError', options, ['reduction']);
    super('meanSquaredError', o);
  }
}

/**
 * Mean squared error of `yPred` against `yTrue` (same shape), averaged over samples: a scalar tensor,
 * differentiable with respect to `yPred`.
 * ```ts
 * dn.losses.meanSquaredError(dn.tensor([[1], [2]]), dn.tensor([[1.5], [2]])); // 0.125
 * ```
 */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new MeanSquaredError(rest).call(yTrue, yPred, sampleWeight);
}
