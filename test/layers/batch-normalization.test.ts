// BatchNormalization: options and validation, training (batch statistics, moving averages with
// Keras' momentum rule) and inference (moving statistics), the frozen layer's inference mode, weights
// order and config, gradient checks in both modes.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { randomTensor } from '../helpers/gradcheck.js';
import { checkLayer } from '../helpers/layers.js';

describe('batchNormalization: should throw', () => {
  it('rejects bad options and inputs, naming the layer', () => {
    expect(() => dn.layers.batchNormalization({ momentum: 2 })).toThrow(ValueError);
    expect(() => dn.layers.batchNormalization({ epsilon: -1 })).toThrow(/epsilon must be >= 0/);
    expect(() => dn.layers.batchNormalization({ axis: 0 })).toThrow(/axis 0 is the batch/);
    expect(() => dn.layers.batchNormalization({ center: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.batchNormalization({ axes: 1 } as never)).toThrow(/unknown option 'axes' \(did you mean 'axis'\?\)/);
    const layer = dn.layers.batchNormalization({ axis: 3, name: 'bn1' });
    expect(() => layer.apply(dn.zeros([2, 3, 4]))).toThrow(/bn1: axis 3 is not a channel axis of inputs of shape \[null, 3, 4\]/);
    layer.apply(dn.zeros([2, 3, 4, 5]));
    expect(() => layer.apply(dn.zeros([2, 3, 4, 6]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 3, 4, 6]))).toThrow(/bn1: expected input with 5 channels on axis 3/);
  });
});

describe('batchNormalization', () => {
  it('trains on batch statistics and updates the moving averages; infers with them', () => {
    const layer = dn.layers.batchNormalization({ momentum: 0.9 });
    const x = randomTensor([8, 3, 3, 2], { seed: 1 }).mul(2).add(5);
    expect(layer.weights).toHaveLength(0);
    const y = layer.apply(x, { training: true });
    expect(layer.weights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(layer.trainableWeights).toHaveLength(2);
    const mean = x.mean([0, 1, 2]).dataSync();
    const variance = x.variance([0, 1, 2]).dataSync();
    // y is normalized per channel.
    const ym = y.mean([0, 1, 2]).dataSync();
    const yv = y.variance([0, 1, 2]).dataSync();
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(ym[c])).toBeLessThan(1e-5);
      expect(yv[c]).toBeCloseTo(variance[c] / (variance[c] + 1e-3), 4);
    }
    const moving = layer.getWeights();
    for (let c = 0; c < 2; c++) {
      expect(moving[2].dataSync()[c]).toBeCloseTo(0.1 * mean[c], 5);
      expect(moving[3].dataSync()[c]).toBeCloseTo(0.9 + 0.1 * variance[c], 5);
    }
    // Inference: the moving statistics, left alone.
    const z = layer.apply(x);
    const expected = x.sub(moving[2]).div(moving[3].add(1e-3).sqrt());
    z.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected.dataSync()[i], 4));
    expect(layer.getWeights()[2].dataSync()).toEqual(moving[2].dataSync());
  });

  it('is in inference mode while training when frozen (trainable false), as Keras', async () => {
    const bn = dn.layers.batchNormalization();
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, inputShape: [4] }), bn] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = randomTensor([16, 4], { seed: 2 });
    const y = randomTensor([16, 3], { seed: 3 });
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const trained = bn.getWeights();
    expect(trained[2].dataSync().some((v) => v !== 0)).toBe(true);
    bn.trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const frozen = bn.getWeights();
    frozen.forEach((w, i) => expect(w.dataSync()).toEqual(trained[i].dataSync()));
  });

  it('passes the layer check in training and inference, for the last axis and axis 1', () => {
    const options = { gammaInitializer: dn.initializers.randomNormal({ seed: 4, mean: 1 }), betaInitializer: dn.initializers.randomNormal({ seed: 5 }) };
    checkLayer(dn.layers.batchNormalization(options), [6, 2, 3], { training: true, gradcheck: { atol: 1e-2 } });
    checkLayer(dn.layers.batchNormalization({ ...options, axis: 1, movingVarianceInitializer: dn.initializers.constant({ value: 2 }) }), [3, 2, 2, 2]);
    checkLayer(dn.layers.batchNormalization({ center: false, scale: false }), [5, 3], { training: true, gradcheck: { atol: 1e-2 } });
  });
});
