// Fuzz test: random malformed calls at the public API and at the raw binding. Each call must either
// succeed or throw (or reject with) a Dendrite error — DendriteError or its ArgumentTypeError — and
// the process must never crash. Most calls are built to pass the TypeScript checks (right types,
// wrong values) or call the raw binding directly with plausible-but-wrong sizes, so they reach the
// deep checks (the native length and size checks) rather than the first type test.
//
// Reproducible: DENDRITE_FUZZ_SEED (default fixed) and DENDRITE_FUZZ_CALLS (default 10,000) choose
// the run; a failure prints the seed and the calls that failed. DENDRITE_FUZZ_TRACE=<file> appends
// each call to that file before it runs, to find the one that crashes a process.
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { DendriteError } from '../lib/errors.js';
import { binding, type ForwardStep } from '../lib/native.js';
import type { Tensor, TensorLike } from '../lib/tensor.js';
import { Rng } from './helpers/rng.js';
import { modelMaterial, runHostileCalls, runMutatedModels, type Tally } from './helpers/hostile.js';

const SEED = Number(process.env.DENDRITE_FUZZ_SEED ?? 0x5eed2026);
const CALLS = Number(process.env.DENDRITE_FUZZ_CALLS ?? 10_000);
const TRACE_FILE = process.env.DENDRITE_FUZZ_TRACE;
const TRACE = TRACE_FILE !== undefined && TRACE_FILE !== '';
const fuzzFolder = mkdtempSync(join(tmpdir(), 'dendrite-fuzz-'));
afterAll(() => rmSync(fuzzFolder, { recursive: true, force: true }));
/** Appends a line to the trace file (synchronously, so it is there if the process dies next). */
function trace(line: string): void {
  appendFileSync(TRACE_FILE!, `${line}\n`);
}

// --- random choices ---------------------------------------------------------------------------

/** Sizes and numbers that are wrong for a size: negative, fractional, NaN, infinite, huge. */
const BAD_SIZES = [-1, -0.5, 0.5, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 40 + 1, 2 ** 53, 2 ** 63, 1e308, -(2 ** 31)];
const SMALL_SIZES = [0, 1, 2, 3, 4, 5, 7, 8];
const ODD_NUMBERS = [0, -0, 1, -1, 0.5, 2, 1e-30, 1e30, 3.4e38, 1e39, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, 2 ** 31];
const ARANGE_BOUNDS = [0, -0, 1, -1, 0.5, 7, Number.NaN, Infinity, -Infinity, 1e30, -1e39];
/** Values of every JavaScript type, for arguments the TypeScript types would forbid. */
function weird(r: Rng): unknown {
  return r.pick<() => unknown>([
    () => undefined, () => null, () => true, () => '', () => '3', () => 'relu', () => ({}), () => [], () => [[]], () => [1, [2]],
    () => Symbol('s'), () => 10n, () => () => 1, () => new Date(0), () => new Map(), () => Object.create(null),
    () => new Float64Array(3), () => new Uint8Array(5), () => new Int32Array(2), () => new DataView(new ArrayBuffer(8)),
    () => Number.NaN, () => -1, () => 1e10, () => [Number.NaN], () => ({ shape: [2] }), () => new Proxy({}, {}), () => Promise.resolve(1),
  ])();
}
/** A size: mostly small and valid, sometimes wrong. */
function size(r: Rng): number {
  return r.chance(0.75) ? r.pick(SMALL_SIZES) : r.pick(BAD_SIZES);
}
/** A shape (number[]), mostly valid and small. */
function shape(r: Rng, maxRank = 4): number[] {
  const rank = r.int(0, maxRank);
  const dims = Array.from({ length: rank }, () => (r.chance(0.9) ? r.int(0, 4) : r.pick(BAD_SIZES)));
  if (r.chance(0.03)) dims.push(2 ** 20, 2 ** 20); // more elements than a tensor may hold
  return dims;
}
function validShape(r: Rng, maxRank = 3): number[] {
  return Array.from({ length: r.int(0, maxRank) }, () => r.int(0, 4));
}
function floatValues(r: Rng, n: number): Float32Array {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = r.chance(0.05) ? r.pick(ODD_NUMBERS) : r.next() * 4 - 2;
  return values;
}
/** A valid tensor: float32 (mostly) or int32, sometimes a view, sometimes requiring gradients. */
function tensor(r: Rng, s: readonly number[] = validShape(r)): Tensor {
  const n = s.reduce((a, b) => a * b, 1);
  let t: Tensor;
  if (r.chance(0.15)) t = dn.tensor(Int32Array.from({ length: n }, () => r.int(-3, 5)), s);
  else t = dn.tensor(floatValues(r, n), s);
  if (t.dtype === 'float32' && t.rank >= 2 && r.chance(0.2)) t = t.transpose(); // a strided view
  else if (t.rank >= 1 && t.shape[0] > 1 && r.chance(0.1)) t = t.slice([1], [t.shape[0] - 1]);
  if (t.dtype === 'float32' && t.isLeaf && r.chance(0.15)) t.requiresGrad = true;
  return t;
}
/** A tensor-like argument: mostly tensors, sometimes nested arrays (maybe ragged) or numbers. */
function tensorLike(r: Rng): TensorLike {
  const choice = r.int(0, 9);
  if (choice < 6) return tensor(r);
  if (choice === 6) return r.pick(ODD_NUMBERS);
  if (choice === 7) return Array.from({ length: r.int(0, 3) }, () => Array.from({ length: r.int(1, 3) }, () => r.next()));
  if (choice === 8) return floatValues(r, r.int(0, 6));
  return [[1, 2], [3]]; // ragged
}
/** A typed array of a random element type (Float32Array most often), maybe shared, offset or detached. */
function anyTypedArray(r: Rng, length: number): ArrayBufferView {
  const kind = r.int(0, 12);
  switch (kind) {
    case 0: return new Float64Array(length);
    case 1: return new Int32Array(length);
    case 2: return new Uint8Array(length);
    case 3: return new Int16Array(length);
    case 4: return new Uint32Array(length);
    case 5: return new BigInt64Array(length);
    case 6: return new Float32Array(new SharedArrayBuffer(4 * length));
    case 7: {
      // A view one element into a larger buffer (not 64-byte aligned).
      const base = floatValues(r, length + 2);
      return new Float32Array(base.buffer, 4, length);
    }
    case 8: {
      // A detached buffer: its views have length 0.
      const view = new Float32Array(length);
      structuredClone(view.buffer, { transfer: [view.buffer] });
      return view;
    }
    default: return floatValues(r, length);
  }
}

// --- calls ------------------------------------------------------------------------------------

interface Call {
  /** What is called, for the summary and failure messages. */
  target: string;
  /** Built to pass the TypeScript checks, or a direct call of the raw binding. */
  typed: boolean;
  run: () => unknown;
  /** Details of the arguments, for failure messages. */
  detail?: string;
}
type Generator = (r: Rng) => Call;

/** A short description of any value, for failure messages (never throws). */
function show(a: unknown): string {
  try {
    if (ArrayBuffer.isView(a)) return `${a.constructor.name}(${(a as Float32Array).length ?? a.byteLength})`;
    if (typeof a === 'bigint') return `${a}n`;
    if (typeof a === 'symbol' || typeof a === 'function') return typeof a;
    if (a instanceof dn.Tensor) return `Tensor${JSON.stringify(a.shape)}:${a.dtype}`;
    if (typeof a === 'number') return String(a);
    return (JSON.stringify(a) ?? String(a)).slice(0, 60);
  } catch {
    return Object.prototype.toString.call(a);
  }
}
const describeArgs = (args: unknown[]): string => args.map(show).join(', ');

// Public API: tensors and ops ------------------------------------------------------------------

const UNARY = [
  'neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'relu', 'sigmoid', 'tanh', 'gelu', 'geluTanh', 'softplus', 'silu',
  'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish',
] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const;
const REDUCE = ['sum', 'mean', 'max', 'min', 'variance'] as const;

function axisArg(r: Rng): number | number[] | null | undefined {
  return r.pick<() => number | number[] | null | undefined>([() => r.int(-4, 4), () => [r.int(-3, 3), r.int(-3, 3)], () => null, () => undefined, () => r.pick(BAD_SIZES)])();
}

const apiGenerators: Array<[number, Generator]> = [
  [3, (r) => {
    const data = tensorLike(r);
    const s = r.chance(0.5) ? shape(r) : undefined;
    const dtype = r.pick(['float32', 'int32'] as const);
    return { target: 'tensor', typed: true, run: () => dn.tensor(data, s, dtype), detail: describeArgs([data, s, dtype]) };
  }],
  [1, (r) => {
    const args = [weird(r), r.chance(0.5) ? weird(r) : undefined, r.chance(0.3) ? weird(r) : undefined];
    return { target: 'tensor', typed: false, run: () => (dn.tensor as (...a: unknown[]) => unknown)(...args), detail: describeArgs(args) };
  }],
  [3, (r) => {
    const s = shape(r);
    const which = r.int(0, 9);
    const options = r.chance(0.3) ? { seed: r.pick([1, 2.5, Number.NaN, -1]), requiresGrad: r.chance(0.5) } : undefined;
    const names = ['zeros', 'ones', 'full', 'rand', 'randn', 'randint', 'truncatedNormal', 'eye', 'arange', 'linspace'];
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.zeros(s, r.pick(['float32', 'int32'] as const));
        case 1: return dn.ones(s);
        case 2: return dn.full(s, r.pick(ODD_NUMBERS), r.pick(['float32', 'int32'] as const));
        case 3: return dn.rand(s, options);
        case 4: return dn.randn(s, options);
        case 5: return dn.randint(r.pick([0, 3, -2, 1.5, Number.NaN]), r.pick([0, 5, 2 ** 31, Infinity]), s, options ? { seed: options.seed } : undefined);
        case 6: return dn.truncatedNormal(s, options);
        case 7: return dn.eye(size(r), r.chance(0.5) ? size(r) : undefined);
        // Bounds whose valid ranges are short: a valid arange of 2^31 - 1 values (8 GB) is not malformed, just slow.
        case 8: return dn.arange(r.pick(ARANGE_BOUNDS), r.pick(ARANGE_BOUNDS), r.pick([1, -1, 0, 0.5, 1e-30, Number.NaN, Infinity]));
        default: return dn.linspace(r.pick(ODD_NUMBERS), r.pick(ODD_NUMBERS), size(r));
      }
    };
    return { target: names[which], typed: true, run, detail: JSON.stringify(s) };
  }],
  [1, (r) => {
    const name = r.pick(['zeros', 'ones', 'rand', 'randn', 'eye', 'arange', 'linspace', 'full'] as const);
    const args = [weird(r), weird(r), weird(r)];
    return { target: name, typed: false, run: () => (dn[name] as (...a: unknown[]) => unknown)(...args), detail: describeArgs(args) };
  }],
  [4, (r) => {
    const name = r.pick(UNARY);
    const x = tensorLike(r);
    const out = r.chance(0.2) ? tensor(r) : undefined;
    return { target: name, typed: true, run: () => dn[name](x, out === undefined ? undefined : { out }), detail: describeArgs([x, out]) };
  }],
  [2, (r) => {
    const x = tensorLike(r);
    const which = r.int(0, 4);
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.leakyRelu(x, r.pick(ODD_NUMBERS));
        case 1: return dn.elu(x, r.pick(ODD_NUMBERS));
        case 2: return dn.clip(x, r.pick(ODD_NUMBERS), r.pick(ODD_NUMBERS));
        case 3: return dn.softmax(x, r.int(-3, 3));
        default: return dn.logSoftmax(x, r.pick([...BAD_SIZES, -1, 0, 1]));
      }
    };
    return { target: ['leakyRelu', 'elu', 'clip', 'softmax', 'logSoftmax'][which], typed: true, run, detail: describeArgs([x]) };
  }],
  [4, (r) => {
    const name = r.pick(BINARY);
    const a = tensorLike(r);
    const b = r.chance(0.3) && a instanceof dn.Tensor ? tensor(r, a.shape.slice(r.int(0, a.rank))) : tensorLike(r);
    const out = r.chance(0.15) ? tensor(r) : undefined;
    const fn = dn[name] as (a: TensorLike, b: TensorLike, options?: { out?: Tensor }) => Tensor;
    return { target: name, typed: true, run: () => fn(a, b, out === undefined ? undefined : { out }), detail: describeArgs([a, b, out]) };
  }],
  [1, (r) => {
    const args = [tensorLike(r), tensorLike(r), tensorLike(r)];
    return { target: 'where', typed: true, run: () => dn.where(args[0], args[1], args[2]), detail: describeArgs(args) };
  }],
  [3, (r) => {
    const m = r.int(0, 4), k = r.int(0, 4), n = r.int(0, 4);
    const a = r.chance(0.7) ? tensor(r, [...(r.chance(0.3) ? [r.int(1, 2)] : []), m, k]) : tensor(r);
    const b = r.chance(0.7) ? tensor(r, [r.chance(0.8) ? k : k + 1, n]) : tensor(r);
    const options = r.chance(0.3) ? { transposeA: r.chance(0.5), transposeB: r.chance(0.5), ...(r.chance(0.3) ? { out: tensor(r) } : {}) } : undefined;
    return { target: 'matmul', typed: true, run: () => dn.matmul(a, b, options), detail: describeArgs([a, b, options]) };
  }],
  [3, (r) => {
    const name = r.pick(REDUCE);
    const x = tensorLike(r);
    const axis = axisArg(r);
    const keep = r.chance(0.3);
    return { target: name, typed: true, run: () => dn[name](x, axis, keep), detail: describeArgs([x, axis, keep]) };
  }],
  [1, (r) => {
    const x = tensorLike(r);
    const axis = r.pick([null, undefined, 0, 1, -1, 5, 0.5, Number.NaN]);
    return { target: 'argmax', typed: true, run: () => (r.chance(0.5) ? dn.argmax(x, axis) : dn.argmin(x, axis)), detail: describeArgs([x, axis]) };
  }],
  [6, (r) => {
    const x = tensor(r);
    const which = r.int(0, 15);
    const ints = (): number[] => Array.from({ length: r.int(0, 4) }, () => (r.chance(0.85) ? r.int(-3, 4) : r.pick(BAD_SIZES)));
    const names = ['reshape', 'flatten', 'transpose', 'permute', 'squeeze', 'expandDims', 'broadcastTo', 'slice', 'split', 'pad', 'concat', 'stack', 'gather', 'oneHot', 'cast', 'clone'];
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.reshape(x, r.chance(0.5) ? ints() : [x.size === 0 ? 0 : -1, ...ints()]);
        case 1: return dn.flatten(x, r.int(-3, 3), r.int(-3, 3));
        case 2: return dn.transpose(x, r.chance(0.5) ? undefined : ints());
        case 3: return dn.permute(x, ints());
        case 4: return dn.squeeze(x, r.chance(0.5) ? undefined : r.int(-3, 3));
        case 5: return dn.expandDims(x, r.int(-5, 5));
        case 6: return dn.broadcastTo(x, ints());
        case 7: return dn.slice(x, ints(), r.chance(0.5) ? ints() : undefined);
        case 8: return dn.split(x, r.chance(0.5) ? r.pick([1, 2, 3, 0, -1, 1.5]) : ints(), r.int(-2, 2));
        case 9: return dn.pad(x, Array.from({ length: x.rank + r.int(-1, 1) }, () => [r.pick([0, 1, -1, 2, 0.5]), r.pick([0, 1, 2 ** 31])] as [number, number]), r.pick(ODD_NUMBERS));
        case 10: return dn.concat([x, tensor(r, r.chance(0.5) ? x.shape : validShape(r)), ...(r.chance(0.2) ? [] : [])], r.int(-3, 3));
        case 11: return dn.stack([x, tensor(r, r.chance(0.6) ? x.shape : validShape(r))], r.int(-3, 3));
        case 12: return dn.gather(x, r.chance(0.5) ? tensor(r, [r.int(0, 3)]) : dn.tensor(Int32Array.from(ints())), r.int(-2, 2));
        case 13: return dn.oneHot(r.chance(0.5) ? dn.tensor(Int32Array.from(ints())) : x, r.pick([...SMALL_SIZES, ...BAD_SIZES]), r.pick(ODD_NUMBERS), 0);
        case 14: return dn.cast(x, r.pick(['float32', 'int32'] as const));
        default: return dn.clone(x);
      }
    };
    return { target: names[which], typed: true, run, detail: describeArgs([x]) };
  }],
  [3, (r) => {
    // Layer normalization and attention: plausible sequences with axes, masks and options sometimes wrong.
    const lead = Array.from({ length: r.int(0, 2) }, () => r.int(0, 3));
    const len = r.int(0, 5), kvLen = r.chance(0.8) ? len : r.int(0, 5), dim = r.chance(0.9) ? r.int(1, 4) : 0;
    const q = r.chance(0.85) ? tensor(r, [...lead, len, dim]) : tensorLike(r);
    const k = r.chance(0.8) ? tensor(r, [...lead, kvLen, r.chance(0.9) ? dim : r.int(0, 4)]) : tensorLike(r);
    const v = r.chance(0.8) ? tensor(r, [...lead, kvLen, r.int(0, 3)]) : tensorLike(r);
    const options: Record<string, unknown> = {};
    if (r.chance(0.4)) options.mask = r.chance(0.7) ? tensor(r, r.chance(0.6) ? [...lead, 1, kvLen] : validShape(r)) : weird(r);
    if (r.chance(0.3)) options.causal = r.chance(0.9) ? r.chance(0.5) : weird(r);
    if (r.chance(0.2)) options.causalOffset = r.pick([0, 2, -3, 1.5, Number.NaN, 2 ** 31]);
    if (r.chance(0.2)) options.scale = r.pick(ODD_NUMBERS);
    if (r.chance(0.2)) { options.dropout = r.pick([0, 0.3, 1, -0.1, Number.NaN]); options.seed = r.pick([1, 2.5]); }
    if (r.chance(0.2)) options.returnScores = r.chance(0.5);
    const which = r.int(0, 7);
    const names = [
      'scaledDotProductAttention', 'layerNorm', 'layers.layerNormalization', 'layers.multiHeadAttention', 'layers.transformerEncoder',
      'layers.transformerDecoder', 'layers.positionEmbedding', 'layers.sinePositionEncoding',
    ];
    const block = () => ({ intermediateDim: r.pick([1, 4, 0, -2, 1.5]), numHeads: r.pick([1, 2, 0, 3]), normalizeFirst: r.chance(0.5), dropout: r.pick([0, 0.2, 1]) });
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.scaledDotProductAttention(q, k, v, options);
        case 1: return dn.layerNorm(q, { ...(r.chance(0.5) ? { axis: r.pick<unknown>([-1, 0, [1, 2], [], 5, 1.5]) } : {}), ...(r.chance(0.4) ? { scale: tensorLike(r) } : {}), ...(r.chance(0.2) ? { epsilon: r.pick(ODD_NUMBERS) } : {}) } as dn.LayerNormOptions);
        case 2: return dn.layers.layerNormalization({ axis: r.pick<unknown>([-1, 1, [1, 2], 0]), epsilon: r.pick([1e-3, -1, 0]) } as never).apply(q);
        case 4: return dn.layers.transformerEncoder(block()).apply(q, { training: r.chance(0.5), ...(r.chance(0.3) ? { mask: options.mask } : {}) } as never);
        case 5: return dn.layers.transformerDecoder(block()).apply(r.chance(0.6) ? q : [q, v] as never, { training: r.chance(0.5) });
        case 6: return dn.layers.positionEmbedding({ sequenceLength: r.pick([1, 3, 5, 0, 2.5]) }).apply(q);
        case 7: return dn.layers.sinePositionEncoding({ maxWavelength: r.pick([10000, 1, 0, -1]) }).apply(q);
        default: {
          const mha = dn.layers.multiHeadAttention({ numHeads: r.pick([1, 2, 0, 1.5]), keyDim: r.pick([1, 3, -1]), useCausalMask: r.chance(0.5), returnAttentionScores: r.chance(0.3), dropout: r.pick([0, 0.2, 1]) });
          return r.chance(0.5) ? mha.apply(r.chance(0.5) ? q : [q, v] as never, { training: r.chance(0.5) }) : mha.attend(q as Tensor, v as Tensor, { key: k as Tensor, ...options } as never);
        }
      }
    };
    return { target: names[which], typed: true, run: () => { const y = run(); if (y instanceof dn.Tensor && y.requiresGrad) y.sum().backward(); return y; }, detail: describeArgs([q, k, v, options]) };
  }],
  [2, (r) => {
    const name = r.pick(['reshape', 'transpose', 'slice', 'split', 'pad', 'concat', 'stack', 'gather', 'oneHot', 'cast', 'squeeze', 'sum', 'softmax', 'matmul'] as const);
    const args = [r.chance(0.5) ? tensor(r) : weird(r), weird(r), weird(r)];
    return { target: name, typed: false, run: () => (dn[name] as (...a: unknown[]) => unknown)(...args), detail: describeArgs(args) };
  }],
  [4, (r) => {
    // Convolution, pooling and normalization: plausible image batches with sizes, strides, paddings and
    // layouts that are sometimes wrong (ranks, channels, kernels larger than the input, zero strides).
    const spatial = r.chance(0.25) ? 1 : 2;
    const channels = r.chance(0.9) ? r.int(1, 3) : 0;
    const x = r.chance(0.85) ? tensor(r, [r.int(0, 2), ...Array.from({ length: spatial }, () => (r.chance(0.9) ? r.int(3, 6) : r.int(0, 2))), channels]) : tensor(r);
    const kernel = Array.from({ length: spatial }, () => (r.chance(0.9) ? r.int(1, 3) : r.pick([0, 6])));
    const filterShape = [...kernel, r.chance(0.8) ? channels : r.int(0, 4), r.int(0, 3)];
    const filter = r.chance(0.85) ? tensor(r, filterShape) : tensorLike(r);
    const pick = (): number | number[] => (r.chance(0.8) ? r.int(1, 2) : r.pick([0, -1, 1.5, Number.NaN, [1, 0], [2, 2, 2]]));
    const options: Record<string, unknown> = {};
    if (r.chance(0.5)) options.strides = pick();
    if (r.chance(0.5)) options.padding = r.pick<unknown>(['valid', 'same', 'causal', 1, -1, [[1, 0], [0, 1]], 'full']);
    if (r.chance(0.3)) options.dilations = pick();
    if (r.chance(0.2)) options.dataFormat = r.pick(['channelsLast', 'channelsFirst', 'NHWC']);
    if (r.chance(0.1)) options.groups = r.pick([1, 2, 0, 3]);
    if (r.chance(0.2)) options.bias = tensorLike(r);
    const which = r.int(0, 8);
    const names = ['conv2d', 'conv1d', 'conv2dTranspose', 'depthwiseConv2d', 'maxPool2d', 'avgPool2d', 'maxPool1d', 'avgPool1d', 'batchNorm'];
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.conv2d(x, filter, options as dn.Conv2dOptions);
        case 1: return dn.conv1d(x, filter, options as dn.Conv1dOptions);
        case 2: return dn.conv2dTranspose(x, filter, { ...options, ...(r.chance(0.2) ? { outputSize: [r.int(0, 9), r.int(1, 9)] } : {}) } as dn.Conv2dTransposeOptions);
        case 3: { delete options.groups; return dn.depthwiseConv2d(x, filter, options); }
        case 4: return dn.maxPool2d(x, pick(), { ...(r.chance(0.5) ? { strides: pick() } : {}), padding: r.pick(['valid', 'same']) });
        case 5: return dn.avgPool2d(x, pick(), r.chance(0.5) ? { dataFormat: 'channelsFirst' } : undefined);
        case 6: return dn.maxPool1d(x, r.int(0, 3), { padding: r.pick(['valid', 'same']) });
        case 7: return dn.avgPool1d(x, r.int(1, 3), r.int(0, 2));
        default: return r.chance(0.5) ? dn.batchNorm(x, { scale: tensorLike(r), epsilon: r.pick([0.001, -1, Number.NaN]) }) : dn.batchNorm(x, tensorLike(r), tensorLike(r));
      }
    };
    return { target: names[which], typed: true, run: () => { const y = run() as Tensor; if (y instanceof dn.Tensor && y.requiresGrad) y.sum().backward(); return y; }, detail: describeArgs([x, filter, options]) };
  }],
  [2, (r) => {
    // Autograd: an op on a tensor requiring gradients, then backward with a gradient of any shape.
    const x = tensor(r, validShape(r, 2));
    const grad = r.chance(0.5) ? tensorLike(r) : undefined;
    const run = (): unknown => {
      if (x.dtype === 'float32') x.requiresGrad = true;
      const y = r.chance(0.5) ? x.mul(x).sum() : x.exp();
      y.backward(grad as Tensor | undefined);
      return x.grad;
    };
    return { target: 'backward', typed: true, run, detail: describeArgs([x, grad]) };
  }],
  [2, (r) => {
    const x = tensor(r);
    const which = r.int(0, 6);
    const run = (): unknown => {
      switch (which) {
        case 0: return x.item();
        case 1: return x.toArray();
        case 2: x.requiresGrad = r.chance(0.5); return x;
        case 3: return x.reshape(shape(r));
        case 4: return x.add(tensorLike(r));
        case 5: { const g = tensor(r); x.grad = g; return x.grad; }
        default: return dn.noGrad(() => x.matmul(tensorLike(r)));
      }
    };
    return { target: ['item', 'toArray', 'requiresGrad', 'Tensor.reshape', 'Tensor.add', 'Tensor.grad', 'noGrad'][which], typed: true, run, detail: describeArgs([x]) };
  }],
  [3, (r) => {
    // One step of a recurrent cell: shapes mostly consistent, sometimes one off.
    const which = r.int(0, 3);
    const batch = r.int(0, 3), inputs = r.int(0, 3), units = r.int(1, 3);
    const gates = [4, 3, 1][Math.min(which, 2)];
    const off = (n: number): number => (r.chance(0.15) ? n + r.pick([1, -1]) : n);
    const t = (dims: number[]): Tensor => (r.chance(0.9) ? tensor(r, dims.map((d) => Math.max(0, d))) : tensor(r));
    const resetAfter = r.chance(0.6);
    const x = t([batch, off(inputs)]), h = t([batch, off(units)]), c = t([batch, units]);
    const kernel = t([inputs, off(gates * units)]), recurrent = t([units, gates * units]);
    const bias = r.chance(0.3) ? null : t(which === 1 && resetAfter ? [2, gates * units] : [off(gates * units)]);
    const options = r.chance(0.3) ? { activation: r.pick(ACTIVATIONS) as never, ...(r.chance(0.3) ? { resetAfter: r.pick([true, false, 1]) as never } : {}) } : undefined;
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.lstmCell(x, h, c, kernel, recurrent, bias, options);
        case 1: return dn.gruCell(x, h, kernel, recurrent, bias, { resetAfter, ...options });
        case 2: return dn.rnnCell(x, h, kernel, recurrent, bias, options);
        default: return dn.embeddingLookup(t([r.int(0, 4), r.int(0, 3)]), r.chance(0.5) ? dn.tensor(Int32Array.from({ length: r.int(0, 4) }, () => r.int(-1, 5))) : tensorLike(r));
      }
    };
    return { target: ['lstmCell', 'gruCell', 'rnnCell', 'embeddingLookup'][which], typed: true, run, detail: describeArgs([x, h, kernel, recurrent, bias]) };
  }],
];

// Public API: layers, models, losses, optimizers, data ------------------------------------------

const ACTIVATIONS = [
  'relu', 'softmax', 'tanh', 'sigmoid', 'linear', 'gelu', 'swish', 'elu', 'leakyRelu', 'softplus', 'relu6', 'selu', 'softsign',
  'hardSigmoid', 'hard_sigmoid', 'hardSwish', 'hard_swish', 'hard_silu', 'mish', 'exponential', 'logSoftmax', 'log_softmax',
  'gelu_new', 'leaky_relu', 'silu', 'Swish', 'Relu', 'softmaxx', 'hardsigmoid', '',
  // Names of Object.prototype must never resolve (a registry lookup reads own properties only).
  'toString', 'constructor', '__proto__', 'hasOwnProperty',
];
/** The built-in losses that are functions of dn.losses. */
const LOSS_FUNCTIONS = [
  'meanSquaredError', 'meanAbsoluteError', 'huber', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
  'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'hinge', 'squaredHinge', 'categoricalHinge', 'logCosh',
  'kullbackLeiblerDivergence', 'kld', 'poisson', 'cosineSimilarity',
] as const;
const LOSSES = [
  ...LOSS_FUNCTIONS, 'mse', 'mae', 'mape', 'MSLE', 'crossentropy', 'mean_squared_error', 'binary_crossentropy', 'bce', 'KLDivergence', 'logcosh',
  'cosineProximity', 'squared_hinge', 'hingeLoss', 'toString', 'constructor', '__proto__',
];
const OPTIMIZERS = [
  'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'adadelta', 'nadam', 'Adam', 'Nadam', 'Adamax', 'SGD', 'RMSProp', 'ADAMW',
  'adam2', 'nadamw', 'adadelta ', '', 'toString', 'constructor',
];
const METRICS = [
  'accuracy', 'acc', 'crossentropy', 'ce', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'topKCategoricalAccuracy',
  'sparseTopKCategoricalAccuracy', 'precision', 'recall', 'auc', 'r2Score', 'mse', 'mae', 'mape', 'msle', 'hinge', 'squaredHinge',
  'categoricalHinge', 'logCosh', 'kld', 'poisson', 'cosineSimilarity', 'cosine', 'binaryCrossentropy', 'sparse_categorical_crossentropy',
  'huber', 'top_k', 'toString', 'constructor',
];

function denseOptions(r: Rng, first: boolean): dn.layers.DenseOptions {
  const options: dn.layers.DenseOptions = { units: r.chance(0.85) ? r.int(1, 6) : r.pick(BAD_SIZES) };
  if (r.chance(0.6)) options.activation = r.pick(ACTIVATIONS) as dn.layers.DenseOptions['activation'];
  if (first && r.chance(0.7)) options.inputShape = r.chance(0.85) ? [r.int(1, 5)] : shape(r, 2);
  if (r.chance(0.1)) options.useBias = r.chance(0.5);
  if (r.chance(0.1)) options.kernelInitializer = r.pick(['glorotUniform', 'heNormal', 'zeros', 'orthogonal', 'glorot', 'ones', 'identity', 'Identity', 'IdentityInitializer', 'leCunNormal', 'LeCunUniform', 'glorot_uniform', 'zero', 'toString', 'constructor']);
  if (r.chance(0.1)) options.kernelRegularizer = r.pick(['l1', 'l2', 'l3', 'L1L2', 'l1_l2', 'toString', '__proto__']);
  if (r.chance(0.05)) options.inputDim = size(r);
  return options;
}

function randomLayer(r: Rng, first: boolean): dn.Layer {
  switch (r.int(0, 6)) {
    case 0: return dn.layers.dropout({ rate: r.pick([0, 0.3, 0.5]), seed: r.int(0, 9), ...(r.chance(0.3) ? { noiseShape: [null, 1] } : {}) });
    case 1: return dn.layers.activation({ activation: r.pick(['relu', 'tanh', 'softmax', 'sigmoid', 'selu', 'hardSwish', 'mish', 'gelu_new'] as const) });
    case 2: return dn.layers.flatten({ ...(first ? { inputShape: [r.int(1, 3), r.int(1, 3)] } : {}), ...(r.chance(0.3) ? { dataFormat: 'channelsFirst' as const } : {}) });
    default: return dn.layers.dense({ units: r.int(1, 5), activation: r.pick(['relu', 'tanh', 'softmax', 'sigmoid', 'linear', 'relu6', 'softsign', 'hardSigmoid'] as const), ...(first ? { inputShape: [r.int(1, 4)] } : {}), kernelInitializer: dn.initializers.glorotUniform({ seed: r.int(0, 99) }) });
  }
}

/** A small compiled model, built unless the dice say otherwise. */
function randomModel(r: Rng): dn.Sequential {
  const layers = Array.from({ length: r.int(1, 3) }, (_, i) => randomLayer(r, i === 0));
  const model = dn.sequential({ layers });
  model.compile({ optimizer: r.pick(['sgd', 'adam', 'rmsprop'] as const), loss: r.pick(['mse', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'categoricalCrossentropy'] as const), metrics: r.chance(0.3) ? ['accuracy'] : [] });
  return model;
}

/** Data for a model: mostly of the right shape, sometimes not. */
function modelData(r: Rng, model: dn.Sequential): { x: TensorLike; y: TensorLike } {
  const input = model.inputShape;
  const n = r.pick([0, 1, 3, 5]);
  const sample = input === null || r.chance(0.15) ? validShape(r, 2) : (input.slice(1) as number[]);
  const x = r.chance(0.9) ? tensor(r, [n, ...sample]) : tensorLike(r);
  const output = model.outputShape;
  const classes = output === null ? 2 : (output[output.length - 1] as number);
  const yChoice = r.int(0, 4);
  const y = yChoice === 0 ? dn.tensor(Int32Array.from({ length: n }, () => r.int(-1, classes)))
    : yChoice === 1 ? tensor(r, [n, classes])
      : yChoice === 2 ? dn.randint(0, Math.max(classes, 1), [n]).cast('float32')
        : tensorLike(r);
  return { x, y };
}

function fitOptions(r: Rng): dn.FitOptions {
  const options: dn.FitOptions = { verbose: r.chance(0.9) ? 0 : r.pick([3, -1, 0.5]) };
  if (r.chance(0.5)) options.epochs = r.pick([0, 1, 2, -1, 1.5, Number.NaN]);
  if (r.chance(0.4)) options.batchSize = r.pick([1, 2, 32, 0, -1, 1.5, Number.NaN, 2 ** 40]);
  if (r.chance(0.2)) options.validationSplit = r.pick([0, 0.2, 0.5, 1, -0.1, Number.NaN]);
  if (r.chance(0.1)) options.shuffle = r.chance(0.5);
  if (r.chance(0.2)) options.seed = r.pick([1, -5, 0.5, Number.NaN]);
  if (r.chance(0.1)) options.classWeight = { 0: r.pick([1, -1, Number.NaN]), 1: 2 };
  if (r.chance(0.1)) options.sampleWeight = tensorLike(r);
  if (r.chance(0.1)) options.initialEpoch = r.pick([0, 1, 5, -1]);
  if (r.chance(0.1)) options.onNonFiniteLoss = r.pick(['throw', 'ignore'] as const);
  if (r.chance(0.1)) options.signal = r.chance(0.5) ? AbortSignal.abort() : new AbortController().signal;
  if (r.chance(0.05)) options.validationData = [tensorLike(r), tensorLike(r)];
  return options;
}

const modelGenerators: Array<[number, Generator]> = [
  [3, (r) => {
    // A recurrent layer (or its wrappers) built from random options and applied to a tensor of any shape,
    // with a mask or initial states of any shape.
    const which = r.int(0, 6);
    const names = ['layers.lstm', 'layers.gru', 'layers.simpleRNN', 'layers.bidirectional', 'layers.embedding', 'layers.masking', 'layers.timeDistributed'];
    const recurrentOptions = (): Record<string, unknown> => ({
      units: r.chance(0.9) ? r.int(1, 3) : r.pick(BAD_SIZES),
      ...(r.chance(0.3) ? { returnSequences: r.chance(0.7) ? true : 'yes' } : {}),
      ...(r.chance(0.2) ? { returnState: true } : {}),
      ...(r.chance(0.2) ? { goBackwards: true } : {}),
      ...(r.chance(0.2) ? { dropout: r.pick([0.2, 1, -1]), recurrentDropout: r.pick([0.3, 0, 2]), seed: 1 } : {}),
      ...(r.chance(0.2) ? { activation: r.pick(ACTIVATIONS) } : {}),
      ...(r.chance(0.1) ? { resetAfter: r.pick([false, true]) } : {}),
    });
    const x = r.chance(0.7) ? tensor(r, [r.int(1, 3), r.int(0, 3), r.int(1, 3)]) : tensor(r);
    const run = (): unknown => {
      switch (which) {
        case 0: case 1: case 2: {
          const options = recurrentOptions();
          if (which !== 1) delete options.resetAfter;
          const layer = (dn.layers[['lstm', 'gru', 'simpleRNN'][which] as 'lstm'] as (o: unknown) => dn.layers.LSTM)(options);
          const mask = r.chance(0.3) ? tensor(r, r.chance(0.7) ? x.shape.slice(0, 2) : validShape(r)) : undefined;
          const initialState = r.chance(0.3) ? Array.from({ length: r.int(0, 2) }, () => tensor(r, [x.shape[0] ?? 1, r.int(1, 3)])) : undefined;
          return layer.apply(x, { training: r.chance(0.5), ...(mask === undefined ? {} : { mask }), ...(initialState === undefined ? {} : { initialState }) });
        }
        case 3: return dn.layers.bidirectional({ layer: dn.layers.gru(recurrentOptions() as never), mergeMode: r.pick(['concat', 'sum', 'mul', 'ave', null, 'max']) as never }).apply(x);
        case 4: {
          const layer = dn.layers.embedding({ inputDim: r.chance(0.9) ? r.int(1, 5) : r.pick(BAD_SIZES), outputDim: r.int(1, 3), maskZero: r.chance(0.5) });
          return layer.apply(r.chance(0.6) ? dn.tensor(Int32Array.from({ length: r.int(0, 6) }, () => r.int(-1, 6))) : x);
        }
        case 5: return dn.layers.masking({ maskValue: r.pick([0, 1, Number.NaN]) }).apply(x);
        default: return dn.layers.timeDistributed({ layer: dn.layers.dense({ units: r.int(1, 3) }) }).apply(x, r.chance(0.3) ? { mask: tensor(r) } : {});
      }
    };
    return { target: names[which], typed: true, run, detail: describeArgs([x]) };
  }],
  [3, (r) => {
    const which = r.int(0, 4);
    const names = ['layers.dense', 'layers.activation', 'layers.dropout', 'layers.flatten', 'layers.reshape'];
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.layers.dense(denseOptions(r, r.chance(0.5)));
        case 1: return dn.layers.activation({ activation: r.pick(ACTIVATIONS) as dn.layers.ActivationLayerOptions['activation'] });
        case 2: {
          const layer = dn.layers.dropout({ rate: r.pick([0, 0.5, 1, -0.1, 2, Number.NaN]), seed: r.pick([1, 1.5, undefined]), ...(r.chance(0.4) ? { noiseShape: shape(r, 3).map((d) => (r.chance(0.3) ? null : d)) } : {}) });
          return layer.apply(tensor(r, validShape(r, 3)), { training: true });
        }
        case 3: {
          const layer = dn.layers.flatten({ inputShape: shape(r, 3), ...(r.chance(0.5) ? { dataFormat: r.pick(['channelsFirst', 'channels_last', 'channelFirst'] as never) } : {}) });
          return layer.apply(tensor(r, validShape(r, 4)));
        }
        default: return dn.layers.reshape({ targetShape: Array.from({ length: r.int(0, 3) }, () => r.pick([-1, 0, 1, 2, 4, 1.5, 2 ** 31])) });
      }
    };
    return { target: names[which], typed: true, run };
  }],
  [1, (r) => {
    const name = r.pick(['dense', 'activation', 'dropout', 'flatten', 'reshape'] as const);
    const options = r.chance(0.5) ? weird(r) : { [r.pick(['unit', 'units', 'activaton', 'inputshape', 'rate', 'targetShape'])]: weird(r) };
    return { target: `layers.${name}`, typed: false, run: () => (dn.layers[name] as (o: unknown) => unknown)(options), detail: describeArgs([options]) };
  }],
  [2, (r) => {
    // A layer applied to a tensor of any shape, or given weights of any shape.
    const layer = dn.layers.dense({ units: r.int(1, 4), activation: r.pick(['relu', 'softmax', 'linear'] as const), inputShape: r.chance(0.5) ? [r.int(1, 4)] : undefined });
    const x = tensor(r);
    const which = r.int(0, 2);
    const run = (): unknown => {
      if (which === 0) return layer.apply(x, { training: r.chance(0.5) });
      if (which === 1) { layer.build(shape(r, 3)); return layer.countParams(); }
      layer.apply(tensor(r, [2, r.int(1, 4)]));
      return layer.setWeights(Array.from({ length: r.int(0, 3) }, () => tensor(r)));
    };
    return { target: ['Layer.apply', 'Layer.build', 'Layer.setWeights'][which], typed: true, run, detail: describeArgs([x]) };
  }],
  [2, (r) => {
    const layers = Array.from({ length: r.int(0, 3) }, (_, i) => dn.layers.dense(r.chance(0.8) ? { units: r.int(1, 4), ...(i === 0 ? { inputShape: [r.int(1, 4)] } : {}) } : { units: 2, inputShape: [r.int(1, 4)] }));
    const compile: dn.CompileOptions = { loss: r.pick(LOSSES) };
    if (r.chance(0.8)) compile.optimizer = r.pick(OPTIMIZERS);
    if (r.chance(0.3)) compile.metrics = [r.pick([...METRICS, 'f1'])];
    const run = (): unknown => {
      const model = dn.sequential({ layers });
      model.compile(compile);
      return model;
    };
    return { target: 'sequential+compile', typed: true, run, detail: JSON.stringify(compile) };
  }],
  [1, (r) => {
    const model = randomModel(r);
    const options = r.chance(0.5) ? weird(r) : { [r.pick(['optimizer', 'loss', 'metrics', 'lr', 'losses'])]: weird(r) };
    return { target: 'compile', typed: false, run: () => model.compile(options as never), detail: describeArgs([options]) };
  }],
  [4, (r) => {
    const model = randomModel(r);
    const { x, y } = modelData(r, model);
    const options = fitOptions(r);
    // Per-timestep weights [samples, steps] shaped from the targets (sometimes a step too many).
    if (r.chance(0.15) && y instanceof dn.Tensor && y.rank >= 2) options.sampleWeight = dn.rand([y.shape[0], y.shape[1] + r.pick([0, 0, 1])]);
    return { target: 'fit', typed: true, run: () => model.fit(x, y, options), detail: describeArgs([x, y, { ...options, signal: options.signal ? 'signal' : undefined }]) };
  }],
  [3, (r) => {
    const model = randomModel(r);
    const { x, y } = modelData(r, model);
    const which = r.int(0, 4);
    const batchSize = r.pick([undefined, 1, 4, 0, -1, 0.5, Number.NaN]);
    const run = (): unknown => {
      switch (which) {
        case 0: return model.evaluate(x, y, { batchSize });
        case 1: return model.predict(x, { batchSize });
        case 2: return model.predictAsync(x, { batchSize });
        case 3: return model.trainOnBatch(x, y, r.chance(0.3) ? { sampleWeight: tensorLike(r) } : undefined);
        default: return model.setWeights(r.chance(0.5) ? model.getWeights().map((w) => tensor(r, r.chance(0.7) ? w.shape : validShape(r))) : Array.from({ length: r.int(0, 3) }, () => tensor(r)));
      }
    };
    return { target: ['evaluate', 'predict', 'predictAsync', 'trainOnBatch', 'Model.setWeights'][which], typed: true, run, detail: describeArgs([x, y, batchSize]) };
  }],
  [1, (r) => {
    const model = randomModel(r);
    const method = r.pick(['fit', 'evaluate', 'predict', 'predictAsync', 'trainOnBatch', 'setWeights', 'getLayer', 'add', 'summary'] as const);
    const args = [weird(r), weird(r), weird(r)];
    return { target: `Model.${method}`, typed: false, run: () => (model[method] as (...a: unknown[]) => unknown).apply(model, method === 'summary' ? [{ printFn: () => {}, lineLength: args[0] }] : args), detail: describeArgs(args) };
  }],
  [3, (r) => {
    const name = r.pick(LOSS_FUNCTIONS);
    const yPred = tensor(r, r.chance(0.8) ? [r.int(0, 4), r.int(1, 4)] : validShape(r));
    const yTrue = r.chance(0.6) ? tensor(r, yPred.shape) : name === 'sparseCategoricalCrossentropy' && r.chance(0.5) ? dn.tensor(Int32Array.from({ length: yPred.shape[0] ?? 0 }, () => r.int(-1, 4))) : tensorLike(r);
    // Weights: none, wrong ones, a scalar, one per sample, or one per row (a timestep of a sequence).
    const weight = (): TensorLike => r.pick<() => TensorLike>([() => tensorLike(r), () => r.pick(ODD_NUMBERS), () => tensor(r, yPred.shape.slice(0, 1)), () => tensor(r, yPred.shape.slice(0, -1))])();
    const options = r.chance(0.4) ? { reduction: r.pick(['mean', 'sum', 'none', 'avg'] as const), ...(r.chance(0.5) ? { sampleWeight: weight() } : {}) } : undefined;
    const fn = dn.losses[name] as (t: TensorLike, p: TensorLike, o?: unknown) => Tensor;
    return { target: `losses.${name}`, typed: true, run: () => fn(yTrue, yPred, options), detail: describeArgs([yTrue, yPred, options]) };
  }],
  [1, (r) => {
    const name = r.pick(LOSSES);
    const options = r.chance(0.5) ? { fromLogits: r.chance(0.5), labelSmoothing: r.pick([0, 0.1, 1.5, -1]), delta: r.pick([1, 0, -1]) } : undefined;
    return { target: 'losses.get', typed: true, run: () => dn.losses.get(name, options), detail: describeArgs([name, options]) };
  }],
  [3, (r) => {
    const name = r.pick(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'adadelta', 'nadam'] as const);
    const options: Record<string, unknown> = {};
    for (const key of ['learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'clipNorm', 'clipValue', 'rho', 'initialAccumulatorValue', 'globalClipNorm', 'learningrate', 'amsgrad', 'centered']) {
      if (r.chance(0.15)) options[key] = ['nesterov', 'amsgrad', 'centered'].includes(key) ? r.pick([true, false, 1, 'yes']) : r.pick(ODD_NUMBERS);
    }
    const step = r.chance(0.6);
    const run = (): unknown => {
      const optimizer = (dn.optimizers[name] as (o: unknown) => dn.Optimizer)(options);
      if (!step) return optimizer;
      const value = dn.tensor(floatValues(r, 4), [2, 2]);
      value.requiresGrad = true;
      const variables = [{ name: 'w', value, trainable: true }];
      optimizer.build(variables);
      value.grad = r.chance(0.8) ? tensor(r, [2, 2]) : tensor(r);
      optimizer.step(variables);
      if (r.chance(0.3)) optimizer.learningRate = r.pick(ODD_NUMBERS);
      if (r.chance(0.3)) optimizer.setWeights(optimizer.getWeights().map((w) => (r.chance(0.5) ? w : { name: w.name, tensor: tensor(r) })));
      return optimizer;
    };
    return { target: `optimizers.${name}`, typed: true, run, detail: JSON.stringify(options) };
  }],
  [1, (r) => {
    const which = r.int(0, 2);
    const run = (): unknown => {
      if (which === 0) return dn.optimizers.schedules.exponentialDecay({ initialLearningRate: r.pick(ODD_NUMBERS), decaySteps: r.pick([...SMALL_SIZES, ...BAD_SIZES]), decayRate: r.pick(ODD_NUMBERS), staircase: r.chance(0.5) });
      if (which === 1) return dn.optimizers.schedules.piecewiseConstantDecay({ boundaries: [r.pick([1, 5, -1, Number.NaN]), r.pick([3, 2])], values: Array.from({ length: r.int(0, 4) }, () => r.pick(ODD_NUMBERS)) });
      return dn.optimizers.schedules.cosineDecay({ initialLearningRate: r.pick(ODD_NUMBERS), decaySteps: r.pick([...SMALL_SIZES, ...BAD_SIZES]), alpha: r.pick(ODD_NUMBERS) });
    };
    return { target: 'schedules', typed: true, run };
  }],
  [2, (r) => {
    const name = r.pick(['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunNormal', 'orthogonal'] as const);
    const seed = r.pick([1, 2.5, -1, Number.NaN, 2 ** 60]);
    const s = shape(r, 3);
    return { target: `initializers.${name}`, typed: true, run: () => dn.initializers[name]({ seed }).apply(s, r.pick(['float32', 'int32'] as const)), detail: JSON.stringify([seed, s]) };
  }],
  [1, (r) => {
    const gain = r.pick(ODD_NUMBERS);
    const s = shape(r, 3);
    return { target: 'initializers.identity', typed: true, run: () => dn.initializers.identity({ gain }).apply(s, r.pick(['float32', 'int32'] as const)), detail: JSON.stringify([gain, s]) };
  }],
  [1, (r) => {
    const which = r.int(0, 2);
    const value = r.pick(ODD_NUMBERS);
    const x = tensorLike(r);
    const run = (): unknown => (which === 0 ? dn.regularizers.l1({ l1: value }) : which === 1 ? dn.regularizers.l2({ l2: value }) : dn.regularizers.l1l2({ l1: value, l2: 0.1 })).apply(x as Tensor);
    return { target: 'regularizers', typed: true, run, detail: describeArgs([value, x]) };
  }],
  [2, (r) => {
    const name = r.pick(['accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', 'auc', 'meanSquaredError', 'meanAbsoluteError', 'crossentropy', 'topKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy', 'r2Score', 'hinge', 'kullbackLeiblerDivergence', 'cosineSimilarity', 'binaryCrossentropy', 'meanAbsolutePercentageError'] as const);
    const yPred = tensor(r, r.chance(0.7) ? [r.int(0, 4), r.int(1, 3)] : validShape(r));
    const yTrue = r.chance(0.5) ? tensor(r, yPred.shape) : tensor(r);
    const options = r.chance(0.4) ? r.pick<() => Record<string, unknown>>([
      () => ({ threshold: r.pick(ODD_NUMBERS), numThresholds: r.pick([1, 2, 200, 0, 1.5]) }),
      () => ({ k: r.pick([1, 2, 5, 0, -1, 1.5, Number.NaN]), ...(r.chance(0.5) ? { fromSortedIds: r.pick([true, false, 1]) } : {}) }),
      () => ({ classAggregation: r.pick(['uniformAverage', 'varianceWeightedAverage', 'none']), numRegressors: r.pick([0, 1, 5, -1, 0.5]) }),
      () => ({ fromLogits: r.chance(0.5), labelSmoothing: r.pick([0, 0.1, 2]), kind: r.pick(['binary', 'sparse', 'dense']) }),
    ])() : {};
    const weights = r.chance(0.3) ? r.pick<() => TensorLike>([() => tensorLike(r), () => r.pick(ODD_NUMBERS), () => tensor(r, yPred.shape.slice(0, 1)), () => tensor(r, yPred.shape)])() : undefined;
    const run = (): unknown => {
      const metric = (dn.metrics[name] as (o: unknown) => dn.Metric)(options);
      metric.update(yTrue, yPred, weights);
      return metric.result();
    };
    return { target: `metrics.${name}`, typed: true, run, detail: describeArgs([yTrue, yPred, options, weights]) };
  }],
  [1, (r) => {
    // Registry lookups by name: canonical names, Keras and tfjs spellings, typos and Object.prototype's names.
    const which = r.int(0, 5);
    const name = r.pick([...LOSSES, ...METRICS, ...OPTIMIZERS, ...ACTIVATIONS, 'leCunNormal', 'he_uniform', 'L1L2', 'Identity', 'valueOf']);
    const run = (): unknown => {
      switch (which) {
        case 0: return dn.initializers.getInitializer(name).apply([2, 2]);
        case 1: return dn.regularizers.getRegularizer(name);
        case 2: return dn.metrics.getMetric(name);
        case 3: return dn.optimizers.getOptimizer(name);
        case 4: return dn.losses.getLoss(name);
        default: return dn.activations.getActivation(name as never).apply(dn.tensor([1, -1]));
      }
    };
    return { target: ['initializers', 'regularizers', 'metrics', 'optimizers', 'losses', 'activations'][which] + '.get', typed: true, run, detail: describeArgs([name]) };
  }],
  [3, (r) => {
    const which = r.int(0, 4);
    const x = tensor(r, r.chance(0.7) ? [r.int(0, 6), r.int(0, 3)] : validShape(r));
    const names = ['data.readCsv', 'data.trainTestSplit', 'data.oneHot', 'data.standardScaler', 'data.minMaxScaler'];
    const run = (): unknown => {
      switch (which) {
        case 0: {
          const lines = Array.from({ length: r.int(0, 4) }, () => Array.from({ length: r.int(0, 3) }, () => r.pick(['1', '2.5', '', 'a', '"q"', 'NaN', '-', '"a,b"', '1e999'])).join(r.pick([',', ';'])));
          const text = `${r.pick(['a,b,c', 'a,a', 'x', ''])}\n${lines.join('\n')}`;
          return dn.data.readCsv(text, { header: r.chance(0.7), labelColumn: r.pick([undefined, 'a', 'c', 0, 5, -1, 1.5]), labelDtype: r.pick([undefined, 'int32', 'float32', 'category'] as const), missing: r.pick([undefined, 'error', 'nan'] as const), delimiter: r.pick([undefined, ',', ';', ',,', '"']) });
        }
        case 1: return dn.data.trainTestSplit(x, r.chance(0.6) ? tensor(r, [x.shape[0] ?? 0]) : tensorLike(r), { testSize: r.pick([0.25, 0, 1, 2, 0.5, -1, Number.NaN, 100]), seed: r.pick([1, 1.5]), shuffle: r.chance(0.8), stratify: r.chance(0.3) });
        case 2: return dn.data.oneHot(r.chance(0.5) ? dn.tensor(Int32Array.from({ length: r.int(0, 5) }, () => r.int(-1, 4))) : x, r.pick([undefined, ...SMALL_SIZES, ...BAD_SIZES]));
        case 3: { const s = dn.data.standardScaler(); s.fit(x); return s.transform(r.chance(0.7) ? x : tensorLike(r)); }
        default: { const s = dn.data.minMaxScaler({ featureRange: [r.pick([0, 1, -1, Number.NaN]), r.pick([1, 0, 2])] }); return s.fitTransform(x); }
      }
    };
    return { target: names[which], typed: true, run, detail: describeArgs([x]) };
  }],
  [1, (r) => {
    const name = r.pick(['readCsv', 'trainTestSplit', 'oneHot', 'standardScaler', 'minMaxScaler'] as const);
    const args = [weird(r), weird(r), weird(r)];
    return { target: `data.${name}`, typed: false, run: () => (dn.data[name] as (...a: unknown[]) => unknown)(...args), detail: describeArgs(args) };
  }],
  [2, (r) => {
    // Text tooling: padSequences over odd sequences and options; textVectorization in every mode and bpeTokenizer over odd texts.
    const item = () => (r.chance(0.9) ? r.int(-3, 9) : r.pick([...ODD_NUMBERS, 'a', null]));
    const sequences = Array.from({ length: r.int(0, 4) }, () => (r.chance(0.9) ? Array.from({ length: r.int(0, 5) }, item) : weird(r)));
    const texts = Array.from({ length: r.int(0, 4) }, () => (r.chance(0.9) ? Array.from({ length: r.int(0, 6) }, () => r.pick(['a', 'B', 'c!', ' ', '\u00e9', '\ud83d\ude00', '[UNK]', ''])).join(r.pick([' ', '', '  '])) : weird(r)));
    const which = r.int(0, 2);
    const run = (): unknown => {
      if (which === 2) {
        // A byte-pair tokenizer over the same texts: any well-formed text must decode back exactly.
        const tokenizer = dn.data.bpeTokenizer({ vocabSize: r.pick([undefined, 256, 260, 300, 255, 1.5]), minFrequency: r.pick([undefined, 1, 2, 0]), specialTokens: r.pick([undefined, ['[UNK]'], ['a', 'a'], [''], 'x']) as never });
        tokenizer.train(r.chance(0.9) ? (texts as string[]) : (weird(r) as never));
        for (const text of texts) {
          const ids = tokenizer.encode(text as string);
          if (tokenizer.decode(ids) !== text) throw new Error(`bpeTokenizer: ${JSON.stringify(text)} decoded as ${JSON.stringify(tokenizer.decode(ids))}`);
        }
        return tokenizer.decode(r.chance(0.8) ? [0, 97, tokenizer.vocabSize - 1] : (weird(r) as never));
      }
      if (which === 0) {
        return dn.data.padSequences(sequences as number[][], { maxLen: r.pick([undefined, 0, 2, 5, -1, 1.5]), dtype: r.pick([undefined, 'int32', 'float32', 'int8']) as never, padding: r.pick([undefined, 'pre', 'post', 'x']) as never, truncating: r.pick([undefined, 'pre', 'post']), value: r.pick([undefined, 0, -1, 0.5, Number.NaN]) });
      }
      const v = dn.data.textVectorization({
        outputMode: r.pick([undefined, 'int', 'multiHot', 'count', 'tfIdf', 'binary']) as never, maxTokens: r.pick([undefined, null, 2, 3, 5, 1.5, -1]),
        split: r.pick([undefined, 'whitespace', 'character', null]), standardize: r.pick([undefined, 'lower', 'stripPunctuation', null]),
        padToMaxTokens: r.chance(0.2), outputSequenceLength: r.pick([undefined, undefined, 3, 0]) as never,
      });
      v.adapt(texts as string[]);
      return v.apply(r.chance(0.8) ? (texts as string[]) : (weird(r) as never));
    };
    return { target: ['data.padSequences', 'data.textVectorization', 'data.bpeTokenizer'][which], typed: true, run, detail: describeArgs([sequences, texts]) };
  }],
  [3, (r) => {
    // A data pipeline from a random source through random operators with odd arguments, iterated.
    const rows = r.int(0, 6);
    const source = r.pick<() => unknown>([
      () => tensor(r, [rows, r.int(0, 3)]),
      () => ({ xs: tensor(r, [rows, 2]), ys: r.chance(0.8) ? tensor(r, [rows]) : tensor(r) }),
      () => [tensor(r, [rows, 1]), tensor(r, [r.chance(0.8) ? rows : rows + 1])],
      () => Array.from({ length: rows }, () => r.pick<unknown>([1, [1, 2], { a: 1 }, 'text', new Float32Array(2), tensor(r, [2])])),
      () => function* numbers() { for (let i = 0; i < rows; i++) yield r.chance(0.9) ? i : tensor(r); },
    ])();
    const steps = Array.from({ length: r.int(0, 4) }, () => r.pick(['shuffle', 'batch', 'take', 'skip', 'repeat', 'prefetch', 'map', 'filter'] as const));
    const argument = (): number => (r.chance(0.8) ? r.int(0, 4) : r.pick(BAD_SIZES));
    const run = async (): Promise<unknown> => {
      let ds: dn.data.Dataset<unknown> = Array.isArray(source) && typeof source[0] !== 'object' ? dn.data.array(source as unknown[]) : dn.data.dataset(source as never);
      for (const step of steps) {
        if (step === 'shuffle') ds = ds.shuffle(argument(), r.chance(0.5) ? { seed: r.pick([1, 1.5, -3]) } : undefined);
        else if (step === 'batch') ds = ds.batch(argument(), r.chance(0.3) ? { dropRemainder: r.chance(0.5) } : undefined) as dn.data.Dataset<unknown>;
        // Small counts only: a long repeat before a shuffle with a huge buffer would (rightly) take forever.
        else if (step === 'repeat') ds = ds.repeat(r.chance(0.8) ? r.int(0, 4) : r.pick([-1, 0.5, Number.NaN, Infinity]));
        else if (step === 'map') ds = ds.map((e) => (r.chance(0.9) ? e : undefined));
        else if (step === 'filter') ds = ds.filter(() => r.chance(0.7));
        else ds = ds[step](argument());
      }
      return ds.take(20).toArray();
    };
    return { target: 'data.dataset', typed: true, run, detail: `${describeArgs([source])} ${steps.join('.')}` };
  }],
  [2, (r) => {
    // fit and evaluate on a dataset of batches, with odd options.
    const model = randomModel(r);
    const { x, y } = modelData(r, model);
    const batchSize = r.pick([1, 2, 4, 0, -1]);
    const options: Record<string, unknown> = { verbose: 0, epochs: r.pick([1, 2, 0, -1]) };
    for (const key of ['stepsPerEpoch', 'validationSteps', 'batchSize', 'shuffle', 'classWeight']) {
      if (r.chance(0.15)) options[key] = key === 'shuffle' ? r.chance(0.5) : key === 'classWeight' ? { 0: 1, 1: 2 } : r.pick([1, 2, 0, 1.5, Number.NaN]);
    }
    const evaluate = r.chance(0.3);
    const run = async (): Promise<unknown> => {
      let ds: dn.data.Dataset<unknown> = dn.data.dataset({ xs: x as dn.Tensor, ys: y as dn.Tensor }).batch(batchSize);
      if (r.chance(0.2)) ds = ds.repeat();
      if (r.chance(0.3)) options.validationData = ds.take(2);
      return evaluate ? model.evaluate(ds as never, { steps: options.validationSteps as number }) : model.fit(ds as never, options);
    };
    return { target: evaluate ? 'evaluate(dataset)' : 'fit(dataset)', typed: true, run, detail: `${describeArgs([x, y])} ${JSON.stringify(options)}` };
  }],
  [1, (r) => {
    const path = join(fuzzFolder, `f${r.int(0, 3)}.csv`);
    const lines = Array.from({ length: r.int(0, 4) }, () => Array.from({ length: r.int(0, 3) }, () => r.pick(['1', '2.5', '', 'a', '"q"', 'NaN', '"a,\nb"', '1e999'])).join(','));
    writeFileSync(path, `${r.pick(['a,b,c', 'a,a', 'x', '', '\uFEFFa,b'])}\n${lines.join(r.pick(['\n', '\r\n', '\r']))}`);
    const options = { label: r.pick([undefined, 'a', 'c', 0, 5, -1, 1.5]), labelDtype: r.pick([undefined, 'int32', 'float32', 'category'] as const), classNames: r.chance(0.2) ? ['1', 'a'] : undefined, columns: r.chance(0.2) ? [r.pick(['a', 'b', 1, 7])] : undefined, missing: r.pick([undefined, 'error', 'nan'] as const), header: r.chance(0.8) };
    return { target: 'data.csv', typed: true, run: () => dn.data.csv(path, options as dn.data.CsvDatasetOptions).batch(2).toArray(), detail: JSON.stringify(options) };
  }],
  [1, (r) => {
    const name = r.pick(['dataset', 'array', 'generator', 'zip', 'csv'] as const);
    const args = [weird(r), weird(r)];
    const run = async (): Promise<unknown> => {
      const result = (dn.data[name] as (...a: unknown[]) => unknown)(...args);
      const method = r.pick(['map', 'filter', 'shuffle', 'batch', 'prefetch', 'take', 'skip', 'repeat', 'concatenate', 'forEachAsync', 'toArray'] as const);
      const ds = result as dn.data.Dataset<unknown>;
      const next = (ds[method] as (...a: unknown[]) => unknown).apply(ds, [weird(r), weird(r)]);
      // A few elements only (repeat(1e10) is a valid, very long dataset).
      return next instanceof dn.data.Dataset ? next.take(3).toArray() : next;
    };
    return { target: `data.${name}`, typed: false, run, detail: describeArgs(args) };
  }],
  [1, (r) => {
    const which = r.int(0, 4);
    const value = r.chance(0.7) ? r.pick(BAD_SIZES) : weird(r);
    const run = (): unknown => {
      if (which === 0) return dn.setNumThreads(value as number);
      if (which === 1) return dn.seed(value as number);
      if (which === 2) return dn.callbacks.earlyStopping({ patience: value as number, monitor: r.pick(['loss', 'val_loss', 'acc']) });
      // Memory options: a valid cacheLimit (2^31, 2^32, 2^40) is put back after the run.
      if (which === 3) return dn.setMemoryOptions(r.chance(0.8) ? { [r.pick(['cache', 'cacheLimit', 'idleTrimMs', 'fillUninitialized', 'limit'])]: value } : value as dn.MemoryOptions);
      return dn.activations.getActivation(value as string);
    };
    return { target: ['setNumThreads', 'seed', 'callbacks.earlyStopping', 'setMemoryOptions', 'activations'][which], typed: typeof value === 'number', run, detail: describeArgs([value]) };
  }],
];

// Raw binding ----------------------------------------------------------------------------------

/** A file of this test's own, for the file-lock functions (opened on first use, removed at the end). */
let lockFileDescriptor = -1;
const lockFilePath = join(tmpdir(), `dendrite-fuzz-lock-${process.pid}`);
function lockedFile(): number {
  if (lockFileDescriptor < 0) lockFileDescriptor = openSync(lockFilePath, 'w');
  return lockFileDescriptor;
}
afterAll(() => {
  if (lockFileDescriptor >= 0) closeSync(lockFileDescriptor);
  rmSync(lockFilePath, { force: true });
});

const codes = binding.opCodes;
const unaryCount = Object.keys(codes.unary).length;

/** A valid call of a binding function (small sizes), with which arguments are sizes, buffers and numbers. */
interface Template {
  fn: keyof typeof binding;
  args: unknown[];
  sizes: number[];
  buffers: number[];
  numbers: number[];
}

function floats(r: Rng, n: number): Float32Array {
  return floatValues(r, n);
}

/** A valid call of gatherRows or scatterAddRows (indices sometimes out of range). */
function rowsTemplate(r: Rng): Template {
  const rows = r.int(1, 4), width = r.int(0, 3), count = r.int(0, 4);
  const indices = Int32Array.from({ length: count }, () => r.int(r.chance(0.1) ? -1 : 0, rows - (r.chance(0.1) ? 0 : 1)));
  return r.chance(0.5)
    ? { fn: 'gatherRows', args: [floats(r, rows * width), rows, width, indices, count, floats(r, count * width)], sizes: [1, 2, 4], buffers: [0, 3, 5], numbers: [] }
    : { fn: 'scatterAddRows', args: [floats(r, count * width), width, indices, count, floats(r, rows * width), rows], sizes: [1, 3, 5], buffers: [0, 2, 4], numbers: [] };
}

/** A valid call of the recurrent driver (sizes, forward or backward), one spec object of named fields. */
function recurrentTemplate(r: Rng): Template {
  const cell = r.int(0, 2);
  const batch = r.int(0, 3), steps = r.int(0, 3), inputs = r.int(0, 3), units = r.int(1, 3);
  const resetAfter = r.chance(0.6);
  const names = Object.keys(codes.cell);
  const lstm = names.find((key) => codes.cell[key] === cell) === 'lstm';
  const gru = names.find((key) => codes.cell[key] === cell) === 'gru';
  const gates = (lstm ? 4 : gru ? 3 : 1) * units;
  const masked = r.chance(0.4), recurrentDropout = r.chance(0.3);
  const spec: Record<string, unknown> = {
    cell, batch, steps, inputs, units, resetAfter, activation: r.int(0, unaryCount - 1), activationParam: 0.1,
    recurrentActivation: r.int(0, unaryCount - 1), goBackwards: r.chance(0.3), zeroMaskedOutputs: r.chance(0.3),
    kernel: floats(r, inputs * gates), recurrentKernel: floats(r, units * gates),
    mask: masked ? floats(r, batch * steps) : null, inputDropout: r.chance(0.3) ? floats(r, batch * inputs) : null,
    recurrentDropout: recurrentDropout ? floats(r, batch * units) : null,
  };
  const sizes = binding.recurrentSizes(Object.assign({}, spec, { masked, recurrentDropout }) as never);
  spec.cache = floats(r, sizes.cache);
  const which = r.int(0, 2);
  if (which === 0) return { fn: 'recurrentSizes', args: [{ ...spec, masked, recurrentDropout }], sizes: [], buffers: [], numbers: [] };
  const state = batch * units;
  if (which === 1) {
    Object.assign(spec, {
      x: floats(r, batch * steps * inputs), bias: r.chance(0.7) ? floats(r, gru && resetAfter ? 2 * gates : gates) : null,
      h0: r.chance(0.5) ? floats(r, state) : null, c0: lstm && r.chance(0.5) ? floats(r, state) : null,
      sequence: r.chance(0.5) ? floats(r, batch * steps * units) : null, lastOutput: floats(r, state), stateH: floats(r, state),
      stateC: lstm ? floats(r, state) : null,
    });
    return { fn: 'recurrentForward', args: [spec], sizes: [], buffers: [], numbers: [] };
  }
  Object.assign(spec, {
    scratch: floats(r, sizes.scratch), dSequence: r.chance(0.5) ? floats(r, batch * steps * units) : null, dLastOutput: floats(r, state),
    dStateH: r.chance(0.5) ? floats(r, state) : null, dStateC: lstm ? floats(r, state) : null, dx: floats(r, batch * steps * inputs),
    dh0: floats(r, state), dc0: lstm ? floats(r, state) : null, dKernel: floats(r, inputs * gates), dRecurrentKernel: floats(r, units * gates),
    dBias: floats(r, gru && resetAfter ? 2 * gates : gates), accumulate: r.chance(0.5),
  });
  return { fn: 'recurrentBackward', args: [spec], sizes: [], buffers: [], numbers: [] };
}

/** A valid call of ctcLoss: small sizes, lengths within bounds, labels other than the blank. */
function ctcTemplate(r: Rng): Template {
  const batch = r.int(0, 3), time = r.int(0, 5), classes = r.int(2, 4), maxLabel = r.int(0, 3), blank = r.int(0, classes - 1);
  const labels = Int32Array.from({ length: batch * maxLabel }, () => (blank + r.int(1, classes - 1)) % classes);
  const lengths = (max: number): Int32Array => Int32Array.from({ length: batch }, () => r.int(0, max));
  const grad = r.chance(0.5) ? floats(r, batch * time * classes) : null;
  return {
    fn: 'ctcLoss',
    args: [floats(r, batch * time * classes), labels, lengths(time), lengths(maxLabel), batch, time, classes, maxLabel, blank, r.chance(0.5), floats(r, batch), grad, r.chance(0.5) ? floats(r, batch) : null],
    sizes: [4, 5, 6, 7], buffers: [0, 1, 2, 3, 10, 11, 12], numbers: [8],
  };
}

function templates(r: Rng): Template {
  const n = r.int(0, 12);
  const which = r.int(0, 24);
  if (which === 24) return ctcTemplate(r);
  if (which >= 20) return which === 20 ? rowsTemplate(r) : which === 21 ? recurrentTemplate(r) : transformerTemplate(r);
  if (which >= 16) return convTemplate(r, which - 16);
  switch (which) {
    case 0: return { fn: 'sumSquares', args: [floats(r, n), n], sizes: [1], buffers: [0], numbers: [] };
    case 1: {
      const m = r.int(0, 5), nn = r.int(0, 5), k = r.int(0, 5), batch = r.int(1, 2);
      const transA = r.chance(0.3), transB = r.chance(0.3);
      const lda = (transA ? m : k) + r.int(0, 2), ldb = (transB ? k : nn) + r.int(0, 2), ldc = nn + r.int(0, 2);
      const aRows = transA ? k : m, bRows = transB ? nn : k;
      const strideA = aRows * lda, strideB = r.chance(0.3) ? 0 : bRows * ldb, strideC = m * ldc;
      const length = (rows: number, ld: number, stride: number): number => Math.max(0, (batch - 1) * stride + rows * ld);
      return {
        fn: 'sgemm',
        args: [transA, transB, m, nn, k, 1, floats(r, length(aRows, lda, strideA)), lda, floats(r, length(bRows, ldb, strideB)), ldb, r.pick([0, 1, 0.5]),
          floats(r, length(m, ldc, strideC)), ldc, r.chance(0.5) ? floats(r, nn) : null, r.int(0, unaryCount - 1), 0.1, batch, strideA, strideB, strideC],
        sizes: [2, 3, 4, 7, 9, 12, 14, 16, 17, 18, 19], buffers: [6, 8, 11, 13], numbers: [5, 10, 15],
      };
    }
    case 2: return { fn: 'unary', args: [r.int(0, unaryCount - 1), 0.2, floats(r, n), floats(r, n), n], sizes: [0, 4], buffers: [2, 3], numbers: [1] };
    case 3: return { fn: 'unaryGrad', args: [r.int(0, unaryCount - 1), 0.2, r.chance(0.8) ? floats(r, n) : null, r.chance(0.8) ? floats(r, n) : null, floats(r, n), floats(r, n), n], sizes: [0, 6], buffers: [2, 3, 4, 5], numbers: [1] };
    case 4: {
      const rank = r.int(0, 3);
      const dims = Array.from({ length: rank }, () => r.int(0, 3));
      const count = dims.reduce((a, b) => a * b, 1);
      const strides = (broadcast: boolean): number[] => {
        let stride = 1;
        const out = new Array<number>(rank);
        for (let d = rank - 1; d >= 0; d--) { out[d] = broadcast && r.chance(0.3) ? 0 : stride; stride *= dims[d]; }
        return out;
      };
      const layout = Float64Array.from([rank, ...dims, ...strides(true), ...strides(true)]);
      return { fn: 'binary', args: [r.int(0, Object.keys(codes.binary).length - 1), floats(r, count), floats(r, count), floats(r, count), layout], sizes: [0], buffers: [1, 2, 3, 4], numbers: [] };
    }
    case 5: return { fn: 'affine', args: [floats(r, n), 2, 1, floats(r, n), n], sizes: [4], buffers: [0, 3], numbers: [1, 2] };
    case 6: {
      const rows = r.int(0, 4), cols = r.int(0, 4);
      return { fn: 'softmax', args: [floats(r, rows * cols), floats(r, rows * cols), rows, cols, r.chance(0.5)], sizes: [2, 3], buffers: [0, 1], numbers: [] };
    }
    case 7: {
      const rows = r.int(0, 4), cols = r.int(0, 4);
      return { fn: 'softmaxGrad', args: [floats(r, rows * cols), floats(r, rows * cols), floats(r, rows * cols), rows, cols, r.chance(0.5)], sizes: [3, 4], buffers: [0, 1, 2], numbers: [] };
    }
    case 8: {
      const rows = r.int(0, 4), cols = r.int(1, 4);
      const labels = r.chance(0.5);
      return {
        fn: 'softmaxCrossEntropy',
        args: [floats(r, rows * cols), labels ? Int32Array.from({ length: rows }, () => r.int(r.chance(0.1) ? -1 : 0, cols - (r.chance(0.1) ? 0 : 1))) : null, labels ? null : floats(r, rows * cols), rows, cols, floats(r, rows), r.chance(0.5) ? floats(r, rows * cols) : null, 1],
        sizes: [3, 4], buffers: [0, 1, 2, 5, 6], numbers: [7],
      };
    }
    case 9: return { fn: 'sigmoidCrossEntropy', args: [floats(r, n), floats(r, n), n, floats(r, n), r.chance(0.5) ? floats(r, n) : null, 1], sizes: [2], buffers: [0, 1, 3, 4], numbers: [5] };
    case 10: return { fn: 'regressionLoss', args: [r.int(0, Object.keys(codes.loss).length - 1), 1, floats(r, n), floats(r, n), n, r.chance(0.5) ? floats(r, n) : null, 1], sizes: [0, 4], buffers: [2, 3, 5], numbers: [1, 6] };
    case 11: {
      const outer = r.int(0, 3), axis = r.int(0, 3), inner = r.int(0, 3);
      return { fn: 'reduce', args: [r.int(0, Object.keys(codes.reduce).length - 1), floats(r, outer * axis * inner), outer, axis, inner, floats(r, outer * inner)], sizes: [0, 2, 3, 4], buffers: [1, 5], numbers: [] };
    }
    case 12: {
      const outer = r.int(0, 3), axis = r.int(1, 3), inner = r.int(0, 3);
      return { fn: 'argmax', args: [floats(r, outer * axis * inner), outer, axis, inner, new Int32Array(outer * inner)], sizes: [1, 2, 3], buffers: [0, 4], numbers: [] };
    }
    case 13: {
      const rows = r.int(0, 4), cols = r.int(0, 4);
      return { fn: 'columnSum', args: [floats(r, rows * cols), rows, cols, floats(r, cols), r.chance(0.5)], sizes: [1, 2], buffers: [0, 3], numbers: [] };
    }
    case 14: {
      const kind = r.int(0, Object.keys(codes.optimizer).length - 1);
      const momentum = r.pick([0, 0.9]);
      const names = Object.keys(codes.optimizer);
      const name = names.find((key) => codes.optimizer[key] === kind) ?? '';
      const amsgrad = name === 'adam' && r.chance(0.5);
      const centered = name === 'rmsprop' && r.chance(0.5);
      const hyper = Float64Array.from([0.01, momentum, 0, 0.9, 0.999, 1e-7, 0, 0, 0, 1, r.int(1, 5), amsgrad ? 1 : 0, centered ? 1 : 0]);
      const state1 = name !== 'sgd' || momentum !== 0 ? floats(r, n) : null;
      const state2 = ['adam', 'adamax', 'adadelta', 'nadam'].includes(name) || (name === 'rmsprop' && momentum !== 0) ? floats(r, n) : null;
      const state3 = amsgrad || centered ? floats(r, n) : null;
      return { fn: 'optimizerUpdate', args: [kind, hyper, floats(r, n), floats(r, n), state1, state2, state3, n], sizes: [0, 7], buffers: [1, 2, 3, 4, 5, 6], numbers: [] };
    }
    default: {
      const rows = r.int(0, 4), width = r.int(1, 4), units = r.int(1, 4);
      const steps: ForwardStep[] = [
        { kind: 'dense', kernel: floats(r, width * units), bias: r.chance(0.5) ? floats(r, units) : null, inputs: width, units, activation: r.int(0, unaryCount - 1), param: 0.1 },
        ...(r.chance(0.5) ? [{ kind: 'unary', activation: r.int(0, unaryCount - 1), param: 0 } as ForwardStep] : []),
        ...(r.chance(0.5) ? [{ kind: 'softmax', log: r.chance(0.5) } as ForwardStep] : []),
      ];
      if (r.chance(0.5)) return { fn: 'forwardPlan', args: [steps, width, ...(r.chance(0.3) ? [r.chance(0.7) ? binding.forwardPlan(steps, width) : weird(r)] : [])], sizes: [1], buffers: [], numbers: [] };
      return { fn: 'forwardAsync', args: [binding.forwardPlan(steps, width), floats(r, rows * width), rows, r.pick([1, 2, 256])], sizes: [2, 3], buffers: [1], numbers: [] };
    }
  }
}

/** A valid call of a convolution, pooling or normalization binding (small sizes). */
function convTemplate(r: Rng, which: number): Template {
  const batch = r.int(0, 2), h = r.int(1, 5), w = r.int(1, 5), groups = r.pick([1, 1, 2]);
  const c = groups * r.int(0, 2), oc = groups * r.int(0, 2);
  const kh = r.int(1, h + 1), kw = r.int(1, w + 1), sh = r.int(1, 2), sw = r.int(1, 2);
  const pt = r.int(0, 1), pb = Math.max(0, kh - h - pt) + r.int(0, 1), pl = r.int(0, 1), pr = Math.max(0, kw - w - pl);
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1, ow = Math.floor((w + pl + pr - kw) / sw) + 1;
  const geometry = Int32Array.of(batch, h, w, c, oh, ow, oc, kh, kw, sh, sw, 1, 1, pt, pb, pl, pr, groups);
  const xs = batch * h * w * c, ys = batch * oh * ow * oc, fs = kh * kw * (c / groups) * oc;
  const epilogue = (channels: number): unknown[] => [r.chance(0.5) ? floats(r, channels) : null, ...(r.chance(0.3) ? [floats(r, channels), floats(r, channels)] : [null, null]), r.int(0, unaryCount - 1), 0.1];
  if (which === 0) return { fn: 'conv2d', args: [geometry, floats(r, xs), floats(r, fs), floats(r, ys), ...epilogue(oc)], sizes: [], buffers: [0, 1, 2, 3, 4, 5, 6], numbers: [8] };
  if (which === 1) return { fn: 'conv2dBackwardData', args: [geometry, floats(r, ys), floats(r, fs), floats(r, xs), ...epilogue(c)], sizes: [], buffers: [0, 1, 2, 3, 4, 5, 6], numbers: [8] };
  if (which === 2) return { fn: 'conv2dBackwardFilter', args: [geometry, floats(r, xs), floats(r, ys), floats(r, fs), r.chance(0.5)], sizes: [], buffers: [0, 1, 2, 3], numbers: [] };
  // Pooling: windows no larger than the image (padding below the window), or the normalization kernels.
  const ph = r.int(1, h), pw = r.int(1, w);
  const pooled = Int32Array.of(batch, h, w, c, Math.floor((h - ph) / sh) + 1, Math.floor((w - pw) / sw) + 1, ph, pw, sh, sw, 0, 0, 0, 0);
  const ps = batch * pooled[4] * pooled[5] * c;
  const kind = r.int(0, 1);
  const argmax = kind === codes.pool.max ? new Int32Array(ps) : null;
  const rows = r.int(0, 6);
  switch (r.int(0, 4)) {
    case 0: return { fn: 'pool2d', args: [kind, pooled, floats(r, xs), floats(r, ps), argmax], sizes: [0], buffers: [1, 2, 3, 4], numbers: [] };
    case 1: return { fn: 'pool2dBackward', args: [kind, pooled, floats(r, ps), argmax, floats(r, xs)], sizes: [0], buffers: [1, 2, 3, 4], numbers: [] };
    case 2: return { fn: 'batchNormStatistics', args: [floats(r, rows * c), rows, c, floats(r, c), floats(r, c)], sizes: [1, 2], buffers: [0, 3, 4], numbers: [] };
    case 3: return { fn: 'batchNormBackward', args: [floats(r, rows * c), floats(r, rows * c), rows, c, floats(r, c), floats(r, c), r.chance(0.5) ? floats(r, c) : null, r.chance(0.5) ? floats(r, rows * c) : null, floats(r, c), floats(r, c)], sizes: [2, 3], buffers: [0, 1, 4, 5, 6, 7, 8, 9], numbers: [] };
    default: return { fn: 'channelAffine', args: [floats(r, rows * c), rows, c, floats(r, c), floats(r, c), floats(r, rows * c)], sizes: [1, 2], buffers: [0, 3, 4, 5], numbers: [] };
  }
}

/** A valid call of a layer normalization or attention binding (small sizes, strided layouts, masks). */
function transformerTemplate(r: Rng): Template {
  const rows = r.int(0, 5), cols = r.int(0, 5);
  const stats = (): Float32Array | null => (r.chance(0.7) ? floats(r, rows) : null);
  const optional = (n: number): Float32Array | null => (r.chance(0.5) ? floats(r, n) : null);
  switch (r.int(0, 3)) {
    case 0: return { fn: 'layerNorm', args: [floats(r, rows * cols), rows, cols, optional(cols), optional(cols), 1e-3, floats(r, rows * cols), stats(), stats()], sizes: [1, 2], buffers: [0, 3, 4, 6, 7, 8], numbers: [5] };
    case 1: return { fn: 'layerNormBackward', args: [floats(r, rows * cols), floats(r, rows * cols), rows, cols, optional(cols), floats(r, rows), floats(r, rows), optional(rows * cols), optional(cols), optional(cols), r.chance(0.5)], sizes: [2, 3], buffers: [0, 1, 4, 5, 6, 7, 8, 9], numbers: [] };
    default: {
      // [batch, heads, len, dim] or [batch, len, heads, dim] layouts; a key padding mask; causal with an offset.
      const b = r.int(0, 2), h = r.int(1, 2), lq = r.int(0, 4), lk = r.int(0, 5), d = r.int(0, 3), dv = r.int(0, 3);
      const layout = (len: number, dim: number) => (r.chance(0.5) ? [h * len * dim, len * dim, dim] : [len * h * dim, dim, h * dim]);
      const masked = r.chance(0.4);
      const forward = [b, h, lq, lk, d, dv, ...layout(lq, d), ...layout(lk, d), ...layout(lk, dv), ...layout(lq, dv), ...(masked ? [lk, 0, 0, 1] : [0, 0, 0, 0]), r.int(0, 1), r.int(-2, 2)];
      const q = floats(r, b * h * lq * d), k = floats(r, b * h * lk * d), v = floats(r, b * h * lk * dv), out = floats(r, b * h * lq * dv);
      const mask = masked ? floats(r, b * lk) : null;
      const lse = floats(r, b * h * lq);
      const dropout = r.chance(0.3) ? 0.25 : 0;
      if (r.chance(0.5)) {
        return { fn: 'attentionForward', args: [Int32Array.from(forward), q, k, v, out, mask, r.chance(0.7) ? lse : null, optional(b * h * lq * lk), 0.5, dropout, 7], sizes: [], buffers: [0, 1, 2, 3, 4, 5, 6, 7], numbers: [8, 9, 10] };
      }
      const geometry = Int32Array.from([...forward, ...forward.slice(15, 18), ...forward.slice(6, 15)]);
      return { fn: 'attentionBackward', args: [geometry, q, k, v, out, mask, lse, floats(r, out.length), floats(r, q.length), floats(r, k.length), floats(r, v.length), 0.5, dropout, 7], sizes: [], buffers: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], numbers: [11, 12, 13] };
    }
  }
}

/** Makes one to three things wrong in a valid call; sometimes nothing (the call must then succeed). */
function mutate(r: Rng, t: Template): string {
  const changes: string[] = [];
  const count = r.chance(0.08) ? 0 : r.int(1, 3);
  for (let c = 0; c < count; c++) {
    const kind = r.int(0, 9);
    if (kind <= 2 && t.sizes.length > 0) {
      const i = r.pick(t.sizes);
      const before = t.args[i] as number;
      const after = r.chance(0.5) ? r.pick(BAD_SIZES) : before + r.pick([1, 2, -1, 1000, 2 ** 31, 2 ** 40]);
      t.args[i] = after;
      changes.push(`args[${i}] ${before} -> ${after}`);
    } else if (kind <= 5 && t.buffers.length > 0) {
      const i = r.pick(t.buffers);
      const buffer = t.args[i];
      if (!ArrayBuffer.isView(buffer)) continue;
      const length = (buffer as Float32Array).length;
      const how = r.int(0, 4);
      if (how <= 1 && length > 0) {
        t.args[i] = (buffer as Float32Array).subarray(0, r.int(0, length - 1));
        changes.push(`args[${i}] shortened from ${length}`);
      } else if (how === 2) {
        t.args[i] = anyTypedArray(r, length);
        changes.push(`args[${i}] -> ${show(t.args[i])}`);
      } else if (how === 3) {
        t.args[i] = r.pick([null, undefined]);
        changes.push(`args[${i}] -> ${show(t.args[i])}`);
      } else if (buffer instanceof Float64Array && length > 0) {
        // A layout or hyper-parameter vector: one entry wrong.
        const j = r.int(0, length - 1);
        buffer[j] = r.pick([...BAD_SIZES, 9, 0]);
        changes.push(`args[${i}][${j}] -> ${buffer[j]}`);
      } else if (buffer instanceof Int32Array && (t.fn.startsWith('conv') || t.fn.startsWith('pool') || t.fn.startsWith('attention')) && i <= 1 && length > 0) {
        // A geometry: one field wrong (negative, zero, off by one, or huge).
        const j = r.int(0, length - 1);
        buffer[j] = r.pick([-1, 0, buffer[j] + 1, buffer[j] - 1, 2 ** 31 - 1, 2 ** 20, 65536]);
        changes.push(`geometry[${j}] -> ${buffer[j]}`);
      } else {
        t.args[i] = weird(r);
        changes.push(`args[${i}] -> weird`);
      }
    } else if (kind <= 7 && t.numbers.length > 0) {
      const i = r.pick(t.numbers);
      t.args[i] = r.chance(0.8) ? r.pick(ODD_NUMBERS) : weird(r);
      changes.push(`args[${i}] -> ${show(t.args[i])}`);
    } else if (kind === 8) {
      if (r.chance(0.5)) t.args.pop();
      else t.args.push(r.pick([0, null, floats(r, 2)]));
      changes.push(`${t.args.length} arguments`);
    } else if (t.fn.startsWith('recurrent') && t.args[0] !== null && typeof t.args[0] === 'object' && !ArrayBuffer.isView(t.args[0])) {
      // A field of the driver's spec: a size out of range, a buffer shortened or of another type, a cell state for another cell.
      const spec = t.args[0] as Record<string, unknown>;
      const key = r.pick(Object.keys(spec).concat(['c0', 'stateC', 'dc0', 'cell', 'activation']));
      const value = spec[key];
      if (value instanceof Float32Array && value.length > 0 && r.chance(0.6)) spec[key] = value.subarray(0, r.int(0, value.length - 1));
      else if (typeof value === 'number' && r.chance(0.7)) spec[key] = r.chance(0.5) ? r.pick(BAD_SIZES) : value + r.pick([1, 2, 1000, 2 ** 31, 2 ** 40]);
      else spec[key] = r.chance(0.5) ? weird(r) : anyTypedArray(r, r.int(0, 8));
      changes.push(`spec.${key} -> ${show(spec[key])}`);
    } else if (t.fn === 'forwardAsync' && typeof t.args[0] === 'object' && t.args[0] !== null && r.chance(0.5)) {
      // Not a plan: what forwardPlan returned, copied, proxied or faked (once: a fake is no object to proxy).
      const plan = t.args[0] as object;
      t.args[0] = r.pick<() => unknown>([() => ({ ...plan }), () => new Proxy(plan, {}), () => Object.create(plan), () => ({ inputWidth: 1, outputWidth: 1, bytes: 0 }), () => weird(r)])();
      changes.push('plan -> not a plan');
    } else if (t.fn === 'forwardPlan' && Array.isArray(t.args[0]) && t.args[0].length <= 8) {
      // (Not on a sparse array made by an earlier change: spreading 2^32 holes would not fit memory.)
      const steps = t.args[0] as Record<string, unknown>[];
      const step = { ...steps[0] };
      const key = r.pick(['inputs', 'units', 'activation', 'kernel', 'bias', 'kind', 'param']);
      step[key] = r.chance(0.5) ? r.pick(BAD_SIZES) : weird(r);
      t.args[0] = r.chance(0.1) ? new Array(r.pick([1, 2 ** 20, 2 ** 32 - 1])) : [step, ...steps.slice(1)];
      changes.push(`steps[0].${key} -> ${show(step[key])}`);
    } else if (t.fn === 'sgemm' || t.fn === 'unary' || t.fn === 'unaryGrad' || t.fn === 'reduce' || t.fn === 'regressionLoss') {
      // An op code out of range.
      const i = t.fn === 'sgemm' ? 14 : 0;
      t.args[i] = r.pick([-1, 99, 1.5, Number.NaN, 2 ** 31]);
      changes.push(`op args[${i}] -> ${show(t.args[i])}`);
    }
  }
  return changes.length === 0 ? 'valid' : changes.join('; ');
}

const rawGenerators: Array<[number, Generator]> = [
  [22, (r) => {
    const t = templates(r);
    const change = mutate(r, t);
    const fn = binding[t.fn] as (...args: unknown[]) => unknown;
    return { target: `binding.${t.fn}`, typed: true, run: () => fn.apply(binding, t.args), detail: change };
  }],
  [2, (r) => {
    // Functions whose valid calls are slow or change global state: only invalid arguments (the file
    // locks: a file of the test's own, or a descriptor that is not open). Weight 2: its 13 functions must each be called.
    const which = r.int(0, 12);
    const bad = (): number => r.pick(BAD_SIZES);
    const run = (): unknown => {
      switch (which) {
        case 0: return binding.benchSgemm(r.chance(0.5), false, r.pick([0, 8193, ...BAD_SIZES]), 8, 8, 1, 1);
        case 1: return binding.benchFmaPeak(r.pick([0, 1]) === 0 ? bad() : 1, r.pick([0, -1, 61, Number.NaN, Infinity]));
        case 2: return binding.benchTriad(r.chance(0.5) ? bad() : 1, r.pick([0, 4097, ...BAD_SIZES]));
        case 3: return binding.setNumThreads(r.pick([0, ...BAD_SIZES]));
        case 4: return binding.setIsa(r.pick(['', 'avx', 'AVX512', 'neon', 'sse2', 'scalar ', ...binding.backendInfo().isas]));
        case 5: return (binding.setErrorClasses as (...a: unknown[]) => unknown)(...r.pick([[], [1, 2, 3], [dn.ValueError, 'x', dn.NativeError], [dn.ValueError, dn.ArgumentTypeError]]));
        case 6: return (binding.configureMemoryCache as (...a: unknown[]) => unknown)(r.chance(0.5) ? weird(r) : true, r.chance(0.5) ? bad() : weird(r));
        case 7: return binding.trimMemoryCache();
        case 8: return (binding.memoryCacheStats as (...a: unknown[]) => unknown)(...(r.chance(0.5) ? [] : [weird(r)]));
        case 9: return binding.tryLockFile(r.chance(0.5) ? lockedFile() : r.pick([...BAD_SIZES, 123_456]));
        case 10: return binding.unlockFile(r.chance(0.5) ? lockedFile() : r.pick([...BAD_SIZES, 123_456]));
        case 11: return binding.benchConv(r.pick([-1, 3, 0.5, 0]), Int32Array.of(1, 4, 4, 1, r.pick([2, 5, -1]), 2, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, r.pick([1, 0])), 1, r.pick([0, 1]));
        default: return (binding.backendInfo as (...a: unknown[]) => unknown)(1);
      }
    };
    const names = ['benchSgemm', 'benchFmaPeak', 'benchTriad', 'setNumThreads', 'setIsa', 'setErrorClasses', 'configureMemoryCache', 'trimMemoryCache', 'memoryCacheStats', 'tryLockFile', 'unlockFile', 'benchConv', 'backendInfo'];
    return { target: `binding.${names[which]}`, typed: true, run };
  }],
];

// Public API: graph models (dn.input, dn.model, merge layers, several inputs and outputs, valueAndGrad)

const MERGES = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'concatenate', 'dot'] as const;

/** A merge layer with options mostly valid, sometimes not. */
function mergeLayer(r: Rng): dn.layers.Layer {
  const name = r.pick(MERGES);
  if (name === 'concatenate') return dn.layers.concatenate(r.chance(0.7) ? { axis: r.pick([-1, 1, 2, 0, -3, 1.5]) } : {});
  if (name === 'dot') return dn.layers.dot({ axes: r.pick([1, -1, 2, [1, 2], [2, 1], 0, 3, [1]] as const) as never, normalize: r.chance(0.3) });
  return dn.layers[name]();
}

/** A valid small graph: two inputs of one width merged (or one input alone), one or two compiled outputs. */
function randomGraph(r: Rng): dn.Functional<dn.Tensor | dn.Tensor[]> {
  const width = r.int(1, 4);
  const a = dn.input({ shape: [width], name: 'a' });
  const b = dn.input({ shape: [width], name: 'b' });
  const two = r.chance(0.6);
  const merged = two ? r.pick([dn.layers.add(), dn.layers.concatenate(), dn.layers.maximum(), dn.layers.dot({ axes: 1 })]).apply([a, b]) : a;
  const first = dn.layers.dense({ units: r.int(1, 3), activation: r.pick(['softmax', 'sigmoid', 'linear', 'relu'] as const), name: 'first' }).apply(merged);
  const outputs = r.chance(0.5) ? [first, dn.layers.dense({ units: 1, name: 'second' }).apply(merged)] : first;
  const model = dn.model({ inputs: two ? [a, b] : a, outputs });
  model.compile({ optimizer: 'sgd', loss: r.pick(['mse', 'sparseCategoricalCrossentropy', 'binaryCrossentropy'] as const), metrics: r.chance(0.3) ? ['accuracy'] : [] });
  return model as dn.Functional<dn.Tensor | dn.Tensor[]>;
}

/** Data for a graph model in any of the accepted forms, mostly right, sometimes not. */
function graphData(r: Rng, model: dn.Model<dn.Tensor | dn.Tensor[]>, names: readonly string[], shapes: readonly (number | null)[][]): unknown {
  const n = r.pick([0, 1, 3, 5]);
  const tensors = shapes.map((s) => (r.chance(0.9) ? tensor(r, [n, ...(s.slice(1) as number[])]) : tensor(r)));
  switch (r.int(0, 5)) {
    case 0: return tensors.length === 1 ? tensors[0] : tensors;
    case 1: return Object.fromEntries(names.map((name, i) => [name, tensors[i]]));
    case 2: return Object.fromEntries(names.map((name, i) => [r.chance(0.7) ? name : `${name}x`, tensors[i]]));
    case 3: return tensors.slice(0, Math.max(0, tensors.length - 1));
    case 4: return tensorLike(r);
    default: return weird(r);
  }
}

const graphGenerators: Array<[number, Generator]> = [
  [2, (r) => {
    const options = r.chance(0.7) ? { shape: r.chance(0.7) ? shape(r, 3) : weird(r), ...(r.chance(0.3) ? { name: r.pick(['x', '', 'a b', 'a/b', 3]) } : {}), ...(r.chance(0.3) ? { dtype: r.pick(['float32', 'int32', 'float64']) } : {}) } : weird(r);
    return { target: 'input', typed: false, run: () => dn.input(options as never), detail: describeArgs([options]) };
  }],
  [2, (r) => {
    const symbolic = r.chance(0.6);
    const count = r.int(0, 3);
    const inputs = Array.from({ length: count }, () => (symbolic ? dn.input({ shape: validShape(r, 2).map((d) => d + 1) }) : tensor(r, [2, ...validShape(r, 2)])));
    const run = (): unknown => {
      const layer = r.chance(0.9) ? mergeLayer(r) : (dn.layers[r.pick(MERGES)] as (o: unknown) => dn.layers.Layer)(weird(r));
      return layer.apply((r.chance(0.9) ? inputs : inputs[0]) as never);
    };
    return { target: 'merge layer', typed: true, run, detail: describeArgs(inputs) };
  }],
  [2, (r) => {
    const a = dn.input({ shape: [3] });
    const other = dn.input({ shape: [3] });
    const h = dn.layers.dense({ units: 2 }).apply(r.chance(0.8) ? a : other);
    const pick = (): unknown => r.pick<() => unknown>([() => a, () => h, () => other, () => [a, other], () => [h, a], () => [], () => weird(r), () => tensor(r)])();
    const options: Record<string, unknown> = { inputs: pick(), outputs: pick() };
    if (r.chance(0.2)) options.name = r.pick(['m', '', 'a b', 5]);
    if (r.chance(0.1)) options.extra = 1;
    return { target: 'model', typed: false, run: () => dn.model(options as never), detail: describeArgs([options]) };
  }],
  [4, (r) => {
    const model = randomGraph(r);
    const shapes = model.inputs.map((t) => t.shape);
    const x = graphData(r, model, model.inputNames, shapes);
    const y = graphData(r, model, model.outputNames, model.outputs.map((t) => t.shape));
    const which = r.int(0, 5);
    const run = (): unknown => {
      switch (which) {
        case 0: return model.fit(x as never, y as never, { epochs: 1, verbose: 0, ...(r.chance(0.2) ? { validationSplit: 0.5 } : {}), ...(r.chance(0.2) ? { sampleWeight: graphData(r, model, model.outputNames, [[null]]) as never } : {}), ...(r.chance(0.1) ? { classWeight: r.pick([{ 0: 1 }, [{ 0: 1 }], { first: { 0: 1 } }, weird(r)]) as never } : {}) });
        case 1: return model.evaluate(x as never, y as never);
        case 2: return model.predict(x as never, { batchSize: r.pick([undefined, 1, 2]) });
        case 3: return model.predictAsync(x as never);
        case 4: return model.trainOnBatch(x as never, y as never);
        default: return model.testOnBatch(x as never, y as never, r.chance(0.3) ? { sampleWeight: weird(r) as never } : undefined);
      }
    };
    return { target: ['graph fit', 'graph evaluate', 'graph predict', 'graph predictAsync', 'graph trainOnBatch', 'graph testOnBatch'][which], typed: true, run, detail: describeArgs([x, y]) };
  }],
  [1, (r) => {
    const model = randomGraph(r);
    const names = model.outputNames;
    const spec = (): unknown => r.pick<() => unknown>([
      () => r.pick(LOSSES), () => names.map(() => r.pick(LOSSES)), () => Object.fromEntries(names.map((n) => [r.chance(0.8) ? n : 'nope', 'mse'])), () => ['mse'], () => weird(r),
    ])();
    const options: Record<string, unknown> = { loss: spec() };
    if (r.chance(0.4)) options.metrics = r.pick<unknown>([['accuracy'], names.map(() => ['mae']), { [names[0]]: 'mse' }, [['mse'], 'mae'], weird(r)]);
    if (r.chance(0.4)) options.lossWeights = r.pick<unknown>([names.map(() => r.pick(ODD_NUMBERS)), { [names[0]]: r.pick(ODD_NUMBERS) }, [1], weird(r)]);
    return { target: 'graph compile', typed: false, run: () => model.compile(options as never), detail: describeArgs([options]) };
  }],
  [1, (r) => {
    const model = randomGraph(r);
    const x = tensor(r, [2, model.inputs[0].shape[1] as number]);
    const inputs = model.inputs.length === 1 ? x : [x, x];
    const fn = r.pick<() => unknown>([
      () => () => {
        const out: dn.Tensor | dn.Tensor[] = model.apply(inputs);
        return (Array.isArray(out) ? out[0] : out).square().mean();
      },
      () => () => model.apply(inputs), () => () => 3, () => weird(r), () => () => dn.tensor([1]).sum(),
    ])();
    const variables = r.pick<() => unknown>([() => undefined, () => model.trainableWeights, () => ({ w: tensor(r) }), () => weird(r), () => [{ name: 'w' }]])();
    const run = (): unknown => {
      const grads = r.chance(0.5) ? dn.valueAndGrad(fn as never, variables as never).grads : dn.grad(fn as never, variables as never);
      return r.chance(0.5) ? dn.optimizers.sgd(0.1).applyGradients(r.chance(0.7) ? grads : (weird(r) as never), model.trainableWeights) : grads;
    };
    return { target: 'valueAndGrad', typed: false, run, detail: describeArgs([variables]) };
  }],
];

// Convolution layers (lib/layers/conv, pooling, normalization, image reshaping) ----------------
// Layers built from hostile configs (zero, negative, fractional, NaN and huge sizes, unknown choices)
// and applied to hostile inputs (wrong ranks, empty or too small images, NaN values, int32), alone,
// on symbolic inputs, in a small trained model, and through a config round trip.

const CONV_LAYERS = [
  'conv1d', 'conv2d', 'conv2dTranspose', 'depthwiseConv2d', 'separableConv2d', 'maxPooling1d', 'maxPooling2d', 'averagePooling1d',
  'averagePooling2d', 'globalAveragePooling1d', 'globalAveragePooling2d', 'globalMaxPooling1d', 'globalMaxPooling2d',
  'batchNormalization', 'zeroPadding2d', 'upSampling2d', 'spatialDropout2d',
] as const;
type ConvLayerName = typeof CONV_LAYERS[number];

/** Mostly one of `good`, sometimes one of `bad`. */
function goodOrBad(r: Rng, good: readonly unknown[], bad: readonly unknown[], p = 0.85): unknown {
  return r.chance(p) ? r.pick(good) : r.pick(bad);
}
/** A count or size: mostly small and valid, sometimes zero, negative, fractional, NaN or huge. */
function convCount(r: Rng): number {
  return r.chance(0.92) ? r.int(1, 3) : r.pick([0, ...BAD_SIZES]);
}
/** One size or one per spatial axis (sometimes of the wrong length). */
function convSizes(r: Rng, axes: number): number | number[] {
  if (r.chance(0.4)) return convCount(r);
  return Array.from({ length: r.chance(0.95) ? axes : r.int(0, 3) }, () => convCount(r));
}

/** Options for a layer of the convolution family: mostly valid, each sometimes wrong. */
function convLayerOptions(r: Rng, name: ConvLayerName): Record<string, unknown> {
  const axes = name.endsWith('1d') ? 1 : 2;
  const o: Record<string, unknown> = {};
  const maybe = (p: number, key: string, value: () => unknown): void => {
    if (r.chance(p)) o[key] = value();
  };
  if (name.startsWith('conv') || name === 'depthwiseConv2d' || name === 'separableConv2d') {
    if (name !== 'depthwiseConv2d') o.filters = convCount(r);
    o.kernelSize = convSizes(r, axes);
    maybe(0.4, 'strides', () => convSizes(r, axes));
    maybe(0.4, 'padding', () => goodOrBad(r, ['valid', 'same'], ['causal', 'full', 1, null]));
    maybe(0.3, 'dilationRate', () => convSizes(r, axes));
    maybe(0.3, 'activation', () => goodOrBad(r, ['relu', 'tanh', 'softmax', 'linear'], ['nope', 3]));
    maybe(0.2, 'useBias', () => goodOrBad(r, [true, false], ['yes']));
    maybe(0.1, 'kernelInitializer', () => goodOrBad(r, ['glorotUniform', 'heNormal', 'orthogonal'], ['identity', 'nope']));
    maybe(0.1, 'kernelRegularizer', () => goodOrBad(r, ['l1', 'l2'], ['l3']));
    if (name === 'conv1d' || name === 'conv2d') maybe(0.15, 'groups', () => goodOrBad(r, [1, 2, 3], [0, -1, 1.5]));
    if (name === 'depthwiseConv2d' || name === 'separableConv2d') maybe(0.3, 'depthMultiplier', () => convCount(r));
    if (name === 'conv2dTranspose') maybe(0.3, 'outputPadding', () => goodOrBad(r, [0, 1, [1, 0]], [[2, 2], -1, Number.NaN], 0.7));
  } else if (name.includes('Pooling') && !name.startsWith('global')) {
    maybe(0.8, 'poolSize', () => convSizes(r, axes));
    maybe(0.4, 'strides', () => (r.chance(0.2) ? null : convSizes(r, axes)));
    maybe(0.4, 'padding', () => goodOrBad(r, ['valid', 'same'], ['causal', 2]));
  } else if (name.startsWith('global')) {
    maybe(0.3, 'keepdims', () => goodOrBad(r, [true, false], [1]));
  } else if (name === 'batchNormalization') {
    maybe(0.4, 'axis', () => goodOrBad(r, [-1, 1, 3], [0, 4, -5, 1.5, [1, 2]], 0.7));
    maybe(0.3, 'momentum', () => goodOrBad(r, [0.99, 0, 0.5], [1, -0.1, 2, Number.NaN]));
    maybe(0.3, 'epsilon', () => goodOrBad(r, [1e-3, 1e-5], [0, -1, Number.NaN, Infinity]));
    maybe(0.2, 'center', () => goodOrBad(r, [true, false], [0]));
    maybe(0.2, 'scale', () => goodOrBad(r, [true, false], ['no']));
  } else if (name === 'zeroPadding2d') {
    o.padding = goodOrBad(r, [1, 0, [1, 2], [[1, 0], [0, 2]]], [-1, 1.5, Number.NaN, 2 ** 31, [[1], [2]], [1, 2, 3]], 0.7);
  } else if (name === 'upSampling2d') {
    maybe(0.8, 'size', () => convSizes(r, 2));
    maybe(0.2, 'interpolation', () => goodOrBad(r, ['nearest'], ['bilinear', 'cubic'], 0.5));
  } else {
    o.rate = goodOrBad(r, [0, 0.3, 0.5], [1, -0.1, Number.NaN]);
    maybe(0.5, 'seed', () => goodOrBad(r, [1, 7], [1.5, -1]));
  }
  maybe(0.2, 'dataFormat', () => goodOrBad(r, ['channelsLast', 'channelsFirst', 'channels_first'], ['NHWC']));
  maybe(0.03, 'name', () => r.pick<unknown>(['', 'a b', 3]));
  return o;
}

/** An input for a layer of `axes` spatial axes: mostly a plausible batch, sometimes of the wrong rank or empty. */
function convInput(r: Rng, axes: number): Tensor {
  if (r.chance(0.1)) return tensor(r, validShape(r, 5));
  const spatial = Array.from({ length: axes }, () => (r.chance(0.9) ? r.int(1, 6) : r.int(0, 1)));
  return imageBatch(r, [r.int(r.chance(0.95) ? 1 : 0, 3), ...spatial, r.chance(0.95) ? r.int(1, 3) : 0]);
}
/** A float32 batch of `shape` (with a few NaN/huge values), sometimes int32, a view, or requiring gradients. */
function imageBatch(r: Rng, shape: readonly number[]): Tensor {
  if (r.chance(0.2)) return tensor(r, shape);
  const x = dn.tensor(floatValues(r, shape.reduce((a, b) => a * b, 1)), shape);
  if (r.chance(0.3)) x.requiresGrad = true;
  return x;
}

function convLayer(name: ConvLayerName, options: Record<string, unknown>): dn.layers.Layer {
  return (dn.layers[name] as (o: unknown) => dn.layers.Layer)(options);
}

const convLayerGenerators: Array<[number, Generator]> = [
  [4, (r) => {
    // Built from hostile options and applied to a hostile tensor, in training or inference, with a backward pass.
    const name = r.pick(CONV_LAYERS);
    const options = convLayerOptions(r, name);
    const x = convInput(r, name.endsWith('1d') ? 1 : 2);
    const training = r.chance(0.5);
    const run = (): unknown => {
      const y = convLayer(name, options).apply(x, { training });
      if (y instanceof dn.Tensor && y.requiresGrad) y.sum().backward();
      return y;
    };
    return { target: `layers.${name}`, typed: true, run, detail: describeArgs([options, x, training]) };
  }],
  [2, (r) => {
    // Shape inference: applied to a symbolic input whose shape may be too small, empty or of the wrong rank.
    const name = r.pick(CONV_LAYERS);
    const options = convLayerOptions(r, name);
    const axes = name.endsWith('1d') ? 1 : 2;
    const inputShape = r.chance(0.8) ? [...Array.from({ length: axes }, () => r.pick<number | null>([1, 2, 3, 5, null])), r.int(1, 3)] : validShape(r, 4);
    return { target: `layers.${name} (symbolic)`, typed: true, run: () => convLayer(name, options).apply(dn.input({ shape: inputShape })), detail: describeArgs([options, inputShape]) };
  }],
  [3, (r) => {
    // A small image model of valid layers trained, evaluated and predicted on data of any shape.
    const side = r.int(3, 6);
    const dataFormat = r.chance(0.3) ? 'channelsFirst' as const : 'channelsLast' as const;
    const channels = r.int(1, 2);
    const inputShape = dataFormat === 'channelsLast' ? [side, side, channels] : [channels, side, side];
    const middle = r.pick<() => dn.layers.Layer>([
      () => dn.layers.maxPooling2d({ poolSize: 2, padding: 'same', dataFormat }),
      () => dn.layers.batchNormalization({ axis: dataFormat === 'channelsLast' ? -1 : 1 }),
      () => dn.layers.depthwiseConv2d({ kernelSize: 2, padding: 'same', dataFormat }),
      () => dn.layers.separableConv2d({ filters: 2, kernelSize: 2, dataFormat }),
      () => dn.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, dataFormat }),
      () => dn.layers.spatialDropout2d({ rate: 0.5, seed: 1, dataFormat }),
      () => dn.layers.zeroPadding2d({ padding: 1, dataFormat }),
    ])();
    const model = dn.sequential({
      layers: [
        dn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape, dataFormat }),
        middle,
        r.chance(0.5) ? dn.layers.globalAveragePooling2d({ dataFormat }) : dn.layers.flatten({ dataFormat }),
        dn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: r.pick(['sgd', 'adam'] as const), loss: 'sparseCategoricalCrossentropy' });
    const n = r.pick([0, 1, 3, 3]);
    const x = r.chance(0.85) ? imageBatch(r, [n, ...inputShape]) : convInput(r, 2);
    const y = r.chance(0.85) ? dn.tensor(Int32Array.from({ length: n }, () => (r.chance(0.95) ? r.int(0, 2) : r.pick([-1, 3])))) : tensorLike(r);
    const which = r.int(0, 5);
    const explained = { layer: goodOrBad(r, [undefined, model.layers[0].name, model.layers[1]], ['nope', model.layers[3], 2]), target: goodOrBad(r, [undefined, 0, 2], [3, -1, [0], 0.5]) };
    const run = (): unknown => {
      switch (which) {
        case 0: return model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
        case 5: return dn.explain.gradCam(model, x, explained as dn.explain.GradCamOptions);
        case 1: return model.evaluate(x, y);
        case 2: return model.predict(x);
        case 3: return model.predictAsync(x);
        default: return model.trainOnBatch(x, y);
      }
    };
    return { target: `conv model ${['fit', 'evaluate', 'predict', 'predictAsync', 'trainOnBatch', 'explain.gradCam'][which]}`, typed: true, run, detail: describeArgs([middle.className, x, y, explained]) };
  }],
  [1, (r) => {
    // A built layer's config with one entry replaced, rebuilt through the registry; or wrong weights set.
    const name = r.pick(CONV_LAYERS);
    const axes = name.endsWith('1d') ? 1 : 2;
    const layer = convLayer(name, name === 'zeroPadding2d' ? { padding: 1 } : name === 'spatialDropout2d' ? { rate: 0.5 } : name.startsWith('conv') || name === 'separableConv2d' ? { filters: 2, kernelSize: 1 } : name === 'depthwiseConv2d' ? { kernelSize: 1 } : {});
    layer.apply(dn.rand([1, ...Array<number>(axes).fill(4), 2]));
    const config = { ...layer.getConfig() } as Record<string, unknown>;
    const keys = Object.keys(config);
    if (keys.length > 0 && r.chance(0.8)) config[r.pick(keys)] = r.chance(0.5) ? weird(r) : r.pick([0, -1, Number.NaN, 2 ** 40, [], [0, 0]]);
    const run = (): unknown => (r.chance(0.6)
      ? dn.layers.deserializeLayer({ className: layer.className, config })
      : layer.setWeights(layer.getWeights().map((w) => tensor(r, r.chance(0.6) ? w.shape : validShape(r)))));
    return { target: `layers.${name} (config/weights)`, typed: true, run, detail: describeArgs([config]) };
  }],
];

// --- the run ----------------------------------------------------------------------------------

function weighted(generators: Array<[number, Generator]>): Generator[] {
  return generators.flatMap(([weight, generator]) => Array<Generator>(weight).fill(generator));
}
const all = [...weighted(apiGenerators), ...weighted(modelGenerators), ...weighted(graphGenerators), ...weighted(rawGenerators), ...weighted(convLayerGenerators)];

interface Failure { index: number; target: string; detail: string; error: string }

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.split('\n')[0].slice(0, 200)}`;
  return `non-error thrown: ${String(error)}`;
}

const initialIsa = binding.backendInfo().isa;
const initialThreads = binding.backendInfo().threads;
const initialMemory = dn.memory();
afterAll(() => {
  dn.setMemoryOptions({ cache: initialMemory.cache, cacheLimit: initialMemory.cacheLimit, fillUninitialized: false });
  binding.setIsa(initialIsa);
  binding.setNumThreads(initialThreads);
  dn.setGradEnabled(true);
});

describe('fuzz', () => {
  it(`${CALLS} random malformed calls end in a result or a Dendrite error (seed ${SEED})`, async () => {
    const r = new Rng(SEED);
    const failures: Failure[] = [];
    const outcomes = new Map<string, { ok: number; errors: number }>();
    let typed = 0;
    for (let index = 0; index < CALLS; index++) {
      let call: Call;
      if (TRACE) trace(`fuzz ${index}: building`);
      try {
        const generator = r.pick(all);
        if (TRACE) trace(`  generator ${all.indexOf(generator)} of ${all.length}: ${generator.toString().slice(0, 300).replace(/\s+/g, ' ')}`);
        call = generator(r);
      } catch (error) {
        // Building the arguments is the test's own code (valid library calls): a throw there is a test bug.
        throw new Error(`fuzz seed ${SEED}: building call ${index} threw ${describeError(error)}`);
      }
      if (call.typed) typed++;
      if (TRACE) trace(`fuzz ${index}: ${call.target} ${call.detail ?? ''}`);
      const tally = outcomes.get(call.target) ?? { ok: 0, errors: 0 };
      outcomes.set(call.target, tally);
      const started = TRACE ? performance.now() : 0;
      try {
        const result = call.run();
        if (result instanceof Promise) await result;
        tally.ok++;
      } catch (error) {
        tally.errors++;
        if (!(error instanceof DendriteError)) {
          failures.push({ index, target: call.target, detail: call.detail ?? '', error: describeError(error) });
        }
      }
      if (TRACE) trace(`  ${(performance.now() - started).toFixed(1)} ms, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`);
    }
    // The ISA may have been switched and threads resized by valid calls: back to the defaults.
    binding.setIsa(initialIsa);
    binding.setNumThreads(initialThreads);

    const summary = [...outcomes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([target, t]) => `${target} ${t.ok}/${t.errors}`).join(', ');
    if (TRACE) trace(`typed ${typed}/${CALLS}; ok/errors per target: ${summary}`);
    const report = failures.slice(0, 30).map((f) => `  #${f.index} ${f.target} (${f.detail}): ${f.error}`).join('\n');
    expect(failures.length, `fuzz seed ${SEED} (rerun with DENDRITE_FUZZ_SEED=${SEED}): ${failures.length} calls ended in an untyped error:\n${report}\n(ok/errors per target: ${summary})`).toBe(0);
    // At least half the calls were well-typed or raw-binding calls, reaching the deep checks.
    expect(typed / CALLS).toBeGreaterThanOrEqual(0.5);
    // Every target was exercised, and both outcomes happened overall.
    const totals = [...outcomes.values()].reduce((a, t) => ({ ok: a.ok + t.ok, errors: a.errors + t.errors }), { ok: 0, errors: 0 });
    expect(totals.ok).toBeGreaterThan(CALLS / 10);
    expect(totals.errors).toBeGreaterThan(CALLS / 10);
    if (CALLS >= 10_000) {
      for (const name of Object.keys(binding).filter((key) => typeof (binding as unknown as Record<string, unknown>)[key] === 'function')) {
        expect(outcomes.has(`binding.${name}`), `binding.${name} was never called`).toBe(true);
      }
    }
  });
});

// --- hostile arguments and mutated model files ----------------------------------------------------
// The generators are test/helpers/hostile.ts's, shared with `npm run bench:fuzz` (10^5 calls, 10^4
// files); here a few hundred of each. DENDRITE_FUZZ_HOSTILE_CALLS / DENDRITE_FUZZ_MODEL_FILES set the counts.

const HOSTILE_CALLS = Number(process.env.DENDRITE_FUZZ_HOSTILE_CALLS ?? 500);
const MODEL_FILES = Number(process.env.DENDRITE_FUZZ_MODEL_FILES ?? 100);

/** Fails with the first few failures of a tally. */
function expectNoFailures(what: string, tally: Tally): void {
  expect(tally.untyped + tally.hung, `fuzz seed ${SEED}: ${what}: ${tally.untyped} untyped errors, ${tally.hung} hangs:\n  ${tally.failures.join('\n  ')}`).toBe(0);
}

describe('fuzz: hostile arguments and mutated model files', () => {
  it(`${HOSTILE_CALLS} hostile arguments (holes, huge lengths, prototype names, throwing getters, Proxies) end in a result, a Dendrite error or the caller's own error`, async () => {
    const tally = await runHostileCalls(new Rng(SEED ^ 0x4057), HOSTILE_CALLS, 10_000);
    expectNoFailures('hostile arguments', tally);
    // Most are refused; the caller's own errors (its getters and traps) pass through unchanged.
    expect(tally.typed).toBeGreaterThan(HOSTILE_CALLS / 2);
    expect(tally.caller).toBeGreaterThan(0);
  });

  it(`${MODEL_FILES} mutated model folders (aliased offsets, size lies, links, FIFOs, devices) load or throw a Dendrite error, each within seconds`, async () => {
    const scratch = join(fuzzFolder, 'model-files');
    const material = await modelMaterial(scratch);
    const tally = await runMutatedModels(new Rng(SEED ^ 0xf11e), material, scratch, MODEL_FILES, 10_000);
    expectNoFailures('mutated model files', tally);
    expect(tally.typed).toBeGreaterThan(MODEL_FILES / 2);
  });
});
