import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const x23 = () => dn.tensor([[1, 2, 3], [4, 5, 6]]);

describe('shape ops: should throw', () => {
  it('reshape: on a size mismatch or a bad shape', () => {
    expect(() => x23().reshape([4, 2])).toThrow(ShapeError);
    expect(() => x23().reshape([4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)');
    expect(() => x23().reshape([-1, 4])).toThrow(ShapeError);
    expect(() => x23().reshape([-1, -1])).toThrow(/only one -1/);
    expect(() => x23().reshape([2, -2])).toThrow(ValueError);
    expect(() => x23().reshape('2,3' as never)).toThrow(ArgumentTypeError);
  });
  it('transpose/permute: on a bad permutation', () => {
    expect(() => x23().transpose([0, 0])).toThrow(/perm must be a permutation of the 2 axes/);
    expect(() => x23().permute([0])).toThrow(ValueError);
    expect(() => x23().permute([0, 2])).toThrow(ValueError);
  });
  it('squeeze/expandDims/flatten: on bad axes', () => {
    expect(() => x23().squeeze(0)).toThrow("squeeze: cannot squeeze axis 0 of shape [2, 3]: its size is 2, not 1");
    expect(() => x23().squeeze(2)).toThrow(/axis must be an integer from -2 to 1, got 2/);
    expect(() => x23().expandDims(4)).toThrow(ValueError);
    expect(() => x23().flatten(1, 0)).toThrow(ValueError);
    expect(() => dn.tensor(1).squeeze(0)).toThrow(/rank-0 tensor/);
  });
  it('broadcastTo: on incompatible shapes', () => {
    expect(() => x23().broadcastTo([3])).toThrow(ShapeError);
    expect(() => x23().broadcastTo([2, 2])).toThrow('broadcastTo: cannot broadcast [2, 3] to [2, 2]: axis 1 is 3, not 1 or 2');
  });
  it('slice: on out-of-range bounds', () => {
    expect(() => x23().slice([0, 4])).toThrow(ValueError);
    expect(() => x23().slice([0, 1], [2, 3])).toThrow('slice: begin[1] + size[1] = 4 runs past axis 1 of size 3 (shape [2, 3])');
    expect(() => x23().slice([0, 0, 0])).toThrow(/begin has 3 entries/);
    expect(() => x23().slice([0.5])).toThrow(ValueError);
    expect(() => x23().slice('0' as never)).toThrow(ArgumentTypeError);
  });
  it('split: on parts that do not add up', () => {
    expect(() => x23().split(2, 1)).toThrow(ShapeError);
    expect(() => x23().split([1, 1], 1)).toThrow('split: sizes [1, 1] add up to 2, but axis 1 of shape [2, 3] has 3 entries');
    expect(() => x23().split(0)).toThrow(ValueError);
    expect(() => x23().split([-1, -1], 1)).toThrow(ValueError);
  });
  it('concat/stack: on mismatched shapes, dtypes or empty lists', () => {
    expect(() => dn.concat([x23(), dn.zeros([2, 2])], 0)).toThrow(ShapeError);
    expect(() => dn.concat([x23(), dn.zeros([2, 2])], 0)).toThrow('concat: tensors[1] has shape [2, 2], expected [*, 3] to join along axis 0');
    expect(() => dn.concat([x23(), dn.zeros([2, 3], 'int32')])).toThrow(DTypeError);
    expect(() => dn.concat([])).toThrow(ValueError);
    expect(() => dn.concat(x23() as never)).toThrow(ArgumentTypeError);
    expect(() => dn.concat([dn.tensor(1), dn.tensor(2)])).toThrow(ShapeError);
    expect(() => dn.stack([x23(), dn.zeros([3, 2])])).toThrow(ShapeError);
  });
  it('pad: on bad paddings', () => {
    expect(() => x23().pad([[1, 1]])).toThrow(/one \[before, after\] pair per axis: 2 for shape \[2, 3\], got 1/);
    expect(() => x23().pad([[1, 1], [-1, 0]])).toThrow(ValueError);
    expect(() => x23().pad([[1, 1], 2] as never)).toThrow(ArgumentTypeError);
    expect(() => dn.zeros([2], 'int32').pad([[1, 1]], 0.5)).toThrow(ValueError);
  });
  it('gather/oneHot: on bad indices', () => {
    expect(() => x23().gather([0, 2])).toThrow('gather: indices[1] = 2 is out of range for axis 0 of size 2 (shape [2, 3])');
    expect(() => x23().gather(dn.tensor([0, 1]))).toThrow(DTypeError);
    expect(() => x23().gather([0.5])).toThrow(ValueError);
    expect(() => x23().gather('0' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.oneHot([0, 3], 3)).toThrow(/indices\[1\] = 3 is out of range for depth 3/);
    expect(() => dn.oneHot([0], 0)).toThrow(ValueError);
  });
  it('cast: on an unknown dtype', () => {
    expect(() => x23().cast('bool' as never)).toThrow(ValueError);
  });
});

describe('shape ops: values', () => {
  it('reshape is a view of a contiguous tensor and infers -1', () => {
    const x = x23();
    const y = x.reshape([3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expect(y.storage).toBe(x.storage);
    expect(dn.reshape(x, [6]).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(x.transpose().reshape([6]).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(dn.zeros([0, 6]).reshape([-1, 3]).shape).toEqual([0, 3]);
    expect(() => dn.zeros([0, 3]).reshape([3, -1, 0])).toThrow(ShapeError); // ambiguous, as in NumPy
  });
  it('flatten keeps the axes outside the range', () => {
    const x = dn.zeros([2, 3, 4]);
    expect(x.flatten().shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(dn.tensor(5).flatten().shape).toEqual([1]);
  });
  it('transpose and permute make strided views', () => {
    const x = dn.arange(24).reshape([2, 3, 4]);
    const t = x.transpose();
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.storage).toBe(x.storage);
    expect(t.toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1, 2].map((j) => [0, 1].map((i) => i * 12 + j * 4 + k))),
    );
    const p = dn.permute(x, [1, 0, 2]);
    expect(p.shape).toEqual([3, 2, 4]);
    expect(p.slice([1, 1, 2], [1, 1, 1]).item()).toBe(1 * 12 + 1 * 4 + 2);
    expect(x.transpose([0, 1, 2])).toBe(x);
  });
  it('squeeze and expandDims', () => {
    const x = dn.zeros([1, 3, 1]);
    expect(x.squeeze().shape).toEqual([3]);
    expect(x.squeeze(-1).shape).toEqual([1, 3]);
    expect(x.squeeze([0, 2]).shape).toEqual([3]);
    expect(x23().expandDims().shape).toEqual([1, 2, 3]);
    expect(x23().expandDims(-1).shape).toEqual([2, 3, 1]);
    expect(x23().expandDims(1).toArray()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(x23().transpose().expandDims(1).toArray()).toEqual([[[1, 4]], [[2, 5]], [[3, 6]]]);
  });
  it('broadcastTo shares storage with zero strides', () => {
    const b = dn.tensor([1, 2, 3]).broadcastTo([2, 3]);
    expect(b.strides).toEqual([0, 1]);
    expect(b.toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(dn.tensor([[1], [2]]).broadcastTo([2, 2, 3]).toArray()).toEqual([
      [[1, 1, 1], [2, 2, 2]],
      [[1, 1, 1], [2, 2, 2]],
    ]);
  });
  it('slice follows TensorFlow.js semantics and is a view', () => {
    const x = dn.arange(12).reshape([3, 4]);
    expect(x.slice([1, 1], [2, 2]).toArray()).toEqual([[5, 6], [9, 10]]);
    expect(x.slice(1).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(x.slice([0, 2], [-1, 1]).toArray()).toEqual([[2], [6], [10]]);
    expect(x.slice([-1]).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(x.slice([0, 4], [3, 0]).shape).toEqual([3, 0]);
    const rows = x.slice([1], [1]);
    expect(rows.isContiguous).toBe(true);
    expect(rows.storage.buffer).toBe(x.storage.buffer);
  });
  it('split into equal parts or given sizes', () => {
    const x = dn.arange(12).reshape([2, 6]);
    const parts = x.split(3, 1);
    expect(parts.map((p) => p.toArray())).toEqual([[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]]);
    expect(dn.split(x, [1, -1, 2], 1).map((p) => p.shape)).toEqual([[2, 1], [2, 3], [2, 2]]);
  });
  it('concat and stack', () => {
    const a = x23();
    const b = dn.tensor([[7, 8, 9]]);
    expect(dn.concat([a, b]).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(dn.concat([a, a.slice([0, 0], [-1, 1])], 1).toArray()).toEqual([[1, 2, 3, 1], [4, 5, 6, 4]]);
    expect(dn.concat([a.transpose(), a.transpose()], -1).toArray()).toEqual([[1, 4, 1, 4], [2, 5, 2, 5], [3, 6, 3, 6]]);
    expect(dn.stack([dn.tensor([1, 2]), dn.tensor([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(dn.stack([dn.tensor([1, 2]), dn.tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(dn.stack([dn.tensor(1), dn.tensor(2)]).toArray()).toEqual([1, 2]);
    expect(dn.concat([dn.zeros([2, 0]), dn.ones([2, 1])], 1).toArray()).toEqual([[1], [1]]);
  });
  it('pad with a constant', () => {
    expect(dn.tensor([[1, 2]]).pad([[1, 0], [0, 1]], 9).toArray()).toEqual([[9, 9, 9], [1, 2, 9]]);
    expect(dn.tensor([1, 2], undefined, 'int32').pad([[2, 0]]).toArray()).toEqual([0, 0, 1, 2]);
  });
  it('gather along an axis, with index tensors of any rank', () => {
    const x = dn.arange(6).reshape([2, 3]);
    expect(x.gather([2, 0], 1).toArray()).toEqual([[2, 0], [5, 3]]);
    expect(x.gather(dn.tensor([[1, 1], [0, 1]], undefined, 'int32')).shape).toEqual([2, 2, 3]);
    expect(x.gather(1).toArray()).toEqual([3, 4, 5]);
    expect(dn.gather(dn.tensor([10, 20, 30], undefined, 'int32'), [2, 2]).toArray()).toEqual([30, 30]);
  });
  it('oneHot', () => {
    expect(dn.oneHot([1, 0], 3).toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    expect(dn.oneHot(dn.tensor([[2]], undefined, 'int32'), 3, 5, -1).toArray()).toEqual([[[-1, -1, 5]]]);
  });
  it('cast truncates toward zero and saturates', () => {
    expect(dn.tensor([1.7, -1.7, NaN, 1e10, -1e10]).cast('int32').toArray()).toEqual([1, -1, 0, 2147483647, -2147483648]);
    expect(dn.tensor([3], undefined, 'int32').cast('float32').dtype).toBe('float32');
  });
  it('clone shares nothing', () => {
    const x = x23();
    const c = dn.clone(x.transpose());
    expect(c.isContiguous).toBe(true);
    expect(c.storage.buffer === x.storage.buffer && c.storage.byteOffset === x.storage.byteOffset).toBe(false);
    expect(c.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });
});

describe('shape ops: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  const r = (shape: number[], seed = 1) => randomTensor(shape, { seed });
  it('reshape / flatten', () => {
    gradcheck((x) => x.reshape([3, 2]), [r([2, 3])]);
    gradcheck((x) => x.transpose().reshape([-1]), [r([2, 3])]);
    gradcheck((x) => x.flatten(1), [r([2, 2, 2])]);
    gradcheck((x) => x.reshape([0, 2]), [r([2, 0])]);
  });
  it('transpose / permute', () => {
    gradcheck((x) => x.transpose(), [r([2, 3])]);
    gradcheck((x) => dn.permute(x, [2, 0, 1]), [r([2, 3, 2])]);
  });
  it('squeeze / expandDims', () => {
    gradcheck((x) => x.squeeze(), [r([1, 3, 1])]);
    gradcheck((x) => x.transpose().expandDims(1), [r([2, 3])]);
  });
  it('slice / split', () => {
    gradcheck((x) => x.slice([1, 0], [1, 2]), [r([3, 3])]);
    gradcheck((x) => x.transpose().slice([0, 1]), [r([2, 3])]);
    gradcheck((x) => x.split([1, 2], 1)[1], [r([2, 3])]);
    gradcheck((x) => x.slice([0], [0]), [r([2])]);
  });
  it('pad', () => {
    gradcheck((x) => x.pad([[1, 0], [2, 1]], 3), [r([2, 2])]);
    gradcheck((x) => x.pad([[1, 1]]), [r([0])]);
  });
  it('gather', () => {
    gradcheck((x) => x.gather([2, 0], 1), [r([2, 3])]);
    gradcheck((x) => x.gather(dn.tensor([[0, 0]], undefined, 'int32')), [r([2, 2])]);
  });
  it('concat / stack', () => {
    gradcheck((a, b) => dn.concat([a, b], 1), [r([2, 1]), r([2, 3], 2)]);
    gradcheck((a, b) => dn.stack([a, b], 1), [r([2, 2]), r([2, 2], 2)]);
    gradcheck((a, b) => dn.concat([a, b]), [r([0, 2]), r([1, 2], 2)]);
  });
  it('broadcastTo', () => {
    gradcheck((x) => x.broadcastTo([2, 3, 2]), [r([3, 1])]);
    gradcheck((x) => dn.broadcastTo(x, [4]), [r([])]);
  });
});
