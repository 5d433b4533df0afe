/**
 * Masking layer (Keras `Masking`): marks as padding every step whose features all equal `maskValue`.
 * The output is the input with those steps set to 0, and it carries a mask (0 at those steps) that the
 * following recurrent and attention layers and the loss respect.
 */
import { ShapeError } from '../errors.js';
import { allocateStorage, makeTensor, type Tensor } from '../tensor.js';
import { where } from '../ops/compare.js';
import { contiguous } from '../ops/shape.js';
import { checkNumber, checkOptions } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type LayerOptions, type MaskInput, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link masking}. */
export interface MaskingOptions extends LayerOptions {
  /** A step whose features all equal this is padding. Default 0. */
  maskValue?: number;
}

/** Marks all-`maskValue` steps as padding. Create one with `dn.layers.masking({ maskValue })`. */
export class Masking extends Layer {
  readonly className = 'Masking';
  /** The padding value. */
  readonly maskValue: number;
  /** The mask of the last input seen, kept for computeMask (asked right after call). */
  private last: { input: Tensor; mask: Tensor } | null = null;

  constructor(options: MaskingOptions = {}) {
    const where = 'masking';
    const o = checkOptions<MaskingOptions>(where, options, [...LAYER_OPTION_NAMES, 'maskValue']);
    super(where, o, 'Masking');
    this.maskValue = o.maskValue === undefined ? 0 : checkNumber(where, 'maskValue', o.maskValue);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length < 3 || Array.isArray(inputShape[0])) {
      throw new ShapeError(`${this.name}: expected input of rank at least 3 ([batch, steps, features]), got shape ${formatLayerShape(inputShape)}`);
    }
    return inputShape.slice();
  }

  /** Any shape of rank 3 or more fits. */
  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  /** 1 where some feature of the step differs from maskValue, shaped like the input without its last axis. */
  private maskOf(x: Tensor): Tensor {
    if (this.last !== null && this.last.input === x) return this.last.mask;
    const values = contiguous(x.detach()).storage;
    const features = x.shape[x.rank - 1];
    const steps = features === 0 ? 0 : values.length / features;
    const keep = allocateStorage('float32', steps) as Float32Array;
    const value = this.maskValue;
    for (let s = 0; s < steps; s++) {
      for (let f = s * features, end = f + features; f < end; f++) {
        if (values[f] !== value) {
          keep[s] = 1;
          break;
        }
      }
    }
    const mask = makeTensor(keep, x.shape.slice(0, -1));
    this.last = { input: x, mask };
    return mask;
  }

  override call(x: Tensor): Tensor {
    const mask = this.maskOf(x);
    return where(mask.reshape([...mask.shape, 1]), x, 0);
  }

  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: MaskInput): Tensor | null {
    return Array.isArray(inputs) ? null : this.maskOf(inputs);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

/**
 * A layer that marks padded steps: those whose features all equal `maskValue` (default 0).
 * ```ts
 * dn.layers.masking({ maskValue: 0, inputShape: [20, 8] });   // zero-padded sequences of 8 features
 * ```
 */
export function masking(options?: MaskingOptions): Masking {
  return new Masking(options);
}

registerLayer('Masking', Masking);
