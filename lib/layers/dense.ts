/**
 * Dense (fully connected) layer: `y = activation(x · kernel + bias)` over the last axis.
 *
 * Speed by design: the forward pass is ONE native call (`sgemm` with the bias and an elementwise
 * activation in its epilogue; see ops/fused.ts). The backward pass is a constant handful: `unaryGrad` for
 * the activation, `sgemm` (transA) for the kernel gradient, `columnSum` for the bias gradient, `sgemm`
 * (transB) for the input gradient.
 */
import { ShapeError, ValueError } from '../errors.js';
import { binding } from '../native.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { contiguous } from '../ops/shape.js';
import { checkInteger, checkOptions, MAX_TENSOR_SIZE } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type Shape } from './layer.js';
import {
  KERNEL_LAYER_OPTION_NAMES, kernelLayerConfig, resolveKernelOptions, type KernelLayerOptions, type KernelLayerSettings,
} from './kernel-options.js';
import { registerLayer } from './registry.js';
import { accumulateInto } from '../autograd/leaf-grad.js';
import { applyFused, buffer, type FusedOp } from '../ops/fused.js';

/** Options of {@link dense}. */
export interface DenseOptions extends KernelLayerOptions {
  /** The number of outputs (a positive integer). Required. */
  units: number;
  /** The input's last dimension, for a first layer: same as `inputShape: [inputDim]`. */
  inputDim?: number;
}

const DENSE_OPTION_NAMES = [...LAYER_OPTION_NAMES, 'units', ...KERNEL_LAYER_OPTION_NAMES, 'inputDim'];

const LINEAR = binding.opCodes.unary.linear;

// The activation, useBias, initializers and regularizers (KernelLayerSettings), set by the constructor.
export interface Dense extends KernelLayerSettings {}

/** A fully connected layer. Create one with `dn.layers.dense({ units, activation })`. */
export class Dense extends Layer {
  readonly className = 'Dense';
  /** The number of outputs. */
  readonly units: number;
  /** The kernel `[inputDim, units]` (after build). */
  kernel: LayerVariable | null = null;
  /** The bias `[units]` (after build, when useBias). */
  bias: LayerVariable | null = null;

  constructor(options: DenseOptions) {
    const where = 'dense';
    const o = checkOptions<DenseOptions>(where, options, DENSE_OPTION_NAMES);
    if (o.units === undefined) throw new ValueError(`${where}: units is required (the number of outputs), e.g. dense({ units: 64 })`);
    const base: LayerOptions = { name: o.name, trainable: o.trainable, inputShape: o.inputShape, batchInputShape: o.batchInputShape };
    if (o.inputDim !== undefined) {
      if (o.inputShape !== undefined || o.batchInputShape !== undefined) {
        throw new ValueError(`${where}: give inputDim or inputShape/batchInputShape, not both`);
      }
      base.inputShape = [checkInteger(where, 'inputDim', o.inputDim, 1, MAX_TENSOR_SIZE)];
    }
    super(where, base, 'Dense');
    // A kernel has at least `units` elements: more than a tensor may hold cannot be built.
    this.units = checkInteger(where, 'units', o.units, 1, MAX_TENSOR_SIZE);
    Object.assign(this, resolveKernelOptions(where, o));
  }

  /** The input dimension the kernel was built for, or null before build. */
  get inputDim(): number | null {
    return this.kernel === null ? null : this.kernel.value.shape[0];
  }

  /** The mask passes through (the layer keeps the time axis). */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length < 2) {
      throw new ShapeError(`${this.name}: expected input of rank at least 2 ([batch, features]), got shape ${formatLayerShape(inputShape)}`);
    }
    const last = inputShape[inputShape.length - 1];
    const expected = this.inputDim;
    if (expected !== null && last !== null && last !== expected) {
      throw new ShapeError(`${this.name}: expected input with last dimension ${expected}, got shape ${formatLayerShape(inputShape)}`);
    }
    if (last === null) throw new ShapeError(`${this.name}: the input's last dimension must be known, got shape ${formatLayerShape(inputShape)}`);
    return [...inputShape.slice(0, -1), this.units];
  }

  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const inputDim = inputShape[inputShape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer, { regularizer: this.kernelRegularizer ?? undefined });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    return this.forward(x, this.kernel!.value, this.bias === null ? null : this.bias.value, context);
  }

  /**
   * `activation(x · kernel + bias)` with the given kernel and bias (the layer's own, or tensors computed from them,
   * as the fake-quantised kernel of quantisation-aware training), recorded for autograd.
   */
  protected forward(x: Tensor, kernel: Tensor, bias: Tensor | null, context: CallContext): Tensor {
    const k = kernel.shape[0];
    const n = this.units;
    const m = k === 0 ? 0 : x.size / k;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const xData = input.storage as Float32Array;
    const wData = kernel.storage as Float32Array;
    const bData = bias === null ? null : (bias.storage as Float32Array);
    const workspace = context.workspace;
    const recording = isGradEnabled() && (x.requiresGrad || kernel.requiresGrad || (bias !== null && bias.requiresGrad));
    const product: FusedOp = {
      shape: [...x.shape.slice(0, -1), n],
      run: (out, code, param) => binding.sgemm(false, false, m, n, k, 1, xData, k, wData, n, 0, out, n, bData, code, param, 1, 0, 0, 0),
      record: (output, gradient) => recordOp('dense', output, bias === null ? [x, kernel] : [x, kernel, bias], (grad, needs) => {
        const dz = gradient(grad);
        const dKernel = needs[1]
          ? accumulateInto(kernel, (target, beta) => binding.sgemm(true, false, k, n, m, 1, xData, k, dz, n, beta, target, n, null, LINEAR, 0, 1, 0, 0, 0))
          : null;
        const dBias = bias !== null && needs[2] ? accumulateInto(bias, (target, beta) => binding.columnSum(dz, m, n, target, beta !== 0)) : null;
        let dx: Tensor | null = null;
        if (needs[0]) {
          const dxData = buffer(workspace, 'dx', m * k);
          if (m > 0) binding.sgemm(false, true, m, k, n, 1, dz, n, wData, n, 0, dxData, k, null, LINEAR, 0, 1, 0, 0, 0);
          dx = makeTensor(dxData, x.shape);
        }
        return bias === null ? [dx, dKernel] : [dx, dKernel, dBias];
      }),
    };
    // Softmax and sigmoid folded into a cross-entropy loss: the model asks for logits.
    const output = applyFused(product, context.logits ? null : this.activation, recording, workspace);
    if (this.activityRegularizer !== null && context.losses !== null) {
      context.losses.push(this.activityRegularizer.apply(output).div(Math.max(x.shape[0], 1)));
    }
    return output;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      ...kernelLayerConfig(this),
    };
  }

  /** Rebuilds a Dense layer from {@link Dense.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Dense {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    if (options.activation === undefined && config.activation === null) {
      throw new ValueError(`Dense.fromConfig: layer '${String(config.name)}' used a custom activation function, which cannot be rebuilt from a config`);
    }
    return new Dense(options as unknown as DenseOptions);
  }
}

/**
 * A fully connected layer: `activation(x · kernel + bias)`.
 *
 * ```ts
 * const model = dn.sequential({ layers: [
 *   dn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
 *   dn.layers.dense({ units: 10, activation: 'softmax' }),
 * ] });
 * ```
 */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}

registerLayer('Dense', Dense);
