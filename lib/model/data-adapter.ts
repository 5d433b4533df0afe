/**
 * Data adapters: `fit`, `evaluate`, `predict`, `trainOnBatch` and `testOnBatch` turn the data they
 * are given into batches here, at their entry, once (as Keras 3's data adapters do); the loops then
 * consume only {@link Batch}es from a {@link DataAdapter}.
 *
 * Inputs and targets come as one tensor (or nested array) for a model with one input or output, an
 * array with one per input (output) in the model's order, or an object keyed by input (output)
 * name. Sample weights come the same way (one array for every output, or one per output); class
 * weights as `{ class: weight }` (one output) or one table per output. Both become one weight per
 * sample per output (or, for sequence targets `[samples, steps, ...]`, one per timestep:
 * `[samples, steps]`, as Keras takes temporal sample weights), checked here; class weights weight
 * the training data only. The weights are new arrays where anything was combined, and never written
 * to afterwards.
 *
 * A data source of another kind (a dataset, a generator) joins by implementing {@link DataAdapter}:
 * an epoch is an iterator, synchronous or asynchronous, of batches checked with {@link toBatch}.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { makeTensor, Tensor, toTensor, type TypedStorage } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import type { Generator as RandomGenerator } from '../random.js';
import { checkObject, describe, didYouMean, formatShape, MAX_TENSOR_SIZE, valueError } from '../validate.js';
import { ownEntry } from '../aliases.js';
import { isTensorList } from '../layers/layer.js';

/** One batch: what a training, evaluation or prediction step consumes. */
export interface Batch {
  /** One tensor per model input, `size` rows each. */
  readonly x: readonly Tensor[];
  /** One tensor per model output, `size` rows each (none for predict). */
  readonly y: readonly Tensor[];
  /**
   * Per model output, a weight per sample for its loss (or the same number of weights for each
   * sample: one per timestep), or null (every sample counts once).
   */
  readonly weights: readonly (Float32Array | null)[];
  /** The number of samples. */
  readonly size: number;
}

/** A source of batches, one epoch at a time. */
export interface DataAdapter {
  /** Samples per epoch, or null when only the data knows (a stream). */
  readonly samples: number | null;
  /** Batches per epoch, or null when only the data knows. */
  readonly steps: number | null;
  /** The batches of the next epoch (shuffled first when the adapter shuffles). */
  epoch(): Iterator<Batch> | AsyncIterator<Batch>;
}

/** What the adapters need to know about a model. */
export interface ModelSignature {
  /** The names of the model's inputs (its input layers), in order. */
  readonly inputNames: readonly string[];
  /** The names of the model's outputs (the layers producing them), in order. */
  readonly outputNames: readonly string[];
  /**
   * Checks input tensors against the model (dtype, rank, shape), building a model that builds on
   * its first data; `labels` name each input in messages.
   */
  checkInputs(where: string, labels: readonly string[], inputs: readonly Tensor[]): void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor) && !ArrayBuffer.isView(value);
}

/** How a value is named in messages: `x` for a model with one input, `x['pixels']` otherwise. */
function labelsOf(name: string, names: readonly string[]): string[] {
  return names.length === 1 ? [name] : names.map((n) => `${name}['${n}']`);
}

/**
 * The values of `value` per name (input or output names): from an array (one per name, in order),
 * an object keyed by name, or — when there is one name — the value itself. An `optional` value
 * (sample weights) may leave names out of an object, and one value serves every name.
 */
function byName(where: string, name: string, value: unknown, names: readonly string[], what: string, optional = false): unknown[] {
  // More items than a tensor may hold is refused before any is visited (some/every would visit 2^32 - 1).
  if (Array.isArray(value) && value.length > MAX_TENSOR_SIZE) throw new ValueError(`${where}: ${name} may have at most ${MAX_TENSOR_SIZE} items, got ${value.length}`);
  // An array of tensors is one per name (optional values may be null where there is none).
  const perName = isTensorList(value) || (optional && Array.isArray(value) && value.some((v) => v instanceof Tensor) && value.every((v) => v instanceof Tensor || v === null || v === undefined));
  if (perName) {
    if (value.length !== names.length) {
      throw new ValueError(`${where}: ${name} must hold one tensor per ${what} (${names.length}: ${names.join(', ')}), got ${value.length}`);
    }
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (!names.includes(key)) throw new ValueError(`${where}: ${name} has no ${what} named '${key}'${didYouMean(key, names)}; the model's ${what}s: ${names.join(', ')}`);
    }
    const missing = names.filter((n) => ownEntry(value, n) === undefined);
    if (missing.length > 0 && !optional) throw new ValueError(`${where}: ${name} lacks the ${what}${missing.length === 1 ? '' : 's'} ${missing.map((n) => `'${n}'`).join(', ')}; the model's ${what}s: ${names.join(', ')}`);
    return names.map((n) => ownEntry(value, n));
  }
  if (names.length === 1 || optional) return names.map(() => value);
  throw new ValueError(
    `${where}: the model has ${names.length} ${what}s (${names.join(', ')}): give ${name} as an array of tensors in that order or an object { ${names.map((n) => `${n}: ...`).join(', ')} }, got ${describe(value)}`,
  );
}

/** The model's input tensors from any accepted form, checked (and the model built if it builds on data). */
export function inputTensors(model: ModelSignature, where: string, name: string, value: unknown): Tensor[] {
  const names = model.inputNames;
  const labels = labelsOf(name, names);
  const tensors = byName(where, name, value, names, 'input').map((v, i) => toTensor(where, labels[i], v));
  for (let i = 1; i < tensors.length; i++) {
    const a = tensors[0];
    const b = tensors[i];
    if (a.rank > 0 && b.rank > 0 && a.shape[0] !== b.shape[0]) {
      throw new ShapeError(`${where}: every input must have the same number of samples, got ${a.shape[0]} in ${labels[0]} and ${b.shape[0]} in ${labels[i]}`);
    }
  }
  model.checkInputs(where, labels, tensors);
  return tensors.map((t) => (t.isContiguous ? t : contiguous(t.detach())));
}

/** The targets, one tensor per model output, each with one entry per sample. */
export function targetTensors(model: ModelSignature, where: string, name: string, value: unknown, samples: number): Tensor[] {
  const names = model.outputNames;
  const labels = labelsOf(name, names);
  return byName(where, name, value, names, 'output').map((v, i) => {
    const t = toTensor(where, labels[i], v);
    if (t.rank < 1 || t.shape[0] !== samples) {
      throw new ShapeError(`${where}: ${labels[i]} must have one entry per sample (${samples}), got shape ${formatShape(t.shape)}`);
    }
    return t.isContiguous ? t : contiguous(t.detach());
  });
}

/**
 * One weight per sample (`[samples]` or `[samples, 1]`), or one per timestep (`[samples, steps]`) of
 * a sequence target `[samples, steps, ...]` (or of sparse labels `[samples, steps]`), as a flat array
 * of `samples * steps` weights.
 */
function weightArray(where: string, name: string, value: unknown, target: Tensor): Float32Array {
  const samples = target.shape[0];
  const t = toTensor(where, name, value);
  if (t.dtype !== 'float32') throw new DTypeError(`${where}: ${name} must be a float32 tensor, got ${t.dtype}`);
  const perSample = t.size === samples && (t.rank === 1 || (t.rank === 2 && t.shape[1] === 1));
  const perTimestep = t.rank === 2 && t.shape[0] === samples && t.shape[1] !== 1 && target.rank >= 2 && target.shape[1] === t.shape[1];
  if (!perSample && !perTimestep) {
    const steps = target.rank >= 2 ? ` or one per timestep (shape [${samples}, ${target.shape[1]}])` : '';
    throw new ShapeError(`${where}: ${name} must hold one weight per sample (shape [${samples}])${steps}, got shape ${formatShape(t.shape)} for targets of shape ${formatShape(target.shape)}`);
  }
  return contiguous(t.detach()).storage as Float32Array;
}

/**
 * Per output, the sample weights given (`sampleWeight` for every output, or one per output by
 * position or name), checked against that output's targets, or null where none was given.
 */
export function sampleWeightArrays(model: ModelSignature, where: string, name: string, value: unknown, targets: readonly Tensor[]): (Float32Array | null)[] {
  const names = model.outputNames;
  if (value === undefined) return names.map(() => null);
  const labels = labelsOf(name, names);
  return byName(where, name, value, names, 'output', true).map((v, i) => (v === undefined || v === null ? null : weightArray(where, labels[i], v, targets[i])));
}

/** The weights of rows [start, end) of `samples` samples: each sample has the same number of weights. */
function weightRows(weights: Float32Array, samples: number, start: number, end: number): Float32Array {
  const perSample = samples === 0 ? 1 : weights.length / samples;
  return weights.subarray(start * perSample, end * perSample);
}

/** Validates a class-weight table: an object of class index → weight >= 0. */
function classWeightTable(where: string, name: string, value: unknown): Map<number, number> {
  const object = checkObject(where, name, value);
  const table = new Map<number, number>();
  for (const [key, weight] of Object.entries(object)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || String(index) !== key) valueError(where, `${name} key ${JSON.stringify(key)}`, 'a class index (an integer >= 0)', key);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) valueError(where, `${name}[${key}]`, 'a finite number >= 0', weight);
    table.set(index, weight);
  }
  if (table.size === 0) throw new ValueError(`${where}: ${name} is empty; give a weight per class, e.g. { 0: 1, 1: 3 }`);
  return table;
}

/**
 * The class of each sample for classWeight: integer labels as they are, one-hot rows by their
 * arg-max, a single output by rounding (0/1).
 */
function classLabels(where: string, name: string, y: Tensor): Int32Array {
  const samples = y.shape[0];
  const values = y.storage;
  const labels = new Int32Array(samples);
  const row = samples === 0 ? 0 : y.size / samples;
  for (let i = 0; i < samples; i++) {
    if (row === 1) {
      const v = values[i];
      const label = Math.round(v);
      if (!Number.isFinite(v) || Math.abs(v - label) > 1e-6) {
        throw new ValueError(`${where}: ${name} needs class labels in y, got ${describe(v)} at sample ${i}`);
      }
      labels[i] = label;
    } else {
      let best = 0;
      for (let c = 1; c < row; c++) if (values[i * row + c] > values[i * row + best]) best = c;
      labels[i] = best;
    }
  }
  return labels;
}

/** Whether a classWeight value is one table (`{ 0: 1, 1: 5 }`) rather than one per output. */
function isOneTable(value: unknown): boolean {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'number');
}

/**
 * The sample weights of each output times the classWeight of each sample's class, in new arrays
 * (the given weights are left as they are). `classWeight` is one table for a model with one output,
 * or one per output (by position or by name; outputs without one are left alone).
 */
export function withClassWeights(
  model: ModelSignature, where: string, targets: readonly Tensor[], weights: readonly (Float32Array | null)[], classWeight: unknown,
): readonly (Float32Array | null)[] {
  if (classWeight === undefined) return weights;
  const names = model.outputNames;
  let tables: unknown[];
  if (isOneTable(classWeight)) {
    if (names.length > 1) {
      throw new ValueError(`${where}: the model has ${names.length} outputs (${names.join(', ')}): give classWeight as one table per output, in an array or an object { ${names[0]}: { 0: 1, 1: 5 }, ... }`);
    }
    tables = [classWeight];
  } else if (Array.isArray(classWeight)) {
    if (classWeight.length !== names.length) throw new ValueError(`${where}: classWeight must hold one table per output (${names.length}: ${names.join(', ')}), got ${classWeight.length}`);
    tables = classWeight;
  } else {
    tables = byName(where, 'classWeight', classWeight, names, 'output', true);
  }
  return tables.map((value, k) => {
    const given = weights[k];
    if (value === undefined || value === null) return given;
    const name = names.length === 1 ? 'classWeight' : `classWeight['${names[k]}']`;
    const table = classWeightTable(where, name, value);
    const y = targets[k];
    const labels = classLabels(where, name, y);
    const samples = y.shape[0];
    const result = given === null ? new Float32Array(samples).fill(1) : given.slice();
    // A sample's class weight multiplies each of its weights (one per timestep with temporal weights).
    const perSample = samples === 0 ? 1 : result.length / samples;
    for (let i = 0; i < samples; i++) {
      const w = table.get(labels[i]);
      if (w === undefined) {
        throw new ValueError(`${where}: ${name} has no weight for class ${labels[i]} (sample ${i}); it lists classes ${[...table.keys()].join(', ')}`);
      }
      for (let j = i * perSample, end = j + perSample; j < end; j++) result[j] *= w;
    }
    return result;
  });
}

/**
 * One batch from data given directly (trainOnBatch, testOnBatch, or a stream's element): inputs,
 * targets and sample weights in any accepted form, checked against the model.
 */
export function toBatch(model: ModelSignature, where: string, x: unknown, y: unknown, sampleWeight?: unknown, classWeight?: unknown): Batch {
  const inputs = inputTensors(model, where, 'x', x);
  const size = inputs[0].shape[0];
  const targets = targetTensors(model, where, 'y', y, size);
  const weights = withClassWeights(model, where, targets, sampleWeightArrays(model, where, 'sampleWeight', sampleWeight, targets), classWeight);
  return { x: inputs, y: targets, weights, size };
}

/** Rows [start, end) of every input, target and sample weight, as views. */
export function rowsOfAll(x: readonly Tensor[], y: readonly Tensor[], weights: readonly (Float32Array | null)[], start: number, end: number): { x: Tensor[]; y: Tensor[]; weights: (Float32Array | null)[] } {
  const samples = x[0].shape[0];
  return {
    x: x.map((t) => rowsOf(t, start, end)),
    y: y.map((t) => rowsOf(t, start, end)),
    weights: weights.map((w) => (w === null ? null : weightRows(w, samples, start, end))),
  };
}

/** Rows [start, end) of a contiguous tensor, as a view. */
export function rowsOf(t: Tensor, start: number, end: number): Tensor {
  if (start === 0 && end === t.shape[0]) return t;
  const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  return makeTensor(t.storage.subarray(start * row, end * row), [end - start, ...t.shape.slice(1)]);
}

/** Batches of in-memory tensors: in order, or shuffled before each epoch. */
export class TensorAdapter implements DataAdapter {
  readonly samples: number;
  readonly steps: number;
  /** The sample order of the current epoch (shuffled in place before each), or null when not shuffling. */
  private readonly order: Int32Array | null;
  private readonly buffers = new Map<string, TypedStorage>();

  /**
   * @param generator shuffles the samples before each epoch; null keeps their order
   */
  constructor(
    readonly x: readonly Tensor[],
    readonly y: readonly Tensor[],
    readonly weights: readonly (Float32Array | null)[],
    readonly batchSize: number,
    private readonly generator: RandomGenerator | null = null,
  ) {
    this.samples = x[0].shape[0];
    this.steps = Math.ceil(this.samples / batchSize);
    this.order = generator === null ? null : Int32Array.from({ length: this.samples }, (_, i) => i);
  }

  /** Shuffles `epochs` times, so a run resumed at an initial epoch sees the batches of one that never stopped. */
  skipEpochs(epochs: number): void {
    if (this.order !== null) for (let i = 0; i < epochs; i++) this.generator!.shuffle(this.order);
  }

  /** The first `rows` samples, unweighted (for a check run before training). */
  head(rows: number): Batch {
    const end = Math.min(rows, this.samples);
    return { x: this.x.map((t) => rowsOf(t, 0, end)), y: this.y.map((t) => rowsOf(t, 0, end)), weights: this.y.map(() => null), size: end };
  }

  *epoch(): Generator<Batch, void, undefined> {
    const { x, y, weights, batchSize, samples, order } = this;
    if (order !== null) this.generator!.shuffle(order);
    for (let start = 0; start < samples; start += batchSize) {
      const end = Math.min(samples, start + batchSize);
      if (order === null) {
        yield {
          x: x.map((t) => rowsOf(t, start, end)),
          y: y.map((t) => rowsOf(t, start, end)),
          weights: weights.map((w) => (w === null ? null : weightRows(w, samples, start, end))),
          size: end - start,
        };
      } else {
        yield {
          x: x.map((t, i) => this.gather(`x${i}`, t, start, end)),
          y: y.map((t, i) => this.gather(`y${i}`, t, start, end)),
          weights: weights.map((w, i) => (w === null ? null : this.gatherWeights(`w${i}`, w, start, end))),
          size: end - start,
        };
      }
    }
  }

  /** A reusable buffer per key and size: shuffled batches are gathered into the same memory every epoch. */
  private buffer(key: string, dtype: 'float32' | 'int32', length: number): TypedStorage {
    const full = `${key}:${length}`;
    let buffer = this.buffers.get(full);
    if (buffer === undefined) {
      buffer = dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
      this.buffers.set(full, buffer);
    }
    return buffer;
  }

  private gather(key: string, t: Tensor, start: number, end: number): Tensor {
    const order = this.order!;
    const rows = end - start;
    const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
    const target = this.buffer(key, t.dtype, rows * row);
    const source = t.storage;
    if (row === 1) {
      for (let i = 0; i < rows; i++) target[i] = source[order[start + i]];
    } else {
      for (let i = 0; i < rows; i++) {
        const from = order[start + i] * row;
        target.set(source.subarray(from, from + row), i * row);
      }
    }
    return makeTensor(target, [rows, ...t.shape.slice(1)]);
  }

  /** The weights of the batch's samples (each sample's weights side by side: one, or one per timestep). */
  private gatherWeights(key: string, weights: Float32Array, start: number, end: number): Float32Array {
    const perSample = this.samples === 0 ? 1 : weights.length / this.samples;
    return this.gather(key, makeTensor(weights, [this.samples, perSample]), start, end).storage as Float32Array;
  }
}
