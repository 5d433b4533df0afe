// Dropout: validation, identity at inference, seeded masks in training, inverted scaling, gradient,
// noiseShape (a mask broadcast over the input).
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { Workspace } from '../../lib/layers/layer.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';

describe('dropout: should throw', () => {
  it('needs a rate in [0, 1)', () => {
    expect(() => dn.layers.dropout({} as never)).toThrow(/dropout: rate is required/);
    expect(() => dn.layers.dropout({ rate: 1 })).toThrow(ValueError);
    expect(() => dn.layers.dropout({ rate: -0.1 })).toThrow(/dropout: rate must be a number in \[0, 1\), got -0.1/);
    expect(() => dn.layers.dropout({ rate: '0.5' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dropout({ rate: 0.5, seed: 1.5 })).toThrow(ValueError);
    expect(() => dn.layers.dropout({ rat: 0.5 } as never)).toThrow(/did you mean 'rate'/);
  });

  it('needs a noiseShape of positive integers or nulls that broadcasts to the input', () => {
    // Keras 3 dropout_test.py › test_validate_noise_shape_non_iterable / _invalid_type.
    expect(() => dn.layers.dropout({ rate: 0.5, noiseShape: 'Invalid' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dropout({ rate: 0.5, noiseShape: [null, 0] })).toThrow('dropout: noiseShape[1] must be an integer from 1 to 9007199254740991, got 0');
    expect(() => dn.layers.dropout({ rate: 0.5, noiseShape: [null, 1.5] })).toThrow(ValueError);
    const layer = dn.layers.dropout({ rate: 0.5, noiseShape: [null, 2, 1], name: 'drop_noise' });
    expect(() => layer.computeOutputShape([null, 5, 4])).toThrow(ShapeError);
    expect(() => layer.apply(dn.ones([3, 5, 4]), { training: true })).toThrow(
      'drop_noise: noiseShape [null, 2, 1] does not fit input shape [null, 5, 4]: it needs one entry per input dimension, each the input\'s size, 1 or null',
    );
    expect(() => dn.layers.dropout({ rate: 0.5, noiseShape: [null, 1] }).apply(dn.ones([3, 5, 4]), { training: true })).toThrow(ShapeError);
  });
});

describe('dropout', () => {
  const x = dn.ones([200, 50]);

  it('is the identity at inference (the same tensor)', () => {
    const layer = dn.layers.dropout({ rate: 0.5 });
    expect(layer.apply(x)).toBe(x);
  });

  it('drops about `rate` of the inputs in training and scales the rest by 1 / (1 - rate)', () => {
    const layer = dn.layers.dropout({ rate: 0.3, seed: 1 });
    const y = layer.apply(x, { training: true }).dataSync();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 6);
    }
    // 10,000 Bernoulli(0.3) draws: standard deviation 0.0046; allow 5 of them.
    expect(Math.abs(zeros / y.length - 0.3)).toBeLessThan(0.023);
  });

  it('gives the same masks for the same seed, different masks for different seeds', () => {
    const a = dn.layers.dropout({ rate: 0.5, seed: 7 }).apply(x, { training: true }).dataSync();
    const b = dn.layers.dropout({ rate: 0.5, seed: 7 }).apply(x, { training: true }).dataSync();
    const c = dn.layers.dropout({ rate: 0.5, seed: 8 }).apply(x, { training: true }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('is reproducible from dn.seed without its own seed', () => {
    dn.seed(123);
    const a = dn.layers.dropout({ rate: 0.5 }).apply(x, { training: true }).dataSync().slice();
    dn.seed(123);
    const b = dn.layers.dropout({ rate: 0.5 }).apply(x, { training: true }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('sends the gradient through the kept inputs only, scaled', () => {
    const layer = dn.layers.dropout({ rate: 0.5, seed: 3 });
    const input = dn.tensor(new Float32Array(40).fill(2), { shape: [4, 10], requiresGrad: true });
    const workspace = new Workspace();
    const y = layer.call(input, { training: true, workspace, logits: false, losses: null });
    y.sum().backward();
    const out = y.dataSync();
    input.grad!.dataSync().forEach((g, i) => expect(g).toBeCloseTo(out[i] === 0 ? 0 : 2, 6));
  });

  it('passes a rate of 0 through and round-trips its config', () => {
    expect(dn.layers.dropout({ rate: 0 }).apply(x, { training: true })).toBe(x);
    const layer = dn.layers.dropout({ rate: 0.25, seed: 9, name: 'drop_cfg' });
    expect(serializeLayer(layer)).toEqual({ className: 'Dropout', config: { name: 'drop_cfg', trainable: true, rate: 0.25, seed: 9, noiseShape: null } });
    const copy = deserializeLayer(serializeLayer(layer));
    expect(Array.from(copy.apply(x, { training: true }).dataSync())).toEqual(Array.from(layer.apply(x, { training: true }).dataSync()));
  });

  it('draws one mask of noiseShape and broadcasts it (Keras noise_shape, tfjs noiseShape)', () => {
    // Keras 3 dropout_test.py › test_dropout_partial_noise_shape_dynamic and _static: the same mask at every timestep.
    for (const noiseShape of [[null, 1, null], [20, 1, 10]]) {
      const y = dn.layers.dropout({ rate: 0.5, noiseShape, seed: 4 }).apply(dn.ones([20, 5, 10]), { training: true }).toArray() as number[][][];
      for (let b = 0; b < 20; b++) for (let t = 1; t < 5; t++) expect(y[b][t]).toEqual(y[b][0]);
      const values = y.flat(2);
      expect(new Set(values)).toEqual(new Set([0, 2]));
      expect(values.filter((v) => v === 0).length).toBeGreaterThan(0);
    }
    // tfjs-layers core_test.ts › 'Dropout Layer' › noiseShape [2, 3, 1]: one draw per (sample, row), kept
    // values 1 / (1 - rate); the full shape draws every element, as without noiseShape.
    const rows = dn.layers.dropout({ rate: 0.5, noiseShape: [2, 3, 1], seed: 0 }).apply(dn.ones([2, 3, 4]), { training: true }).toArray() as number[][][];
    for (const sample of rows) for (const row of sample) expect(new Set(row).size).toBe(1);
    const full = dn.layers.dropout({ rate: 0.5, noiseShape: [2, 3, 4], seed: 23 }).apply(dn.ones([2, 3, 4]), { training: true }).dataSync();
    expect(Array.from(full)).toEqual(Array.from(dn.layers.dropout({ rate: 0.5, seed: 23 }).apply(dn.ones([2, 3, 4]), { training: true }).dataSync()));
  });

  it('sends the gradient through the broadcast mask, and round-trips noiseShape', () => {
    const layer = dn.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 3], seed: 6, name: 'drop_bcast' });
    const input = dn.tensor(new Float32Array(24).fill(1), { shape: [2, 4, 3], requiresGrad: true });
    const y = layer.apply(input, { training: true });
    y.sum().backward();
    expect(Array.from(input.grad!.dataSync())).toEqual(Array.from(y.dataSync()));
    expect(serializeLayer(layer).config).toMatchObject({ noiseShape: [null, 1, 3] });
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer))));
    expect((copy as dn.layers.Dropout).noiseShape).toEqual([null, 1, 3]);
  });
});
