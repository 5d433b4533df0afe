/**
 * Adam (Kingma & Ba), Keras defaults.
 */
import { checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link adam}. */
export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the first-moment estimate, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability, >= 0. Default 1e-7 (Keras; PyTorch uses 1e-8). */
  epsilon?: number;
}

/** The option names Adam and AdamW accept. */
export const ADAM_OPTION_NAMES = [...OPTIMIZER_OPTION_NAMES, 'beta1', 'beta2', 'epsilon'] as const;

/**
 * Adam: `m = b1*m + (1-b1)*g`, `v = b2*v + (1-b2)*g^2`, `p -= lr * mhat / (sqrt(vhat) + eps)` with
 * the bias corrections `mhat = m / (1 - b1^t)`, `vhat = v / (1 - b2^t)` at step t = iterations + 1.
 * Epsilon sits outside the square root of the corrected `vhat` (the paper's and PyTorch's form);
 * Keras adds it to the uncorrected `sqrt(v)` (an epsilon smaller by `sqrt(1 - b2^t)`); the two agree
 * to float precision unless a parameter's gradients are tiny (around 1e-4 or less).
 */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  protected readonly kernel: OptimizerKernel = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /** @internal `where` and `defaultWeightDecay` let AdamW reuse this constructor. */
  constructor(options: AdamOptions = {}, where = 'adam', defaultWeightDecay = 0) {
    const o = checkOptions<AdamOptions>(where, options, ADAM_OPTION_NAMES);
    super(where, o, 0.001, defaultWeightDecay);
    this.beta1 = o.beta1 === undefined ? 0.9 : checkRange(where, 'beta1', o.beta1, 0, 1, { maxExclusive: true });
    this.beta2 = o.beta2 === undefined ? 0.999 : checkRange(where, 'beta2', o.beta2, 0, 1, { maxExclusive: true });
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
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

/**
 * Adam (Keras `Adam`): learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7.
 *
 * ```ts
 * model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
 * ```
 */
export function adam(options?: AdamOptions | LearningRate): Adam {
  return new Adam(factoryOptions(options));
}
