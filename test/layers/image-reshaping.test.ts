// ZeroPadding2D, UpSampling2D and SpatialDropout2D: validation, values, configs and gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { checkLayer } from '../helpers/layers.js';

describe('zeroPadding2d, upSampling2d, spatialDropout2d: should throw', () => {
  it('rejects bad options and inputs', () => {
    expect(() => dn.layers.zeroPadding2d({ padding: -1 })).toThrow(ValueError);
    expect(() => dn.layers.zeroPadding2d({ padding: [1, 2, 3] as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.upSampling2d({ size: 0 })).toThrow(/upSampling2d: size must be positive integers, got 0/);
    expect(() => dn.layers.upSampling2d({ interpolation: 'bilinear' as never })).toThrow(/interpolation 'bilinear' is not implemented/);
    expect(() => dn.layers.spatialDropout2d({ rate: 1 })).toThrow(ValueError);
    expect(() => dn.layers.spatialDropout2d({} as never)).toThrow(/spatialDropout2d: rate is required/);
    expect(() => dn.layers.zeroPadding2d({ name: 'z1' }).apply(dn.zeros([1, 2, 2]))).toThrow(ShapeError);
    expect(() => dn.layers.upSampling2d({ name: 'u1' }).apply(dn.zeros([1, 2, 2]))).toThrow(/u1: expected input of rank 4/);
  });
});

describe('zeroPadding2d', () => {
  it('pads rows and columns with zeros, in both data formats', () => {
    const x = dn.ones([1, 2, 2, 1]);
    const y = dn.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }).apply(x);
    expect(y.shape).toEqual([1, 3, 4, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(dn.layers.zeroPadding2d({ dataFormat: 'channelsFirst' }).computeOutputShape([null, 3, 4, 5])).toEqual([null, 3, 6, 7]);
    checkLayer(dn.layers.zeroPadding2d({ padding: [1, 2] }), [2, 2, 3, 2]);
  });
});

describe('upSampling2d', () => {
  it('repeats rows and columns, in both data formats', () => {
    const x = dn.tensor([[1, 2], [3, 4]]).reshape([1, 2, 2, 1]);
    const y = dn.layers.upSampling2d({ size: [2, 1] }).apply(x);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    checkLayer(dn.layers.upSampling2d(), [2, 2, 3, 2]);
    checkLayer(dn.layers.upSampling2d({ size: [1, 3], dataFormat: 'channelsFirst' }), [1, 2, 2, 2]);
  });
});

describe('spatialDropout2d', () => {
  it('drops whole channels in training (scaling the rest), and is the identity at inference', () => {
    const layer = dn.layers.spatialDropout2d({ rate: 0.5, seed: 7 });
    const x = dn.ones([4, 3, 3, 8]);
    expect(layer.apply(x).dataSync()).toEqual(x.dataSync());
    const y = layer.apply(x, { training: true });
    const values = y.dataSync();
    let dropped = 0;
    for (let n = 0; n < 4; n++) {
      for (let c = 0; c < 8; c++) {
        const channel = Array.from({ length: 9 }, (_, p) => values[(n * 9 + p) * 8 + c]);
        expect(new Set(channel).size).toBe(1);
        expect([0, 2]).toContain(channel[0]);
        if (channel[0] === 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(28);
    const copy = dn.layers.spatialDropout2d({ rate: 0.5, seed: 7, dataFormat: 'channelsFirst' });
    expect(copy.getConfig()).toMatchObject({ rate: 0.5, seed: 7, dataFormat: 'channelsFirst' });
    checkLayer(dn.layers.spatialDropout2d({ rate: 0.3 }), [2, 2, 2, 3]);
  });
});
