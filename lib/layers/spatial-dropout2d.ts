/**
 * SpatialDropout2D: dropout of whole feature maps (Keras' names and defaults). In training, each
 * channel of each sample is zeroed with probability `rate` (the others scaled by `1 / (1 - rate)`):
 * neighbouring pixels of a feature map are strongly correlated, so dropping single pixels would barely
 * regularize a convolutional network. The identity at inference. Masks come from the layer's generator,
 * as Dropout's.
 */
import { ShapeError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { mul } from '../ops/elementwise.js';
import { checkOptions } from '../validate.js';
import type { DataFormat } from '../ops/conv.js';
import { formatLayerShape, LAYER_OPTION_NAMES, type CallContext, type Shape } from './layer.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { registerLayer } from './registry.js';
import { checkDataFormat, type LayerDataFormat } from './conv/base-conv.js';

/** Options of {@link spatialDropout2d}. */
export interface SpatialDropout2dOptions extends DropoutOptions {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
}

/** Dropout of whole channels of `[batch, height, width, channels]` images. */
export class SpatialDropout2D extends Dropout {
  override readonly className = 'SpatialDropout2D';
  readonly dataFormat: DataFormat;

  constructor(options: SpatialDropout2dOptions) {
    const o = checkOptions<SpatialDropout2dOptions>('spatialDropout2d', options, [...LAYER_OPTION_NAMES, 'rate', 'seed', 'dataFormat']);
    const { dataFormat, ...rest } = o;
    super(rest as DropoutOptions, 'spatialDropout2d', 'SpatialDropout2D');
    this.dataFormat = checkDataFormat('spatialDropout2d', dataFormat);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== 4) {
      throw new ShapeError(`${this.name}: expected input of rank 4 ([batch, height, width, channels]), got shape ${formatLayerShape(inputShape)}`);
    }
    return inputShape.slice();
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (!context.training || this.rate === 0) return x;
    const n = x.shape[0];
    const channels = this.dataFormat === 'channelsLast' ? x.shape[3] : x.shape[1];
    const mask = new Float32Array(n * channels);
    this.drawMask(mask, mask.length);
    const shape = this.dataFormat === 'channelsLast' ? [n, 1, 1, channels] : [n, channels, 1, 1];
    return mul(x, makeTensor(mask, shape));
  }

  override getConfig(): Record<string, unknown> {
    // Whole channels are dropped: no noiseShape option (as Keras' SpatialDropout2D config).
    const { noiseShape: _noiseShape, ...config } = super.getConfig();
    return { ...config, dataFormat: this.dataFormat };
  }
}

/**
 * A layer that drops whole channels during training.
 * ```ts
 * dn.layers.spatialDropout2d({ rate: 0.2 });
 * ```
 */
export function spatialDropout2d(options: SpatialDropout2dOptions): SpatialDropout2D {
  return new SpatialDropout2D(options);
}

registerLayer('SpatialDropout2D', SpatialDropout2D);
