// dendrite/tfjs: memory(), tf.variable with assign, grad/grads/valueAndGrad(s)/variableGrads, and the
// optimizers' minimize/applyGradients, checked against @tensorflow/tfjs where it computes the same thing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

const values = (t: dn.Tensor): number[] => Array.from(t.dataSync());

describe('memory', () => {
  it("reports tfjs's fields, counting tensors that are alive", () => {
    const before = tf.memory();
    expect(Object.keys(before).sort()).toEqual(['numBytes', 'numDataBuffers', 'numTensors', 'reasons', 'unreliable']);
    expect(before.unreliable).toBe(true);
    expect(before.reasons.length).toBeGreaterThan(0);
    const kept = Array.from({ length: 50 }, () => tf.zeros([1000]));
    const after = tf.memory();
    expect(after.numTensors).toBeGreaterThanOrEqual(before.numTensors + 50);
    expect(after.numDataBuffers).toBe(after.numTensors);
    expect(after.numBytes).toBeGreaterThanOrEqual(before.numBytes + 50 * 4000);
    expect(kept.length).toBe(50);
  });
});

describe('variable', () => {
  it('copies its initial value, casts to dtype, and assign replaces the values in place', () => {
    const initial = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(initial);
    expect(v).toBeInstanceOf(tf.Variable);
    expect(v).toBeInstanceOf(dn.Tensor);
    expect(v.trainable).toBe(true);
    expect(v.name).toMatch(/^\d+$/);
    v.assign(tf.tensor1d([4, 5, 6]));
    expect(values(v)).toEqual([4, 5, 6]);
    expect(values(initial)).toEqual([1, 2, 3]);
    expect(values(v.add(1))).toEqual([5, 6, 7]);
    const i = tf.variable(tf.tensor1d([1.7, 2.2]), false, 'as-int', 'int32');
    expect(i.dtype).toBe('int32');
    expect(i.trainable).toBe(false);
    expect(i.name).toBe('as-int');
  });

  it('a mismatched assign, a bad argument or a taken name is a typed error', () => {
    const v = tf.variable(tf.zeros([2, 2]), true, 'taken');
    expect(() => v.assign(tf.zeros([4]))).toThrow(dn.ShapeError);
    expect(() => v.assign(tf.zeros([4]))).toThrow(/shape of the new value \[4\] and the variable \[2, 2\] must match/);
    expect(() => v.assign(tf.zeros([2, 2], 'int32'))).toThrow(dn.DTypeError);
    expect(() => v.assign([1, 2] as never)).toThrow(dn.ArgumentTypeError);
    expect(() => tf.variable(tf.zeros([1]), true, 'taken')).toThrow(/a variable named 'taken' is already registered/);
    expect(() => tf.variable([1, 2] as never)).toThrow(/variable: initialValue must be a Tensor/);
    expect(() => tf.variable(tf.zeros([1]), 'yes' as never)).toThrow(dn.ArgumentTypeError);
    v.dispose();
    expect(tf.variable(tf.zeros([1]), true, 'taken').name).toBe('taken');
  });
});

describe('grad, grads, valueAndGrad, valueAndGrads', () => {
  const f = (x: tf.Tensor) => x.mul(x).mul(x);
  it('give the gradients tfjs gives, with dy', () => {
    const x = [1, -2, 3];
    const dy = [1, 0.5, -1];
    expect(values(tf.grad(f)(tf.tensor1d(x)))).toEqual(Array.from(real.grad((t: real.Tensor) => t.mul(t).mul(t))(real.tensor1d(x)).dataSync()));
    const withDy = tf.grad(f)(tf.tensor1d(x), tf.tensor1d(dy));
    const expected = real.grad((t: real.Tensor) => t.mul(t).mul(t))(real.tensor1d(x), real.tensor1d(dy));
    expect(values(withDy)).toEqual(Array.from(expected.dataSync()));
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(x));
    expect(values(value)).toEqual([1, -8, 27]);
    expect(values(grad)).toEqual([3, 12, 27]);
  });

  it('grads and valueAndGrads differentiate with respect to each argument', () => {
    const g = (a: tf.Tensor, b: tf.Tensor) => a.mul(b).sum();
    const [da, db] = tf.grads(g)([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]);
    expect(values(da)).toEqual([3, 4]);
    expect(values(db)).toEqual([1, 2]);
    const { value, grads } = tf.valueAndGrads(g)([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]);
    expect(values(value)).toEqual([11]);
    expect(grads.map(values)).toEqual([[3, 4], [1, 2]]);
  });

  it('leave the caller\'s tensors as they were and refuse bad arguments with typed errors', () => {
    const x = tf.tensor1d([1, 2]);
    tf.grad(f)(x);
    expect(x.requiresGrad).toBe(false);
    expect(() => tf.grad(3 as never)).toThrow(/grad: f must be a function/);
    expect(() => tf.grad(f)([1, 2] as never)).toThrow(/grad: x must be a Tensor/);
    expect(() => tf.grad(f)(x, tf.tensor1d([1, 2, 3]))).toThrow(dn.ShapeError);
    expect(() => tf.grads((a) => a)([] as never)).toThrow(/grads: args must be a non-empty array/);
    expect(() => tf.grad(() => 3 as never)(x)).toThrow(/the value of f must be a Tensor/);
  });
});

describe('variableGrads', () => {
  it('keys the gradients by variable name, leaves out unused variables and nulls non-trainable ones', () => {
    const a = tf.variable(tf.tensor1d([1, 2]), true, 'vg-a');
    const b = tf.variable(tf.scalar(3), true, 'vg-b');
    const frozen = tf.variable(tf.scalar(5), false, 'vg-frozen');
    const unused = tf.variable(tf.scalar(1), true, 'vg-unused');
    const { value, grads } = tf.variableGrads(() => a.mul(b).sum().add(frozen), [a, b, frozen, unused]);
    expect(values(value)).toEqual([14]);
    expect(Object.keys(grads).sort()).toEqual(['vg-a', 'vg-b', 'vg-frozen']);
    expect(values(grads['vg-a']!)).toEqual([3, 3]);
    expect(values(grads['vg-b']!)).toEqual([3]);
    expect(grads['vg-frozen']).toBeNull();
    // Without a list: every live trainable variable, only those f depends on appear.
    const all = tf.variableGrads(() => b.square());
    expect(Object.keys(all.grads)).toEqual(['vg-b']);
    expect(values(all.grads['vg-b']!)).toEqual([6]);
  });

  it('refuses a non-scalar value, an unconnected loss and bad lists', () => {
    const a = tf.variable(tf.tensor1d([1, 2]), true, 'vg-c');
    expect(() => tf.variableGrads(() => a.mul(2), [a])).toThrow(/must return a scalar \(rank 0\), got a tensor of shape \[2\]/);
    expect(() => tf.variableGrads(() => tf.scalar(1), [a])).toThrow(/depends on none of the variables/);
    expect(() => tf.variableGrads(() => a.sum(), [tf.zeros([1])] as never)).toThrow(/varList\[0\] must be a Variable/);
    expect(() => tf.variableGrads(() => a.sum(), [tf.variable(tf.scalar(1), false)])).toThrow(dn.ValueError);
  });
});

describe('optimizer.minimize and applyGradients', () => {
  it('fit y = 2x + 1 with tf.variables and sgd.minimize, as the tfjs examples do', () => {
    const xs = tf.tensor1d([-1, -0.5, 0, 0.5, 1, 1.5]);
    const ys = xs.mul(2).add(1);
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const model = (x: tf.Tensor) => x.mul(a).add(b);
    const loss = (p: tf.Tensor, y: tf.Tensor) => p.sub(y).square().mean();
    const optimizer = tf.train.sgd(0.2);
    const first = optimizer.minimize(() => loss(model(xs), ys), true)!.dataSync()[0];
    let last = first;
    for (let i = 0; i < 200; i++) last = optimizer.minimize(() => loss(model(xs), ys), true)!.dataSync()[0];
    expect(first).toBeCloseTo(31 / 6, 4);   // mean(y^2) at a = b = 0: the loss before the first step
    expect(last).toBeLessThan(1e-6);
    expect(a.dataSync()[0]).toBeCloseTo(2, 3);
    expect(b.dataSync()[0]).toBeCloseTo(1, 3);
    expect(optimizer.minimize(() => loss(model(xs), ys))).toBeNull();
  });

  it('adam.minimize takes the same steps as tfjs, with its moments kept across steps and an assign in between', () => {
    const start = [0.5, -1];
    const target = [2, 3];
    const ours = tf.variable(tf.tensor1d(start));
    const theirs = real.variable(real.tensor1d(start));
    const mine = tf.train.adam(0.1);
    const reference = real.train.adam(0.1);
    for (let i = 0; i < 5; i++) {
      mine.minimize(() => ours.sub(tf.tensor1d(target)).square().sum(), false, [ours]);
      reference.minimize(() => theirs.sub(real.tensor1d(target)).square().sum() as real.Scalar, false, [theirs]);
    }
    const got = values(ours);
    Array.from(theirs.dataSync()).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    ours.assign(tf.tensor1d([10, 10]));
    theirs.assign(real.tensor1d([10, 10]));
    mine.minimize(() => ours.sub(tf.tensor1d(target)).square().sum());
    reference.minimize(() => theirs.sub(real.tensor1d(target)).square().sum() as real.Scalar);
    const after = values(ours);
    Array.from(theirs.dataSync()).forEach((v, i) => expect(after[i]).toBeCloseTo(v, 5));
  });

  it('applyGradients takes variableGrads output (object or named list) and names the unknown', () => {
    const w = tf.variable(tf.tensor1d([1, 1]), true, 'ag-w');
    const optimizer = tf.train.sgd(0.5);
    const { grads } = tf.variableGrads(() => w.square().sum(), [w]);
    optimizer.applyGradients(grads);
    expect(values(w)).toEqual([0, 0]);
    optimizer.applyGradients([{ name: 'ag-w', tensor: tf.tensor1d([2, -2]) }]);
    expect(values(w)).toEqual([-1, 1]);
    expect(() => optimizer.applyGradients({ 'ag-w': tf.zeros([2]), 'no-such': tf.zeros([1]) })).toThrow(/no variable is named 'no-such'/);
    expect(() => optimizer.applyGradients({ 'ag-w': tf.zeros([3]) })).toThrow(dn.ShapeError);
    expect(() => optimizer.applyGradients(7 as never)).toThrow(dn.ArgumentTypeError);
    expect(() => optimizer.minimize(() => w.sum(), 'yes' as never)).toThrow(dn.ArgumentTypeError);
  });

  it('a model compiled with a tf.train optimizer still trains (the optimizer keeps Dendrite\'s behaviour for weights)', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const xs = tf.tensor2d([[0], [1], [2], [3]]);
    const ys = tf.tensor2d([[1], [3], [5], [7]]);
    const history = await model.fit(xs, ys, { epochs: 30, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 10);
  });
});
