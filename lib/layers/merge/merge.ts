/**
 * The base of the merge layers: layers applied to an array of inputs (`layer.apply([a, b])`) that
 * combine them into one output, as Keras's `Merge` layers do.
 *
 * The elementwise merges (add, subtract, multiply, average, maximum, minimum) broadcast as Keras
 * does: the shapes without the batch axis are aligned from the right, and a dimension of 1 (or one
 * not known yet) stretches to the other; an input of lower rank gets axes of size 1 inserted after
 * its batch axis. Every input must have the same number of samples. Gradients come from the tensor
 * ops the merges are written with, so each is differentiated like any op.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { reshapeTo } from '../../ops/shape.js';
import { checkOptions } from '../../validate.js';
import { formatLayerShape, isShapeList, Layer, type CallContext, type LayerOptions, type Shape, type ShapeLike } from '../layer.js';

/** Options of every merge layer. */
export interface MergeOptions {
  /** A name unique within the model. Default `<type>_<n>` such as `add_1`. */
  name?: string;
  /** Accepted for symmetry with other layers; a merge layer has no weights. */
  trainable?: boolean;
}

/** The option names of {@link MergeOptions}. */
export const MERGE_OPTION_NAMES = ['name', 'trainable'] as const;

/** A layer combining an array of inputs into one output. */
export abstract class Merge extends Layer {
  /** The fewest inputs the layer takes. */
  protected readonly minInputs: number = 1;
  /** The most inputs the layer takes. */
  protected readonly maxInputs: number = Infinity;

  protected constructor(where: string, options: MergeOptions | undefined, className: string, extraOptions: readonly string[] = []) {
    const o = checkOptions<MergeOptions>(where, options, [...MERGE_OPTION_NAMES, ...extraOptions]);
    const base: LayerOptions = {};
    if (o.name !== undefined) base.name = o.name;
    if (o.trainable !== undefined) base.trainable = o.trainable;
    super(where, base, className);
  }

  /** Checks that `inputShape` is a list of shapes of an accepted length; returns it. */
  protected inputShapes(inputShape: ShapeLike | readonly ShapeLike[]): readonly ShapeLike[] {
    if (!isShapeList(inputShape)) {
      throw new ValueError(`${this.name}: a merge layer is applied to an array of inputs (layer.apply([a, b])), got one input of shape ${formatLayerShape(inputShape)}`);
    }
    const count = inputShape.length;
    if (count < this.minInputs || count > this.maxInputs) {
      const expected = this.minInputs === this.maxInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`;
      throw new ValueError(`${this.name}: expected ${expected} input${this.minInputs === 1 && this.maxInputs === 1 ? '' : 's'}, got ${count}`);
    }
    for (const shape of inputShape) {
      if (shape.length < 1) throw new ShapeError(`${this.name}: every input needs a batch axis, got shape ${formatLayerShape(shape)}`);
    }
    return inputShape;
  }

  /** Every input must hold the same number of samples. */
  protected checkBatch(inputs: readonly Tensor[]): void {
    const batch = inputs[0].shape[0];
    for (let i = 1; i < inputs.length; i++) {
      if (inputs[i].shape[0] !== batch) {
        throw new ShapeError(`${this.name}: every input must have the same number of samples, got shapes ${inputs.map((t) => formatLayerShape(t.shape)).join(' and ')}`);
      }
    }
  }
}

/**
 * The output shape of an elementwise merge of two shapes without their batch axis, aligned from
 * the right (Keras's `_compute_elemwise_op_output_shape`), or null when they cannot broadcast.
 */
function broadcastShapes(a: ShapeLike, b: ShapeLike): Shape | null {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const out: Shape = long.slice(0, long.length - short.length);
  for (let i = 0; i < short.length; i++) {
    const x = long[long.length - short.length + i];
    const y = short[i];
    if (x === null || y === null) out.push(x === 1 ? y : y === 1 ? x : null);
    else if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else return null;
  }
  return out;
}

/**
 * An elementwise merge: the inputs combined pairwise, left to right, by one differentiable op
 * (`combine`), then `finish` (the average's division).
 */
export abstract class ElementwiseMerge extends Merge {
  /** Combines two aligned inputs. */
  protected abstract combine(a: Tensor, b: Tensor): Tensor;

  /** The last touch on the combined result (the default returns it as is). */
  protected finish(result: Tensor, _count: number): Tensor {
    return result;
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    const shapes = this.inputShapes(inputShape);
    let out: Shape | null = shapes[0].slice(1);
    for (let i = 1; i < shapes.length && out !== null; i++) out = broadcastShapes(out, shapes[i].slice(1));
    if (out === null) {
      throw new ShapeError(`${this.name}: inputs of shapes ${shapes.map((s) => formatLayerShape(s)).join(' and ')} cannot be merged elementwise (their dimensions differ and neither is 1)`);
    }
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null));
    return [batches.size === 1 ? [...batches][0] : null, ...out];
  }

  override call(inputs: Tensor[], _context: CallContext): Tensor {
    this.checkBatch(inputs);
    const rank = Math.max(...inputs.map((t) => t.rank));
    // An input of lower rank gets axes of 1 after its batch axis (Keras), then the ops broadcast.
    const aligned = inputs.map((t) => (t.rank === rank ? t : reshapeTo(t, [t.shape[0], ...new Array<number>(rank - t.rank).fill(1), ...t.shape.slice(1)])));
    let result = aligned[0];
    for (let i = 1; i < aligned.length; i++) result = this.combine(result, aligned[i]);
    return this.finish(result, aligned.length);
  }
}
