/**
 * Layer normalization (Keras `LayerNormalization`, TensorFlow.js `layerNormalization`): each sample is
 * normalized over `axis` (default the last) with its own mean and variance, then scaled by `gamma` and
 * shifted by `beta`, learned per element of the normalized axes. One native pass forwards and one
 * backwards (`dn.layerNorm`). Unlike batch normalization it keeps no statistics, so training and
 * inference compute the same thing; masks pass through unchanged (Keras' `supports_masking`).
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBoolean, checkNumber, checkOptions, valueError } from '../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../regularizers.js';
import { layerNormAxes, layerNormRows } from '../ops/normalization.js';
import { permute } from '../ops/shape.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link layerNormalization}. */
export interface LayerNormalizationOptions extends LayerOptions {
  /** The axis or axes normalized over (batch axis excluded). Default -1, the last. */
  axis?: number | readonly number[];
  /** Added to the variance. Default 0.001. */
  epsilon?: number;
  /** Whether to add the learned offset `beta`. Default true. */
  center?: boolean;
  /** Whether to multiply by the learned scale `gamma`. Default true. */
  scale?: boolean;
  /** Initializer of `beta`. Default `'zeros'`. */
  betaInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of `gamma`. Default `'ones'`. */
  gammaInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on `beta` added to the loss. */
  betaRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on `gamma` added to the loss. */
  gammaRegularizer?: string | Regularizer | RegularizerConfig;
}

const OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer',
];

/** Normalizes each sample over some axes. Create one with `dn.layers.layerNormalization()`. */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  /** The normalized axes as given (negative counts from the end). */
  readonly axis: number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  /** The learned scale, shaped like the normalized axes (after build, when `scale`). */
  gamma: LayerVariable | null = null;
  /** The learned offset (after build, when `center`). */
  beta: LayerVariable | null = null;

  constructor(options: LayerNormalizationOptions = {}) {
    const where = 'layerNormalization';
    const o = checkOptions<LayerNormalizationOptions>(where, options, OPTION_NAMES);
    super(where, o, 'LayerNormalization');
    const axis = o.axis === undefined ? [-1] : typeof o.axis === 'number' ? [o.axis] : o.axis;
    if (!Array.isArray(axis) || axis.length === 0 || axis.some((a) => !Number.isInteger(a))) {
      valueError(where, 'axis', 'an integer or a non-empty array of integers', o.axis);
    }
    this.axis = axis.slice();
    this.epsilon = o.epsilon === undefined ? 0.001 : checkNumber(where, 'epsilon', o.epsilon);
    if (!(this.epsilon >= 0) || !Number.isFinite(this.epsilon)) valueError(where, 'epsilon', 'a finite number >= 0', this.epsilon);
    this.center = o.center === undefined ? true : checkBoolean(where, 'center', o.center);
    this.scale = o.scale === undefined ? true : checkBoolean(where, 'scale', o.scale);
    this.betaInitializer = getInitializer(o.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(o.gammaInitializer ?? 'ones');
    this.betaRegularizer = o.betaRegularizer === undefined ? null : getRegularizer(o.betaRegularizer);
    this.gammaRegularizer = o.gammaRegularizer === undefined ? null : getRegularizer(o.gammaRegularizer);
  }

  /** The normalized axes of an input of `rank` (sorted, non-negative) and the permutation moving them last. */
  private axesFor(rank: number): ReturnType<typeof layerNormAxes> {
    const resolved = layerNormAxes(this.name, this.axis, rank);
    if (resolved.axes[0] === 0) throw new ShapeError(`${this.name}: axis cannot include the batch axis 0, got [${this.axis.join(', ')}]`);
    return resolved;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length < 2) throw new ShapeError(`${this.name}: expected input of rank at least 2 ([batch, features]), got shape ${formatLayerShape(inputShape)}`);
    const { axes } = this.axesFor(inputShape.length);
    const expected = this.gamma?.shape ?? this.beta?.shape ?? null;
    for (let i = 0; i < axes.length; i++) {
      const d = inputShape[axes[i]];
      if (d === null) throw new ShapeError(`${this.name}: the normalized axis ${axes[i]} must have a known size, got shape ${formatLayerShape(inputShape)}`);
      if (expected !== null && d !== expected[i]) {
        throw new ShapeError(`${this.name}: expected the normalized axes to have shape [${expected.join(', ')}], got input shape ${formatLayerShape(inputShape)}`);
      }
    }
    return inputShape.slice();
  }

  /** Any input whose normalized axes have the built sizes fits (other axes, such as the steps, may vary). */
  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const { axes } = this.axesFor(inputShape.length);
    const shape = axes.map((a) => inputShape[a] as number);
    if (this.scale) this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer ?? undefined });
    if (this.center) this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const { axes, perm } = this.axesFor(x.rank);
    const cols = axes.reduce((p, a) => p * x.shape[a], 1);
    const input = perm === null ? x : permute(x, perm);
    const workspace = context.workspace;
    const out = workspace === null || perm !== null ? undefined : workspace.floats('y', x.size);
    const y = layerNormRows(input, cols, this.gamma?.value ?? null, this.beta?.value ?? null, this.epsilon, out);
    return perm === null ? y : permute(y, perm.map((_, i) => perm.indexOf(i)));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis.length === 1 ? this.axis[0] : this.axis.slice(),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      betaRegularizer: this.betaRegularizer === null ? null : serializeRegularizer(this.betaRegularizer),
      gammaRegularizer: this.gammaRegularizer === null ? null : serializeRegularizer(this.gammaRegularizer),
    };
  }

  /** Rebuilds the layer from {@link LayerNormalization.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): LayerNormalization {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    return new LayerNormalization(options as LayerNormalizationOptions);
  }
}

/**
 * A layer normalization layer: `(x - mean) / sqrt(variance + epsilon) * gamma + beta` per sample over
 * the last axis (or `axis`), as in Transformer blocks.
 * ```ts
 * dn.layers.layerNormalization({ epsilon: 1e-5 });
 * ```
 */
export function layerNormalization(options?: LayerNormalizationOptions): LayerNormalization {
  return new LayerNormalization(options);
}

registerLayer('LayerNormalization', LayerNormalization);
