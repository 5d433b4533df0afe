/**
 * Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm, Keras defaults.
 */
import { factoryOptions, type LearningRate, type OptimizerKernel } from './optimizer.js';
import { MOMENT_OPTION_NAMES, MomentOptimizer, type MomentOptions } from './moments.js';

/** Options of {@link adamax}. */
export interface AdamaxOptions extends MomentOptions {
  /** Default 0.001 (Keras; TensorFlow.js's `tf.train.adamax` defaults to 0.002). */
  learningRate?: MomentOptions['learningRate'];
  /** Decay of the infinity norm, in [0, 1). Default 0.999. */
  beta2?: number;
}

/**
 * Adamax: `m = b1*m + (1-b1)*g`, `u = max(b2*u, |g|)`, `p -= lr / (1 - b1^t) * m / (u + eps)` at
 * step t = iterations + 1: Adam's second moment replaced by an exponentially weighted infinity norm,
 * which needs no bias correction. The same formula as Keras and TensorFlow.js (PyTorch adds epsilon
 * inside the max instead).
 */
export class Adamax extends MomentOptimizer {
  readonly className = 'Adamax';
  protected readonly kernel: OptimizerKernel = 'adamax';

  constructor(options: AdamaxOptions = {}) {
    super('adamax', options, MOMENT_OPTION_NAMES);
  }

  protected slotNames(): readonly string[] {
    return ['m', 'u'];
  }
}

/**
 * Adamax (Keras `Adamax`, `tf.train.adamax`): learning rate 0.001, beta1 0.9, beta2 0.999, epsilon
 * 1e-7. TensorFlow.js's learning-rate `decay` is a schedule here:
 * `adamax({ learningRate: (step) => 0.002 / (1 + decay * step) })`.
 *
 * ```ts
 * model.compile({ optimizer: dn.optimizers.adamax(0.002), loss: 'mse' });
 * ```
 */
export function adamax(options?: AdamaxOptions | LearningRate): Adamax {
  return new Adamax(factoryOptions(options));
}
