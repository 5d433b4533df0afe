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

/** Positional sgemm arguments as an object, so each test names only what it changes. */
interface Call {
  transA: boolean; transB: boolean; m: number; n: number; k: number; alpha: number;
  a: unknown; lda: number; b: unknown; ldb: number; beta: number; c: unknown; ldc: number;
  bias: unknown; activation: number; activationParam: number;
  batch: number; strideA: number; strideB: number; strideC: number;
}

function call(args: Call): void {
  const sgemm = binding.sgemm as (...values: unknown[]) => void;
  sgemm(args.transA, args.transB, args.m, args.n, args.k, args.alpha, args.a, args.lda, args.b, args.ldb, args.beta,
    args.c, args.ldc, args.bias, args.activation, args.activationParam, args.batch, args.strideA, args.strideB,
    args.strideC);
}

/** A valid 3x4 = (3x5)(5x4) call; tests override one thing at a time. */
function valid(overrides: Partial<Call> = {}): Call {
  return {
    transA: false, transB: false, m: 3, n: 4, k: 5, alpha: 1,
    a: new Float32Array(15), lda: 5, b: new Float32Array(20), ldb: 4, beta: 0, c: new Float32Array(12), ldc: 4,
    bias: null, activation: unary.linear, activationParam: 0, batch: 1, strideA: 0, strideB: 0, strideC: 0,
    ...overrides,
  };
}

describe('sgemm: bad arguments', () => {
  it('accepts the valid baseline call', () => {
    expect(() => call(valid())).not.toThrow();
  });

  it('rejects a wrong argument count with ArgumentTypeError', () => {
    expect(() => (binding.sgemm as (...a: unknown[]) => void)(false, false, 1, 1, 1)).toThrow(ArgumentTypeError);
  });

  it('rejects wrong types with ArgumentTypeError naming the argument', () => {
    expect(() => call(valid({ transA: 0 as unknown as boolean }))).toThrow(/sgemm: transA must be a boolean/);
    expect(() => call(valid({ m: '3' as unknown as number }))).toThrow(ArgumentTypeError);
    expect(() => call(valid({ a: new Float64Array(15) }))).toThrow(/sgemm: a must be a Float32Array, got another typed array/);
    expect(() => call(valid({ b: [1, 2, 3] }))).toThrow(ArgumentTypeError);
    expect(() => call(valid({ c: null }))).toThrow(ArgumentTypeError);
    expect(() => call(valid({ bias: new Int32Array(4) }))).toThrow(/sgemm: bias must be a Float32Array/);
    expect(() => call(valid({ alpha: null as unknown as number }))).toThrow(ArgumentTypeError);
    expect(() => call(valid({ activation: 'relu' as unknown as number }))).toThrow(ArgumentTypeError);
    // A type error wins over a size error elsewhere in the same call.
    expect(() => call(valid({ c: 'x', lda: 1 }))).toThrow(ArgumentTypeError);
  });

  it('rejects short buffers with ValueError', () => {
    expect(() => call(valid({ c: new Float32Array(11) }))).toThrow(/sgemm: c needs at least 12 elements, got 11/);
    // ldc > n: the last row needs only n elements, earlier rows ldc.
    expect(() => call(valid({ ldc: 6, c: new Float32Array(15) }))).toThrow(/c needs at least 16 elements/);
    expect(() => call(valid({ ldc: 6, c: new Float32Array(16) }))).not.toThrow();
    expect(() => call(valid({ a: new Float32Array(14) }))).toThrow(/sgemm: a needs at least 15 elements/);
    expect(() => call(valid({ b: new Float32Array(19) }))).toThrow(/sgemm: b needs at least 20 elements/);
    expect(() => call(valid({ bias: new Float32Array(3) }))).toThrow(/sgemm: bias needs at least 4 elements/);
    expect(() => call(valid({ bias: new Float32Array(0) }))).toThrow(/sgemm: bias needs at least 4 elements, got 0/);
    expect(() => call(valid({ bias: undefined }))).not.toThrow();
    // Transposed A is stored k x m (5 x 3); transposed B n x k (4 x 5).
    expect(() => call(valid({ transA: true, lda: 3, a: new Float32Array(14) }))).toThrow(/a needs at least 15/);
    expect(() => call(valid({ transB: true, ldb: 5, b: new Float32Array(19) }))).toThrow(/b needs at least 20/);
    // A batch needs every item: (batch - 1) * stride + one item.
    expect(() => call(valid({ batch: 2, strideA: 15, strideB: 20, strideC: 12, a: new Float32Array(29) }))).toThrow(/a needs at least 30/);
    expect(() => call(valid({ batch: 2, strideA: 0, strideB: 0, strideC: 12, c: new Float32Array(23) }))).toThrow(/c needs at least 24/);
    expect(() => call(valid({ batch: 2, strideA: 0, strideB: 0, strideC: 12, c: new Float32Array(24) }))).not.toThrow();
    // A view is bounded by its own length, not its buffer's.
    expect(() => call(valid({ c: new Float32Array(64).subarray(0, 11) }))).toThrow(ValueError);
  });

  it('rejects leading dimensions shorter than a row with ValueError', () => {
    expect(() => call(valid({ lda: 4 }))).toThrow(/sgemm: lda must be at least 5 \(A is m x k\), got 4/);
    expect(() => call(valid({ ldb: 3 }))).toThrow(/sgemm: ldb must be at least 4 \(B is k x n\), got 3/);
    expect(() => call(valid({ ldc: 3 }))).toThrow(/sgemm: ldc must be at least 4/);
    expect(() => call(valid({ transA: true, lda: 2 }))).toThrow(/lda must be at least 3 \(A is stored k x m\)/);
    expect(() => call(valid({ transB: true, ldb: 4 }))).toThrow(/ldb must be at least 5 \(B is stored n x k\)/);
  });

  it('rejects bad sizes, codes and overlapping batch outputs with ValueError', () => {
    expect(() => call(valid({ m: -1 }))).toThrow(/sgemm: m must be an integer from 0/);
    expect(() => call(valid({ k: 2.5 }))).toThrow(ValueError);
    expect(() => call(valid({ n: Number.NaN }))).toThrow(ValueError);
    expect(() => call(valid({ batch: -1 }))).toThrow(ValueError);
    expect(() => call(valid({ strideA: -15 }))).toThrow(ValueError);
    const count = Object.keys(unary).length;
    expect(() => call(valid({ activation: count }))).toThrow(`sgemm: activation must be an integer from 0 to ${count - 1}`);
    expect(() => call(valid({ activation: -1 }))).toThrow(ValueError);
    expect(() => call(valid({ batch: 2, strideA: 0, strideB: 0, strideC: 11, c: new Float32Array(64) }))).toThrow(/strideC must be at least 12/);
    // Sizes whose products overflow 64 bits are a ValueError, never a crash or a wrap-around.
    const big = 2 ** 40;
    expect(() => call(valid({ m: big, lda: big, ldc: big, batch: big, strideA: big, strideC: big * 2 }))).toThrow(ValueError);
    expect(() => call(valid({ m: 2 ** 60 }))).toThrow(ValueError);
  });

  it('does nothing, without reading any buffer, when a size is 0', () => {
    const empty = new Float32Array(0);
    expect(() => call(valid({ m: 0, a: empty, c: empty }))).not.toThrow();
    expect(() => call(valid({ n: 0, b: empty, c: empty, ldb: 0, ldc: 0 }))).not.toThrow();
    expect(() => call(valid({ batch: 0, a: empty, b: empty, c: empty }))).not.toThrow();
  });
});

// ---- correctness -------------------------------------------------------------------------------

/** Deterministic uniform values in [-1, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

interface Spec {
  transA?: boolean; transB?: boolean; m: number; n: number; k: number;
  padA?: number; padB?: number; padC?: number; alpha?: number; beta?: number;
  bias?: boolean; activation?: string; param?: number; batch?: number; gap?: number;
}

/** Operands with NaN in every element the kernel must not read (padding, gaps; all of C when beta = 0). */
function build(spec: Spec, seed: number) {
  const s = { transA: false, transB: false, padA: 0, padB: 0, padC: 0, alpha: 1, beta: 0, bias: false,
    activation: 'linear', param: 0, batch: 1, gap: 0, ...spec };
  const aRows = s.transA ? s.k : s.m, aCols = s.transA ? s.m : s.k;
  const bRows = s.transB ? s.n : s.k, bCols = s.transB ? s.k : s.n;
  const lda = aCols + s.padA, ldb = bCols + s.padB, ldc = s.n + s.padC;
  const strideA = aRows * lda + s.gap, strideB = bRows * ldb + s.gap, strideC = s.m * ldc + s.gap;
  const next = random(seed);
  const a = new Float32Array(s.batch * strideA + 1).fill(Number.NaN);
  const b = new Float32Array(s.batch * strideB + 1).fill(Number.NaN);
  const c = new Float32Array(s.batch * strideC + 1).fill(Number.NaN);
  for (let t = 0; t < s.batch; t++) {
    for (let r = 0; r < aRows; r++) for (let q = 0; q < aCols; q++) a[t * strideA + r * lda + q] = next();
    for (let r = 0; r < bRows; r++) for (let q = 0; q < bCols; q++) b[t * strideB + r * ldb + q] = next();
    if (s.beta !== 0) for (let r = 0; r < s.m; r++) for (let q = 0; q < s.n; q++) c[t * strideC + r * ldc + q] = next();
  }
  const bias = s.bias ? Float32Array.from({ length: s.n }, () => next()) : null;
  return { s, a, b, c, bias, lda, ldb, ldc, strideA, strideB, strideC };
}
type Built = ReturnType<typeof build>;

function run(p: Built): Float32Array {
  const out = p.c.slice();
  binding.sgemm(p.s.transA, p.s.transB, p.s.m, p.s.n, p.s.k, p.s.alpha, p.a, p.lda, p.b, p.ldb, p.s.beta, out, p.ldc,
    p.bias, unary[p.s.activation], p.s.param, p.s.batch, p.strideA, p.strideB, p.strideC);
  return out;
}

function activate(name: string, param: number, x: number): number {
  switch (name) {
    case 'relu': return x < 0 ? 0 : x;
    case 'leakyRelu': return x < 0 ? x * param : x;
    case 'elu': return x < 0 ? param * Math.expm1(x) : x;
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    case 'selu': return 1.0507009873554805 * (x < 0 ? 1.6732632423543772 * Math.expm1(x) : x);
    case 'softsign': return x / (1 + Math.abs(x));
    case 'hardSigmoid': return Math.min(Math.max(x + 3, 0), 6) / 6;
    case 'hardSwish': return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
    case 'relu6': return Math.min(Math.max(x, 0), 6);
    case 'mish': return x * Math.tanh(Math.log1p(Math.exp(x)));
    default: return x;
  }
}

const EPS = 2 ** -23;

/**
 * Checks `got` against the product computed in double. Tolerance per element:
 * scale * (|alpha| * sum_p |a_ip b_pj| + |beta c| + |bias|) * (k + 4) * eps — the bound of a float sum of k
 * products plus the epilogue's roundings (scale 1 for the reference kernel, 2 for the SIMD kernels,
 * which use FMA and k blocks) — times 2 (the activations' slopes are at most ~1.76, selu's) plus
 * 2e-6 (1 + |y|) for activations computed by the unary kernel (all but linear, relu, leakyRelu, relu6). Padding must come back untouched (NaN), bit for bit.
 */
function check(p: Built, got: Float32Array, scale: number, label: string): void {
  const { s } = p;
  const inline = ['linear', 'relu', 'leakyRelu', 'relu6'].includes(s.activation);
  let bad = 0;
  const written = new Uint8Array(got.length);
  for (let t = 0; t < s.batch; t++) {
    for (let i = 0; i < s.m; i++) {
      for (let j = 0; j < s.n; j++) {
        let sum = 0, magnitude = 0;
        for (let q = 0; q < s.k; q++) {
          const x = s.transA ? p.a[t * p.strideA + q * p.lda + i] : p.a[t * p.strideA + i * p.lda + q];
          const y = s.transB ? p.b[t * p.strideB + j * p.ldb + q] : p.b[t * p.strideB + q * p.ldb + j];
          sum += x * y;
          magnitude += Math.abs(x * y);
        }
        const at = t * p.strideC + i * p.ldc + j;
        written[at] = 1;
        const old = s.beta === 0 ? 0 : s.beta * p.c[at];
        const bias = p.bias ? p.bias[j] : 0;
        const expected = activate(s.activation, s.param, s.alpha * sum + old + bias);
        let bound = scale * (Math.abs(s.alpha) * magnitude + Math.abs(old) + Math.abs(bias)) * (s.k + 4) * EPS + 1e-30;
        if (!inline) bound = bound * 2 + 2e-6 * (1 + Math.abs(expected));
        if (!(Math.abs(got[at] - expected) <= bound) && bad++ < 3) {
          expect.soft(got[at], `${label} ${JSON.stringify(s)} at [${t}, ${i}, ${j}]`).toBeCloseTo(expected, 5);
        }
      }
    }
  }
  for (let index = 0; index < got.length; index++) {
    if (!written[index] && !Number.isNaN(got[index]) && bad++ < 3) {
      expect.soft(got[index], `${label} ${JSON.stringify(s)}: padding at ${index} was written`).toBeNaN();
    }
  }
  expect(bad, `${label} ${JSON.stringify(s)}: ${bad} elements out of tolerance`).toBe(0);
}

function specs(): Spec[] {
  const list: Spec[] = [];
  const sizes = [0, 1, 2, 3, 5, 6, 7, 13, 14, 15, 16, 17, 31, 32, 33, 47];
  const next = random(7);
  const pick = () => sizes[Math.floor((next() + 1) * 8) % sizes.length];
  for (let trans = 0; trans < 4; trans++) {
    for (let i = 0; i < 12; i++) {
      list.push({ transA: (trans & 1) === 1, transB: (trans & 2) === 2, m: pick(), n: pick(), k: pick(),
        padA: i % 3, padB: (i + 1) % 3, padC: (i + 2) % 3 });
    }
    // Past the k block (512) and the column block (384), several row panels.
    list.push({ transA: (trans & 1) === 1, transB: (trans & 2) === 2, m: 37, n: 401, k: 530, padA: 3, padB: 1, padC: 2 });
  }
  // One or two rows over B read in place: wide tiles (up to 128 columns on AVX-512, 64 on AVX2), full
  // and partial, across the k block, with the epilogue.
  list.push({ m: 1, n: 401, k: 530, bias: true, activation: 'relu', padB: 2 });
  list.push({ transA: true, m: 2, n: 129, k: 77, alpha: 0.5, beta: 1, bias: true, activation: 'leakyRelu', param: 0.1 });
  list.push({ m: 2, n: 255, k: 600, padA: 1, padC: 2 });
  list.push({ transA: true, m: 1, n: 63, k: 9, beta: 0.25 });
  list.push({ m: 19, n: 37, k: 45, alpha: 0.5, beta: 1 });
  list.push({ m: 19, n: 37, k: 45, alpha: -1.25, beta: 0.75, bias: true, activation: 'relu' });
  list.push({ transA: true, m: 20, n: 33, k: 17, bias: true, activation: 'leakyRelu', param: 0.2 });
  list.push({ transB: true, m: 15, n: 40, k: 60, bias: true, activation: 'sigmoid', padC: 3 });
  list.push({ transA: true, transB: true, m: 29, n: 17, k: 9, beta: 0.5, bias: true, activation: 'tanh' });
  list.push({ m: 7, n: 50, k: 30, bias: true, activation: 'elu', param: 0.7 });
  // relu6 is applied in registers (one and several rows, a partial last vector); the others after each strip.
  list.push({ m: 1, n: 401, k: 530, alpha: 3, bias: true, activation: 'relu6', padB: 2 });
  list.push({ transB: true, m: 19, n: 37, k: 45, alpha: 4, beta: 0.5, bias: true, activation: 'relu6' });
  list.push({ m: 19, n: 37, k: 45, beta: 0.5, bias: true, activation: 'selu' });
  list.push({ transA: true, m: 2, n: 129, k: 77, bias: true, activation: 'mish' });
  list.push({ m: 9, n: 40, k: 30, bias: true, activation: 'hardSwish' });
  list.push({ transA: true, transB: true, m: 13, n: 21, k: 50, bias: true, activation: 'hardSigmoid' });
  list.push({ m: 5, n: 70, k: 20, activation: 'softsign' });
  list.push({ m: 9, n: 11, k: 0, beta: 0.5, bias: true, activation: 'relu' });  // k = 0: C = beta*C, then the epilogue
  list.push({ m: 9, n: 11, k: 4, alpha: 0, beta: 2 });                            // alpha = 0: A and B unread
  list.push({ m: 9, n: 20, k: 11, batch: 5, gap: 3, padA: 1, beta: 0.5, bias: true, activation: 'relu' });
  list.push({ transA: true, transB: true, m: 40, n: 70, k: 90, batch: 3, gap: 5 });
  return list;
}

describe('sgemm: results', () => {
  it('the reference kernel matches a double-precision product (tolerance: scale 1, see check())', () => {
    binding.setIsa('scalar');
    specs().forEach((spec, index) => check(build(spec, index + 1), run(build(spec, index + 1)), 1, 'scalar'));
  });

  for (const isa of isas.filter((name) => name !== 'scalar')) {
    // The reference is within scale 1 of the exact product (test above), so this also bounds the
    // difference between the two paths by 3x the single bound.
    it(`${isa} matches a double-precision product (tolerance: scale 2, see check())`, () => {
      binding.setIsa(isa);
      specs().forEach((spec, index) => check(build(spec, index + 1), run(build(spec, index + 1)), 2, isa));
    });
  }

  it('never reads C when beta = 0 (C full of NaN gives finite results)', () => {
    for (const isa of isas) {
      binding.setIsa(isa);
      const p = build({ m: 33, n: 65, k: 20, beta: 0 }, 3);
      expect(p.c.every(Number.isNaN)).toBe(true);
      const got = run(p);
      expect(got.subarray(0, 33 * 65).every(Number.isFinite)).toBe(true);
    }
  });

  it('computes a row alone (batch-1 tiles over B read in place) bit for bit as within a larger product', () => {
    const batch = build({ m: 40, n: 300, k: 700, bias: true, activation: 'relu' }, 9);
    for (const isa of isas) {
      binding.setIsa(isa);
      const all = run(batch);
      for (const rows of [1, 2, 3]) {
        for (const first of [0, 17, 40 - rows]) {
          const part = { ...batch, s: { ...batch.s, m: rows }, a: batch.a.subarray(first * batch.lda), c: batch.c.slice(first * batch.ldc) };
          const got = run(part).subarray(0, rows * batch.ldc);
          const want = all.subarray(first * batch.ldc, (first + rows) * batch.ldc);
          expect(Buffer.from(got.slice().buffer).equals(Buffer.from(want.slice().buffer)), `${isa}, ${rows} row(s) from row ${first}`).toBe(true);
        }
      }
    }
  });

  // Every shape is over the kernel's serial threshold (160^3 multiply-adds per call), so 2 threads split it.
  it('gives bitwise identical results with 1 and 2 threads (row and column splits, batches)', () => {
    const shapes: Spec[] = [
      { m: 400, n: 40, k: 300, bias: true, activation: 'tanh' },
      { transA: true, m: 40, n: 700, k: 200, bias: true, activation: 'relu' },
      { transB: true, m: 128, n: 256, k: 300 },
      { transA: true, transB: true, m: 100, n: 80, k: 90, batch: 6 },
      { m: 10, n: 1000, k: 500, bias: true, activation: 'sigmoid' },  // one row panel: B read in place
    ];
    for (const isa of isas) {
      binding.setIsa(isa);
      for (const [index, spec] of shapes.entries()) {
        const p = build(spec, 40 + index);
        binding.setNumThreads(1);
        const one = run(p);
        binding.setNumThreads(2);
        const two = run(p);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer)), `${isa} ${JSON.stringify(spec)}`).toBe(true);
      }
    }
    binding.setNumThreads(initial.threads);
  });
});
