/**
 * Adam (Kingma & Ba), Keras defaults.
 */
import { checkBoolean } from '../validate.js';
import { factoryOptions, Hyper, type LearningRate, type OptimizerKernel } from './optimizer.js';
import { MOMENT_OPTION_NAMES, MomentOptimizer, type MomentOptions } from './moments.js';

/** Options of {@link adam}. */
export interface AdamOptions extends MomentOptions {
  /**
   * The AMSGrad variant (Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond"): divide by the
   * largest second moment seen so far instead of the current one, so no parameter's step size grows
   * back. Keeps a third state slot, `vMax`. Default false.
   */
  amsgrad?: boolean;
}

/**
 * Adam: `m = b1*m + (1-b1)*g`, `v = b2*v + (1-b2)*g^2`, `p -= lr * mhat / (sqrt(vhat) + eps)` with
 * the bias corrections `mhat = m / (1 - b1^t)`, `vhat = v / (1 - b2^t)` at step t = iterations + 1.
 * With `amsgrad`, `vMax = max(vMax, v)` and `vhat` corrects `vMax` instead of `v` (as Keras and PyTorch).
 * Epsilon sits outside the square root of the corrected `vhat` (the paper's and PyTorch's form);
 * Keras adds it to the uncorrected `sqrt(v)`, which amounts to an epsilon larger by `1 / sqrt(1 - b2^t)`
 * (31.6 times at the first step with b2 = 0.999, tending to 1 as t grows). Early steps then differ by
 * a relative `(31.6 - 1) * eps / |g|` or so: at the default 1e-7, 3e-6 for unit gradients, percents
 * only for gradients around 1e-4 or smaller; with a large epsilon they differ plainly (Keras' AdamW
 * golden test, epsilon 2: a first step to 0.4998 in Keras, 0.4950 here).
 */
export class Adam extends MomentOptimizer {
  readonly className: string = 'Adam';
  protected readonly kernel: OptimizerKernel = 'adam';
  readonly amsgrad: boolean;

  /** @internal `where` and `defaultWeightDecay` let AdamW reuse this constructor. */
  constructor(options: AdamOptions = {}, where = 'adam', defaultWeightDecay = 0) {
    super(where, options, [...MOMENT_OPTION_NAMES, 'amsgrad'], defaultWeightDecay);
    this.amsgrad = options.amsgrad === undefined ? false : checkBoolean(where, 'amsgrad', options.amsgrad);
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
  }

  protected override writeHyper(hyper: Float64Array): void {
    super.writeHyper(hyper);
    hyper[Hyper.Amsgrad] = this.amsgrad ? 1 : 0;
  }

  protected override ownConfig(): Record<string, unknown> {
    return { ...super.ownConfig(), amsgrad: this.amsgrad };
  }
}

/**
 * Adam (Keras `Adam`, `tf.train.adam`): learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7,
 * no AMSGrad.
 *
 * ```ts
 * model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
 * ```
 */
export function adam(options?: AdamOptions | LearningRate): Adam {
  return new Adam(factoryOptions(options));
}
