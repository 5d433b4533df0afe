// dendrite/tfjs arithmetic with tfjs's dtype rules: each case computed by @tensorflow/tfjs and by the
// tfjs entry, compared for dtype and values (int32 kept, promoted to float32, floor division).
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

type Operand = { values: number[]; dtype: 'int32' | 'float32' } | number;
const I: Operand = { values: [1, 2, -3, 7, -7, 0], dtype: 'int32' };
const J: Operand = { values: [2, 2, 2, 2, 2, 5], dtype: 'int32' };
const F: Operand = { values: [0.5, -1.5, 2, 3.25, 1, -2], dtype: 'float32' };

const mine = (o: Operand): dn.Tensor | number => (typeof o === 'number' ? o : tf.tensor1d(o.values, o.dtype));
const theirs = (o: Operand): real.Tensor | number => (typeof o === 'number' ? o : real.tensor1d(o.values, o.dtype));

function same(a: dn.Tensor, b: real.Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect(a.shape).toEqual(b.shape);
  const got = Array.from(a.dataSync());
  const want = Array.from(b.dataSync());
  got.forEach((value, i) => (Number.isNaN(want[i]) ? expect(value).toBeNaN() : expect(value).toBeCloseTo(want[i], 4)));
}

describe('binary arithmetic', () => {
  const ops = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'floorDiv', 'mod'] as const;
  const pairs: [string, Operand, Operand][] = [
    ['int32, int32', I, J], ['number, int32', 1, I], ['int32, number', I, 2], ['int32, float32', I, F], ['float32, int32', F, J],
  ];
  for (const op of ops) {
    it(`${op} keeps int32 with int32 and promotes to float32 otherwise, as tfjs`, () => {
      for (const [, a, b] of pairs) {
        if (op === 'pow' && (a === F || b === F)) continue; // a negative base to a fractional power is NaN in both
        const result = (tf[op] as (x: unknown, y: unknown) => dn.Tensor)(mine(a), mine(b));
        const expected = (real[op] as (x: unknown, y: unknown) => real.Tensor)(theirs(a), theirs(b));
        same(result, expected);
      }
    });
  }

  it('tf.sub(1, int32Tensor) is float32 and int32 / int32 is floor division', () => {
    const labels = tf.tensor1d([0, 1, 1], 'int32');
    const flipped = tf.sub(1, labels);
    expect(flipped.dtype).toBe('float32');
    expect(flipped.arraySync()).toEqual([1, 0, 0]);
    const q = tf.div(tf.tensor1d([7, -7], 'int32'), tf.tensor1d([2, 2], 'int32'));
    expect(q.dtype).toBe('int32');
    expect(q.arraySync()).toEqual([3, -4]);
  });

  it('float32 operands keep their gradients', () => {
    const g = tf.grad((x: dn.Tensor) => tf.sum(tf.mul(tf.sub(x, 1), tf.add(x, 2))))(tf.tensor1d([1, 2]));
    expect(g.arraySync()).toEqual([3, 5]); // d/dx (x-1)(x+2) = 2x + 1
  });
});

describe('unary ops and reductions', () => {
  it('neg, abs, square, relu keep int32; exp and mean of int32 are float32; sum, max, min keep int32', () => {
    for (const op of ['neg', 'abs', 'square', 'relu', 'exp', 'sum', 'mean', 'max', 'min'] as const) {
      for (const x of [I, F]) {
        same((tf[op] as (t: unknown) => dn.Tensor)(mine(x)), (real[op] as (t: unknown) => real.Tensor)(theirs(x)));
      }
    }
    const m = tf.tensor2d([[1, 2], [3, 5]], [2, 2], 'int32');
    same(tf.sum(m, 1, true), real.sum(real.tensor2d([[1, 2], [3, 5]], [2, 2], 'int32'), 1, true));
    same(tf.mean(m, 0), real.mean(real.tensor2d([[1, 2], [3, 5]], [2, 2], 'int32'), 0));
  });

  it('bad operands are still typed errors naming the op', () => {
    expect(() => tf.add('a' as never, 1)).toThrow(dn.DendriteError);
    expect(() => tf.sum(tf.tensor1d([1], 'int32'), 3)).toThrow(/sum/);
  });
});

describe('atan2', () => {
  it('is the angle of (x, y) in all four quadrants, as tfjs', () => {
    const y = [1, 1, -1, -1, 0, 0];
    const x = [1, -1, -1, 1, -2, 2];
    same(tf.atan2(tf.tensor1d(y), tf.tensor1d(x)), real.atan2(real.tensor1d(y), real.tensor1d(x)));
  });
});
