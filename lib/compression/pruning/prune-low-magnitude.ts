/**
 * Magnitude pruning, the TensorFlow Model Optimization recipe (`prune_low_magnitude`, `UpdatePruningStep`,
 * `strip_pruning`): the kernels of chosen layers get a mask, and during `fit` the {@link UpdatePruningStep}
 * callback updates the masks at the steps its schedule says, zeroing the weights of smallest magnitude
 * until the schedule's sparsity is reached. Where TFMOT wraps each layer and re-applies the mask in the
 * forward pass, here the mask lives on the weight and every optimizer step honours it (the gradient of a
 * pruned weight is dropped and the weight stays exactly zero after each update, whatever the optimizer),
 * so the model keeps its layers, its summary and its save format.
 */
import { ValueError } from '../../errors.js';
import { checkIntegerArray, checkOptions, formatShape, typeError } from '../../validate.js';
import { Layer, type AnyLayer, type LayerVariable } from '../../layers/layer.js';
import { Model, type AnyModel } from '../../model/training.js';
import { Callback, type Logs } from '../../model/callbacks.js';
import { ConstantSparsity, PruningSchedule } from './schedules.js';
import { magnitudeMask, nOfMMask, zeroFraction, type NOfM } from './masks.js';
import { isKernelName } from '../../io/sparse-weights.js';

/** Options of {@link pruneLowMagnitude}. */
export interface PruneOptions {
  /**
   * The sparsity (fraction of zeros) to reach, in [0, 1). Alone, it prunes to that sparsity at step 0
   * and every 100 steps after (`constantSparsity`); with a `schedule`, it must be the schedule's final sparsity.
   */
  targetSparsity?: number;
  /** When masks are updated and to what sparsity: `dn.pruning.polynomialDecay(...)` or `dn.pruning.constantSparsity(...)`. */
  schedule?: PruningSchedule;
  /**
   * Structured N:M sparsity, `[n, m]`: keep the n largest of every m consecutive weights along the
   * kernel's input axis (`[2, 4]`: 2:4 sparsity, half the weights). The schedule then says only when
   * masks are updated; its sparsity must be 1 - n/m if given.
   */
  structured?: readonly [number, number];
}

/**
 * One call of {@link pruneLowMagnitude}: its schedule, its structure, and the training steps its weights
 * have seen (counted from 0 when pruning begins and carried across `fit` calls).
 */
interface PruningRun {
  readonly schedule: PruningSchedule;
  readonly structure: NOfM | null;
  step: number;
}

/** What pruning knows about one weight. */
interface PrunedWeight {
  readonly layer: AnyLayer;
  readonly run: PruningRun;
}

const pruned = new WeakMap<LayerVariable, PrunedWeight>();

/** A weight pruning applies to: a kernel (`kernel`, `depthwiseKernel`, `pointwiseKernel`, `recurrentKernel`...). */
function isKernel(variable: LayerVariable): boolean {
  return isKernelName(variable.name);
}

/** The layers of `target`: a model's (nested models' included) or the layer itself. */
function layersOf(target: AnyLayer): AnyLayer[] {
  return target instanceof Model ? (target as AnyModel).flatLayers.filter((layer) => !(layer instanceof Model)) : [target];
}

function checkTarget(where: string, target: unknown): AnyLayer {
  if (!(target instanceof Layer)) typeError(where, 'target', 'a model or a layer', target);
  const layer = target as AnyLayer;
  if (!layer.built) {
    throw new ValueError(`${where}: ${layer instanceof Model ? 'the model' : 'the layer'} ${layer.name} is not built yet (its weights do not exist): give its first layer an inputShape, or build it first`);
  }
  return layer;
}

function checkStructure(where: string, value: unknown): NOfM {
  const [n, m] = checkIntegerArray(where, 'structured', value, 1, 64);
  if (!Array.isArray(value) || value.length !== 2 || n >= m) {
    throw new ValueError(`${where}: structured must be [n, m] with 1 <= n < m (keep n of every m weights, e.g. [2, 4]), got ${JSON.stringify(value)}`);
  }
  return { n, m };
}

/**
 * Prepares the kernels of a model's layers (Dense, convolutions, recurrent layers: every layer with a
 * kernel), or of one layer, for magnitude pruning during `fit`, and returns the same model or layer.
 * Train with the {@link updatePruningStep} callback: it updates the masks as the schedule says. Layers
 * without a kernel (pooling, normalization, activations) are left alone in a model; a layer given alone
 * must have one.
 * ```ts
 * dn.pruning.pruneLowMagnitude(model, {
 *   schedule: dn.pruning.polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 0, endStep: 500, frequency: 25 }),
 * });
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * await model.fit(x, y, { epochs: 5, callbacks: [dn.pruning.updatePruningStep()] });
 * dn.pruning.strip(model);   // keeps the zeros, drops the masks
 * ```
 */
export function pruneLowMagnitude<T extends AnyLayer>(target: T, options: PruneOptions): T {
  const where = 'pruning.pruneLowMagnitude';
  const layer = checkTarget(where, target);
  if (options === null || typeof options !== 'object') typeError(where, 'options', 'an object { targetSparsity, schedule, structured }', options);
  const o = checkOptions<PruneOptions>(where, options, ['targetSparsity', 'schedule', 'structured']);
  const structure = o.structured === undefined ? null : checkStructure(where, o.structured);
  const implied = structure === null ? null : 1 - structure.n / structure.m;
  if (o.schedule !== undefined && !(o.schedule instanceof PruningSchedule)) {
    typeError(where, 'schedule', 'a pruning schedule (dn.pruning.polynomialDecay or dn.pruning.constantSparsity)', o.schedule);
  }
  let schedule: PruningSchedule;
  if (o.schedule !== undefined) {
    schedule = o.schedule;
  } else if (o.targetSparsity !== undefined || implied !== null) {
    schedule = new ConstantSparsity({ targetSparsity: o.targetSparsity ?? (implied as number) });
  } else {
    throw new ValueError(`${where}: give targetSparsity (e.g. 0.8), a schedule (dn.pruning.polynomialDecay(...)) or structured ([n, m])`);
  }
  const final = schedule.finalSparsity;
  if (o.targetSparsity !== undefined && new ConstantSparsity({ targetSparsity: o.targetSparsity }).targetSparsity !== final) {
    throw new ValueError(`${where}: targetSparsity ${o.targetSparsity} differs from the schedule's final sparsity ${final}; give one of them, or the same value`);
  }
  if (implied !== null && o.schedule !== undefined && Math.abs(final - implied) > 1e-12) {
    throw new ValueError(`${where}: structured [${structure!.n}, ${structure!.m}] prunes to sparsity ${implied}, but the schedule's final sparsity is ${final}`);
  }
  const chosen: { layer: AnyLayer; variable: LayerVariable }[] = [];
  for (const l of layersOf(layer)) for (const variable of l.weights) if (isKernel(variable)) chosen.push({ layer: l, variable });
  if (chosen.length === 0) {
    const names = layersOf(layer).map((l) => `${l.name} (${l.className})`).join(', ');
    throw new ValueError(
      layer instanceof Model
        ? `${where}: the model ${layer.name} has no layer with weights to prune (a kernel: Dense, convolution, recurrent layers); its layers: ${names}`
        : `${where}: the layer ${layer.name} (${layer.className}) has no weights to prune (a kernel); pruning applies to Dense, convolution, recurrent and other layers with a kernel`,
    );
  }
  if (structure !== null) {
    for (const { layer: l, variable } of chosen) {
      const shape = variable.shape;
      const inputs = shape.length >= 2 ? shape[shape.length - 2] : 0;
      if (inputs % structure.m !== 0) {
        throw new ValueError(`${where}: ${variable.name} has shape ${formatShape(shape)}; structured [${structure.n}, ${structure.m}] needs its input axis (${inputs}) to be a multiple of ${structure.m} (layer ${l.name})`);
      }
    }
  }
  const run: PruningRun = { schedule, structure, step: 0 };
  for (const { layer: l, variable } of chosen) pruned.set(variable, { layer: l, run });
  return target;
}

/** The pruned weights of `target`, in layer order. */
function prunedWeights(target: AnyLayer): { variable: LayerVariable; entry: PrunedWeight }[] {
  const found: { variable: LayerVariable; entry: PrunedWeight }[] = [];
  for (const layer of layersOf(target)) {
    for (const variable of layer.weights) {
      const entry = pruned.get(variable);
      if (entry !== undefined) found.push({ variable, entry });
    }
  }
  return found;
}

/** Recomputes a weight's mask at `sparsity` and zeroes what it drops. */
function updateMask(variable: LayerVariable, entry: PrunedWeight, sparsity: number): void {
  const value = variable.value;
  const values = value.storage as Float32Array;
  const structure = entry.run.structure;
  const mask = structure === null ? magnitudeMask(values, sparsity) : nOfMMask(values, value.shape, structure);
  for (let i = 0; i < values.length; i++) if (mask[i] === 0) values[i] = 0;
  variable.mask = mask;
  variable.markChanged();
}

/**
 * The callback that makes pruning happen during `fit` (TFMOT's `UpdatePruningStep`): before each batch it
 * updates the masks of the pruned weights whose schedule says so at the current step, then counts the
 * step. Steps are counted from 0 when {@link pruneLowMagnitude} was called and carry on across `fit`
 * calls (TFMOT counts the optimizer's iterations, which for the freshly compiled model its recipe makes
 * is the same; here the model keeps its optimizer, whose iterations include the training before pruning).
 * Pass it to `fit` of a model given to {@link pruneLowMagnitude}.
 */
export class UpdatePruningStep extends Callback {
  private weights: { variable: LayerVariable; entry: PrunedWeight }[] = [];
  private runs: PruningRun[] = [];

  override onTrainBegin(_logs: Logs): void {
    const model = this.model;
    if (model === null) throw new ValueError('pruning.updatePruningStep: the callback has no model; pass it to fit({ callbacks })');
    this.weights = prunedWeights(model);
    if (this.weights.length === 0) {
      throw new ValueError(`pruning.updatePruningStep: the model ${model.name} has no pruned weights; call dn.pruning.pruneLowMagnitude(model, { ... }) before fit`);
    }
    this.runs = [...new Set(this.weights.map(({ entry }) => entry.run))];
  }

  override onBatchBegin(_batch: number, _logs: Logs): void {
    for (const { variable, entry } of this.weights) {
      const decision = entry.run.schedule.at(entry.run.step);
      if (decision.prune) updateMask(variable, entry, decision.sparsity);
    }
    for (const run of this.runs) run.step++;
  }
}

/** The callback that updates pruning masks during `fit`: `fit(x, y, { callbacks: [dn.pruning.updatePruningStep()] })`. */
export function updatePruningStep(): UpdatePruningStep {
  return new UpdatePruningStep();
}

/**
 * Ends pruning (TFMOT's `strip_pruning`): the pruned weights keep their zeros but lose their masks, so
 * further training may change them again. Returns the same model or layer.
 */
export function strip<T extends AnyLayer>(target: T): T {
  const layer = checkTarget('pruning.strip', target);
  for (const { variable } of prunedWeights(layer)) {
    pruned.delete(variable);
    variable.mask = null;
  }
  return target;
}

/** One row of a {@link SparsityReport}. */
export interface SparsityRow {
  /** The layer's name. */
  readonly layer: string;
  /** The weight's full name (`dense_1/kernel`). */
  readonly weight: string;
  readonly shape: readonly number[];
  /** Elements. */
  readonly size: number;
  /** Elements that are exactly zero. */
  readonly zeros: number;
  /** zeros / size. */
  readonly sparsity: number;
  /** The schedule's final sparsity while the weight is being pruned, else null. */
  readonly targetSparsity: number | null;
  /** `'2:4'` for N:M structured pruning, else null. */
  readonly structure: string | null;
}

/** The sparsity of a model's kernels, per weight and in total (`toString()` gives a table). */
export interface SparsityReport {
  readonly weights: readonly SparsityRow[];
  /** Elements of all the kernels. */
  readonly size: number;
  readonly zeros: number;
  readonly sparsity: number;
  /** A table of the rows and the total. */
  toString(): string;
}

/**
 * The sparsity of every kernel of a model (or of one layer's kernels): zeros, size, and the target of
 * those being pruned.
 * ```ts
 * console.log(dn.pruning.sparsityReport(model).toString());
 * ```
 */
export function sparsityReport(target: AnyLayer): SparsityReport {
  const layer = checkTarget('pruning.sparsityReport', target);
  const rows: SparsityRow[] = [];
  for (const l of layersOf(layer)) {
    for (const variable of l.weights) {
      const entry = pruned.get(variable);
      if (entry === undefined && !isKernel(variable)) continue;
      const values = variable.value.storage;
      const sparsity = zeroFraction(values);
      rows.push({
        layer: l.name, weight: variable.name, shape: variable.shape.slice(), size: values.length, zeros: Math.round(sparsity * values.length), sparsity,
        targetSparsity: entry === undefined ? null : entry.run.schedule.finalSparsity,
        structure: entry === undefined || entry.run.structure === null ? null : `${entry.run.structure.n}:${entry.run.structure.m}`,
      });
    }
  }
  const size = rows.reduce((t, r) => t + r.size, 0);
  const zeros = rows.reduce((t, r) => t + r.zeros, 0);
  return { weights: rows, size, zeros, sparsity: size === 0 ? 0 : zeros / size, toString: () => formatReport(rows, size, zeros) };
}

function formatReport(rows: readonly SparsityRow[], size: number, zeros: number): string {
  const percent = (v: number): string => `${(v * 100).toFixed(1)} %`;
  const table = [
    ['weight', 'shape', 'zeros', 'sparsity', 'target'],
    ...rows.map((r) => [
      r.weight, formatShape(r.shape), `${r.zeros} / ${r.size}`, percent(r.sparsity),
      r.targetSparsity === null ? '-' : r.structure === null ? percent(r.targetSparsity) : r.structure,
    ]),
    ['total', '', `${zeros} / ${size}`, percent(size === 0 ? 0 : zeros / size), ''],
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  return table.map((row) => row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}
