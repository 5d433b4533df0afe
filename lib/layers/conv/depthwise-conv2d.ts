/**
 * DepthwiseConv2D: each input channel convolved with its own `depthMultiplier` filters (Keras' names
 * and defaults), the first half of a separable convolution. One fused native call forward: a grouped
 * convolution with one group per channel, which the kernels run as their own channel-vectorised loops.
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { isGradEnabled } from '../../autograd/engine.js';
import { applyFused } from '../../ops/fused.js';
import { conv2dFused } from '../../ops/conv.js';
import { checkOptions } from '../../validate.js';
import type { Initializer, InitializerConfig } from '../../initializers.js';
import type { Regularizer, RegularizerConfig } from '../../regularizers.js';
import { formatLayerShape, type CallContext, type LayerVariable, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { BaseConv, BASE_CONV_OPTION_NAMES, checkCount, fromConfigWith, type BaseConvOptions } from './base-conv.js';

/** Options of {@link depthwiseConv2d}: `kernelSize` is required. */
export interface DepthwiseConv2dLayerOptions extends Omit<BaseConvOptions, 'kernelInitializer' | 'kernelRegularizer'> {
  /** Output channels per input channel. Default 1. */
  depthMultiplier?: number;
  /** Initializer of the depthwise kernel. Default `'glorotUniform'`. */
  depthwiseInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on the depthwise kernel added to the loss. */
  depthwiseRegularizer?: string | Regularizer | RegularizerConfig;
}

/** The option names of a depthwise convolution (Keras' `depthwise…` for the kernel's). */
export const DEPTHWISE_OPTION_NAMES = [
  ...BASE_CONV_OPTION_NAMES.filter((n) => n !== 'kernelInitializer' && n !== 'kernelRegularizer'), 'depthMultiplier', 'depthwiseInitializer',
  'depthwiseRegularizer',
];

/** A depthwise 2-D convolution layer. */
export class DepthwiseConv2D extends BaseConv {
  readonly className = 'DepthwiseConv2D';
  /** Output channels per input channel. */
  readonly depthMultiplier: number;
  /** The depthwise kernel `[kernelH, kernelW, inChannels, depthMultiplier]` (after build). */
  depthwiseKernel: LayerVariable | null = null;
  /** The bias `[inChannels * depthMultiplier]` (after build, when useBias). */
  bias: LayerVariable | null = null;

  constructor(options: DepthwiseConv2dLayerOptions) {
    const where = 'depthwiseConv2d';
    const o = checkOptions<DepthwiseConv2dLayerOptions>(where, options, DEPTHWISE_OPTION_NAMES);
    super(where, { ...o, kernelInitializer: o.depthwiseInitializer, kernelRegularizer: o.depthwiseRegularizer }, 'DepthwiseConv2D', 2, ['valid', 'same']);
    this.depthMultiplier = o.depthMultiplier === undefined ? 1 : checkCount(where, 'depthMultiplier', o.depthMultiplier);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const channels = this.inputChannels(inputShape);
    const expected = this.depthwiseKernel === null ? null : this.depthwiseKernel.value.shape[2];
    if (expected !== null && channels !== expected) {
      throw new ShapeError(`${this.name}: expected input with ${expected} channels, got shape ${formatLayerShape(inputShape)}`);
    }
    const g = this.geometry(this.nhwcShape(inputShape, channels), this.groupedFilter(channels), Math.max(channels, 1), inputShape);
    return this.outputShapeOf(inputShape, g, channels * this.depthMultiplier);
  }

  /** The kernel as a grouped convolution's filter: [kh, kw, c, m] is [kh, kw, 1, c * m] in memory. */
  private groupedFilter(channels: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], channels === 0 ? 0 : 1, channels * this.depthMultiplier];
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const channels = this.inputChannels(inputShape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, channels, this.depthMultiplier], this.kernelInitializer, {
      regularizer: this.kernelRegularizer ?? undefined,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [channels * this.depthMultiplier], this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined });
    }
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const kernel = this.depthwiseKernel!.value;
    const bias = this.bias === null ? null : this.bias.value;
    const input = this.toNhwc(x);
    const channels = input.shape[3];
    const g = this.geometry(input.shape, this.groupedFilter(channels), Math.max(channels, 1), x.shape);
    const recording = isGradEnabled() && (x.requiresGrad || kernel.requiresGrad || (bias !== null && bias.requiresGrad));
    const y = applyFused(conv2dFused(this.name, input, kernel, bias, g, context.workspace), context.logits ? null : this.activation, recording, context.workspace);
    const output = this.fromNhwc(y);
    this.addActivityPenalty(output, x.shape[0], context.losses);
    return output;
  }

  override getConfig(): Record<string, unknown> {
    const { kernelInitializer, kernelRegularizer, ...config } = super.getConfig();
    return { ...config, depthMultiplier: this.depthMultiplier, depthwiseInitializer: kernelInitializer, depthwiseRegularizer: kernelRegularizer };
  }

  /** Rebuilds the layer from {@link DepthwiseConv2D.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): DepthwiseConv2D {
    return fromConfigWith('DepthwiseConv2D', config, (options) => new DepthwiseConv2D(options as unknown as DepthwiseConv2dLayerOptions));
  }
}

/**
 * A depthwise 2-D convolution layer.
 * ```ts
 * dn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 1 });
 * ```
 * The kernel is `[kernelH, kernelW, inChannels, depthMultiplier]`; output channel `c * depthMultiplier + m`
 * comes from input channel c.
 */
export function depthwiseConv2d(options: DepthwiseConv2dLayerOptions): DepthwiseConv2D {
  return new DepthwiseConv2D(options);
}

registerLayer('DepthwiseConv2D', DepthwiseConv2D);
