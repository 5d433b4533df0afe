// Dropout: validation, identity at inference, seeded masks in training, inverted scaling, gradient.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
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
    expect(serializeLayer(layer)).toEqual({ className: 'Dropout', config: { name: 'drop_cfg', trainable: true, rate: 0.25, seed: 9 } });
    const copy = deserializeLayer(serializeLayer(layer));
    expect(Array.from(copy.apply(x, { training: true }).dataSync())).toEqual(Array.from(layer.apply(x, { training: true }).dataSync()));
  });
});
