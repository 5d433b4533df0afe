/**
 * Optimizers by name or object (`'adam'` or `dn.optimizers.adam({...})`), their registry by class
 * name (for building from a saved config), and the learning-rate schedules.
 */
import { ValueError } from '../errors.js';
import { checkObject, describe, didYouMean, typeError } from '../validate.js';
import { acceptedNames, resolveName } from '../aliases.js';
import { Optimizer } from './optimizer.js';
import { SGD, sgd } from './sgd.js';
import { Adam, adam } from './adam.js';
import { AdamW, adamw } from './adamw.js';
import { RMSprop, rmsprop } from './rmsprop.js';
import { Adagrad, adagrad } from './adagrad.js';
import { Adamax, adamax } from './adamax.js';
import { Adadelta, adadelta } from './adadelta.js';
import { Nadam, nadam } from './nadam.js';
import * as schedules from './schedules.js';
import { deserializeSchedule } from './schedules.js';

export { Optimizer, Hyper, OPTIMIZER_OPTION_NAMES } from './optimizer.js';
export type { LearningRate, NamedTensor, OptimizerOptions, OptimizerVariable, OptimizerKernel } from './optimizer.js';
export { SGD, sgd, type SgdOptions } from './sgd.js';
export { Adam, adam, type AdamOptions } from './adam.js';
export { AdamW, adamw, type AdamWOptions } from './adamw.js';
export { RMSprop, rmsprop, type RmspropOptions } from './rmsprop.js';
export { Adagrad, adagrad, type AdagradOptions } from './adagrad.js';
export { Adamax, adamax, type AdamaxOptions } from './adamax.js';
export { Adadelta, adadelta, type AdadeltaOptions } from './adadelta.js';
export { Nadam, nadam, type NadamOptions } from './nadam.js';
export { MomentOptimizer, type MomentOptions } from './moments.js';
export { schedules };
export { LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay } from './schedules.js';

type OptimizerClass = new (options?: never) => Optimizer;

/** Optimizer classes by their class name: what building and loading a model look up. */
const registry = new Map<string, OptimizerClass>([
  ['SGD', SGD],
  ['Adam', Adam],
  ['AdamW', AdamW],
  ['RMSprop', RMSprop],
  ['Adagrad', Adagrad],
  ['Adamax', Adamax],
  ['Adadelta', Adadelta],
  ['Nadam', Nadam],
]);

/**
 * The canonical names `compile({optimizer})` accepts, with their factories (Keras defaults). Any
 * case of them works too ('SGD', 'RMSProp', 'AdamW'), as in Keras (see lib/aliases.ts).
 */
const factories: Record<string, () => Optimizer> = { sgd, adam, adamw, rmsprop, adagrad, adamax, adadelta, nadam };

/** The short names {@link getOptimizer} accepts. */
export const OPTIMIZER_NAMES: readonly string[] = Object.keys(factories);
/** The class names {@link getOptimizer} also accepts (`'Adam'`, `'Nadam'`...), with Keras defaults. */
export const OPTIMIZER_CLASS_NAMES: readonly string[] = [...registry.keys()];

/** The serialized form of an optimizer: its class name and its getConfig(). */
export interface OptimizerConfig {
  className: string;
  config: Record<string, unknown>;
}

/** `{className, config}` for an optimizer (what a saved model's training config holds). */
export function serializeOptimizer(optimizer: Optimizer): OptimizerConfig {
  if (!(optimizer instanceof Optimizer)) typeError('serializeOptimizer', 'optimizer', 'an Optimizer', optimizer);
  return { className: optimizer.className, config: optimizer.getConfig() };
}

/**
 * An optimizer from a name with Keras defaults (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`,
 * `'adagrad'`, `'adamax'`, `'adadelta'`, `'nadam'`, in any case: the class names `'SGD'`, `'Adam'`,
 * tfjs' `'RMSProp'`... are accepted too), an optimizer object (returned as is), or a serialized
 * `{className, config}`. An unknown name lists the known ones.
 */
export function getOptimizer(identifier: string | Optimizer | OptimizerConfig, where = 'getOptimizer'): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') {
    const resolved = resolveName('optimizer', identifier, factories);
    if (resolved === undefined) {
      throw new ValueError(
        `${where}: unknown optimizer '${identifier}'${didYouMean(identifier, acceptedNames('optimizer', factories))}; expected one of ${OPTIMIZER_NAMES.map((n) => `'${n}'`).join(', ')} or an optimizer object`,
      );
    }
    return factories[resolved.name]();
  }
  if (identifier !== null && typeof identifier === 'object' && !Array.isArray(identifier) && 'className' in identifier) {
    return deserializeOptimizer(identifier);
  }
  return typeError(where, 'optimizer', `a name (${OPTIMIZER_NAMES.join(', ')}) or an optimizer object`, identifier);
}

/** Rebuilds an optimizer from {@link serializeOptimizer}'s output. */
export function deserializeOptimizer(value: unknown): Optimizer {
  const where = 'deserializeOptimizer';
  const object = checkObject(where, 'optimizer', value);
  const className = object.className;
  if (typeof className !== 'string') typeError(where, 'className', 'a string', className);
  const Class = registry.get(className);
  if (Class === undefined) {
    const known = [...registry.keys()];
    throw new ValueError(`${where}: unknown optimizer class '${className}'${didYouMean(className, known)}; known: ${known.join(', ')}`);
  }
  const config = { ...(object.config === undefined ? {} : checkObject(where, 'config', object.config)) };
  const rate = config.learningRate;
  if (rate !== undefined && typeof rate !== 'number') config.learningRate = deserializeSchedule(rate, where);
  try {
    return new Class(config as never);
  } catch (error) {
    if (error instanceof Error) error.message = `${where}: ${describe(className)}: ${error.message}`;
    throw error;
  }
}
