/**
 * Adadelta (Zeiler 2012), Keras defaults.
 */
import { checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link adadelta}. */
export interface AdadeltaOptions extends OptimizerOptions {
  /**
   * Default 0.001 (Keras and `tf.train.adadelta`; TensorFlow.js's `'adadelta'` string uses 1). The
   * paper's method has no learning rate: 1 reproduces it.
   */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the moving mean squares of gradients and of updates, in [0, 1). Default 0.95. */
  rho?: number;
  /** Added inside both square roots, >= 0; it sets the size of the first updates. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adadelta: `acc = rho*acc + (1-rho)*g^2`, `delta = g * sqrt(accDelta + eps) / sqrt(acc + eps)`,
 * `accDelta = rho*accDelta + (1-rho)*delta^2`, `p -= lr * delta`: each parameter's step is scaled by
 * the ratio of the root mean squares of its recent updates and gradients. The same formula as Keras,
 * TensorFlow.js and PyTorch.
 */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  protected readonly kernel: OptimizerKernel = 'adadelta';
  readonly rho: number;
  readonly epsilon: number;

  constructor(options: AdadeltaOptions = {}) {
    const where = 'adadelta';
    const o = checkOptions<AdadeltaOptions>(where, options, [...OPTIMIZER_OPTION_NAMES, 'rho', 'epsilon']);
    super(where, o, 0.001);
    this.rho = o.rho === undefined ? 0.95 : checkRange(where, 'rho', o.rho, 0, 1, { maxExclusive: true });
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
  }

  protected slotNames(): readonly string[] {
    return ['accumulatedGrad', 'accumulatedDelta'];
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Beta2] = this.rho;
    hyper[Hyper.Epsilon] = this.epsilon;
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

/**
 * Adadelta (Keras `Adadelta`, `tf.train.adadelta`): learning rate 0.001, rho 0.95, epsilon 1e-7.
 * Adadelta usually wants a larger learning rate than the other optimizers (1.0 is the paper's form).
 */
export function adadelta(options?: AdadeltaOptions | LearningRate): Adadelta {
  return new Adadelta(factoryOptions(options));
}
