/**
 * The convolution layers with `filters` outputs and channel `groups` (Keras' Conv1D / Conv2D): the
 * weights, the shapes and the forward pass as one fused native call (conv2dFused: the bias and the
 * activation in the kernel's epilogue; its backward accumulates the weight gradients in place).
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { isGradEnabled } from '../../autograd/engine.js';
import { applyFused } from '../../ops/fused.js';
import { conv2dFused } from '../../ops/conv.js';
import { formatLayerShape, type CallContext, type LayerVariable, type Shape } from '../layer.js';
import { BaseConv, BASE_CONV_OPTION_NAMES, checkCount, type BaseConvOptions } from './base-conv.js';

/** Options of conv1d and conv2d. */
export interface ConvOptions extends BaseConvOptions {
  /** The number of output channels (a positive integer). Required. */
  filters: number;
  /**
   * Channel groups: each group of `inChannels / groups` input channels feeds its own `filters / groups`
   * outputs (both must divide). Default 1.
   */
  groups?: number;
}

export const CONV_OPTION_NAMES = [...BASE_CONV_OPTION_NAMES, 'filters', 'groups'];

/** A convolution layer with `filters` outputs over `rank` spatial axes. */
export abstract class Conv extends BaseConv {
  /** The number of output channels. */
  readonly filters: number;
  /** The channel groups. */
  readonly groups: number;
  /** The kernel `[...kernelSize, inChannels / groups, filters]` (after build). */
  kernel: LayerVariable | null = null;
  /** The bias `[filters]` (after build, when useBias). */
  bias: LayerVariable | null = null;

  protected constructor(where: string, o: Partial<Omit<ConvOptions, 'padding'>> & { padding?: string }, className: string, rank: 1 | 2, paddings: readonly string[]) {
    if (o.filters === undefined) throw new ValueError(`${where}: filters is required (the number of output channels), e.g. ${where}({ filters: 16, kernelSize: 3 })`);
    super(where, o, className, rank, paddings);
    this.filters = checkCount(where, 'filters', o.filters);
    this.groups = o.groups === undefined ? 1 : checkCount(where, 'groups', o.groups);
    if (this.filters % this.groups !== 0) {
      throw new ShapeError(`${where}: filters (${this.filters}) must be a multiple of groups (${this.groups})`);
    }
  }

  private filterShape(channels: number): number[] {
    const { kernel } = this.windows();
    return [kernel[0], kernel[1], channels / this.groups, this.filters];
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const channels = this.inputChannels(inputShape);
    const expected = this.kernel === null ? null : this.kernel.value.shape[this.rank] * this.groups;
    if (expected !== null && channels !== expected) {
      throw new ShapeError(`${this.name}: expected input with ${expected} channels, got shape ${formatLayerShape(inputShape)}`);
    }
    if (channels % this.groups !== 0) {
      throw new ShapeError(`${this.name}: the input's ${channels} channels are not divisible by groups ${this.groups}, got shape ${formatLayerShape(inputShape)}`);
    }
    const g = this.geometry(this.nhwcShape(inputShape, channels), this.filterShape(channels), this.groups, inputShape);
    return this.outputShapeOf(inputShape, g, this.filters);
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const channels = this.inputChannels(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels / this.groups, this.filters], this.kernelInitializer, {
      regularizer: this.kernelRegularizer ?? undefined,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const kernel = this.kernel!.value;
    const bias = this.bias === null ? null : this.bias.value;
    const input = this.toNhwc(x);
    const g = this.geometry(input.shape, this.filterShape(input.shape[3]), this.groups, x.shape);
    const recording = isGradEnabled() && (x.requiresGrad || kernel.requiresGrad || (bias !== null && bias.requiresGrad));
    // Softmax and sigmoid folded into a cross-entropy loss: the model asks for logits.
    const y = applyFused(conv2dFused(this.name, input, kernel, bias, g, context.workspace), context.logits ? null : this.activation, recording, context.workspace);
    const output = this.fromNhwc(y);
    this.addActivityPenalty(output, x.shape[0], context.losses);
    return output;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, groups: this.groups };
  }
}
