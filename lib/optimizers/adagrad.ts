/**
 * Adagrad (Duchi, Hazan & Singer), Keras defaults.
 */
import { checkOptions, checkRange } from '../validate.js';
import {
  factoryOptions, Hyper, OPTIMIZER_OPTION_NAMES, Optimizer, type LearningRate, type OptimizerKernel, type OptimizerOptions,
} from './optimizer.js';

/** Options of {@link adagrad}. */
export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** The value every accumulator starts at, >= 0. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the denominator for stability, >= 0. Default 1e-7. */
  epsilon?: number;
}

/** Adagrad: `acc += g^2`, `p -= lr * g / (sqrt(acc) + eps)`. */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  protected readonly kernel: OptimizerKernel = 'adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    const where = 'adagrad';
    const o = checkOptions<AdagradOptions>(where, options, [...OPTIMIZER_OPTION_NAMES, 'initialAccumulatorValue', 'epsilon']);
    super(where, o, 0.001);
    this.initialAccumulatorValue =
      o.initialAccumulatorValue === undefined ? 0.1 : checkRange(where, 'initialAccumulatorValue', o.initialAccumulatorValue, 0, Infinity);
    this.epsilon = o.epsilon === undefined ? 1e-7 : checkRange(where, 'epsilon', o.epsilon, 0, Infinity);
  }

  protected slotNames(): readonly string[] {
    return ['accumulator'];
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected writeHyper(hyper: Float64Array): void {
    hyper[Hyper.Epsilon] = this.epsilon;
  }

  protected ownConfig(): Record<string, unknown> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

/** Adagrad (Keras `Adagrad`): learning rate 0.001, initial accumulator 0.1, epsilon 1e-7. */
export function adagrad(options?: AdagradOptions | LearningRate): Adagrad {
  return new Adagrad(factoryOptions(options));
}
