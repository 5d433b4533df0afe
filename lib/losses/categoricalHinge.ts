/**
 * Categorical hinge loss (Keras' form): per row `max(neg - pos + 1, 0)` with `pos = sum(t * p)` and
 * `neg = max((1 - t) * p)` over the last axis, then the reduction. For one-hot targets and raw class
 * scores: the true class's score should beat every other by a margin of 1.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, RowLoss, type LossOptions } from './loss.js';

/** Categorical hinge loss (Keras `CategoricalHinge`, tfjs `categoricalHinge`). */
export class CategoricalHinge extends RowLoss {
  readonly className = 'CategoricalHinge';
  readonly name = 'categoricalHinge';

  constructor(options: LossOptions = {}) {
    super('categoricalHinge', checkOptions<LossOptions>('categoricalHinge', options, ['reduction']));
  }

  protected row(pred: Float32Array, target: Float32Array, start: number, cols: number, grad: Float32Array | null, gradScale: number): number {
    const end = start + cols;
    let positive = 0;
    let negative = -Infinity;
    let strongest = start;
    for (let i = start; i < end; i++) {
      positive += target[i] * pred[i];
      const other = (1 - target[i]) * pred[i];
      if (other > negative) {
        negative = other;
        strongest = i;
      }
    }
    const loss = Math.max(negative - positive + 1, 0);
    if (grad !== null) {
      // Where the margin is met the loss is flat; otherwise it rises with the strongest wrong score.
      for (let i = start; i < end; i++) grad[i] = loss > 0 ? -target[i] * gradScale : 0;
      if (loss > 0) grad[strongest] += (1 - target[strongest]) * gradScale;
    }
    return loss;
  }
}

/**
 * Categorical hinge loss of class scores `yPred` against one-hot targets of the same shape, averaged
 * over samples: a scalar tensor.
 * ```ts
 * dn.losses.categoricalHinge(dn.tensor([[0, 1], [0, 0]]), dn.tensor([[0.6, 0.4], [0.4, 0.6]])); // 1.4
 * ```
 */
export function categoricalHinge(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(CategoricalHinge, yTrue, yPred, options);
}
