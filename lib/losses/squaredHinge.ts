/**
 * Squared hinge loss (Keras' form): per element `max(1 - yTrue * yPred, 0)^2`, the mean over the last
 * axis, then the reduction. 0/1 targets become -1/1 as in {@link hinge}.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, type LossOptions } from './loss.js';
import { HingeLoss } from './hinge.js';

/** Squared hinge loss (Keras `SquaredHinge`, tfjs `squaredHinge`). */
export class SquaredHinge extends HingeLoss {
  readonly className = 'SquaredHinge';
  readonly name = 'squaredHinge';

  constructor(options: LossOptions = {}) {
    super('squaredHinge', checkOptions<LossOptions>('squaredHinge', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    const margin = Math.max(1 - target * prediction, 0);
    return margin * margin;
  }

  protected derivative(prediction: number, target: number): number {
    const margin = 1 - target * prediction;
    return margin > 0 ? -2 * margin * target : 0;
  }
}

/**
 * Squared hinge loss of scores `yPred` against -1/1 (or 0/1) targets of the same shape, averaged over
 * samples: a scalar tensor.
 * ```ts
 * dn.losses.squaredHinge(dn.tensor([[0, 1], [0, 0]]), dn.tensor([[0.6, 0.4], [0.4, 0.6]])); // 1.86
 * ```
 */
export function squaredHinge(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(SquaredHinge, yTrue, yPred, options);
}
