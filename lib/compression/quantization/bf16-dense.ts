/**
 * A bfloat16 Dense layer for inference, made by {@link quantize} with `dtype: 'bfloat16'`:
 * `y = activation(x · kernel + bias)` with the kernel stored as bf16 (the upper 16 bits of each float32, rounded to
 * nearest even) and packed once; each call converts its input to bf16 the same way and multiplies in float32
 * accumulation on the native bf16 GEMM (`vdpbf16ps` with AVX512_BF16, otherwise bf16 widened to float32 and FMAs
 * in the same order: every path gives the same bits). Bias and activation are the GEMM's epilogue, in float32.
 * Half the kernel bytes of float32, no calibration. The layer does not train (it has no gradient).
 */
import { ValueError } from '../../errors.js';
import { binding } from '../../native.js';
import type { Tensor } from '../../tensor.js';
import { contiguous } from '../../ops/shape.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../../activations.js';
import { applyFused, type FusedOp } from '../../ops/fused.js';
import { checkInteger, checkOptions, MAX_TENSOR_SIZE } from '../../validate.js';
import { Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../../layers/layer.js';
import { registerLayer } from '../../layers/registry.js';
import type { StoredTensor } from '../../io/safetensors.js';
import { fixedDenseOutputShape } from './quantized-dense.js';

/** Options of {@link Bf16Dense} (its config). */
export interface Bf16DenseOptions extends LayerOptions {
  units: number;
  inputDim: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
}

/** The weights of a {@link Bf16Dense}. */
export interface Bf16DenseWeights {
  /** [inputDim, units] row-major, the bf16 bit patterns. */
  kernel: Uint16Array;
  /** [units] float32, or null without bias. */
  bias: Float32Array | null;
}

const OPTION_NAMES = [...LAYER_OPTION_NAMES, 'units', 'inputDim', 'activation', 'useBias'];

/** float32 values to bf16 bit patterns: round to nearest even, subnormals to a zero of their sign, NaN stays NaN. */
export function toBfloat16(values: Float32Array): Uint16Array {
  const bits = new Uint16Array(values.length);
  if (values.length > 0) binding.bf16.convert(values, values.length, bits);
  return bits;
}

/** bf16 bit patterns to the float32 values they stand for (exact). */
export function fromBfloat16(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return new Float32Array(words.buffer);
}

export class Bf16Dense extends Layer {
  readonly className = 'Bf16Dense';
  readonly units: number;
  readonly inputDim: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  private stored: Bf16DenseWeights | null = null;
  private packed: Uint16Array | null = null;

  constructor(options: Bf16DenseOptions) {
    const where = 'Bf16Dense';
    const o = checkOptions<Bf16DenseOptions>(where, options, OPTION_NAMES);
    const inputDim = checkInteger(where, 'inputDim', o.inputDim, 1, MAX_TENSOR_SIZE);
    super(where, { name: o.name, inputShape: o.inputShape, batchInputShape: o.batchInputShape, trainable: false }, 'Bf16Dense');
    this.units = checkInteger(where, 'units', o.units, 1, MAX_TENSOR_SIZE);
    this.inputDim = inputDim;
    this.activation = getActivation(o.activation ?? 'linear', where);
    this.useBias = o.useBias ?? true;
  }

  /** The bf16 weights (after {@link Bf16Dense.setBf16Weights}), or null. */
  get bf16Weights(): Bf16DenseWeights | null {
    return this.stored;
  }

  /** Sets the bf16 kernel and float32 bias, and packs the kernel once into the GEMM's panel layout. */
  setBf16Weights(weights: Bf16DenseWeights): void {
    const where = `${this.name}: setBf16Weights`;
    const { kernel, bias } = weights;
    if (!(kernel instanceof Uint16Array) || kernel.length !== this.inputDim * this.units) {
      throw new ValueError(`${where}: kernel must be a Uint16Array of ${this.inputDim * this.units} bf16 values ([${this.inputDim}, ${this.units}])`);
    }
    if (this.useBias !== (bias !== null) || (bias !== null && (!(bias instanceof Float32Array) || bias.length !== this.units))) {
      throw new ValueError(`${where}: bias must be ${this.useBias ? `a Float32Array of ${this.units} values` : 'null (the layer has no bias)'}`);
    }
    const packed = new Uint16Array(binding.bf16.packedLength(this.inputDim, this.units));
    // The values are bf16 already, so packing (which converts to bf16) keeps them (a subnormal bf16 from a foreign
    // file becomes zero, as the kernel would treat it).
    binding.bf16.packWeights(fromBfloat16(kernel), this.inputDim, this.units, packed);
    this.stored = { kernel, bias };
    this.packed = packed;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return fixedDenseOutputShape(this.name, inputShape, this.inputDim, this.units);
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(): void {}

  override call(x: Tensor, context: CallContext): Tensor {
    if (this.stored === null) throw new ValueError(`${this.name}: the layer has no bf16 weights yet (it is made by dn.quantize with dtype 'bfloat16')`);
    const { bias } = this.stored;
    const k = this.inputDim, n = this.units;
    const m = x.size / k;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const xData = input.storage as Float32Array;
    const packed = this.packed!;
    const product: FusedOp = {
      shape: [...x.shape.slice(0, -1), n],
      run: (out, code, param) => binding.bf16.dense(xData, m, k, n, packed, bias, code, param, out),
      record: () => {
        throw new ValueError(`${this.name}: a bfloat16 layer does not train (it has no gradient)`);
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
      useBias: this.useBias,
    };
  }

  /** Rebuilds the layer (without its weights) from {@link Bf16Dense.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Bf16Dense {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null && key !== 'trainable') options[key] = value;
    return new Bf16Dense(options as unknown as Bf16DenseOptions);
  }
}

/**
 * The tensors a bf16 layer saves (Dendrite's folder and buffer formats): `<name>/kernel` (BF16, [inputDim, units],
 * the safetensors spec's dtype name) and `<name>/bias` (F32, [units], with a bias).
 */
export function bf16Tensors(layer: Bf16Dense): Array<[string, StoredTensor]> {
  const weights = layer.bf16Weights;
  if (weights === null) throw new ValueError(`${layer.name}: the layer has no bf16 weights to save`);
  const tensors: Array<[string, StoredTensor]> = [[`${layer.name}/kernel`, { dtype: 'BF16', shape: [layer.inputDim, layer.units], data: weights.kernel.slice() }]];
  if (weights.bias !== null) tensors.push([`${layer.name}/bias`, { dtype: 'F32', shape: [layer.units], data: weights.bias.slice() }]);
  return tensors;
}

/**
 * Gives a loaded bf16 layer its weights from the file's tensors (as {@link bf16Tensors} names them); `take` checks
 * each tensor's dtype and shape and throws a SerializationError naming it.
 */
export function loadBf16Tensors(layer: Bf16Dense, take: (name: string, dtype: 'BF16' | 'F32', shape: number[]) => StoredTensor['data']): void {
  const kernel = take(`${layer.name}/kernel`, 'BF16', [layer.inputDim, layer.units]) as Uint16Array;
  const bias = layer.useBias ? take(`${layer.name}/bias`, 'F32', [layer.units]) as Float32Array : null;
  layer.setBf16Weights({ kernel, bias });
}

registerLayer('Bf16Dense', Bf16Dense);
