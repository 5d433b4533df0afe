/**
 * Reshape layer: gives each sample a new shape with the same number of elements
 * (`targetShape` excludes the batch dimension; one entry may be -1). A view of the input when it
 * is contiguous.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkIntegerArray, checkOptions, formatList, MAX_RANK, typeError } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link reshape}. */
export interface ReshapeOptions extends LayerOptions {
  /** The shape of each output sample, without the batch dimension; one entry may be -1 (inferred). Required. */
  targetShape: readonly number[];
}

/** Reshapes each sample. */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  /** The target shape of a sample (may hold one -1). */
  readonly targetShape: readonly number[];

  constructor(options: ReshapeOptions) {
    const where = 'reshape';
    const o = checkOptions<ReshapeOptions>(where, options, [...LAYER_OPTION_NAMES, 'targetShape']);
    if (o.targetShape === undefined) throw new ValueError(`${where}: targetShape is required, e.g. reshape({ targetShape: [8, 8] })`);
    super(where, o, 'Reshape');
    if (!Array.isArray(o.targetShape)) typeError(where, 'targetShape', 'an array of positive integers (one may be -1)', o.targetShape);
    const target = checkIntegerArray(where, 'targetShape', o.targetShape, -1, 2 ** 31 - 1, MAX_RANK);
    if (target.some((d) => d === 0)) throw new ValueError(`${where}: targetShape entries must be positive (or one -1), got ${formatList(target)}`);
    if (target.filter((d) => d === -1).length > 1) throw new ValueError(`${where}: at most one targetShape entry may be -1, got ${formatList(target)}`);
    this.targetShape = target;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    let size: number | null = 1;
    for (let i = 1; i < inputShape.length; i++) {
      const d = inputShape[i];
      size = d === null || size === null ? null : size * d;
    }
    const known = this.targetShape.reduce((p, d) => (d === -1 ? p : p * d), 1);
    const free = this.targetShape.indexOf(-1);
    const describeTarget = `[${this.targetShape.join(', ')}]`;
    if (size === null) {
      if (free === -1) return [inputShape[0] ?? null, ...this.targetShape];
      return [inputShape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    }
    if (free === -1 ? known !== size : size % known !== 0) {
      throw new ShapeError(
        `${this.name}: cannot reshape input of shape ${formatLayerShape(inputShape)} (${size} elements per sample) to target shape ${describeTarget}${free === -1 ? ` (${known} elements)` : ''}`,
      );
    }
    return [inputShape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? size! / known : d))];
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const out = this.computeOutputShape([null, ...x.shape.slice(1)]);
    return x.reshape([x.shape[0], ...(out.slice(1) as number[])]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape.slice() };
  }
}

/**
 * A layer that reshapes each sample: `[batch, 64]` → `[batch, 8, 8]` with `targetShape: [8, 8]`.
 */
export function reshape(options: ReshapeOptions): Reshape {
  return new Reshape(options);
}

registerLayer('Reshape', Reshape);
