/**
 * ZeroPadding2D: adds rows and columns of zeros around each image (Keras' names and defaults).
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkInteger, checkOptions, typeError } from '../../validate.js';
import { pad } from '../../ops/shape.js';
import type { DataFormat } from '../../ops/conv.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { checkDataFormat, type LayerDataFormat } from '../conv/base-conv.js';

/** Options of {@link zeroPadding2d}. */
export interface ZeroPadding2dOptions extends LayerOptions {
  /**
   * A number (every side), `[rows, columns]` (symmetric), or `[[top, bottom], [left, right]]`. Default 1.
   */
  padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  dataFormat?: LayerDataFormat;
}

/** Zero padding of images. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(options: ZeroPadding2dOptions = {}) {
    const where = 'zeroPadding2d';
    const o = checkOptions<ZeroPadding2dOptions>(where, options, [...LAYER_OPTION_NAMES, 'padding', 'dataFormat']);
    super(where, o, 'ZeroPadding2D');
    this.padding = checkPaddingPairs(where, o.padding ?? 1);
    this.dataFormat = checkDataFormat(where, o.dataFormat);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== 4) {
      throw new ShapeError(`${this.name}: expected input of rank 4 ([batch, height, width, channels]), got shape ${formatLayerShape(inputShape)}`);
    }
    const [h, w] = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    const out = inputShape.slice();
    const grow = (d: number | null, p: [number, number]) => (d === null ? null : d + p[0] + p[1]);
    out[h] = grow(inputShape[h], this.padding[0]);
    out[w] = grow(inputShape[w], this.padding[1]);
    return out;
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const none: [number, number] = [0, 0];
    const paddings = this.dataFormat === 'channelsLast' ? [none, this.padding[0], this.padding[1], none] : [none, none, this.padding[0], this.padding[1]];
    return pad(x, paddings);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => p.slice()), dataFormat: this.dataFormat };
  }
}

function checkPaddingPairs(where: string, value: unknown): [[number, number], [number, number]] {
  const side = (v: unknown, name: string) => checkInteger(where, name, v, 0, 2 ** 31 - 1);
  if (typeof value === 'number') {
    const p = side(value, 'padding');
    return [[p, p], [p, p]];
  }
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number') {
    const [rows, columns] = [side(value[0], 'padding[0]'), side(value[1], 'padding[1]')];
    return [[rows, rows], [columns, columns]];
  }
  if (Array.isArray(value) && value.length === 2 && [value[0], value[1]].every((v) => Array.isArray(v) && v.length === 2)) {
    const [[t, b], [l, r]] = value as number[][];
    return [[side(t, 'padding[0][0]'), side(b, 'padding[0][1]')], [side(l, 'padding[1][0]'), side(r, 'padding[1][1]')]];
  }
  typeError(where, 'padding', 'a number, [rows, columns] or [[top, bottom], [left, right]]', value);
}

/**
 * A layer that pads each image with zeros.
 * ```ts
 * dn.layers.zeroPadding2d({ padding: [[1, 2], [1, 2]] });
 * ```
 */
export function zeroPadding2d(options?: ZeroPadding2dOptions): ZeroPadding2D {
  return new ZeroPadding2D(options);
}

registerLayer('ZeroPadding2D', ZeroPadding2D);
