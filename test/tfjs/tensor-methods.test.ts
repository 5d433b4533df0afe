// dendrite/tfjs: TensorFlow.js's tensor methods on Dendrite's Tensor (arraySync, print, argMax, asScalar,
// as1D…as5D, toInt, bufferSync, matMul, dispose), randomNormal/randomUniform/truncatedNormal and
// moments, compared with @tensorflow/tfjs.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

const values = [[3, 9, 1], [7, 2, 8]];

describe('tensor methods in tfjs spelling', () => {
  it('arraySync, array, argMax/argMin (axis 0 by default), matMul as tfjs', async () => {
    const t = tf.tensor2d(values);
    const r = real.tensor2d(values);
    expect(t.arraySync()).toEqual(r.arraySync());
    expect(await t.array()).toEqual(await r.array());
    expect(t.argMax().arraySync()).toEqual(r.argMax().arraySync());
    expect(t.argMax(1).arraySync()).toEqual(r.argMax(1).arraySync());
    expect(t.argMin(-1).arraySync()).toEqual(r.argMin(-1).arraySync());
    expect(t.matMul(t, false, true).arraySync()).toEqual(r.matMul(r, false, true).arraySync());
  });

  it('asScalar, as1D … as5D reshape; a wrong size is an error', () => {
    const t = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    expect(tf.tensor1d([4]).asScalar().shape).toEqual([]);
    expect(() => t.asScalar()).toThrow(tf.ShapeError);
    expect(t.as2D(2, 3).shape).toEqual(real.tensor1d([1, 2, 3, 4, 5, 6]).as2D(2, 3).shape);
    expect(t.as3D(1, 2, 3).shape).toEqual([1, 2, 3]);
    expect(t.as4D(1, 1, 2, 3).shape).toEqual([1, 1, 2, 3]);
    expect(t.as5D(1, 1, 1, 2, 3).shape).toEqual([1, 1, 1, 2, 3]);
    expect(tf.tensor2d(values).as1D().arraySync()).toEqual([3, 9, 1, 7, 2, 8]);
    expect(() => t.as2D(4, 2)).toThrow(tf.DendriteError);
    expect(() => t.as2D(2.5 as number, 2)).toThrow(/dimension 0/);
  });

  it('toInt, toFloat, asType cast; bufferSync copies into a TensorBuffer', async () => {
    const t = tf.tensor1d([1.7, -2.2, 3]);
    expect(t.toInt().dtype).toBe('int32');
    expect(t.toInt().arraySync()).toEqual(real.tensor1d([1.7, -2.2, 3]).toInt().arraySync());
    expect(t.toInt().toFloat().dtype).toBe('float32');
    expect(t.asType('int32').dtype).toBe('int32');
    const b = tf.tensor2d(values).bufferSync();
    expect(b.get(1, 2)).toBe(8);
    b.set(0, 1, 2);
    expect(tf.tensor2d(values).arraySync()).toEqual(values);
    expect((await tf.tensor2d(values).buffer()).get(0, 1)).toBe(9);
  });

  it('print writes the tensor; dispose frees nothing early', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      tf.tensor1d([1, 2]).print();
      tf.tensor1d([1, 2]).print(true);
      expect(log).toHaveBeenCalledTimes(3);
      expect(String(log.mock.calls[0][0])).toContain('1');
      expect(String(log.mock.calls[1][0])).toMatch(/float32.*\[2\]/);
    } finally {
      log.mockRestore();
    }
    const t = tf.scalar(5);
    t.dispose();
    expect(t.arraySync()).toBe(5);
  });
});

describe('random tensors and moments', () => {
  it('randomNormal, truncatedNormal and randomUniform take tfjs positional arguments; a seed repeats', () => {
    const a = tf.randomNormal([2000], 3, 0.5, 'float32', 7);
    const { mean, variance } = tf.moments(a);
    expect(mean.item()).toBeCloseTo(3, 1);
    expect(Math.sqrt(variance.item())).toBeCloseTo(0.5, 1);
    expect(tf.randomNormal([4], 0, 1, undefined, 7).arraySync()).toEqual(tf.randomNormal([4], 0, 1, undefined, 7).arraySync());
    const u = tf.randomUniform([1000], -2, 2, undefined, 3).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(2);
    const t = tf.truncatedNormal([1000], 0, 1, undefined, 4).dataSync();
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
    expect(() => tf.randomNormal([2], 0, 1, 'int32' as never)).toThrow(/dtype/);
  });

  it('moments over axes, with keepDims, as tfjs', () => {
    const x = [[1, 2, 3], [4, 6, 11]];
    for (const [axes, keepDims] of [[undefined, false], [0, false], [1, true], [[0, 1], false]] as const) {
      const ours = tf.moments(tf.tensor2d(x), axes as number[] | undefined, keepDims);
      const theirs = real.moments(real.tensor2d(x), axes as number[] | undefined, keepDims);
      expect(ours.mean.shape).toEqual(theirs.mean.shape);
      Array.from(ours.mean.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(theirs.mean.dataSync()[i], 5));
      Array.from(ours.variance.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(theirs.variance.dataSync()[i], 4));
    }
  });
});
