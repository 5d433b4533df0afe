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
    this.mode = checkChoice(where, 'mode', o.mode, ['dynamic', 'static'] as const);
    this.useBias = o.useBias ?? true;
    if (this.mode === 'static') {
      this.inputScale = checkNumber(where, 'inputScale', o.inputScale);
      if (!(this.inputScale > 0) || !Number.isFinite(this.inputScale) || Math.fround(this.inputScale) <= 0) {
        throw new ValueError(`${where}: inputScale must be a positive finite float32, got ${this.inputScale}`);
      }
      this.inputZeroPoint = checkInteger(where, 'inputZeroPoint', o.inputZeroPoint, 0, 255);
    } else {
      this.inputScale = 0;
      this.inputZeroPoint = 0;
    }
  }

  /** The int8 weights (after {@link QuantizedDense.setQuantizedWeights}), or null. */
  get quantizedWeights(): QuantizedDenseWeights | null {
    return this.quantized;
  }

  /** Sets the int8 weights and packs them once into the kernel's panel layout. */
  setQuantizedWeights(weights: QuantizedDenseWeights): void {
    const where = `${this.name}: setQuantizedWeights`;
    const { kernel, kernelScales, bias } = weights;
    if (!(kernel instanceof Int8Array) || kernel.length !== this.inputDim * this.units) {
      throw new ValueError(`${where}: kernel must be an Int8Array of ${this.inputDim * this.units} values ([${this.inputDim}, ${this.units}])`);
    }
    if (!(kernelScales instanceof Float32Array) || kernelScales.length !== this.units) {
      throw new ValueError(`${where}: kernelScales must be a Float32Array of ${this.units} values`);
    }
    if (this.useBias !== (bias !== null) || (bias !== null && (!(bias instanceof Float32Array) || bias.length !== this.units))) {
      throw new ValueError(`${where}: bias must be ${this.useBias ? `a Float32Array of ${this.units} values` : 'null (the layer has no bias)'}`);
    }
    const packed = new Int8Array(binding.int8.packedLength(this.inputDim, this.units));
    const columnSums = new Int32Array(this.units);
    binding.int8.packWeights(kernel, this.inputDim, this.units, packed, columnSums);
    this.quantized = { kernel, kernelScales, bias };
    this.packed = packed;
    this.columnSums = columnSums;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    const last = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || last !== this.inputDim) {
      throw new ShapeError(`${this.name}: expected input of rank at least 2 with last dimension ${this.inputDim}, got shape ${formatLayerShape(inputShape)}`);
    }
    return [...inputShape.slice(0, -1), this.units];
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
 * The tensors an int8 layer saves (Dendrite's folder and buffer formats): `<name>/kernel` (I8, [inputDim, units]),
 * `<name>/kernel_scale` (F32, [units]) and `<name>/bias` (F32, [units], with a bias). The input's scale and zero
 * point (static mode) are in the layer's config in model.json.
 */
export function quantizedTensors(layer: QuantizedDense): Array<[string, StoredTensor]> {
  const weights = layer.quantizedWeights;
  if (weights === null) throw new ValueError(`${layer.name}: the layer has no int8 weights to save`);
  const tensors: Array<[string, StoredTensor]> = [
    [`${layer.name}/kernel`, { dtype: 'I8', shape: [layer.inputDim, layer.units], data: weights.kernel.slice() }],
    [`${layer.name}/kernel_scale`, { dtype: 'F32', shape: [layer.units], data: weights.kernelScales.slice() }],
  ];
  if (weights.bias !== null) tensors.push([`${layer.name}/bias`, { dtype: 'F32', shape: [layer.units], data: weights.bias.slice() }]);
  return tensors;
}

/**
 * Gives a loaded int8 layer its weights from the file's tensors (as {@link quantizedTensors} names them); `take`
 * checks each tensor's dtype and shape and throws a SerializationError naming it.
 */
export function loadQuantizedTensors(layer: QuantizedDense, take: (name: string, dtype: 'I8' | 'F32', shape: number[]) => StoredTensor['data']): void {
  const kernel = take(`${layer.name}/kernel`, 'I8', [layer.inputDim, layer.units]) as Int8Array;
  const kernelScales = take(`${layer.name}/kernel_scale`, 'F32', [layer.units]) as Float32Array;
  const bias = layer.useBias ? take(`${layer.name}/bias`, 'F32', [layer.units]) as Float32Array : null;
  layer.setQuantizedWeights({ kernel, kernelScales, bias });
}

registerLayer('QuantizedDense', QuantizedDense);
