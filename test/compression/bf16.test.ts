import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';

function accuracy(model: dn.Model, x: dn.Tensor, labels: dn.Tensor): number {
  const predicted = (model.predict(x) as dn.Tensor).argmax(-1).toArray() as number[];
  const truth = labels.toArray() as number[];
  return predicted.filter((p, i) => p === truth[i]).length / truth.length;
}

describe("dn.quantize with dtype 'bfloat16'", () => {
  let model: dn.Sequential;
  let xt: dn.Tensor, yt: dn.Tensor;

  beforeAll(async () => {
    const digits = dn.datasets.digits();
    xt = digits.xTest.div(16);
    yt = digits.yTest;
    dn.seed(0);
    model = dn.sequential({ layers: [
      dn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ units: 32, activation: 'relu' }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(digits.xTrain.div(16), digits.yTrain, { epochs: 10, batchSize: 32, verbose: 0, seed: 0 });
  }, 60_000);

  it('keeps digits accuracy within 0.5 points of float32, leaves the original unchanged, predictAsync = predict', async () => {
    const float = accuracy(model, xt, yt);
    expect(float).toBeGreaterThan(0.85);
    const bf16 = dn.quantize(model, { dtype: 'bfloat16' });
    expect(bf16.layers.map((l) => l.className)).toEqual(['Bf16Dense', 'Bf16Dense', 'Bf16Dense']);
    expect(Math.abs(accuracy(bf16, xt, yt) - float)).toBeLessThanOrEqual(0.005);
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dense', 'Dense']);
    const batch = xt.slice(0, 33);
    expect(await bf16.predictAsync(batch).then((t) => t.toArray())).toEqual(bf16.predict(batch).toArray());
    const excluded = dn.quantize(model, { dtype: 'bfloat16', exclude: [model.layers[2]!.name] });
    expect(excluded.layers.map((l) => l.className)).toEqual(['Bf16Dense', 'Bf16Dense', 'Dense']);
  });

  it('keeps each output within the documented error bound of float32 (one layer)', () => {
    const linear = dn.sequential({ layers: [dn.layers.dense({ units: 16, inputShape: [64] })] });
    linear.setWeights(model.layers[0]!.getWeights().map((w, i) => (i === 0 ? w.slice([0, 0], [64, 16]) : w.slice(0, 16))));
    const bf16 = dn.quantize(linear, { dtype: 'bfloat16' });
    const batch = xt.slice(0, 40).mul(1.37);
    const got = bf16.predict(batch).toArray() as number[][];
    const want = linear.predict(batch).toArray() as number[][];
    const [kernel, bias] = linear.layers[0]!.getWeights().map((w) => w.toArray()) as [number[][], number[]];
    const inputs = batch.toArray() as number[][];
    const k = 64;
    const factor = 2 ** -7 + 2 ** -15 + (k + 1) * 2 ** -23;
    let worst = 0;
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 16; j++) {
        let magnitude = Math.abs(bias[j]!);
        for (let p = 0; p < k; p++) magnitude += Math.abs(inputs[i]![p]! * kernel[p]![j]!);
        const error = Math.abs(got[i]![j]! - want[i]![j]!);
        expect(error).toBeLessThanOrEqual(factor * magnitude);
        if (magnitude > 0) worst = Math.max(worst, error / magnitude);
      }
    }
    expect(worst).toBeGreaterThan(0);  // the outputs are bf16's, not float32's
  });

  it('rejects bad options with typed errors', async () => {
    expect(() => dn.quantize(model, { dtype: 'float8' as 'bfloat16' })).toThrow(dn.ValueError);
    expect(() => dn.quantize(model, { dtype: 'bfloat16', mode: 'static' })).toThrow(/mode is an option of dtype 'int8'/);
    expect(() => dn.quantize(model, { dtype: 'bfloat16', perChannel: true })).toThrow(/perChannel is an option of dtype 'int8'/);
    expect(() => dn.quantize(model, { dtype: 'bfloat16', calibrationData: xt })).toThrow(dn.ValueError);
    expect(() => dn.quantize(model, { dtype: 'bfloat16', exclude: ['nope'] })).toThrow(/not a layer of the model/);
    expect(() => new dn.Bf16Dense({ units: 0, inputDim: 3 })).toThrow(dn.ValueError);
    const layer = new dn.Bf16Dense({ units: 2, inputDim: 3 });
    expect(() => layer.setBf16Weights({ kernel: new Uint16Array(5), bias: new Float32Array(2) })).toThrow(/kernel must be a Uint16Array of 6/);
    expect(() => layer.setBf16Weights({ kernel: new Uint16Array(6), bias: null })).toThrow(/bias must be a Float32Array/);
    const folder = mkdtempSync(join(tmpdir(), 'dendrite-bf16-'));
    try {
      await expect(dn.quantize(model, { dtype: 'bfloat16' }).save(folder, { format: 'tfjs' })).rejects.toThrow(/is bfloat16 .*only Dendrite's own format/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('saves BF16 kernels and loads them bit for bit (folder and buffer), with typed errors for bad files', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dendrite-bf16-'));
    try {
      const bf16 = dn.quantize(model, { dtype: 'bfloat16' });
      await bf16.save(join(folder, 'bf16'));
      const loaded = await dn.loadModel(join(folder, 'bf16'));
      expect(loaded.layers.map((l) => l.className)).toEqual(['Bf16Dense', 'Bf16Dense', 'Bf16Dense']);
      for (let i = 0; i < 3; i++) {
        const a = (bf16.layers[i] as dn.Bf16Dense).bf16Weights!, b = (loaded.layers[i] as dn.Bf16Dense).bf16Weights!;
        expect(Array.from(b.kernel)).toEqual(Array.from(a.kernel));
        expect(Array.from(b.bias!)).toEqual(Array.from(a.bias!));
      }
      expect(loaded.predict(xt).toArray()).toEqual(bf16.predict(xt).toArray());
      const fromBuffer = await dn.loadModelFromBuffer(await bf16.saveToBuffer());
      expect(fromBuffer.predict(xt).toArray()).toEqual(bf16.predict(xt).toArray());
      // About half the float32 file (the biases stay float32).
      await model.save(join(folder, 'float'));
      const size = (name: string) => statSync(join(folder, name, 'weights.safetensors')).size;
      expect(size('bf16')).toBeLessThan(0.55 * size('float'));
      // The spec's dtype name; a kernel relabelled F16 is a SerializationError naming it.
      const weightsPath = join(folder, 'bf16', 'weights.safetensors');
      const file = readFileSync(weightsPath);
      const header = file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8');
      const name = `${model.layers[1]!.name}/kernel`;
      expect(header).toContain(`"${name}":{"dtype":"BF16"`);
      const patched = Buffer.from(file);
      patched.write(header.replace(`"${name}":{"dtype":"BF16"`, `"${name}":{"dtype":"I32"`), 8, 'utf8');
      writeFileSync(weightsPath, patched);
      const description = JSON.parse(readFileSync(join(folder, 'bf16', 'model.json'), 'utf8'));
      description.weights.sha256 = createHash('sha256').update(patched).digest('hex');
      writeFileSync(join(folder, 'bf16', 'model.json'), JSON.stringify(description));
      await expect(dn.loadModel(join(folder, 'bf16'))).rejects.toThrow(dn.SerializationError);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
