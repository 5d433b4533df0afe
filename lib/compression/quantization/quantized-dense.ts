/**
 * An int8 Dense layer for inference, made by {@link quantize}: `y = activation(x · kernel + bias)` with the
 * kernel stored as int8 (symmetric, one scale per output channel or one for the layer) and the input quantised
 * to u8 per tensor (asymmetric: a scale and a zero point, fixed by calibration, or computed per call in dynamic
 * mode). The product runs in int32 on the native int8 GEMM (AVX-512 VNNI / AVX-VNNI / AVX2, exact), and the
 * rescaling to float32, the bias and the activation are its epilogue: one native call per layer, as Dense.
 * The layer has no trainable weights: it does not train (gradients do not flow through it).
 */
import { ShapeError, ValueError } from '../../errors.js';
import { binding } from '../../native.js';
import type { Tensor } from '../../tensor.js';
import { contiguous } from '../../ops/shape.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../../activations.js';
import { applyFused, type FusedOp } from '../../ops/fused.js';
import { checkChoice, checkInteger, checkNumber, checkOptions, MAX_TENSOR_SIZE } from '../../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../../layers/layer.js';
import { registerLayer } from '../../layers/registry.js';
import type { StoredTensor } from '../../io/safetensors.js';

/** How a quantised layer finds its input's scale and zero point. */
export type ActivationQuantization = 'dynamic' | 'static';

/** Options of {@link QuantizedDense} (its config). */
export interface QuantizedDenseOptions extends LayerOptions {
  units: number;
  inputDim: number;
  activation?: ActivationIdentifier;
  /** 'dynamic': the input's range per call; 'static': inputScale and inputZeroPoint. */
  mode: ActivationQuantization;
  inputScale?: number;
  inputZeroPoint?: number;
  useBias?: boolean;
}

/**
 * An int8 layer's input quantisation from its options: static mode's scale (a positive finite float32) and zero
 * point (0 to 255), or dynamic mode's 0 and 0.
 */
export function checkInputQuantization(where: string, o: { mode?: unknown; inputScale?: unknown; inputZeroPoint?: unknown }): { mode: ActivationQuantization; inputScale: number; inputZeroPoint: number } {
  const mode = checkChoice(where, 'mode', o.mode, ['dynamic', 'static'] as const);
  if (mode === 'dynamic') return { mode, inputScale: 0, inputZeroPoint: 0 };
  const inputScale = checkNumber(where, 'inputScale', o.inputScale);
  if (!(inputScale > 0) || !Number.isFinite(inputScale) || Math.fround(inputScale) <= 0) {
    throw new ValueError(`${where}: inputScale must be a positive finite float32, got ${inputScale}`);
  }
  return { mode, inputScale, inputZeroPoint: checkInteger(where, 'inputZeroPoint', o.inputZeroPoint, 0, 255) };
}

/** The int8 weights of a {@link QuantizedDense}. */
export interface QuantizedDenseWeights {
  /** [inputDim, units] row-major, in [-127, 127]. */
  kernel: Int8Array;
  /** [units]: the float value of one kernel step, per output channel. */
  kernelScales: Float32Array;
  /** [units], or null without bias. */
  bias: Float32Array | null;
}

const OPTION_NAMES = [...LAYER_OPTION_NAMES, 'units', 'inputDim', 'activation', 'mode', 'inputScale', 'inputZeroPoint', 'useBias'];

/**
 * The output shape of a quantised Dense layer (its input size fixed by its weights): the input's shape with
 * the last dimension, which must be `inputDim`, replaced by `units`.
 */
export function fixedDenseOutputShape(name: string, inputShape: readonly (number | null)[], inputDim: number, units: number): Shape {
  const last = inputShape[inputShape.length - 1];
  if (inputShape.length < 2 || last !== inputDim) {
    throw new ShapeError(`${name}: expected input of rank at least 2 with last dimension ${inputDim}, got shape ${formatLayerShape(inputShape)}`);
  }
  return [...inputShape.slice(0, -1), units];
}

/** The largest input dimension of the int8 kernel (its int32 sums stay exact up to it). */
export const MAX_INT8_DEPTH = 32768;

export class QuantizedDense extends Layer {
  readonly className = 'QuantizedDense';
  readonly units: number;
  readonly inputDim: number;
  readonly activation: Activation;
  readonly mode: ActivationQuantization;
  /** Static mode: the input's scale and zero point (u8); dynamic: 0 and 0. */
  readonly inputScale: number;
  readonly inputZeroPoint: number;
  readonly useBias: boolean;
  private quantized: QuantizedDenseWeights | null = null;
  private packed: Int8Array | null = null;
  private columnSums: Int32Array | null = null;

  constructor(options: QuantizedDenseOptions) {
    const where = 'QuantizedDense';
    const o = checkOptions<QuantizedDenseOptions>(where, options, OPTION_NAMES);
    const inputDim = checkInteger(where, 'inputDim', o.inputDim, 1, MAX_INT8_DEPTH);
    super(where, { name: o.name, inputShape: o.inputShape, batchInputShape: o.batchInputShape, trainable: false }, 'QuantizedDense');
    this.units = checkInteger(where, 'units', o.units, 1, MAX_TENSOR_SIZE);
    this.inputDim = inputDim;
    this.activation = getActivation(o.activation ?? 'linear', where);
    this.useBias = o.useBias ?? true;
    ({ mode: this.mode, inputScale: this.inputScale, inputZeroPoint: this.inputZeroPoint } = checkInputQuantization(where, o));
  }

  /** The int8 weights (after {@link QuantizedDense.setQuantizedWeights}), or null. */
  get quantizedWeights(): QuantizedDenseWeights | null {
    return this.quantized;
  }

  /** The kernel's shape `[inputDim, units]`. */
  get kernelShape(): number[] {
    return [this.inputDim, this.units];
  }

  /** The packed kernel and its column sums (the int8 GEMM's operands), or null before the weights are set. */
  get packedWeights(): { packed: Int8Array; columnSums: Int32Array } | null {
    return this.packed === null ? null : { packed: this.packed, columnSums: this.columnSums! };
  }

  /** Sets the int8 weights and packs them once into the kernel's panel layout. */
  setQuantizedWeights(weights: QuantizedDenseWeights): void {
    ({ packed: this.packed, columnSums: this.columnSums } = packInt8Weights(`${this.name}: setQuantizedWeights`, weights, this.kernelShape, this.useBias));
    this.quantized = weights;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return fixedDenseOutputShape(this.name, inputShape, this.inputDim, this.units);
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(): void {}

  override call(x: Tensor, context: CallContext): Tensor {
    if (this.quantized === null) throw new ValueError(`${this.name}: the layer has no int8 weights yet (it is made by dn.quantize)`);
    const { kernelScales, bias } = this.quantized;
    const k = this.inputDim, n = this.units;
    const m = x.size / k;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const xData = input.storage as Float32Array;
    const packed = this.packed!, columnSums = this.columnSums!;
    const product: FusedOp = {
      shape: [...x.shape.slice(0, -1), n],
      run: (out, code, param) => binding.int8.dense(xData, m, k, n, packed, columnSums, kernelScales, bias, code, param,
        this.inputScale, this.inputZeroPoint, out),
      record: () => {
        throw new ValueError(`${this.name}: a quantised layer does not train (it has no gradient)`);
      },
    };
    return applyFused(product, context.logits ? null : this.activation, false, context.workspace);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      inputDim: this.inputDim,
      activation: serializeActivation(this.activation),
      mode: this.mode,
      ...(this.mode === 'static' ? { inputScale: this.inputScale, inputZeroPoint: this.inputZeroPoint } : {}),
      useBias: this.useBias,
    };
  }

  /** Rebuilds the layer (without its int8 weights) from {@link QuantizedDense.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): QuantizedDense {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null && key !== 'trainable') options[key] = value;
    return new QuantizedDense(options as unknown as QuantizedDenseOptions);
  }
}

/**
 * Checks an int8 layer's weights against its kernel shape (the last axis the outputs) and packs the kernel once
 * as the int8 GEMM's `[depth, outputs]` operand, with its column sums.
 */
export function packInt8Weights(where: string, weights: QuantizedDenseWeights, kernelShape: readonly number[], useBias: boolean): { packed: Int8Array; columnSums: Int32Array } {
  const { kernel, kernelScales, bias } = weights;
  const units = kernelShape[kernelShape.length - 1]!, size = kernelShape.reduce((a, b) => a * b, 1), depth = size / units;
  if (!(kernel instanceof Int8Array) || kernel.length !== size) throw new ValueError(`${where}: kernel must be an Int8Array of ${size} values ([${kernelShape.join(', ')}])`);
  if (!(kernelScales instanceof Float32Array) || kernelScales.length !== units) throw new ValueError(`${where}: kernelScales must be a Float32Array of ${units} values`);
  if (useBias !== (bias !== null) || (bias !== null && (!(bias instanceof Float32Array) || bias.length !== units))) {
    throw new ValueError(`${where}: bias must be ${useBias ? `a Float32Array of ${units} values` : 'null (the layer has no bias)'}`);
  }
  const packed = new Int8Array(binding.int8.packedLength(depth, units));
  const columnSums = new Int32Array(units);
  binding.int8.packWeights(kernel, depth, units, packed, columnSums);
  return { packed, columnSums };
}

/** What saving and loading need of an int8 layer (QuantizedDense, QuantizedConv). */
export interface Int8Layer {
  readonly name: string;
  readonly useBias: boolean;
  /** The kernel's shape; its last axis is the output channels. */
  readonly kernelShape: number[];
  readonly quantizedWeights: QuantizedDenseWeights | null;
  setQuantizedWeights(weights: QuantizedDenseWeights): void;
}

/**
 * The tensors an int8 layer saves (Dendrite's folder and buffer formats): `<name>/kernel` (I8, the kernel's shape:
 * [inputDim, units], or a convolution's [...kernelSize, inChannels, filters]), `<name>/kernel_scale` (F32, one per
 * output channel) and `<name>/bias` (F32, with a bias). The input's scale and zero point (static mode) are in the
 * layer's config in model.json.
 */
export function quantizedTensors(layer: Int8Layer): Array<[string, StoredTensor]> {
  const weights = layer.quantizedWeights;
  if (weights === null) throw new ValueError(`${layer.name}: the layer has no int8 weights to save`);
  const outputs = [layer.kernelShape[layer.kernelShape.length - 1]!];
  const tensors: Array<[string, StoredTensor]> = [
    [`${layer.name}/kernel`, { dtype: 'I8', shape: layer.kernelShape, data: weights.kernel.slice() }],
    [`${layer.name}/kernel_scale`, { dtype: 'F32', shape: outputs, data: weights.kernelScales.slice() }],
  ];
  if (weights.bias !== null) tensors.push([`${layer.name}/bias`, { dtype: 'F32', shape: outputs, data: weights.bias.slice() }]);
  return tensors;
}

/**
 * Gives a loaded int8 layer its weights from the file's tensors (as {@link quantizedTensors} names them); `take`
 * checks each tensor's dtype and shape and throws a SerializationError naming it.
 */
export function loadQuantizedTensors(layer: Int8Layer, take: (name: string, dtype: 'I8' | 'F32', shape: number[]) => StoredTensor['data']): void {
  const outputs = [layer.kernelShape[layer.kernelShape.length - 1]!];
  const kernel = take(`${layer.name}/kernel`, 'I8', layer.kernelShape) as Int8Array;
  const kernelScales = take(`${layer.name}/kernel_scale`, 'F32', outputs) as Float32Array;
  const bias = layer.useBias ? take(`${layer.name}/bias`, 'F32', outputs) as Float32Array : null;
  layer.setQuantizedWeights({ kernel, kernelScales, bias });
}

registerLayer('QuantizedDense', QuantizedDense);
