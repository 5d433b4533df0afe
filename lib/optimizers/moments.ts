/**
 * What Adam, AdamW, Adamax and Nadam share: the decay rates of their moment estimates (beta1, beta2)
 * and epsilon, with Keras' defaults, checked, handed to the kernel and saved the same way.
 */
import { checkOptions, checkRange } from '../validate.js';
import { Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type OptimizerOptions } from './optimizer.js';

/** The options of the Adam family. */
export interface MomentOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the first-moment estimate, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability, >= 0. Default 1e-7 (Keras; PyTorch uses 1e-8). */
  epsilon?: number;
}

/** The option names every optimizer of the Adam family accepts. */
export const MOMENT_OPTION_NAMES = [...OPTIMIZER_OPTION_NAMES, 'beta1', 'beta2', 'epsilon'] as const;

/** The base of the Adam family: beta1, beta2 and epsilon; learning rate 0.001 by default. */
export abstract class MomentOptimizer extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /**
   * @param where the factory's name, for messages
   * @param known the option names the optimizer accepts (MOMENT_OPTION_NAMES and its own)
   */
  protected constructor(where: string, options: MomentOptions, known: readonly string[], defaultWeightDecay = 0) {
    const o = checkOptions<MomentOptions>(where, options, known);
    super(where, o, 0.001, defaultWeightDecay);
    this.beta1 = o.beta1 === undefined ? 0.9 : checkRange(where, 'beta1', o.beta1, 0, 1, { maxExclusive: true });
    this.beta2 = o.beta2 === undefined ? 0.999 : checkRange(where, 'beta2', o.beta2, 0, 1, { maxExclusive: true });
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Beta1] = this.beta1;
    hyper[Hyper.Beta2] = this.beta2;
    hyper[Hyper.Epsilon] = this.epsilon;
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
