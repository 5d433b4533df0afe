import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding } from '../../lib/native.js';
import { QuantizedConv } from '../../lib/compression/quantization/quantized-conv.js';
import { quantizeKernel, rangeParameters } from '../../lib/compression/quantization/index.js';

/**
 * The int8 convolution by its definition: u8 input (the zero point outside the image), integer sums of each
 * patch by the int8 kernel, then the int8 GEMM's own epilogue — applied here through binding.int8.gemm on the
 * patches gathered in JS, so the comparison is bit for bit.
 */
function reference(
  x: Float32Array, [batch, inH, inW, inC]: number[], kernel: Int8Array, [kh, kw, outC]: number[], scales: Float32Array, bias: Float32Array | null,
  strides: number[], dilations: number[], pads: number[], [outH, outW]: number[], scale: number, zeroPoint: number, activation: number,
): Float32Array {
  const q = new Uint8Array(x.length);
  binding.int8.quantizeU8(x, x.length, scale, zeroPoint, q);
  const depth = kh * kw * inC;
  const patches = new Uint8Array(batch * outH * outW * depth).fill(zeroPoint);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * strides[0]! - pads[0]! + ky * dilations[0]!, ix = ox * strides[1]! - pads[1]! + kx * dilations[1]!;
            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
            for (let c = 0; c < inC; c++) {
              patches[(((b * outH + oy) * outW + ox) * kh * kw + ky * kw + kx) * inC + c] = q[((b * inH + iy) * inW + ix) * inC + c]!;
            }
          }
        }
      }
    }
  }
  const packed = new Int8Array(binding.int8.packedLength(depth, outC));
  const sums = new Int32Array(outC);
  binding.int8.packWeights(kernel, depth, outC, packed, sums);
  const m = batch * outH * outW;
  const out = new Float32Array(m * outC);
  binding.int8.gemm(m, outC, depth, patches, depth, zeroPoint, scale, packed, sums, scales, bias, activation, 0, out, outC);
  return out;
}

function range(x: Float32Array): [number, number] {
  let lo = 0, hi = 0;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

describe('int8 convolutions (dn.quantize of Conv2D and Conv1D)', () => {
  it('equal the integer reference bit for bit (padding, strides, dilation; static and dynamic) and stay within the error bound of float32', () => {
    const cases = [
      { kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 1, inputShape: [9, 7, 3], filters: 5 },
      { kernelSize: [2, 3], strides: [2, 1], padding: 'valid' as const, dilationRate: 1, inputShape: [8, 9, 4], filters: 20 },
      { kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 2, inputShape: [10, 10, 2], filters: 7 },
    ];
    for (const [i, c] of cases.entries()) {
      dn.seed(10 + i);
      const float = dn.sequential({ layers: [dn.layers.conv2d({ ...c, activation: 'relu', biasInitializer: 'glorotUniform' })] });
      const x = dn.randn([3, ...c.inputShape], { seed: 20 + i });
      for (const mode of ['static', 'dynamic'] as const) {
        const int8 = dn.quantize(float, mode === 'static' ? { mode, calibrationData: x } : { mode });
        const layer = int8.layers[0] as QuantizedConv;
        expect(layer.className).toBe('QuantizedConv2D');
        const got = int8.predict(x);
        const g = (float.layers[0] as dn.layers.Conv2D);
        const xs = x.dataSync() as Float32Array;
        const { scale, zeroPoint } = mode === 'static' ? { scale: layer.inputScale, zeroPoint: layer.inputZeroPoint } : rangeParameters(...range(xs));
        const kernel = layer.quantizedWeights!;
        const [outH, outW] = got.shape.slice(1, 3);
        const ks = Array.isArray(c.kernelSize) ? c.kernelSize : [c.kernelSize, c.kernelSize];
        const st = Array.isArray(c.strides) ? c.strides : [c.strides, c.strides];
        const extent = ks.map((k) => (k - 1) * c.dilationRate + 1);
        const pads = c.padding === 'valid' ? [0, 0] : [0, 1].map((a) => Math.floor(Math.max((([outH, outW][a]! - 1) * st[a]! + extent[a]! - c.inputShape[a]!), 0) / 2));
        const want = reference(xs, [3, ...c.inputShape], kernel.kernel, [ks[0]!, ks[1]!, c.filters], kernel.kernelScales, kernel.bias,
          st, [c.dilationRate, c.dilationRate], pads, [outH!, outW!], scale, zeroPoint, binding.opCodes.unary.relu);
        expect(got.dataSync(), `case ${i} ${mode}`).toEqual(want);
        // Within the documented bound of float32: per output, sum over the patch of |x| s_w / 2 + (|w| + s_w / 2) s_x / 2.
        const { scales } = quantizeKernel(g.kernel!.value.dataSync() as Float32Array, ks[0]! * ks[1]! * c.inputShape[2]!, c.filters, true);
        const maxAbsX = Math.max(...Array.from(xs, Math.abs)), maxAbsW = Math.max(...Array.from(g.kernel!.value.dataSync() as Float32Array, Math.abs));
        const depth = ks[0]! * ks[1]! * c.inputShape[2]!;
        const bound = depth * (maxAbsX * Math.max(...scales) / 2 + (maxAbsW + Math.max(...scales) / 2) * scale / 2);
        expect(got.sub(float.predict(x)).abs().max().item()).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('quantises Conv1D (causal) and a digits CNN with small accuracy loss; saves and loads bit for bit; predictAsync equals predict', async () => {
    dn.seed(3);
    const seq = dn.sequential({ layers: [dn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'causal', inputShape: [12, 2], activation: 'tanh' }), dn.layers.flatten(), dn.layers.dense({ units: 2 })] });
    const xs = dn.randn([5, 12, 2], { seed: 4 });
    const q1 = dn.quantize(seq, { mode: 'static', calibrationData: xs });
    expect(q1.layers.map((l) => l.className)).toEqual(['QuantizedConv1D', 'Flatten', 'QuantizedDense']);
    expect(q1.predict(xs).sub(seq.predict(xs)).abs().max().item()).toBeLessThan(0.05);

    const digits = dn.datasets.digits();
    const x = digits.xTrain.div(16).reshape([-1, 8, 8, 1]), xt = digits.xTest.div(16).reshape([-1, 8, 8, 1]);
    dn.seed(5);
    const cnn = dn.sequential({ layers: [
      dn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    cnn.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    await cnn.fit(x, digits.yTrain, { epochs: 4, batchSize: 32, verbose: 0, seed: 0 });
    const accuracy = (m: dn.Model) => (m.predict(xt) as dn.Tensor).argmax(-1).equal(digits.yTest).cast('float32').mean().item();
    const int8 = dn.quantize(cnn, { mode: 'static', calibrationData: x.slice(0, 256) });
    expect(int8.layers.map((l) => l.className)).toEqual(['QuantizedConv2D', 'MaxPooling2D', 'QuantizedConv2D', 'Flatten', 'QuantizedDense']);
    expect(accuracy(cnn)).toBeGreaterThan(0.8);
    expect(Math.abs(accuracy(int8) - accuracy(cnn))).toBeLessThanOrEqual(0.01);

    const loaded = await dn.loadModelFromBuffer(await int8.saveToBuffer());
    expect(loaded.layers.map((l) => l.className)).toEqual(int8.layers.map((l) => l.className));
    for (const i of [0, 2]) {
      const a = (int8.layers[i] as QuantizedConv).quantizedWeights!, b = (loaded.layers[i] as QuantizedConv).quantizedWeights!;
      expect(b.kernel).toEqual(a.kernel);
      expect(b.kernelScales).toEqual(a.kernelScales);
      expect(b.bias).toEqual(a.bias);
    }
    expect(loaded.predict(xt).dataSync()).toEqual(int8.predict(xt).dataSync());
    expect((await int8.predictAsync(xt)).dataSync()).toEqual(int8.predict(xt).dataSync());
  });

  it('leaves grouped convolutions in float32 and names them when excluded wrongly; the layer checks its weights', () => {
    const grouped = dn.sequential({ layers: [dn.layers.conv2d({ filters: 4, kernelSize: 1, groups: 2, inputShape: [3, 3, 2] }), dn.layers.flatten(), dn.layers.dense({ units: 1 })] });
    expect(dn.quantize(grouped).layers.map((l) => l.className)).toEqual(['Conv2D', 'Flatten', 'QuantizedDense']);
    expect(() => dn.quantize(grouped, { exclude: [grouped.layers[0]!.name] })).toThrow(/only Dense, Conv2D and Conv1D \(groups 1\)/);
    const layer = new QuantizedConv({ rank: 2, filters: 2, kernelSize: 2, inputChannels: 3, mode: 'dynamic' });
    expect(() => layer.setQuantizedWeights({ kernel: new Int8Array(5), kernelScales: new Float32Array(2), bias: new Float32Array(2) })).toThrow(/kernel must be an Int8Array of 24 values/);
    expect(() => new QuantizedConv({ rank: 3 as 2, filters: 2, kernelSize: 2, inputChannels: 3, mode: 'dynamic' })).toThrow(/rank must be 1/);
    expect(() => binding.int8.conv2d(new Float32Array(4), new Int32Array(18), new Int8Array(0), new Int32Array(0), new Float32Array(0), null, 0, 0, 0, 0, new Float32Array(0))).toThrow();
  });
});
