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

describe('logical operators', () => {
  it('combine masks, reading any nonzero value (NaN too) as true, broadcasting', () => {
    const a = dn.tensor([[0, 1, 2, NaN]]);
    const b = dn.tensor([[0], [-3]]);
    expect(dn.logicalAnd(a, b).toArray()).toEqual([[0, 0, 0, 0], [0, 1, 1, 1]]);
    expect(a.logicalOr(b).toArray()).toEqual([[0, 1, 1, 1], [1, 1, 1, 1]]);
    expect(dn.logicalXor(a, b).toArray()).toEqual([[0, 1, 1, 1], [1, 0, 0, 0]]);
    expect(dn.logicalNot(a).toArray()).toEqual([[1, 0, 0, 0]]);
    expect(dn.logicalAnd(dn.tensor([1, 0], undefined, 'int32'), dn.greater(dn.tensor([5, 5]), 2)).toArray()).toEqual([1, 0]);
  });
  it('name bad arguments', () => {
    expect(() => dn.logicalNot('x' as never)).toThrow(/^logicalNot: x/);
    expect(() => dn.logicalOr(dn.zeros([2]), dn.zeros([3]))).toThrow(/^logicalOr: shapes/);
  });
});

describe('floorDiv and mod', () => {
  it('floor the quotient and give the remainder the sign of the divisor, as TensorFlow', () => {
    const a = dn.tensor([7, -7, 7, -7, 1, 5.5]);
    const b = dn.tensor([2, 2, -2, -2, 0.1, 2]);
    expect(dn.floorDiv(a, b).toArray()).toEqual([3, -4, -4, 3, 10, 2]);
    const remainder = a.mod(b).toArray() as number[];
    [1, 1, -1, -1].forEach((expected, i) => expect(remainder[i]).toBe(expected));
    expect(remainder[5]).toBe(1.5);
    expect(dn.mod(dn.tensor([1]), dn.tensor([0])).toArray()).toEqual([NaN]);
  });
  it('keep two int32 operands int32 and exact (division by zero is 0), and broadcast', () => {
    const a = dn.tensor([[7, -7, 9]], undefined, 'int32');
    const b = dn.tensor([[2], [0]], undefined, 'int32');
    const quotient = dn.floorDiv(a, b);
    expect(quotient.dtype).toBe('int32');
    expect(quotient.toArray()).toEqual([[3, -4, 4], [0, 0, 0]]);
    expect(dn.mod(a, b).toArray()).toEqual([[1, 1, 1], [0, 0, 0]]);
    expect(dn.mod(a, 2).dtype).toBe('float32');
  });
  it('mod has gradients dy to a and -floor(a / b) dy to b; floorDiv has none', () => {
    gradcheck(dn.mod, [dn.tensor([2.3, -1.7, 5.1]), dn.tensor([1.1, 1.3, -2.2])]);
    gradcheck(dn.mod, [dn.tensor([[2.3], [-1.7]]), dn.tensor([1.1, -2.2])]);
    const x = dn.tensor([2.5]);
    x.requiresGrad = true;
    expect(dn.floorDiv(x, 2).requiresGrad).toBe(false);
  });
  it('name bad arguments', () => {
    expect(() => dn.floorDiv('a' as never, 1)).toThrow(/^floorDiv: a/);
    expect(() => dn.mod(dn.zeros([2]), dn.zeros([3]))).toThrow(/^mod: shapes/);
  });
});
