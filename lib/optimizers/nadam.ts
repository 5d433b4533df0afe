/**
 * Nadam (Dozat 2016): Adam with Nesterov momentum, Keras defaults.
 */
import { factoryOptions, type LearningRate, type OptimizerKernel } from './optimizer.js';
import { MOMENT_OPTION_NAMES, MomentOptimizer, type MomentOptions } from './moments.js';

/** Options of {@link nadam}. */
export interface NadamOptions extends MomentOptions {
  /** Decay of the first-moment estimate, in [0, 1); the momentum schedule scales it. Default 0.9. */
  beta1?: number;
}

/**
 * Nadam, as Keras computes it: Adam's `m` and `v`, a momentum schedule `u(t) = b1 * (1 - 0.5 * 0.96^t)`
 * with running product `U(t) = u(1) * ... * u(t)`, and the Nesterov estimate
 * `mbar = u(t+1) * m / (1 - U(t+1)) + (1 - u(t)) * g / (1 - U(t))`; then
 * `p -= lr * mbar / (sqrt(v / (1 - b2^t)) + eps)` at step t = iterations + 1. The schedule is a
 * function of the step, so the saved state is Adam's (`m`, `v` and the iteration count). PyTorch's
 * `NAdam` decays the schedule much more slowly (0.96^(0.004 t)); TensorFlow.js has no Nadam.
 */
export class Nadam extends MomentOptimizer {
  readonly className = 'Nadam';
  protected readonly kernel: OptimizerKernel = 'nadam';

  constructor(options: NadamOptions = {}) {
    super('nadam', options, MOMENT_OPTION_NAMES);
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
  }
}

/** Nadam (Keras `Nadam`): learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export function nadam(options?: NadamOptions | LearningRate): Nadam {
  return new Nadam(factoryOptions(options));
}
