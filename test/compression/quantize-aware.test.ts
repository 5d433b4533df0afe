import { beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { accuracy, scaledDigits } from '../helpers/digits.js';
import { binding } from '../../lib/native.js';
import { fakeQuantizeInput, fakeQuantizeKernel, quantizeKernel, rangeParameters } from '../../lib/compression/quantization/index.js';


describe('fake quantisation (straight-through estimator)', () => {
  it('rounds an input as the u8 quantiser does and passes the gradient inside the range only', () => {
    const { scale, zeroPoint } = rangeParameters(-1, 3);
    const x = dn.tensor([-2, -1, -0.3, 0, 0.01, 1.234, 2.99, 3, 7], [9]);
    x.requiresGrad = true;
    const y = fakeQuantizeInput(x, scale, zeroPoint);
    const got = y.toArray() as number[];
    const q = new Uint8Array(9);
    binding.int8.quantizeU8(Float32Array.from(x.toArray() as number[]), 9, scale, zeroPoint, q);
    expect(got).toEqual(Array.from(q, (v) => Math.fround((v - zeroPoint) * scale)));
    expect(Math.abs(got[5]! - 1.234)).toBeLessThanOrEqual(scale / 2);
    y.mul(dn.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [9])).sum().backward();
    const lo = -zeroPoint * scale, hi = (255 - zeroPoint) * scale;
    expect(x.grad!.toArray()).toEqual([-2, -1, -0.3, 0, 0.01, 1.234, 2.99, 3, 7].map((v, i) => (v >= lo && v <= hi ? i + 1 : 0)));
  });

  it('rounds a kernel per output channel as dn.quantize does, with the identity gradient', () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 3) * 10));
    const kernel = dn.tensor(Array.from(values), [4, 3]);
    kernel.requiresGrad = true;
    const y = fakeQuantizeKernel(kernel, true);
    const { kernel: q, scales } = quantizeKernel(values, 4, 3, true);
    expect(y.toArray()).toEqual([0, 1, 2, 3].map((p) => [0, 1, 2].map((j) => Math.fround(q[p * 3 + j]! * scales[j]!))));
    y.mul(3).sum().backward();
    expect((kernel.grad!.toArray() as number[][]).flat()).toEqual(new Array(12).fill(3));
  });
});

describe('dn.quantization.quantizeAware', () => {
  let model: dn.Sequential;
  let x: dn.Tensor, y: dn.Tensor, xt: dn.Tensor, yt: dn.Tensor;

  beforeAll(async () => {
    ({ x, y, xt, yt } = scaledDigits());
    dn.seed(0);
    model = dn.sequential({ layers: [
      dn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0, seed: 0 });
    // An outlier activation: hidden unit 0 scaled up 300 times (its incoming weights and bias x 300, its outgoing
    // weights / 300). ReLU is positively homogeneous, so the float model computes the same function, but the second
    // layer's input range is now ~300 times wider and a per-tensor u8 scale leaves the other units few levels.
    const [k0, b0] = model.layers[0]!.getWeights().map((t) => t.toArray()) as [number[][], number[]];
    const [k1, b1] = model.layers[1]!.getWeights().map((t) => t.toArray()) as [number[][], number[]];
    for (const row of k0) row[0]! *= 300;
    b0[0]! *= 300;
    k1[0] = k1[0]!.map((v) => v / 300);
    model.layers[0]!.setWeights([dn.tensor(k0), dn.tensor(b0)]);
    model.layers[1]!.setWeights([dn.tensor(k1), dn.tensor(b1)]);
  }, 60_000);

  it('recovers the accuracy post-training quantisation loses on a model with an outlier activation', async () => {
    const float = accuracy(model, xt, yt);
    expect(float).toBeGreaterThan(0.85);
    const ptq = accuracy(dn.quantize(model, { mode: 'static', calibrationData: x.slice(0, 512) }), xt, yt);
    expect(ptq).toBeLessThan(float - 0.08);

    const qat = dn.quantization.quantizeAware(model);
    expect(qat).not.toBe(model);
    expect(qat.layers.map((l) => l.className)).toEqual(['QuantizeAwareDense', 'QuantizeAwareDense']);
    qat.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
    await qat.fit(x, y, { epochs: 6, batchSize: 32, verbose: 0, seed: 0 });
    const layers = qat.layers as dn.quantization.QuantizeAwareDense[];
    expect(layers[0]!.inputRange).toEqual([0, 1]);
    expect(layers[1]!.inputRange![1]).toBeGreaterThan(100);

    // dn.quantize takes the trained ranges: no calibration data; the int8 model computes what the QAT model does.
    const int8 = dn.quantize(qat, { mode: 'static' });
    expect(int8.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense']);
    const qatInt8 = accuracy(int8, xt, yt);
    expect(qatInt8).toBeGreaterThan(ptq + 0.1);
    expect(qatInt8).toBeGreaterThanOrEqual(float - 0.015);
    expect(int8.predict(xt).sub(qat.predict(xt)).abs().max().item()).toBeLessThan(1e-3);

    // The original is unchanged, and fine-tuning it in float32 alone does not help its int8 form.
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dense']);
    const tuned = dn.sequential({ layers: [
      dn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    tuned.setWeights(model.getWeights());
    tuned.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
    await tuned.fit(x, y, { epochs: 6, batchSize: 32, verbose: 0, seed: 0 });
    expect(accuracy(dn.quantize(tuned, { mode: 'static', calibrationData: x.slice(0, 512) }), xt, yt)).toBeLessThan(qatInt8 - 0.05);
  }, 60_000);

  it('saves and loads a quantisation-aware model with its ranges; per-layer scales; exclude', async () => {
    const qat = dn.quantization.quantizeAware(model, { perChannel: false, exclude: [model.layers[1]!.name] });
    expect(qat.layers.map((l) => l.className)).toEqual(['QuantizeAwareDense', 'Dense']);
    qat.compile({ optimizer: dn.optimizers.sgd(1e-3), loss: 'sparseCategoricalCrossentropy' });
    await qat.fit(x.slice(0, 64), y.slice(0, 64), { epochs: 1, batchSize: 32, verbose: 0 });
    const loaded = await dn.loadModelFromBuffer(await qat.saveToBuffer());
    expect(loaded.layers.map((l) => l.className)).toEqual(['QuantizeAwareDense', 'Dense']);
    expect((loaded.layers[0] as dn.quantization.QuantizeAwareDense).perChannel).toBe(false);
    expect((loaded.layers[0] as dn.quantization.QuantizeAwareDense).inputRange).toEqual((qat.layers[0] as dn.quantization.QuantizeAwareDense).inputRange);
    expect(loaded.predict(xt).toArray()).toEqual(qat.predict(xt).toArray());
    // Static quantisation of a model with a float layer left over needs calibration for that layer only.
    const excluded = dn.quantize(qat, { mode: 'static', exclude: [model.layers[1]!.name] });
    expect(excluded.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'Dense']);
    expect(() => dn.quantize(qat, { mode: 'static' })).toThrow(/needs calibrationData .*dense/);
    expect(dn.quantize(qat, { mode: 'static', calibrationData: x.slice(0, 64) }).layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense']);
  }, 60_000);

  it('rejects bad arguments with typed errors', () => {
    expect(() => dn.quantization.quantizeAware({} as dn.Sequential)).toThrow(dn.ArgumentTypeError);
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 2 })] });
    expect(() => dn.quantization.quantizeAware(unbuilt)).toThrow(/not built yet/);
    expect(() => dn.quantization.quantizeAware(model, { exclude: ['nope'] })).toThrow(/exclude names 'nope', which is not a Dense layer/);
    expect(() => dn.quantization.quantizeAware(model, { exclude: model.layers.map((l) => l.name) })).toThrow(/no Dense layer/);
    expect(() => dn.quantization.quantizeAware(model, { rangeDecay: 1 })).toThrow(/rangeDecay must be in \[0, 1\)/);
    expect(() => dn.quantization.quantizeAware(model, { bits: 4 } as never)).toThrow(/bits/);
    const flatten = dn.sequential({ layers: [dn.layers.flatten({ inputShape: [2, 2] })] });
    expect(() => dn.quantization.quantizeAware(flatten)).toThrow(dn.ValueError);
  });
});
