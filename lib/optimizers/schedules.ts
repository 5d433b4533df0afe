/**
 * Learning-rate schedules: the learning rate as a function of the optimizer's step count, in the
 * names and formulas of Keras (`keras.optimizers.schedules`). Pass one as an optimizer's
 * `learningRate`; the optimizer asks it for the rate at its current `iterations` (0 on the first
 * step) before each update.
 *
 * ```ts
 * const optimizer = dn.optimizers.adam({
 *   learningRate: dn.optimizers.schedules.exponentialDecay({ initialLearningRate: 1e-2, decaySteps: 1000, decayRate: 0.9 }),
 * });
 * ```
 */
import { ValueError } from '../errors.js';
import {
  checkBoolean, checkEach, checkNumber, checkObject, checkOptions, checkPositiveInteger, checkRange, checkString, didYouMean, typeError,
  valueError,
} from '../validate.js';
import { ownEntry } from '../aliases.js';

/** A learning rate that changes with the step count. */
export abstract class LearningRateSchedule {
  /** The registered class name (Keras' name), used by getConfig/fromConfig. */
  abstract readonly className: string;
  /**
   * The learning rate at `step` (the optimizer's iteration count: 0 for the first update).
   * @param step a non-negative integer
   */
  valueAt(step: number): number {
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
      checkNumber(`${this.className}.valueAt`, 'step', step);
      valueError(`${this.className}.valueAt`, 'step', 'a non-negative integer', step);
    }
    return this.rateAt(step);
  }
  /** The formula, for a step already checked. */
  protected abstract rateAt(step: number): number;
  /** The options that rebuild this schedule (plain JSON). */
  abstract getConfig(): Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** The learning rate at step 0 (> 0... or 0). */
  initialLearningRate: number;
  /** The number of steps over which the rate is multiplied by `decayRate` (a positive integer). */
  decaySteps: number;
  /** The factor applied every `decaySteps` steps (> 0). */
  decayRate: number;
  /** Decay in whole periods (a staircase) instead of smoothly. Default false. */
  staircase?: boolean;
}

/** `initialLearningRate * decayRate ^ (step / decaySteps)` (the exponent floored when `staircase`). */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: ExponentialDecayOptions) {
    super();
    const where = 'exponentialDecay';
    const o = checkOptions<ExponentialDecayOptions>(where, checkObject(where, 'options', options), [
      'initialLearningRate', 'decaySteps', 'decayRate', 'staircase',
    ]);
    this.initialLearningRate = checkRange(where, 'initialLearningRate', required(where, o, 'initialLearningRate'), 0, Infinity);
    this.decaySteps = checkPositiveInteger(where, 'decaySteps', required(where, o, 'decaySteps'));
    this.decayRate = checkRange(where, 'decayRate', required(where, o, 'decayRate'), 0, Infinity, { minExclusive: true });
    this.staircase = o.staircase === undefined ? false : checkBoolean(where, 'staircase', o.staircase);
  }

  protected rateAt(step: number): number {
    const periods = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(periods) : periods);
  }

  getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}

/**
 * Exponential decay (Keras `ExponentialDecay`): the rate at step `s` is
 * `initialLearningRate * decayRate ^ (s / decaySteps)`; with `staircase` the exponent is
 * `floor(s / decaySteps)`, so the rate drops once per period.
 */
export function exponentialDecay(options: ExponentialDecayOptions): ExponentialDecay {
  return new ExponentialDecay(options);
}

// ---------------------------------------------------------------------------------------------

/** Options of {@link piecewiseConstantDecay}. */
export interface PiecewiseConstantDecayOptions {
  /** Increasing step counts where the rate changes. */
  boundaries: number[];
  /** The rates: one more than `boundaries`. */
  values: number[];
}

/** A constant rate per interval of steps (Keras `PiecewiseConstantDecay`). */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(options: PiecewiseConstantDecayOptions) {
    super();
    const where = 'piecewiseConstantDecay';
    const o = checkOptions<PiecewiseConstantDecayOptions>(where, checkObject(where, 'options', options), ['boundaries', 'values']);
    const boundaries = required(where, o, 'boundaries');
    const values = required(where, o, 'values');
    if (!Array.isArray(boundaries)) typeError(where, 'boundaries', 'an array of step counts', boundaries);
    if (!Array.isArray(values)) typeError(where, 'values', 'an array of learning rates', values);
    this.boundaries = checkEach(boundaries, (b, i) => {
      const step = checkRange(where, `boundaries[${i}]`, b, 0, Infinity);
      if (i > 0 && !(step > boundaries[i - 1])) {
        valueError(where, `boundaries[${i}]`, `greater than boundaries[${i - 1}] (${boundaries[i - 1]}): boundaries must increase`, step);
      }
      return step;
    });
    this.values = checkEach(values, (v, i) => checkRange(where, `values[${i}]`, v, 0, Infinity));
    if (this.values.length !== this.boundaries.length + 1) {
      throw new ValueError(
        `${where}: values must have one more entry than boundaries (${this.boundaries.length} boundaries need ${this.boundaries.length + 1} values), got ${this.values.length} values`,
      );
    }
  }

  protected rateAt(step: number): number {
    // As in Keras: values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i].
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]) i++;
    return this.values[i];
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}

/**
 * Piecewise constant (step) decay (Keras `PiecewiseConstantDecay`): `values[0]` while
 * `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`, and the last
 * value after the last boundary.
 *
 * ```ts
 * dn.optimizers.schedules.piecewiseConstantDecay({ boundaries: [1000, 2000], values: [1e-2, 1e-3, 1e-4] });
 * ```
 */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): PiecewiseConstantDecay {
  return new PiecewiseConstantDecay(options);
}

// ---------------------------------------------------------------------------------------------

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** The rate at step 0 (the start of the warmup, or of the decay without warmup). */
  initialLearningRate: number;
  /** The number of steps of the cosine decay (after the warmup). A positive integer. */
  decaySteps: number;
  /** The final rate as a fraction of the decay's starting rate, in [0, 1]. Default 0. */
  alpha?: number;
  /** Steps of linear warmup from `initialLearningRate` to `warmupTarget` before the decay. Default 0. */
  warmupSteps?: number;
  /** The rate reached at the end of the warmup (required when `warmupSteps > 0`). */
  warmupTarget?: number;
}

/** Cosine decay with optional linear warmup (Keras `CosineDecay`). */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupSteps: number;
  readonly warmupTarget: number | null;

  constructor(options: CosineDecayOptions) {
    super();
    const where = 'cosineDecay';
    const o = checkOptions<CosineDecayOptions>(where, checkObject(where, 'options', options), [
      'initialLearningRate', 'decaySteps', 'alpha', 'warmupSteps', 'warmupTarget',
    ]);
    this.initialLearningRate = checkRange(where, 'initialLearningRate', required(where, o, 'initialLearningRate'), 0, Infinity);
    this.decaySteps = checkPositiveInteger(where, 'decaySteps', required(where, o, 'decaySteps'));
    this.alpha = o.alpha === undefined ? 0 : checkRange(where, 'alpha', o.alpha, 0, 1);
    this.warmupSteps = o.warmupSteps === undefined ? 0 : checkRange(where, 'warmupSteps', o.warmupSteps, 0, Infinity);
    if (!Number.isInteger(this.warmupSteps)) valueError(where, 'warmupSteps', 'a non-negative integer', this.warmupSteps);
    this.warmupTarget = o.warmupTarget === undefined || o.warmupTarget === null ? null : checkRange(where, 'warmupTarget', o.warmupTarget, 0, Infinity);
    if (this.warmupSteps > 0 && this.warmupTarget === null) {
      throw new ValueError(`${where}: warmupSteps = ${this.warmupSteps} needs a warmupTarget (the rate reached at the end of the warmup)`);
    }
  }

  protected rateAt(step: number): number {
    const start = this.warmupTarget ?? this.initialLearningRate;
    if (step < this.warmupSteps) {
      return this.initialLearningRate + (start - this.initialLearningRate) * (step / this.warmupSteps);
    }
    const progress = Math.min(step - this.warmupSteps, this.decaySteps) / this.decaySteps;
    const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return start * ((1 - this.alpha) * cosine + this.alpha);
  }

  getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      alpha: this.alpha,
      warmupSteps: this.warmupSteps,
      warmupTarget: this.warmupTarget,
    };
  }
}

/**
 * Cosine decay (Keras `CosineDecay`, Loshchilov & Hutter's SGDR without restarts): after an optional
 * linear warmup of `warmupSteps` steps from `initialLearningRate` to `warmupTarget`, the rate
 * follows `start * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decaySteps)) + alpha)` with `t` the steps
 * since the warmup, capped at `decaySteps`; `start` is `warmupTarget` if given, else
 * `initialLearningRate`.
 */
export function cosineDecay(options: CosineDecayOptions): CosineDecay {
  return new CosineDecay(options);
}

// ---------------------------------------------------------------------------------------------

type ScheduleClass = new (options: never) => LearningRateSchedule;
const scheduleRegistry: Record<string, ScheduleClass> = {
  ExponentialDecay,
  PiecewiseConstantDecay,
  CosineDecay,
};

/** The serialized form of a schedule: its class name and options. */
export interface ScheduleConfig {
  className: string;
  config: Record<string, unknown>;
}

/** `{className, config}` for a schedule (what a saved optimizer config holds). */
export function serializeSchedule(schedule: LearningRateSchedule): ScheduleConfig {
  return { className: schedule.className, config: schedule.getConfig() };
}

/** Rebuilds a schedule from {@link serializeSchedule}'s output. Unknown class names list the known ones. */
export function deserializeSchedule(value: unknown, where = 'deserializeSchedule'): LearningRateSchedule {
  const object = checkObject(where, 'schedule', value);
  const className = checkString(where, 'className', object.className);
  const known = Object.keys(scheduleRegistry);
  const Class = ownEntry(scheduleRegistry, className);
  if (Class === undefined) {
    throw new ValueError(`${where}: unknown schedule '${className}'${didYouMean(className, known)}; known schedules: ${known.join(', ')}`);
  }
  const config = object.config === undefined ? {} : checkObject(where, 'config', object.config);
  // warmupTarget: null is the saved form of "no warmup target".
  const cleaned = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));
  return new Class(cleaned as never);
}

function required<T extends object, K extends keyof T>(where: string, options: Partial<T>, key: K): unknown {
  const value = options[key];
  if (value === undefined) throw new ValueError(`${where}: the option '${String(key)}' is required`);
  return value;
}
