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

/** The float32 value of bf16 bits (exact). */
function value(bits: number): number {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
}

interface Problem {
  m: number; n: number; k: number;
  x: Float32Array; a: Uint16Array; weights: Float32Array; packed: Uint16Array; bias: Float32Array | null;
}

function problem(m: number, n: number, k: number, seed: number, bias = true, scale = 1): Problem {
  const random = lcg(seed);
  const x = new Float32Array(m * k).map(() => (random() - 0.5) * 4 * scale);
  const a = new Uint16Array(m * k);
  binding.setIsa('scalar');
  if (a.length > 0) binding.bf16.convert(x, x.length, a);
  binding.setIsa(initial.isa);
  const weights = new Float32Array(k * n).map(() => (random() - 0.5) * scale);
  const packed = new Uint16Array(binding.bf16.packedLength(k, n));
  binding.bf16.packWeights(weights, k, n, packed);
  return { m, n, k, x, a, weights, packed, bias: bias ? new Float32Array(n).map(() => random() - 0.5) : null };
}

function gemm(p: Problem, activation: number): Float32Array {
  const c = new Float32Array(p.m * p.n).fill(Number.NaN);
  binding.bf16.gemm(p.m, p.n, p.k, p.a, p.k, p.packed, p.bias, activation, 0.1, c, p.n);
  return c;
}

function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

describe('bf16 conversion', () => {
  it('rounds to nearest even, flushes subnormals, keeps NaN and infinities, on every ISA', () => {
    const words = [0x3f800000, 0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, 0x7f7fffff, 0x7f800000, 0xff800000,
      0x7f800001, 0xffc12345, 0x00400000, 0x807fffff, 0x80000000, 0x00800000];
    const expected = [0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x3f80, 0x7f80, 0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x0000, 0x8000, 0x8000, 0x0080];
    const random = lcg(3);
    const many = new Uint32Array(1000).map(() => Math.floor(random() * 2 ** 32));
    const x = new Float32Array(new Uint32Array([...words, ...many]).buffer);
    let reference: Uint16Array | null = null;
    for (const isa of isas) {
      binding.setIsa(isa);
      const y = new Uint16Array(x.length);
      binding.bf16.convert(x, x.length, y);
      expect([...y.subarray(0, words.length)]).toEqual(expected);
      if (reference === null) reference = y;
      else expect(y).toEqual(reference);
    }
  });
});

describe('bf16 GEMM', () => {
  it('gives the same bits on every ISA and thread count (odd depths, tails, bias, activations)', () => {
    const shapes: Array<[number, number, number]> = [[1, 1, 1], [3, 17, 5], [9, 33, 67], [64, 130, 200], [2, 10, 784], [300, 40, 33]];
    for (const [m, n, k] of shapes) {
      // (Activations applied after the store are each ISA's unary kernel, compared by the native tests.)
      for (const activation of [unary.linear!, unary.relu!, unary.leakyRelu!, unary.relu6!]) {
        const p = problem(m, n, k, m * 7 + k, activation !== unary.linear);
        binding.setIsa('scalar');
        const expected = gemm(p, activation);
        for (const isa of isas) {
          binding.setIsa(isa);
          for (const threads of [1, 3]) {
            binding.setNumThreads(threads);
            expect(bits(gemm(p, activation))).toEqual(bits(expected));
          }
        }
        binding.setNumThreads(initial.threads);
      }
    }
  });

  it('flushes subnormal sums to zero on every ISA as vdpbf16ps does', () => {
    const p = problem(7, 40, 33, 5, false, 4e-19);
    binding.setIsa('scalar');
    const expected = gemm(p, unary.linear!);
    expect(expected.some((v) => v !== 0)).toBe(true);
    expect(expected.every((v) => v === 0 || Math.abs(v) >= 2 ** -126)).toBe(true);
    for (const isa of isas) {
      binding.setIsa(isa);
      expect(bits(gemm(p, unary.linear!))).toEqual(bits(expected));
    }
  });

  it('stays within the bf16 error bound of the float64 product of the float32 operands', () => {
    const p = problem(20, 30, 257, 9);
    binding.setIsa(initial.isa);
    const y = new Float32Array(p.m * p.n);
    binding.bf16.dense(p.x, p.m, p.k, p.n, p.packed, p.bias, unary.linear!, 0, y);
    const bound = 2 ** -7 + 2 ** -15 + (p.k + 1) * 2 ** -23;
    let worst = 0;
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let exact = p.bias![j]!, magnitude = Math.abs(p.bias![j]!);
        for (let q = 0; q < p.k; q++) {
          exact += p.x[i * p.k + q]! * p.weights[q * p.n + j]!;
          magnitude += Math.abs(p.x[i * p.k + q]! * p.weights[q * p.n + j]!);
        }
        const error = Math.abs(y[i * p.n + j]! - exact);
        expect(error).toBeLessThanOrEqual(bound * magnitude);
        worst = Math.max(worst, error / magnitude);
      }
    }
    // bf16 is visibly coarser than float32: the bound is not vacuous.
    expect(worst).toBeGreaterThan(2 ** -16);
  });

  it('dense equals conversion then gemm, and the packed weights are the rounded ones', () => {
    const p = problem(5, 21, 37, 13);
    const y = new Float32Array(p.m * p.n);
    binding.bf16.dense(p.x, p.m, p.k, p.n, p.packed, p.bias, unary.relu!, 0, y);
    expect(bits(y)).toEqual(bits(gemm(p, unary.relu!)));
    // The packed panel layout: B[2g + q, 16t + col] at ((t * pairs + g) * 16 + col) * 2 + q.
    const rounded = new Uint16Array(p.weights.length);
    binding.bf16.convert(p.weights, p.weights.length, rounded);
    const pairs = Math.ceil(p.k / 2);
    for (const [row, col] of [[0, 0], [36, 20], [17, 16], [1, 5]] as const) {
      const t = Math.floor(col / 16), g = Math.floor(row / 2);
      expect(p.packed[((t * pairs + g) * 16 + (col % 16)) * 2 + (row % 2)]).toBe(rounded[row * p.n + col]);
    }
    expect(value(rounded[0]!)).toBeCloseTo(p.weights[0]!, 2);
  });

  it('rejects bad arguments with typed errors', () => {
    const p = problem(2, 3, 4, 1);
    const c = new Float32Array(6);
    expect(() => binding.bf16.gemm(2, 3, 4, p.a, 3, p.packed, null, 0, 0, c, 3)).toThrow(ValueError);
    expect(() => binding.bf16.gemm(2, 3, 4, p.a.subarray(1), 4, p.packed, null, 0, 0, c, 3)).toThrow(ValueError);
    expect(() => binding.bf16.gemm(2, 3, 4, p.a, 4, p.packed.subarray(1), null, 0, 0, c, 3)).toThrow(ValueError);
    expect(() => binding.bf16.gemm(2, 3, 4, p.a, 4, p.packed, null, 999, 0, c, 3)).toThrow(ValueError);
    expect(() => binding.bf16.gemm(2, 3, 4, p.x as unknown as Uint16Array, 4, p.packed, null, 0, 0, c, 3)).toThrow(ArgumentTypeError);
    expect(() => binding.bf16.convert(new Float32Array(3), 4, new Uint16Array(4))).toThrow(ValueError);
    expect(() => binding.bf16.dense(new Float32Array(8), 2, 4, 3, p.packed, new Float32Array(2), 0, 0, c)).toThrow(ValueError);
  });
});
