// SpecAugment's masking layers and GaussianNoise: identity at inference, torchaudio's band draws in
// training, seeded reproducibility, gradients, validation, and save/load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';

/** The masked [start, end) along `axis` of example b of a [batch, a, c] output of ones masked to 0. */
function band(y: Float32Array, shape: number[], b: number, axis: 1 | 2): [number, number] {
  const [, rows, cols] = shape;
  const masked: number[] = [];
  const size = axis === 1 ? rows : cols;
  for (let i = 0; i < size; i++) {
    const cells = axis === 1 ? Array.from({ length: cols }, (_, j) => y[(b * rows + i) * cols + j]) : Array.from({ length: rows }, (_, r) => y[(b * rows + r) * cols + i]);
    if (cells.every((v) => v === 0)) masked.push(i);
    else expect(cells.every((v) => v === 1)).toBe(true); // a band spans the whole other axis
  }
  if (masked.length === 0) return [0, 0];
  expect(masked[masked.length - 1] - masked[0] + 1).toBe(masked.length); // consecutive
  return [masked[0], masked[masked.length - 1] + 1];
}

describe('timeMasking and frequencyMasking', () => {
  const x = dn.ones([64, 6, 40]); // [batch, melBins, frames]

  it('are the identity at inference (the same tensor)', () => {
    expect(dn.layers.timeMasking({ timeMaskParam: 10 }).apply(x)).toBe(x);
    expect(dn.layers.frequencyMasking({ freqMaskParam: 3 }).apply(x)).toBe(x);
  });

  it('mask one band per example, at most the parameter wide, along the last (time) or second-last (frequency) axis', () => {
    const time = dn.layers.timeMasking({ timeMaskParam: 10, seed: 1 }).apply(x, { training: true }).dataSync() as Float32Array;
    const freq = dn.layers.frequencyMasking({ freqMaskParam: 4, seed: 1 }).apply(x, { training: true }).dataSync() as Float32Array;
    const widths = new Set<number>();
    const starts = new Set<number>();
    for (let b = 0; b < 64; b++) {
      const [start, end] = band(time, [64, 6, 40], b, 2);
      expect(end - start).toBeLessThanOrEqual(10);
      widths.add(end - start);
      starts.add(start);
      const [fs, fe] = band(freq, [64, 6, 40], b, 1);
      expect(fe - fs).toBeLessThanOrEqual(4);
      expect(fe).toBeLessThanOrEqual(6);
    }
    // Independent masks per example (iidMasks): many widths and starts.
    expect(widths.size).toBeGreaterThan(5);
    expect(starts.size).toBeGreaterThan(10);
  });

  it("takes torchaudio's p (a fraction of the steps), iidMasks, maskValue and another axis", () => {
    const capped = dn.layers.timeMasking({ timeMaskParam: 30, p: 0.1, seed: 2 }).apply(x, { training: true }).dataSync() as Float32Array;
    for (let b = 0; b < 64; b++) {
      const [s, e] = band(capped, [64, 6, 40], b, 2);
      expect(e - s).toBeLessThanOrEqual(4); // min(30, 0.1 * 40)
    }
    const shared = dn.layers.timeMasking({ timeMaskParam: 20, iidMasks: false, seed: 3 }).apply(x, { training: true }).dataSync() as Float32Array;
    const first = band(shared, [64, 6, 40], 0, 2);
    for (let b = 1; b < 64; b++) expect(band(shared, [64, 6, 40], b, 2)).toEqual(first);
    const filled = dn.layers.timeMasking({ timeMaskParam: 40, maskValue: -80, seed: 4 }).apply(x, { training: true }).dataSync();
    expect([...filled].every((v) => v === 1 || v === -80)).toBe(true);
    expect([...filled].some((v) => v === -80)).toBe(true);
    // [batch, frames, bins]: time is axis 1.
    const framesFirst = dn.layers.timeMasking({ timeMaskParam: 10, axis: 1, seed: 5 }).apply(dn.ones([8, 40, 6]), { training: true }).dataSync() as Float32Array;
    for (let b = 0; b < 8; b++) expect(band(framesFirst, [8, 40, 6], b, 1)[1]).toBeLessThanOrEqual(40);
  });

  it('are reproducible with a seed and pass no gradient through masked positions', () => {
    const a = dn.layers.timeMasking({ timeMaskParam: 10, seed: 9 }).apply(x, { training: true }).dataSync();
    const b = dn.layers.timeMasking({ timeMaskParam: 10, seed: 9 }).apply(x, { training: true }).dataSync();
    expect(b).toEqual(a);
    const input = dn.randn([4, 6, 40], { seed: 1, requiresGrad: true });
    const y = dn.layers.frequencyMasking({ freqMaskParam: 5, seed: 6 }).apply(input, { training: true });
    y.sum().backward();
    const grad = input.grad!.dataSync();
    const values = y.dataSync();
    const source = input.dataSync();
    for (let i = 0; i < grad.length; i++) expect(grad[i]).toBe(values[i] === source[i] ? 1 : 0);
  });

  it('validate their options, naming the layer and the option', () => {
    expect(() => dn.layers.timeMasking({} as never)).toThrow(/timeMasking: timeMaskParam is required/);
    expect(() => dn.layers.frequencyMasking({} as never)).toThrow(/frequencyMasking: freqMaskParam is required/);
    expect(() => dn.layers.timeMasking({ timeMaskParam: -1 })).toThrow(ValueError);
    expect(() => dn.layers.timeMasking({ timeMaskParam: 2.5 })).toThrow(/timeMaskParam/);
    expect(() => dn.layers.timeMasking({ timeMaskParam: 5, p: 1.5 })).toThrow(/timeMasking: p must be a number in \[0, 1\]/);
    expect(() => dn.layers.frequencyMasking({ freqMaskParam: 5, p: 0.5 } as never)).toThrow(/'p'/);
    expect(() => dn.layers.timeMasking({ timeMaskParam: 5, iidMasks: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.timeMasking({ timeMaskParam: 5, name: 'tm', axis: 0 }).apply(x, { training: true })).toThrow(
      'tm: axis 0 must name a non-batch axis of the input, got input shape [null, 6, 40]',
    );
    expect(() => dn.layers.frequencyMasking({ freqMaskParam: 5, axis: 3 }).computeOutputShape([null, 6, 40])).toThrow(ShapeError);
  });
});

describe('gaussianNoise', () => {
  const x = dn.zeros([100, 100]);

  it('is the identity at inference and adds N(0, stddev) noise in training', () => {
    const layer = dn.layers.gaussianNoise({ stddev: 0.5, seed: 1 });
    expect(layer.apply(x)).toBe(x);
    const y = layer.apply(x, { training: true }).dataSync();
    let sum = 0;
    let squares = 0;
    for (const v of y) {
      sum += v;
      squares += v * v;
    }
    const mean = sum / y.length;
    // 10,000 draws: the mean's standard deviation is 0.005, the standard deviation's about 0.0035.
    expect(Math.abs(mean)).toBeLessThan(0.025);
    expect(Math.abs(Math.sqrt(squares / y.length - mean * mean) - 0.5)).toBeLessThan(0.02);
    expect(dn.layers.gaussianNoise({ stddev: 0.5, seed: 1 }).apply(x, { training: true }).dataSync()).toEqual(y);
  });

  it('passes the gradient through unchanged and validates stddev', () => {
    const input = dn.randn([3, 4], { seed: 2, requiresGrad: true });
    dn.layers.gaussianNoise({ stddev: 1 }).apply(input, { training: true }).mul(3).sum().backward();
    expect([...input.grad!.dataSync()]).toEqual(new Array(12).fill(3));
    expect(() => dn.layers.gaussianNoise({} as never)).toThrow(/gaussianNoise: stddev is required/);
    expect(() => dn.layers.gaussianNoise({ stddev: -1 })).toThrow(ValueError);
    expect(() => dn.layers.gaussianNoise({ stddev: '1' as never })).toThrow(ArgumentTypeError);
  });
});

describe('augmentation layers: configs and saved models', () => {
  it('round-trip their configs and load in a saved model, where they stay the identity at inference', async () => {
    const layers = [
      dn.layers.timeMasking({ timeMaskParam: 7, p: 0.5, iidMasks: false, maskValue: -1, seed: 3 }),
      dn.layers.frequencyMasking({ freqMaskParam: 2, axis: -2, seed: 4 }),
      dn.layers.gaussianNoise({ stddev: 0.25, seed: 5 }),
    ];
    for (const layer of layers) {
      const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer))));
      expect(copy.className).toBe(layer.className);
      expect(copy.getConfig()).toEqual({ ...layer.getConfig(), name: copy.name });
    }
    const model = dn.sequential({
      layers: [
        dn.layers.gaussianNoise({ stddev: 0.1, inputShape: [4, 10] }),
        dn.layers.frequencyMasking({ freqMaskParam: 2 }),
        dn.layers.timeMasking({ timeMaskParam: 3 }),
        dn.layers.flatten(),
        dn.layers.dense({ units: 2 }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const input = dn.randn([5, 4, 10], { seed: 8 });
    await model.fit(input, dn.zeros([5, 2]), { epochs: 1, verbose: 0 });
    const folder = mkdtempSync(join(tmpdir(), 'dendrite-augment-'));
    try {
      await model.save(folder);
      const loaded = await dn.loadModel(folder);
      expect(loaded.layers.map((l) => l.className)).toEqual(['GaussianNoise', 'FrequencyMasking', 'TimeMasking', 'Flatten', 'Dense']);
      expect(loaded.predict(input).dataSync()).toEqual(model.predict(input).dataSync());
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
