// dendrite/tfjs: function-style tf.losses.* (with weights and each reduction) and tf.metrics.*, compared
// with @tensorflow/tfjs on the same inputs; the losses carry gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

function expectClose(actual: tf.Tensor, expected: real.Tensor, digits = 5): void {
  expect(actual.shape).toEqual(expected.shape);
  const e = expected.dataSync();
  Array.from(actual.dataSync()).forEach((v, i) => {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(e[i], digits);
  });
}

const labels = [[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]];
const probabilities = [[0.2, 0.7, 0.6], [0.9, 0.3, 0.1], [0.4, 0.8, 0.2], [0.3, 0.1, 0.95]];
const logits = [[-1.5, 2, 0.3], [3, -0.5, -2], [0.1, 1.2, -0.7], [-2, -1, 4]];
const weights = [[1], [0], [2], [0.5]];

describe('tf.losses as tfjs computes them', () => {
  const reductions = [undefined, real.Reduction.NONE, real.Reduction.SUM, real.Reduction.MEAN, real.Reduction.SUM_BY_NONZERO_WEIGHTS];
  const cases: [string, (w?: number[][], r?: number) => [tf.Tensor, real.Tensor]][] = [
    ['meanSquaredError', (w, r) => [tf.losses.meanSquaredError(labels, probabilities, w, r), real.losses.meanSquaredError(labels, probabilities, w, r)]],
    ['absoluteDifference', (w, r) => [tf.losses.absoluteDifference(labels, probabilities, w, r), real.losses.absoluteDifference(labels, probabilities, w, r)]],
    ['hingeLoss', (w, r) => [tf.losses.hingeLoss(labels, logits, w, r), real.losses.hingeLoss(labels, logits, w, r)]],
    ['huberLoss', (w, r) => [tf.losses.huberLoss(labels, logits, w, 0.8, r), real.losses.huberLoss(labels, logits, w, 0.8, r)]],
    ['logLoss', (w, r) => [tf.losses.logLoss(labels, probabilities, w, 1e-7, r), real.losses.logLoss(labels, probabilities, w, 1e-7, r)]],
    ['sigmoidCrossEntropy', (w, r) => [tf.losses.sigmoidCrossEntropy(labels, logits, w, 0.1, r), real.losses.sigmoidCrossEntropy(labels, logits, w, 0.1, r)]],
    ['softmaxCrossEntropy', (w, r) => [
      tf.losses.softmaxCrossEntropy(labels, logits, w?.map((row) => row[0]), 0.2, r), real.losses.softmaxCrossEntropy(labels, logits, w?.map((row) => row[0]), 0.2, r),
    ]],
    ['cosineDistance', (w, r) => [tf.losses.cosineDistance(labels, probabilities, 1, w, r), real.losses.cosineDistance(labels, probabilities, 1, w, r)]],
  ];
  for (const [name, run] of cases) {
    it(`${name}: unweighted, weighted, every reduction`, () => {
      for (const r of reductions) {
        for (const w of [undefined, weights]) {
          const [ours, theirs] = run(w, r);
          expectClose(ours, theirs, 4);
        }
      }
    });
  }

  it('computeWeightedLoss, mismatched shapes and gradients', () => {
    expectClose(tf.losses.computeWeightedLoss([[1, 2], [3, 4]], [[0], [2]]), real.losses.computeWeightedLoss(real.tensor2d([[1, 2], [3, 4]]), real.tensor2d([[0], [2]])));
    expect(() => tf.losses.meanSquaredError([1, 2], [1, 2, 3])).toThrow(tf.ShapeError);
    expect(() => tf.losses.computeWeightedLoss([1], undefined, 7 as never)).toThrow(/reduction/);
    const p = tf.tensor2d(logits);
    const leaf = tf.tensor(p.toArray(), { requiresGrad: true });
    tf.losses.softmaxCrossEntropy(labels, leaf).backward();
    expect(leaf.grad?.shape).toEqual([4, 3]);
  });
});

describe('tf.metrics as tfjs computes them', () => {
  const y = real.tensor2d(labels);
  const p = real.tensor2d(probabilities);
  it('per-row accuracies, errors and cross-entropies', () => {
    expectClose(tf.metrics.binaryAccuracy(labels, probabilities), real.metrics.binaryAccuracy(y, p));
    expectClose(tf.metrics.categoricalAccuracy([[0, 1, 0], [1, 0, 0]], [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]]), real.metrics.categoricalAccuracy(real.tensor2d([[0, 1, 0], [1, 0, 0]]), real.tensor2d([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])));
    expectClose(tf.metrics.sparseCategoricalAccuracy([1, 0], [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]]), real.metrics.sparseCategoricalAccuracy(real.tensor1d([1, 0]), real.tensor2d([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1]])));
    expectClose(tf.metrics.meanSquaredError(labels, probabilities), real.metrics.meanSquaredError(y, p));
    expectClose(tf.metrics.mse(labels, probabilities), real.metrics.MSE(y, p));
    expectClose(tf.metrics.meanAbsoluteError(labels, probabilities), real.metrics.meanAbsoluteError(y, p));
    expectClose(tf.metrics.binaryCrossentropy(labels, probabilities), real.metrics.binaryCrossentropy(y, p), 4);
    const softmax = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]];
    const oneHot = [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]];
    expectClose(tf.metrics.categoricalCrossentropy(oneHot, softmax), real.metrics.categoricalCrossentropy(real.tensor2d(oneHot), real.tensor2d(softmax)), 4);
  });

  it('precision and recall of 0/1 predictions', () => {
    const t = [1, 0, 1, 1, 0, 1];
    const q = [1, 1, 0, 1, 0, 0];
    expectClose(tf.metrics.precision(t, q), real.metrics.precision(real.tensor1d(t), real.tensor1d(q)));
    expectClose(tf.metrics.recall(t, q), real.metrics.recall(real.tensor1d(t), real.tensor1d(q)));
    expect(tf.metrics.precision([1, 0], [0, 0]).item()).toBe(0);
  });
});
