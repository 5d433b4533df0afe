/**
 * Pruning schedules, as TensorFlow Model Optimization's (`tfmot.sparsity.keras.PolynomialDecay` and
 * `ConstantSparsity`): at training step `step` (counted from the optimizer's iterations), a schedule says
 * whether the masks are updated at that step and to what sparsity. Masks are updated at `beginStep` and
 * every `frequency` steps after it, up to `endStep` (inclusive; -1 for no end with constant sparsity).
 */
import { ValueError } from '../../errors.js';
import { checkInteger, checkOptions, checkRange } from '../../validate.js';

/** What a schedule says at one step. */
export interface PruningDecision {
  /** Whether the masks are updated at this step. */
  readonly prune: boolean;
  /** The sparsity (fraction of zeros) the masks are updated to. */
  readonly sparsity: number;
}

/** A pruning schedule: `dn.pruning.polynomialDecay(...)` or `dn.pruning.constantSparsity(...)`. */
export abstract class PruningSchedule {
  /** The schedule's name ('PolynomialDecay', 'ConstantSparsity'). */
  abstract readonly className: string;
  /** The first step at which masks are updated. */
  readonly beginStep: number;
  /** The last step at which masks may be updated, or -1 for no end. */
  readonly endStep: number;
  /** Masks are updated every `frequency` steps from `beginStep`. */
  readonly frequency: number;

  protected constructor(where: string, beginStep: unknown, endStep: unknown, frequency: unknown, endRequired: boolean) {
    this.beginStep = beginStep === undefined ? 0 : checkInteger(where, 'beginStep', beginStep, 0, Number.MAX_SAFE_INTEGER);
    if (endStep === undefined && endRequired) throw new ValueError(`${where}: endStep is required (the step at which finalSparsity is reached)`);
    this.endStep = endStep === undefined ? -1 : checkInteger(where, 'endStep', endStep, -1, Number.MAX_SAFE_INTEGER);
    if (endRequired ? this.endStep <= this.beginStep : this.endStep !== -1 && this.endStep < this.beginStep) {
      throw new ValueError(`${where}: endStep (${this.endStep}) must be ${endRequired ? 'greater than' : '-1 or at least'} beginStep (${this.beginStep})`);
    }
    this.frequency = frequency === undefined ? 100 : checkInteger(where, 'frequency', frequency, 1, Number.MAX_SAFE_INTEGER);
  }

  /** The sparsity the schedule reaches in the end. */
  abstract get finalSparsity(): number;

  /** The sparsity at `step` (whether or not masks are updated then). */
  abstract sparsityAt(step: number): number;

  /** Whether masks are updated at `step`, and to what sparsity. */
  at(step: number): PruningDecision {
    const inRange = step >= this.beginStep && (this.endStep === -1 || step <= this.endStep);
    return { prune: inRange && (step - this.beginStep) % this.frequency === 0, sparsity: this.sparsityAt(step) };
  }

  /** The options that rebuild the schedule (plain JSON). */
  abstract getConfig(): Record<string, number>;
}

function checkSparsity(where: string, name: string, value: unknown): number {
  return checkRange(where, name, value, 0, 1, { maxExclusive: true });
}

/** Options of {@link polynomialDecay}. */
export interface PolynomialDecayOptions {
  /** Sparsity at `beginStep`, in [0, 1). */
  initialSparsity: number;
  /** Sparsity from `endStep` on, in [0, 1). */
  finalSparsity: number;
  /** The first step at which masks are updated. Default 0. */
  beginStep?: number;
  /** The step at which `finalSparsity` is reached (> beginStep). Required. */
  endStep: number;
  /** The exponent of the decay. Default 3. */
  power?: number;
  /** Masks are updated every `frequency` steps. Default 100. */
  frequency?: number;
}

/** Sparsity rising from `initialSparsity` to `finalSparsity` as `final + (initial - final) (1 - p)^power`, p the progress from beginStep to endStep. */
export class PolynomialDecay extends PruningSchedule {
  readonly className = 'PolynomialDecay';
  readonly initialSparsity: number;
  readonly power: number;
  private readonly final: number;

  constructor(options: PolynomialDecayOptions) {
    const where = 'pruning.polynomialDecay';
    const o = checkOptions<PolynomialDecayOptions>(where, options, ['initialSparsity', 'finalSparsity', 'beginStep', 'endStep', 'power', 'frequency']);
    super(where, o.beginStep, o.endStep, o.frequency, true);
    if (o.initialSparsity === undefined || o.finalSparsity === undefined) throw new ValueError(`${where}: initialSparsity and finalSparsity are required`);
    this.initialSparsity = checkSparsity(where, 'initialSparsity', o.initialSparsity);
    this.final = checkSparsity(where, 'finalSparsity', o.finalSparsity);
    this.power = o.power === undefined ? 3 : checkRange(where, 'power', o.power, 0, Number.MAX_VALUE, { minExclusive: true });
  }

  override get finalSparsity(): number {
    return this.final;
  }

  override sparsityAt(step: number): number {
    const progress = Math.min(1, Math.max(0, (step - this.beginStep) / (this.endStep - this.beginStep)));
    return (this.initialSparsity - this.final) * (1 - progress) ** this.power + this.final;
  }

  override getConfig(): Record<string, number> {
    return {
      initialSparsity: this.initialSparsity, finalSparsity: this.final, beginStep: this.beginStep, endStep: this.endStep, power: this.power, frequency: this.frequency,
    };
  }
}

/** Options of {@link constantSparsity}. */
export interface ConstantSparsityOptions {
  /** The sparsity, in [0, 1). */
  targetSparsity: number;
  /** The first step at which masks are updated. Default 0. */
  beginStep?: number;
  /** The last step at which masks are updated, or -1 (default) for every `frequency` steps to the end of training. */
  endStep?: number;
  /** Masks are updated every `frequency` steps. Default 100. */
  frequency?: number;
}

/** One sparsity throughout: masks are updated to `targetSparsity` at beginStep and every `frequency` steps after. */
export class ConstantSparsity extends PruningSchedule {
  readonly className = 'ConstantSparsity';
  readonly targetSparsity: number;

  constructor(options: ConstantSparsityOptions) {
    const where = 'pruning.constantSparsity';
    const o = checkOptions<ConstantSparsityOptions>(where, options, ['targetSparsity', 'beginStep', 'endStep', 'frequency']);
    super(where, o.beginStep, o.endStep, o.frequency, false);
    if (o.targetSparsity === undefined) throw new ValueError(`${where}: targetSparsity is required`);
    this.targetSparsity = checkSparsity(where, 'targetSparsity', o.targetSparsity);
  }

  override get finalSparsity(): number {
    return this.targetSparsity;
  }

  override sparsityAt(): number {
    return this.targetSparsity;
  }

  override getConfig(): Record<string, number> {
    return { targetSparsity: this.targetSparsity, beginStep: this.beginStep, endStep: this.endStep, frequency: this.frequency };
  }
}

/**
 * A schedule whose sparsity rises polynomially from `initialSparsity` at `beginStep` to `finalSparsity`
 * at `endStep` (TFMOT `PolynomialDecay`), updating the masks every `frequency` steps.
 * ```ts
 * dn.pruning.polynomialDecay({ initialSparsity: 0.3, finalSparsity: 0.8, beginStep: 0, endStep: 1000, frequency: 50 });
 * ```
 */
export function polynomialDecay(options: PolynomialDecayOptions): PolynomialDecay {
  return new PolynomialDecay(options);
}

/** A schedule of one sparsity (TFMOT `ConstantSparsity`): `dn.pruning.constantSparsity({ targetSparsity: 0.5 })`. */
export function constantSparsity(options: ConstantSparsityOptions): ConstantSparsity {
  return new ConstantSparsity(options);
}
