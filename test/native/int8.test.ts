import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const unary = binding.opCodes.unary;
const isas = binding.backendInfo().isas;
const initial = binding.backendInfo();

afterAll(() => {
  binding.setIsa(initial.isa);
  binding.setNumThreads(initial.threads);
});

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Problem {
  m: number; n: number; k: number;
  a: Uint8Array; weights: Int8Array; packed: Int8Array; columnSums: Int32Array;
  scales: Float32Array; bias: Float32Array | null;
}

function problem(m: number, n: number, k: number, seed: number, extremes = false, bias = true): Problem {
  const random = lcg(seed);
  const a = new Uint8Array(m * k).map(() => (extremes ? 255 : Math.floor(random() * 256)));
  const weights = new Int8Array(k * n).map(() => (extremes ? (random() < 0.5 ? -128 : 127) : Math.floor(random() * 256) - 128));
  const packed = new Int8Array(binding.int8.packedLength(k, n));
  const columnSums = new Int32Array(n);
  binding.int8.packWeights(weights, k, n, packed, columnSums);
  const scales = new Float32Array(n).map(() => 1e-3 * (1 + Math.floor(random() * 50)));
  return { m, n, k, a, weights, packed, columnSums, scales, bias: bias ? new Float32Array(n).map(() => random() - 0.5) : null };
}

function gemm(p: Problem, zeroPoint: number, scale: number, activation: number, scales = p.scales, bias = p.bias): Float32Array {
  const c = new Float32Array(p.m * p.n).fill(Number.NaN);
  binding.int8.gemm(p.m, p.n, p.k, p.a, p.k, zeroPoint, scale, p.packed, p.columnSums, scales, bias, activation, 0.1, c, p.n);
  return c;
}

describe('int8 GEMM', () => {
  it('packs the column sums and computes the exact integer product on every ISA', () => {
    for (const isa of isas) {
      binding.setIsa(isa);
      for (const extremes of [false, true]) {
        const p = problem(5, 37, 131, 7, extremes, false);
        for (let j = 0; j < p.n; ++j) {
          let sum = 0;
          for (let q = 0; q < p.k; ++q) sum += p.weights[q * p.n + j]!;
          expect(p.columnSums[j]).toBe(sum);
        }
        const c = gemm(p, 0, 1, unary.linear!, new Float32Array(p.n).fill(1), null);
        for (let i = 0; i < p.m; ++i) {
          for (let j = 0; j < p.n; ++j) {
            let sum = 0;
            for (let q = 0; q < p.k; ++q) sum += p.a[i * p.k + q]! * p.weights[q * p.n + j]!;
            expect(c[i * p.n + j], `${isa} (${i}, ${j})`).toBe(sum);
          }
        }
      }
    }
  });

  it('gives the same bits on every ISA and thread count (zero point, scales, bias, relu)', () => {
    for (const [m, n, k] of [[1, 10, 784], [7, 33, 5], [64, 128, 256], [300, 20, 3]] as const) {
      const p = problem(m, n, k, m + n + k);
      binding.setIsa('scalar');
      const expected = gemm(p, 113, 0.0173, unary.relu!);
      for (const isa of isas) {
        binding.setIsa(isa);
        for (const threads of [1, 2]) {
          binding.setNumThreads(threads);
          expect(gemm(p, 113, 0.0173, unary.relu!), `${isa} ${threads} threads ${m}x${n}x${k}`).toEqual(expected);
        }
      }
    }
    binding.setNumThreads(initial.threads);
  });

  it('quantizes to u8 the same on every ISA (ties to even, clamping, NaN to 0)', () => {
    const x = new Float32Array([0, -0, 0.5, 1.5, 2.5, -0.5, -1.5, 127.4, 1e9, -1e9, Infinity, -Infinity, Number.NaN, 300.2, 42]);
    const expected = new Uint8Array([10, 10, 10, 12, 12, 10, 8, 137, 255, 0, 255, 0, 0, 255, 52]);
    for (const isa of isas) {
      binding.setIsa(isa);
      const q = new Uint8Array(x.length);
      binding.int8.quantizeU8(x, x.length, 1, 10, q);
      expect(Array.from(q), isa).toEqual(Array.from(expected));
    }
  });
});

describe('int8Dense', () => {
  it('stays within the quantisation error bound of the float32 product', () => {
    const random = lcg(3);
    const rows = 9, inputs = 50, units = 12;
    const x = new Float32Array(rows * inputs).map(() => random() * 4 - 1);
    const w = new Float32Array(inputs * units).map(() => random() - 0.5);
    const bias = new Float32Array(units).map(() => random() - 0.5);
    // Symmetric per-column weight scales: max |w| / 127.
    const scales = new Float32Array(units);
    for (let j = 0; j < units; ++j) {
      let max = 0;
      for (let q = 0; q < inputs; ++q) max = Math.max(max, Math.abs(w[q * units + j]!));
      scales[j] = max / 127;
    }
    const wq = new Int8Array(inputs * units).map((_, i) => Math.round(w[i]! / scales[i % units]!));
    const packed = new Int8Array(binding.int8.packedLength(inputs, units));
    const columnSums = new Int32Array(units);
    binding.int8.packWeights(wq, inputs, units, packed, columnSums);
    const aScale = (3 - -1) / 255;
    for (const isa of isas) {
      binding.setIsa(isa);
      for (const dynamic of [true, false]) {
        const y = new Float32Array(rows * units);
        binding.int8.dense(x, rows, inputs, units, packed, columnSums, scales, bias, unary.linear!, 0,
          dynamic ? 0 : aScale, dynamic ? 0 : Math.round(1 / aScale), y);
        for (let i = 0; i < rows; ++i) {
          for (let j = 0; j < units; ++j) {
            let exact = bias[j]!;
            let bound = 0;
            const sa = dynamic ? aScale * 1.01 : aScale;
            for (let q = 0; q < inputs; ++q) {
              const a = x[i * inputs + q]!, wv = w[q * units + j]!;
              exact += a * wv;
              // |a w - a' w'| <= |a| |w - w'| + |w'| |a - a'| with |w - w'| <= sw / 2 and |a - a'| <= sa / 2.
              bound += Math.abs(a) * scales[j]! / 2 + (Math.abs(wv) + scales[j]! / 2) * sa / 2;
            }
            expect(Math.abs(y[i * units + j]! - exact), `${isa} dynamic=${dynamic}`).toBeLessThanOrEqual(bound * 1.001 + 1e-5);
          }
        }
      }
    }
  });

  it('rejects bad arguments with typed errors', () => {
    const p = problem(2, 3, 4, 1);
    const c = new Float32Array(6);
    const call = (...args: unknown[]) => (binding.int8.gemm as (...values: unknown[]) => void)(...args);
    const base = [2, 3, 4, p.a, 4, 0, 1, p.packed, p.columnSums, p.scales, null, unary.linear, 0, c, 3];
    expect(() => call(...base)).not.toThrow();
    const replace = (index: number, value: unknown) => base.map((v, i) => (i === index ? value : v));
    expect(() => call(...replace(3, new Float32Array(8)))).toThrow(ArgumentTypeError);
    expect(() => call(...replace(3, new Uint8Array(7)))).toThrow(ValueError);
    expect(() => call(...replace(7, new Int8Array(10)))).toThrow(ValueError);
    expect(() => call(...replace(8, new Int32Array(2)))).toThrow(ValueError);
    expect(() => call(...replace(13, new Float32Array(5)))).toThrow(ValueError);
    expect(() => call(...replace(5, 256))).toThrow(ValueError);
    expect(() => call(...replace(2, 40000))).toThrow(/at most 32768/);
    expect(() => call(...replace(4, 3))).toThrow(ValueError);
    expect(() => binding.int8.quantizeU8(new Float32Array(2), 2, 0, 0, new Uint8Array(2))).toThrow(ValueError);
    expect(() => binding.int8.quantizeU8(new Float32Array(2), 3, 1, 0, new Uint8Array(3))).toThrow(ValueError);
    expect(() => binding.int8.packWeights(new Int8Array(5), 2, 3, new Int8Array(64), new Int32Array(3))).toThrow(ValueError);
    expect(() => binding.int8.dense(new Float32Array(8), 2, 4, 3, p.packed, p.columnSums, p.scales, null, 0, 0, -1, 0, c)).toThrow(ValueError);
  });
});
