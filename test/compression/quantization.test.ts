import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { accuracy, scaledDigits } from '../helpers/digits.js';
import { rangeParameters, quantizeKernel } from '../../lib/compression/quantization/index.js';


describe('dn.quantize', () => {
  let model: dn.Sequential;
  let x: dn.Tensor, y: dn.Tensor, xt: dn.Tensor, yt: dn.Tensor;

  beforeAll(async () => {
    ({ x, y, xt, yt } = scaledDigits());
    dn.seed(0);
    model = dn.sequential({ layers: [
      dn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ units: 32, activation: 'relu' }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0, seed: 0 });
  }, 60_000);

  it('static int8 accuracy on digits is within 0.5 points of float32; min-max and percentile calibrators', () => {
    const float = accuracy(model, xt, yt);
    expect(float).toBeGreaterThan(0.85);
    for (const calibrator of ['minMax', 'percentile'] as const) {
      const int8 = dn.quantize(model, { mode: 'static', calibrationData: x.slice(0, 512), calibrator });
      expect(int8).not.toBe(model);
      expect(int8.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense', 'QuantizedDense']);
      expect(Math.abs(accuracy(int8, xt, yt) - float), calibrator).toBeLessThanOrEqual(0.005);
    }
    // The original is unchanged and still float32.
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dense', 'Dense']);
  });

  it('keeps each output within the documented error bound of float32 (dynamic, one layer)', () => {
    const linear = dn.sequential({ layers: [dn.layers.dense({ units: 16, inputShape: [64] })] });
    linear.setWeights(model.layers[0]!.getWeights().map((w, i) => (i === 0 ? w.slice([0, 0], [64, 16]) : w.slice(0, 16))));
    const int8 = dn.quantize(linear, { mode: 'dynamic' });
    const batch = xt.slice(0, 40);
    const got = int8.predict(batch).toArray() as number[][];
    const want = linear.predict(batch).toArray() as number[][];
    const kernel = linear.layers[0]!.getWeights()[0]!.toArray() as number[][];
    const flat = Float32Array.from(kernel.flat());
    const { scales } = quantizeKernel(flat, 64, 16, true);
    const inputs = batch.toArray() as number[][];
    const { scale: sx } = rangeParameters(Math.min(...inputs.flat()), Math.max(...inputs.flat()));
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 16; j++) {
        let bound = 0;
        for (let p = 0; p < 64; p++) bound += Math.abs(inputs[i]![p]!) * scales[j]! / 2 + (Math.abs(kernel[p]![j]!) + scales[j]! / 2) * sx / 2;
        expect(Math.abs(got[i]![j]! - want[i]![j]!)).toBeLessThanOrEqual(bound * 1.001 + 1e-6);
      }
    }
  });

  it('dynamic mode, exclude, a graph model, predictAsync equal to predict', async () => {
    const dynamic = dn.quantize(model, { exclude: [model.layers[2]!.name] });
    expect(dynamic.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense', 'Dense']);
    expect(Math.abs(accuracy(dynamic, xt, yt) - accuracy(model, xt, yt))).toBeLessThanOrEqual(0.02);
    const batch = xt.slice(0, 33);
    expect(await dynamic.predictAsync(batch).then((t) => t.toArray())).toEqual(dynamic.predict(batch).toArray());

    const input = dn.input({ shape: [64] });
    const hidden = dn.layers.dense({ units: 24, activation: 'relu' }).apply(input) as dn.SymbolicTensor;
    const graph = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 10 }).apply(hidden) as dn.SymbolicTensor });
    const q = dn.quantize(graph, { mode: 'static', calibrationData: x.slice(0, 100) });
    const diff = q.predict(batch).sub(graph.predict(batch)).abs().max().item();
    expect(diff).toBeLessThan(0.05);
  });

  it('rejects bad arguments with typed errors', async () => {
    expect(() => dn.quantize({} as dn.Sequential)).toThrow(dn.ArgumentTypeError);
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 3 })] });
    expect(() => dn.quantize(unbuilt)).toThrow(/not built yet/);
    expect(() => dn.quantize(model, { mode: 'static' })).toThrow(/needs calibrationData/);
    expect(() => dn.quantize(model, { mode: 'static', calibrationData: dn.zeros([4, 63]) })).toThrow(dn.ShapeError);
    expect(() => dn.quantize(model, { mode: 'static', calibrationData: [x, x] })).toThrow(/one per model input/);
    expect(() => dn.quantize(model, { calibrationData: x })).toThrow(/option of mode 'static'/);
    expect(() => dn.quantize(model, { exclude: ['nope'] })).toThrow(/not a layer of the model/);
    expect(() => dn.quantize(model, { mode: 'fast' as 'static' })).toThrow(dn.ValueError);
    expect(() => dn.quantize(model, { mode: 'static', calibrationData: x, calibrator: 'minMax', percentile: 99 })).toThrow(/percentile/);
    expect(() => dn.quantize(model, { exclude: model.layers.map((l) => l.name) })).toThrow(/no Dense or Conv layer to quantise/);
    const withDropout = dn.sequential({ layers: [dn.layers.dense({ units: 4, inputShape: [3] }), dn.layers.dropout({ rate: 0.5 })] });
    expect(() => dn.quantize(withDropout, { exclude: [withDropout.layers[1]!.name] })).toThrow(/only Dense, Conv2D and Conv1D \(groups 1\) layers are quantised/);
    expect(() => dn.quantize(model, { perChannel: 1 as unknown as boolean })).toThrow(dn.ArgumentTypeError);
    expect(() => dn.quantize(model, { unknownOption: 1 } as never)).toThrow(dn.ValueError);
    // int8 layers are stored only in Dendrite's own format.
    const folder = mkdtempSync(join(tmpdir(), 'dendrite-int8-'));
    try {
      await expect(dn.quantize(model).save(folder, { format: 'tfjs' })).rejects.toThrow(/only Dendrite's own format/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('saves and loads int8 models bit for bit (folder and buffer), with typed errors for bad files', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dendrite-int8-'));
    try {
      for (const mode of ['static', 'dynamic'] as const) {
        const int8 = dn.quantize(model, mode === 'static' ? { mode, calibrationData: x.slice(0, 200) } : { mode, exclude: [model.layers[2]!.name] });
        const path = join(folder, mode);
        await int8.save(path);
        const loaded = await dn.loadModel(path);
        expect(loaded.layers.map((l) => l.className)).toEqual(int8.layers.map((l) => l.className));
        for (let i = 0; i < int8.layers.length; i++) {
          const a = int8.layers[i]!, b = loaded.layers[i]!;
          if (a instanceof dn.QuantizedDense) {
            const qa = a.quantizedWeights!, qb = (b as dn.QuantizedDense).quantizedWeights!;
            expect(Buffer.from(qb.kernel.buffer, qb.kernel.byteOffset, qb.kernel.byteLength).equals(Buffer.from(qa.kernel.buffer, qa.kernel.byteOffset, qa.kernel.byteLength))).toBe(true);
            expect(Array.from(qb.kernelScales)).toEqual(Array.from(qa.kernelScales));
            expect(Array.from(qb.bias!)).toEqual(Array.from(qa.bias!));
            expect([(b as dn.QuantizedDense).inputScale, (b as dn.QuantizedDense).inputZeroPoint]).toEqual([a.inputScale, a.inputZeroPoint]);
          }
        }
        expect(loaded.predict(xt).toArray()).toEqual(int8.predict(xt).toArray());
        const fromBuffer = await dn.loadModelFromBuffer(await int8.saveToBuffer());
        expect(fromBuffer.predict(xt).toArray()).toEqual(int8.predict(xt).toArray());
      }
      // The int8 file is much smaller than the float32 one.
      await model.save(join(folder, 'float'));
      const size = (name: string) => statSync(join(folder, name, 'weights.safetensors')).size;
      expect(size('static')).toBeLessThan(0.35 * size('float'));
      // A kernel stored with another dtype is a SerializationError naming it.
      const weightsPath = join(folder, 'static', 'weights.safetensors');
      const file = readFileSync(weightsPath);
      const headerLength = Number(file.readBigUInt64LE(0));
      const header = file.subarray(8, 8 + headerLength).toString('utf8');
      const name = `${model.layers[0]!.name}/kernel`;
      expect(header).toContain(`"${name}":{"dtype":"I8"`);
      const patched = Buffer.from(file);
      patched.write(header.replace(`"${name}":{"dtype":"I8"`, `"${name}":{"dtype":"U8"`), 8, 'utf8');
      const description = JSON.parse(readFileSync(join(folder, 'static', 'model.json'), 'utf8'));
      writeFileSync(weightsPath, patched);
      description.weights.sha256 = (await import('node:crypto')).createHash('sha256').update(patched).digest('hex');
      writeFileSync(join(folder, 'static', 'model.json'), JSON.stringify(description));
      await expect(dn.loadModel(join(folder, 'static'))).rejects.toThrow(new RegExp(`tensor '${name}' is U8 in the weights file but the architecture needs I8`));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
