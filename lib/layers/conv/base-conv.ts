/**
 * What the convolution layers share (Keras' BaseConv): the options, their checks, the geometry of a
 * batch, and the convolution itself as one fused native call (the bias and the activation in the
 * kernel's epilogue, see ops/fused.ts).
 *
 * Layouts, as Keras: the layer works on `[batch, ...spatial, channels]` (channelsLast, the default and
 * the fast layout) or `[batch, channels, ...spatial]` (channelsFirst, transposed to channelsLast and
 * back around the kernel); the kernel is always `[...kernelSize, inChannels / groups, filters]`, in
 * either format, so a saved model's weights do not depend on it.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkChoice, checkInteger, formatShape, MAX_TENSOR_SIZE } from '../../validate.js';
import type { Initializer } from '../../initializers.js';
import type { Regularizer } from '../../regularizers.js';
import type { Activation } from '../../activations.js';
import { checkSpatialInts, convGeometry, type ConvGeometry, type DataFormat } from '../../ops/conv.js';
import { permute, reshapeTo } from '../../ops/shape.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type Shape } from '../layer.js';
import {
  KERNEL_LAYER_OPTION_NAMES, kernelLayerConfig, resolveKernelOptions, type KernelLayerOptions, type KernelLayerSettings,
} from '../kernel-options.js';

/** A data format as layers take it: tfjs' names, or Keras' `'channels_last'` / `'channels_first'`. */
export type LayerDataFormat = DataFormat | 'channels_last' | 'channels_first';

/** Checks a layer's dataFormat option (default channelsLast). */
export function checkDataFormat(where: string, value: unknown): DataFormat {
  if (value === undefined) return 'channelsLast';
  if (value === 'channels_last') return 'channelsLast';
  if (value === 'channels_first') return 'channelsFirst';
  return checkChoice(where, 'dataFormat', value, ['channelsLast', 'channelsFirst'] as const);
}

/** Options every convolution layer takes. */
export interface BaseConvOptions extends KernelLayerOptions {
  /** The size of the window: a number or one per spatial axis. Required. */
  kernelSize: number | readonly number[];
  /** Step of the window: a number or one per spatial axis. Default 1. */
  strides?: number | readonly number[];
  /** 'valid' (default: no padding) or 'same' (TensorFlow's rule: `ceil(input / stride)` outputs). */
  padding?: 'valid' | 'same';
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
  /** Spacing of the kernel taps (atrous convolution): a number or one per spatial axis. Default 1. */
  dilationRate?: number | readonly number[];
}

export const BASE_CONV_OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', ...KERNEL_LAYER_OPTION_NAMES,
];

/** The options a layer stores once checked. */
interface ResolvedConv {
  kernelSize: number[];
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat: DataFormat;
  dilationRate: number[];
}

// The activation, useBias, initializers and regularizers (KernelLayerSettings), set by the constructor.
export interface BaseConv extends KernelLayerSettings {}

/**
 * The base of the convolution layers over `rank` spatial axes (1 or 2): option checks, shapes,
 * layout changes and the shared parts of getConfig.
 */
export abstract class BaseConv extends Layer {
  /** The spatial axes: 1 (Conv1D) or 2. */
  readonly rank: 1 | 2;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];

  protected constructor(where: string, o: Partial<Omit<BaseConvOptions, 'padding'>> & { padding?: string }, className: string, rank: 1 | 2, paddings: readonly string[]) {
    super(where, o, className);
    this.rank = rank;
    if (o.kernelSize === undefined) throw new ValueError(`${where}: kernelSize is required (the window's size), e.g. kernelSize: 3`);
    Object.assign(this, resolveKernelOptions(where, o));
    const resolved = resolveConvOptions(where, o, rank, paddings);
    this.kernelSize = resolved.kernelSize;
    this.strides = resolved.strides;
    this.padding = resolved.padding;
    this.dataFormat = resolved.dataFormat;
    this.dilationRate = resolved.dilationRate;
  }

  /** The channel count of inputs of `shape` (batch first), checking the rank; a ShapeError names the layer. */
  protected inputChannels(shape: readonly (number | null)[]): number {
    const layout = this.rank === 1
      ? this.dataFormat === 'channelsLast' ? '[batch, steps, channels]' : '[batch, channels, steps]'
      : this.dataFormat === 'channelsLast' ? '[batch, height, width, channels]' : '[batch, channels, height, width]';
    if (shape.length !== this.rank + 2) {
      throw new ShapeError(`${this.name}: expected input of rank ${this.rank + 2} (${layout}), got shape ${formatLayerShape(shape)}`);
    }
    const channels = this.dataFormat === 'channelsLast' ? shape[shape.length - 1] : shape[1];
    if (channels === null) throw new ShapeError(`${this.name}: the input's channel count must be known, got shape ${formatLayerShape(shape)}`);
    return channels;
  }

  /** The spatial sizes of inputs of `shape` (batch first), in order. */
  protected spatial(shape: readonly (number | null)[]): (number | null)[] {
    return this.dataFormat === 'channelsLast' ? shape.slice(1, -1) : shape.slice(2);
  }

  /** An input batch as NHWC (a 1-D input gets height 1; channelsFirst is transposed): views, no copy. */
  protected toNhwc(x: Tensor): Tensor {
    const first = this.dataFormat === 'channelsFirst';
    let input = x;
    if (this.rank === 1) {
      const [n, a, b] = x.shape;
      input = first ? reshapeTo(x, [n, a, 1, b]) : reshapeTo(x, [n, 1, a, b]);
    }
    return first ? permute(input, [0, 2, 3, 1]) : input;
  }

  /** An NHWC result back in the layer's layout (views). */
  protected fromNhwc(y: Tensor): Tensor {
    // NHWC [n, 1, w, c] is [n, w, c]; channelsFirst [n, c, 1, w] is [n, c, w].
    const output = this.dataFormat === 'channelsFirst' ? permute(y, [0, 3, 1, 2]) : y;
    if (this.rank === 2) return output;
    const [n, a, b, c] = output.shape;
    return this.dataFormat === 'channelsFirst' ? reshapeTo(output, [n, a, c]) : reshapeTo(output, [n, b, c]);
  }

  /** The kernel size, strides and dilations as the 2-D NHWC geometry takes them. */
  protected windows(): { kernel: number[]; strides: number[]; dilations: number[] } {
    if (this.rank === 2) return { kernel: this.kernelSize, strides: this.strides, dilations: this.dilationRate };
    return { kernel: [1, this.kernelSize[0]], strides: [1, this.strides[0]], dilations: [1, this.dilationRate[0]] };
  }

  /**
   * The geometry of a forward convolution of `input` (NHWC, batch first; a null batch or size counts
   * as 1 for shape inference) with `filter` [kh, kw, in / groups, out]; a ShapeError names the layer and
   * the shapes when the kernel does not fit.
   */
  protected geometry(input: readonly (number | null)[], filter: readonly number[], groups: number, original: readonly (number | null)[]): ConvGeometry {
    const { strides, dilations } = this.windows();
    const describeCall = () => `input ${formatLayerShape(original)}, kernel ${formatShape(this.kernelSize)}, strides ${formatShape(this.strides)}, padding '${this.padding}'`;
    // An unknown size (null, shape inference) stands in as one the dilated window fits.
    const extent = (axis: number) => (filter[axis] - 1) * dilations[axis] + 1;
    const shape = [input[0] ?? 1, input[1] ?? extent(0), input[2] ?? extent(1), input[3] ?? 1];
    return convGeometry(this.name, shape, filter, strides, dilations, this.padding, groups, describeCall);
  }

  /** The output shape in the layer's layout from the NHWC sizes (unknown input sizes stay null). */
  protected outputShapeOf(input: readonly (number | null)[], out: { outH: number; outW: number }, channels: number): Shape {
    const spatial = this.spatial(input);
    const sizes = this.rank === 1 ? [spatial[0] === null ? null : out.outW] : [spatial[0] === null ? null : out.outH, spatial[1] === null ? null : out.outW];
    return this.dataFormat === 'channelsLast' ? [input[0] ?? null, ...sizes, channels] : [input[0] ?? null, channels, ...sizes];
  }

  /** Input shape (batch first) as NHWC with nulls. */
  protected nhwcShape(shape: readonly (number | null)[], channels: number): (number | null)[] {
    const spatial = this.spatial(shape);
    return this.rank === 1 ? [shape[0], 1, spatial[0], channels] : [shape[0], spatial[0], spatial[1], channels];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize.slice(),
      strides: this.strides.slice(),
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate.slice(),
      ...kernelLayerConfig(this),
    };
  }

  /** Adds the activity penalty of `output` (divided by the batch size, as Keras) when the model collects them. */
  protected addActivityPenalty(output: Tensor, batch: number, losses: Tensor[] | null): void {
    if (this.activityRegularizer !== null && losses !== null) losses.push(this.activityRegularizer.apply(output).div(Math.max(batch, 1)));
  }
}

function resolveConvOptions(where: string, o: Partial<Omit<BaseConvOptions, 'padding'>> & { padding?: string }, rank: 1 | 2, paddings: readonly string[]): ResolvedConv {
  return {
    kernelSize: checkSpatialInts(where, 'kernelSize', o.kernelSize, rank),
    strides: checkSpatialInts(where, 'strides', o.strides ?? 1, rank),
    padding: o.padding === undefined ? 'valid' : checkChoice(where, 'padding', o.padding, paddings) as 'valid' | 'same' | 'causal',
    dataFormat: checkDataFormat(where, o.dataFormat),
    dilationRate: checkSpatialInts(where, 'dilationRate', o.dilationRate ?? 1, rank),
  };
}

/** A positive count option (filters, depthMultiplier, groups) bounded by the tensor size limit. */
export function checkCount(where: string, name: string, value: unknown): number {
  return checkInteger(where, name, value, 1, MAX_TENSOR_SIZE);
}

/**
 * Rebuilds a layer from its config through `make`: nulls are dropped (Keras writes None for unset
 * options), and a custom activation function, which a config cannot hold, is an error naming the layer.
 */
export function fromConfigWith<T>(className: string, config: Record<string, unknown>, make: (options: Record<string, unknown>) => T): T {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
  if (options.activation === undefined && config.activation === null) {
    throw new ValueError(`${className}.fromConfig: layer '${String(config.name)}' used a custom activation function, which cannot be rebuilt from a config`);
  }
  return make(options);
}
