/**
 * Integrated gradients (Sundararajan et al., 2017): the gradient averaged along the straight path
 * from a baseline to the input, times (input − baseline). The attributions of a row add up to
 * f(x) − f(baseline) (completeness) as the number of steps grows; the error left is reported.
 */
import { ShapeError } from '../errors.js';
import { makeTensor, Tensor, toTensor } from '../tensor.js';
import { checkOptions, checkPositiveInteger, formatShape } from '../validate.js';
import {
  batchedPredict, batchOf, checkInputs, eachRowChunk, inputGradients, modelRunner, resolveTargets, runOptions, selectTargets,
  TARGET_OPTIONS, valuesOf, type ExplainableModel, type TargetOptions,
} from './common.js';
import type { Attributions } from './saliency.js';

/** Options of {@link integratedGradients}. */
export interface IntegratedGradientsOptions extends TargetOptions {
  /**
   * Where the path starts: a number for every value (default 0), one sample (the shape of a row of
   * `x`), or one baseline per row (the shape of `x`).
   */
  baseline?: number | Tensor;
  /** Points on the path (midpoint rule; default 64). */
  steps?: number;
}

/** What {@link integratedGradients} returns. */
export interface IntegratedGradientsResult extends Attributions {
  /** Per row: the sum of its attributions minus (f(x) − f(baseline)) of the explained output. */
  convergenceDelta: number[];
  /**
   * The largest relative completeness error over the rows:
   * |Σ attributions − (f(x) − f(baseline))| / |f(x) − f(baseline)| (a denominator below 1e-6 counts
   * as 1e-6). Below 0.01 means the attributions account for the output change within 1 %.
   */
  completenessError: number;
}

/**
 * Integrated gradients of the explained output (Sundararajan et al., 2017), with the completeness
 * check: each row's attributions should sum to f(x) − f(baseline).
 * ```ts
 * const ig = dn.explain.integratedGradients(model, x, { steps: 64 });
 * ig.completenessError;   // e.g. 0.0003: raise steps if this is large
 * ```
 */
export function integratedGradients(model: ExplainableModel, x: Tensor, options: IntegratedGradientsOptions = {}): IntegratedGradientsResult {
  const where = 'explain.integratedGradients';
  const o = checkOptions<IntegratedGradientsOptions>(where, options, [...TARGET_OPTIONS, 'baseline', 'steps']);
  const runner = modelRunner(where, model);
  const input = checkInputs(where, 'x', x);
  const { batchSize, onProgress } = runOptions(where, o);
  const steps = o.steps === undefined ? 64 : checkPositiveInteger(where, 'steps', o.steps);
  const baseline = baselineRows(where, o.baseline, input);
  const rows = input.shape[0];
  const rowSize = input.size / rows;
  const sampleShape = input.shape.slice(1);
  const values = valuesOf(input);
  const atInput = batchedPredict(runner, input, batchSize);
  const targets = resolveTargets(where, o.target, rows, atInput);
  const atBaseline = batchedPredict(runner, batchOf(baseline, rows, sampleShape), batchSize);

  const averaged = new Float64Array(input.size);
  eachRowChunk(rows, steps, batchSize, onProgress, (r, first, count) => {
    const path = new Float32Array(count * rowSize);
    for (let c = 0; c < count; c++) {
      const alpha = (first + c + 0.5) / steps;
      for (let i = 0; i < rowSize; i++) {
        const start = baseline[r * rowSize + i];
        path[c * rowSize + i] = start + alpha * (values[r * rowSize + i] - start);
      }
    }
    const gradients = inputGradients(runner, batchOf(path, count, sampleShape), new Array<number>(count).fill(targets[r]));
    for (let c = 0; c < count; c++) {
      for (let i = 0; i < rowSize; i++) averaged[r * rowSize + i] += gradients[c * rowSize + i];
    }
  });

  const attributions = new Float32Array(input.size);
  const fx = selectTargets(atInput, targets);
  const fb = selectTargets(atBaseline, targets);
  const convergenceDelta: number[] = [];
  let completenessError = 0;
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let i = r * rowSize; i < (r + 1) * rowSize; i++) {
      const a = (averaged[i] / steps) * (values[i] - baseline[i]);
      attributions[i] = a;
      total += a;
    }
    const change = fx[r] - fb[r];
    const delta = total - change;
    convergenceDelta.push(delta);
    completenessError = Math.max(completenessError, Math.abs(delta) / Math.max(Math.abs(change), 1e-6));
  }
  return { attributions: makeTensor(attributions, input.shape), targets, convergenceDelta, completenessError };
}

/** The baseline of every row, row-major, checked against the shape of `x`. */
function baselineRows(where: string, value: unknown, x: Tensor): Float32Array {
  const rows = x.shape[0];
  const rowSize = x.size / rows;
  const result = new Float32Array(x.size);
  if (value === undefined) return result;
  const baseline = toTensor(where, 'baseline', value);
  const sampleShape = x.shape.slice(1);
  const same = (shape: readonly number[], expected: readonly number[]): boolean =>
    shape.length === expected.length && shape.every((d, i) => d === expected[i]);
  const data = valuesOf(baseline.cast('float32'));
  if (baseline.size === 1 && baseline.rank === 0) result.fill(data[0]);
  else if (same(baseline.shape, sampleShape)) for (let r = 0; r < rows; r++) result.set(data, r * rowSize);
  else if (same(baseline.shape, x.shape)) result.set(data);
  else {
    throw new ShapeError(`${where}: baseline must be a number, one sample of shape ${formatShape(sampleShape)} or one per row of shape ${formatShape(x.shape)}, got shape ${formatShape(baseline.shape)}`);
  }
  return result;
}
