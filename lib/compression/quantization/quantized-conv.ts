/**
 * An int8 convolution layer for inference (Conv2D or Conv1D, groups 1), made by `dn.quantize`: the filter
 * `[...kernelSize, inChannels, filters]` stored as int8 (symmetric, one scale per output channel or one for the
 * layer), the input quantised to u8 per tensor (static or dynamic, as {@link QuantizedDense}). One native call:
 * the input is quantised, each output pixel's patch gathered (im2col, with the zero point as padding, which
 * stands for 0.0 exactly), and multiplied by the int8 GEMM with the rescaling, bias and activation in its
 * epilogue. The layer has no trainable weights and does not train.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { binding } from '../../native.js';
import type { Tensor } from '../../tensor.js';
import { contiguous } from '../../ops/shape.js';
import { applyFused, type FusedOp } from '../../ops/fused.js';
import { geometryArray } from '../../ops/conv.js';
import { checkInteger, checkOptions } from '../../validate.js';
import type { CallContext, Shape } from '../../layers/layer.js';
import { registerLayer } from '../../layers/registry.js';
import { fromConfigWith } from '../../layers/conv/base-conv.js';
import { Conv, CONV_OPTION_NAMES, type ConvOptions } from '../../layers/conv/conv.js';
import { checkInputQuantization, MAX_INT8_DEPTH, packInt8Weights, QuantizedDense, type ActivationQuantization, type QuantizedDenseWeights } from './quantized-dense.js';

/** Options of {@link QuantizedConv} (its config): a Conv2D's / Conv1D's, the input channels and the quantisation. */
export interface QuantizedConvOptions extends Omit<ConvOptions, 'padding'> {
  padding?: 'valid' | 'same' | 'causal';
  /** 1 (Conv1D) or 2 (Conv2D). */
  rank: 1 | 2;
  inputChannels: number;
  mode: ActivationQuantization;
  inputScale?: number;
  inputZeroPoint?: number;
}

/** The int8 weights of a {@link QuantizedConv}: the kernel `[...kernelSize, inChannels, filters]` row-major. */
export type QuantizedConvWeights = QuantizedDenseWeights;

const OPTION_NAMES = [...CONV_OPTION_NAMES, 'rank', 'inputChannels', 'mode', 'inputScale', 'inputZeroPoint'];

export class QuantizedConv extends Conv {
  readonly className: 'QuantizedConv1D' | 'QuantizedConv2D';
  /** The input channels the kernel takes. */
  readonly inChannels: number;
  readonly mode: ActivationQuantization;
  readonly inputScale: number;
  readonly inputZeroPoint: number;
  private quantized: QuantizedConvWeights | null = null;
  private packed: Int8Array | null = null;
  private columnSums: Int32Array | null = null;

  constructor(options: QuantizedConvOptions) {
    const where = 'QuantizedConv';
    const o = checkOptions<QuantizedConvOptions>(where, options, OPTION_NAMES);
    const rank = o.rank;
    if (rank !== 1 && rank !== 2) throw new ValueError(`${where}: rank must be 1 (Conv1D) or 2 (Conv2D), got ${String(rank)}`);
    const className = rank === 1 ? 'QuantizedConv1D' : 'QuantizedConv2D';
    super(where, { ...o, trainable: false }, className, rank, rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
    this.className = className;
    if (this.groups !== 1) throw new ValueError(`${where}: only convolutions with groups 1 are quantised, got groups ${this.groups}`);
    this.inChannels = checkInteger(where, 'inputChannels', o.inputChannels, 1, MAX_INT8_DEPTH);
    if (this.depth > MAX_INT8_DEPTH) throw new ValueError(`${where}: kernel depth ${this.depth} (kernel size x input channels) is more than the int8 kernel's ${MAX_INT8_DEPTH}`);
    ({ mode: this.mode, inputScale: this.inputScale, inputZeroPoint: this.inputZeroPoint } = checkInputQuantization(where, o));
  }

  /** The kernel's depth: the values of one patch (kernel size x input channels). */
  get depth(): number {
    return this.kernelSize.reduce((a, b) => a * b, 1) * this.inChannels;
  }

  /** The kernel's shape `[...kernelSize, inChannels, filters]`. */
  get kernelShape(): number[] {
    return [...this.kernelSize, this.inChannels, this.filters];
  }

  /** The int8 weights, or null before {@link QuantizedConv.setQuantizedWeights}. */
  get quantizedWeights(): QuantizedConvWeights | null {
    return this.quantized;
  }

  /** Sets the int8 weights and packs them once (as a `[depth, filters]` GEMM operand). */
  setQuantizedWeights(weights: QuantizedConvWeights): void {
    ({ packed: this.packed, columnSums: this.columnSums } = packInt8Weights(`${this.name}: setQuantizedWeights`, weights, this.kernelShape, this.useBias));
    this.quantized = weights;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const channels = this.inputChannels(inputShape);
    if (channels !== this.inChannels) {
      throw new ShapeError(`${this.name}: expected ${this.inChannels} input channels, got shape [${inputShape.map((d) => d ?? 'null').join(', ')}]`);
    }
    return super.computeOutputShape(inputShape);
  }

  protected override buildWeights(): void {}

  override call(x: Tensor, context: CallContext): Tensor {
    if (this.quantized === null) throw new ValueError(`${this.name}: the layer has no int8 weights yet (it is made by dn.quantize)`);
    const view = this.toNhwc(x);
    const input = view.isContiguous ? view : contiguous(view.detach());
    const { kernel } = this.windows();
    const g = this.geometry(input.shape, [kernel[0]!, kernel[1]!, this.inChannels, this.filters], 1, x.shape);
    const geometry = geometryArray(g);
    const xData = input.storage as Float32Array;
    const { kernelScales, bias } = this.quantized;
    const packed = this.packed!, columnSums = this.columnSums!;
    const product: FusedOp = {
      shape: [g.batch, g.outH, g.outW, g.outC],
      run: (out, code, param) => binding.int8.conv2d(xData, geometry, packed, columnSums, kernelScales, bias, code, param, this.inputScale, this.inputZeroPoint, out),
      record: () => {
        throw new ValueError(`${this.name}: a quantised layer does not train (it has no gradient)`);
      },
    };
    return this.fromNhwc(applyFused(product, context.logits ? null : this.activation, false, context.workspace));
  }

  override getConfig(): Record<string, unknown> {
    const config = super.getConfig();
    for (const key of ['kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']) delete config[key];
    return {
      ...config,
      rank: this.rank,
      inputChannels: this.inChannels,
      mode: this.mode,
      ...(this.mode === 'static' ? { inputScale: this.inputScale, inputZeroPoint: this.inputZeroPoint } : {}),
    };
  }

  /** Rebuilds the layer (without its int8 weights) from {@link QuantizedConv.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): QuantizedConv {
    const { trainable: _, ...rest } = config;
    return fromConfigWith('QuantizedConv', rest, (options) => new QuantizedConv(options as unknown as QuantizedConvOptions));
  }
}

/** Whether a layer is int8 (QuantizedDense or QuantizedConv): saved as int8 tensors, only in Dendrite's format. */
export function isInt8Layer(layer: unknown): layer is QuantizedDense | QuantizedConv {
  return layer instanceof QuantizedDense || layer instanceof QuantizedConv;
}

registerLayer('QuantizedConv1D', QuantizedConv);
registerLayer('QuantizedConv2D', QuantizedConv);
