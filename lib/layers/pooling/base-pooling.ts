/**
 * What the pooling layers share (Keras' BasePooling): poolSize, strides (default: the pool size),
 * padding and dataFormat, the output shapes, and the forward pass on the native `pool2d` kernel (a 1-D
 * input is pooled as height 1; channelsFirst is transposed to channelsLast and back).
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkChoice, checkOptions, formatShape } from '../../validate.js';
import { checkSpatialInts, type DataFormat } from '../../ops/conv.js';
import { poolGeometry, poolNhwc, type PoolGeometry, type PoolKind } from '../../ops/pool.js';
import { permute, reshapeTo } from '../../ops/shape.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { checkDataFormat, type LayerDataFormat } from '../conv/base-conv.js';

/** Options of the pooling layers. */
export interface PoolingOptions extends LayerOptions {
  /** The window: a number or one per spatial axis. Default 2. */
  poolSize?: number | readonly number[];
  /** Step of the window: a number or one per spatial axis. Default: the pool size. */
  strides?: number | readonly number[] | null;
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
}

const POOLING_OPTION_NAMES = [...LAYER_OPTION_NAMES, 'poolSize', 'strides', 'padding', 'dataFormat'];

/** A max or average pooling layer over `rank` spatial axes. */
export abstract class Pooling extends Layer {
  readonly rank: 1 | 2;
  readonly kind: PoolKind;
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  protected constructor(where: string, options: PoolingOptions | undefined, className: string, rank: 1 | 2, kind: PoolKind) {
    const o = checkOptions<PoolingOptions>(where, options, POOLING_OPTION_NAMES);
    super(where, o, className);
    this.rank = rank;
    this.kind = kind;
    this.poolSize = checkSpatialInts(where, 'poolSize', o.poolSize ?? 2, rank);
    this.strides = o.strides === undefined || o.strides === null ? this.poolSize.slice() : checkSpatialInts(where, 'strides', o.strides, rank);
    this.padding = o.padding === undefined ? 'valid' : checkChoice(where, 'padding', o.padding, ['valid', 'same'] as const);
    this.dataFormat = checkDataFormat(where, o.dataFormat);
  }

  /** The geometry for inputs of `shape` (batch first; an unknown size stands in as the window's). */
  private geometry(shape: readonly (number | null)[]): PoolGeometry {
    const layout = this.rank === 1 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
    if (shape.length !== this.rank + 2) {
      throw new ShapeError(`${this.name}: expected input of rank ${this.rank + 2} (${layout}), got shape ${formatLayerShape(shape)}`);
    }
    const last = this.dataFormat === 'channelsLast';
    const channels = (last ? shape[shape.length - 1] : shape[1]) ?? 1;
    const spatial = last ? shape.slice(1, -1) : shape.slice(2);
    const window = this.rank === 1 ? [1, this.poolSize[0]] : this.poolSize;
    const strides = this.rank === 1 ? [1, this.strides[0]] : this.strides;
    const sizes = this.rank === 1 ? [1, spatial[0] ?? window[1]] : [spatial[0] ?? window[0], spatial[1] ?? window[1]];
    const describeCall = () => `input ${formatLayerShape(shape)}, pool size ${formatShape(this.poolSize)}, strides ${formatShape(this.strides)}, padding '${this.padding}'`;
    return poolGeometry(this.name, [shape[0] ?? 1, sizes[0], sizes[1], channels], window, strides, this.padding, describeCall);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const g = this.geometry(inputShape);
    const last = this.dataFormat === 'channelsLast';
    const spatial = last ? inputShape.slice(1, -1) : inputShape.slice(2);
    const sizes = this.rank === 1 ? [spatial[0] === null ? null : g.outW] : [spatial[0] === null ? null : g.outH, spatial[1] === null ? null : g.outW];
    const channels = last ? inputShape[inputShape.length - 1] : inputShape[1];
    return last ? [inputShape[0] ?? null, ...sizes, channels] : [inputShape[0] ?? null, channels, ...sizes];
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const first = this.dataFormat === 'channelsFirst';
    let input = x;
    if (this.rank === 1) input = first ? reshapeTo(x, [x.shape[0], x.shape[1], 1, x.shape[2]]) : reshapeTo(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
    if (first) input = permute(input, [0, 2, 3, 1]);
    const g = this.geometry(x.shape);
    const size = g.batch * g.outH * g.outW * g.channels;
    const workspace = context.workspace;
    let y = poolNhwc(this.name, this.kind, input, g, workspace?.floats('y', size), workspace?.ints('argmax', size));
    if (first) y = permute(y, [0, 3, 1, 2]);
    if (this.rank === 1) y = first ? reshapeTo(y, [g.batch, g.channels, g.outW]) : reshapeTo(y, [g.batch, g.outW, g.channels]);
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize.slice(), strides: this.strides.slice(), padding: this.padding, dataFormat: this.dataFormat };
  }
}
