// Flatten: shapes, views, gradient, errors.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';

describe('flatten: should throw', () => {
  it('rejects unknown options and unknown dimensions', () => {
    expect(() => dn.layers.flatten({ inputshape: [2] } as never)).toThrow(/did you mean 'inputShape'/);
    const layer = dn.layers.flatten({ name: 'flat_unknown' });
    expect(() => layer.computeOutputShape([null, null, 3])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([null, null, 3])).toThrow('flat_unknown: every dimension but the batch must be known to flatten, got shape [null, null, 3]');
  });
});

describe('flatten', () => {
  it('flattens each sample, sharing the input storage', () => {
    const layer = dn.layers.flatten({ inputShape: [2, 3] });
    const x = dn.arange(12).reshape([2, 2, 3]);
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 6]);
    expect(y.storage).toBe(x.storage);
    expect(layer.computeOutputShape([null, 2, 3])).toEqual([null, 6]);
    expect(dn.layers.flatten().apply(dn.tensor([1, 2, 3])).shape).toEqual([3, 1]);
  });

  it('passes the gradient back in the input shape', () => {
    const x = dn.tensor([[[1, 2], [3, 4]]], { requiresGrad: true });
    dn.layers.flatten().apply(x).mul(dn.tensor([1, 2, 3, 4])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[1, 2], [3, 4]]]);
  });
});
