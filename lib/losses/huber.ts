/**
 * Huber loss (Keras' form): per element `0.5 * d^2` where `|d| <= delta`, `delta * (|d| - 0.5 * delta)`
 * elsewhere, with `d = yPred - yTrue`; the mean over the last axis, then the reduction.
 */
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions, checkRange } from '../validate.js';
import { RegressionLoss, type LossOptions } from './loss.js';

const HUBER = binding.opCodes.loss.huber;

/** Options of {@link huber}. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear, > 0. Default 1. */
  delta?: number;
}

/** Huber loss (Keras `Huber`): quadratic for small errors, linear for large ones. */
export class Huber extends RegressionLoss {
  readonly className = 'Huber';
  readonly name = 'huber';
  protected readonly kind = HUBER;
  /** The switch point between quadratic and linear. */
  readonly delta: number;

  constructor(options: HuberOptions = {}) {
    const o = checkOptions<HuberOptions>('huber', options, ['reduction', 'delta']);
    super('huber', o);
    this.delta = o.delta === undefined ? 1 : checkRange('huber', 'delta', o.delta, 0, Infinity, { minExclusive: true, maxExclusive: true });
  }

  protected override get param(): number {
    return this.delta;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), delta: this.delta };
  }
}

/** Huber loss of `yPred` against `yTrue` (same shape), averaged over samples: a scalar tensor. */
export function huber(yTrue: TensorLike, yPred: TensorLike, options?: HuberOptions & { sampleWeight?: TensorLike }): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new Huber(rest).call(yTrue, yPred, sampleWeight);
}
