/**
 * Pooling with autograd: maxPool2d, avgPool2d and their 1-D forms, on the native `pool2d` /
 * `pool2dBackward` kernels in NHWC (channelsFirst inputs are transposed at the boundary).
 *
 * As TensorFlow and Keras: 'valid' windows lie inside the input; 'same' gives `ceil(input / stride)`
 * windows with the odd padding element after; padding never takes part (a max ignores it, an average
 * divides by the pixels inside the image). Strides default to the pool size. The gradient of a max
 * goes to its window's first maximum, adding up where windows overlap.
 */
import { ValueError } from '../errors.js';
import { checkChoice, checkObject, formatShape, shapeError, unknownOption } from '../validate.js';
import { checkFloat, emptyTensor, floats, makeTensor, type Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { binding } from '../native.js';
import { kernels } from './kernels.js';
import { permute, reshapeTo } from './shape.js';
import { checkSpatialInts, DATA_FORMATS, rowMajor, type DataFormat } from './conv.js';

/** Options of the pooling ops. */
export interface PoolOptions {
  /** Step of the window: a number or `[strideH, strideW]` (`[stride]` in 1-D). Default: the pool size. */
  strides?: number | readonly number[];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: DataFormat;
}

/** 'max' or 'avg': the native pool kinds (ops.def). */
export type PoolKind = 'max' | 'avg';
const POOL_CODES = binding.opCodes.pool;

/** The resolved geometry of 2-D pooling in NHWC: the fields of the native PoolGeometry, in order. */
export interface PoolGeometry {
  batch: number; inH: number; inW: number; channels: number;
  outH: number; outW: number;
  windowH: number; windowW: number; strideH: number; strideW: number;
  padTop: number; padBottom: number; padLeft: number; padRight: number;
}

export function poolGeometryArray(g: PoolGeometry): Int32Array {
  return Int32Array.of(g.batch, g.inH, g.inW, g.channels, g.outH, g.outW, g.windowH, g.windowW, g.strideH, g.strideW,
    g.padTop, g.padBottom, g.padLeft, g.padRight);
}

/**
 * The geometry of pooling an NHWC input `[batch, h, w, c]`; a ShapeError naming `where` and the
 * shapes when a 'valid' window does not fit.
 */
export function poolGeometry(
  where: string, input: readonly number[], window: readonly number[], strides: readonly number[], padding: 'valid' | 'same',
  describeCall: () => string,
): PoolGeometry {
  const [batch, inH, inW, channels] = input;
  const axes = [0, 1].map((axis) => {
    const n = input[axis + 1];
    const k = window[axis];
    const s = strides[axis];
    if (padding === 'same') {
      const out = Math.ceil(n / s);
      const total = Math.max((out - 1) * s + k - n, 0);
      if (n === 0) shapeError(where, `the input is empty along the ${axis === 0 ? 'height' : 'width'}: ${describeCall()}`);
      return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
    }
    if (n < k) shapeError(where, `the ${axis === 0 ? 'height' : 'width'} of the pool window (${k}) is larger than the input's (${n}): ${describeCall()}`);
    return { out: Math.floor((n - k) / s) + 1, before: 0, after: 0 };
  });
  return {
    batch, inH, inW, channels, outH: axes[0].out, outW: axes[1].out, windowH: window[0], windowW: window[1], strideH: strides[0],
    strideW: strides[1], padTop: axes[0].before, padBottom: axes[0].after, padLeft: axes[1].before, padRight: axes[1].after,
  };
}

/**
 * Pools an NHWC batch, recorded for gradients. `argmaxOut` (max pooling) may supply the buffer that
 * keeps each window's arg-max for the backward pass.
 */
export function poolNhwc(where: string, kind: PoolKind, x: Tensor, g: PoolGeometry, out?: Float32Array, argmaxOut?: Int32Array): Tensor {
  const xData = rowMajor(x);
  const size = g.batch * g.outH * g.outW * g.channels;
  const y = out ?? new Float32Array(size);
  const recording = needsGrad(x);
  const argmax = kind === 'max' && recording ? (argmaxOut ?? new Int32Array(size)) : null;
  const geometry = poolGeometryArray(g);
  kernels.pool2d(POOL_CODES[kind], geometry, xData, y, argmax);
  const result = makeTensor(y, [g.batch, g.outH, g.outW, g.channels]);
  if (!recording) return result;
  return recordOp(where, result, [x], (grad) => {
    const dx = emptyTensor(x.shape);
    kernels.pool2dBackward(POOL_CODES[kind], geometry, rowMajor(grad), argmax, floats(dx));
    return [dx];
  });
}

function readPoolArgs(where: string, args: readonly unknown[], rank: number): { window: number[]; strides: number[]; padding: 'valid' | 'same'; dataFormat: DataFormat } {
  const [poolSize, rest, ...positional] = args;
  if (poolSize === undefined) throw new ValueError(`${where}: poolSize is required, e.g. ${where}(x, 2)`);
  const window = checkSpatialInts(where, 'poolSize', poolSize, rank);
  let o: Record<string, unknown>;
  if (rest === undefined || (typeof rest === 'object' && rest !== null && !Array.isArray(rest))) {
    o = rest === undefined ? {} : checkObject(where, 'options', rest);
    for (const key of Object.keys(o)) if (!['strides', 'padding', 'dataFormat'].includes(key)) unknownOption(where, key, ['strides', 'padding', 'dataFormat']);
  } else {
    // TensorFlow.js: maxPool(x, filterSize, strides, pad)
    o = { strides: rest, padding: positional[0] };
    if (o.padding === undefined) delete o.padding;
  }
  const strides = o.strides === undefined ? window : checkSpatialInts(where, 'strides', o.strides, rank);
  const padding = o.padding === undefined ? 'valid' : checkChoice(where, 'padding', o.padding, ['valid', 'same'] as const);
  const dataFormat = o.dataFormat === undefined ? 'channelsLast' : checkChoice(where, 'dataFormat', o.dataFormat, DATA_FORMATS);
  return { window, strides, padding, dataFormat };
}

/** The shared body of the four pooling ops. */
function pooling(where: string, kind: PoolKind, x0: unknown, args: readonly unknown[], spatialRank: 1 | 2): Tensor {
  const o = readPoolArgs(where, args, spatialRank);
  const x = checkFloat(where, 'x', toTensor(where, 'x', x0));
  const rank = spatialRank + 2;
  const layout = spatialRank === 1 ? '[batch, width, channels]' : '[batch, height, width, channels]';
  if (x.rank !== rank) shapeError(where, `x must have rank ${rank} (${layout}), got shape ${formatShape(x.shape)}`);
  const first = o.dataFormat === 'channelsFirst';
  let input = x;
  if (spatialRank === 1) input = first ? reshapeTo(x, [x.shape[0], x.shape[1], 1, x.shape[2]]) : reshapeTo(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
  if (first) input = permute(input, [0, 2, 3, 1]);
  const window = spatialRank === 1 ? [1, o.window[0]] : o.window;
  const strides = spatialRank === 1 ? [1, o.strides[0]] : o.strides;
  const describeCall = () => `input ${formatShape(x.shape)}, pool size ${o.window.join('x')}, strides ${o.strides.join('x')}, padding '${o.padding}'`;
  const g = poolGeometry(where, input.shape, window, strides, o.padding, describeCall);
  let y = poolNhwc(where, kind, input, g);
  if (first) y = permute(y, [0, 3, 1, 2]);
  if (spatialRank === 1) y = first ? reshapeTo(y, [g.batch, g.channels, g.outW]) : reshapeTo(y, [g.batch, g.outW, g.channels]);
  return y;
}

/**
 * 2-D max pooling: the maximum of each window. `poolSize` is a number or `[h, w]`.
 * ```ts
 * dn.maxPool2d(x, 2);                                   // 2x2 windows, stride 2
 * dn.maxPool2d(x, 3, { strides: 2, padding: 'same' });
 * dn.maxPool2d(x, [2, 2], [2, 2], 'valid');             // TensorFlow.js' positional form
 * ```
 */
export function maxPool2d(x: TensorLike, poolSize: number | readonly number[], options?: PoolOptions): Tensor;
export function maxPool2d(x: TensorLike, poolSize: number | readonly number[], strides: number | readonly number[], padding?: 'valid' | 'same'): Tensor;
export function maxPool2d(x: TensorLike, ...args: unknown[]): Tensor {
  return pooling('maxPool2d', 'max', x, args, 2);
}

/** 2-D average pooling: the mean of each window (pixels inside the image only). */
export function avgPool2d(x: TensorLike, poolSize: number | readonly number[], options?: PoolOptions): Tensor;
export function avgPool2d(x: TensorLike, poolSize: number | readonly number[], strides: number | readonly number[], padding?: 'valid' | 'same'): Tensor;
export function avgPool2d(x: TensorLike, ...args: unknown[]): Tensor {
  return pooling('avgPool2d', 'avg', x, args, 2);
}

/** 1-D max pooling over `[batch, width, channels]` (channelsLast) or `[batch, channels, width]`. */
export function maxPool1d(x: TensorLike, poolSize: number, options?: PoolOptions): Tensor;
export function maxPool1d(x: TensorLike, poolSize: number, strides: number, padding?: 'valid' | 'same'): Tensor;
export function maxPool1d(x: TensorLike, ...args: unknown[]): Tensor {
  return pooling('maxPool1d', 'max', x, args, 1);
}

/** 1-D average pooling over `[batch, width, channels]` (channelsLast) or `[batch, channels, width]`. */
export function avgPool1d(x: TensorLike, poolSize: number, options?: PoolOptions): Tensor;
export function avgPool1d(x: TensorLike, poolSize: number, strides: number, padding?: 'valid' | 'same'): Tensor;
export function avgPool1d(x: TensorLike, ...args: unknown[]): Tensor {
  return pooling('avgPool1d', 'avg', x, args, 1);
}
