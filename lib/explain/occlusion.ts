/**
 * Occlusion (Zeiler & Fergus, 2014): slide a window over each sample, replace what it covers with a
 * baseline value, and record how much the explained output drops. Needs only predictions.
 */
import { ShapeError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkIntegerArray, checkNumber, checkOptions, checkPositiveInteger, formatShape } from '../validate.js';
import {
  batchedPredict, batchOf, checkInputs, eachRowChunk, modelRunner, resolveTargets, runOptions, selectTargets, TARGET_OPTIONS,
  valuesOf, type ExplainableModel, type TargetOptions,
} from './common.js';
import type { Attributions } from './saliency.js';

/** Options of {@link occlusion}. */
export interface OcclusionOptions extends TargetOptions {
  /** The occluding window over a sample's axes: one size per axis, or one size for all (default 1). */
  window?: number | readonly number[];
  /** Step between windows per axis (default: the window, so windows tile the sample). */
  stride?: number | readonly number[];
  /** The value occluded entries take (default 0). */
  baseline?: number;
}

/**
 * Occlusion attributions: for each window position, f(x) − f(x with the window set to `baseline`)
 * of the explained output, spread over the values the window covers (averaged where windows overlap).
 * Windows reach every edge: the last one on an axis is moved back to end at the edge.
 * ```ts
 * // digits as 8x8 images: 2x2 windows, a function reshapes them back for the model
 * const { attributions } = dn.explain.occlusion((x) => model.predict(x.reshape([-1, 64])), images, { window: 2 });
 * ```
 */
export function occlusion(model: ExplainableModel, x: Tensor, options: OcclusionOptions = {}): Attributions {
  const where = 'explain.occlusion';
  const o = checkOptions<OcclusionOptions>(where, options, [...TARGET_OPTIONS, 'window', 'stride', 'baseline']);
  const runner = modelRunner(where, model);
  const input = checkInputs(where, 'x', x);
  const { batchSize, onProgress } = runOptions(where, o);
  const sampleShape = input.shape.slice(1);
  const window = perAxis(where, 'window', o.window ?? 1, sampleShape);
  window.forEach((w, i) => {
    if (w > sampleShape[i]) throw new ShapeError(`${where}: window ${formatShape(window)} is larger than a sample ${formatShape(sampleShape)} on axis ${i + 1}`);
  });
  const stride = o.stride === undefined ? window : perAxis(where, 'stride', o.stride, sampleShape);
  const baselineValue = o.baseline === undefined ? 0 : checkNumber(where, 'baseline', o.baseline);

  const rows = input.shape[0];
  const rowSize = input.size / rows;
  const values = valuesOf(input);
  const original = batchedPredict(runner, input, batchSize);
  const targets = resolveTargets(where, o.target, rows, original);
  const fx = selectTargets(original, targets);
  const windows = windowsOf(sampleShape, window, stride);
  const total = new Float64Array(input.size);
  const count = new Float64Array(rowSize);
  for (const cells of windows) for (const i of cells) count[i]++;

  // Each chunk is up to batchSize occluded copies of one sample.
  eachRowChunk(rows, windows.length, batchSize, onProgress, (r, first, n) => {
    const sample = values.subarray(r * rowSize, (r + 1) * rowSize);
    const copies = new Float32Array(n * rowSize);
    for (let c = 0; c < n; c++) {
      copies.set(sample, c * rowSize);
      for (const i of windows[first + c]) copies[c * rowSize + i] = baselineValue;
    }
    const occluded = runner.predict(batchOf(copies, n, sampleShape));
    for (let c = 0; c < n; c++) {
      const drop = fx[r] - occluded.values[c * occluded.width + targets[r]];
      for (const i of windows[first + c]) total[r * rowSize + i] += drop;
    }
  });
  const attributions = Float32Array.from(total, (v, i) => v / count[i % rowSize]);
  return { attributions: makeTensor(attributions, input.shape), targets };
}

function perAxis(where: string, name: string, value: unknown, sampleShape: readonly number[]): number[] {
  if (typeof value === 'number') return sampleShape.map(() => checkPositiveInteger(where, name, value));
  const sizes = checkIntegerArray(where, name, value, 1);
  if (sizes.length !== sampleShape.length) {
    throw new ShapeError(`${where}: ${name} must give one size per sample axis (${sampleShape.length}, samples are ${formatShape(sampleShape)}), got ${formatShape(sizes)}`);
  }
  return sizes;
}

/** The flat indices (within a sample) covered by each window position. */
function windowsOf(shape: readonly number[], window: readonly number[], stride: readonly number[]): number[][] {
  const starts = shape.map((size, axis) => {
    const list: number[] = [];
    for (let s = 0; s + window[axis] <= size; s += stride[axis]) list.push(s);
    if (list[list.length - 1] + window[axis] < size) list.push(size - window[axis]);
    return list;
  });
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const result: number[][] = [];
  const corner = new Array<number>(shape.length).fill(0);
  const visit = (axis: number): void => {
    if (axis === shape.length) {
      const cells: number[] = [];
      const offset = new Array<number>(shape.length).fill(0);
      const walk = (a: number, base: number): void => {
        if (a === shape.length) {
          cells.push(base);
          return;
        }
        for (offset[a] = 0; offset[a] < window[a]; offset[a]++) walk(a + 1, base + (corner[a] + offset[a]) * strides[a]);
      };
      walk(0, 0);
      result.push(cells);
      return;
    }
    for (const s of starts[axis]) {
      corner[axis] = s;
      visit(axis + 1);
    }
  };
  visit(0);
  return result;
}
