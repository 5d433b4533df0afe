/**
 * Stochastic gradient descent with optional (Nesterov) momentum, Keras defaults.
 */
import { checkBoolean, checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link sgd}. */
export interface SgdOptions extends OptimizerOptions {
  /** Default 0.01. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Momentum factor in [0, 1]; 0 (default) is plain gradient descent. */
  momentum?: number;
  /** Use Nesterov momentum (default false; no effect without momentum). */
  nesterov?: boolean;
}

/**
 * SGD: `p -= lr * g`; with momentum `v = momentum * v + g; p -= lr * v` (Nesterov:
 * `p -= lr * (g + momentum * v)`). With a constant learning rate this is exactly Keras'
 * `velocity = momentum * velocity - lr * g; p += velocity` (PyTorch's form, which keeps the
 * learning rate out of the velocity, differs from Keras' only when the rate changes).
 */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  protected readonly kernel: OptimizerKernel = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SgdOptions = {}) {
    const where = 'sgd';
    const o = checkOptions<SgdOptions>(where, options, [...OPTIMIZER_OPTION_NAMES, 'momentum', 'nesterov']);
    super(where, o, 0.01);
    this.momentum = o.momentum === undefined ? 0 : checkRange(where, 'momentum', o.momentum, 0, 1);
    this.nesterov = o.nesterov === undefined ? false : checkBoolean(where, 'nesterov', o.nesterov);
  }

  protected slotNames(): readonly string[] {
    return this.momentum === 0 ? [] : ['velocity'];
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Momentum] = this.momentum;
    hyper[Hyper.Nesterov] = this.nesterov && this.momentum > 0 ? 1 : 0;
  }

  protected ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/**
 * Stochastic gradient descent (Keras `SGD`): learning rate 0.01, no momentum by default.
 *
 * ```ts
 * model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), loss: 'mse' });
 * ```
 */
export function sgd(options?: SgdOptions | LearningRate): SGD {
  return new SGD(factoryOptions(options));
}
