/**
 * RMSprop (Hinton), Keras defaults.
 */
import { checkBoolean, checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the moving mean square (and mean gradient), in [0, 1). Default 0.9. */
  rho?: number;
  /** Momentum factor in [0, 1]. Default 0. */
  momentum?: number;
  /** Added to the denominator for stability, >= 0. Default 1e-7. */
  epsilon?: number;
  /**
   * Divide by the estimated standard deviation of the gradient instead of its root mean square
   * (Graves 2013): keeps a moving mean gradient `mg` and uses `ms - mg^2`. Default false.
   */
  centered?: boolean;
}

/**
 * RMSprop: `ms = rho*ms + (1-rho)*g^2`, `step = lr * g / (sqrt(ms) + eps)`; with momentum
 * `mom = momentum*mom + step`, `p -= mom`, else `p -= step` (Keras' and TensorFlow.js's momentum,
 * with the learning rate inside the buffer). Centered: `mg = rho*mg + (1-rho)*g` and the square root
 * is of `max(ms - mg^2, 0)` (the variance is never negative in exact arithmetic; rounding may take it
 * just below zero). Keras and TensorFlow.js put epsilon inside the square root (`sqrt(ms + eps)`),
 * PyTorch outside as here: the steps differ by a relative `eps / (2 * ms)` or so, which at the default
 * 1e-7 is 5e-6 for gradients around 0.1 and reaches percents only for gradients around 1e-3 or less.
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  protected readonly kernel: OptimizerKernel = 'rmsprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RmspropOptions = {}) {
    const where = 'rmsprop';
    const o = checkOptions<RmspropOptions>(where, options, [...OPTIMIZER_OPTION_NAMES, 'rho', 'momentum', 'epsilon', 'centered']);
    super(where, o, 0.001);
    this.rho = o.rho === undefined ? 0.9 : checkRange(where, 'rho', o.rho, 0, 1, { maxExclusive: true });
    this.momentum = o.momentum === undefined ? 0 : checkRange(where, 'momentum', o.momentum, 0, 1);
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
    this.centered = o.centered === undefined ? false : checkBoolean(where, 'centered', o.centered);
  }

  protected slotNames(): readonly (string | null)[] {
    // The kernel's positions: state2 is the momentum buffer, state3 the mean gradient.
    return ['meanSquare', this.momentum === 0 ? null : 'momentum', this.centered ? 'meanGrad' : null];
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Beta2] = this.rho;
    hyper[Hyper.Momentum] = this.momentum;
    hyper[Hyper.Epsilon] = this.epsilon;
    hyper[Hyper.Centered] = this.centered ? 1 : 0;
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/**
 * RMSprop (Keras `RMSprop`, `tf.train.rmsprop`): learning rate 0.001, rho 0.9, no momentum, epsilon
 * 1e-7, not centered.
 */
export function rmsprop(options?: RmspropOptions | LearningRate): RMSprop {
  return new RMSprop(factoryOptions(options));
}
