/**
 * Hinge loss (Keras' form): per element `max(1 - yTrue * yPred, 0)`, the mean over the last axis, then
 * the reduction. Targets are -1 or 1; when every target of a call is 0 or 1 they are taken as 0/1
 * labels and turned into -1/1 first, as Keras 3 does (TensorFlow.js uses them as given).
 */
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { callLoss, ElementwiseLoss, targetFloats, type LossOptions } from './loss.js';

/**
 * @internal The targets of a hinge loss: 0/1 labels (every target 0 or 1) become -1/1, as in Keras 3's
 * `convert_binary_labels_to_hinge`; any other targets are used as they are.
 */
export function hingeTargets(yTrue: Tensor): Float32Array {
  const targets = targetFloats(yTrue);
  if (!targets.every((t) => t === 0 || t === 1)) return targets;
  return targets.map((t) => 2 * t - 1);
}

/** The base of the hinge losses: -1/1 targets (0/1 labels converted), raw scores. Public only because their declarations extend it. */
export abstract class HingeLoss extends ElementwiseLoss {
  protected override targets(yTrue: Tensor): Float32Array {
    return hingeTargets(yTrue);
  }
}

/** Hinge loss (Keras `Hinge`, tfjs `hinge`), for -1/1 (or 0/1) targets and raw scores. */
export class Hinge extends HingeLoss {
  readonly className = 'Hinge';
  readonly name = 'hinge';

  constructor(options: LossOptions = {}) {
    super('hinge', checkOptions<LossOptions>('hinge', options, ['reduction']));
  }

  protected element(prediction: number, target: number): number {
    return Math.max(1 - target * prediction, 0);
  }

  protected derivative(prediction: number, target: number): number {
    return 1 - target * prediction > 0 ? -target : 0;
  }
}

/**
 * Hinge loss of scores `yPred` against -1/1 (or 0/1) targets of the same shape, averaged over
 * samples: a scalar tensor.
 * ```ts
 * dn.losses.hinge(dn.tensor([[0, 1], [0, 0]]), dn.tensor([[0.6, 0.4], [0.4, 0.6]])); // 1.3
 * ```
 */
export function hinge(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  return callLoss(Hinge, yTrue, yPred, options);
}
