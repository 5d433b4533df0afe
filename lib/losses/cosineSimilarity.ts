/**
 * Cosine similarity loss (Keras' form): per row `-sum(normalize(yTrue) * normalize(yPred))` over the
 * last axis, where `normalize(x) = x / sqrt(max(sum(x^2), 1e-14))`, then the reduction. It ranges from
 * -1 (same direction) to 1 (opposite): minimising it aligns the predictions with the targets. A zero
 * vector has similarity 0 with anything. As a metric, `cosineSimilarity` reports the similarity itself
 * (Keras' metric; positive when aligned).
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, EPSILON, RowLoss, type LossOptions } from './loss.js';

/** Keras' lower bound on a squared norm before it divides (epsilon^2). */
const MIN_SQUARED_NORM = EPSILON * EPSILON;

/** Cosine similarity loss (Keras `CosineSimilarity`, tfjs `cosineProximity`). */
export class CosineSimilarity extends RowLoss {
  readonly className = 'CosineSimilarity';
  readonly name = 'cosineSimilarity';

  constructor(options: LossOptions = {}) {
    super('cosineSimilarity', checkOptions<LossOptions>('cosineSimilarity', options, ['reduction']));
  }

  protected row(pred: Float32Array, target: Float32Array, start: number, cols: number, grad: Float32Array | null, gradScale: number): number {
    const end = start + cols;
    let targetSquares = 0;
    let predSquares = 0;
    let dot = 0;
    for (let i = start; i < end; i++) {
      targetSquares += target[i] * target[i];
      predSquares += pred[i] * pred[i];
      dot += target[i] * pred[i];
    }
    const targetNorm = Math.sqrt(Math.max(targetSquares, MIN_SQUARED_NORM));
    const predNorm = Math.sqrt(Math.max(predSquares, MIN_SQUARED_NORM));
    const similarity = dot / (targetNorm * predNorm);
    if (grad !== null) {
      // d(-u.q)/dp = -(u - (u.q) q) / |p| with u, q the normalised rows; a clamped norm is a constant.
      const projected = predSquares > MIN_SQUARED_NORM ? similarity / predNorm : 0;
      for (let i = start; i < end; i++) grad[i] = (-(target[i] / targetNorm - projected * pred[i]) / predNorm) * gradScale;
    }
    return -similarity;
  }
}

/**
 * Cosine similarity loss of `yPred` against `yTrue` (same shape, over the last axis), averaged over
 * samples: a scalar tensor in [-1, 1].
 * ```ts
 * dn.losses.cosineSimilarity(dn.tensor([[0, 1]]), dn.tensor([[1, 1]])); // ≈ -0.707
 * ```
 */
export function cosineSimilarity(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(CosineSimilarity, yTrue, yPred, options);
}
