// Metrics: lookup and errors, values against hand-computed ones, AUC against the exact ROC area.
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../lib/errors.js';
import { Accuracy, AUC, deserializeMetric, FunctionMetric, getMetric, METRIC_NAMES, serializeMetric } from '../lib/metrics.js';

describe('metrics: should throw', () => {
  it('lists the valid names for an unknown one', () => {
    expect(() => getMetric('accuracyy')).toThrow(ValueError);
    expect(() => getMetric('accuracyy')).toThrow(/unknown metric 'accuracyy' \(did you mean 'accuracy'\?\); expected one of 'accuracy', 'acc', /);
    expect(() => getMetric(3 as never)).toThrow(ArgumentTypeError);
  });

  it('validates options and shapes', () => {
    expect(() => dn.metrics.precision({ threshold: 2 })).toThrow(/precision: threshold must be a number in \[0, 1\], got 2/);
    expect(() => dn.metrics.auc({ numThresholds: 2 })).toThrow(ValueError);
    expect(() => dn.metrics.recall({ treshold: 0.5 } as never)).toThrow(/did you mean 'threshold'/);
    const m = dn.metrics.binaryAccuracy();
    expect(() => m.update(dn.zeros([3, 1]), dn.zeros([4, 1]))).toThrow(ShapeError);
    expect(() => dn.metrics.sparseCategoricalAccuracy().update(dn.zeros([3]), dn.zeros([4, 2]))).toThrow(/one label per row/);
    expect(() => dn.metrics.categoricalAccuracy().update(dn.zeros([4]), dn.zeros([4, 2]))).toThrow(ShapeError);
  });
});

describe('metrics', () => {
  it('binary accuracy thresholds at 0.5 and accumulates over batches', () => {
    const m = dn.metrics.binaryAccuracy();
    m.update(dn.tensor([[1], [0], [1]]), dn.tensor([[0.9], [0.6], [0.4]]));
    expect(m.result()).toBeCloseTo(1 / 3, 6);
    m.update(dn.tensor([[0]]), dn.tensor([[0.1]]));
    expect(m.result()).toBeCloseTo(2 / 4, 6);
    m.reset();
    expect(m.result()).toBeNaN();
  });

  it('categorical and sparse accuracy use the arg-max', () => {
    const pred = dn.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]]);
    const categorical = dn.metrics.categoricalAccuracy();
    categorical.update(dn.tensor([[0, 1, 0], [0, 0, 1], [0, 0, 1]]), pred);
    expect(categorical.result()).toBeCloseTo(2 / 3, 6);
    const sparse = dn.metrics.sparseCategoricalAccuracy();
    sparse.update(dn.tensor([1, 2, 2], { dtype: 'int32' }), pred);
    expect(sparse.result()).toBeCloseTo(2 / 3, 6);
  });

  it("'accuracy' chooses its kind from the shapes when the loss does not decide", () => {
    const binary = new Accuracy();
    binary.update(dn.tensor([[1], [0]]), dn.tensor([[0.8], [0.7]]));
    expect(binary.resolvedKind).toBe('binary');
    expect(binary.result()).toBe(0.5);
    const sparse = new Accuracy();
    sparse.update(dn.tensor([0, 1]), dn.tensor([[0.9, 0.1], [0.8, 0.2]]));
    expect(sparse.resolvedKind).toBe('sparse');
    const categorical = new Accuracy();
    categorical.update(dn.tensor([[1, 0], [0, 1]]), dn.tensor([[0.9, 0.1], [0.8, 0.2]]));
    expect(categorical.resolvedKind).toBe('categorical');
    expect(categorical.result()).toBe(0.5);
  });

  it('precision and recall count thresholded predictions (0 when undefined, as in Keras)', () => {
    const yTrue = dn.tensor([1, 1, 0, 0, 1]);
    const yPred = dn.tensor([0.9, 0.2, 0.8, 0.1, 0.7]);
    const p = dn.metrics.precision();
    const r = dn.metrics.recall();
    p.update(yTrue, yPred);
    r.update(yTrue, yPred);
    expect(p.result()).toBeCloseTo(2 / 3, 6);
    expect(r.result()).toBeCloseTo(2 / 3, 6);
    const strict = dn.metrics.precision({ threshold: 0.95 });
    strict.update(yTrue, yPred);
    expect(strict.result()).toBe(0);
  });

  it('AUC approaches the exact ROC area (within 0.01 with 200 thresholds)', () => {
    const generator = new dn.Generator(5);
    const n = 2000;
    const labels = new Float32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = generator.uniform() < 0.4 ? 1 : 0;
      // Overlapping score distributions: positives higher on average.
      scores[i] = Math.min(1, Math.max(0, (labels[i] ? 0.6 : 0.4) + 0.2 * generator.normal()));
    }
    // Exact AUC: the probability that a positive outranks a negative (ties count half).
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (!labels[i]) continue;
      for (let j = 0; j < n; j++) {
        if (labels[j]) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    const m = new AUC();
    m.update(dn.tensor(labels.subarray(0, 1000)), dn.tensor(scores.subarray(0, 1000)));
    m.update(dn.tensor(labels.subarray(1000)), dn.tensor(scores.subarray(1000)));
    expect(Math.abs(m.result() - wins / pairs)).toBeLessThan(0.01);
    const perfect = new AUC();
    perfect.update(dn.tensor([0, 0, 1, 1]), dn.tensor([0.1, 0.2, 0.8, 0.9]));
    expect(perfect.result()).toBeCloseTo(1, 6);
    const inverted = new AUC();
    inverted.update(dn.tensor([1, 1, 0, 0]), dn.tensor([0.1, 0.2, 0.8, 0.9]));
    expect(inverted.result()).toBeCloseTo(0, 6);
  });

  it("AUC with curve: 'PR' interpolates as Keras (its test values), and approaches the average precision", () => {
    expect(() => dn.metrics.auc({ curve: 'pr' as never })).toThrow(/unknown curve 'pr' \(did you mean 'PR'\?\)/);
    // Keras AUCTest, three thresholds: y_pred [0, 0.5, 0.3, 0.9], y_true [0, 0, 1, 1].
    const unweighted = new AUC({ numThresholds: 3, curve: 'PR' });
    unweighted.update(dn.tensor([0, 0, 1, 1]), dn.tensor([0, 0.5, 0.3, 0.9]));
    // TP = [2, 1, 0], P = [4, 1, 0]: (1/3)(1 + (2/3) ln 4) / 2 + 1 / 2.
    expect(unweighted.result()).toBeCloseTo(((1 / 3) * (1 + (2 / 3) * Math.log(4))) / 2 + 0.5, 6);
    // test_weighted_pr_interpolation, sample weights [1, 2, 3, 4] as repeated samples: 2.416 / 7 + 4 / 7.
    const weighted = new AUC({ numThresholds: 3, curve: 'PR' });
    weighted.update(dn.tensor([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]), dn.tensor([0, 0.5, 0.5, 0.3, 0.3, 0.3, 0.9, 0.9, 0.9, 0.9]));
    expect(weighted.result()).toBeCloseTo((0.5 * (3 + 2 * Math.log(2.5)) + 4) / 7, 6);
    expect(weighted.getConfig()).toMatchObject({ curve: 'PR', numThresholds: 3 });
    // The same with the weights given as weights (Keras' sample_weight).
    const direct = new AUC({ numThresholds: 3, curve: 'PR' });
    direct.update(dn.tensor([0, 0, 1, 1]), dn.tensor([0, 0.5, 0.3, 0.9]), [1, 2, 3, 4]);
    expect(direct.result()).toBeCloseTo((0.5 * (3 + 2 * Math.log(2.5)) + 4) / 7, 6);
    // With many thresholds it approaches the average precision of distinct scores, and stays below 1 on rare positives.
    const generator = new dn.Generator(8);
    const n = 4000;
    const labels = new Float32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = generator.uniform() < 0.05 ? 1 : 0;
      scores[i] = 1 / (1 + Math.exp(-((labels[i] ? 1.5 : -1.5) + generator.normal())));
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
    let truePositives = 0;
    let averagePrecision = 0;
    const positives = labels.reduce((a, b) => a + b, 0);
    order.forEach((i, rank) => {
      if (!labels[i]) return;
      truePositives++;
      averagePrecision += truePositives / (rank + 1) / positives;
    });
    const pr = new AUC({ curve: 'PR', numThresholds: 1000 });
    pr.update(dn.tensor(labels), dn.tensor(scores));
    expect(Math.abs(pr.result() - averagePrecision)).toBeLessThan(0.02);
    const roc = new AUC({ numThresholds: 1000 });
    roc.update(dn.tensor(labels), dn.tensor(scores));
    expect(pr.result()).toBeLessThan(roc.result());
    const empty = new AUC({ curve: 'PR' });
    empty.update(dn.tensor([0, 0]), dn.tensor([0.2, 0.7]));
    expect(empty.result()).toBe(0);
  });

  it('mse and mae average per-sample means', () => {
    const mse = getMetric('mse');
    mse.update(dn.tensor([[0, 1], [0, 0]]), dn.tensor([[1, 1], [1, 0]]));
    expect(mse.name).toBe('mse');
    expect(mse.result()).toBeCloseTo(0.5, 6);
    const mae = getMetric('meanAbsoluteError');
    mae.update(dn.tensor([1, 2]), dn.tensor([2, 4]));
    expect(mae.result()).toBeCloseTo(1.5, 6);
  });

  it('averages a metric function over batches weighted by their size', () => {
    const m = getMetric(function maxError(a: dn.Tensor, b: dn.Tensor) { return a.sub(b).abs().max(); });
    expect(m).toBeInstanceOf(FunctionMetric);
    expect(m.name).toBe('maxError');
    m.update(dn.tensor([0, 0, 0]), dn.tensor([1, 2, 3]));
    m.update(dn.tensor([0]), dn.tensor([7]));
    expect(m.result()).toBeCloseTo((3 * 3 + 7) / 4, 6);
  });

  it('gives every name a fresh metric, and fresh copies of objects', () => {
    // Every name resolves, and logs under the name it was given.
    for (const name of METRIC_NAMES) expect(getMetric(name).name).toBe(name);
    expect(getMetric('acc')).not.toBe(getMetric('acc'));
    const p = dn.metrics.precision({ threshold: 0.3, name: 'p30' });
    const copy = getMetric(p);
    expect(copy).not.toBe(p);
    expect(copy.getConfig()).toEqual({ name: 'p30', threshold: 0.3 });
  });
});

describe('metrics: should throw (top-k, R², losses as metrics, weights)', () => {
  it('validates the new metrics\' options and shapes', () => {
    expect(() => dn.metrics.topKCategoricalAccuracy({ k: 0 })).toThrow(/topKCategoricalAccuracy: k must be an integer/);
    expect(() => dn.metrics.sparseTopKCategoricalAccuracy({ fromSortedIds: 1 as never })).toThrow(ArgumentTypeError);
    // Keras 3 regression_metrics_test.py › R2ScoreTest › test_errors.
    expect(() => dn.metrics.r2Score({ classAggregation: 'wrong' as never })).toThrow(/unknown classAggregation 'wrong'/);
    expect(() => dn.metrics.r2Score({ numRegressors: -1 })).toThrow(ValueError);
    expect(() => dn.metrics.r2Score().update(dn.zeros([2, 2, 2]), dn.zeros([2, 2, 2]))).toThrow(ShapeError);
    const r2 = dn.metrics.r2Score();
    r2.update(dn.zeros([2, 2]), dn.zeros([2, 2]));
    expect(() => r2.update(dn.zeros([2, 3]), dn.zeros([2, 3]))).toThrow(/expected 2 outputs as in earlier batches/);
    expect(() => dn.metrics.hinge({ reduction: 'sum' })).toThrow(/a metric takes no reduction/);
    expect(() => dn.metrics.binaryCrossentropy({ fromLogit: true })).toThrow(/did you mean 'fromLogits'/);
    expect(() => dn.metrics.binaryAccuracy().update(dn.zeros([2, 2]), dn.zeros([2, 2]), dn.ones([3]))).toThrow(
      'binaryAccuracy: sampleWeight must be a scalar, hold one weight per sample (shape [2]) or broadcast to the per-row losses (shape [2, 2]), got shape [3]',
    );
  });
});

/** |actual - expected| <= atol, the tolerance of Keras' assertAllClose. */
function expectNear(actual: number, expected: number, atol: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(atol);
}

describe('metrics: top-k, R², losses as metrics, sample weights', () => {
  it('weights accuracy as Keras does: per sample, per element, broadcast', () => {
    // Keras 3 accuracy_metrics_test.py › BinaryAccuracyTest › test_weighted, test_weighted_nd_weights,
    // test_weighted_nd_broadcast_weights; CategoricalAccuracyTest and SparseCategoricalAccuracyTest › test_weighted.
    const binary = (yTrue: number[][], yPred: number[][], w: dn.TensorLike): number => {
      const m = dn.metrics.binaryAccuracy();
      m.update(dn.tensor(yTrue), dn.tensor(yPred), w);
      return m.result();
    };
    expect(binary([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1])).toBeCloseTo(0.5, 6);
    expect(binary([[1, 1], [0, 0]], [[0.98, 1], [0, 0.6]], [[1, 0], [0, 1]])).toBeCloseTo(0.5, 6);
    expect(binary([[1, 1], [0, 0]], [[0.98, 1], [0, 0.6]], [[1, 0]])).toBeCloseTo(1, 6);
    const categorical = dn.metrics.categoricalAccuracy();
    categorical.update(dn.tensor([[0, 0, 1], [0, 1, 0]]), dn.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), [0.7, 0.3]);
    expect(categorical.result()).toBeCloseTo(0.3, 6);
    const sparse = dn.metrics.sparseCategoricalAccuracy();
    sparse.update(dn.tensor([[2], [1]]), dn.tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]), [0.7, 0.3]);
    expect(sparse.result()).toBeCloseTo(0.3, 6);
    // The weighted mean divides by the weights' sum, across batches.
    sparse.update(dn.tensor([1]), dn.tensor([[0, 1, 0]]), 0.4);
    expect(sparse.result()).toBeCloseTo((0.3 + 0.4) / 1.4, 6);
  });

  it('top-k accuracy matches Keras\' values, ties at the boundary counting as hits', () => {
    // Keras 3 accuracy_metrics_test.py › TopKCategoricalAccuracyTest and SparseTopKCategoricalAccuracyTest.
    const yPred = dn.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
    const topK = dn.metrics.topKCategoricalAccuracy({ k: 1 });
    topK.update(dn.tensor([[0, 0, 1], [0, 1, 0]]), yPred);
    expect(topK.result()).toBeCloseTo(0.5, 6);
    topK.reset();
    topK.update(dn.tensor([[0, 0, 1], [0, 1, 0]]), yPred, [0.7, 0.3]);
    expect(topK.result()).toBeCloseTo(0.3, 6);
    const sparse = dn.metrics.sparseTopKCategoricalAccuracy({ k: 1 });
    sparse.update(dn.tensor([2, 1]), yPred, [0.7, 0.3]);
    expect(sparse.result()).toBeCloseTo(0.3, 6);
    const sorted = dn.metrics.sparseTopKCategoricalAccuracy({ k: 1, fromSortedIds: true });
    sorted.update(dn.tensor([2, 1]), dn.tensor([[1, 0, 3], [1, 2, 3]]));
    expect(sorted.result()).toBeCloseTo(0.5, 6);
    sorted.reset();
    sorted.update(dn.tensor([2, 1]), dn.tensor([[1, 0, 3], [1, 2, 3]]), [0.7, 0.3]);
    expect(sorted.result()).toBeCloseTo(0.3, 6);
    // k defaults to 5 (Keras); with k = 2 the second-highest class is a hit; a tie at the boundary is too.
    expect(dn.metrics.topKCategoricalAccuracy().k).toBe(5);
    const two = dn.metrics.sparseTopKCategoricalAccuracy({ k: 2 });
    two.update(dn.tensor([2, 0, 1]), dn.tensor([[0.1, 0.9, 0.8], [0.5, 0.5, 0.5], [0.6, 0.1, 0.3]]));
    expect(two.result()).toBeCloseTo(2 / 3, 6);
    expect(getMetric('top_k_categorical_accuracy').className).toBe('TopKCategoricalAccuracy');
  });

  it('R² matches Keras\' values (scikit-learn and TensorFlow Addons comparisons)', () => {
    // Keras 3 regression_metrics_test.py › R2ScoreTest › test_r2_sklearn_comparison and test_r2_tfa_comparison.
    const r2 = (yTrue: number[][], yPred: number[][], options: dn.metrics.R2ScoreOptions, weights?: number[]): number => {
      const m = dn.metrics.r2Score(options);
      m.update(dn.tensor(yTrue), dn.tensor(yPred), weights);
      return m.result();
    };
    const yTrue = [[0, 0, 1], [0, 1, 0], [1, 0, 0]];
    expect(r2(yTrue, [[0.4, 0.5, 0.6], [0.1, 0.2, 0.3], [0.5, 0.8, 0.2]], {})).toBeCloseTo(-0.12, 5);
    expect(r2(yTrue, [[0.4, 0.5, 0.6], [0.1, 0.2, 0.3], [0.5, 0.8, 0.2]], { classAggregation: 'varianceWeightedAverage' })).toBeCloseTo(-0.12, 5);
    const tfa = [[0.4, 0.9, 1.6], [0.1, 1.2, 0.6], [1.5, 0.8, 0.6]];
    const weights = [0.8, 0.1, 0.4];
    expect(r2(yTrue, tfa, {}, weights)).toBeCloseTo(-3.0615367889404297, 5);
    expect(r2(yTrue, tfa, { numRegressors: 1 }, weights)).toBeCloseTo(-7.123073577880859, 5);
    expect(r2(yTrue, tfa, { numRegressors: 2 }, weights)).toBeCloseTo(-3.0615367889404297, 5);
    expect(r2(yTrue, tfa, { classAggregation: 'varianceWeightedAverage' }, weights)).toBeCloseTo(-1.3710224628448486, 5);
    expect(r2(yTrue, tfa, { classAggregation: 'varianceWeightedAverage', numRegressors: 1 }, weights)).toBeCloseTo(-3.742044448852539, 5);
    // The docstring example: one output, over two batches.
    const m = dn.metrics.r2Score();
    m.update(dn.tensor([[1], [4]]), dn.tensor([[2], [4]]));
    m.update(dn.tensor([3]), dn.tensor([4]));
    expect(m.result()).toBeCloseTo(0.57142854, 5);
  });

  it('every loss is a metric: the weighted mean of its per-sample value, with the loss\'s options', () => {
    const metric = (name: string, yTrue: dn.TensorLike, yPred: dn.TensorLike, weights?: dn.TensorLike, options: Record<string, unknown> = {}): number => {
      const m = name in dn.metrics ? (dn.metrics[name as 'hinge'] as (o: Record<string, unknown>) => dn.Metric)(options) : getMetric(name);
      m.update(dn.tensor(yTrue), dn.tensor(yPred), weights);
      return m.result();
    };
    // Keras 3 probabilistic_metrics_test.py › BinaryCrossentropyTest, CategoricalCrossentropyTest,
    // SparseCategoricalCrossentropyTest, KLDivergenceTest (atol 1e-3 there).
    expectNear(metric('binaryCrossentropy', [[1, 0], [1, 0]], [[1, 1], [1, 0]]), 3.9855, 1e-3);
    expectNear(metric('binaryCrossentropy', [[1, 0, 1], [0, 1, 1]], [[10, -10, 10], [10, 10, -10]], undefined, { fromLogits: true }), 3.333, 1e-3);
    expectNear(metric('binaryCrossentropy', [[1, 0], [1, 0]], [[1, 1], [1, 0]], [1.5, 2]), 3.4162, 1e-3);
    expectNear(metric('binaryCrossentropy', [[1, 0, 1], [0, 1, 1]], [[10, -10, 10], [10, 10, -10]], [2, 2.5], { fromLogits: true }), 3.7037, 1e-3);
    expectNear(metric('binaryCrossentropy', [[1, 0, 1]], [[10, -10, -10]], undefined, { fromLogits: true, labelSmoothing: 0.1 }), (10 + 5 * 0.1) / 3, 1e-3);
    expectNear(metric('categoricalCrossentropy', [[0, 1, 0], [0, 0, 1]], [[1, 9, 0], [1, 8, 1]], undefined, { fromLogits: true }), 3.5011, 1e-3);
    expectNear(metric('categoricalCrossentropy', [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), 1.176, 1e-3);
    expectNear(metric('categoricalCrossentropy', [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [1.5, 2]), 1.338, 1e-3);
    expectNear(metric('sparseCategoricalCrossentropy', [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [1.5, 2]), 1.338, 1e-3);
    const t = [0.5, 0.8, 0.12, 0.7, 0.43, 0.8];
    const p = [0.4, 0.9, 0.12, 0.36, 0.3, 0.4];
    const kl = t.map((v, i) => v * Math.log(v / p[i]));
    const rowSums = [kl[0] + kl[1] + kl[2], kl[3] + kl[4] + kl[5]];
    expectNear(metric('kld', [t.slice(0, 3), t.slice(3)], [p.slice(0, 3), p.slice(3)], [[1.2], [3.4]]), (1.2 * rowSums[0] + 3.4 * rowSums[1]) / 4.6, 1e-3);
    // Keras 3 hinge_metrics_test.py › HingeTest, SquaredHingeTest, CategoricalHingeTest.
    const scores = [[-0.3, 0.2, -0.1, 1.6], [-0.25, -1, 0.5, 0.6]];
    expectNear(metric('hinge', [[0, 1, 0, 1], [0, 0, 1, 1]], scores), 0.506, 1e-3);
    expectNear(metric('hinge', [[-1, 1, -1, 1], [-1, -1, 1, 1]], scores, [1.5, 2]), 0.493, 1e-3);
    expectNear(metric('squaredHinge', [[0, 1, 0, 1], [0, 0, 1, 1]], scores), 0.364, 1e-3);
    expectNear(metric('squaredHinge', [[-1, 1, -1, 1], [-1, -1, 1, 1]], scores, [1.5, 2]), 0.347, 1e-3);
    const multiHot = [[0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]];
    const guesses = [[0, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0], [1, 1, 1, 1, 1]];
    expect(metric('categoricalHinge', multiHot, guesses)).toBeCloseTo(0.5, 5);
    expect(metric('categoricalHinge', multiHot, guesses, [1, 1.5, 2, 2.5])).toBeCloseTo(0.5, 5);
    // Keras 3 regression_metrics_test.py › MeanAbsolutePercentageErrorTest (values of order 1e9 from the epsilon).
    expect(metric('mape', multiHot, guesses) / 35e7).toBeCloseTo(1, 6);
    expect(metric('meanAbsolutePercentageError', multiHot, guesses, [1, 1.5, 2, 2.5]) / 40e7).toBeCloseTo(1, 6);
    // Keras 3 regression_metrics_test.py › LogCoshErrorTest › test_weighted.
    const logcosh = [3, -1, 10, 13, 3, -3].map((x) => Math.log(Math.cosh(x)));
    const weighted = logcosh.map((v, i) => v * (i < 3 ? 1.2 : 3.4)).reduce((a, b) => a + b, 0) / (3 * 1.2 + 3 * 3.4);
    expectNear(metric('log_cosh_error', [[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]], [[1.2], [3.4]]), weighted, 1e-3);
    // Cosine similarity as a metric is the similarity (Keras' metric), the loss its negative.
    expect(metric('cosineSimilarity', [[1, 0], [1, 0]], [[1, 1], [0, 1]])).toBeCloseTo(Math.SQRT1_2 / 2, 6);
    expect(metric('cosine', [[1, 0]], [[2, 0]])).toBeCloseTo(1, 6);
    expect(metric('poisson', [[2]], [[1]])).toBeCloseTo(1, 6);
    expect(metric('msle', [[0, 1]], [[1, 1]])).toBeCloseTo(Math.log(2) ** 2 / 2, 5);
    expect(metric('huber', [[0]], [[3]])).toBeCloseTo(2.5, 6);
  });

  it('crossentropy (tfjs) follows the loss like accuracy, and logs under the name asked', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['ce', 'crossentropy', 'sparse_top_k_categorical_accuracy', 'sparse_categorical_crossentropy'] });
    const logs = await model.evaluate(dn.tensor([[1, 2], [3, 4]]), dn.tensor([0, 2]));
    // Zero weights: every class at 1/3.
    expect(logs.ce).toBeCloseTo(Math.log(3), 5);
    expect(logs.crossentropy).toBeCloseTo(Math.log(3), 5);
    expect(logs.sparse_top_k_categorical_accuracy).toBe(1);
    expect(logs.sparse_categorical_crossentropy).toBeCloseTo(Math.log(3), 5);
    expect(Object.keys(logs)).toEqual(['loss', 'ce', 'crossentropy', 'sparse_top_k_categorical_accuracy', 'sparse_categorical_crossentropy']);
    const binary = dn.metrics.crossentropy();
    binary.update(dn.tensor([[1], [0]]), dn.tensor([[0.9], [0.2]]));
    expect(binary.resolvedKind).toBe('binary');
    expect(binary.result()).toBeCloseTo(dn.losses.binaryCrossentropy(dn.tensor([[1], [0]]), dn.tensor([[0.9], [0.2]])).item(), 6);
  });

  it('saves and rebuilds the new metrics, keeping their options', () => {
    const originals = [
      dn.metrics.topKCategoricalAccuracy({ k: 3 }), dn.metrics.sparseTopKCategoricalAccuracy({ k: 2, fromSortedIds: true }),
      dn.metrics.r2Score({ classAggregation: 'varianceWeightedAverage', numRegressors: 1 }), dn.metrics.binaryCrossentropy({ fromLogits: true, name: 'bce' }),
      dn.metrics.kullbackLeiblerDivergence(), dn.metrics.cosineSimilarity({ name: 'cos' }), dn.metrics.huber({ delta: 2 }), dn.metrics.crossentropy({ kind: 'sparse' }),
    ];
    for (const original of originals) {
      const saved = serializeMetric(original)!;
      expect(saved).not.toBeNull();
      for (const copy of [deserializeMetric(JSON.parse(JSON.stringify(saved))), getMetric(original)]) {
        expect(copy.constructor).toBe(original.constructor);
        expect(copy.name).toBe(original.name);
        expect(copy.getConfig()).toEqual(original.getConfig());
      }
    }
    const cosine = getMetric(dn.metrics.cosineSimilarity());
    cosine.update(dn.tensor([[1, 0]]), dn.tensor([[3, 0]]));
    expect(cosine.result()).toBeCloseTo(1, 6);
  });

  it('weights function metrics per sample', () => {
    const m = new FunctionMetric((yTrue, yPred) => dn.abs(dn.sub(yTrue, yPred)).reshape([-1]), 'absolute');
    m.update(dn.tensor([0, 0, 0]), dn.tensor([1, 2, 3]), [1, 0, 3]);
    expect(m.result()).toBeCloseTo((1 + 9) / 4, 6);
    expect(() => new FunctionMetric(() => dn.zeros([2, 2])).update(dn.zeros([3]), dn.zeros([3]), [1, 1, 1])).toThrow(/sampleWeight must be a scalar/);
  });
});
