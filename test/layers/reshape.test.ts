// Reshape: target shapes with -1, errors naming the layer and both shapes, gradient.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

describe('reshape: should throw', () => {
  it('validates the target shape', () => {
    expect(() => dn.layers.reshape({} as never)).toThrow(/reshape: targetShape is required/);
    expect(() => dn.layers.reshape({ targetShape: [-1, -1] })).toThrow(/at most one targetShape entry may be -1/);
    expect(() => dn.layers.reshape({ targetShape: [0, 2] })).toThrow(ValueError);
    expect(() => dn.layers.reshape({ targetShape: 4 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.reshape({ targetShape: [2], targetshape: [2] } as never)).toThrow(/unknown option 'targetshape'/);
  });

  it('names the layer and both shapes when the sizes differ', () => {
    const layer = dn.layers.reshape({ targetShape: [5, 2], name: 'reshape_bad' });
    expect(() => layer.computeOutputShape([null, 12])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([null, 12])).toThrow(
      'reshape_bad: cannot reshape input of shape [null, 12] (12 elements per sample) to target shape [5, 2] (10 elements)',
    );
    expect(() => dn.layers.reshape({ targetShape: [5, -1], name: 'reshape_free' }).computeOutputShape([null, 12])).toThrow(/cannot reshape input of shape \[null, 12\]/);
  });
});

describe('reshape', () => {
  it('infers -1 and reshapes each sample', () => {
    const layer = dn.layers.reshape({ targetShape: [-1, 2] });
    expect(layer.computeOutputShape([null, 3, 4])).toEqual([null, 6, 2]);
    const x = dn.arange(24).reshape([2, 12]);
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 6, 2]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('passes the gradient back in the input shape and keeps its config', () => {
    const x = dn.tensor([[1, 2, 3, 4]], { requiresGrad: true });
    const layer = dn.layers.reshape({ targetShape: [2, 2] });
    layer.apply(x).mul(dn.tensor([[1, 2], [3, 4]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 2, 3, 4]]);
    expect(layer.getConfig()).toMatchObject({ targetShape: [2, 2] });
  });
});
