/**
 * Flatten layer: `[batch, d1, d2, ...]` → `[batch, d1 * d2 * ...]`. A view of the input (no copy).
 * With `dataFormat: 'channelsFirst'` the input is `[batch, channels, ...spatial]` and is flattened in
 * channels-last order (the channel varies fastest), as Keras and TensorFlow.js do, so a Dense layer
 * after it sees the same feature order whichever format came before it; that costs one copy.
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { contiguous, flatten as flattenOp, permute } from '../ops/shape.js';
import { checkChoice, checkOptions } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link flatten}. */
export interface FlattenOptions extends LayerOptions {
  /**
   * The layout of the input: `'channelsLast'` (default, `[batch, ...spatial, channels]`) or
   * `'channelsFirst'` (`[batch, channels, ...spatial]`). Keras' `'channels_last'` and
   * `'channels_first'` are accepted too.
   */
  dataFormat?: 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';
}

const DATA_FORMATS = ['channelsLast', 'channelsFirst', 'channels_last', 'channels_first'] as const;

/** Flattens each sample into a vector. */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  /** The layout of the input. */
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(options: FlattenOptions = {}) {
    const o = checkOptions<FlattenOptions>('flatten', options, [...LAYER_OPTION_NAMES, 'dataFormat']);
    super('flatten', o, 'Flatten');
    const format = o.dataFormat === undefined ? 'channelsLast' : checkChoice('flatten', 'dataFormat', o.dataFormat, DATA_FORMATS);
    this.dataFormat = format === 'channelsFirst' || format === 'channels_first' ? 'channelsFirst' : 'channelsLast';
  }

  /** Whether flattening inputs of rank `rank` (batch included) moves the channel axis last first. */
  transposes(rank: number): boolean {
    return this.dataFormat === 'channelsFirst' && rank > 2;
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
    if (x.rank === 1) return x.reshape([x.shape[0], 1]);
    if (!this.transposes(x.rank)) return flattenOp(x, 1);
    // [batch, channels, ...spatial] -> [batch, ...spatial, channels], then flatten.
    const order = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
    return flattenOp(contiguous(permute(x, order)), 1);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/**
 * A layer that flattens each sample: `[batch, 8, 8]` → `[batch, 64]`.
 * ```ts
 * dn.layers.flatten({ inputShape: [8, 8] });
 * dn.layers.flatten({ dataFormat: 'channelsFirst' });   // [batch, 3, 8, 8] in channels-last order
 * ```
 */
export function flatten(options?: FlattenOptions): Flatten {
  return new Flatten(options);
}

registerLayer('Flatten', Flatten);
