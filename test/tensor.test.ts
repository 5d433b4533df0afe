import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../lib/errors.js';

describe('tensor: should throw', () => {
  it('on data that is not numbers', () => {
    expect(() => dn.tensor('abc' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.tensor([1, 'a'] as never)).toThrow(/tensor: data\[1\] must be a number/);
    expect(() => dn.tensor({} as never)).toThrow(ArgumentTypeError);
    expect(() => dn.tensor(null as never)).toThrow(TypeError);
  });
  it('on ragged nested arrays', () => {
    expect(() => dn.tensor([[1, 2], [3]])).toThrow(ValueError);
    expect(() => dn.tensor([[1, 2], [3]])).toThrow(/ragged: data\[1\] has length 1, expected 2/);
    expect(() => dn.tensor([[1, 2], 3] as never)).toThrow(/ragged/);
  });
  it('when the shape does not match the data', () => {
    expect(() => dn.tensor([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => dn.tensor([1, 2, 3], [2, 2])).toThrow('tensor: shape [2, 2] needs 4 values, got 3');
    expect(() => dn.tensor(new Float32Array(5), [2, 3])).toThrow(ShapeError);
    expect(() => dn.tensor(1, [2])).toThrow(ShapeError);
  });
  it('on bad shapes, dtypes and options', () => {
    expect(() => dn.tensor([1], [-1])).toThrow(ValueError);
    expect(() => dn.tensor([1], [1.5])).toThrow(/shape\[0\] must be a non-negative integer/);
    expect(() => dn.tensor([1], ['1'] as never)).toThrow(ArgumentTypeError);
    expect(() => dn.tensor([1], undefined, 'float64' as never)).toThrow(/unknown dtype 'float64' \(did you mean 'float32'\?\)/);
    expect(() => dn.tensor([1], { dtyp: 'int32' } as never)).toThrow(/unknown option 'dtyp' \(did you mean 'dtype'\?\)/);
    expect(() => dn.tensor([1], { requiresGrad: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.tensor([1], { dtype: 'int32' }, 'int32')).toThrow(ValueError);
  });
  it('on non-integer or out-of-range int32 data', () => {
    expect(() => dn.tensor([1.5], undefined, 'int32')).toThrow(/int32 data must hold integers .* got 1.5 at index 0/);
    expect(() => dn.tensor([2 ** 31], undefined, 'int32')).toThrow(ValueError);
  });
  it('on requiresGrad for int32 or for a computed tensor', () => {
    expect(() => dn.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError);
    const x = dn.tensor([1, 2], { requiresGrad: true });
    const y = x.reshape([2, 1]);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/cannot turn off gradients of a tensor computed by 'reshape'/);
    expect(() => {
      x.requiresGrad = 'yes' as never;
    }).toThrow(ArgumentTypeError);
  });
  it('on item() of a tensor with several elements', () => {
    expect(() => dn.tensor([1, 2]).item()).toThrow('item: only a tensor with one element has an item, got shape [2] (2 elements)');
  });
  it('on a bad direct construction', () => {
    expect(() => new dn.Tensor([1, 2] as never, [2])).toThrow(ArgumentTypeError);
    expect(() => new dn.Tensor(new Float32Array(3), [2, 2])).toThrow(ShapeError);
    expect(() => new dn.Tensor(new Float32Array(3), [2, 2], [2, 1])).toThrow(ShapeError);
  });
});

describe('tensor: creation from data', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = dn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float32');
    expect(t.dataSync()).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
  });
  it('makes scalars and empty tensors', () => {
    const s = dn.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    expect(s.toArray()).toBe(3.5);
    const e = dn.tensor([]);
    expect(e.shape).toEqual([0]);
    expect(e.size).toBe(0);
    expect(dn.tensor([[], []]).shape).toEqual([2, 0]);
  });
  it('uses a Float32Array or Int32Array without copying', () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const t = dn.tensor(values, [2, 2]);
    expect(t.storage).toBe(values);
    values[0] = 9;
    expect(t.toArray()).toEqual([[9, 2], [3, 4]]);
    const labels = dn.tensor(new Int32Array([0, 2, 1]));
    expect(labels.dtype).toBe('int32');
  });
  it('converts other typed arrays and booleans', () => {
    expect(dn.tensor(new Float64Array([0.5, 1.5])).dataSync()).toEqual(new Float32Array([0.5, 1.5]));
    expect(dn.tensor(new Uint8Array([1, 255]), undefined, 'int32').toArray()).toEqual([1, 255]);
    expect(dn.tensor([true, false]).toArray()).toEqual([1, 0]);
    expect(dn.tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]).shape).toEqual([2, 2]);
  });
  it('accepts the options form', () => {
    const t = dn.tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'int32', requiresGrad: false });
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('int32');
    const g = dn.tensor([1, 2], { requiresGrad: true });
    expect(g.requiresGrad).toBe(true);
    expect(g.isLeaf).toBe(true);
  });
  it('copies a tensor given as data', () => {
    const a = dn.tensor([1, 2]);
    const b = dn.tensor(a);
    expect(b.storage).not.toBe(a.storage);
    expect(b.toArray()).toEqual([1, 2]);
    expect(dn.tensor(a, undefined, 'int32').dtype).toBe('int32');
  });
  it('rounds float values to float32', () => {
    expect(dn.tensor([0.1]).item()).toBe(Math.fround(0.1));
  });
});

describe('tensor: data access', () => {
  it('returns its own storage from dataSync() when contiguous, a copy for a view', () => {
    const t = dn.tensor([[1, 2], [3, 4]]);
    expect(t.dataSync()).toBe(t.storage);
    const view = t.transpose();
    expect(view.isContiguous).toBe(false);
    expect(view.dataSync()).toEqual(new Float32Array([1, 3, 2, 4]));
    expect(view.storage).toBe(t.storage);
  });
  it('resolves data() asynchronously', async () => {
    expect(await dn.tensor([1, 2]).data()).toEqual(new Float32Array([1, 2]));
  });
  it('builds nested arrays with toArray()', () => {
    expect(dn.arange(24).reshape([2, 3, 4]).toArray()).toEqual([
      [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],
      [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]],
    ]);
    expect(dn.zeros([2, 0]).toArray()).toEqual([[], []]);
  });
  it('reports strides', () => {
    expect(dn.zeros([2, 3, 4]).strides).toEqual([12, 4, 1]);
    expect(dn.zeros([2, 3]).transpose().strides).toEqual([1, 3]);
  });
  it('detaches without copying', () => {
    const x = dn.tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.storage).toBe(x.storage);
  });
});

describe('tensor: text form', () => {
  it('prints shape, dtype and aligned values', () => {
    expect(dn.tensor([[1, 2, 3], [4, 5, 6]]).toString()).toBe('Tensor(shape=[2, 3], dtype=float32)\n[[1, 2, 3],\n [4, 5, 6]]');
    expect(dn.tensor([[1.5, -2], [3, 4]]).toString()).toBe(
      'Tensor(shape=[2, 2], dtype=float32)\n[[ 1.5000, -2.0000],\n [ 3.0000,  4.0000]]',
    );
    expect(dn.tensor(7, undefined, 'int32').toString()).toBe('Tensor(shape=[], dtype=int32)\n7');
    expect(dn.tensor([1e-6, 1]).toString()).toContain('1.0000e-6');
    expect(dn.tensor([NaN, Infinity]).toString()).toContain('NaN, Infinity');
  });
  it('mentions requiresGrad and the op that made it', () => {
    const x = dn.tensor([1, 2], { requiresGrad: true });
    expect(x.toString()).toContain('requiresGrad=true');
    expect(x.reshape([2, 1]).toString()).toContain('gradFn=reshape');
  });
  it('separates the blocks of rank-3 tensors with a blank line', () => {
    expect(dn.arange(8).reshape([2, 2, 2]).toString()).toBe(
      'Tensor(shape=[2, 2, 2], dtype=float32)\n[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]',
    );
  });
  it('elides large tensors', () => {
    const text = dn.arange(10000).reshape([100, 100]).toString();
    expect(text.split('\n').length).toBe(1 + 7);
    expect(text).toContain('[   0,    1,    2, ...,   97,   98,   99]');
    expect(text).toContain(' ...,\n');
    expect(text).toContain('[9900, 9901, 9902, ..., 9997, 9998, 9999]]');
  });
  it('is what util.inspect and console.log show', () => {
    const t = dn.tensor([1, 2]);
    expect(inspect(t)).toBe(t.toString());
  });
});
