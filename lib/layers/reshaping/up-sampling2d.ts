/**
 * UpSampling2D: repeats each row and column of an image (nearest-neighbour upsampling; Keras' names and
 * defaults). The gradient sums over each repeated block.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkOptions } from '../../validate.js';
import { broadcastTo, permute, reshape } from '../../ops/shape.js';
import { checkSpatialInts, type DataFormat } from '../../ops/conv.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { checkDataFormat, type LayerDataFormat } from '../conv/base-conv.js';

/** Options of {@link upSampling2d}. */
export interface UpSampling2dOptions extends LayerOptions {
  /** The factors along the height and the width: a number or `[rows, columns]`. Default 2. */
  size?: number | readonly number[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
  /** 'nearest' (the default and the only one implemented). */
  interpolation?: 'nearest';
}

/** Nearest-neighbour upsampling of images. */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: number[];
  readonly dataFormat: DataFormat;
  readonly interpolation = 'nearest';

  constructor(options: UpSampling2dOptions = {}) {
    const where = 'upSampling2d';
    const o = checkOptions<UpSampling2dOptions>(where, options, [...LAYER_OPTION_NAMES, 'size', 'dataFormat', 'interpolation']);
    super(where, o, 'UpSampling2D');
    this.size = checkSpatialInts(where, 'size', o.size ?? 2, 2);
    this.dataFormat = checkDataFormat(where, o.dataFormat);
    if (o.interpolation !== undefined && o.interpolation !== 'nearest') {
      throw new ValueError(`${where}: interpolation '${String(o.interpolation)}' is not implemented; 'nearest' is`);
    }
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== 4) {
      throw new ShapeError(`${this.name}: expected input of rank 4 ([batch, height, width, channels]), got shape ${formatLayerShape(inputShape)}`);
    }
    const [h, w] = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    const out = inputShape.slice();
    out[h] = inputShape[h] === null ? null : (inputShape[h] as number) * this.size[0];
    out[w] = inputShape[w] === null ? null : (inputShape[w] as number) * this.size[1];
    return out;
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const input = this.dataFormat === 'channelsLast' ? x : permute(x, [0, 2, 3, 1]);
    const [n, h, w, c] = input.shape;
    const [sh, sw] = this.size;
    // [n, h, 1, w, 1, c] broadcast to [n, h, sh, w, sw, c] (a view), then one copy into [n, h * sh, w * sw, c].
    const repeated = broadcastTo(reshape(input, [n, h, 1, w, 1, c]), [n, h, sh, w, sw, c]);
    const y = reshape(repeated, [n, h * sh, w * sw, c]);
    return this.dataFormat === 'channelsLast' ? y : permute(y, [0, 3, 1, 2]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size.slice(), dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

/**
 * A layer that repeats each row and column `size` times.
 * ```ts
 * dn.layers.upSampling2d({ size: 2 });   // [batch, 7, 7, c] -> [batch, 14, 14, c]
 * ```
 */
export function upSampling2d(options?: UpSampling2dOptions): UpSampling2D {
  return new UpSampling2D(options);
}

registerLayer('UpSampling2D', UpSampling2D);
