/**
 * LIME for tables (Ribeiro et al., 2016): perturb a row, weigh each perturbation by its closeness to
 * the row, and fit a weighted linear model of the explained output to the perturbations. Its
 * coefficients say how the model behaves near the row.
 */
import { pickGenerator } from '../random.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkNumber, checkOptions, checkPositiveInteger, valueError } from '../validate.js';
import {
  batchedPredict, batchOf, checkSampleShape, checkTable, eachBatch, modelRunner, resolveTargets, runOptions, selectTargets,
  TARGET_OPTIONS, valuesOf, type ExplainableModel, type TargetOptions,
} from './common.js';
import { weightedLeastSquares } from './least-squares.js';

/** Options of {@link lime}. */
export interface LimeOptions extends TargetOptions {
  /** Perturbed copies per row (default 1000; the first is the row itself). */
  nSamples?: number;
  /** Width of the exponential kernel over standardized distance (default 0.75 · √features, as LIME). */
  kernelWidth?: number;
  /**
   * Training rows whose per-feature standard deviation scales the perturbations and the distances.
   * Without it every feature is taken to have standard deviation 1 (standardized inputs).
   */
  background?: Tensor;
  /** Ridge penalty of the surrogate fit (default 1, as LIME's Ridge). */
  ridge?: number;
  /** Seed of the perturbations (default: the global generator). */
  seed?: number;
}

/** What {@link lime} returns. */
export interface LimeResult {
  /**
   * The surrogate's coefficients [samples, features]: the change of the explained output per
   * standard deviation of each feature, near each row.
   */
  coefficients: Tensor;
  /** Per row: the surrogate's intercept (its value at the row itself). */
  intercept: number[];
  /** Per row: the weighted R² of the surrogate on its perturbations (1 = the model is linear there). */
  score: number[];
  /** Per row: f(x) of the explained output. */
  prediction: number[];
  /** The output column explained for each row. */
  targets: number[];
}

/**
 * LIME explanations of each row of a table `x`: a linear surrogate fitted to `nSamples` Gaussian
 * perturbations of the row, weighted by sqrt(exp(−d² / kernelWidth²)) of their standardized distance d.
 * ```ts
 * const { coefficients } = dn.explain.lime(model, patient, { background: xTrain, seed: 1 });
 * ```
 */
export function lime(model: ExplainableModel, x: Tensor, options: LimeOptions = {}): LimeResult {
  const where = 'explain.lime';
  const o = checkOptions<LimeOptions>(where, options, [...TARGET_OPTIONS, 'nSamples', 'kernelWidth', 'background', 'ridge', 'seed']);
  const runner = modelRunner(where, model);
  const input = checkTable(where, 'x', x);
  const [rows, features] = input.shape;
  const { batchSize, onProgress } = runOptions(where, o);
  const nSamples = o.nSamples === undefined ? 1000 : checkPositiveInteger(where, 'nSamples', o.nSamples);
  const kernelWidth = o.kernelWidth === undefined ? 0.75 * Math.sqrt(features) : checkNumber(where, 'kernelWidth', o.kernelWidth);
  if (kernelWidth <= 0) valueError(where, 'kernelWidth', 'a number > 0', kernelWidth);
  const ridge = o.ridge === undefined ? 1 : checkNumber(where, 'ridge', o.ridge);
  if (ridge < 0) valueError(where, 'ridge', 'a number >= 0', ridge);
  const scale = new Float64Array(features).fill(1);
  if (o.background !== undefined) {
    const background = checkTable(where, 'background', o.background);
    checkSampleShape(where, 'background', background, input);
    const data = valuesOf(background);
    const n = background.shape[0];
    for (let j = 0; j < features; j++) {
      let mean = 0;
      for (let r = 0; r < n; r++) mean += data[r * features + j] / n;
      let variance = 0;
      for (let r = 0; r < n; r++) variance += (data[r * features + j] - mean) ** 2 / n;
      scale[j] = Math.sqrt(variance);
    }
  }
  const generator = pickGenerator(where, { seed: o.seed });
  const predictions = batchedPredict(runner, input, batchSize);
  const targets = resolveTargets(where, o.target, rows, predictions);
  const data = valuesOf(input);
  const coefficients = new Float32Array(rows * features);
  const intercept: number[] = [];
  const score: number[] = [];
  eachBatch(rows, onProgress, (r) => {
    const noise = new Float64Array(nSamples * features);
    const perturbed = new Float32Array(nSamples * features);
    const weights = new Float64Array(nSamples);
    for (let k = 0; k < nSamples; k++) {
      let squared = 0;
      for (let j = 0; j < features; j++) {
        const e = k === 0 ? 0 : generator.normal(0, 1);
        noise[k * features + j] = e;
        perturbed[k * features + j] = data[r * features + j] + e * scale[j];
        squared += e * e;
      }
      weights[k] = Math.sqrt(Math.exp(-squared / (kernelWidth * kernelWidth)));
    }
    const out = batchedPredict(runner, batchOf(perturbed, nSamples, [features]), batchSize);
    const y = Float64Array.from({ length: nSamples }, (_, k) => out.values[k * out.width + targets[r]]);
    const fit = weightedLinearFit(noise, y, weights, features, ridge);
    coefficients.set(fit.coefficients, r * features);
    intercept.push(fit.intercept);
    score.push(fit.score);
  });
  return {
    coefficients: makeTensor(coefficients, [rows, features]), intercept, score,
    prediction: Array.from(selectTargets(predictions, targets)), targets,
  };
}

/** A weighted ridge fit with an unpenalized intercept (centre by the weighted means, then solve). */
function weightedLinearFit(x: Float64Array, y: Float64Array, w: Float64Array, columns: number, ridge: number) {
  const rows = y.length;
  let weightSum = 0;
  for (const v of w) weightSum += v;
  const meanX = new Float64Array(columns);
  let meanY = 0;
  for (let r = 0; r < rows; r++) {
    meanY += (w[r] * y[r]) / weightSum;
    for (let j = 0; j < columns; j++) meanX[j] += (w[r] * x[r * columns + j]) / weightSum;
  }
  const centred = Float64Array.from(x, (v, i) => v - meanX[i % columns]);
  const centredY = Float64Array.from(y, (v) => v - meanY);
  const coefficients = weightedLeastSquares(centred, centredY, w, columns, ridge);
  let intercept = meanY;
  for (let j = 0; j < columns; j++) intercept -= coefficients[j] * meanX[j];
  let residual = 0;
  let spread = 0;
  for (let r = 0; r < rows; r++) {
    let fitted = 0;
    for (let j = 0; j < columns; j++) fitted += coefficients[j] * centred[r * columns + j];
    residual += w[r] * (centredY[r] - fitted) ** 2;
    spread += w[r] * centredY[r] ** 2;
  }
  return { coefficients, intercept, score: spread === 0 ? 1 : 1 - residual / spread };
}
