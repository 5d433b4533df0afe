import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError } from '../../lib/errors.js';
import { broadcastPairs, gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('compare: should throw', () => {
  it('on shapes that do not broadcast', () => {
    expect(() => dn.equal(dn.zeros([2]), dn.zeros([3]))).toThrow(ShapeError);
    expect(() => dn.less(dn.zeros([2]), dn.zeros([3]))).toThrow(/^less: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => dn.where(dn.zeros([2]), dn.zeros([3]), 0)).toThrow(ShapeError);
  });
  it('on bad arguments', () => {
    expect(() => dn.greater('a' as never, 1)).toThrow(ArgumentTypeError);
    expect(() => dn.where(dn.ones([1]), dn.zeros([1]), dn.zeros([1], 'int32'))).toThrow(DTypeError);
  });
});

describe('compare: values', () => {
  const a = () => dn.tensor([[1, 2, 3], [4, 5, 6]]);
  it('returns float32 masks of 0 and 1, broadcasting', () => {
    const mask = dn.greater(a(), 2);
    expect(mask.dtype).toBe('float32');
    expect(mask.toArray()).toEqual([[0, 0, 1], [1, 1, 1]]);
    expect(a().equal(dn.tensor([1, 5, 0])).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(a().notEqual(dn.tensor([[1], [5]])).toArray()).toEqual([[0, 1, 1], [1, 0, 1]]);
    expect(dn.greaterEqual(a(), 3).toArray()).toEqual([[0, 0, 1], [1, 1, 1]]);
    expect(a().less(3).toArray()).toEqual([[1, 1, 0], [0, 0, 0]]);
    expect(dn.lessEqual(a().transpose(), 4).toArray()).toEqual([[1, 1], [1, 0], [1, 0]]);
    expect(dn.equal(dn.tensor([NaN]), dn.tensor([NaN])).toArray()).toEqual([0]);
  });
  it('compares int32 tensors, also with float32 (accuracy from labels)', () => {
    const predicted = dn.argmax(dn.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), 1);
    const labels = dn.tensor([1, 0, 0], undefined, 'int32');
    expect(dn.equal(predicted, labels).mean().item()).toBeCloseTo(2 / 3, 6);
    expect(dn.equal(labels, dn.tensor([1, 1, 0])).toArray()).toEqual([1, 0, 1]);
  });
  it('where picks by condition with three-way broadcasting', () => {
    expect(dn.where(dn.tensor([1, 0, 1]), dn.tensor([1, 2, 3]), dn.tensor([[10], [20]])).toArray()).toEqual([
      [1, 10, 3],
      [1, 20, 3],
    ]);
    expect(dn.where(a().greater(3), a(), 0).toArray()).toEqual([[0, 0, 0], [4, 5, 6]]);
    const ints = dn.where(dn.tensor([0, 1]), dn.tensor([1, 2], undefined, 'int32'), dn.tensor([7, 8], undefined, 'int32'));
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([7, 2]);
  });
});

describe('compare: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  it.each(broadcastPairs)('where flows into both branches: %j with %j', (sa, sb) => {
    const condition = dn.greater(randomTensor([...sa], { seed: 3 }), 0);
    gradcheck((x, y) => dn.where(condition, x, y), [randomTensor(sa, { seed: 1 }), randomTensor(sb, { seed: 2 })]);
  });
});
