import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, NativeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const isas = binding.backendInfo().isas;
const initial = binding.backendInfo();

afterAll(() => {
  binding.setIsa(initial.isa);
  binding.setNumThreads(initial.threads);
});

function random(n: number, seed: number): Float32Array {
  const values = new Float32Array(n);
  let state = seed;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    values[i] = (state >>> 8) / 2 ** 23 - 1;
  }
  return values;
}

/** A [batch, heads, len, dim] geometry (contiguous), the causal settings and the mask strides given. */
function geometry(b: number, h: number, lq: number, lk: number, d: number, dv: number, mask = [0, 0, 0, 0], causal = 0, offset = 0): Int32Array {
  const planar = (len: number, dim: number) => [h * len * dim, len * dim, dim];
  return Int32Array.of(b, h, lq, lk, d, dv, ...planar(lq, d), ...planar(lk, d), ...planar(lk, dv), ...planar(lq, dv), ...mask, causal, offset);
}
/** The backward geometry: the forward one, then dOut, dQ, dK, dV with the same strides as out, q, k, v. */
function backwardGeometry(forward: Int32Array): Int32Array {
  return Int32Array.of(...forward, ...forward.subarray(15, 18), ...forward.subarray(6, 15));
}

describe('layerNorm bindings: bad arguments', () => {
  const x = random(12, 1);
  const y = new Float32Array(12);
  it('rejects wrong types, short buffers and a bad epsilon', () => {
    expect(() => binding.layerNorm(x, 3, 4, null, null, 1e-3, y, null, null)).not.toThrow();
    expect(() => (binding.layerNorm as (...a: unknown[]) => void)(x, 3, 4)).toThrow(ArgumentTypeError);
    expect(() => binding.layerNorm(Float64Array.from(x) as never, 3, 4, null, null, 1e-3, y, null, null)).toThrow(/layerNorm: x must be a Float32Array/);
    expect(() => binding.layerNorm(x.subarray(1), 3, 4, null, null, 1e-3, y, null, null)).toThrow(/layerNorm: x needs at least 12 elements, got 11/);
    expect(() => binding.layerNorm(x, 3, 4, new Float32Array(3), null, 1e-3, y, null, null)).toThrow(/gamma needs at least 4/);
    expect(() => binding.layerNorm(x, 3, 4, null, null, 1e-3, y, new Float32Array(2), null)).toThrow(/mean needs at least 3/);
    expect(() => binding.layerNorm(x, 3, 4, null, null, -1, y, null, null)).toThrow(ValueError);
    expect(() => binding.layerNorm(x, 3, 4, null, null, NaN, y, null, null)).toThrow(/epsilon must be a finite number >= 0/);
    expect(() => binding.layerNorm(x, -1, 4, null, null, 1e-3, y, null, null)).toThrow(/rows must be an integer/);
    expect(() => binding.layerNorm(x, 2 ** 30, 2 ** 30, null, null, 1e-3, y, null, null)).toThrow(/would hold more than/);
    const stats = new Float32Array(3);
    expect(() => binding.layerNormBackward(x, y, 3, 4, null, stats, stats, new Float32Array(11), null, null, false)).toThrow(/dx needs at least 12/);
    expect(() => binding.layerNormBackward(x, y, 3, 4, null, stats, stats, null, null, null, 1 as never)).toThrow(ArgumentTypeError);
  });
});

describe('attention bindings: bad arguments', () => {
  const g = geometry(1, 2, 3, 4, 5, 6);
  const q = random(30, 1), k = random(40, 2), v = random(48, 3);
  const out = new Float32Array(36), lse = new Float32Array(6);
  it('accepts the valid baseline call', () => {
    expect(() => binding.attentionForward(g, q, k, v, out, null, lse, null, 0.5, 0, 0)).not.toThrow();
    const bg = backwardGeometry(g);
    expect(() => binding.attentionBackward(bg, q, k, v, out, null, lse, out, new Float32Array(30), new Float32Array(40), new Float32Array(48), 0.5, 0, 0)).not.toThrow();
  });

  it('rejects wrong types, short buffers and inconsistent geometries', () => {
    const forward = binding.attentionForward as (...a: unknown[]) => void;
    expect(() => forward(g, q, k, v)).toThrow(ArgumentTypeError);
    expect(() => forward([...g], q, k, v, out, null, null, null, 1, 0, 0)).toThrow(/attentionForward: geometry must be a Int32Array/);
    expect(() => binding.attentionForward(g.subarray(1), q, k, v, out, null, null, null, 1, 0, 0)).toThrow(/geometry needs at least 24|geometry must hold 24 integers/);
    expect(() => binding.attentionForward(g, q.subarray(1), k, v, out, null, null, null, 1, 0, 0)).toThrow(/attentionForward: q needs at least 30 elements, got 29/);
    expect(() => binding.attentionForward(g, q, k, v.subarray(2), out, null, null, null, 1, 0, 0)).toThrow(/v needs at least 48/);
    expect(() => binding.attentionForward(g, q, k, v, out, null, new Float32Array(5), null, 1, 0, 0)).toThrow(/logsumexp needs at least 6/);
    expect(() => binding.attentionForward(g, q, k, v, out, null, null, new Float32Array(23), 1, 0, 0)).toThrow(/probs needs at least 24/);
    const negative = g.slice();
    negative[7] = -1;
    expect(() => binding.attentionForward(negative, q, k, v, out, null, null, null, 1, 0, 0)).toThrow(/must be at least 0, got -1/);
    const causal = g.slice();
    causal[22] = 2;
    expect(() => binding.attentionForward(causal, q, k, v, out, null, null, null, 1, 0, 0)).toThrow(/causal must be 0 or 1/);
    const overlapping = g.slice();
    overlapping[17] = 1;  // out rows one element apart: rows of 6 values overlap
    expect(() => binding.attentionForward(overlapping, q, k, v, new Float32Array(100), null, null, null, 1, 0, 0)).toThrow(/out: its strides make elements overlap/);
    const masked = geometry(1, 2, 3, 4, 5, 6, [0, 0, 4, 1]);
    expect(() => binding.attentionForward(masked, q, k, v, out, new Float32Array(11), null, null, 1, 0, 0)).toThrow(/mask needs at least 12/);
    expect(() => binding.attentionForward(g, q, k, v, out, null, null, null, 1, 1, 0)).toThrow(/dropoutRate must be in \[0, 1\)/);
    expect(() => binding.attentionForward(g, q, k, v, out, null, null, null, Infinity, 0, 0)).toThrow(/scale must be a finite float/);
    expect(() => binding.attentionForward(g, q, k, v, out, null, null, null, 1, 0.5, 2 ** 53)).toThrow(/dropoutSeed must be an integer/);
    const huge = Int32Array.from(g);
    huge[6] = 2 ** 31 - 1;
    huge[0] = 2 ** 20;
    expect(() => binding.attentionForward(huge, q, k, v, out, null, null, null, 1, 0, 0)).toThrow(/strides reach more than/);
    const bg = backwardGeometry(g);
    expect(() => binding.attentionBackward(g, q, k, v, out, null, lse, out, q, k, v, 1, 0, 0)).toThrow(/geometry needs at least 36|geometry must hold 36/);
    expect(() => binding.attentionBackward(bg, q, k, v, out, null, lse, out, new Float32Array(30), new Float32Array(39), new Float32Array(48), 1, 0, 0)).toThrow(/dK needs at least 40/);
    const sharedDq = bg.slice();
    sharedDq[29] = 0;  // every dQ row at the same place
    expect(() => binding.attentionBackward(sharedDq, q, k, v, out, null, lse, out, new Float32Array(30), new Float32Array(40), new Float32Array(48), 1, 0, 0)).toThrow(/dQ: its strides make elements overlap/);
    expect(() => binding.attentionBackward(bg, q, k, v, out, null, null as never, out, q, k, v, 1, 0, 0)).toThrow(ArgumentTypeError);
    expect(NativeError).toBeDefined();
  });
});

describe('transformer kernels on every ISA against the scalar reference', () => {
  it('layerNorm forward and backward', () => {
    const rows = 37, cols = 70;
    const x = random(rows * cols, 5).map((v, i) => 20 + v * (1 + (i % 5)));
    const dy = random(rows * cols, 6), gamma = random(cols, 7), beta = random(cols, 8);
    const run = () => {
      const y = new Float32Array(rows * cols), mean = new Float32Array(rows), inv = new Float32Array(rows);
      binding.layerNorm(x, rows, cols, gamma, beta, 1e-5, y, mean, inv);
      const dx = new Float32Array(rows * cols), dg = new Float32Array(cols), db = new Float32Array(cols);
      binding.layerNormBackward(x, dy, rows, cols, gamma, mean, inv, dx, dg, db, false);
      return [y, dx, dg, db];
    };
    binding.setIsa('scalar');
    const want = run();
    for (const isa of isas) {
      binding.setIsa(isa);
      const got = run();
      got.forEach((values, t) => values.forEach((value, i) => {
        if (!(Math.abs(value - want[t][i]) <= 1e-4 * Math.max(1, Math.abs(want[t][i])))) throw new Error(`${isa} output ${t} element ${i}: ${value} vs ${want[t][i]}`);
      }));
    }
  });

  it('attention forward and backward, with a mask and causality, on 1 and 2 threads', () => {
    const b = 2, h = 3, lq = 45, lk = 70, d = 16, dv = 8;
    const g = geometry(b, h, lq, lk, d, dv, [lk, 0, 0, 1], 1, 30);
    const q = random(b * h * lq * d, 11), k = random(b * h * lk * d, 12), v = random(b * h * lk * dv, 13), dOut = random(b * h * lq * dv, 14);
    const mask = Float32Array.from({ length: b * lk }, (_, n) => (n % lk < 60 || n >= lk ? 1 : 0));
    const run = () => {
      const out = new Float32Array(b * h * lq * dv), lse = new Float32Array(b * h * lq);
      binding.attentionForward(g, q, k, v, out, mask, lse, null, 0.25, 0.2, 99);
      const dq = new Float32Array(q.length), dk = new Float32Array(k.length), dvv = new Float32Array(v.length);
      binding.attentionBackward(backwardGeometry(g), q, k, v, out, mask, lse, dOut, dq, dk, dvv, 0.25, 0.2, 99);
      return [out, dq, dk, dvv];
    };
    binding.setIsa('scalar');
    const want = run();
    for (const isa of isas) {
      binding.setIsa(isa);
      binding.setNumThreads(1);
      const one = run();
      binding.setNumThreads(2);
      const two = run();
      expect(two.map((t) => Array.from(t))).toEqual(one.map((t) => Array.from(t)));
      one.forEach((values, t) => values.forEach((value, i) => {
        if (!(Math.abs(value - want[t][i]) <= 2e-4 * Math.max(1, Math.abs(want[t][i])))) throw new Error(`${isa} output ${t} element ${i}: ${value} vs ${want[t][i]}`);
      }));
    }
  });
});
