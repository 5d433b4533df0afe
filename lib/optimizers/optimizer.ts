/**
 * The optimizer base class. Every optimizer keeps all the trainable parameters of a model in ONE
 * flat Float32Array (each variable's tensor is re-homed to a view of its slice), their gradients
 * in another, and its state (moments, accumulators) in flat buffers of the same length, so a
 * training step updates every parameter with a single native call (`binding.optimizerUpdate`).
 *
 * A subclass (sgd, adam, ...) only says which native rule it uses, which state slots it keeps and
 * how its hyperparameters fill the kernel's argument block: the flat buffers, the learning-rate
 * schedule, clipping, weight decay, the iteration count and the state's get/set live here.
 */
import { SerializationError, ShapeError, ValueError } from '../errors.js';
import { binding } from '../native.js';
import { makeTensor, sameShape, Tensor } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import {
  checkBoolean, checkFunction, checkInteger, checkObject, checkRange, describe, didYouMean, formatShape, typeError, valueError,
} from '../validate.js';
import { LearningRateSchedule, serializeSchedule, type ScheduleConfig } from './schedules.js';

/**
 * What an optimizer updates: a named, possibly trainable tensor. A layer's `LayerVariable` has this
 * shape. `value` is replaced by {@link Optimizer.build} with a tensor viewing the optimizer's flat
 * buffer, so code must always read `variable.value` and never keep the tensor.
 */
export interface OptimizerVariable {
  readonly name: string;
  value: Tensor;
  trainable: boolean;
  /** Told after each step that changed the value (a layer's variable counts its versions so). */
  markChanged?(): void;
  /**
   * One 0/1 entry per element, or null/absent: the elements where it is 0 stay exactly zero through every
   * step (their gradient is dropped before the update and the value zeroed after it), and a new mask
   * clears their optimizer state (moments, accumulators). Pruning (`dn.pruning`) sets it.
   */
  mask?: Float32Array | null;
}

/** A learning rate: a number, a schedule from `dn.optimizers.schedules`, or a function of the step. */
export type LearningRate = number | LearningRateSchedule | ((step: number) => number);

/**
 * What an optimizer factory takes: its options, or the learning rate alone, so `adam(0.01)` means
 * `adam({ learningRate: 0.01 })` (as `tf.train.adam(0.01)` and Keras's `Adam(0.01)` do).
 */
export function factoryOptions<T extends OptimizerOptions>(options: T | LearningRate | undefined): T | undefined {
  return typeof options === 'number' || typeof options === 'function' || options instanceof LearningRateSchedule
    ? ({ learningRate: options } as T)
    : options;
}

/** Options every optimizer accepts. */
export interface OptimizerOptions {
  /**
   * The step size: a number >= 0, a {@link LearningRateSchedule}, or a function of the step count
   * (0 on the first update) returning the rate (a function cannot be saved with the model).
   */
  learningRate?: LearningRate;
  /**
   * Decoupled weight decay (as in Keras and AdamW): before each update every parameter is
   * multiplied by `1 - learningRate * weightDecay`. Default 0 (AdamW: 0.004). For an L2 penalty
   * added to the loss instead, give layers a `kernelRegularizer: dn.regularizers.l2()`.
   */
  weightDecay?: number;
  /** Rescales each variable's gradient so that its L2 norm is at most this (Keras `clipnorm`). */
  clipNorm?: number;
  /** Rescales all gradients together so that their joint L2 norm is at most this (Keras `global_clipnorm`). */
  globalClipNorm?: number;
  /** Clamps every gradient element to [-clipValue, clipValue] (after any norm clipping). */
  clipValue?: number;
}

/** The option names of {@link OptimizerOptions}, for validation. */
export const OPTIMIZER_OPTION_NAMES = ['learningRate', 'weightDecay', 'clipNorm', 'globalClipNorm', 'clipValue'] as const;

/** A tensor with a name: one entry of {@link Optimizer.getWeights}. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** The native update rules (binding.opCodes.optimizer). */
export type OptimizerKernel = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | 'adamax' | 'adadelta' | 'nadam';

/** Positions in the argument block of the native `optimizerUpdate` (its `hyper` Float64Array; see lib/native.ts). */
export enum Hyper {
  LearningRate = 0,
  Momentum = 1,
  Nesterov = 2,
  Beta1 = 3,
  Beta2 = 4,
  Epsilon = 5,
  WeightDecay = 6,
  Decoupled = 7,
  ClipValue = 8,
  GradScale = 9,
  Step = 10,
  Amsgrad = 11,
  Centered = 12,
  Count = 13,
}

/** The flat buffers and the views into them, made by build(). */
interface FlatState {
  /** The trainable variables, in the order of their slices. */
  variables: OptimizerVariable[];
  shapes: (readonly number[])[];
  offsets: number[];
  params: Float32Array;
  grads: Float32Array;
  /** One buffer per state slot of the kernel (state1..state3; see slotNames()), null where the rule keeps none. */
  slots: (Float32Array | null)[];
  /** Each variable's slice of `params`, and the tensor wrapping it (what `variable.value` holds). */
  paramViews: Float32Array[];
  /** Each variable's slice of `grads`, and the tensor wrapping it (what `variable.value.grad` holds). */
  gradViews: Float32Array[];
  gradTensors: Tensor[];
}

/**
 * The base of every optimizer. Use a factory (`dn.optimizers.adam({...})`) or a name in
 * `model.compile({optimizer: 'adam'})`.
 *
 * The model calls {@link Optimizer.build} once with its variables, then {@link Optimizer.step}
 * after each backward pass. For a custom loop over your own tensors:
 *
 * ```ts
 * const w = { name: 'w', value: dn.zeros([3], { requiresGrad: true }), trainable: true };
 * const optimizer = dn.optimizers.sgd({ learningRate: 0.1 });
 * optimizer.build([w]);
 * for (let i = 0; i < 100; i++) {
 *   w.value.sub(target).square().sum().backward();
 *   optimizer.step();          // updates w.value in place and zeroes its gradient
 * }
 * ```
 */
export abstract class Optimizer {
  /** The registered class name (Keras' name: 'SGD', 'Adam', ...), used by getConfig/loading. */
  abstract readonly className: string;
  /** The native update rule. */
  protected abstract readonly kernel: OptimizerKernel;

  /** Decoupled weight decay factor (0: none). */
  readonly weightDecay: number;
  /** Per-variable gradient norm limit, or null. */
  readonly clipNorm: number | null;
  /** Global gradient norm limit, or null. */
  readonly globalClipNorm: number | null;
  /** Per-element gradient limit, or null. */
  readonly clipValue: number | null;

  private rate: number;
  private schedule: LearningRateSchedule | ((step: number) => number) | null;
  private iterationCount = 0;
  private flat: FlatState | null = null;
  private readonly hyper = new Float64Array(Hyper.Count);
  /** The mask each masked variable had at its last step: a different one means the mask changed. */
  private readonly appliedMasks = new WeakMap<OptimizerVariable, Float32Array>();

  /** @param where the factory's name, for messages. */
  protected constructor(where: string, options: OptimizerOptions, defaultLearningRate: number, defaultWeightDecay = 0) {
    const learningRate = options.learningRate === undefined ? defaultLearningRate : options.learningRate;
    this.rate = 0;
    this.schedule = null;
    this.setLearningRate(where, learningRate);
    this.weightDecay = options.weightDecay === undefined ? defaultWeightDecay : checkRange(where, 'weightDecay', options.weightDecay, 0, Infinity);
    this.clipNorm = optionalPositive(where, 'clipNorm', options.clipNorm);
    this.globalClipNorm = optionalPositive(where, 'globalClipNorm', options.globalClipNorm);
    this.clipValue = optionalPositive(where, 'clipValue', options.clipValue);
    if (this.clipNorm !== null && this.globalClipNorm !== null) {
      throw new ValueError(`${where}: set clipNorm (per variable) or globalClipNorm (all variables together), not both`);
    }
  }

  // --- the subclass's part ----------------------------------------------------------------------

  /**
   * Names of the state buffers this rule keeps, by the kernel's positions state1, state2, state3 (`['m', 'v']`
   * for Adam); null at a position the rule leaves empty (centered RMSprop without momentum keeps state1 and state3).
   */
  protected abstract slotNames(): readonly (string | null)[];
  /** The value a state slot starts at (Adagrad's initial accumulator; 0 otherwise). */
  protected initialSlotValue(_slot: number): number {
    return 0;
  }
  /** Writes the rule's own hyperparameters (momentum, betas, epsilon...) into the kernel's block. */
  protected abstract writeHyper(hyper: Float64Array): void;
  /** The rule's own options, for getConfig(). */
  protected abstract ownConfig(): Record<string, unknown>;

  // --- learning rate and iterations -------------------------------------------------------------

  /** The number of updates applied so far (Keras `iterations`); schedules are evaluated at it. */
  get iterations(): number {
    return this.iterationCount;
  }

  /**
   * The learning rate of the next update (a schedule evaluated at {@link Optimizer.iterations}).
   * Setting it replaces the rate or schedule: a number >= 0, a schedule, or a function of the step.
   */
  get learningRate(): number {
    return this.currentLearningRate();
  }

  set learningRate(value: LearningRate) {
    this.setLearningRate(`${this.className}.learningRate`, value);
  }

  /** The schedule in use (a {@link LearningRateSchedule} or a function), or null for a constant rate. */
  get learningRateSchedule(): LearningRateSchedule | ((step: number) => number) | null {
    return this.schedule;
  }

  private setLearningRate(where: string, value: unknown): void {
    if (value instanceof LearningRateSchedule) {
      this.schedule = value;
    } else if (typeof value === 'function') {
      this.schedule = checkFunction(where, 'learningRate', value) as (step: number) => number;
    } else if (typeof value === 'number') {
      this.rate = checkRange(where, 'learningRate', value, 0, Infinity);
      this.schedule = null;
    } else {
      typeError(where, 'learningRate', 'a number, a learning-rate schedule or a function of the step', value);
    }
  }

  private currentLearningRate(): number {
    const schedule = this.schedule;
    if (schedule === null) return this.rate;
    const step = this.iterationCount;
    const rate = schedule instanceof LearningRateSchedule ? schedule.valueAt(step) : schedule(step);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
      throw new ValueError(`${this.className}: the learning-rate schedule returned ${describe(rate)} at step ${step}; it must return a finite number >= 0`);
    }
    return rate;
  }

  // --- build ------------------------------------------------------------------------------------

  /** Whether {@link Optimizer.build} has run. */
  get built(): boolean {
    return this.flat !== null;
  }

  /** The trainable variables this optimizer updates (after build), in the order of its flat buffer. */
  get variables(): readonly OptimizerVariable[] {
    return this.flat === null ? [] : this.flat.variables;
  }

  /**
   * Takes charge of the trainable `variables`: allocates one flat buffer for all of them, copies
   * each value in and re-homes `variable.value` to a tensor viewing its slice (requiresGrad set),
   * attaches a zero gradient viewing the flat gradient buffer, and allocates the state.
   * Non-trainable variables are left alone.
   *
   * Building again with the same variables (same objects, same shapes) keeps the state; with
   * others, a variable seen before keeps its state and new ones start fresh. The iteration count
   * (and so the schedule) carries on.
   */
  build(variables: readonly OptimizerVariable[]): void {
    const where = `${this.className}.build`;
    const trainable = checkVariables(where, variables).filter((v) => v.trainable);
    const old = this.flat;
    if (old !== null && this.sameLayout(old, trainable)) {
      this.syncVariables(old);
      return;
    }
    const shapes = trainable.map((v) => v.value.shape);
    const offsets: number[] = [];
    let total = 0;
    for (const v of trainable) {
      offsets.push(total);
      total += v.value.size;
    }
    const slotNames = this.slotNames();
    const flat: FlatState = {
      variables: trainable,
      shapes,
      offsets,
      params: new Float32Array(total),
      grads: new Float32Array(total),
      slots: slotNames.map((name, s) => {
        if (name === null) return null;
        const buffer = new Float32Array(total);
        const initial = this.initialSlotValue(s);
        if (initial !== 0) buffer.fill(initial);
        return buffer;
      }),
      paramViews: [],
      gradViews: [],
      gradTensors: [],
    };
    const previous = new Map<OptimizerVariable, number>();
    if (old !== null) old.variables.forEach((v, i) => previous.set(v, i));
    for (let i = 0; i < trainable.length; i++) {
      const size = trainable[i].value.size;
      const offset = offsets[i];
      flat.paramViews.push(flat.params.subarray(offset, offset + size));
      const gradView = flat.grads.subarray(offset, offset + size);
      flat.gradViews.push(gradView);
      flat.gradTensors.push(makeTensor(gradView, shapes[i]));
      const j = previous.get(trainable[i]);
      if (old !== null && j !== undefined && sameShape(old.shapes[j], shapes[i])) {
        flat.slots.forEach((slot, s) => slot?.set(old.slots[s]!.subarray(old.offsets[j], old.offsets[j] + size), offset));
      }
      this.rehome(flat, i, trainable[i].value);
    }
    this.flat = flat;
  }

  private sameLayout(flat: FlatState, trainable: readonly OptimizerVariable[]): boolean {
    if (flat.variables.length !== trainable.length) return false;
    for (let i = 0; i < trainable.length; i++) {
      if (flat.variables[i] !== trainable[i] || !sameShape(flat.shapes[i], trainable[i].value.shape)) return false;
    }
    return true;
  }

  /** Copies `value` into variable i's slice and makes `variable.value` the tensor viewing it. */
  private rehome(flat: FlatState, i: number, value: Tensor): void {
    const variable = flat.variables[i];
    const grad = value.grad;
    flat.paramViews[i].set(contiguous(value.detach()).storage);
    const home = makeTensor(flat.paramViews[i], flat.shapes[i]);
    home.requiresGrad = true;
    this.takeGradient(flat, i, grad);
    home.grad = flat.gradTensors[i];
    variable.value = home;
  }

  /**
   * Brings a gradient into variable i's slice of the flat gradient buffer: nothing to do when
   * backward() accumulated straight into the attached view; a copy when the gradient is another
   * tensor (someone set `.grad`); zeros when there is none.
   */
  private takeGradient(flat: FlatState, i: number, grad: Tensor | null): void {
    if (grad === flat.gradTensors[i]) return;
    const view = flat.gradViews[i];
    if (grad === null) {
      view.fill(0);
      return;
    }
    const variable = flat.variables[i];
    if (!(grad instanceof Tensor)) typeError(`${this.className}.step`, `the gradient of '${variable.name}'`, 'a Tensor or null', grad);
    if (!sameShape(grad.shape, flat.shapes[i])) {
      throw new ShapeError(
        `${this.className}.step: the gradient of '${variable.name}' has shape ${formatShape(grad.shape)}, the variable has shape ${formatShape(flat.shapes[i])}`,
      );
    }
    if (grad.dtype !== 'float32') {
      throw new ValueError(`${this.className}.step: the gradient of '${variable.name}' must be float32, got ${grad.dtype}`);
    }
    view.set(contiguous(grad.detach()).storage);
  }

  /**
   * Makes sure every variable still views its slice: a value replaced since build (a layer's
   * setWeights, a reload) is copied into the flat buffer and re-homed; a gradient that is not the
   * attached view is copied in.
   */
  private syncVariables(flat: FlatState): void {
    const { variables, paramViews, gradTensors } = flat;
    for (let i = 0; i < variables.length; i++) {
      const value = variables[i].value;
      if (value.storage !== paramViews[i]) {
        if (!(value instanceof Tensor)) typeError(`${this.className}.step`, `variables[${i}].value`, 'a Tensor', value);
        if (!sameShape(value.shape, flat.shapes[i])) {
          throw new ShapeError(
            `${this.className}.step: variable '${variables[i].name}' changed shape from ${formatShape(flat.shapes[i])} to ${formatShape(value.shape)} since build(); build the optimizer again`,
          );
        }
        this.rehome(flat, i, value);
      } else if (value.grad !== gradTensors[i]) {
        this.takeGradient(flat, i, value.grad);
        value.grad = gradTensors[i];
      }
    }
  }

  // --- step -------------------------------------------------------------------------------------

  /**
   * Applies one update to every trainable variable from its `.grad` (a missing gradient counts as
   * zeros), then zeroes the gradients and counts the iteration. In order: per-variable or global
   * norm clipping, then (in the native kernel) value clipping, decoupled weight decay and the rule.
   *
   * @param variables the variables to update; by default those of the last build. If the set of
   *   trainable variables differs from the built one (a layer was frozen or added), the optimizer
   *   builds again first (keeping the state of the variables it knew).
   */
  step(variables?: readonly OptimizerVariable[]): void {
    if (variables !== undefined && (this.flat === null || !this.sameTrainable(this.flat, variables))) {
      this.build(variables);
    }
    const flat = this.flat;
    if (flat === null) {
      throw new ValueError(`${this.className}.step: the optimizer has no variables yet; call build(variables) first or pass them to step(variables)`);
    }
    this.syncVariables(flat);
    this.maskGradients(flat);
    const total = flat.params.length;
    const hyper = this.hyper;
    let gradScale = 1;
    if (this.clipNorm !== null) this.clipEachNorm(flat, this.clipNorm);
    if (this.globalClipNorm !== null && total > 0) {
      const norm = Math.sqrt(binding.sumSquares(flat.grads, total));
      // A NaN or infinite norm is left to show in the parameters (and the loss), as Keras does.
      if (Number.isFinite(norm) && norm > this.globalClipNorm) gradScale = this.globalClipNorm / norm;
    }
    const learningRate = this.currentLearningRate();
    hyper.fill(0);
    this.writeHyper(hyper);
    hyper[Hyper.LearningRate] = learningRate;
    hyper[Hyper.WeightDecay] = this.weightDecay;
    hyper[Hyper.Decoupled] = 1;
    hyper[Hyper.ClipValue] = this.clipValue ?? 0;
    hyper[Hyper.GradScale] = gradScale;
    hyper[Hyper.Step] = this.iterationCount + 1;
    if (total > 0) {
      const slots = flat.slots;
      binding.optimizerUpdate(
        binding.opCodes.optimizer[this.kernel], hyper, flat.params, flat.grads,
        slots[0] ?? null, slots[1] ?? null, slots[2] ?? null, total,
      );
      this.maskValues(flat);
      this.clearGradients(flat);
      for (const variable of flat.variables) if (typeof variable.markChanged === 'function') variable.markChanged();
    }
    this.iterationCount++;
  }

  /**
   * Applies gradients given by variable name (what `dn.valueAndGrad` returns) to the variables of
   * those names: one update, as {@link Optimizer.step} does with `.grad`. A variable without an
   * entry counts as a zero gradient; a name the optimizer does not update is an error.
   * ```ts
   * const { value, grads } = dn.valueAndGrad(() => lossOf(model.apply(x, { training: true }), y));
   * optimizer.applyGradients(grads, model.trainableWeights);
   * ```
   * @param variables the variables to update (built first, as `step(variables)` does); by default those of the last build
   */
  applyGradients(grads: Readonly<Record<string, Tensor>>, variables?: readonly OptimizerVariable[]): void {
    const where = `${this.className}.applyGradients`;
    const object = checkObject(where, 'grads', grads);
    if (variables !== undefined && (this.flat === null || !this.sameTrainable(this.flat, variables))) this.build(variables);
    const flat = this.flat;
    if (flat === null) {
      throw new ValueError(`${where}: the optimizer has no variables yet; pass them (applyGradients(grads, model.trainableWeights)) or call build(variables) first`);
    }
    const names = flat.variables.map((v) => v.name);
    for (const [name, gradient] of Object.entries(object)) {
      const i = names.indexOf(name);
      if (i < 0) throw new ValueError(`${where}: grads has '${name}', which is not a variable this optimizer updates${didYouMean(name, names)}; it updates ${names.join(', ') || 'none'}`);
      if (!(gradient instanceof Tensor)) typeError(where, `grads['${name}']`, 'a Tensor', gradient);
      if (!sameShape(gradient.shape, flat.shapes[i])) {
        throw new ShapeError(`${where}: grads['${name}'] has shape ${formatShape(gradient.shape)}, the variable has shape ${formatShape(flat.shapes[i])}`);
      }
      if (gradient.dtype !== 'float32') throw new ValueError(`${where}: grads['${name}'] must be float32, got ${gradient.dtype}`);
    }
    // Every variable views its slice first, so the gradients written next are the ones step() reads.
    this.syncVariables(flat);
    flat.variables.forEach((v, i) => {
      const gradient = object[v.name] as Tensor | undefined;
      if (gradient === undefined) flat.gradViews[i].fill(0);
      else flat.gradViews[i].set(contiguous(gradient.detach()).storage);
    });
    this.step();
  }

  /**
   * Drops the gradient of every masked-out element (before clipping, so norms see only the kept
   * weights), and clears the state of those elements when their variable's mask is new.
   */
  private maskGradients(flat: FlatState): void {
    const { variables, gradViews, offsets } = flat;
    for (let i = 0; i < variables.length; i++) {
      const mask = variables[i].mask;
      if (mask === undefined || mask === null) continue;
      const grad = gradViews[i];
      if (!(mask instanceof Float32Array) || mask.length !== grad.length) {
        typeError(`${this.className}.step`, `the mask of '${variables[i].name}'`, `a Float32Array of ${grad.length} entries (one per element)`, mask);
      }
      for (let j = 0; j < grad.length; j++) if (mask[j] === 0) grad[j] = 0;
      if (this.appliedMasks.get(variables[i]) === mask) continue;
      this.appliedMasks.set(variables[i], mask);
      flat.slots.forEach((slot, s) => {
        if (slot === null) return;
        const initial = this.initialSlotValue(s);
        for (let j = 0, at = offsets[i]; j < mask.length; j++, at++) if (mask[j] === 0) slot[at] = initial;
      });
    }
  }

  /** Zeroes the masked-out elements after an update (weight decay and momentum would move them otherwise). */
  private maskValues(flat: FlatState): void {
    const { variables, paramViews } = flat;
    for (let i = 0; i < variables.length; i++) {
      const mask = variables[i].mask;
      if (mask === undefined || mask === null) continue;
      const values = paramViews[i];
      for (let j = 0; j < values.length; j++) if (mask[j] === 0) values[j] = 0;
    }
  }

  /** Whether the trainable subset of `variables` is exactly the built list (no allocation: hot path). */
  private sameTrainable(flat: FlatState, variables: readonly OptimizerVariable[]): boolean {
    if (!Array.isArray(variables)) return false;
    const built = flat.variables;
    let k = 0;
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i];
      if (v === null || typeof v !== 'object' || !v.trainable) continue;
      if (k >= built.length || built[k] !== v) return false;
      k++;
    }
    return k === built.length;
  }

  private clipEachNorm(flat: FlatState, limit: number): void {
    for (let i = 0; i < flat.gradViews.length; i++) {
      const view = flat.gradViews[i];
      const norm = Math.sqrt(binding.sumSquares(view, view.length));
      if (Number.isFinite(norm) && norm > limit) {
        const scale = limit / norm;
        for (let j = 0; j < view.length; j++) view[j] *= scale;
      }
    }
  }

  /** Zeroes every gradient (in the flat gradient buffer) without updating anything. */
  zeroGrad(): void {
    const flat = this.flat;
    if (flat === null) return;
    for (let i = 0; i < flat.variables.length; i++) {
      const value = flat.variables[i].value;
      if (value.storage === flat.paramViews[i]) value.grad = flat.gradTensors[i];
    }
    this.clearGradients(flat);
  }

  /**
   * One fill of the flat gradient buffer. The gradients are not marked as known zeros (the engine's
   * copy-instead-of-add shortcut): fused layer backwards add into them in place without clearing
   * that mark, and a later engine accumulation would then overwrite their contribution.
   */
  private clearGradients(flat: FlatState): void {
    flat.grads.fill(0);
  }

  // --- state ------------------------------------------------------------------------------------

  /**
   * The optimizer's state, for checkpoints and exact resumption: first `iteration` (an int32
   * scalar), then for each variable (in build order) each state slot, named
   * `<variable name>/<slot>` (`dense_1/kernel/m`), as copies.
   */
  getWeights(): NamedTensor[] {
    const weights: NamedTensor[] = [{ name: 'iteration', tensor: makeTensor(Int32Array.of(this.iterationCount), []) }];
    const flat = this.flat;
    if (flat === null) return weights;
    const names = this.slotNames();
    for (let i = 0; i < flat.variables.length; i++) {
      const offset = flat.offsets[i];
      const size = flat.paramViews[i].length;
      names.forEach((name, s) => {
        if (name === null) return;
        weights.push({
          name: `${flat.variables[i].name}/${name}`,
          tensor: makeTensor(flat.slots[s]!.slice(offset, offset + size), flat.shapes[i]),
        });
      });
    }
    return weights;
  }

  /**
   * Restores state saved by {@link Optimizer.getWeights} (same order; each entry a `{name, tensor}`
   * or a bare tensor). The optimizer must be built for the same variables first (compiling the
   * model does it). Names (when given) and shapes must match.
   */
  setWeights(weights: ReadonlyArray<NamedTensor | Tensor>): void {
    const where = `${this.className}.setWeights`;
    if (!Array.isArray(weights)) typeError(where, 'weights', 'an array from getWeights()', weights);
    const expected = this.getWeights();
    if (weights.length !== expected.length) {
      const hint = this.flat === null && weights.length > 1 ? ' (the optimizer is not built yet: compile the model or call build(variables) first)' : '';
      throw new ValueError(`${where}: expected ${expected.length} weights (${expected.map((w) => w.name).join(', ')}), got ${weights.length}${hint}`);
    }
    const tensors = weights.map((entry, k) => {
      let tensor: unknown = entry;
      if (!(entry instanceof Tensor)) {
        const object = checkObject(where, `weights[${k}]`, entry);
        if (object.name !== undefined && object.name !== expected[k].name) {
          throw new ValueError(`${where}: weights[${k}] is named ${describe(object.name)}, expected '${expected[k].name}'`);
        }
        tensor = object.tensor;
      }
      if (!(tensor instanceof Tensor)) typeError(where, `weights[${k}].tensor`, 'a Tensor', tensor);
      if (!sameShape(tensor.shape, expected[k].tensor.shape)) {
        throw new ShapeError(`${where}: '${expected[k].name}' has shape ${formatShape(tensor.shape)}, expected ${formatShape(expected[k].tensor.shape)}`);
      }
      return tensor;
    });
    const iteration = tensors[0].storage[0];
    checkInteger(where, 'iteration', iteration, 0, Number.MAX_SAFE_INTEGER);
    const flat = this.flat;
    if (flat !== null) {
      let k = 1;
      for (let i = 0; i < flat.variables.length; i++) {
        for (const slot of flat.slots) {
          if (slot === null) continue;
          const source = contiguous(tensors[k].detach());
          if (source.dtype !== 'float32') throw new ValueError(`${where}: '${expected[k].name}' must be float32, got ${source.dtype}`);
          slot.set(source.storage, flat.offsets[i]);
          k++;
        }
      }
    }
    this.iterationCount = iteration;
  }

  // --- config -----------------------------------------------------------------------------------

  /**
   * The options that rebuild this optimizer (plain JSON; a schedule as `{className, config}`).
   * A learning rate given as a function cannot be serialized: SerializationError.
   */
  getConfig(): Record<string, unknown> {
    let learningRate: number | ScheduleConfig;
    if (this.schedule === null) learningRate = this.rate;
    else if (this.schedule instanceof LearningRateSchedule) learningRate = serializeSchedule(this.schedule);
    else {
      throw new SerializationError(
        `${this.className}.getConfig: a learning rate given as a function cannot be saved; use a number or one of dn.optimizers.schedules`,
      );
    }
    const config: Record<string, unknown> = { learningRate, ...this.ownConfig() };
    config.weightDecay = this.weightDecay;
    if (this.clipNorm !== null) config.clipNorm = this.clipNorm;
    if (this.globalClipNorm !== null) config.globalClipNorm = this.globalClipNorm;
    if (this.clipValue !== null) config.clipValue = this.clipValue;
    return config;
  }
}

function optionalPositive(where: string, name: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return checkRange(where, name, value, 0, Infinity, { minExclusive: true });
}

/** Checks the variables list once (build time); returns it as an array. */
function checkVariables(where: string, variables: unknown): OptimizerVariable[] {
  if (!Array.isArray(variables)) typeError(where, 'variables', 'an array of variables ({name, value, trainable})', variables);
  const seenVariables = new Set<unknown>();
  const seenTensors = new Set<Tensor>();
  variables.forEach((v, i) => {
    const variable = checkObject(where, `variables[${i}]`, v);
    if (typeof variable.name !== 'string') typeError(where, `variables[${i}].name`, 'a string', variable.name);
    if (!(variable.value instanceof Tensor)) typeError(where, `variables[${i}].value`, 'a Tensor', variable.value);
    checkBoolean(where, `variables[${i}].trainable`, variable.trainable);
    if (variable.trainable && variable.value.dtype !== 'float32') {
      valueError(where, `variables[${i}].value ('${variable.name}')`, 'a float32 tensor', variable.value.dtype);
    }
    if (seenVariables.has(v)) throw new ValueError(`${where}: variable '${variable.name}' is listed twice`);
    if (variable.trainable && seenTensors.has(variable.value)) {
      throw new ValueError(`${where}: variable '${variable.name}' shares its tensor with another variable`);
    }
    seenVariables.add(v);
    seenTensors.add(variable.value);
  });
  return variables as OptimizerVariable[];
}
