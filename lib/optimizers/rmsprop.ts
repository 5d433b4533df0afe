/**
 * RMSprop (Hinton), Keras defaults.
 */
import { checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the moving mean square, in [0, 1). Default 0.9. */
  rho?: number;
  /** Momentum factor in [0, 1]. Default 0. */
  momentum?: number;
  /** Added to the denominator for stability, >= 0. Default 1e-7. */
  epsilon?: number;
}

/**
 * RMSprop: `ms = rho*ms + (1-rho)*g^2`, `step = lr * g / (sqrt(ms) + eps)`; with momentum
 * `mom = momentum*mom + step`, `p -= mom`, else `p -= step`. (Keras puts epsilon inside the square
 * root; with its default 1e-7 the two agree to float precision unless the mean square is tiny.)
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  protected readonly kernel: OptimizerKernel = 'rmsprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(options: RmspropOptions = {}) {
    const where = 'rmsprop';
    const o = checkOptions<RmspropOptions>(where, options, [...OPTIMIZER_OPTION_NAMES, 'rho', 'momentum', 'epsilon']);
    super(where, o, 0.001);
    this.rho = o.rho === undefined ? 0.9 : checkRange(where, 'rho', o.rho, 0, 1, { maxExclusive: true });
    this.momentum = o.momentum === undefined ? 0 : checkRange(where, 'momentum', o.momentum, 0, 1);
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
  }

  protected slotNames(): readonly string[] {
    return this.momentum === 0 ? ['meanSquare'] : ['meanSquare', 'momentum'];
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Beta2] = this.rho;
    hyper[Hyper.Momentum] = this.momentum;
    hyper[Hyper.Epsilon] = this.epsilon;
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon };
  }
}

/** RMSprop (Keras `RMSprop`): learning rate 0.001, rho 0.9, no momentum, epsilon 1e-7. */
export function rmsprop(options?: RmspropOptions | LearningRate): RMSprop {
  return new RMSprop(factoryOptions(options));
}
