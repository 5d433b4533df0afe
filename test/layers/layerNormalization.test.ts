import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('layerNormalization: should throw', () => {
  it('rejects bad options and inputs that do not fit', () => {
    expect(() => dn.layers.layerNormalization({ epsilon: -1 })).toThrow(ValueError);
    expect(() => dn.layers.layerNormalization({ axis: 1.5 })).toThrow(/axis/);
    expect(() => dn.layers.layerNormalization({ axis: [] })).toThrow(/axis/);
    expect(() => dn.layers.layerNormalization({ center: 'yes' as never })).toThrow(/center/);
    expect(() => dn.layers.layerNormalization({ epsillon: 1 } as never)).toThrow(/unknown option 'epsillon'/);
    expect(() => dn.layers.layerNormalization({ gammaInitializer: 'nope' })).toThrow(/nope/);
    const layer = dn.layers.layerNormalization({ name: 'ln' });
    expect(() => layer.apply(dn.zeros([3]))).toThrow(/ln: expected input of rank at least 2/);
    layer.apply(dn.zeros([2, 4]));
    expect(() => layer.apply(dn.zeros([2, 5]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 5]))).toThrow(/ln: expected the normalized axes to have shape \[4\], got input shape \[2, 5\]/);
    expect(() => dn.layers.layerNormalization({ axis: 0 }).apply(dn.zeros([2, 3]))).toThrow(/batch axis/);
  });
});

describe('layerNormalization', () => {
  it('has Keras defaults: gamma ones then beta zeros over the last axis, epsilon 1e-3', () => {
    const layer = dn.layers.layerNormalization();
    const x = randomTensor([2, 5, 6], { seed: 1 });
    const y = layer.apply(x);
    expect(layer.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['gamma', [6]], ['beta', [6]]]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(dn.layerNorm(x).dataSync()));
    expect(layer.countParams()).toBe(12);
    const noAffine = dn.layers.layerNormalization({ center: false, scale: false });
    noAffine.apply(x);
    expect(noAffine.weights).toEqual([]);
  });

  it('normalizes over several axes with weights shaped like them', () => {
    const layer = dn.layers.layerNormalization({ axis: [1, 2], gammaInitializer: dn.initializers.randomNormal({ seed: 2 }) });
    const x = randomTensor([3, 4, 5], { seed: 3 });
    const y = layer.apply(x);
    expect(layer.gamma!.shape).toEqual([4, 5]);
    const want = dn.layerNorm(x, { axis: [1, 2], scale: layer.gamma!.value, offset: layer.beta!.value });
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
  });

  it('trains inside a model (gradients of gamma and beta against finite differences)', () => {
    const layer = dn.layers.layerNormalization({ gammaInitializer: dn.initializers.randomNormal({ seed: 4 }), betaInitializer: dn.initializers.randomNormal({ seed: 5 }) });
    const x = randomTensor([4, 7], { seed: 6 });
    layer.apply(x);
    const [gamma, beta] = layer.getWeights();
    gradcheck((input: dn.Tensor, g: dn.Tensor, b: dn.Tensor) => {
      layer.setWeights([g.detach(), b.detach()]);
      return dn.layerNorm(input, { scale: g, offset: b });
    }, [x, gamma, beta]);
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 6, inputShape: [7] }), dn.layers.layerNormalization(), dn.layers.dense({ units: 1 })] });
    model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'meanSquaredError' });
    const before = model.layers[1].getWeights()[0].dataSync().slice();
    model.trainOnBatch(x, dn.ones([4, 1]));
    expect(Array.from(model.layers[1].getWeights()[0].dataSync())).not.toEqual(Array.from(before));
  });

  it('survives a save/load round trip bit for bit', async () => {
    const model = dn.sequential({
      layers: [dn.layers.layerNormalization({ inputShape: [3, 4], axis: [1, 2], epsilon: 1e-5, center: false, gammaInitializer: dn.initializers.randomUniform({ seed: 7 }) })],
    });
    const x = randomTensor([2, 3, 4], { seed: 8 });
    const restored = await dn.loadModelFromBuffer(await model.saveToBuffer());
    const layer = restored.layers[0] as dn.layers.LayerNormalization;
    expect([layer.axis, layer.epsilon, layer.center, layer.scale]).toEqual([[1, 2], 1e-5, false, true]);
    expect(Array.from((restored.predict(x) as dn.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as dn.Tensor).dataSync()));
  });
});
