/**
 * Convolutions with autograd: conv1d, conv2d, conv2dTranspose, depthwiseConv2d. They run on the
 * native `conv2d`, `conv2dBackwardData` and `conv2dBackwardFilter` kernels in NHWC (channelsLast), the
 * fast layout; channelsFirst (NCHW) inputs are transposed to it at the boundary, and their filters are
 * taken in PyTorch's layout so weights trained there load without reshuffling.
 *
 * Conventions (TensorFlow's, which Keras and TensorFlow.js share):
 * - cross-correlation, as every framework computes it;
 * - `padding: 'same'` gives `ceil(input / stride)` outputs, the odd padding element going after
 *   (bottom/right); `'valid'` uses no padding; a number pads every side by it (PyTorch's `padding=p`);
 *   `[[top, bottom], [left, right]]` is explicit; `'causal'` (1-D only) pads on the left only;
 * - filters: `[kernelH, kernelW, inChannels / groups, outChannels]` for channelsLast,
 *   `[outChannels, inChannels / groups, kernelH, kernelW]` for channelsFirst (PyTorch's);
 *   conv2dTranspose takes the filter of the convolution it reverses: TensorFlow's `[kH, kW, outChannels,
 *   inChannels]`, PyTorch's `[inChannels, outChannels / groups, kH, kW]`.
 */
import { ValueError } from '../errors.js';
import {
  checkChoice, checkEach, checkInteger, checkObject, describe, formatList, formatShape, shapeError, typeError, unknownOption,
} from '../validate.js';
import { checkFloat, floats, makeTensor, type Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { kernels, unaryCodes } from './kernels.js';
import { contiguous, permute, reshapeTo } from './shape.js';
import { accumulateInto } from '../autograd/leaf-grad.js';
import { applyFused, buffer, type FusedOp } from './fused.js';
import type { Workspace } from '../layers/layer.js';

/** Where channels sit: 'channelsLast' (NHWC, the default) or 'channelsFirst' (NCHW). */
export type DataFormat = 'channelsLast' | 'channelsFirst';
export const DATA_FORMATS: readonly DataFormat[] = ['channelsLast', 'channelsFirst'];

/** 'valid', 'same', a padding on every side, or `[[top, bottom], [left, right]]` (`[left, right]` in 1-D). */
export type Padding = 'valid' | 'same' | number | readonly (readonly [number, number])[] | readonly [number, number];
/** Padding of a 1-D convolution: also 'causal' (everything on the left, as WaveNet and Keras' Conv1D). */
export type Padding1d = Padding | 'causal';

/** Options of {@link conv2d} and {@link depthwiseConv2d}. */
export interface Conv2dOptions {
  /** Step of the window: a number or `[strideH, strideW]`. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default), 'same', a number, or `[[top, bottom], [left, right]]`. */
  padding?: Padding;
  /** Spacing of the kernel taps (atrous convolution): a number or `[dilationH, dilationW]`. Default 1. */
  dilations?: number | readonly number[];
  /** Channel groups (conv2d only): each group of `inChannels / groups` inputs feeds `outChannels / groups` outputs. Default 1. */
  groups?: number;
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW). */
  dataFormat?: DataFormat;
  /** A bias `[outChannels]` added to every output pixel (as PyTorch's `F.conv2d(x, w, b)`). */
  bias?: TensorLike;
}

/** Options of {@link conv1d}: as conv2d's, over one spatial axis, with 'causal' padding. */
export interface Conv1dOptions extends Omit<Conv2dOptions, 'padding'> {
  padding?: Padding1d;
}

/** Options of {@link conv2dTranspose}. */
export interface Conv2dTransposeOptions extends Conv2dOptions {
  /**
   * The output's spatial size `[height, width]`. A strided convolution maps several input sizes to
   * the same output size; this picks which one the transpose produces. Default (Keras' rule): with
   * 'same', `input * stride`; with 'valid', `input * stride + max(kernel - stride, 0)`.
   */
  outputSize?: readonly number[];
}

const CONV_OPTION_NAMES = ['strides', 'padding', 'dilations', 'groups', 'dataFormat', 'bias'];
const TRANSPOSE_OPTION_NAMES = [...CONV_OPTION_NAMES, 'outputSize'];
const LINEAR = unaryCodes.linear;

/** The resolved geometry of a 2-D convolution in NHWC: the fields of the native ConvGeometry, in order. */
export interface ConvGeometry {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kernelH: number; kernelW: number;
  strideH: number; strideW: number; dilationH: number; dilationW: number;
  padTop: number; padBottom: number; padLeft: number; padRight: number;
  groups: number;
}

/** The geometry as the binding takes it (an Int32Array in the native field order). */
export function geometryArray(g: ConvGeometry): Int32Array {
  return Int32Array.of(
    g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kernelH, g.kernelW, g.strideH, g.strideW, g.dilationH,
    g.dilationW, g.padTop, g.padBottom, g.padLeft, g.padRight, g.groups,
  );
}

// ---------------------------------------------------------------------------------------------
// Option checks shared by the ops and the layers.

/**
 * `value` as `rank` positive integers (a number is repeated): strides, dilations, kernel and pool sizes.
 * A zero or negative entry is a ValueError naming `where`, `name` and the value.
 */
export function checkSpatialInts(where: string, name: string, value: unknown, rank: number, min = 1): number[] {
  const values = typeof value === 'number' ? new Array<number>(rank).fill(value) : value;
  if (!Array.isArray(values) || values.length !== rank) {
    typeError(where, name, rank === 1 ? 'a positive integer' : `a positive integer or an array of ${rank}`, value);
  }
  return checkEach(values, (v, i) => {
    if (typeof v !== 'number') typeError(where, `${name}[${i}]`, 'a positive integer', v);
    if (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1) {
      throw new ValueError(`${where}: ${name} must be ${min === 1 ? 'positive integers' : `integers >= ${min}`}, got ${formatValue(value)}`);
    }
    return v;
  });
}

function formatValue(value: unknown): string {
  return Array.isArray(value) ? formatList(value) : describe(value);
}

/** Resolved padding: 'valid' | 'same' | 'causal', or explicit `[before, after]` per spatial axis. */
export type PaddingSpec = 'valid' | 'same' | 'causal' | number[][];

/** Checks a padding option for `rank` spatial axes; 'causal' only when `allowCausal`. */
export function checkPadding(where: string, value: unknown, rank: number, allowCausal: boolean): PaddingSpec {
  if (typeof value === 'string') {
    const choices = allowCausal ? (['valid', 'same', 'causal'] as const) : (['valid', 'same'] as const);
    return checkChoice(where, 'padding', value, choices);
  }
  if (typeof value === 'number') {
    const p = checkInteger(where, 'padding', value, 0, 2 ** 31 - 1);
    return Array.from({ length: rank }, () => [p, p]);
  }
  const expected = rank === 1 ? `'valid', 'same', 'causal', a number or [left, right]` : `'valid', 'same', a number or [[top, bottom], [left, right]]`;
  if (!Array.isArray(value)) typeError(where, 'padding', expected, value);
  const pairs = rank === 1 && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number' ? [value] : value;
  if (pairs.length !== rank) typeError(where, 'padding', expected, value);
  return checkEach(pairs, (pair, axis) => {
    if (!Array.isArray(pair) || pair.length !== 2) typeError(where, 'padding', expected, value);
    return checkEach(pair, (p, side) => checkInteger(where, `padding[${axis}][${side}]`, p, 0, 2 ** 31 - 1));
  });
}

/**
 * Output size and padding along one axis. Throws a ShapeError naming the shapes when the (dilated)
 * window does not fit the padded input.
 */
function resolveAxis(
  where: string, axis: string, input: number, kernel: number, stride: number, dilation: number, padding: PaddingSpec, index: number,
  describeCall: () => string,
): { out: number; before: number; after: number } {
  const extent = (kernel - 1) * dilation + 1;
  let before: number;
  let after: number;
  if (padding === 'valid') {
    before = after = 0;
  } else if (padding === 'same') {
    const out = Math.ceil(input / stride);
    const total = Math.max((out - 1) * stride + extent - input, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (padding === 'causal') {
    before = extent - 1;
    after = 0;
  } else {
    [before, after] = padding[index];
  }
  const padded = input + before + after;
  if (padded < extent || input === 0) {
    shapeError(where, `the ${axis} of the kernel (${kernel}${dilation > 1 ? `, dilated to ${extent}` : ''}) is larger than the padded input's (${padded}): ${describeCall()}`);
  }
  return { out: Math.floor((padded - extent) / stride) + 1, before, after };
}

/**
 * The geometry of a 2-D convolution of an NHWC input `[batch, h, w, c]` with an HWIO filter
 * `[kh, kw, c / groups, outC]`. Errors name `where` and both shapes.
 */
export function convGeometry(
  where: string, input: readonly number[], filter: readonly number[], strides: readonly number[], dilations: readonly number[],
  padding: PaddingSpec, groups: number, describeCall: () => string = () => `input ${formatShape(input)}, filter ${formatShape(filter)}`,
): ConvGeometry {
  const [batch, inH, inW, inC] = input;
  const [kernelH, kernelW, groupIn, outC] = filter;
  if (groupIn * groups !== inC) {
    shapeError(where, `the input has ${inC} channels but the filter takes ${groupIn}${groups > 1 ? ` per group x ${groups} groups` : ''}: ${describeCall()}`);
  }
  if (outC % groups !== 0) shapeError(where, `the filter's ${outC} output channels are not divisible by groups ${groups}: ${describeCall()}`);
  if (kernelH === 0 || kernelW === 0) shapeError(where, `the kernel must not be empty: ${describeCall()}`);
  const h = resolveAxis(where, 'height', inH, kernelH, strides[0], dilations[0], padding, 0, describeCall);
  const w = resolveAxis(where, 'width', inW, kernelW, strides[1], dilations[1], padding, 1, describeCall);
  return {
    batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kernelH, kernelW, strideH: strides[0], strideW: strides[1],
    dilationH: dilations[0], dilationW: dilations[1], padTop: h.before, padBottom: h.after, padLeft: w.before, padRight: w.after, groups,
  };
}

/**
 * The forward convolution a transposed convolution reverses: from the transpose's output (its size
 * `outputSize`, or Keras' rule: 'same' gives `input * stride`, 'valid' `input * stride + max(kernel -
 * stride, 0)`, with `outputPadding` `(input - 1) * stride + kernel - 2 * pad + outputPadding`) back to
 * its input `input` (NHWC). `filter` is `[kh, kw, outChannels / groups, inChannels]`. A ShapeError names
 * `where` and the shapes when the size does not map back.
 */
export function transposeGeometry(
  where: string, input: readonly number[], filter: readonly number[], strides: readonly number[], dilations: readonly number[],
  padding: PaddingSpec, groups: number, outputSize: readonly number[] | null, outputPadding: readonly number[] | null, describeCall: () => string,
): ConvGeometry {
  const [batch, inH, inW, inC] = input;
  const [kh, kw, groupOut] = filter;
  const sizes = [0, 1].map((axis) => {
    const extent = ((axis === 0 ? kh : kw) - 1) * dilations[axis] + 1;
    const n = axis === 0 ? inH : inW;
    const s = strides[axis];
    if (outputSize !== null) return outputSize[axis];
    if (outputPadding !== null) {
      const pad = padding === 'same' ? Math.floor(extent / 2) : 0;
      return (n - 1) * s + extent - 2 * pad + outputPadding[axis];
    }
    if (padding === 'same') return n * s;
    if (padding === 'valid') return n * s + Math.max(extent - s, 0);
    const [before, after] = (padding as number[][])[axis];
    return (n - 1) * s + extent - before - after;
  });
  if (sizes[0] < 1 || sizes[1] < 1) shapeError(where, `the output would be ${sizes[0]}x${sizes[1]}: ${describeCall()}`);
  const forward = convGeometry(where, [batch, sizes[0], sizes[1], groupOut * groups], [kh, kw, groupOut, inC], strides, dilations, padding, groups, describeCall);
  if (forward.outH !== inH || forward.outW !== inW) {
    shapeError(where, `an output of ${sizes[0]}x${sizes[1]} does not map back to the input's ${inH}x${inW} with these strides and padding: ${describeCall()}`);
  }
  return forward;
}

// ---------------------------------------------------------------------------------------------
// The NHWC primitives (with autograd), shared by the ops and the layers.

/** The float32 storage of `t` in row-major order (a copy for a view). */
export function rowMajor(t: Tensor): Float32Array {
  return floats(t.isContiguous ? t : contiguous(t.detach()));
}

/** The bias gradient: dy summed over every pixel, per channel. */
export function channelSums(dy: Float32Array, channels: number, target: Float32Array, accumulate: boolean): void {
  kernels.columnSum(dy, channels === 0 ? 0 : dy.length / channels, channels, target, accumulate);
}

/**
 * A 2-D convolution in NHWC as one fused native call: `conv2d` with the bias and the activation in its
 * epilogue (see ops/fused.ts), and its backward pass: dx by `conv2dBackwardData`, the filter gradient by
 * `conv2dBackwardFilter` and the bias gradient by `columnSum`, the last two added into the weights'
 * `.grad` in place. x [batch, h, w, c], filter [kh, kw, c / groups, outC] (its storage is read as that, so
 * a depthwise filter [kh, kw, c, multiplier] serves as [kh, kw, 1, c * multiplier]). Buffers come from
 * `workspace` when given.
 */
export function conv2dFused(where: string, x: Tensor, filter: Tensor, bias: Tensor | null, g: ConvGeometry, workspace: Workspace | null): FusedOp {
  const geometry = geometryArray(g);
  const xData = rowMajor(x);
  const fData = rowMajor(filter);
  const bData = bias === null ? null : rowMajor(bias);
  return {
    shape: [g.batch, g.outH, g.outW, g.outC],
    run: (out, code, param) => kernels.conv2d(geometry, xData, fData, out, bData, null, null, code, param),
    record: (output, gradient) => recordOp(where, output, bias === null ? [x, filter] : [x, filter, bias], (grad, needs) => {
      const dz = gradient(grad);
      let dx: Tensor | null = null;
      if (needs[0]) {
        const dxData = buffer(workspace, 'dx', x.size);
        kernels.conv2dBackwardData(geometry, dz, fData, dxData, null, null, null, LINEAR, 0);
        dx = makeTensor(dxData, x.shape);
      }
      const dFilter = needs[1] ? accumulateInto(filter, (target, beta) => kernels.conv2dBackwardFilter(geometry, xData, dz, target, beta !== 0)) : null;
      const dBias = bias !== null && needs[2] ? accumulateInto(bias, (target, beta) => channelSums(dz, g.outC, target, beta !== 0)) : null;
      return [dx, dFilter, dBias];
    }),
  };
}

/**
 * The transpose of the convolution `g` (whose input has the transpose's output shape) as one fused
 * native call: `conv2dBackwardData` with the bias and activation in its epilogue. Its backward pass:
 * dx is the forward convolution of the gradient; the filter gradient swaps the roles of x and dy.
 */
export function conv2dTransposeFused(where: string, x: Tensor, filter: Tensor, bias: Tensor | null, g: ConvGeometry, workspace: Workspace | null): FusedOp {
  const geometry = geometryArray(g);
  const xData = rowMajor(x);
  const fData = rowMajor(filter);
  const bData = bias === null ? null : rowMajor(bias);
  return {
    shape: [g.batch, g.inH, g.inW, g.inC],
    run: (out, code, param) => kernels.conv2dBackwardData(geometry, xData, fData, out, bData, null, null, code, param),
    record: (output, gradient) => recordOp(where, output, bias === null ? [x, filter] : [x, filter, bias], (grad, needs) => {
      const dz = gradient(grad);
      let dx: Tensor | null = null;
      if (needs[0]) {
        const dxData = buffer(workspace, 'dx', x.size);
        kernels.conv2d(geometry, dz, fData, dxData, null, null, null, LINEAR, 0);
        dx = makeTensor(dxData, x.shape);
      }
      // The transpose's input is the convolution's output: the roles of x and dy swap.
      const dFilter = needs[1] ? accumulateInto(filter, (target, beta) => kernels.conv2dBackwardFilter(geometry, dz, xData, target, beta !== 0)) : null;
      const dBias = bias !== null && needs[2] ? accumulateInto(bias, (target, beta) => channelSums(dz, g.inC, target, beta !== 0)) : null;
      return [dx, dFilter, dBias];
    }),
  };
}

/** y = conv(x, filter) + bias in NHWC, recorded for gradients. */
function convNhwc(where: string, x: Tensor, filter: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  return applyFused(conv2dFused(where, x, filter, bias, g, null), null, needsGrad(x, filter, bias), null);
}

/** The transpose of the convolution `g`, + bias, in NHWC, recorded for gradients. */
function convTransposeNhwc(where: string, x: Tensor, filter: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  return applyFused(conv2dTransposeFused(where, x, filter, bias, g, null), null, needsGrad(x, filter, bias), null);
}

// ---------------------------------------------------------------------------------------------
// Public ops.

interface ResolvedOptions {
  strides: number[];
  dilations: number[];
  padding: PaddingSpec;
  groups: number;
  dataFormat: DataFormat;
  bias: Tensor | null;
}

/**
 * Reads the options object of a convolution, or TensorFlow.js' positional form
 * `(strides, padding, dataFormat, dilations)`.
 */
function readOptions(where: string, args: readonly unknown[], rank: number, known: readonly string[], allowCausal: boolean): ResolvedOptions & Record<string, unknown> {
  let o: Record<string, unknown>;
  if (args.length === 0 || args[0] === undefined || (typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0]) && args.length === 1)) {
    o = args[0] === undefined ? {} : checkObject(where, 'options', args[0]);
    for (const key of Object.keys(o)) if (!known.includes(key)) unknownOption(where, key, known);
  } else {
    // TensorFlow.js: conv2d(x, filter, strides, pad, dataFormat?, dilations?)
    const [strides, padding, dataFormat, dilations] = args;
    o = { strides, padding, dataFormat: dataFormat === 'NHWC' || dataFormat === 'NWC' ? 'channelsLast' : dataFormat === 'NCHW' || dataFormat === 'NCW' ? 'channelsFirst' : dataFormat, dilations };
    for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  }
  const strides = checkSpatialInts(where, 'strides', o.strides ?? 1, rank);
  const dilations = checkSpatialInts(where, 'dilations', o.dilations ?? 1, rank);
  const padding = checkPadding(where, o.padding ?? 'valid', rank, allowCausal);
  const groups = o.groups === undefined ? 1 : checkInteger(where, 'groups', o.groups, 1, 2 ** 31 - 1);
  const dataFormat = o.dataFormat === undefined ? 'channelsLast' : checkChoice(where, 'dataFormat', o.dataFormat, DATA_FORMATS);
  const bias = o.bias === undefined || o.bias === null ? null : checkFloat(where, 'bias', toTensor(where, 'bias', o.bias));
  return { ...o, strides, dilations, padding, groups, dataFormat, bias };
}

/** The input as a float32 batch of `rank + 2` axes (an unbatched sample gets a batch of 1). */
function batchInput(where: string, value: unknown, spatialRank: number): { x: Tensor; unbatched: boolean } {
  const x = checkFloat(where, 'x', toTensor(where, 'x', value));
  const rank = spatialRank + 2;
  if (x.rank === rank - 1) return { x: reshapeTo(x, [1, ...x.shape]), unbatched: true };
  if (x.rank !== rank) {
    const layout = spatialRank === 1 ? '[batch, width, channels]' : '[batch, height, width, channels]';
    shapeError(where, `x must have rank ${rank} (${layout}, or ${rank - 1} for one sample), got shape ${formatShape(x.shape)}`);
  }
  return { x, unbatched: false };
}

function checkFilter(where: string, value: unknown, rank: number, layout: string): Tensor {
  const filter = checkFloat(where, 'filter', toTensor(where, 'filter', value));
  if (filter.rank !== rank) shapeError(where, `filter must have rank ${rank} (${layout}), got shape ${formatShape(filter.shape)}`);
  return filter;
}

function checkBias(where: string, bias: Tensor | null, channels: number): void {
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== channels)) {
    shapeError(where, `bias must have shape [${channels}] (one per output channel), got shape ${formatShape(bias.shape)}`);
  }
}

const TO_CHANNELS_LAST = [0, 2, 3, 1];
const TO_CHANNELS_FIRST = [0, 3, 1, 2];
/** PyTorch's [out, in, kh, kw] filter as TensorFlow's [kh, kw, in, out] (a view). */
const OIHW_TO_HWIO = [2, 3, 1, 0];

/**
 * 2-D convolution (cross-correlation) of a batch of images with a filter, with gradients for the
 * input, the filter and the bias.
 * ```ts
 * const y = dn.conv2d(x, filter, { strides: 1, padding: 'same' });           // x [n, h, w, c], filter [3, 3, c, 16]
 * dn.conv2d(x, w, { dataFormat: 'channelsFirst', padding: 1, bias: b });     // PyTorch: F.conv2d(x, w, b, padding=1)
 * dn.conv2d(x, filter, 1, 'same');                                            // TensorFlow.js' positional form
 * ```
 * @throws ShapeError naming the shapes when the ranks or channel counts do not match, or the kernel is
 *   larger than the padded input; ValueError for a zero or negative stride or dilation.
 */
export function conv2d(x: TensorLike, filter: TensorLike, options?: Conv2dOptions): Tensor;
export function conv2d(x: TensorLike, filter: TensorLike, strides: number | readonly number[], padding: Padding, dataFormat?: 'NHWC' | 'NCHW' | DataFormat, dilations?: number | readonly number[]): Tensor;
export function conv2d(x: TensorLike, filter: TensorLike, ...args: unknown[]): Tensor {
  return convolution('conv2d', x, filter, args, 2);
}

/**
 * 1-D convolution over `[batch, width, channels]` (channelsLast) or `[batch, channels, width]`, with
 * filter `[kernelW, inChannels / groups, outChannels]` (or PyTorch's `[out, in / groups, kernelW]`).
 * `padding: 'causal'` pads on the left only, so output t sees inputs up to t.
 */
export function conv1d(x: TensorLike, filter: TensorLike, options?: Conv1dOptions): Tensor;
export function conv1d(x: TensorLike, filter: TensorLike, stride: number, padding: Padding1d, dataFormat?: 'NWC' | 'NCW' | DataFormat, dilation?: number): Tensor;
export function conv1d(x: TensorLike, filter: TensorLike, ...args: unknown[]): Tensor {
  return convolution('conv1d', x, filter, args, 1);
}

/**
 * The shared body of conv1d and conv2d: validate, move to NHWC (a 1-D input gets height 1), convolve,
 * move back.
 */
function convolution(where: string, x0: unknown, filter0: unknown, args: readonly unknown[], spatialRank: 1 | 2): Tensor {
  const o = readOptions(where, args, spatialRank, CONV_OPTION_NAMES, spatialRank === 1);
  const { x, unbatched } = batchInput(where, x0, spatialRank);
  const first = o.dataFormat === 'channelsFirst';
  const layout = spatialRank === 1 ? (first ? '[outChannels, inChannels / groups, kernelW]' : '[kernelW, inChannels / groups, outChannels]')
    : first ? '[outChannels, inChannels / groups, kernelH, kernelW]' : '[kernelH, kernelW, inChannels / groups, outChannels]';
  const filter = checkFilter(where, filter0, spatialRank + 2, layout);
  // Everything as 2-D NHWC: a 1-D axis becomes the width under a height of 1.
  let input = x;
  let kernel = filter;
  if (spatialRank === 1) {
    input = first ? reshapeTo(x, [x.shape[0], x.shape[1], 1, x.shape[2]]) : reshapeTo(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
    kernel = first ? reshapeTo(filter, [filter.shape[0], filter.shape[1], 1, filter.shape[2]]) : reshapeTo(filter, [1, ...filter.shape]);
  }
  if (first) {
    input = permute(input, TO_CHANNELS_LAST);
    kernel = permute(kernel, OIHW_TO_HWIO);
  }
  const strides = spatialRank === 1 ? [1, o.strides[0]] : o.strides;
  const dilations = spatialRank === 1 ? [1, o.dilations[0]] : o.dilations;
  const padding = spatialRank === 1 && Array.isArray(o.padding) ? [[0, 0], o.padding[0]] : o.padding;
  const describeCall = () => `input ${formatShape(x.shape)}, filter ${formatShape(filter.shape)}, strides ${o.strides.join('x')}, padding ${describePadding(o.padding)}`;
  const g = convGeometry(where, input.shape, kernel.shape, strides, dilations, padding, o.groups, describeCall);
  checkBias(where, o.bias, g.outC);
  let y = convNhwc(where, input, kernel, o.bias, g);
  if (first) y = permute(y, TO_CHANNELS_FIRST);
  if (spatialRank === 1) y = first ? reshapeTo(y, [g.batch, g.outC, g.outW]) : reshapeTo(y, [g.batch, g.outW, g.outC]);
  return unbatched ? reshapeTo(y, y.shape.slice(1)) : y;
}

/** Padding as a message shows it. */
export function describePadding(padding: PaddingSpec): string {
  return typeof padding === 'string' ? `'${padding}'` : `[${padding.map((p) => `[${p.join(', ')}]`).join(', ')}]`;
}

/**
 * Depthwise 2-D convolution: each input channel is convolved with its own `channelMultiplier` filters.
 * Filter `[kernelH, kernelW, inChannels, channelMultiplier]` (TensorFlow's), or for channelsFirst
 * PyTorch's grouped layout `[inChannels * channelMultiplier, 1, kernelH, kernelW]`; output channel
 * `c * channelMultiplier + m` comes from input channel c.
 */
export function depthwiseConv2d(x: TensorLike, filter: TensorLike, options?: Omit<Conv2dOptions, 'groups'>): Tensor;
export function depthwiseConv2d(x: TensorLike, filter: TensorLike, strides: number | readonly number[], padding: Padding, dataFormat?: 'NHWC' | 'NCHW' | DataFormat, dilations?: number | readonly number[]): Tensor;
export function depthwiseConv2d(x0: TensorLike, filter0: TensorLike, ...args: unknown[]): Tensor {
  const where = 'depthwiseConv2d';
  const o = readOptions(where, args, 2, CONV_OPTION_NAMES.filter((n) => n !== 'groups'), false);
  const { x } = batchInput(where, x0, 2);
  const first = o.dataFormat === 'channelsFirst';
  const filter = checkFilter(where, filter0, 4, first ? '[inChannels * channelMultiplier, 1, kernelH, kernelW]' : '[kernelH, kernelW, inChannels, channelMultiplier]');
  const channels = first ? x.shape[1] : x.shape[3];
  if (first) {
    if (filter.shape[1] !== 1 || filter.shape[0] % Math.max(channels, 1) !== 0) {
      shapeError(where, `for ${channels} input channels the filter must have shape [${channels} * channelMultiplier, 1, kH, kW], got shape ${formatShape(filter.shape)}`);
    }
    return conv2d(x0, filter, { strides: o.strides, padding: toPaddingOption(o.padding), dilations: o.dilations, groups: channels, dataFormat: o.dataFormat, ...(o.bias === null ? {} : { bias: o.bias }) });
  }
  if (filter.shape[2] !== channels) {
    shapeError(where, `the input has ${channels} channels but the filter is for ${filter.shape[2]} (filter shape ${formatShape(filter.shape)} is [kernelH, kernelW, inChannels, channelMultiplier])`);
  }
  const [kh, kw, , multiplier] = filter.shape;
  // [kh, kw, c, m] is [kh, kw, 1, c * m] in memory: one group per input channel.
  const grouped = reshapeTo(filter.isContiguous ? filter : contiguous(filter), [kh, kw, 1, channels * multiplier]);
  return conv2d(x0, grouped, { strides: o.strides, padding: toPaddingOption(o.padding), dilations: o.dilations, groups: Math.max(channels, 1), ...(o.bias === null ? {} : { bias: o.bias }) });
}

/** A resolved padding as the option form conv2d takes again. */
function toPaddingOption(padding: PaddingSpec): Padding {
  return typeof padding === 'string' ? (padding as 'valid' | 'same') : (padding as [number, number][]);
}

/**
 * Transposed 2-D convolution (sometimes called deconvolution): the gradient of conv2d with respect
 * to its input, used to upsample (generators, decoders, segmentation). x `[batch, h, w, inChannels]`,
 * filter `[kernelH, kernelW, outChannels, inChannels]` (TensorFlow's; channelsFirst: PyTorch's
 * `[inChannels, outChannels / groups, kernelH, kernelW]`). Output size as Keras: 'same' gives
 * `input * stride`, 'valid' `input * stride + max(kernel - stride, 0)`; `outputSize` chooses another
 * size the strided convolution maps back to the input's.
 */
export function conv2dTranspose(x0: TensorLike, filter0: TensorLike, options?: Conv2dTransposeOptions): Tensor {
  const where = 'conv2dTranspose';
  const o = readOptions(where, options === undefined ? [] : [options], 2, TRANSPOSE_OPTION_NAMES, false);
  const { x, unbatched } = batchInput(where, x0, 2);
  const first = o.dataFormat === 'channelsFirst';
  const filter = checkFilter(where, filter0, 4, first ? '[inChannels, outChannels / groups, kernelH, kernelW]' : '[kernelH, kernelW, outChannels / groups, inChannels]');
  const input = first ? permute(x, TO_CHANNELS_LAST) : x;
  // PyTorch's [in, out/g, kh, kw] is the forward convolution's filter [out_fwd = in, in_fwd/g, kh, kw].
  const kernel = first ? permute(filter, OIHW_TO_HWIO) : filter;
  const [batch, inH, inW, inC] = input.shape;
  const [kh, kw, groupOut, filterIn] = kernel.shape;
  const describeCall = () => `input ${formatShape(x.shape)}, filter ${formatShape(filter.shape)}, strides ${o.strides.join('x')}, padding ${describePadding(o.padding)}`;
  if (filterIn !== inC) shapeError(where, `the input has ${inC} channels but the filter takes ${filterIn}: ${describeCall()}`);
  if (inC % o.groups !== 0) shapeError(where, `the input's ${inC} channels are not divisible by groups ${o.groups}: ${describeCall()}`);
  const outC = groupOut * o.groups;
  const outputSize = o.outputSize === undefined ? null : checkSpatialInts(where, 'outputSize', o.outputSize, 2);
  const forward = transposeGeometry(where, input.shape, kernel.shape, o.strides, o.dilations, o.padding, o.groups, outputSize, null, describeCall);
  checkBias(where, o.bias, outC);
  let y = convTransposeNhwc(where, input, kernel, o.bias, forward);
  if (first) y = permute(y, TO_CHANNELS_FIRST);
  return unbatched ? reshapeTo(y, y.shape.slice(1)) : y;
}
