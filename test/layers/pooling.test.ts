// The pooling layers: validation, shapes against computeOutputShape, the ops they run, configs and
// gradient checks through the shared layer check, in both data formats.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { checkLayer } from '../helpers/layers.js';

/** Values spaced far apart, so a finite-difference step never changes which element is a window's maximum. */
function distinct(shape: number[]): dn.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return dn.tensor(Float32Array.from({ length: size }, (_, i) => ((i * 37) % size) * 0.1 - size * 0.05), shape);
}

describe('pooling layers: should throw', () => {
  it('rejects bad options and inputs, naming the layer and the shapes', () => {
    expect(() => dn.layers.maxPooling2d({ poolSize: 0 })).toThrow(/maxPooling2d: poolSize must be positive integers, got 0/);
    expect(() => dn.layers.averagePooling1d({ strides: [1, 1] })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.maxPooling2d({ padding: 'full' as never })).toThrow(ValueError);
    expect(() => dn.layers.maxPooling2d({ pool_size: 2 } as never)).toThrow(/unknown option 'pool_size'/);
    expect(() => dn.layers.globalAveragePooling2d({ keepdims: 1 as never })).toThrow(ArgumentTypeError);
    const layer = dn.layers.maxPooling2d({ poolSize: 3, name: 'p1' });
    expect(() => layer.apply(dn.zeros([1, 4, 4]))).toThrow(/p1: expected input of rank 4 .* got shape \[null, 4, 4\]/);
    expect(() => layer.apply(dn.zeros([1, 2, 4, 1]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([1, 2, 4, 1]))).toThrow(/p1: the height of the pool window \(3\) is larger than the input's \(2\)/);
    expect(() => dn.layers.globalMaxPooling1d({ name: 'g1' }).apply(dn.zeros([2, 3, 4, 1]))).toThrow(/g1: expected input of rank 3/);
  });
});

describe('pooling layers', () => {
  it('run the pooling ops, with Keras defaults (pool 2, strides = pool, valid)', () => {
    const x = distinct([2, 6, 5, 3]);
    expect(dn.layers.maxPooling2d().apply(x).dataSync()).toEqual(dn.maxPool2d(x, 2).dataSync());
    expect(dn.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x).dataSync())
      .toEqual(dn.avgPool2d(x, 3, { strides: 1, padding: 'same' }).dataSync());
    const first = dn.layers.maxPooling2d({ dataFormat: 'channels_first' }).apply(x.transpose([0, 3, 1, 2]));
    expect(first.transpose([0, 2, 3, 1]).dataSync()).toEqual(dn.maxPool2d(x, 2).dataSync());
    const s = distinct([2, 7, 3]);
    expect(dn.layers.maxPooling1d({ poolSize: 3, strides: 2 }).apply(s).dataSync()).toEqual(dn.maxPool1d(s, 3, { strides: 2 }).dataSync());
    expect(dn.layers.maxPooling2d({ poolSize: [2, 3] }).computeOutputShape([null, null, 9, 4])).toEqual([null, null, 3, 4]);
  });

  it('pass the layer check in both data formats', () => {
    checkLayer(dn.layers.maxPooling2d({ poolSize: [2, 3], strides: [2, 1], padding: 'same' }), [2, 5, 4, 2], { input: distinct([2, 5, 4, 2]) });
    checkLayer(dn.layers.averagePooling2d({ dataFormat: 'channelsFirst' }), [1, 2, 5, 4]);
    checkLayer(dn.layers.maxPooling1d({ dataFormat: 'channelsFirst', padding: 'same' }), [2, 3, 5], { input: distinct([2, 3, 5]) });
    checkLayer(dn.layers.averagePooling1d({ poolSize: 3, strides: 1 }), [2, 6, 2]);
  });

  it('global pooling reduces the spatial axes (or keeps them with keepdims)', () => {
    const x = distinct([2, 3, 4, 5]);
    expect(dn.layers.globalAveragePooling2d().apply(x).dataSync()).toEqual(x.mean([1, 2]).dataSync());
    expect(dn.layers.globalMaxPooling2d({ keepdims: true }).apply(x).shape).toEqual([2, 1, 1, 5]);
    expect(dn.layers.globalMaxPooling2d({ dataFormat: 'channelsFirst' }).apply(x).dataSync()).toEqual(x.max([2, 3]).dataSync());
    expect(dn.layers.globalAveragePooling1d().computeOutputShape([null, null, 7])).toEqual([null, 7]);
    checkLayer(dn.layers.globalAveragePooling2d({ keepdims: true }), [2, 3, 2, 2]);
    checkLayer(dn.layers.globalMaxPooling1d(), [2, 4, 3], { input: distinct([2, 4, 3]) });
    checkLayer(dn.layers.globalMaxPooling2d(), [2, 3, 2, 2], { input: distinct([2, 3, 2, 2]) });
    checkLayer(dn.layers.globalAveragePooling1d({ dataFormat: 'channelsFirst' }), [2, 3, 4]);
  });
});
