/**
 * Concatenate layer: joins its inputs along one axis (`axis`, counting the batch axis as 0; default
 * -1, the last). The inputs must agree on every other axis, as in Keras.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { concat } from '../../ops/shape.js';
import { checkInteger } from '../../validate.js';
import { formatLayerShape, type CallContext, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import { Merge, type MergeOptions } from './merge.js';

/** Options of {@link concatenate}. */
export interface ConcatenateOptions extends MergeOptions {
  /** The axis to join along, counting the batch axis as 0 (which cannot be joined along); negative counts from the end. Default -1. */
  axis?: number;
}

/** Joins its inputs along an axis. */
export class Concatenate extends Merge {
  readonly className = 'Concatenate';
  /** The axis joined along, as given (negative counts from the end). */
  readonly axis: number;

  constructor(options?: ConcatenateOptions) {
    const where = 'concatenate';
    super(where, options, 'Concatenate', ['axis']);
    this.axis = options?.axis === undefined ? -1 : checkInteger(where, 'axis', options.axis, -(2 ** 31), 2 ** 31 - 1);
  }

  /** The axis as an index into shapes of `rank`, checked against them. */
  private axisFor(rank: number): number {
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank) {
      throw new ValueError(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be joined along)`);
    }
    return axis;
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    const shapes = this.inputShapes(inputShape);
    const rank = shapes[0].length;
    const axis = this.axisFor(rank);
    const out = shapes[0].slice();
    for (const shape of shapes.slice(1)) {
      const fits = shape.length === rank && shape.every((d, i) => i === 0 || i === axis || d === null || out[i] === null || d === out[i]);
      if (!fits) {
        throw new ShapeError(`${this.name}: inputs of shapes ${shapes.map((s) => formatLayerShape(s)).join(' and ')} cannot be joined along axis ${this.axis}: every other axis must match`);
      }
      shape.forEach((d, i) => {
        if (i !== axis && i !== 0 && out[i] === null) out[i] = d;
      });
      out[axis] = out[axis] === null || shape[axis] === null ? null : (out[axis] as number) + (shape[axis] as number);
    }
    return out;
  }

  override call(inputs: Tensor[], _context: CallContext): Tensor {
    this.checkBatch(inputs);
    return concat(inputs, this.axisFor(inputs[0].rank));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * A layer joining its inputs along an axis (default the last).
 * ```ts
 * const both = dn.layers.concatenate().apply([userFeatures, itemFeatures]);   // [null, 8] and [null, 4] -> [null, 12]
 * ```
 */
export function concatenate(options?: ConcatenateOptions): Concatenate {
  return new Concatenate(options);
}

registerLayer('Concatenate', Concatenate);
