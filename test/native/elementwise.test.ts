import { afterEach, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

// The raw elementwise binding: unary, unaryGrad, binary, affine.
//
// Bounds stated once: a kernel result is within 1e-6 relative error of the double-precision value
// wherever |exact| >= 1e-30, and within 1e-36 absolute below that ("tiny": near or in float's denormal
// range, where float has no relative precision left). Results beyond the float range count as inf.
// relu, leakyRelu, relu6, linear, neg, abs, their gradients, maximum, minimum, add/sub/mul/div and affine are
// exact (bit for bit, the arithmetic ones correctly rounded). A gradient whose derivative is a sum of
// terms (gelu, geluTanh, silu, mish; selu from y) is measured against |dy| * (sum of the terms' magnitudes),
// its condition.

const RELATIVE = 1e-6;
const TINY = 1e-30;
const TINY_ABSOLUTE = 1e-36;

const unaryOps = binding.opCodes.unary;
const binaryOps = binding.opCodes.binary;
const unaryNames = Object.keys(unaryOps);
const exactUnary = new Set(['linear', 'relu', 'leakyRelu', 'neg', 'abs', 'relu6']);
const isas = binding.backendInfo().isas;
const initialIsa = binding.backendInfo().isa;
const ALPHA = 0.3;

afterEach(() => binding.setIsa(initialIsa));

/** mulberry32: a small seeded generator so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- double-precision oracles ---------------------------------------------------------------------

const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** erfc in double: a positive series for erf below 2, a continued fraction above (both ~1e-15). */
function erfc(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z < 0) return 2 - erfc(-z);
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 80; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
  }
  if (z > 27) return 0;
  let fraction = z;
  for (let k = 80; k >= 1; k--) fraction = z + k / 2 / fraction;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * fraction);
}
const gaussCdf = (v: number) => 0.5 * erfc(-v / Math.SQRT2);
const gaussDensity = (v: number) => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
const GELU_TANH_SCALE = 2 * Math.sqrt(2 / Math.PI);
const geluTanhArgument = (v: number) => GELU_TANH_SCALE * (v + 0.044715 * v * v * v);
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const relu6 = (v: number) => (v < 0 ? 0 : v > 6 ? 6 : v);
/** tanh(softplus(x)), mish's factor, straight from the definition. */
const mishFactor = (v: number) => Math.tanh(v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

const forward: Record<string, (v: number) => number> = {
  linear: (v) => v,
  relu: (v) => (v < 0 ? 0 : v),
  leakyRelu: (v) => (v < 0 ? Math.fround(Math.fround(ALPHA) * v) : v),
  elu: (v) => (v > 0 ? v : Math.fround(ALPHA) * Math.expm1(v)),
  sigmoid,
  tanh: Math.tanh,
  gelu: (v) => (v === -Infinity ? -0 : v * gaussCdf(v)),
  geluTanh: (v) => (v === -Infinity ? -0 : v * sigmoid(geluTanhArgument(v))),
  softplus: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))),
  silu: (v) => (v === -Infinity ? -0 : v * sigmoid(v)),
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  neg: (v) => -v,
  abs: Math.abs,
  square: (v) => v * v,
  selu: (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)),
  softsign: (v) => (Math.abs(v) === Infinity ? Math.sign(v) : v / (1 + Math.abs(v))),
  hardSigmoid: (v) => relu6(v + 3) / 6,
  hardSwish: (v) => (v === -Infinity ? -0 : (v * relu6(v + 3)) / 6),
  relu6,
  mish: (v) => (v === -Infinity ? -0 : v * mishFactor(v)),
};

type GradInput = 'none' | 'x' | 'y' | 'xOrY';
const gradInput: Record<string, GradInput> = {
  linear: 'none', neg: 'none', relu: 'xOrY', leakyRelu: 'xOrY', elu: 'xOrY',
  sigmoid: 'y', tanh: 'y', exp: 'y', sqrt: 'y',
  log: 'x', abs: 'x', square: 'x', softplus: 'x', silu: 'x', gelu: 'x', geluTanh: 'x',
  selu: 'xOrY', softsign: 'x', hardSigmoid: 'y', hardSwish: 'x', relu6: 'xOrY', mish: 'x',
};

/** The derivative's terms (their sum is f'), from x or from y as the kernel reads them. */
function slopeTerms(name: string, x: number | null, y: number | null): [number] | [number, number] {
  const a = Math.fround(ALPHA);
  const v = (x ?? y) as number;
  switch (name) {
    case 'linear': return [1];
    case 'neg': return [-1];
    case 'relu': return [v > 0 ? 1 : v <= 0 ? 0 : NaN];
    case 'leakyRelu': return [v > 0 ? 1 : v <= 0 ? a : NaN];
    case 'elu': return x !== null ? [x > 0 ? 1 : a * Math.exp(x)] : [v > 0 ? 1 : v + a];
    case 'sigmoid': return [v * (1 - v)];
    case 'tanh': return [(1 - v) * (1 + v)];
    case 'exp': return [v];
    case 'sqrt': return [0.5 / v];
    case 'log': return [1 / v];
    case 'abs': return [v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN];
    case 'square': return [2 * v];
    case 'softplus': return [sigmoid(v)];
    case 'silu':
      if (!Number.isFinite(v) && !Number.isNaN(v)) return [v > 0 ? 1 : 0];
      return [sigmoid(v), v * sigmoid(v) * sigmoid(-v)];
    case 'gelu':
      if (!Number.isFinite(v) && !Number.isNaN(v)) return [v > 0 ? 1 : 0];
      return [gaussCdf(v), v * gaussDensity(v)];
    case 'geluTanh': {
      if (!Number.isFinite(v) && !Number.isNaN(v)) return [v > 0 ? 1 : 0];
      const s = sigmoid(geluTanhArgument(v));
      const derivative = GELU_TANH_SCALE * (1 + 3 * 0.044715 * v * v);
      return [s, v * s * sigmoid(-geluTanhArgument(v)) * derivative];
    }
    case 'selu':
      if (x !== null) return [x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x)];
      // y + scale alpha, measured against both terms (the slope cancels as x -> -inf).
      return v > 0 ? [SELU_SCALE] : [v, SELU_SCALE * SELU_ALPHA];
    case 'softsign': return [1 / (1 + Math.abs(v)) ** 2];
    case 'hardSigmoid': return [v > 0 && v < 1 ? 1 / 6 : Number.isNaN(v) ? NaN : 0];
    case 'hardSwish': return [v > -3 && v < 3 ? (2 * v + 3) / 6 : v >= 3 ? 1 : Number.isNaN(v) ? NaN : 0];
    case 'relu6': return [v > 0 && v < 6 ? 1 : Number.isNaN(v) ? NaN : 0];
    case 'mish': {
      if (!Number.isFinite(v) && !Number.isNaN(v)) return [v > 0 ? 1 : 0];
      // t + x t', t = tanh(softplus(x)), t' = (1 - t^2) sigmoid(x).
      const t = mishFactor(v);
      return [t, v * (1 - t * t) * sigmoid(v)];
    }
    default: throw new Error(`no oracle for ${name}`);
  }
}

/** f over the sweep inputs, computed once per op. */
const forwardOracles = new Map<string, Float64Array>();
function forwardOracle(name: string): Float64Array {
  let exact = forwardOracles.get(name);
  if (!exact) {
    exact = Float64Array.from(inputs, forward[name]);
    forwardOracles.set(name, exact);
  }
  return exact;
}

/** dy * f' for every input, and the magnitude the bound is measured against; computed once per op and input. */
const gradientOracles = new Map<string, { exact: Float64Array; scale: Float64Array }>();
function gradientOracle(name: string, from: string, x: Float32Array | null, y: Float32Array | null, dy: Float32Array) {
  const key = `${name} ${from}`;
  let oracle = gradientOracles.get(key);
  if (!oracle) {
    const n = dy.length;
    oracle = { exact: new Float64Array(n), scale: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const terms = slopeTerms(name, x ? x[i] : null, y ? y[i] : x ? null : 0);
      const sum = terms.length === 1 ? terms[0] : terms[0] + terms[1];
      const magnitude = terms.length === 1 ? Math.abs(terms[0]) : Math.abs(terms[0]) + Math.abs(terms[1]);
      oracle.exact[i] = dy[i] * sum;
      oracle.scale[i] = Math.max(Math.abs(dy[i]) * magnitude, Math.abs(oracle.exact[i]));
    }
    gradientOracles.set(key, oracle);
  }
  return oracle;
}

// ---- comparisons ----------------------------------------------------------------------------------

const LIMIT = 2 ** 128;
/** Whether `got` meets the bound against `exact`, measured against `scale` (|exact| unless given). */
function withinBound(got: number, exact: number, scale = Math.abs(exact)): boolean {
  if (Number.isNaN(exact) || Number.isNaN(got)) return Number.isNaN(exact) && Number.isNaN(got);
  const value = Math.abs(got) === Infinity ? Math.sign(got) * LIMIT : got;
  const target = Math.abs(exact) > LIMIT ? Math.sign(exact) * LIMIT : exact;
  const measure = Math.min(scale, LIMIT);
  const error = Math.abs(value - target);
  return measure < TINY ? error <= TINY_ABSOLUTE : error <= RELATIVE * measure;
}
const sameFloat = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

/** Collects the first few mismatches so a failure shows inputs, not just "false". */
class Mismatches {
  readonly list: string[] = [];
  count = 0;
  add(text: () => string): void {
    if (this.count++ < 5) this.list.push(text());
  }
}

// Inputs over the whole float range: specials, a stride through every bit pattern (all exponents,
// denormals, both signs), and dense samples where the functions bend.
function sweepInputs(): Float32Array {
  const values: number[] = [0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, -3.4028234663852886e38,
    1.1754943508222875e-38, -1.1754943508222875e-38, 1.401298464324817e-45, -1.401298464324817e-45, 1, -1,
    88.72283, 88.72284, -87.33654, -103.97208, -104, 0.625, -0.625, 0.75, -0.75, 9.01, -9.01, 14.5, -14.5];
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let pattern = 0; pattern < 2 ** 32; pattern += 524309) {
    bits[0] = pattern;
    values.push(asFloat[0]);
  }
  const next = random(1);
  for (let i = 0; i < 5000; i++) values.push(-20 + 40 * next());
  for (let i = 0; i < 1000; i++) values.push((i % 2 ? 1 : -1) * 2 ** (-40 + 43 * next()));
  return Float32Array.from(values);
}
const inputs = sweepInputs();

/** Random values with specials mixed in, so vector bodies and tails see everything. */
function mixed(n: number, seed: number): Float32Array {
  const next = random(seed);
  const specials = [0, -0, Infinity, -Infinity, NaN, 100, -100, 1e-40, 30, -30];
  return Float32Array.from({ length: n }, () => (next() < 0.1 ? specials[Math.floor(next() * 10)] : -6 + 12 * next()));
}

const GUARD = 16;
const GUARD_VALUE = -12345.5;
/** A view of n floats at `offset` inside a buffer whose other elements are guard values. */
function guardedView(n: number, offset: number, values?: Float32Array) {
  const buffer = new Float32Array(n + offset + 2 * GUARD).fill(GUARD_VALUE);
  const view = buffer.subarray(GUARD + offset, GUARD + offset + n);
  if (values) view.set(values);
  const intact = () => buffer.every((v, i) => (i >= GUARD + offset && i < GUARD + offset + n) || v === GUARD_VALUE);
  return { view, intact };
}

const SIZES = [0, 1, 7, 15, 16, 17, 31, 32, 33, 1000];
const OFFSETS = [0, 1, 3];

// ---- bad arguments first --------------------------------------------------------------------------

describe('elementwise binding: bad arguments', () => {
  const f = (n: number) => new Float32Array(n);
  const call = (fn: unknown, ...args: unknown[]) => () => (fn as (...a: unknown[]) => void)(...args);

  it('rejects wrong argument counts and types with ArgumentTypeError naming the argument', () => {
    expect(call(binding.unary, 0, 0, f(1), f(1))).toThrow(ArgumentTypeError);
    expect(call(binding.unary, 0, 0, f(1), f(1))).toThrow(/unary: expected 5 arguments, got 4/);
    expect(call(binding.unary, 0, 0, [1], f(1), 1)).toThrow(/unary: x must be a Float32Array, got an array/);
    expect(call(binding.unary, '0', 0, f(1), f(1), 1)).toThrow(/unary: op must be a number, got a string/);
    expect(call(binding.unary, 0, null, f(1), f(1), 1)).toThrow(/unary: param must be a number/);
    expect(call(binding.unary, 0, 0, f(1), new Float64Array(1), 1)).toThrow(/y must be a Float32Array, got another typed array/);
    expect(call(binding.unaryGrad, 1, 0, 'x', null, f(1), f(1), 1)).toThrow(/unaryGrad: x must be a Float32Array/);
    expect(call(binding.unaryGrad, 1, 0, f(1), null, null, f(1), 1)).toThrow(/unaryGrad: dy must be a Float32Array, got null/);
    expect(call(binding.binary, 0, f(1), f(1), f(1), [1, 1, 1, 1])).toThrow(/binary: layout must be a Float64Array/);
    expect(call(binding.binary, 0, f(1), f(1), f(1), new Float32Array([0]))).toThrow(ArgumentTypeError);
    expect(call(binding.binary, 0, new Int32Array(1), f(1), f(1), Float64Array.of(0))).toThrow(/binary: a must be a Float32Array/);
    expect(call(binding.affine, f(1), '2', 0, f(1), 1)).toThrow(/affine: scale must be a number, got a string/);
    expect(call(binding.affine, f(1), 1, 0, f(1))).toThrow(ArgumentTypeError);
    expect(call(binding.affine, f(1), 1, 0, f(1))).toThrow(TypeError);
  });

  it('rejects op codes, sizes and short buffers with ValueError', () => {
    const count = unaryNames.length;
    expect(() => binding.unary(count, 0, f(1), f(1), 1)).toThrow(ValueError);
    expect(() => binding.unary(count, 0, f(1), f(1), 1)).toThrow(`unary: op must be an integer from 0 to ${count - 1}, got ${count}`);
    expect(() => binding.unary(-1, 0, f(1), f(1), 1)).toThrow(ValueError);
    expect(() => binding.unary(1.5, 0, f(1), f(1), 1)).toThrow(ValueError);
    expect(() => binding.unary(0, 0, f(1), f(1), -1)).toThrow(/unary: n must be an integer from 0/);
    expect(() => binding.unary(0, 0, f(1), f(1), 0.5)).toThrow(ValueError);
    expect(() => binding.unary(0, 0, f(1), f(1), NaN)).toThrow(ValueError);
    expect(() => binding.unary(0, 0, f(3), f(4), 4)).toThrow(/unary: x needs at least 4 elements, got 3/);
    expect(() => binding.unary(0, 0, f(4), f(3), 4)).toThrow(/unary: y needs at least 4 elements, got 3/);
    // A view is bounded by its own length, not its buffer's.
    expect(() => binding.unary(0, 0, f(16).subarray(2, 4), f(3), 3)).toThrow(/x needs at least 3 elements, got 2/);
    expect(() => binding.unaryGrad(4, 0, null, f(3), f(2), f(3), 3)).toThrow(/unaryGrad: dy needs at least 3 elements, got 2/);
    expect(() => binding.unaryGrad(4, 0, null, f(3), f(3), f(2), 3)).toThrow(/unaryGrad: dx needs at least 3 elements/);
    expect(() => binding.unaryGrad(1, 0, f(2), null, f(3), f(3), 3)).toThrow(/unaryGrad: x needs at least 3 elements/);
    expect(() => binding.unaryGrad(7, 0, f(1), null, f(1), f(1), 1)).not.toThrow();
    expect(() => binding.unaryGrad(count, 0, f(1), f(1), f(1), f(1), 1)).toThrow(ValueError);
    expect(() => binding.affine(f(3), 1, 0, f(4), 4)).toThrow(/affine: x needs at least 4 elements, got 3/);
    expect(() => binding.affine(f(4), 1, 0, f(3), 4)).toThrow(/affine: y needs at least 4 elements, got 3/);
    expect(() => binding.affine(f(4), 1, 0, f(4), 2 ** 41)).toThrow(ValueError);
  });

  it('requires the forward values each gradient reads', () => {
    const x = f(2), y = f(2), dy = f(2), dx = f(2);
    expect(() => binding.unaryGrad(unaryOps.sigmoid, 0, x, null, dy, dx, 2)).toThrow(ValueError);
    expect(() => binding.unaryGrad(unaryOps.sigmoid, 0, x, null, dy, dx, 2)).toThrow(/unaryGrad: y \(the forward output\) is required for sigmoid, got null/);
    expect(() => binding.unaryGrad(unaryOps.tanh, 0, x, null, dy, dx, 2)).toThrow(/y .* is required for tanh/);
    expect(() => binding.unaryGrad(unaryOps.exp, 0, x, null, dy, dx, 2)).toThrow(ValueError);
    expect(() => binding.unaryGrad(unaryOps.sqrt, 0, x, null, dy, dx, 2)).toThrow(ValueError);
    expect(() => binding.unaryGrad(unaryOps.hardSigmoid, 0, x, null, dy, dx, 2)).toThrow(/y .* is required for hardSigmoid/);
    for (const name of ['gelu', 'geluTanh', 'silu', 'softplus', 'log', 'abs', 'square', 'softsign', 'hardSwish', 'mish']) {
      expect(() => binding.unaryGrad(unaryOps[name], 0, null, y, dy, dx, 2)).toThrow(
        new RegExp(`unaryGrad: x \\(the forward input\\) is required for ${name}, got null`),
      );
    }
    expect(() => binding.unaryGrad(unaryOps.relu, 0, null, null, dy, dx, 2)).toThrow(/relu needs x .* or y .*, got neither/);
    expect(() => binding.unaryGrad(unaryOps.leakyRelu, -0.5, null, y, dy, dx, 2)).toThrow(/leakyRelu with alpha < 0 needs x/);
    expect(() => binding.unaryGrad(unaryOps.elu, NaN, null, y, dy, dx, 2)).toThrow(ValueError);
    expect(() => binding.unaryGrad(unaryOps.relu, 0, null, y, dy, dx, 2)).not.toThrow();
    expect(() => binding.unaryGrad(unaryOps.elu, 1, null, y, dy, dx, 2)).not.toThrow();
    // selu and relu6 take no alpha, so param does not matter from y.
    expect(() => binding.unaryGrad(unaryOps.selu, -1, null, y, dy, dx, 2)).not.toThrow();
    expect(() => binding.unaryGrad(unaryOps.relu6, -1, null, y, dy, dx, 2)).not.toThrow();
    expect(() => binding.unaryGrad(unaryOps.relu6, 0, null, null, dy, dx, 2)).toThrow(/relu6 needs x .* or y .*, got neither/);
    expect(() => binding.unaryGrad(unaryOps.linear, 0, null, null, dy, dx, 2)).not.toThrow();
    expect(() => binding.unaryGrad(unaryOps.neg, 0, null, null, dy, dx, 2)).not.toThrow();
  });

  it('validates the binary layout and the buffer lengths it implies', () => {
    const layout = (...values: number[]) => Float64Array.from(values);
    const add = binaryOps.add;
    expect(() => binding.binary(7, f(1), f(1), f(1), layout(0))).toThrow(/binary: op must be an integer from 0 to 6, got 7/);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout())).toThrow(/layout must start with the rank/);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(9))).toThrow(/binary: layout rank must be an integer from 0 to 8, got 9/);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(-1))).toThrow(ValueError);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(1.5))).toThrow(ValueError);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(NaN))).toThrow(ValueError);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 3, 1))).toThrow(/4 numbers for rank 1, got 3/);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 3, 1, 1, 0))).toThrow(/4 numbers for rank 1, got 5/);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, -3, 1, 1))).toThrow(/layout shape\[0\] must be an integer/);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 2.5, 1, 1))).toThrow(ValueError);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 3, -1, 1))).toThrow(/layout aStrides\[0\] must be an integer/);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 3, 1, 0.5))).toThrow(/layout bStrides\[0\]/);
    expect(() => binding.binary(add, f(3), f(3), f(3), layout(1, 3, 1, Infinity))).toThrow(ValueError);
    // a is read at offsets up to (3-1)*2 = 4, so it needs 5 elements.
    expect(() => binding.binary(add, f(4), f(3), f(3), layout(1, 3, 2, 1))).toThrow(/binary: a needs at least 5 elements, got 4/);
    expect(() => binding.binary(add, f(3), f(2), f(3), layout(1, 3, 1, 1))).toThrow(/binary: b needs at least 3 elements, got 2/);
    expect(() => binding.binary(add, f(6), f(3), f(5), layout(2, 2, 3, 3, 1, 0, 1))).toThrow(/binary: out needs at least 6 elements, got 5/);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(2, 2 ** 30, 2 ** 30, 0, 0, 0, 0))).toThrow(/more than \d+ elements/);
    expect(() => binding.binary(add, f(1), f(1), f(1), layout(1, 2 ** 40, 2 ** 40, 0))).toThrow(/a's strides reach past/);
    // Empty outputs read nothing, so empty inputs are fine; rank 0 is one element.
    expect(() => binding.binary(add, f(0), f(0), f(0), layout(2, 0, 5, 7, 1, 9, 1))).not.toThrow();
    expect(() => binding.binary(add, f(0), f(1), f(1), layout(0))).toThrow(/a needs at least 1 elements, got 0/);
  });
});

// ---- unary and its gradient ------------------------------------------------------------------------

describe('unary: every ISA against double precision over the whole float range', () => {
  for (const isa of isas) {
    it(`${isa}: forward within the bound (relu-like ops exact)`, () => {
      binding.setIsa(isa);
      const y = new Float32Array(inputs.length);
      for (const name of unaryNames) {
        binding.unary(unaryOps[name], ALPHA, inputs, y, inputs.length);
        const exact = forwardOracle(name);
        const mismatches = new Mismatches();
        for (let i = 0; i < inputs.length; i++) {
          const ok = exactUnary.has(name) ? sameFloat(y[i], Math.fround(exact[i])) : withinBound(y[i], exact[i]);
          if (!ok) mismatches.add(() => `${name}(${inputs[i]}) = ${y[i]}, exact ${exact[i]}`);
        }
        expect(mismatches.list, `${isa} ${name}: ${mismatches.count} out of bounds`).toEqual([]);
      }
    });

    it(`${isa}: gradients within the bound, from x and from y`, () => {
      binding.setIsa(isa);
      const n = inputs.length;
      const next = random(2);
      const dy = Float32Array.from({ length: n }, () => -2 + 4 * next());
      const dx = new Float32Array(n);
      const y = new Float32Array(n);
      for (const name of unaryNames) {
        binding.setIsa('scalar');
        binding.unary(unaryOps[name], ALPHA, inputs, y, n);
        binding.setIsa(isa);
        const needs = gradInput[name];
        const variants: Array<'x' | 'y'> = needs === 'xOrY' ? ['x', 'y'] : needs === 'y' ? ['y'] : ['x'];
        for (const from of variants) {
          const x = from === 'x' && needs !== 'none' ? inputs : null;
          const forwardY = from === 'y' ? y : null;
          binding.unaryGrad(unaryOps[name], ALPHA, x, forwardY, dy, dx, n);
          const { exact, scale } = gradientOracle(name, from, x, forwardY, dy);
          const mismatches = new Mismatches();
          for (let i = 0; i < n; i++) {
            const ok = exactUnary.has(name) ? sameFloat(dx[i], Math.fround(exact[i])) : withinBound(dx[i], exact[i], scale[i]);
            if (!ok) mismatches.add(() => `d${name} at x = ${inputs[i]}, y = ${y[i]}, dy = ${dy[i]}: ${dx[i]}, exact ${exact[i]}`);
          }
          expect(mismatches.list, `${isa} d${name} from ${from}: ${mismatches.count} out of bounds`).toEqual([]);
        }
      }
    });
  }

  it('gets the edges right: overflow, underflow, zeros, NaN, tiny tanh, big softplus', () => {
    for (const isa of isas) {
      binding.setIsa(isa);
      const run = (name: string, values: number[], param = 0) => {
        const x = Float32Array.from(values);
        const y = new Float32Array(x.length);
        binding.unary(unaryOps[name], param, x, y, x.length);
        return Array.from(y);
      };
      expect(run('exp', [89, -104, -Infinity, Infinity, NaN, 0])).toEqual([Infinity, 0, 0, Infinity, NaN, 1]);
      expect(run('exp', [-100])[0]).toBe(Math.fround(Math.exp(-100))); // a denormal, not flushed to 0
      expect(run('log', [0, -0, -1, Infinity, NaN, 1])).toEqual([-Infinity, -Infinity, NaN, Infinity, NaN, 0]);
      expect(Object.is(run('sqrt', [-0])[0], -0)).toBe(true);
      expect(run('sqrt', [-1])[0]).toBeNaN();
      expect(run('tanh', [1e-30, -1e-30, 1e-45, 20, -20])).toEqual([1e-30, -1e-30, Math.fround(1e-45), 1, -1].map(Math.fround));
      expect(run('sigmoid', [-Infinity, Infinity, 0, -90])[0]).toBe(0);
      expect(run('sigmoid', [-90])[0]).toBeGreaterThan(0); // e^-90, not 0
      expect(run('softplus', [1e30, 100, -Infinity])).toEqual([Math.fround(1e30), 100, 0]);
      expect(run('softplus', [-90])[0] / Math.exp(-90)).toBeCloseTo(1, 6);
      expect(run('gelu', [-Infinity, Infinity, -1e30])).toEqual([-0, Infinity, -0]);
      expect(run('geluTanh', [-Infinity, Infinity])).toEqual([-0, Infinity]);
      expect(run('silu', [-Infinity, Infinity])).toEqual([-0, Infinity]);
      expect(run('elu', [-Infinity, -1e-10], 2)).toEqual([-2, Math.fround(-2e-10)]);
      expect(run('selu', [-Infinity, Infinity])).toEqual([Math.fround(-1.0507009873554805 * 1.6732632423543772), Infinity]);
      expect(run('softsign', [-Infinity, Infinity, 3.4e38, 1e-40])).toEqual([-1, 1, 1, Math.fround(1e-40)]);
      expect(run('hardSigmoid', [-Infinity, Infinity, -3, 3])).toEqual([0, 1, 0, 1]);
      expect(run('hardSwish', [-Infinity, Infinity, -3, 3, -1e30])).toEqual([-0, Infinity, -0, 3, -0]);
      expect(run('relu6', [-0, -Infinity, Infinity, 6, Math.fround(5.9999995)])).toEqual([-0, 0, 6, 6, Math.fround(5.9999995)]);
      expect(run('mish', [-Infinity, Infinity, -1e30, 3e38])).toEqual([-0, Infinity, -0, Math.fround(3e38)]);
      expect(run('mish', [-80])[0] / (-80 * Math.exp(-80))).toBeCloseTo(1, 6); // x e^x, not 0
      for (const name of unaryNames) expect(run(name, [NaN], 0.5)[0], name).toBeNaN();
    }
  });
});

describe('unary: every ISA against the scalar reference on sizes and views', () => {
  const vectorIsas = isas.filter((name) => name !== 'scalar');
  if (vectorIsas.length === 0) it.skip('this CPU has no vector ISA to compare', () => {});
  for (const isa of vectorIsas) {
    it(`${isa}: sizes 0..1000 at odd offsets, guards intact, in place equal to out of place`, () => {
      for (const name of unaryNames) {
        const op = unaryOps[name];
        for (const n of SIZES) {
          for (const offset of OFFSETS) {
            const x = guardedView(n, offset, mixed(n, n * 7 + offset));
            const dy = guardedView(n, offset + 1, mixed(n, n * 13 + offset));
            binding.setIsa('scalar');
            const expected = new Float32Array(n);
            binding.unary(op, ALPHA, x.view, expected, n);
            const yIn = guardedView(n, offset + 2, expected);
            const expectedDx = new Float32Array(n);
            binding.unaryGrad(op, ALPHA, x.view, yIn.view, dy.view, expectedDx, n);
            binding.setIsa(isa);
            const y = guardedView(n, offset + 2);
            const dx = guardedView(n, offset);
            binding.unary(op, ALPHA, x.view, y.view, n);
            binding.unaryGrad(op, ALPHA, x.view, yIn.view, dy.view, dx.view, n);
            const inPlace = guardedView(n, offset, x.view);
            binding.unary(op, ALPHA, inPlace.view, inPlace.view, n);
            const mismatches = new Mismatches();
            for (let i = 0; i < n; i++) {
              const exact = exactUnary.has(name);
              const close = (got: number, want: number, scale = 0) =>
                exact ? sameFloat(got, want) : withinBound(got, want, Math.max(Math.abs(want), Math.abs(scale)));
              if (!close(y.view[i], expected[i])) mismatches.add(() => `${name}(${x.view[i]}) = ${y.view[i]}, scalar ${expected[i]}`);
              if (!close(dx.view[i], expectedDx[i], dy.view[i])) {
                mismatches.add(() => `d${name}(${x.view[i]}) = ${dx.view[i]}, scalar ${expectedDx[i]}`);
              }
              if (!sameFloat(inPlace.view[i], y.view[i])) mismatches.add(() => `${name} in place differs at ${i}`);
            }
            expect(mismatches.list, `${isa} ${name} n=${n} offset=${offset}`).toEqual([]);
            expect(x.intact() && dy.intact() && yIn.intact() && y.intact() && dx.intact() && inPlace.intact(), `${name} guards`).toBe(true);
          }
        }
      }
    });
  }
});

// ---- binary with broadcasting ----------------------------------------------------------------------

/** NumPy broadcasting of two shapes into the binding's layout (and the lengths a and b need). */
function broadcast(aShape: number[], bShape: number[]) {
  const rank = Math.max(aShape.length, bShape.length);
  const pad = (shape: number[]) => [...Array(rank - shape.length).fill(1), ...shape];
  const a = pad(aShape), b = pad(bShape);
  const shape = a.map((d, i) => (d === 1 ? b[i] : d));
  const strides = (dims: number[]) => {
    const result = new Array(rank).fill(0);
    let step = 1;
    for (let d = rank - 1; d >= 0; d--) {
      result[d] = dims[d] === 1 ? 0 : step;
      step *= dims[d];
    }
    return result;
  };
  const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
  return { shape, aStrides: strides(a), bStrides: strides(b), aLength: size(a), bLength: size(b), count: size(shape) };
}
const layoutOf = (shape: number[], aStrides: number[], bStrides: number[]) =>
  Float64Array.from([shape.length, ...shape, ...aStrides, ...bStrides]);

/** The expected result of one element, in double, rounded once (exact for + - * /). */
function binaryOracle(name: string, a: number, b: number): number {
  switch (name) {
    case 'add': return Math.fround(a + b);
    case 'sub': return Math.fround(a - b);
    case 'mul': return Math.fround(a * b);
    case 'div': return Math.fround(a / b);
    case 'maximum': return Number.isNaN(b) ? b : b > a ? b : a;
    case 'minimum': return Number.isNaN(b) ? b : b < a ? b : a;
    case 'pow':
      // C's pow where JavaScript's differs: pow(x, +-0) = 1, pow(1, y) = 1, pow(-1, +-inf) = 1.
      if (b === 0 || a === 1 || (a === -1 && Math.abs(b) === Infinity)) return 1;
      return Math.pow(a, b);
    default: throw new Error(name);
  }
}

describe('binary: broadcasting on every ISA', () => {
  const cases: Array<[number[], number[]]> = [
    [[1000], [1000]], // same shape, contiguous
    [[33], []], // scalar broadcast
    [[], [17]],
    [[5, 31], [31]], // trailing-vector broadcast (a bias row)
    [[7, 17], [7, 1]], // column broadcast
    [[9, 1], [1, 15]], // outer product
    [[3, 1, 33], [4, 33]], // broadcast in the middle
    [[2, 3, 4, 5], [3, 1, 5]],
    [[2, 2, 2, 2, 2, 2, 2, 3], [2, 1, 2, 1, 2, 1, 3]], // rank 8
    [[4, 0, 3], [3]], // empty
    [[], []], // rank 0
  ];
  for (const isa of isas) {
    it(`${isa}: NumPy broadcasting for every op, exact except pow (within the bound)`, () => {
      binding.setIsa(isa);
      for (const [aShape, bShape] of cases) {
        const { shape, aStrides, bStrides, aLength, bLength, count } = broadcast(aShape, bShape);
        for (const offset of [0, 3]) {
          const a = guardedView(aLength, offset, mixed(aLength, aLength + offset));
          const b = guardedView(bLength, offset + 1, mixed(bLength, bLength * 3 + offset));
          for (const name of Object.keys(binaryOps)) {
            const out = guardedView(count, offset + 2);
            // pow on mostly non-negative bases and some integer exponents, so it is not NaN everywhere.
            const aValues = name === 'pow' ? a.view.map((v, i) => (i % 5 ? Math.abs(v) : v)) : a.view;
            const bValues = name === 'pow' ? b.view.map((v, i) => (i % 3 ? v : Math.round(v))) : b.view;
            binding.binary(binaryOps[name], aValues, bValues, out.view, layoutOf(shape, aStrides, bStrides));
            const mismatches = new Mismatches();
            for (let i = 0; i < count; i++) {
              let rest = i, aOffset = 0, bOffset = 0;
              for (let d = shape.length - 1; d >= 0; d--) {
                aOffset += (rest % shape[d]) * aStrides[d];
                bOffset += (rest % shape[d]) * bStrides[d];
                rest = Math.floor(rest / shape[d]);
              }
              const want = binaryOracle(name, aValues[aOffset], bValues[bOffset]);
              const ok = name === 'pow' ? withinBound(out.view[i], want) : sameFloat(out.view[i], want);
              if (!ok) mismatches.add(() => `${name}(${aValues[aOffset]}, ${bValues[bOffset]}) = ${out.view[i]}, expected ${want}`);
            }
            expect(mismatches.list, `${isa} ${name} ${JSON.stringify([aShape, bShape])}`).toEqual([]);
            expect(out.intact() && a.intact() && b.intact()).toBe(true);
          }
        }
      }
    });

    it(`${isa}: strided (transposed) inputs and out aliasing a`, () => {
      binding.setIsa(isa);
      // a is a 6 x 5 view of a 5 x 6 matrix (transposed), b a row.
      const a = mixed(30, 4), b = mixed(5, 5), out = new Float32Array(30);
      binding.binary(binaryOps.sub, a, b, out, layoutOf([6, 5], [1, 6], [0, 1]));
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < 5; c++) expect(sameFloat(out[r * 5 + c], Math.fround(a[c * 6 + r] - b[c]))).toBe(true);
      }
      const inPlace = a.slice();
      binding.binary(binaryOps.mul, inPlace, b, inPlace, layoutOf([6, 5], [5, 1], [0, 1]));
      for (let i = 0; i < 30; i++) expect(sameFloat(inPlace[i], Math.fround(a[i] * b[i % 5]))).toBe(true);
    });

    it(`${isa}: maximum / minimum propagate NaN; pow follows C for the special cases`, () => {
      binding.setIsa(isa);
      const a = Float32Array.of(1, NaN, 2, 0, -0), b = Float32Array.of(NaN, 1, 3, -0, 0), out = new Float32Array(5);
      const layout = layoutOf([5], [1], [1]);
      binding.binary(binaryOps.maximum, a, b, out, layout);
      expect(Array.from(out)).toEqual([NaN, NaN, 3, 0, -0]);
      binding.binary(binaryOps.minimum, a, b, out, layout);
      expect(Array.from(out)).toEqual([NaN, NaN, 2, 0, -0]);
      const bases = [0, -0, 0, -0, -0, -2, -2, -8, 2, 1, -1, NaN, Infinity, -Infinity, -Infinity, 0.5, 2, 3, 16];
      const exponents = [-1, -1, 2, 3, 0.5, 3, 0.5, 1 / 3, -Infinity, NaN, Infinity, 0, -2, 3, 0.5, Infinity, 127, 2, 0.5];
      const expected = [Infinity, -Infinity, 0, -0, 0, -8, NaN, NaN, 0, 1, 1, 1, 0, -Infinity, Infinity, 0, 2 ** 127, 9, 4];
      // Scalar exponents with exact paths: squares, square roots, reciprocals, 1 and 0.
      const x = Float32Array.of(0, -0, -2, 3, 0.1, 1e20, Infinity, -Infinity, NaN, 7, 1e-45);
      for (const exponent of [2, 0.5, 1, -1, 0]) {
        const powOut = new Float32Array(x.length);
        binding.binary(binaryOps.pow, x, Float32Array.of(exponent), powOut, layoutOf([x.length], [1], [0]));
        expect(Array.from(powOut), `x^${exponent}`).toEqual(Array.from(x, (v) => Math.fround(binaryOracle('pow', v, exponent))));
      }
      const result = new Float32Array(bases.length);
      binding.binary(binaryOps.pow, Float32Array.from(bases), Float32Array.from(exponents), result,
        layoutOf([bases.length], [1], [1]));
      expect(Array.from(result)).toEqual(expected);
    });
  }
});

// ---- affine ----------------------------------------------------------------------------------------

describe('affine on every ISA', () => {
  for (const isa of isas) {
    it(`${isa}: fused multiply-add, fills, exact copies, sizes and views`, () => {
      binding.setIsa(isa);
      for (const n of SIZES) {
        for (const offset of OFFSETS) {
          const x = guardedView(n, offset, mixed(n, n + 17 * offset));
          for (const [scale, shift] of [[0, 3], [1, 0], [-2.5, 0], [0.7, -1.25]]) {
            const y = guardedView(n, offset + 1);
            binding.affine(x.view, scale, shift, y.view, n);
            const mismatches = new Mismatches();
            for (let i = 0; i < n; i++) {
              const v = x.view[i];
              // One rounding of x*scale + shift: the double product is exact, the double sum rounds at most
              // once more, which cannot change the float result except at exact ties (not in these data).
              const want = scale === 0 ? shift : shift === 0 ? Math.fround(v * scale) : Math.fround(v * Math.fround(scale) + Math.fround(shift));
              if (!sameFloat(y.view[i], want)) mismatches.add(() => `affine(${v}, ${scale}, ${shift}) = ${y.view[i]}, want ${want}`);
            }
            expect(mismatches.list).toEqual([]);
            expect(x.intact() && y.intact()).toBe(true);
          }
        }
      }
      const inPlace = Float32Array.of(1, 2, NaN, -0);
      binding.affine(inPlace, 2, 1, inPlace, 4);
      expect(Array.from(inPlace)).toEqual([3, 5, NaN, 1]);
      binding.affine(inPlace, 0, 7, inPlace, 4);
      expect(Array.from(inPlace)).toEqual([7, 7, 7, 7]);
    });
  }
});
