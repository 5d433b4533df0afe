/**
 * Losses by Keras / TensorFlow.js name (`'meanSquaredError'` or `'mse'`, `'meanAbsoluteError'` or
 * `'mae'`, `'meanAbsolutePercentageError'` or `'mape'`, `'meanSquaredLogarithmicError'` or `'msle'`,
 * `'huber'`, `'logCosh'`, `'binaryCrossentropy'`, `'categoricalCrossentropy'`,
 * `'sparseCategoricalCrossentropy'`, `'hinge'`, `'squaredHinge'`, `'categoricalHinge'`,
 * `'kullbackLeiblerDivergence'` or `'kld'`, `'poisson'`, `'cosineSimilarity'`, `'ctc'`; every other spelling of
 * Keras and TensorFlow.js is in lib/aliases.ts), as functions (`dn.losses.meanSquaredError(yTrue,
 * yPred)`), as objects with options (`dn.losses.get('binaryCrossentropy', { fromLogits: true })`), or
 * any function `(yTrue, yPred) => Tensor` that autograd differentiates.
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkObject, didYouMean, typeError } from '../validate.js';
import { acceptedNames, resolveName } from '../aliases.js';
import { Loss } from './loss.js';
import { MeanSquaredError, meanSquaredError } from './meanSquaredError.js';
import { MeanAbsoluteError, meanAbsoluteError } from './meanAbsoluteError.js';
import { Huber, huber } from './huber.js';
import { BinaryCrossentropy, binaryCrossentropy } from './binaryCrossentropy.js';
import { CategoricalCrossentropy, categoricalCrossentropy } from './categoricalCrossentropy.js';
import { SparseCategoricalCrossentropy, sparseCategoricalCrossentropy } from './sparseCategoricalCrossentropy.js';
import { MeanAbsolutePercentageError, meanAbsolutePercentageError } from './meanAbsolutePercentageError.js';
import { MeanSquaredLogarithmicError, meanSquaredLogarithmicError } from './meanSquaredLogarithmicError.js';
import { Hinge } from './hinge.js';
import { SquaredHinge } from './squaredHinge.js';
import { CategoricalHinge } from './categoricalHinge.js';
import { LogCosh } from './logCosh.js';
import { KullbackLeiblerDivergence, kullbackLeiblerDivergence } from './kullbackLeiblerDivergence.js';
import { Poisson } from './poisson.js';
import { CosineSimilarity } from './cosineSimilarity.js';
import { CTC } from './ctc.js';

export { Loss, REDUCTIONS } from './loss.js';
export type { LossOptions, Reduction } from './loss.js';
export { MeanSquaredError, meanSquaredError } from './meanSquaredError.js';
export { MeanAbsoluteError, meanAbsoluteError } from './meanAbsoluteError.js';
export { Huber, huber } from './huber.js';
export type { HuberOptions } from './huber.js';
export { BinaryCrossentropy, binaryCrossentropy } from './binaryCrossentropy.js';
export type { BinaryCrossentropyOptions } from './binaryCrossentropy.js';
export { CategoricalCrossentropy, categoricalCrossentropy } from './categoricalCrossentropy.js';
export type { CategoricalCrossentropyOptions } from './categoricalCrossentropy.js';
export { SparseCategoricalCrossentropy, sparseCategoricalCrossentropy } from './sparseCategoricalCrossentropy.js';
export type { SparseCategoricalCrossentropyOptions } from './sparseCategoricalCrossentropy.js';
export { MeanAbsolutePercentageError, meanAbsolutePercentageError } from './meanAbsolutePercentageError.js';
export { MeanSquaredLogarithmicError, meanSquaredLogarithmicError } from './meanSquaredLogarithmicError.js';
export { Hinge, hinge } from './hinge.js';
export { SquaredHinge, squaredHinge } from './squaredHinge.js';
export { CategoricalHinge, categoricalHinge } from './categoricalHinge.js';
export { LogCosh, logCosh } from './logCosh.js';
export { KullbackLeiblerDivergence, kullbackLeiblerDivergence } from './kullbackLeiblerDivergence.js';
export { Poisson, poisson } from './poisson.js';
export { CosineSimilarity, cosineSimilarity } from './cosineSimilarity.js';
export { CTC, ctc } from './ctc.js';
export type { CtcOptions } from './ctc.js';

/** `mse`: the same function as {@link meanSquaredError}. */
export const mse = meanSquaredError;
/** `mae`: the same function as {@link meanAbsoluteError}. */
export const mae = meanAbsoluteError;
/** `mape`: the same function as {@link meanAbsolutePercentageError}. */
export const mape = meanAbsolutePercentageError;
/** `msle`: the same function as {@link meanSquaredLogarithmicError}. */
export const msle = meanSquaredLogarithmicError;
/** `kld`: the same function as {@link kullbackLeiblerDivergence}. */
export const kld = kullbackLeiblerDivergence;

/** A custom loss: a function of the targets and predictions returning a scalar tensor (or one loss per sample). */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** The serialized form of a built-in loss. */
export interface LossConfig {
  className: string;
  config: Record<string, unknown>;
}

/** What `compile({ loss })` accepts. */
export type LossIdentifier = string | Loss | LossFunction | LossConfig;

type LossClass = new (options?: never) => Loss;

/** Loss classes by their canonical names; the Keras and TensorFlow.js spellings are in lib/aliases.ts. */
const classes: Record<string, LossClass> = {
  meanSquaredError: MeanSquaredError,
  meanAbsoluteError: MeanAbsoluteError,
  huber: Huber,
  binaryCrossentropy: BinaryCrossentropy,
  categoricalCrossentropy: CategoricalCrossentropy,
  sparseCategoricalCrossentropy: SparseCategoricalCrossentropy,
  meanAbsolutePercentageError: MeanAbsolutePercentageError,
  meanSquaredLogarithmicError: MeanSquaredLogarithmicError,
  hinge: Hinge,
  squaredHinge: SquaredHinge,
  categoricalHinge: CategoricalHinge,
  logCosh: LogCosh,
  kullbackLeiblerDivergence: KullbackLeiblerDivergence,
  poisson: Poisson,
  cosineSimilarity: CosineSimilarity,
  ctc: CTC,
};

/** The loss names {@link get} and `compile` accept: the canonical ones and the short forms (all spellings: lib/aliases.ts). */
export const LOSS_NAMES: readonly string[] = [...Object.keys(classes), 'mse', 'mae', 'mape', 'msle', 'kld'];

/** The loss class `name` (or one of its aliases) stands for; throws, suggesting the closest name, for an unknown one. */
function lossClass(where: string, name: string): LossClass {
  const resolved = resolveName('loss', name, classes);
  if (resolved === undefined) {
    throw new ValueError(
      `${where}: unknown loss '${name}'${didYouMean(name, acceptedNames('loss', classes))}; expected one of ${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}, a loss object or a function (yTrue, yPred) => Tensor`,
    );
  }
  return classes[resolved.name];
}

/**
 * A built-in loss object by name, with options.
 * ```ts
 * model.compile({ optimizer: 'adam', loss: dn.losses.get('binaryCrossentropy', { fromLogits: true }) });
 * ```
 */
export function get(name: string, options?: Record<string, unknown>): Loss {
  if (typeof name !== 'string') typeError('losses.get', 'name', 'a loss name', name);
  const LossType = lossClass('losses.get', name);
  return new LossType(options as never);
}

/**
 * The loss for `compile({ loss })`: a built-in by name (an unknown name lists the valid ones), a
 * loss object (returned as is), a serialized `{ className, config }`, or a function.
 */
export function getLoss(identifier: LossIdentifier, where = 'getLoss'): Loss | LossFunction {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'string') {
    const LossType = lossClass(where, identifier);
    return new LossType();
  }
  if (typeof identifier === 'function') return identifier;
  if (identifier !== null && typeof identifier === 'object' && 'className' in identifier) {
    const object = checkObject(where, 'loss', identifier);
    if (typeof object.className !== 'string') typeError(where, 'loss.className', 'a string', object.className);
    const config = object.config === undefined ? {} : checkObject(where, 'loss.config', object.config);
    const LossType = lossClass(where, object.className);
    return new LossType(config as never);
  }
  return typeError(where, 'loss', `a loss name (${LOSS_NAMES.join(', ')}), a loss object or a function`, identifier);
}

/** `{ className, config }` for a built-in loss; null for a function (which cannot be saved). */
export function serializeLoss(loss: Loss | LossFunction): LossConfig | null {
  return loss instanceof Loss ? { className: loss.className, config: loss.getConfig() } : null;
}
