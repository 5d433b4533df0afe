/**
 * What the global pooling layers share (Keras' BaseGlobalPooling): the mean or maximum of every
 * channel over all spatial positions, one native reduction over the adjacent spatial axes.
 * `keepdims` keeps those axes with size 1. The gradient of a maximum is shared evenly at ties.
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkOptions } from '../../validate.js';
import { max, mean } from '../../ops/reduce.js';
import type { DataFormat } from '../../ops/conv.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { checkDataFormat, type LayerDataFormat } from '../conv/base-conv.js';

/** Options of the global pooling layers. */
export interface GlobalPoolingOptions extends LayerOptions {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
  /** Keep the pooled axes with size 1 (`[batch, 1, 1, channels]`). Default false. */
  keepdims?: boolean;
}

/** A global average or max pooling layer over `rank` spatial axes. */
export abstract class GlobalPooling extends Layer {
  readonly rank: 1 | 2;
  readonly kind: 'max' | 'avg';
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  protected constructor(where: string, options: GlobalPoolingOptions | undefined, className: string, rank: 1 | 2, kind: 'max' | 'avg') {
    const o = checkOptions<GlobalPoolingOptions>(where, options, [...LAYER_OPTION_NAMES, 'dataFormat', 'keepdims']);
    super(where, o, className);
    this.rank = rank;
    this.kind = kind;
    this.dataFormat = checkDataFormat(where, o.dataFormat);
    this.keepdims = o.keepdims === undefined ? false : checkBoolean(where, 'keepdims', o.keepdims);
  }

  /** The spatial axes of a `rank + 2` input. */
  private axes(): number[] {
    const first = this.dataFormat === 'channelsLast' ? 1 : 2;
    return Array.from({ length: this.rank }, (_, i) => first + i);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== this.rank + 2) {
      const layout = this.rank === 1 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
      throw new ShapeError(`${this.name}: expected input of rank ${this.rank + 2} (${layout}), got shape ${formatLayerShape(inputShape)}`);
    }
    const axes = this.axes();
    if (this.keepdims) return inputShape.map((d, i) => (axes.includes(i) ? 1 : d));
    return inputShape.filter((_, i) => !axes.includes(i));
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const reduce = this.kind === 'avg' ? mean : max;
    return reduce(x, this.axes(), this.keepdims);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}
