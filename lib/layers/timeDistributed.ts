/**
 * TimeDistributed wrapper (Keras `TimeDistributed`): applies a layer to every step of a sequence
 * independently, with the same weights. The steps are folded into the batch (`[batch, steps, ...]` →
 * `[batch * steps, ...]`), the layer runs once on all of them, and the result is unfolded; the mask
 * passes through.
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { reshape } from '../ops/shape.js';
import { checkObject, checkOptions, formatShape, typeError } from '../validate.js';
import {
  formatLayerShape, isShapeList, Layer, LAYER_OPTION_NAMES, type AnyLayer, type CallContext, type LayerOptions, type LayerVariable, type Shape,
  type ShapeLike,
} from './layer.js';
import { deserializeLayer, registerLayer, serializeLayer } from './registry.js';

/** Options of {@link timeDistributed}. */
export interface TimeDistributedOptions extends LayerOptions {
  /** The layer applied to each step (one input, one output). Required. */
  layer: Layer;
}

interface RandomStateful {
  getRandomState(): number[];
  setRandomState(state: readonly number[]): void;
}

/** A layer applied to every step. Create one with `dn.layers.timeDistributed({ layer })`. */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  /** The layer applied to each step. */
  readonly layer: Layer;

  constructor(options: TimeDistributedOptions) {
    const where = 'timeDistributed';
    const o = checkOptions<TimeDistributedOptions>(where, options, [...LAYER_OPTION_NAMES, 'layer']);
    if (!(o.layer instanceof Layer)) typeError(where, 'layer', 'a layer (e.g. dn.layers.dense({ units: 8 }))', o.layer);
    super(where, o, 'TimeDistributed');
    this.layer = o.layer;
  }

  override get weights(): LayerVariable[] {
    return this.layer.weights;
  }

  override get trainableWeights(): LayerVariable[] {
    return this.trainable ? this.layer.trainableWeights : [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.trainable ? this.layer.nonTrainableWeights : this.weights;
  }

  /** The shape one step has for the wrapped layer: the batch, then what follows the steps. */
  private stepShape(inputShape: ShapeLike): Shape {
    if (inputShape.length < 3) {
      throw new ShapeError(`${this.name}: expected input of rank at least 3 ([batch, steps, ...]), got shape ${formatLayerShape(inputShape)}`);
    }
    return [null, ...inputShape.slice(2)];
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    if (isShapeList(inputShape)) throw new ShapeError(`${this.name}: takes one input, got ${inputShape.length}`);
    const inner = this.layer.computeOutputShape(this.stepShape(inputShape));
    if (isShapeList(inner as ShapeLike | readonly ShapeLike[])) throw new ShapeError(`${this.name}: the wrapped layer ${this.layer.name} must return one tensor`);
    return [inputShape[0], inputShape[1], ...(inner as Shape).slice(1)];
  }

  protected override buildWeights(inputShape: Shape): void {
    this.layer.build(this.stepShape(inputShape));
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const [batch, steps] = x.shape;
    const folded = reshape(x, [batch * steps, ...x.shape.slice(2)]);
    this.layer.checkInputShape(folded.shape);
    const y = this.layer.call(folded, { ...context, workspace: context.workspace === null ? null : context.workspace.nested(0), mask: null });
    if (y.shape[0] !== batch * steps) {
      throw new ShapeError(`${this.name}: the wrapped layer ${this.layer.name} changed the number of rows (${batch * steps} in, shape ${formatShape(y.shape)} out)`);
    }
    return reshape(y, [batch, steps, ...y.shape.slice(1)]);
  }

  /** The mask of the sequence passes through. */
  override get supportsMasking(): boolean {
    return true;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: serializeLayer(this.layer) };
  }

  /** Rebuilds a TimeDistributed wrapper from {@link TimeDistributed.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): TimeDistributed {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    options.layer = deserializeLayer(checkObject('TimeDistributed.fromConfig', 'layer', config.layer));
    return new TimeDistributed(options as unknown as TimeDistributedOptions);
  }

  /** @internal The wrapped layer's random state (a dropout's), or none. */
  getRandomState(): number[] {
    const inner = this.layer as Partial<RandomStateful>;
    return typeof inner.getRandomState === 'function' ? inner.getRandomState() : [];
  }

  /** @internal Restores {@link TimeDistributed.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    const inner = this.layer as AnyLayer & Partial<RandomStateful>;
    if (typeof inner.setRandomState === 'function') inner.setRandomState(state);
  }
}

/**
 * A layer applied to every step of a sequence with the same weights (Keras `TimeDistributed`).
 * ```ts
 * dn.layers.timeDistributed({ layer: dn.layers.dense({ units: 10, activation: 'softmax' }) });   // [batch, steps, 10]
 * ```
 */
export function timeDistributed(options: TimeDistributedOptions): TimeDistributed {
  return new TimeDistributed(options);
}

registerLayer('TimeDistributed', TimeDistributed);
