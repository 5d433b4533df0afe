/**
 * Log-cosh loss: per element `log(cosh(yPred - yTrue))`, computed as `x + softplus(-2x) - log 2` so it
 * stays finite for large errors (about `x^2 / 2` for small errors, `|x| - log 2` for large ones); the
 * mean over the last axis, then the reduction.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, ElementwiseLoss, type LossOptions } from './loss.js';

/** Log-cosh loss (Keras `LogCosh`, tfjs `logcosh`). */
export class LogCosh extends ElementwiseLoss {
  readonly className = 'LogCosh';
  readonly name = 'logCosh';

  constructor(options: LossOptions = {}) {
    super('logCosh', checkOptions<LossOptions>('logCosh', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    const x = prediction - target;
    const z = -2 * x;
    // softplus(z) = max(z, 0) + log1p(e^-|z|), exact for any z.
    return x + Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - Math.LN2;
  }

  protected derivative(prediction: number, target: number): number {
    return Math.tanh(prediction - target);
  }
}

/**
 * Log-cosh loss of `yPred` against `yTrue` (same shape), averaged over samples: a scalar tensor.
 * ```ts
 * dn.losses.logCosh(dn.tensor([[0, 1]]), dn.tensor([[1, 1]])); // ≈ 0.217
 * ```
 */
export function logCosh(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(LogCosh, yTrue, yPred, options);
}
