// dendrite/tfjs, the TensorFlow.js API mapped onto Dendrite: tensor constructors, buffer, argMax/matMul,
// tf.train.*, tf.util, tidy/keep/dispose, checked against @tensorflow/tfjs where tfjs computes the same
// thing, and a tfjs-style program (sequential, compile with tf.train.adam, fit, predict) run unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

describe('tensor1d … tensor6d and buffer', () => {
  it('make tensors of their rank from nested or flat values, as tfjs does', () => {
    const values = [[1, 2, 3], [4, 5, 6]];
    const a = tf.tensor2d(values);
    expect(a).toBeInstanceOf(dn.Tensor);
    expect(a.shape).toEqual(real.tensor2d(values).shape);
    expect(Array.from(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]).dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tf.tensor1d([1, 2], 'int32').dtype).toBe('int32');
    expect(tf.tensor3d([1, 2, 3, 4], [1, 2, 2]).shape).toEqual([1, 2, 2]);
    expect(tf.tensor4d([1], [1, 1, 1, 1]).rank).toBe(4);
    expect(tf.tensor5d([1, 2], [1, 1, 1, 1, 2]).rank).toBe(5);
    expect(tf.tensor6d([1], [1, 1, 1, 1, 1, 1]).rank).toBe(6);
  });

  it('a rank other than the stated one is a ShapeError; a dtype tfjs has and Dendrite lacks a ValueError', () => {
    expect(() => tf.tensor1d([[1, 2]] as never)).toThrow(/tensor1d: values must have 1 dimension, got shape \[1, 2\]/);
    expect(() => tf.tensor2d([1, 2, 3, 4], [4] as never)).toThrow(dn.ShapeError);
    expect(() => tf.tensor2d([1, 2, 3], [2, 2])).toThrow(dn.DendriteError);
    expect(() => tf.tensor1d([1], 'bool' as never)).toThrow(/dtype/);
  });

  it('buffer: set, get and toTensor as tf.buffer; indices out of range are named', () => {
    const b = tf.buffer([2, 3], 'int32');
    b.set(7, 1, 2);
    b.set(3, 0, 0);
    expect(b.get(1, 2)).toBe(7);
    const t = b.toTensor();
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[3, 0, 0], [0, 0, 7]]);
    b.set(1, 0, 1); // the tensor holds a copy
    expect(t.toArray()).toEqual([[3, 0, 0], [0, 0, 7]]);
    expect(() => b.get(2, 0)).toThrow(/index 0/);
    expect(() => b.set(1, 0)).toThrow(/expected 2 indices/);
    expect(() => tf.buffer([2], 'float32', new Float32Array(3))).toThrow(/3 elements/);
    expect(tf.buffer([2], 'float32', new Float32Array([4, 5])).toTensor().toArray()).toEqual([4, 5]);
  });
});

describe('ops in tfjs spelling', () => {
  const values = [[3, 9, 1], [7, 2, 8]];
  it('argMax and argMin default to axis 0, as tfjs', () => {
    expect(Array.from(tf.argMax(tf.tensor2d(values)).dataSync())).toEqual(Array.from(real.argMax(real.tensor2d(values)).dataSync()));
    expect(Array.from(tf.argMax(tf.tensor2d(values), 1).dataSync())).toEqual(Array.from(real.argMax(real.tensor2d(values), 1).dataSync()));
    expect(Array.from(tf.argMin(tf.tensor2d(values)).dataSync())).toEqual(Array.from(real.argMin(real.tensor2d(values)).dataSync()));
  });
  it('matMul with transposes and fill match tfjs', () => {
    const a = [[1, 2, 3], [4, 5, 6]];
    const b = [[1, 0], [2, 1], [0, 3]];
    expect(tf.matMul(tf.tensor2d(a), tf.tensor2d(b)).toArray()).toEqual(real.matMul(real.tensor2d(a), real.tensor2d(b)).arraySync());
    expect(tf.matMul(tf.tensor2d(a), tf.tensor2d(a), false, true).toArray()).toEqual(real.matMul(real.tensor2d(a), real.tensor2d(a), false, true).arraySync());
    expect(tf.fill([2, 2], 3).toArray()).toEqual([[3, 3], [3, 3]]);
  });
});

describe('oneHot, nextFrame, ready', () => {
  it('oneHot is int32 by default, as tfjs; nextFrame and ready resolve', async () => {
    const ours = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3);
    const theirs = real.oneHot(real.tensor1d([0, 2, 1], 'int32'), 3);
    expect(ours.dtype).toBe(theirs.dtype);
    expect(ours.toArray()).toEqual(theirs.arraySync());
    expect(tf.oneHot(tf.tensor1d([1], 'int32'), 2, 5, -1, 'float32').toArray()).toEqual([[-1, 5]]);
    expect(() => tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'bool' as never)).toThrow(/dtype/);
    let ticked = false;
    setImmediate(() => { ticked = true; });
    await tf.nextFrame();
    expect(ticked).toBe(true);
    await expect(tf.ready()).resolves.toBeUndefined();
  });
});

describe('tf.train', () => {
  it("each factory takes tfjs's positional arguments and defaults", () => {
    const config = (o: dn.Optimizer) => o.getConfig() as Record<string, unknown>;
    expect(config(tf.train.sgd(0.1))).toMatchObject({ learningRate: 0.1 });
    expect(config(tf.train.momentum(0.1, 0.9, true))).toMatchObject({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    expect(config(tf.train.adam())).toMatchObject({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(config(tf.train.adam(0.01, 0.8))).toMatchObject({ learningRate: 0.01, beta1: 0.8 });
    expect(config(tf.train.rmsprop(0.01, 0.8, 0.1, null, true))).toMatchObject({ learningRate: 0.01, rho: 0.8, momentum: 0.1, epsilon: 1e-7, centered: true });
    expect(config(tf.train.adagrad(0.05))).toMatchObject({ learningRate: 0.05, initialAccumulatorValue: 0.1 });
    expect(config(tf.train.adadelta())).toMatchObject({ learningRate: 0.001, rho: 0.95 });
    expect(config(tf.train.adamax())).toMatchObject({ learningRate: 0.002, beta1: 0.9, beta2: 0.999 });
    expect(() => tf.train.adamax(0.002, 0.9, 0.999, null, 0.1)).toThrow(/decay/);
    expect(() => tf.train.sgd('fast' as never)).toThrow(/learningRate/);
  });

  it('SGD steps as tfjs SGD steps (one update on a linear model)', () => {
    const w0 = [[0.5], [-0.25]];
    const x = [[1, 2], [3, -1]];
    const y = [[1], [0]];
    // tfjs
    const rw = real.variable(real.tensor2d(w0));
    real.train.sgd(0.1).minimize(() => real.losses.meanSquaredError(real.tensor2d(y), real.matMul(real.tensor2d(x), rw)) as real.Scalar);
    // Dendrite through the tfjs names
    const w = tf.tensor2d(w0);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, useBias: false, inputShape: [2] })] });
    model.setWeights([w]);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    model.trainOnBatch(tf.tensor2d(x), tf.tensor2d(y));
    const actual = Array.from(model.getWeights()[0].dataSync());
    const expected = Array.from(rw.dataSync());
    actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });
});

describe('tf.util', () => {
  it('shuffle, shuffleCombo and createShuffledIndices permute, repeatably under dn.seed', () => {
    dn.seed(5);
    const a = tf.util.shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    dn.seed(5);
    expect(tf.util.shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(a);
    const xs = [10, 20, 30, 40, 50];
    const ys = ['a', 'b', 'c', 'd', 'e'];
    tf.util.shuffleCombo(xs, ys);
    xs.forEach((x, i) => expect(ys[i]).toBe('abcde'[x / 10 - 1]));
    expect(() => tf.util.shuffleCombo([1], [1, 2])).toThrow(/one length/);
    const indices = tf.util.createShuffledIndices(10);
    expect(indices).toBeInstanceOf(Uint32Array);
    expect(Array.from(indices).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('sizes, assertions, flattening, equality and strings as tfjs.util', () => {
    expect(tf.util.sizeFromShape([2, 3, 4])).toBe(real.util.sizeFromShape([2, 3, 4]));
    expect(tf.util.sizeFromShape([])).toBe(1);
    expect(() => tf.util.assert(false, () => 'the reason')).toThrow('the reason');
    expect(() => tf.util.assert(1 > 0, 'never')).not.toThrow();
    const nested = [[1, [2, 3]], [4], new Float32Array([5, 6])];
    expect(tf.util.flatten(nested)).toEqual(real.util.flatten(nested as never));
    expect(tf.util.arraysEqual([1, 2], new Float32Array([1, 2]))).toBe(true);
    expect(tf.util.arraysEqual([1, 2], [1])).toBe(false);
    expect(tf.util.decodeString(tf.util.encodeString('héllo'))).toBe('héllo');
    expect(typeof tf.util.now()).toBe('number');
  });
});

describe('tidy, keep, dispose', () => {
  it("tidy returns its function's result (with or without a name); async functions are refused", () => {
    const t = tf.tidy(() => tf.scalar(2).mul(3));
    expect(t.item()).toBe(6);
    expect(tf.tidy('named', () => [tf.scalar(1)])).toHaveLength(1);
    expect(() => tf.tidy((async () => tf.scalar(1)) as never)).toThrow(/synchronous/);
    expect(() => tf.tidy('x', undefined as never)).toThrow(/fn/);
  });
  it('keep returns the tensor; dispose takes tensors, arrays and objects of them', () => {
    const t = tf.scalar(1);
    expect(tf.keep(t)).toBe(t);
    expect(() => tf.keep(3 as never)).toThrow(/Tensor/);
    expect(() => tf.dispose([t, { a: t, b: [t] }, null as never])).not.toThrow();
    expect(t.item()).toBe(1);
  });
});

describe('a tfjs program with only its import changed', () => {
  it('builds, compiles with tf.train.adam, fits and predicts', async () => {
    // As in tfjs-examples: a sequential model on tensor2d data.
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2] }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const xs = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const ys = tf.tensor2d([[0], [1], [1], [1]]);
    const history = await model.fit(xs, ys, { epochs: 30, verbose: 0 });
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0]);
    const prediction = tf.tidy(() => model.predict(tf.tensor2d([[1, 1]])) as tf.Tensor);
    expect(prediction.shape).toEqual([1, 1]);
    tf.dispose([xs, ys]);
  });
});
