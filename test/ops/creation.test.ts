import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';

describe('creation: should throw', () => {
  it('on bad shapes and dtypes', () => {
    expect(() => dn.zeros([2, -1])).toThrow('zeros: shape[1] must be a non-negative integer, got -1');
    expect(() => dn.ones('3' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.zeros([2 ** 20, 2 ** 20])).toThrow(/more than the 2147483647 a tensor may hold/);
    expect(() => dn.full([2], 1, 'float16' as never)).toThrow(/unknown dtype/);
    expect(() => dn.full([2], 1.5, 'int32')).toThrow(ValueError);
    expect(() => dn.zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(/only float32 tensors/);
    expect(() => dn.zeros([2], { grad: true } as never)).toThrow(/unknown option 'grad'/);
  });
  it('on bad ranges', () => {
    expect(() => dn.arange(0, 5, 0)).toThrow('arange: step must not be 0');
    expect(() => dn.arange(0, 1, 0.5, 'int32')).toThrow(ValueError);
    expect(() => dn.linspace(0, 1, -1)).toThrow(ValueError);
    expect(() => dn.eye(-1)).toThrow(ValueError);
    expect(() => dn.arange(NaN)).toThrow(ValueError);
  });
  it('on bad random options', () => {
    expect(() => dn.rand([2], { low: 1, high: 1 })).toThrow(/high must be greater than low/);
    expect(() => dn.randn([2], { std: -1 })).toThrow(ValueError);
    expect(() => dn.randn([2], { seed: 1, generator: new dn.Generator(1) })).toThrow(/either seed or generator/);
    expect(() => dn.randn([2], { generator: {} as never })).toThrow(ArgumentTypeError);
    expect(() => dn.randint(3, 3, [2])).toThrow(ValueError);
    expect(() => dn.randint(0, 2.5, [2])).toThrow(ValueError);
    expect(() => dn.rand([2], { sed: 1 } as never)).toThrow(/did you mean 'seed'/);
  });
});

describe('creation: values', () => {
  it('constants', () => {
    expect(dn.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(dn.ones(3).toArray()).toEqual([1, 1, 1]);
    expect(dn.full([2], 7, 'int32').toArray()).toEqual([7, 7]);
    expect(dn.full([2], 7, 'int32').dtype).toBe('int32');
    expect(dn.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(dn.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(dn.zeros([]).shape).toEqual([]);
    expect(dn.zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });
  it('like-forms copy shape and dtype', () => {
    const labels = dn.tensor([[1, 2]], undefined, 'int32');
    expect(dn.zerosLike(labels).dtype).toBe('int32');
    expect(dn.onesLike(labels).toArray()).toEqual([[1, 1]]);
    expect(dn.fullLike(dn.zeros([2]), 0.5).toArray()).toEqual([0.5, 0.5]);
    expect(dn.onesLike(labels, 'float32').dtype).toBe('float32');
  });
  it('ranges', () => {
    expect(dn.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(dn.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(dn.arange(5, 0, -2, 'int32').toArray()).toEqual([5, 3, 1]);
    expect(dn.arange(3, 1).shape).toEqual([0]);
    expect(dn.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(dn.linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(dn.linspace(0, 0.3, 7).dataSync()[6]).toBe(Math.fround(0.3));
  });
  it('random tensors have the right shape, dtype, range and seed behaviour', () => {
    const u = dn.rand([200], { low: -1, high: 3, seed: 1 });
    expect(u.dtype).toBe('float32');
    expect(Math.min(...u.dataSync())).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u.dataSync())).toBeLessThan(3);
    const n = dn.randn([2000], { mean: 5, std: 2, seed: 2 });
    // Standard error of the mean is 2/sqrt(2000) ~ 0.045: 0.2 is over four.
    expect(Math.abs(n.mean().item() - 5)).toBeLessThan(0.2);
    const t = dn.truncatedNormal([1000], { std: 0.1, seed: 3 });
    expect(Math.max(...t.dataSync().map(Math.abs))).toBeLessThanOrEqual(0.2 + 1e-7);
    expect(dn.randint(0, 3, [2, 2], { seed: 4 }).shape).toEqual([2, 2]);
    expect(dn.randn([3], { seed: 9 }).toArray()).toEqual(dn.randn([3], { seed: 9 }).toArray());
    expect(dn.rand([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });
});
