/**
 * What `compile()` settles per model output: its loss, the weight of that loss in the total, and its
 * metrics (separate objects for training and validation), with the names they are logged under.
 *
 * As in Keras and TensorFlow.js: one loss serves every output, or one per output (an array in the
 * outputs' order, or an object by output name); metrics are one list for every output, one list per
 * output (an array of arrays, or an object by output name); `lossWeights` weigh each output's loss in
 * the total. A model with one output logs `loss`, `accuracy`...; a model with several logs the total
 * `loss`, then each output's loss and metrics under its name: `dense_2_loss`, `dense_2_accuracy`.
 */
import { ValueError } from '../errors.js';
import { arrayItems, checkEach, checkNumber, checkObject, didYouMean, typeError } from '../validate.js';
import { ownEntry } from '../aliases.js';
import { getLoss, Loss, type LossFunction, type LossIdentifier } from '../losses/index.js';
import { BinaryCrossentropy } from '../losses/binaryCrossentropy.js';
import { CategoricalCrossentropy } from '../losses/categoricalCrossentropy.js';
import { SparseCategoricalCrossentropy } from '../losses/sparseCategoricalCrossentropy.js';
import { getMetric, KindFromLoss, Metric, type MetricIdentifier } from '../metrics.js';
import type { Activation } from '../activations.js';

/** `compile({ loss })`: one loss for every output, or one per output by position or name. */
export type LossSpec = LossIdentifier | readonly LossIdentifier[] | Readonly<Record<string, LossIdentifier>>;
/** `compile({ metrics })`: one list for every output, or one list per output by position or name. */
export type MetricsSpec =
  | MetricIdentifier
  | readonly MetricIdentifier[]
  | readonly (readonly MetricIdentifier[])[]
  | Readonly<Record<string, MetricIdentifier | readonly MetricIdentifier[]>>;
/** `compile({ lossWeights })`: one weight per output, by position or name. */
export type LossWeightsSpec = readonly number[] | Readonly<Record<string, number>>;

/** The compile settings of one model output. */
export interface CompiledOutput {
  /** The output's name (the layer producing it). */
  readonly name: string;
  readonly loss: Loss | LossFunction;
  /** The weight of this output's loss in the total loss. */
  readonly weight: number;
  readonly trainMetrics: Metric[];
  readonly validationMetrics: Metric[];
  /** Prefix of its log names: '' for a model with one output, `<name>_` otherwise. */
  readonly prefix: string;
  /** The final activation of the output folded into the loss (the model outputs logits in training), or null. */
  folded: Activation | null;
  /** Turns outputs into probabilities for metrics (the folded activation, or the one a fromLogits loss implies), or null. */
  probabilities: Activation | null;
}

/** The most entries a list of losses, metrics or loss weights may have (more is refused before it is read). */
const MAX_LIST = 10_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Loss) && !(value instanceof Metric);
}

/** One entry per output from an array (in order) or an object by name; `undefined` where an object leaves one out. */
function perOutput<T>(where: string, name: string, value: readonly T[] | Readonly<Record<string, T>>, outputs: readonly string[]): (T | undefined)[] {
  if (Array.isArray(value)) {
    const entries = arrayItems(where, name, value, MAX_LIST) as (T | undefined)[]; // a hole is an entry left out
    if (entries.length !== outputs.length) {
      throw new ValueError(`${where}: ${name} must hold one entry per output (${outputs.length}: ${outputs.join(', ')}), got ${entries.length}`);
    }
    return entries;
  }
  const object = value as Readonly<Record<string, T>>;
  for (const key of Object.keys(object)) {
    if (!outputs.includes(key)) throw new ValueError(`${where}: ${name} names no output '${key}'${didYouMean(key, outputs)}; the model's outputs: ${outputs.join(', ')}`);
  }
  return outputs.map((output) => ownEntry(object, output));
}

function lossesOf(where: string, spec: LossSpec, outputs: readonly string[]): (Loss | LossFunction)[] {
  // A serialized loss ({ className, config }) is one loss, not one per output.
  const single = !Array.isArray(spec) && !(isPlainObject(spec) && !('className' in spec));
  if (single) return outputs.map(() => getLoss(spec as LossIdentifier, where));
  return perOutput(where, 'loss', spec as readonly LossIdentifier[] | Record<string, LossIdentifier>, outputs).map((identifier, k) => {
    if (identifier === undefined) {
      throw new ValueError(`${where}: loss gives no loss for output '${outputs[k]}'; every output needs one (the model's outputs: ${outputs.join(', ')})`);
    }
    return getLoss(identifier, where);
  });
}

function metricIdsOf(where: string, spec: MetricsSpec | undefined, outputs: readonly string[]): MetricIdentifier[][] {
  if (spec === undefined) return outputs.map(() => []);
  const list = (value: unknown): MetricIdentifier[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return [value as MetricIdentifier];
    const metrics = arrayItems(where, 'metrics', value, MAX_LIST);
    return checkEach(metrics, (metric, i) => (metric === undefined ? typeError(where, `metrics[${i}]`, 'a metric name, function or instance', metric) : (metric as MetricIdentifier)));
  };
  if (Array.isArray(spec)) {
    const entries = arrayItems(where, 'metrics', spec, MAX_LIST);
    if (entries.length > 0 && entries.every((entry) => Array.isArray(entry))) {
      return perOutput(where, 'metrics', entries as MetricIdentifier[][], outputs).map(list);
    }
    entries.forEach((entry, i) => {
      if (Array.isArray(entry)) typeError(where, `metrics[${i}]`, 'a metric like the other entries (or give every output its own array)', entry);
    });
    return outputs.map(() => list(entries));
  }
  if (isPlainObject(spec)) return perOutput(where, 'metrics', spec as Record<string, unknown>, outputs).map(list);
  return outputs.map(() => list(spec));
}

function lossWeightsOf(where: string, spec: LossWeightsSpec | undefined, outputs: readonly string[]): number[] {
  if (spec === undefined) return outputs.map(() => 1);
  if (!Array.isArray(spec)) checkObject(where, 'lossWeights', spec);
  return perOutput(where, 'lossWeights', spec, outputs).map((w, k) => (w === undefined ? 1 : checkNumber(where, `lossWeights['${outputs[k]}']`, w)));
}

/** Settles the losses, loss weights and metrics of every output, checking that logged names are unique. */
export function compileOutputs(
  where: string, outputs: readonly string[], loss: LossSpec, metrics: MetricsSpec | undefined, lossWeights: LossWeightsSpec | undefined,
): CompiledOutput[] {
  const losses = lossesOf(where, loss, outputs);
  const metricIds = metricIdsOf(where, metrics, outputs);
  const weights = lossWeightsOf(where, lossWeights, outputs);
  const several = outputs.length > 1;
  const names = new Set<string>(['loss']);
  const compiled = outputs.map((name, k): CompiledOutput => {
    const prefix = several ? `${name}_` : '';
    if (several) names.add(`${prefix}loss`);
    const trainMetrics = metricIds[k].map((m) => getMetric(m, where));
    const validationMetrics = metricIds[k].map((m) => getMetric(m, where));
    for (const m of trainMetrics) {
      const logged = `${prefix}${m.name}`;
      if (names.has(logged)) throw new ValueError(`${where}: two metrics are named '${logged}'; give one a different name`);
      names.add(logged);
    }
    // Accuracy (and tfjs' crossentropy) follows the loss, as in Keras.
    const l = losses[k];
    const kind = l instanceof BinaryCrossentropy ? 'binary' : l instanceof SparseCategoricalCrossentropy ? 'sparse' : l instanceof CategoricalCrossentropy ? 'categorical' : null;
    if (kind !== null) for (const m of [...trainMetrics, ...validationMetrics]) if (m instanceof KindFromLoss && m.resolvedKind === null) m.resolve(kind);
    return { name, loss: l, weight: weights[k], trainMetrics, validationMetrics, prefix, folded: null, probabilities: null };
  });
  return compiled;
}

/** The names logged for the losses: `loss`, then each output's (for a model with several outputs). */
export function lossNames(outputs: readonly CompiledOutput[]): string[] {
  return outputs.length > 1 ? ['loss', ...outputs.map((o) => `${o.prefix}loss`)] : ['loss'];
}

/** The names logged for the metrics, output by output. */
export function metricNames(outputs: readonly CompiledOutput[]): string[] {
  return outputs.flatMap((o) => o.trainMetrics.map((m) => `${o.prefix}${m.name}`));
}
