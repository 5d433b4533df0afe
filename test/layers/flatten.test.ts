// Flatten: shapes, views, gradient, errors, channels-first inputs.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';

describe('flatten: should throw', () => {
  it('rejects unknown options and unknown dimensions', () => {
    expect(() => dn.layers.flatten({ inputshape: [2] } as never)).toThrow(/did you mean 'inputShape'/);
    const layer = dn.layers.flatten({ name: 'flat_unknown' });
    expect(() => layer.computeOutputShape([null, null, 3])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([null, null, 3])).toThrow('flat_unknown: every dimension but the batch must be known to flatten, got shape [null, null, 3]');
    expect(() => dn.layers.flatten({ dataFormat: 'channelFirst' as never })).toThrow(/unknown dataFormat 'channelFirst' \(did you mean 'channelsFirst'\?\)/);
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

  it('flattens channels-first inputs in channels-last order, as Keras and tfjs do', () => {
    // tfjs-layers core_test.ts › 'Flatten Layer: Tensor' › 'Flattens Tensor4D, channelFirst'.
    const x = dn.tensor([
      [[[10, 20], [30, 40]], [[-10, -20], [-30, -40]]],
      [[[1, 2], [3, 4]], [[-1, -2], [-3, -4]]],
    ]);
    const layer = dn.layers.flatten({ dataFormat: 'channelsFirst' });
    expect(layer.apply(x).toArray()).toEqual([[10, -10, 20, -20, 30, -30, 40, -40], [1, -1, 2, -2, 3, -3, 4, -4]]);
    expect(dn.layers.flatten({ dataFormat: 'channels_first' }).dataFormat).toBe('channelsFirst');
    // Rank 2 inputs have nothing to move: the same as channels-last.
    expect(dn.layers.flatten({ dataFormat: 'channelsFirst' }).apply(dn.tensor([[1, 2, 3]])).toArray()).toEqual([[1, 2, 3]]);
    // The gradient comes back in the input's layout.
    const input = dn.tensor([[[1, 2], [3, 4]]], { requiresGrad: true });
    dn.layers.flatten({ dataFormat: 'channelsFirst' }).apply(input).mul(dn.tensor([1, 2, 3, 4])).sum().backward();
    expect(input.grad!.toArray()).toEqual([[[1, 3], [2, 4]]]);
    // tfjs-layers core_test.ts › 'Serialization round trip'.
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer)))) as dn.layers.Flatten;
    expect(copy.getConfig().dataFormat).toBe('channelsFirst');
  });

  it('predictAsync equals predict through a channels-first flatten (it runs on the main thread)', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.flatten({ inputShape: [2, 3, 2], dataFormat: 'channelsFirst' }),
      dn.layers.dense({ units: 4, kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
    ] });
    const x = dn.randn([5, 2, 3, 2], { seed: 2 });
    expect(Array.from((await model.predictAsync(x)).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    const channelsLast = dn.sequential({ layers: [dn.layers.flatten({ inputShape: [3, 2, 2] }), model.layers[1]] });
    expect(Array.from(model.predict(x).dataSync())).toEqual(Array.from(channelsLast.predict(dn.transpose(x, [0, 2, 3, 1])).dataSync()));
  });
});
