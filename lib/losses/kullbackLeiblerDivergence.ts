/**
 * Kullback-Leibler divergence (Keras' form): per row `sum(t * log(t / p))` over the last axis, with
 * both distributions clipped to [1e-7, 1] first, then the reduction. For probability targets, e.g. a
 * teacher's outputs in distillation.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, EPSILON, RowLoss, type LossOptions } from './loss.js';

/** Kullback-Leibler divergence (Keras `KLDivergence`, tfjs `kullbackLeiblerDivergence`; also `'kld'`). */
export class KullbackLeiblerDivergence extends RowLoss {
  readonly className = 'KLDivergence';
  readonly name = 'kullbackLeiblerDivergence';

  constructor(options: LossOptions = {}) {
    super('kullbackLeiblerDivergence', checkOptions<LossOptions>('kullbackLeiblerDivergence', options, ['reduction']));
  }

  protected row(pred: Float32Array, target: Float32Array, start: number, cols: number, grad: Float32Array | null, gradScale: number): number {
    let loss = 0;
    for (let i = start, end = start + cols; i < end; i++) {
      const t = Math.min(Math.max(target[i], EPSILON), 1);
      const raw = pred[i];
      const p = Math.min(Math.max(raw, EPSILON), 1);
      loss += t * Math.log(t / p);
      // Clipping passes no gradient, as TensorFlow's clip_by_value.
      if (grad !== null) grad[i] = p === raw ? (-t / p) * gradScale : 0;
    }
    return loss;
  }
}

/**
 * Kullback-Leibler divergence of predicted distributions `yPred` from target distributions `yTrue`
 * (same shape, over the last axis), averaged over samples: a scalar tensor.
 * ```ts
 * dn.losses.kullbackLeiblerDivergence(dn.tensor([[0.5, 0.5]]), dn.tensor([[0.9, 0.1]])); // ≈ 0.511
 * ```
 */
export function kullbackLeiblerDivergence(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(KullbackLeiblerDivergence, yTrue, yPred, options);
}
