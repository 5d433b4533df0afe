// tf.multinomial: shapes and dtype as tfjs, frequencies that follow the softmax (or the given
// probabilities), seeds that repeat, huge logits (a temperature near 0) that pick the largest.
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

describe('tf.multinomial', () => {
  it('has tfjs\'s shapes and dtype for rank 1 and 2 logits', () => {
    for (const logits of [[0.1, 0.5, 0.2], [[0.1, 0.5, 0.2], [1, 0, 0]]]) {
      const mine = tf.multinomial(tf.tensor(logits), 4);
      const theirs = real.multinomial(real.tensor(logits) as real.Tensor1D, 4);
      expect(mine.shape).toEqual(theirs.shape);
      expect(mine.dtype).toBe(theirs.dtype);
    }
  });

  it('draws each class about as often as its softmax probability, and normalized probabilities as given', () => {
    const n = 20000;
    const counts = (t: dn.Tensor): number[] => {
      const c = [0, 0, 0];
      for (const v of t.dataSync()) c[v]++;
      return c.map((k) => k / n);
    };
    const logits = [Math.log(0.2), Math.log(0.5), Math.log(0.3)];
    counts(tf.multinomial(tf.tensor1d(logits), n, 1)).forEach((f, i) => expect(f).toBeCloseTo([0.2, 0.5, 0.3][i], 1));
    counts(tf.multinomial(tf.tensor1d([0.7, 0, 0.3]), n, 2, true)).forEach((f, i) => expect(f).toBeCloseTo([0.7, 0, 0.3][i], 1));
    expect(counts(tf.multinomial(tf.tensor1d([0.7, 0, 0.3]), n, 2, true))[1]).toBe(0);
  });

  it('repeats with a seed or dn.seed, and picks the largest logit at a temperature near 0', () => {
    const logits = tf.tensor2d([[1, 2, 3, 4], [4, 3, 2, 1]]);
    expect(tf.multinomial(logits, 10, 7).toArray()).toEqual(tf.multinomial(logits, 10, 7).toArray());
    dn.seed(3);
    const first = tf.multinomial(logits, 10).toArray();
    dn.seed(3);
    expect(tf.multinomial(logits, 10).toArray()).toEqual(first);
    const sharp = tf.div(tf.log(tf.tensor1d([0.1, 0.6, 0.3])), 1e-6);
    expect(Array.from(tf.multinomial(sharp, 5).dataSync())).toEqual([1, 1, 1, 1, 1]);
  });

  it('names bad arguments', () => {
    expect(() => tf.multinomial(tf.tensor3d([1, 2], [1, 1, 2]), 1)).toThrow(/rank 1 or 2/);
    expect(() => tf.multinomial(tf.tensor1d([1, 2]), 0)).toThrow(/numSamples/);
    expect(() => tf.multinomial(tf.tensor1d([1]), 1)).toThrow(/2 classes/);
    expect(() => tf.multinomial(tf.tensor1d([1, 2], 'int32'), 1)).toThrow(/float32/);
    expect(() => tf.multinomial(tf.tensor1d([1, 2]), 1, 1.5)).toThrow(/seed/);
  });
});
