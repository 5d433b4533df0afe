/**
 * What every attribution method shares: the model as two functions (a differentiable forward for the
 * gradient methods, a fast batched prediction for the model-agnostic ones), checked inputs, the
 * output explained (`target`), batching and progress.
 */
import { ShapeError, ValueError } from '../errors.js';
import { Model } from '../model/training.js';
import { noGrad, setGradEnabled } from '../autograd/engine.js';
import { valueAndGrad } from '../model/gradients.js';
import { checkFloat, makeTensor, Tensor, toTensor } from '../tensor.js';
import { checkFunction, checkInteger, checkPositiveInteger, formatShape, typeError } from '../validate.js';

/**
 * What can be explained: a model with one output (Sequential or functional), or a function from a
 * batch of inputs to a batch of outputs. The gradient methods need the function to be written with
 * Dendrite's tensor ops (so autograd can differentiate it); the model-agnostic methods (occlusion,
 * permutation importance, KernelSHAP, LIME) only call it.
 */
export type ExplainableModel = Model<Tensor> | ((x: Tensor) => Tensor);

/** Called after each batch of model evaluations of a long run: `done` of `total` batches. */
export type ProgressFunction = (done: number, total: number) => void;

/** Options every attribution method takes. */
export interface ExplainOptions {
  /** Rows per model evaluation (default 256): bounds the memory of long runs. */
  batchSize?: number;
  /** Called after each batch with (batches done, batches in all), for progress on long runs. */
  onProgress?: ProgressFunction;
}

/** Options of the methods that explain one output column. */
export interface TargetOptions extends ExplainOptions {
  /**
   * The output column explained: one index for every row, or one per row. By default the predicted
   * class of each row (the largest output), or column 0 for a model with one output column.
   */
  target?: number | readonly number[];
}

export const EXPLAIN_OPTIONS = ['batchSize', 'onProgress'] as const;
export const TARGET_OPTIONS = [...EXPLAIN_OPTIONS, 'target'] as const;

const DEFAULT_BATCH_SIZE = 256;

/** The model as a differentiable forward and a batched prediction, both giving [rows, width]. */
export interface ModelRunner {
  /** The forward pass recorded by autograd, reshaped to [rows, outputs]. */
  apply(x: Tensor): Tensor;
  /** The outputs without gradients, row-major [rows, width]. */
  predict(x: Tensor): { values: Float32Array; width: number };
}

/** Checks `model` and returns it as a {@link ModelRunner}. */
export function modelRunner(where: string, model: unknown): ModelRunner {
  let forward: (x: Tensor) => unknown;
  let predict: (x: Tensor) => unknown;
  if (model instanceof Model) {
    forward = (x) => model.apply(x);
    predict = (x) => model.predict(x);
  } else if (typeof model === 'function') {
    const fn = checkFunction(where, 'model', model) as (x: Tensor) => unknown;
    forward = fn;
    predict = (x) => noGrad(() => fn(x));
  } else {
    typeError(where, 'model', 'a Model or a function from a batch of inputs to outputs', model);
  }
  const rows = (x: Tensor, out: unknown): Tensor => {
    if (Array.isArray(out)) throw new ValueError(`${where}: the model has ${out.length} outputs; explain one of them with a function, e.g. (x) => model.apply(x)[0]`);
    if (!(out instanceof Tensor)) typeError(where, 'the model\'s output', 'a Tensor', out);
    checkFloat(where, 'the model\'s output', out);
    if (out.rank === 0 || out.shape[0] !== x.shape[0]) {
      throw new ShapeError(`${where}: the model must give one output row per input row: ${x.shape[0]} rows in, output of shape ${formatShape(out.shape)}`);
    }
    return out.rank === 2 ? out : out.reshape([x.shape[0], out.size / Math.max(1, x.shape[0])]);
  };
  return {
    apply: (x) => rows(x, forward(x)),
    predict: (x) => {
      const out = rows(x, predict(x));
      return { values: out.contiguous().dataSync() as Float32Array, width: out.shape[1] };
    },
  };
}

/** A float32 input batch of rank >= 2 with at least one row, contiguous. */
export function checkInputs(where: string, name: string, value: unknown, minRank = 2): Tensor {
  const x = checkFloat(where, name, toTensor(where, name, value));
  if (x.rank < minRank) {
    throw new ShapeError(`${where}: ${name} must be a batch of rank ${minRank === 2 ? '2 or more ([samples, ...features])' : minRank}, got shape ${formatShape(x.shape)}`);
  }
  if (x.shape[0] === 0) throw new ShapeError(`${where}: ${name} has no rows (shape ${formatShape(x.shape)})`);
  return x.detach().contiguous();
}

/** A 2-D input batch [samples, features] (the tabular methods). */
export function checkTable(where: string, name: string, value: unknown): Tensor {
  const x = checkInputs(where, name, value);
  if (x.rank !== 2) throw new ShapeError(`${where}: ${name} must be 2-D [samples, features], got shape ${formatShape(x.shape)}`);
  return x;
}

/** The row-major values of a contiguous tensor. */
export function valuesOf(x: Tensor): Float32Array {
  return x.contiguous().dataSync() as Float32Array;
}

/** A new tensor over `values` with `rows` rows of `sampleShape`. */
export function batchOf(values: Float32Array, rows: number, sampleShape: readonly number[]): Tensor {
  return makeTensor(values, [rows, ...sampleShape]);
}

/** The batch size and progress callback of `o`, checked. */
export function runOptions(where: string, o: ExplainOptions): { batchSize: number; onProgress: ProgressFunction | null } {
  const batchSize = o.batchSize === undefined ? DEFAULT_BATCH_SIZE : checkPositiveInteger(where, 'batchSize', o.batchSize);
  const onProgress = o.onProgress === undefined ? null : (checkFunction(where, 'onProgress', o.onProgress) as ProgressFunction);
  return { batchSize, onProgress };
}

/**
 * The explained column of each of `rows` rows: `target` checked against the model's `width`
 * outputs, or by default the largest output of each row (column 0 for a one-column model).
 */
export function resolveTargets(where: string, target: unknown, rows: number, predictions: { values: Float32Array; width: number }): number[] {
  const { values, width } = predictions;
  const check = (value: unknown, name: string): number => checkInteger(where, name, value, 0, width - 1);
  if (target === undefined) {
    return Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
      return best;
    });
  }
  if (typeof target === 'number') {
    const t = check(target, `target (the model has ${width} output${width === 1 ? '' : 's'})`);
    return new Array<number>(rows).fill(t);
  }
  if (Array.isArray(target)) {
    if (target.length !== rows) throw new ShapeError(`${where}: target must give one class per input row (${rows}), got ${target.length}`);
    return target.map((t, i) => check(t, `target[${i}] (the model has ${width} output${width === 1 ? '' : 's'})`));
  }
  typeError(where, 'target', 'an output index or an array of one per row', target);
}

/** Runs `count` batches of work, reporting progress after each. */
export function eachBatch(count: number, onProgress: ProgressFunction | null, body: (batch: number) => void): void {
  for (let b = 0; b < count; b++) {
    body(b);
    onProgress?.(b + 1, count);
  }
}

/**
 * Runs `perRow` evaluations for each of `rows` rows in chunks of at most `batchSize` (one row per
 * chunk), reporting progress after each: `body(row, first, count)` handles evaluations
 * first .. first + count − 1 of that row.
 */
export function eachRowChunk(
  rows: number, perRow: number, batchSize: number, onProgress: ProgressFunction | null,
  body: (row: number, first: number, count: number) => void,
): void {
  const perBatch = Math.min(perRow, batchSize);
  const batchesPerRow = Math.ceil(perRow / perBatch);
  eachBatch(rows * batchesPerRow, onProgress, (b) => {
    const first = (b % batchesPerRow) * perBatch;
    body(Math.floor(b / batchesPerRow), first, Math.min(perBatch, perRow - first));
  });
}

/**
 * The gradient of the model's `targets[r]` output of each row with respect to that row, for a
 * batch `x` (one row's output depends on that row only, so one backward pass of the sum of the
 * selected outputs gives every row's gradient).
 */
export function inputGradients(runner: ModelRunner, x: Tensor, targets: readonly number[]): Float32Array {
  const input = makeTensor(new Float32Array(valuesOf(x)), x.shape);
  const recording = setGradEnabled(true);
  try {
    const { grads } = valueAndGrad(() => {
      const out = runner.apply(input);
      const width = out.shape[1];
      const mask = new Float32Array(out.shape[0] * width);
      targets.forEach((t, r) => (mask[r * width + t] = 1));
      return out.mul(makeTensor(mask, out.shape)).sum();
    }, { input });
    return valuesOf(grads.input);
  } finally {
    setGradEnabled(recording);
  }
}

/** The gradients of every row of `x` (see {@link inputGradients}) in batches of `batchSize`. */
export function batchedGradients(
  runner: ModelRunner, x: Tensor, targets: readonly number[], batchSize: number, onProgress: ProgressFunction | null,
): Float32Array {
  const rows = x.shape[0];
  const rowSize = x.size / rows;
  const data = valuesOf(x);
  const result = new Float32Array(x.size);
  eachBatch(Math.ceil(rows / batchSize), onProgress, (b) => {
    const start = b * batchSize;
    const end = Math.min(rows, start + batchSize);
    const batch = batchOf(data.slice(start * rowSize, end * rowSize), end - start, x.shape.slice(1));
    result.set(inputGradients(runner, batch, targets.slice(start, end)), start * rowSize);
  });
  return result;
}

/** Column `targets[r]` of each row of predictions. */
export function selectTargets(predictions: { values: Float32Array; width: number }, targets: readonly number[]): Float64Array {
  return Float64Array.from(targets, (t, r) => predictions.values[r * predictions.width + t]);
}

/** Predictions of `x` in batches of `batchSize` rows. */
export function batchedPredict(runner: ModelRunner, x: Tensor, batchSize: number): { values: Float32Array; width: number } {
  const rows = x.shape[0];
  if (rows <= batchSize) return runner.predict(x);
  const rowSize = x.size / rows;
  const data = valuesOf(x);
  let values: Float32Array | null = null;
  let width = 0;
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    const part = runner.predict(batchOf(data.slice(start * rowSize, end * rowSize), end - start, x.shape.slice(1)));
    width = part.width;
    values ??= new Float32Array(rows * width);
    values.set(part.values, start * width);
  }
  return { values: values!, width };
}

/** Checks that every sample of `other` has the shape of a sample of `x`. */
export function checkSampleShape(where: string, name: string, other: Tensor, x: Tensor): void {
  const a = other.shape.slice(1);
  const b = x.shape.slice(1);
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(`${where}: ${name} must have samples of shape ${formatShape(b)} (as x), got shape ${formatShape(other.shape)}`);
  }
}
