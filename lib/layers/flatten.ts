/**
 * Flatten layer: `[batch, d1, d2, ...]` → `[batch, d1 * d2 * ...]`. A view of the input (no copy).
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { flatten as flattenOp } from '../ops/shape.js';
import { checkOptions } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link flatten}. */
export type FlattenOptions = LayerOptions;

/** Flattens each sample into a vector. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(options: FlattenOptions = {}) {
    const o = checkOptions<FlattenOptions>('flatten', options, LAYER_OPTION_NAMES);
    super('flatten', o, 'Flatten');
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    let size = 1;
    for (let i = 1; i < inputShape.length; i++) {
      const d = inputShape[i];
      if (d === null) {
        throw new ShapeError(`${this.name}: every dimension but the batch must be known to flatten, got shape ${formatLayerShape(inputShape)}`);
      }
      size *= d;
    }
    return [inputShape[0] ?? null, size];
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    // A rank-1 batch [n] flattens to [n, 1], as in Keras.
    return x.rank === 1 ? x.reshape([x.shape[0], 1]) : flattenOp(x, 1);
  }
}

/**
 * A layer that flattens each sample: `[batch, 8, 8]` → `[batch, 64]`.
 * ```ts
 * dn.layers.flatten({ inputShape: [8, 8] });
 * ```
 */
export function flatten(options?: FlattenOptions): Flatten {
  return new Flatten(options);
}

registerLayer('Flatten', Flatten);
