/**
 * BatchNormalization (Keras' names and defaults): normalizes each channel with the batch's mean and
 * variance while training, and with moving averages of them at inference, then scales by gamma and
 * shifts by beta. The moving statistics are non-trainable weights, updated during training
 * (`moving = moving * momentum + batch * (1 - momentum)`, the batch's biased variance, as Keras).
 *
 * Inference mode, as in Keras: when not training (predict, evaluate), and also while training when
 * the layer (or a model around it) is frozen (`trainable = false`): then it uses its moving statistics
 * and leaves them alone, the usual way to fine-tune a pretrained network. Each mode is one pass of the
 * native kernels forward (statistics, then the per-channel affine map) and one backward.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkRange } from '../../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../../regularizers.js';
import { batchNormInference, batchNormTraining } from '../../ops/normalization.js';
import { permute } from '../../ops/shape.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationOptions extends LayerOptions {
  /** The channel axis (the others are normalized over). Default -1 (channelsLast); 1 for channelsFirst. */
  axis?: number;
  /** Of the moving averages, in [0, 1]. Default 0.99. */
  momentum?: number;
  /** Added to the variance. Default 0.001. */
  epsilon?: number;
  /** Add beta (a learned shift). Default true. */
  center?: boolean;
  /** Multiply by gamma (a learned scale). Default true. */
  scale?: boolean;
  betaInitializer?: string | Initializer | InitializerConfig;
  gammaInitializer?: string | Initializer | InitializerConfig;
  movingMeanInitializer?: string | Initializer | InitializerConfig;
  movingVarianceInitializer?: string | Initializer | InitializerConfig;
  betaRegularizer?: string | Regularizer | RegularizerConfig;
  gammaRegularizer?: string | Regularizer | RegularizerConfig;
}

const OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer',
  'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer',
];

/** Batch normalization over one channel axis. */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  /** `[channels]` weights, after build (gamma and beta only with scale and center). */
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;
  movingMean: LayerVariable | null = null;
  movingVariance: LayerVariable | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    const where = 'batchNormalization';
    const o = checkOptions<BatchNormalizationOptions>(where, options, OPTION_NAMES);
    super(where, o, 'BatchNormalization');
    this.axis = o.axis === undefined ? -1 : checkInteger(where, 'axis', o.axis, -64, 63);
    if (this.axis === 0) throw new ValueError(`${where}: axis 0 is the batch; give the channel axis (-1 for channelsLast, 1 for channelsFirst)`);
    this.momentum = o.momentum === undefined ? 0.99 : checkRange(where, 'momentum', o.momentum, 0, 1);
    this.epsilon = o.epsilon === undefined ? 0.001 : checkNumber(where, 'epsilon', o.epsilon);
    if (this.epsilon < 0) throw new ValueError(`${where}: epsilon must be >= 0, got ${this.epsilon}`);
    this.center = o.center === undefined ? true : checkBoolean(where, 'center', o.center);
    this.scale = o.scale === undefined ? true : checkBoolean(where, 'scale', o.scale);
    this.betaInitializer = getInitializer(o.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(o.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = getInitializer(o.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(o.movingVarianceInitializer ?? 'ones');
    this.betaRegularizer = o.betaRegularizer === undefined ? null : getRegularizer(o.betaRegularizer);
    this.gammaRegularizer = o.gammaRegularizer === undefined ? null : getRegularizer(o.gammaRegularizer);
  }

  /** The channel axis for inputs of `rank`, in [1, rank); a ShapeError names the layer otherwise. */
  private channelAxis(shape: readonly (number | null)[]): number {
    const rank = shape.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (rank < 2 || axis < 1 || axis >= rank) {
      throw new ShapeError(`${this.name}: axis ${this.axis} is not a channel axis of inputs of shape ${formatLayerShape(shape)} (it needs rank >= 2 and an axis other than the batch)`);
    }
    return axis;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const axis = this.channelAxis(inputShape);
    const channels = inputShape[axis];
    if (channels === null) throw new ShapeError(`${this.name}: the size of axis ${this.axis} must be known, got shape ${formatLayerShape(inputShape)}`);
    const expected = this.movingMean === null ? null : this.movingMean.value.shape[0];
    if (expected !== null && channels !== expected) {
      throw new ShapeError(`${this.name}: expected input with ${expected} channels on axis ${this.axis}, got shape ${formatLayerShape(inputShape)}`);
    }
    return inputShape.slice();
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const channels = inputShape[this.channelAxis(inputShape)] as number;
    if (this.scale) this.gamma = this.addWeight('gamma', [channels], this.gammaInitializer, { regularizer: this.gammaRegularizer ?? undefined });
    if (this.center) this.beta = this.addWeight('beta', [channels], this.betaInitializer, { regularizer: this.betaRegularizer ?? undefined });
    this.movingMean = this.addWeight('moving_mean', [channels], this.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [channels], this.movingVarianceInitializer, { trainable: false });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const axis = this.channelAxis(x.shape);
    const last = x.rank - 1;
    // The channel axis moved last (a view), and back after.
    const perm = axis === last ? null : x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
    const input = perm === null ? x : permute(x, perm);
    const gamma = this.gamma === null ? null : this.gamma.value;
    const beta = this.beta === null ? null : this.beta.value;
    const out = context.workspace === null ? undefined : context.workspace.floats('y', x.size);
    let y: Tensor;
    if (context.training && context.trainable !== false) {
      const result = batchNormTraining(this.name, input, gamma, beta, this.epsilon, out);
      this.updateMovingAverage(this.movingMean!, result.statistics.mean);
      this.updateMovingAverage(this.movingVariance!, result.statistics.variance);
      y = result.y;
    } else {
      y = batchNormInference(this.name, input, this.movingMean!.value, this.movingVariance!.value, gamma, beta, this.epsilon, out);
    }
    return perm === null ? y : permute(y, perm);
  }

  /** moving = moving * momentum + batch * (1 - momentum), in place, in float32. */
  private updateMovingAverage(variable: LayerVariable, batch: Float32Array): void {
    const values = variable.value.storage as Float32Array;
    const keep = Math.fround(this.momentum);
    const take = Math.fround(1 - this.momentum);
    for (let c = 0; c < values.length; c++) values[c] = Math.fround(values[c] * keep) + Math.fround(batch[c] * take);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: this.betaRegularizer === null ? null : serializeRegularizer(this.betaRegularizer),
      gammaRegularizer: this.gammaRegularizer === null ? null : serializeRegularizer(this.gammaRegularizer),
    };
  }
}

/**
 * A batch normalization layer.
 * ```ts
 * dn.layers.batchNormalization();              // channels last (axis -1)
 * dn.layers.batchNormalization({ axis: 1 });   // channelsFirst feature maps
 * ```
 */
export function batchNormalization(options?: BatchNormalizationOptions): BatchNormalization {
  return new BatchNormalization(options);
}

registerLayer('BatchNormalization', BatchNormalization);
