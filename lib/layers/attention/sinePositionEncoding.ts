/**
 * Sinusoidal position encoding ("Attention Is All You Need", KerasHub's `SinePositionEncoding`): for a
 * `[batch, steps, features]` input, position p and feature i get sin(p / maxWavelength^(2⌊i/2⌋ /
 * features)) for even i and the cosine for odd i, broadcast over the batch. No weights; the output has
 * the input's shape, to be added to it.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { makeTensor, type Tensor } from '../../tensor.js';
import { broadcastTo } from '../../ops/shape.js';
import { checkNumber, checkOptions } from '../../validate.js';
import { formatLayerShape, isShapeList, Layer, LAYER_OPTION_NAMES, type LayerOptions, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import { optionsFromConfig } from './transformerBlock.js';

/** Options of {@link sinePositionEncoding}. */
export interface SinePositionEncodingOptions extends LayerOptions {
  /** The longest wavelength of the sines. Default 10000. */
  maxWavelength?: number;
}

/** The `[steps, features]` table of sinusoidal encodings of positions start.. (computed in double precision). */
export function sinePositions(steps: number, features: number, maxWavelength = 10000, start = 0): Float32Array {
  const out = new Float32Array(steps * features);
  for (let i = 0; i < features; i++) {
    const timescale = Math.pow(1 / maxWavelength, (2 * Math.floor(i / 2)) / features);
    for (let p = 0; p < steps; p++) {
      const angle = (start + p) * timescale;
      out[p * features + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** Sinusoidal position encoding. Create one with `dn.layers.sinePositionEncoding()`. */
export class SinePositionEncoding extends Layer {
  readonly className = 'SinePositionEncoding';
  readonly maxWavelength: number;

  constructor(options: SinePositionEncodingOptions = {}) {
    const where = 'sinePositionEncoding';
    const o = checkOptions<SinePositionEncodingOptions>(where, options, [...LAYER_OPTION_NAMES, 'maxWavelength']);
    super(where, o, 'SinePositionEncoding');
    this.maxWavelength = o.maxWavelength === undefined ? 10000 : checkNumber(where, 'maxWavelength', o.maxWavelength);
    if (!(this.maxWavelength > 0)) throw new ValueError(`${where}: maxWavelength must be positive, got ${this.maxWavelength}`);
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    if (isShapeList(inputShape)) throw new ShapeError(`${this.name}: takes one input [batch, steps, features], got ${inputShape.length}`);
    if (inputShape.length !== 3 || inputShape[2] === null) {
      throw new ShapeError(`${this.name}: expected input with shape [batch, steps, features] (features known), got shape ${formatLayerShape(inputShape)}`);
    }
    return [...inputShape];
  }

  override call(x: Tensor): Tensor {
    return this.positionsFrom(x, 0);
  }

  /** The encodings of positions `start` to `start + steps - 1`, broadcast to `x`'s shape (KerasHub's `start_index`). */
  positionsFrom(x: Tensor, start: number): Tensor {
    const [, steps, features] = x.shape;
    return broadcastTo(makeTensor(sinePositions(steps, features, this.maxWavelength, start), [steps, features]), x.shape);
  }

  /** The input's mask passes through. */
  override get supportsMasking(): boolean {
    return true;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxWavelength: this.maxWavelength };
  }

  /** Rebuilds the layer from {@link SinePositionEncoding.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): SinePositionEncoding {
    return new SinePositionEncoding(optionsFromConfig(config) as unknown as SinePositionEncodingOptions);
  }
}

/** Sinusoidal position encoding (KerasHub's `SinePositionEncoding`): the input's shape, to be added to it. */
export function sinePositionEncoding(options: SinePositionEncodingOptions = {}): SinePositionEncoding {
  return new SinePositionEncoding(options);
}

registerLayer('SinePositionEncoding', SinePositionEncoding);
