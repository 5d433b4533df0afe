/**
 * Conv2DTranspose: the transposed 2-D convolution layer (Keras' names and defaults), which upsamples:
 * the gradient of a convolution with respect to its input, with a bias and an activation. One fused
 * native call forward (`conv2dBackwardData` with the bias and activation in its epilogue).
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { isGradEnabled } from '../../autograd/engine.js';
import { applyFused } from '../../ops/fused.js';
import { checkSpatialInts, conv2dTransposeFused, transposeGeometry, type ConvGeometry } from '../../ops/conv.js';
import { checkOptions, formatShape } from '../../validate.js';
import { formatLayerShape, type CallContext, type LayerVariable, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';
import { BaseConv, BASE_CONV_OPTION_NAMES, checkCount, fromConfigWith, type BaseConvOptions } from './base-conv.js';

/** Options of {@link conv2dTranspose}: `filters` and `kernelSize` are required. */
export interface Conv2dTransposeLayerOptions extends BaseConvOptions {
  /** The number of output channels. Required. */
  filters: number;
  /**
   * Extra rows and columns at the end of the output (each smaller than the stride), choosing among the
   * sizes a strided convolution maps back to the same input size. Default: Keras' output size ('same':
   * `input * stride`; 'valid': `input * stride + max(kernel - stride, 0)`).
   */
  outputPadding?: number | readonly number[];
}

/** A transposed 2-D convolution layer. */
export class Conv2DTranspose extends BaseConv {
  readonly className = 'Conv2DTranspose';
  /** The number of output channels. */
  readonly filters: number;
  /** The output padding, or null for Keras' default size. */
  readonly outputPadding: number[] | null;
  /** The kernel `[kernelH, kernelW, filters, inChannels]` (Keras' layout; after build). */
  kernel: LayerVariable | null = null;
  /** The bias `[filters]` (after build, when useBias). */
  bias: LayerVariable | null = null;

  constructor(options: Conv2dTransposeLayerOptions) {
    const where = 'conv2dTranspose';
    const o = checkOptions<Conv2dTransposeLayerOptions>(where, options, [...BASE_CONV_OPTION_NAMES, 'filters', 'outputPadding']);
    if (o.filters === undefined) throw new ValueError(`${where}: filters is required (the number of output channels), e.g. conv2dTranspose({ filters: 16, kernelSize: 3 })`);
    super(where, o, 'Conv2DTranspose', 2, ['valid', 'same']);
    this.filters = checkCount(where, 'filters', o.filters);
    this.outputPadding = o.outputPadding === undefined ? null : checkSpatialInts(where, 'outputPadding', o.outputPadding, 2, 0);
    if (this.outputPadding !== null && this.outputPadding.some((p, i) => p >= this.strides[i])) {
      throw new ValueError(`${where}: each outputPadding must be smaller than its stride, got outputPadding ${formatShape(this.outputPadding)} and strides ${formatShape(this.strides)}`);
    }
  }

  /** The forward convolution this layer reverses, for NHWC inputs of `input` (nulls count as a fitting size). */
  private forward(input: readonly (number | null)[], original: readonly (number | null)[]): ConvGeometry {
    const shape = [input[0] ?? 1, input[1] ?? 1, input[2] ?? 1, input[3] as number];
    const describeCall = () => `input ${formatLayerShape(original)}, kernel ${formatShape(this.kernelSize)}, strides ${formatShape(this.strides)}, padding '${this.padding}'`;
    return transposeGeometry(this.name, shape, [...this.kernelSize, this.filters, shape[3]], this.strides, this.dilationRate,
      this.padding, 1, null, this.outputPadding, describeCall);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const channels = this.inputChannels(inputShape);
    const expected = this.kernel === null ? null : this.kernel.value.shape[3];
    if (expected !== null && channels !== expected) {
      throw new ShapeError(`${this.name}: expected input with ${expected} channels, got shape ${formatLayerShape(inputShape)}`);
    }
    const g = this.forward(this.nhwcShape(inputShape, channels), inputShape);
    return this.outputShapeOf(inputShape, { outH: g.inH, outW: g.inW }, this.filters);
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const channels = this.inputChannels(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, channels], this.kernelInitializer, {
      regularizer: this.kernelRegularizer ?? undefined,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const kernel = this.kernel!.value;
    const bias = this.bias === null ? null : this.bias.value;
    const input = this.toNhwc(x);
    const g = this.forward(input.shape, x.shape);
    const recording = isGradEnabled() && (x.requiresGrad || kernel.requiresGrad || (bias !== null && bias.requiresGrad));
    const y = applyFused(conv2dTransposeFused(this.name, input, kernel, bias, g, context.workspace), context.logits ? null : this.activation, recording, context.workspace);
    const output = this.fromNhwc(y);
    this.addActivityPenalty(output, x.shape[0], context.losses);
    return output;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, outputPadding: this.outputPadding === null ? null : this.outputPadding.slice() };
  }

  /** Rebuilds the layer from {@link Conv2DTranspose.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Conv2DTranspose {
    return fromConfigWith('Conv2DTranspose', config, (options) => new Conv2DTranspose(options as unknown as Conv2dTransposeLayerOptions));
  }
}

/**
 * A transposed 2-D convolution layer (upsampling, as in decoders and generators).
 * ```ts
 * dn.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });   // 7x7 -> 14x14
 * ```
 * The kernel is `[kernelH, kernelW, filters, inChannels]` (Keras); output `[batch, h * stride, w * stride,
 * filters]` with 'same'.
 */
export function conv2dTranspose(options: Conv2dTransposeLayerOptions): Conv2DTranspose {
  return new Conv2DTranspose(options);
}

registerLayer('Conv2DTranspose', Conv2DTranspose);
