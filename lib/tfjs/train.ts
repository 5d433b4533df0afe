/**
 * TensorFlow.js's optimizer factories, `tf.train.*`, with its positional arguments and defaults, as
 * Dendrite's optimizers (`dn.optimizers`). The update rules are Dendrite's (README, "Optimizers"):
 * where they differ from TensorFlow.js's (RMSprop's and Adagrad's epsilon, Adadelta's first step)
 * the README's table says so. Each optimizer also has tfjs's `minimize(f, returnCost, varList)` and
 * `applyGradients(namedGrads)` for `tf.variable`s (see {@link TfjsOptimizerMethods}).
 */
import { optimizers, Tensor, ValueError, type Optimizer, type OptimizerVariable } from '../index.js';
import { checkBoolean, checkNumber, typeError } from '../validate.js';
import { variableGrads } from './gradients.js';
import { registeredVariable, Variable } from './variables.js';
import { modelWeight } from './model-weights.js';

/** TensorFlow.js's optimizer methods for `tf.variable`s, on every optimizer `tf.train.*` makes. */
export interface TfjsOptimizerMethods {
  /**
   * One step: the gradients of `f` (a scalar loss) with respect to `varList` (by default every live
   * trainable variable `f` depends on), applied to those variables. Returns the loss when `returnCost`.
   * ```ts
   * const a = tf.variable(tf.scalar(0));
   * optimizer.minimize(() => tf.losses.meanSquaredError(ys, xs.mul(a)));
   * ```
   */
  minimize(f: () => Tensor, returnCost?: boolean, varList?: Variable[]): Tensor | null;
  /**
   * Updates the variables named in `variableGradients` (`{ name: gradient }`, or `[{ name, tensor }]`,
   * as `tf.variableGrads` gives; a null gradient is skipped). Names of a model's weights instead (with or
   * without `variables`) are Dendrite's `applyGradients(grads, variables)`.
   */
  applyGradients(variableGradients: Readonly<Record<string, Tensor | null>> | readonly { name: string; tensor: Tensor | null }[], variables?: readonly OptimizerVariable[]): void;
}

/** A Dendrite optimizer with tfjs's {@link TfjsOptimizerMethods}. */
export type TfjsOptimizer<T extends Optimizer> = T & TfjsOptimizerMethods;

/**
 * Gives `optimizer` tfjs's methods. A Variable is updated through a stand-in the optimizer keeps
 * (one per variable, so its moments persist across steps): the variable's values are copied into
 * the optimizer's buffer before the step (an `assign` between steps counts) and back after it.
 */
function withTfjsMethods<T extends Optimizer>(optimizer: T): TfjsOptimizer<T> {
  const where = `${optimizer.className}`;
  const dendriteApply = optimizer.applyGradients.bind(optimizer);
  const standIns = new WeakMap<Variable, OptimizerVariable>();
  const standInFor = (v: Variable): OptimizerVariable => {
    let standIn = standIns.get(v);
    if (standIn === undefined) {
      standIn = { name: v.name, value: v, trainable: true };
      standIns.set(v, standIn);
    }
    return standIn;
  };
  const applyGradients: TfjsOptimizerMethods['applyGradients'] = (variableGradients, variables) => {
    const at = `${where}.applyGradients`;
    let entries: [string, unknown][];
    if (Array.isArray(variableGradients)) {
      entries = variableGradients.map((item: unknown, i) => {
        const named = item as { name?: unknown; tensor?: unknown } | null;
        if (named === null || typeof named !== 'object' || typeof named.name !== 'string') typeError(at, `variableGradients[${i}]`, 'a { name, tensor }', item);
        return [named.name, named.tensor];
      });
    } else if (variableGradients !== null && typeof variableGradients === 'object') {
      entries = Object.entries(variableGradients);
    } else {
      typeError(at, 'variableGradients', 'an object { name: Tensor } or an array of { name, tensor }', variableGradients);
    }
    // A tf.variable by name, or a weight of a model made through dendrite/tfjs (tfjs registers those too).
    const found = entries.map(([name]) => registeredVariable(name) ?? modelWeight(name));
    if (variables !== undefined || found.every((v) => v === undefined)) {
      dendriteApply(Object.fromEntries(entries.filter(([, g]) => g !== null && g !== undefined)) as Record<string, Tensor>, variables);
      return;
    }
    const missing = entries.find((_, i) => found[i] === undefined);
    if (missing !== undefined) throw new ValueError(`${at}: no variable is named '${missing[0]}' (tf.variable registers each by name, and the models of dendrite/tfjs their weights)`);
    const grads: Record<string, Tensor> = {};
    const updated: { variable: Variable; standIn: OptimizerVariable }[] = [];
    const targets: OptimizerVariable[] = [];
    entries.forEach(([name, gradient], i) => {
      if (gradient === null || gradient === undefined) return;
      grads[name] = gradient as Tensor;
      const variable = found[i]!;
      if (!(variable instanceof Variable)) {
        targets.push(variable); // a model's weight: the optimizer updates it in place
        return;
      }
      const standIn = standInFor(variable);
      standIn.value = variable;
      updated.push({ variable, standIn });
      targets.push(standIn);
    });
    if (targets.length === 0) return;
    dendriteApply(grads, targets);
    for (const { variable, standIn } of updated) variable.storage.set(standIn.value.storage);
  };
  const minimize: TfjsOptimizerMethods['minimize'] = (f, returnCost = false, varList) => {
    checkBoolean(`${where}.minimize`, 'returnCost', returnCost);
    const { value, grads } = variableGrads(f, varList);
    applyGradients(grads);
    return returnCost ? value : null;
  };
  Object.defineProperty(optimizer, 'applyGradients', { value: applyGradients, writable: true, configurable: true });
  Object.defineProperty(optimizer, 'minimize', { value: minimize, writable: true, configurable: true });
  return optimizer as unknown as TfjsOptimizer<T>;
}

type Optional = number | null | undefined;

/** A setting given positionally, or tfjs's default when it is undefined or null (tfjs treats null so). */
function setting(where: string, name: string, value: Optional, fallback: number): number {
  return value === undefined || value === null ? fallback : checkNumber(where, name, value);
}

/** `tf.train.sgd(learningRate)`. */
export function sgd(learningRate: number): TfjsOptimizer<optimizers.SGD> {
  return withTfjsMethods(optimizers.sgd({ learningRate: checkNumber('train.sgd', 'learningRate', learningRate) }));
}

/** `tf.train.momentum(learningRate, momentum, useNesterov = false)`: SGD with momentum. */
export function momentum(learningRate: number, momentum: number, useNesterov = false): TfjsOptimizer<optimizers.SGD> {
  const where = 'train.momentum';
  return withTfjsMethods(optimizers.sgd({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    momentum: checkNumber(where, 'momentum', momentum),
    nesterov: checkBoolean(where, 'useNesterov', useNesterov),
  }));
}

/** `tf.train.adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)`. */
export function adam(learningRate?: number, beta1?: number, beta2?: number, epsilon?: Optional): TfjsOptimizer<optimizers.Adam> {
  const where = 'train.adam';
  return withTfjsMethods(optimizers.adam({
    learningRate: setting(where, 'learningRate', learningRate, 0.001),
    beta1: setting(where, 'beta1', beta1, 0.9),
    beta2: setting(where, 'beta2', beta2, 0.999),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  }));
}

/** `tf.train.adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, decay = 0)`; a decay other than 0 is refused. */
export function adamax(learningRate?: number, beta1?: number, beta2?: number, epsilon?: Optional, decay?: number): TfjsOptimizer<optimizers.Adamax> {
  const where = 'train.adamax';
  if (setting(where, 'decay', decay, 0) !== 0) {
    throw new ValueError(`${where}: decay (a learning rate falling as 1 / (1 + decay * step)) is not supported: pass 0, or give dn.optimizers.adamax a learning-rate schedule`);
  }
  return withTfjsMethods(optimizers.adamax({
    learningRate: setting(where, 'learningRate', learningRate, 0.002),
    beta1: setting(where, 'beta1', beta1, 0.9),
    beta2: setting(where, 'beta2', beta2, 0.999),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  }));
}

/** `tf.train.rmsprop(learningRate, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false)`: tfjs's decay is Keras's rho. */
export function rmsprop(learningRate: number, decay?: number, momentum?: number, epsilon?: Optional, centered = false): TfjsOptimizer<optimizers.RMSprop> {
  const where = 'train.rmsprop';
  return withTfjsMethods(optimizers.rmsprop({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    rho: setting(where, 'decay', decay, 0.9),
    momentum: setting(where, 'momentum', momentum, 0),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
    centered: checkBoolean(where, 'centered', centered),
  }));
}

/** `tf.train.adagrad(learningRate, initialAccumulatorValue = 0.1)`. */
export function adagrad(learningRate: number, initialAccumulatorValue?: number): TfjsOptimizer<optimizers.Adagrad> {
  const where = 'train.adagrad';
  return withTfjsMethods(optimizers.adagrad({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    initialAccumulatorValue: setting(where, 'initialAccumulatorValue', initialAccumulatorValue, 0.1),
  }));
}

/** `tf.train.adadelta(learningRate = 0.001, rho = 0.95, epsilon = 1e-7)`. */
export function adadelta(learningRate?: number, rho?: number, epsilon?: Optional): TfjsOptimizer<optimizers.Adadelta> {
  const where = 'train.adadelta';
  return withTfjsMethods(optimizers.adadelta({
    learningRate: setting(where, 'learningRate', learningRate, 0.001),
    rho: setting(where, 'rho', rho, 0.95),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  }));
}
