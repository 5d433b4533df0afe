import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const x234 = () => dn.arange(24).reshape([2, 3, 4]);

describe('reduce: should throw', () => {
  it('on bad axes', () => {
    expect(() => dn.sum(dn.zeros([2, 3]), 2)).toThrow('sum: axis must be an integer from -2 to 1, got 2');
    expect(() => dn.mean(dn.zeros([2, 3]), [0, 0])).toThrow(/lists axis 0 twice/);
    expect(() => dn.max(dn.zeros([2, 3]), [0, -2])).toThrow(ValueError);
    expect(() => dn.sum(dn.zeros([2]), '0' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.sum(dn.zeros([2]), 0, 1 as never)).toThrow(ArgumentTypeError);
    expect(() => dn.argmax(dn.zeros([2]), 1)).toThrow(ValueError);
  });
  it('on int32 input', () => {
    expect(() => dn.sum(dn.zeros([2], 'int32'))).toThrow(DTypeError);
    expect(() => dn.argmax(dn.zeros([2], 'int32'))).toThrow(DTypeError);
  });
  it('on max/min/argmax over an empty axis', () => {
    expect(() => dn.max(dn.zeros([2, 0]), 1)).toThrow('max: cannot take the max over an empty axis (shape [2, 0])');
    expect(() => dn.argmax(dn.zeros([0]))).toThrow(ValueError);
  });
});

describe('reduce: values', () => {
  it('sum over all, one, several and non-adjacent axes', () => {
    expect(dn.sum(x234()).item()).toBe(276);
    expect(x234().sum(0).toArray()).toEqual([[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]]);
    expect(x234().sum(-1).toArray()).toEqual([[6, 22, 38], [54, 70, 86]]);
    expect(x234().sum([0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(x234().sum([1, 2]).toArray()).toEqual([66, 210]);
    expect(x234().sum(1, true).shape).toEqual([2, 1, 4]);
    expect(x234().sum(null, true).shape).toEqual([1, 1, 1]);
    expect(x234().transpose().sum(0).toArray()).toEqual([[6, 54], [22, 70], [38, 86]]);
  });
  it('mean, max, min, variance', () => {
    expect(dn.mean(x234()).item()).toBe(11.5);
    expect(x234().mean([0, 1]).toArray()).toEqual([10, 11, 12, 13]);
    expect(x234().max(1).toArray()).toEqual([[8, 9, 10, 11], [20, 21, 22, 23]]);
    expect(x234().min([0, 2], true).toArray()).toEqual([[[0], [4], [8]]]);
    expect(dn.variance(dn.tensor([1, 2, 3, 4])).item()).toBeCloseTo(1.25, 6);
    expect(dn.tensor([[1, 3], [2, 2]]).variance(1).toArray()).toEqual([1, 0]);
    expect(dn.tensor([[1, 3], [2, 2]]).variance(0, true).toArray()).toEqual([[0.25, 0.25]]);
  });
  it('empty tensors: sum 0, mean NaN', () => {
    expect(dn.sum(dn.zeros([0])).item()).toBe(0);
    expect(dn.mean(dn.zeros([0])).item()).toBeNaN();
    expect(dn.sum(dn.zeros([2, 0]), 1).toArray()).toEqual([0, 0]);
    expect(dn.sum(dn.zeros([0, 2]), 1).shape).toEqual([0]);
  });
  it('reducing a rank-0 tensor returns a new tensor with its value', () => {
    const s = dn.tensor(4);
    const r = dn.sum(s);
    expect(r).not.toBe(s);
    expect(r.item()).toBe(4);
  });
  it('argmax/argmin: flattened by default, along an axis, first of ties, NaN wins argmax', () => {
    const t = dn.tensor([[1, 5, 5], [7, 0, 2]]);
    const a = dn.argmax(t);
    expect(a.dtype).toBe('int32');
    expect(a.item()).toBe(3);
    expect(t.argmax(1).toArray()).toEqual([1, 0]);
    expect(t.argmax(0, true).toArray()).toEqual([[1, 0, 0]]);
    expect(t.argmin(1).toArray()).toEqual([0, 1]);
    expect(dn.argmin(t).item()).toBe(4);
    expect(dn.argmax(dn.tensor([1, NaN, 3])).item()).toBe(1);
  });
});

describe('reduce: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  const r = (shape: number[], seed = 1) => randomTensor(shape, { seed });
  const cases: Array<[number[], number | number[] | null, boolean]> = [
    [[2, 3, 4], null, false],
    [[2, 3, 4], 1, false],
    [[2, 3, 4], [0, 2], true],
    [[2, 3, 4], -1, true],
    [[5], 0, false],
    [[], null, false],
    [[1, 1], null, true],
    [[2, 0], 1, false],
  ];
  it.each(cases)('sum, mean, variance of %j over %j (keepDims %j)', (shape, axis, keepDims) => {
    gradcheck((x) => dn.sum(x, axis, keepDims), [r(shape)]);
    gradcheck((x) => dn.mean(x, axis, keepDims), [r(shape)]);
    if (shape.every((d) => d > 0)) gradcheck((x) => dn.variance(x, axis, keepDims), [r(shape)]);
  });
  it.each(cases.filter(([shape]) => shape.every((d) => d > 0)))('max, min of %j over %j (keepDims %j)', (shape, axis, keepDims) => {
    gradcheck((x) => dn.max(x, axis, keepDims), [r(shape)]);
    gradcheck((x) => dn.min(x, axis, keepDims), [r(shape)]);
  });
  it('max shares the gradient evenly between tied maxima', () => {
    const x = dn.tensor([1, 3, 3], { requiresGrad: true });
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([0, 0.5, 0.5]);
  });
  it('reductions of a transposed view', () => {
    gradcheck((x) => x.transpose().sum(1), [r([3, 2])]);
  });
});
