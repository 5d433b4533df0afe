// Metrics: lookup and errors, values against hand-computed ones, AUC against the exact ROC area.
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../lib/errors.js';
import { Accuracy, AUC, FunctionMetric, getMetric, METRIC_NAMES } from '../lib/metrics.js';

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
