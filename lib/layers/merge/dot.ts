/**
 * Dot layer: the dot product of two inputs along an axis of each (`axes`, counting the batch axis
 * as 0), sample by sample, as Keras's `Dot` (`batch_dot`): for inputs `[batch, k]` and `[batch, k]`
 * the output is `[batch, 1]`; for `[batch, n, k]` and `[batch, m, k]` with `axes: 2` it is
 * `[batch, n, m]`. With `normalize`, each input is divided by its L2 norm along its axis first, so
 * the output is the cosine similarity. Inputs of rank 2 or 3 (both the same rank).
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkInteger, typeError } from '../../validate.js';
import { formatLayerShape, type CallContext, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import { Merge, type MergeOptions } from './merge.js';

/** Options of {@link dot}. */
export interface DotOptions extends MergeOptions {
  /** The axis of each input to sum the products over: one for both, or `[axisOfFirst, axisOfSecond]` (batch axis 0 excluded; negative counts from the end). Required. */
  axes: number | readonly [number, number];
  /** Divide each input by its L2 norm along its axis first (the cosine similarity). Default false. */
  normalize?: boolean;
}

/** Keras's L2 normalization floor: x / sqrt(max(sum(x^2), 1e-12)). */
export const NORM_FLOOR = 1e-12;

/** The sample-wise dot product of two inputs. */
export class Dot extends Merge {
  readonly className = 'Dot';
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;
  /** The axes as given. */
  readonly axes: number | readonly [number, number];
  /** Whether the inputs are L2-normalized first. */
  readonly normalize: boolean;

  constructor(options: DotOptions) {
    const where = 'dot';
    super(where, options, 'Dot', ['axes', 'normalize']);
    const axes = options?.axes;
    if (axes === undefined) throw new ValueError(`${where}: axes is required, e.g. dot({ axes: 1 }) for the dot product of two [batch, k] inputs`);
    if (Array.isArray(axes)) {
      if (axes.length !== 2) typeError(where, 'axes', 'an integer or an array of two integers', axes);
      this.axes = [checkInteger(where, 'axes[0]', axes[0], -3, 2), checkInteger(where, 'axes[1]', axes[1], -3, 2)];
    } else {
      this.axes = checkInteger(where, 'axes', axes, -3, 2);
    }
    this.normalize = options.normalize === undefined ? false : checkBoolean(where, 'normalize', options.normalize);
  }

  /** Both axes as indices into shapes of `rank`, checked. */
  private axesFor(rank: number): [number, number] {
    const given: readonly number[] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    return given.map((a) => {
      const axis = a < 0 ? a + rank : a;
      if (axis < 1 || axis >= rank) throw new ValueError(`${this.name}: axis ${a} is out of range for inputs of rank ${rank} (the batch axis 0 is not summed over)`);
      return axis;
    }) as [number, number];
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    const [a, b] = this.inputShapes(inputShape);
    if (a.length !== b.length || a.length < 2 || a.length > 3) {
      throw new ShapeError(`${this.name}: expected two inputs of the same rank, 2 or 3, got shapes ${formatLayerShape(a)} and ${formatLayerShape(b)}`);
    }
    const [axisA, axisB] = this.axesFor(a.length);
    if (a[axisA] !== null && b[axisB] !== null && a[axisA] !== b[axisB]) {
      throw new ShapeError(`${this.name}: cannot take the dot product of shapes ${formatLayerShape(a)} and ${formatLayerShape(b)} along axes ${axisA} and ${axisB}: ${a[axisA]} and ${b[axisB]} differ`);
    }
    const out: Shape = [...a.filter((_, i) => i !== axisA), ...b.filter((_, i) => i !== 0 && i !== axisB)];
    return out.length === 1 ? [out[0], 1] : out;
  }

  override call(inputs: Tensor[], _context: CallContext): Tensor {
    this.checkBatch(inputs);
    let [a, b] = inputs;
    const [axisA, axisB] = this.axesFor(a.rank);
    if (this.normalize) {
      a = a.div(a.square().sum(axisA, true).maximum(NORM_FLOOR).sqrt());
      b = b.div(b.square().sum(axisB, true).maximum(NORM_FLOOR).sqrt());
    }
    if (a.rank === 2) return a.mul(b).sum(1, true);
    // [batch, n, k] . [batch, k, m] as one batched GEMM, the summed axes brought into place by transposes.
    return a.matmul(b, { transposeA: axisA === 1, transposeB: axisB === 2 });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: Array.isArray(this.axes) ? this.axes.slice() : this.axes, normalize: this.normalize };
  }
}

/**
 * A layer taking the sample-wise dot product of two inputs (a two-tower recommender's score).
 * ```ts
 * const score = dn.layers.dot({ axes: 1 }).apply([userVector, itemVector]);   // [null, 1]
 * const cosine = dn.layers.dot({ axes: 1, normalize: true }).apply([u, v]);
 * ```
 */
export function dot(options: DotOptions): Dot {
  return new Dot(options);
}

registerLayer('Dot', Dot);
