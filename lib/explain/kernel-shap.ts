/**
 * KernelSHAP (Lundberg & Lee, 2017): Shapley values of the features of a row for the explained
 * output, where a coalition of features takes the row's values and the others take background
 * rows' values (the output averaged over the background). With few features every coalition is
 * enumerated and the values are exact; otherwise coalitions are sampled from the Shapley kernel and
 * the values are the constrained weighted least-squares fit of the paper.
 */
import { ValueError } from '../errors.js';
import { pickGenerator, type Generator } from '../random.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkBoolean, checkOptions, checkPositiveInteger } from '../validate.js';
import {
  batchedPredict, batchOf, checkSampleShape, checkTable, eachBatch, modelRunner, resolveTargets, runOptions, selectTargets,
  TARGET_OPTIONS, valuesOf, type ExplainableModel, type ModelRunner, type ProgressFunction, type TargetOptions,
} from './common.js';
import { weightedLeastSquares } from './least-squares.js';

/** Options of {@link kernelShap}. */
export interface KernelShapOptions extends TargetOptions {
  /** Rows [samples, features] standing for "feature unknown" (a few dozen training rows, or their k-means). Required. */
  background: Tensor;
  /** Coalitions evaluated per row when sampling (default 2048). */
  nSamples?: number;
  /**
   * Enumerate every coalition for exact Shapley values. Default: when the 2^features − 2 coalitions
   * are no more than nSamples. At most 20 features.
   */
  exact?: boolean;
  /** Seed of the sampled coalitions (default: the global generator). */
  seed?: number;
}

/** What {@link kernelShap} returns. */
export interface KernelShapResult {
  /** Shapley values [samples, features]: each row sums to its prediction − its expected value. */
  values: Tensor;
  /** Per row: E[f(background)] of the explained output (the value with no feature known). */
  expectedValue: number[];
  /** Per row: f(x) of the explained output. */
  prediction: number[];
  /** The output column explained for each row. */
  targets: number[];
  /** True if every coalition was enumerated (exact Shapley values). */
  exact: boolean;
}

const MAX_EXACT_FEATURES = 20;

/**
 * KernelSHAP values of each feature of each row of `x` (Lundberg & Lee, 2017). They add up exactly to
 * f(x) − E[f(background)] for each row.
 * ```ts
 * const shap = dn.explain.kernelShap(model, xTest.slice([0, 0], [1, 30]), { background: xTrain.slice([0, 0], [50, 30]), seed: 1 });
 * ```
 */
export function kernelShap(model: ExplainableModel, x: Tensor, options: KernelShapOptions): KernelShapResult {
  const where = 'explain.kernelShap';
  const o = checkOptions<KernelShapOptions>(where, options, [...TARGET_OPTIONS, 'background', 'nSamples', 'exact', 'seed']);
  const runner = modelRunner(where, model);
  const input = checkTable(where, 'x', x);
  if (o.background === undefined) throw new ValueError(`${where}: options.background is required (rows standing for unknown features, e.g. 50 training rows)`);
  const background = checkTable(where, 'background', o.background);
  checkSampleShape(where, 'background', background, input);
  const { batchSize, onProgress } = runOptions(where, o);
  const nSamples = o.nSamples === undefined ? 2048 : checkPositiveInteger(where, 'nSamples', o.nSamples);
  const [rows, features] = input.shape;
  const exact = o.exact === undefined ? 2 ** features - 2 <= nSamples : checkBoolean(where, 'exact', o.exact);
  if (exact && features > MAX_EXACT_FEATURES) {
    throw new ValueError(`${where}: exact Shapley values enumerate 2^features coalitions; ${features} features is more than ${MAX_EXACT_FEATURES}`);
  }
  if (!exact && features < 2) throw new ValueError(`${where}: sampling needs at least 2 features; use exact: true`);
  const generator = pickGenerator(where, { seed: o.seed });

  const prediction = batchedPredict(runner, input, batchSize);
  const targets = resolveTargets(where, o.target, rows, prediction);
  const fx = selectTargets(prediction, targets);
  const backgroundPrediction = batchedPredict(runner, background, batchSize);
  const values = new Float32Array(rows * features);
  const expectedValue: number[] = [];
  const data = valuesOf(input);
  const coalitionValue = coalitionValues(runner, valuesOf(background), background.shape[0], features, batchSize);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * features, (r + 1) * features);
    const target = targets[r];
    const empty = meanColumn(backgroundPrediction.values, backgroundPrediction.width, target);
    expectedValue.push(empty);
    const rowProgress: ProgressFunction | null = onProgress === null ? null : (done, total) => onProgress(r * total + done, rows * total);
    const phi = exact
      ? exactShapley(features, coalitionValue(row, target, allCoalitions(features), rowProgress))
      : sampledShapley(features, nSamples, generator, fx[r] - empty, empty, (masks) => coalitionValue(row, target, masks, rowProgress));
    values.set(phi, r * features);
  }
  return { values: makeTensor(values, [rows, features]), expectedValue, prediction: Array.from(fx), targets, exact };
}

/**
 * A function giving v(S) for coalitions S (bit masks as 0/1 arrays of length `features`): the
 * explained output averaged over the background rows with S's features replaced by the row's.
 */
function coalitionValues(runner: ModelRunner, background: Float32Array, backgroundRows: number, features: number, batchSize: number) {
  return (row: Float32Array, target: number, masks: readonly Uint8Array[], onProgress: ProgressFunction | null): Float64Array => {
    const result = new Float64Array(masks.length);
    const perBatch = Math.max(1, Math.floor(batchSize / backgroundRows));
    eachBatch(Math.ceil(masks.length / perBatch), onProgress, (b) => {
      const first = b * perBatch;
      const count = Math.min(perBatch, masks.length - first);
      const batch = new Float32Array(count * backgroundRows * features);
      for (let c = 0; c < count; c++) {
        const mask = masks[first + c];
        for (let k = 0; k < backgroundRows; k++) {
          const offset = (c * backgroundRows + k) * features;
          batch.set(background.subarray(k * features, (k + 1) * features), offset);
          for (let j = 0; j < features; j++) if (mask[j] === 1) batch[offset + j] = row[j];
        }
      }
      const out = runner.predict(batchOf(batch, count * backgroundRows, [features]));
      for (let c = 0; c < count; c++) {
        let total = 0;
        for (let k = 0; k < backgroundRows; k++) total += out.values[(c * backgroundRows + k) * out.width + target];
        result[first + c] = total / backgroundRows;
      }
    });
    return result;
  };
}

function meanColumn(values: Float32Array, width: number, column: number): number {
  const rows = values.length / width;
  let total = 0;
  for (let r = 0; r < rows; r++) total += values[r * width + column];
  return total / rows;
}

/** Every coalition, coalition number s holding feature j when bit j of s is set. */
function allCoalitions(features: number): Uint8Array[] {
  return Array.from({ length: 2 ** features }, (_, s) => Uint8Array.from({ length: features }, (_, j) => (s >> j) & 1));
}

/** Shapley values from v of every coalition: φ_j = Σ_{S ∌ j} |S|! (d − |S| − 1)! / d! · (v(S ∪ j) − v(S)). */
function exactShapley(features: number, v: Float64Array): Float64Array {
  const factorial = [1];
  for (let k = 1; k <= features; k++) factorial.push(factorial[k - 1] * k);
  const phi = new Float64Array(features);
  for (let s = 0; s < v.length; s++) {
    let size = 0;
    for (let j = 0; j < features; j++) size += (s >> j) & 1;
    const weight = (factorial[size] * factorial[features - size - 1]) / factorial[features];
    for (let j = 0; j < features; j++) {
      if ((s >> j) & 1) continue;
      phi[j] += weight * (v[s | (1 << j)] - v[s]);
    }
  }
  return phi;
}

/**
 * The KernelSHAP estimate from sampled coalitions. Sizes are drawn with the Shapley kernel's total
 * weight per size, ∝ (d − 1) / (s (d − s)), then a uniform subset of that size, and each coalition
 * comes with its complement (paired sampling), so every sample weighs the same in the fit. The
 * constraint Σ φ = f(x) − v(∅) is kept exactly by eliminating the last feature.
 */
function sampledShapley(
  features: number, nSamples: number, generator: Generator, total: number, empty: number,
  evaluate: (masks: Uint8Array[]) => Float64Array,
): Float64Array {
  const sizeWeights: number[] = [];
  for (let s = 1; s < features; s++) sizeWeights.push((features - 1) / (s * (features - s)));
  const weightSum = sizeWeights.reduce((a, b) => a + b, 0);
  const masks: Uint8Array[] = [];
  const order = Int32Array.from({ length: features }, (_, j) => j);
  while (masks.length < nSamples) {
    let pick = generator.uniform() * weightSum;
    let size = 1;
    while (size < features - 1 && pick >= sizeWeights[size - 1]) pick -= sizeWeights[size++ - 1];
    // A partial Fisher-Yates shuffle picks `size` distinct features.
    for (let k = 0; k < size; k++) {
      const other = k + generator.integer(0, features - k);
      [order[k], order[other]] = [order[other], order[k]];
    }
    const mask = new Uint8Array(features);
    for (let k = 0; k < size; k++) mask[order[k]] = 1;
    masks.push(mask, mask.map((bit) => 1 - bit));
  }
  const v = evaluate(masks);
  const last = features - 1;
  const columns = features - 1;
  const design = new Float64Array(masks.length * columns);
  const targets = new Float64Array(masks.length);
  masks.forEach((mask, m) => {
    for (let j = 0; j < columns; j++) design[m * columns + j] = mask[j] - mask[last];
    targets[m] = v[m] - empty - mask[last] * total;
  });
  const phi = new Float64Array(features);
  const solved = weightedLeastSquares(design, targets, new Float64Array(masks.length).fill(1), columns);
  let sum = 0;
  for (let j = 0; j < columns; j++) {
    phi[j] = solved[j];
    sum += solved[j];
  }
  phi[last] = total - sum;
  return phi;
}
