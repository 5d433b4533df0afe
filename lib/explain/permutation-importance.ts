/**
 * Permutation importance (Breiman, 2001; scikit-learn's permutation_importance): how much a score
 * drops when one feature's column is shuffled, breaking its link to the labels.
 */
import { ShapeError, ValueError } from '../errors.js';
import { pickGenerator } from '../random.js';
import { type Tensor, toTensor } from '../tensor.js';
import { checkBoolean, checkChoice, checkOptions, checkPositiveInteger, formatShape, typeError } from '../validate.js';
import {
  batchedPredict, batchOf, checkTable, EXPLAIN_OPTIONS, eachBatch, modelRunner, runOptions, valuesOf, type ExplainableModel, type ExplainOptions,
} from './common.js';

/** A built-in score of predictions against labels. */
export type ImportanceMetricName = 'accuracy' | 'meanSquaredError' | 'meanAbsoluteError';

/** A score of predictions [rows, outputs] against labels (the `y` given), both row-major. */
export type ImportanceMetricFunction = (yTrue: Tensor, yPred: Tensor) => number;

/** Options of {@link permutationImportance}. */
export interface PermutationImportanceOptions extends ExplainOptions {
  /**
   * The score: 'accuracy' (the largest output against a class index or one-hot row; a one-column
   * output against 0/1 labels at 0.5), 'meanSquaredError', 'meanAbsoluteError', or a function
   * `(yTrue, yPred) => number`. Default: 'accuracy' if the model has several outputs or every label
   * is 0 or 1, else 'meanSquaredError'.
   */
  metric?: ImportanceMetricName | ImportanceMetricFunction;
  /** For a metric function: true (default) if larger scores are better. */
  higherIsBetter?: boolean;
  /** Shuffles per feature (default 5). */
  repeats?: number;
  /** Seed of the shuffles (default: the global generator). */
  seed?: number;
}

/** What {@link permutationImportance} returns. */
export interface PermutationImportanceResult {
  /** Per feature: the mean loss of score when it is shuffled (larger = more important). */
  importances: number[];
  /** Per feature: the standard deviation of that loss over the repeats. */
  std: number[];
  /** Per feature, per repeat: the loss of score. */
  raw: number[][];
  /** The score on the unshuffled data. */
  baselineScore: number;
  /** The metric used. */
  metric: string;
  /** Feature indices from most to least important. */
  ranking: number[];
}

const METRICS: readonly ImportanceMetricName[] = ['accuracy', 'meanSquaredError', 'meanAbsoluteError'];

/**
 * Permutation importance of each feature (column) of `x`: the score with the data as it is minus the
 * score with that column shuffled, averaged over `repeats` shuffles (for an error metric, the rise
 * of the error). Works with any model; it only calls it.
 * ```ts
 * const result = dn.explain.permutationImportance(model, xTest, yTest, { repeats: 10, seed: 1 });
 * result.ranking[0];   // the most important feature
 * ```
 * @param x a table [samples, features]
 * @param y the labels: class indices [samples], one-hot rows [samples, classes], or targets
 */
export function permutationImportance(model: ExplainableModel, x: Tensor, y: Tensor, options: PermutationImportanceOptions = {}): PermutationImportanceResult {
  const where = 'explain.permutationImportance';
  const o = checkOptions<PermutationImportanceOptions>(where, options, [...EXPLAIN_OPTIONS, 'metric', 'higherIsBetter', 'repeats', 'seed']);
  const runner = modelRunner(where, model);
  const input = checkTable(where, 'x', x);
  const labels = toTensor(where, 'y', y).cast('float32');
  if (labels.rank === 0 || labels.shape[0] !== input.shape[0]) {
    throw new ShapeError(`${where}: y must have one row per row of x (${input.shape[0]}), got shape ${formatShape(labels.shape)}`);
  }
  const { batchSize, onProgress } = runOptions(where, o);
  const repeats = o.repeats === undefined ? 5 : checkPositiveInteger(where, 'repeats', o.repeats);
  const generator = pickGenerator(where, { seed: o.seed });
  const [rows, features] = input.shape;
  const values = valuesOf(input);
  const labelValues = valuesOf(labels);
  const predict = (data: Float32Array): Tensor => {
    const { values: out, width } = batchedPredict(runner, batchOf(data, rows, [features]), batchSize);
    return batchOf(out, rows, [width]);
  };
  const baselinePrediction = predict(values);

  let score: (prediction: Tensor) => number;
  let higherIsBetter: boolean;
  let metricName: string;
  if (typeof o.metric === 'function') {
    const metric = o.metric;
    higherIsBetter = o.higherIsBetter === undefined ? true : checkBoolean(where, 'higherIsBetter', o.higherIsBetter);
    metricName = metric.name || 'custom';
    score = (prediction) => {
      const value = metric(labels, prediction);
      if (typeof value !== 'number' || Number.isNaN(value)) typeError(where, 'the value of metric', 'a number', value);
      return value;
    };
  } else {
    if (o.higherIsBetter !== undefined) throw new ValueError(`${where}: higherIsBetter is for a metric function; the built-in metrics know their direction`);
    const name = o.metric === undefined
      ? (baselinePrediction.shape[1] > 1 || labelValues.every((v) => v === 0 || v === 1) ? 'accuracy' : 'meanSquaredError')
      : checkChoice(where, 'metric', o.metric, METRICS);
    metricName = name;
    higherIsBetter = name === 'accuracy';
    score = (prediction) => builtInScore(where, name, labels, labelValues, prediction);
  }

  const baselineScore = score(baselinePrediction);
  const raw: number[][] = [];
  const shuffled = new Float32Array(values);
  eachBatch(features * repeats, onProgress, (b) => {
    const feature = Math.floor(b / repeats);
    const order = generator.permutation(rows);
    for (let r = 0; r < rows; r++) shuffled[r * features + feature] = values[order[r] * features + feature];
    const permuted = score(predict(shuffled));
    for (let r = 0; r < rows; r++) shuffled[r * features + feature] = values[r * features + feature];
    (raw[feature] ??= []).push(higherIsBetter ? baselineScore - permuted : permuted - baselineScore);
  });
  const importances = raw.map((drops) => drops.reduce((a, v) => a + v, 0) / repeats);
  const std = raw.map((drops, j) => Math.sqrt(drops.reduce((a, v) => a + (v - importances[j]) ** 2, 0) / repeats));
  const ranking = importances.map((_, j) => j).sort((a, b) => importances[b] - importances[a] || a - b);
  return { importances, std, raw, baselineScore, metric: metricName, ranking };
}

function builtInScore(where: string, metric: ImportanceMetricName, labels: Tensor, labelValues: Float32Array, prediction: Tensor): number {
  const rows = prediction.shape[0];
  const width = prediction.shape[1];
  const out = valuesOf(prediction);
  if (metric === 'accuracy') {
    const labelWidth = labels.size / rows;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const predicted = width === 1 ? Number(out[r] > 0.5) : argmaxOf(out, r * width, width);
      const actual = labelWidth === 1 ? Math.round(labelValues[r]) : argmaxOf(labelValues, r * labelWidth, labelWidth);
      if (predicted === actual) correct++;
    }
    return correct / rows;
  }
  if (labels.size !== prediction.size) {
    throw new ShapeError(`${where}: ${metric} needs labels of the model's output shape ${formatShape(prediction.shape)}, got shape ${formatShape(labels.shape)}`);
  }
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    const error = out[i] - labelValues[i];
    total += metric === 'meanSquaredError' ? error * error : Math.abs(error);
  }
  return total / out.length;
}

function argmaxOf(values: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[start + k] > values[start + best]) best = k;
  return best;
}
