/**
 * SeparableConv2D: a depthwise convolution (each channel with its own filters) followed by a pointwise
 * 1x1 convolution that mixes the channels (Keras' names and defaults): far fewer weights and
 * multiply-adds than a full convolution of the same window. Two fused native calls forward; the
 * strides, padding and dilation apply to the depthwise step, the bias and activation to the pointwise one.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { isGradEnabled } from '../../autograd/engine.js';
import { applyFused } from '../../ops/fused.js';
import { conv2dFused, convGeometry } from '../../ops/conv.js';
import { checkOptions } from '../../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../../regularizers.js';
import { formatLayerShape, type CallContext, type LayerVariable, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { BaseConv, checkCount, fromConfigWith } from './base-conv.js';
import { DEPTHWISE_OPTION_NAMES, type DepthwiseConv2dLayerOptions } from './depthwise-conv2d.js';

/** Options of {@link separableConv2d}: `filters` and `kernelSize` are required. */
export interface SeparableConv2dLayerOptions extends DepthwiseConv2dLayerOptions {
  /** The number of output channels. Required. */
  filters: number;
  /** Initializer of the pointwise kernel. Default `'glorotUniform'`. */
  pointwiseInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on the pointwise kernel added to the loss. */
  pointwiseRegularizer?: string | Regularizer | RegularizerConfig;
}

/** A depthwise-separable 2-D convolution layer. */
export class SeparableConv2D extends BaseConv {
  readonly className = 'SeparableConv2D';
  /** The number of output channels. */
  readonly filters: number;
  /** Depthwise outputs per input channel. */
  readonly depthMultiplier: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  /** `[kernelH, kernelW, inChannels, depthMultiplier]` (after build). */
  depthwiseKernel: LayerVariable | null = null;
  /** `[1, 1, inChannels * depthMultiplier, filters]` (after build). */
  pointwiseKernel: LayerVariable | null = null;
  /** `[filters]` (after build, when useBias). */
  bias: LayerVariable | null = null;

  constructor(options: SeparableConv2dLayerOptions) {
    const where = 'separableConv2d';
    const o = checkOptions<SeparableConv2dLayerOptions>(where, options, [...DEPTHWISE_OPTION_NAMES, 'filters', 'pointwiseInitializer', 'pointwiseRegularizer']);
    if (o.filters === undefined) throw new ValueError(`${where}: filters is required (the number of output channels), e.g. separableConv2d({ filters: 32, kernelSize: 3 })`);
    super(where, { ...o, kernelInitializer: o.depthwiseInitializer, kernelRegularizer: o.depthwiseRegularizer }, 'SeparableConv2D', 2, ['valid', 'same']);
    this.filters = checkCount(where, 'filters', o.filters);
    this.depthMultiplier = o.depthMultiplier === undefined ? 1 : checkCount(where, 'depthMultiplier', o.depthMultiplier);
    this.pointwiseInitializer = getInitializer(o.pointwiseInitializer ?? 'glorotUniform');
    this.pointwiseRegularizer = o.pointwiseRegularizer === undefined ? null : getRegularizer(o.pointwiseRegularizer);
  }

  private depthwiseFilter(channels: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], channels === 0 ? 0 : 1, channels * this.depthMultiplier];
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const channels = this.inputChannels(inputShape);
    const expected = this.depthwiseKernel === null ? null : this.depthwiseKernel.value.shape[2];
    if (expected !== null && channels !== expected) {
      throw new ShapeError(`${this.name}: expected input with ${expected} channels, got shape ${formatLayerShape(inputShape)}`);
    }
    const g = this.geometry(this.nhwcShape(inputShape, channels), this.depthwiseFilter(channels), Math.max(channels, 1), inputShape);
    return this.outputShapeOf(inputShape, g, this.filters);
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const channels = this.inputChannels(inputShape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, channels, this.depthMultiplier], this.kernelInitializer, {
      regularizer: this.kernelRegularizer ?? undefined,
    });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, channels * this.depthMultiplier, this.filters], this.pointwiseInitializer, {
      regularizer: this.pointwiseRegularizer ?? undefined,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const depthwise = this.depthwiseKernel!.value;
    const pointwise = this.pointwiseKernel!.value;
    const bias = this.bias === null ? null : this.bias.value;
    const input = this.toNhwc(x);
    const channels = input.shape[3];
    const g = this.geometry(input.shape, this.depthwiseFilter(channels), Math.max(channels, 1), x.shape);
    const recording = isGradEnabled() && (x.requiresGrad || depthwise.requiresGrad || pointwise.requiresGrad || (bias !== null && bias.requiresGrad));
    // Each step writes its own workspace buffers.
    const workspace = context.workspace;
    const first = workspace === null ? null : workspace.nested(0);
    const second = workspace === null ? null : workspace.nested(1);
    const h = applyFused(conv2dFused(this.name, input, depthwise, null, g, first), null, recording, first);
    const mix = convGeometry(this.name, h.shape, pointwise.shape, [1, 1], [1, 1], 'valid', 1);
    const y = applyFused(conv2dFused(this.name, h, pointwise, bias, mix, second), context.logits ? null : this.activation, recording, second);
    const output = this.fromNhwc(y);
    this.addActivityPenalty(output, x.shape[0], context.losses);
    return output;
  }

  override getConfig(): Record<string, unknown> {
    const { kernelInitializer, kernelRegularizer, ...config } = super.getConfig();
    return {
      ...config, filters: this.filters, depthMultiplier: this.depthMultiplier, depthwiseInitializer: kernelInitializer,
      depthwiseRegularizer: kernelRegularizer, pointwiseInitializer: serializeInitializer(this.pointwiseInitializer),
      pointwiseRegularizer: this.pointwiseRegularizer === null ? null : serializeRegularizer(this.pointwiseRegularizer),
    };
  }

  /** Rebuilds the layer from {@link SeparableConv2D.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): SeparableConv2D {
    return fromConfigWith('SeparableConv2D', config, (options) => new SeparableConv2D(options as unknown as SeparableConv2dLayerOptions));
  }
}

/**
 * A depthwise-separable 2-D convolution layer (as in MobileNet and Xception).
 * ```ts
 * dn.layers.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' });
 * ```
 */
export function separableConv2d(options: SeparableConv2dLayerOptions): SeparableConv2D {
  return new SeparableConv2D(options);
}

registerLayer('SeparableConv2D', SeparableConv2D);
