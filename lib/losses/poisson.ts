/**
 * Poisson loss (Keras' form): per element `yPred - yTrue * log(yPred + 1e-7)`, the mean over the last
 * axis, then the reduction. For count targets, with positive predicted rates (e.g. after a softplus or
 * exponential activation).
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, ElementwiseLoss, EPSILON, type LossOptions } from './loss.js';

/** Poisson loss (Keras `Poisson`, tfjs `poisson`). */
export class Poisson extends ElementwiseLoss {
  readonly className = 'Poisson';
  readonly name = 'poisson';

  constructor(options: LossOptions = {}) {
    super('poisson', checkOptions<LossOptions>('poisson', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    return prediction - target * Math.log(prediction + EPSILON);
  }

  protected derivative(prediction: number, target: number): number {
    return 1 - target / (prediction + EPSILON);
  }
}

/**
 * Poisson loss of predicted rates `yPred` against counts `yTrue` (same shape), averaged over samples:
 * a scalar tensor.
 * ```ts
 * dn.losses.poisson(dn.tensor([[2]]), dn.tensor([[1]])); // 1
 * ```
 */
export function poisson(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(Poisson, yTrue, yPred, options);
}
