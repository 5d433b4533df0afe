/**
 * TensorFlow.js's variables, `tf.variable(initialValue, trainable, name, dtype)`: a tensor whose
 * values `assign` replaces in place, registered by name so that `tf.variableGrads(f)` and
 * `optimizer.minimize(f)` find every trainable one without being told. A Variable is a Dendrite
 * Tensor (it goes into any op); it holds its own copy of the initial value.
 *
 * tfjs keeps a variable registered until `dispose()`; here a variable also leaves the registry when
 * the garbage collector collects it (its name is then free again), so a forgotten variable does not
 * keep its memory alive.
 */
import { Tensor, cast, DTypeError, ShapeError, ValueError, type DType } from '../index.js';
import { checkBoolean, checkChoice, checkString, formatShape, typeError } from '../validate.js';

const registry = new Map<string, WeakRef<Variable>>();
const collected = new FinalizationRegistry<string>((name) => {
  if (registry.get(name)?.deref() === undefined) registry.delete(name);
});
// tfjs names unnamed variables by a running count: '0', '1', ...
let nextId = 0;

/** A tensor whose values can be replaced in place by {@link Variable.assign} (tfjs `tf.Variable`). */
export class Variable extends Tensor {
  /** The name the variable is registered under (the key of its gradient in `variableGrads`). */
  readonly name: string;
  /** Whether `variableGrads(f)` and `optimizer.minimize(f)` differentiate with respect to it by default. */
  trainable: boolean;

  /** @internal Use {@link variable}. */
  constructor(initialValue: Tensor, trainable: boolean, name: string) {
    const copy = initialValue.clone().detach();
    super(copy.storage, copy.shape);
    this.trainable = trainable;
    this.name = name;
  }

  /**
   * Replaces the values with those of `newValue` (copied in place: the variable stays the same
   * object, as every reference to it sees). `newValue` must have the variable's shape and dtype.
   */
  assign(newValue: Tensor): void {
    const where = `Variable('${this.name}').assign`;
    if (!(newValue instanceof Tensor)) typeError(where, 'newValue', 'a Tensor', newValue);
    if (newValue.dtype !== this.dtype) {
      throw new DTypeError(`${where}: the dtype of the new value (${newValue.dtype}) and the variable (${this.dtype}) must match`);
    }
    if (newValue.shape.length !== this.shape.length || newValue.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`${where}: the shape of the new value ${formatShape(newValue.shape)} and the variable ${formatShape(this.shape)} must match`);
    }
    if (newValue.storage === this.storage) return;
    this.storage.set(newValue.clone().detach().storage);
  }

  /** Unregisters the variable (its name is free again). Its values stay usable, unlike tfjs's. */
  override dispose(): void {
    if (registry.get(this.name)?.deref() === this) registry.delete(this.name);
  }
}

/**
 * `tf.variable(initialValue, trainable = true, name, dtype)`: a {@link Variable} holding a copy of
 * `initialValue`, cast to `dtype` when given, registered under `name` (by default a running number,
 * as in tfjs). A name already taken by a live variable is a ValueError.
 * ```ts
 * const w = tf.variable(tf.zeros([3]));
 * w.assign(tf.tensor1d([1, 2, 3]));
 * ```
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  const where = 'variable';
  if (!(initialValue instanceof Tensor)) typeError(where, 'initialValue', 'a Tensor', initialValue);
  checkBoolean(where, 'trainable', trainable);
  const key = name === undefined || name === null ? String(nextId++) : checkString(where, 'name', name);
  if (registry.get(key)?.deref() !== undefined) {
    throw new ValueError(`${where}: a variable named '${key}' is already registered; give another name or dispose() that variable first`);
  }
  const value = dtype === undefined ? initialValue : cast(initialValue, checkChoice(where, 'dtype', dtype, ['float32', 'int32']));
  const result = new Variable(value, trainable, key);
  registry.set(key, new WeakRef(result));
  collected.register(result, key);
  return result;
}

/** The live registered variable called `name`, or undefined. */
export function registeredVariable(name: string): Variable | undefined {
  return registry.get(name)?.deref();
}

/** Every live registered variable, in the order they were made. */
export function registeredVariables(): Variable[] {
  const live: Variable[] = [];
  for (const ref of registry.values()) {
    const v = ref.deref();
    if (v !== undefined) live.push(v);
  }
  return live;
}
