/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, Keras defaults.
 */
import { Adam, type AdamOptions } from './adam.js';
import { factoryOptions, type LearningRate } from './optimizer.js';

/** Options of {@link adamw}: Adam's, with `weightDecay` defaulting to 0.004. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay: each step first does `p -= lr * weightDecay * p`. Default 0.004 (Keras). */
  weightDecay?: number;
}

/** Adam with decoupled weight decay (Keras `AdamW`). */
export class AdamW extends Adam {
  override readonly className: string = 'AdamW';

  constructor(options: AdamWOptions = {}) {
    super(options, 'adamw', 0.004);
  }
}

/**
 * AdamW (Keras `AdamW`): Adam (learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, optional
 * `amsgrad`) whose weight decay 0.004 shrinks the parameters directly (`p -= lr * weightDecay * p`
 * before the Adam step) instead of being added to the gradient, so it is not rescaled by Adam's
 * denominator.
 */
export function adamw(options?: AdamWOptions | LearningRate): AdamW {
  return new AdamW(factoryOptions(options));
}
