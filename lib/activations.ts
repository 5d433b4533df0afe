/**
 * Activation functions by name or object, as layers take them (`activation: 'relu'`,
 * `activation: dn.activations.leakyRelu({ alpha: 0.1 })`, or any function of a tensor).
 *
 * An elementwise activation also carries its native op code, so a Dense layer can apply it inside
 * the GEMM epilogue (one kernel call for matmul + bias + activation) and take its derivative with
 * one `unaryGrad` call.
 */
import { ValueError } from './errors.js';
import { binding } from './native.js';
import { Tensor } from './tensor.js';
import { add, clip, mul, unaryOp } from './ops/elementwise.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from './ops/activations.js';
import {
  checkFunction, checkInteger, checkNumber, checkObject, checkOptions, didYouMean, typeError,
} from './validate.js';
import { acceptedNames, resolveName } from './aliases.js';

/** The canonical activation names layers accept (other spellings: lib/aliases.ts). */
export const ACTIVATION_NAMES = [
  'linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'swish', 'softplus',
  'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish', 'exponential', 'logSoftmax',
] as const;
/** A built-in activation's name. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/**
 * An activation function. Get one by name with {@link getActivation}, or from a factory such as
 * `dn.activations.leakyRelu({ alpha: 0.1 })`.
 */
export interface Activation {
  /** The activation's name (`'relu'`, ...; `'custom'` for a function). */
  readonly name: string;
  /** Applies the activation, recording gradients. */
  apply(x: Tensor): Tensor;
  /**
   * @internal The native unary op code when the activation is elementwise (it can then be fused into
   * a GEMM epilogue), else null.
   */
  readonly unaryCode: number | null;
  /** @internal The unary kernel's parameter (alpha of leakyRelu and elu). */
  readonly param: number;
  /** @internal Whether the derivative can be computed from the output alone (no need to keep the input). */
  readonly gradFromOutput: boolean;
  /** The options that rebuild it (plain JSON). */
  getConfig(): Record<string, unknown>;
}

/** Serialized form: a name, or `{ className, config }` for an activation with options. */
export type ActivationConfig = string | { className: string; config: Record<string, unknown> };

/** What layers accept as `activation`. */
export type ActivationIdentifier = ActivationName | Activation | ((x: Tensor) => Tensor) | ActivationConfig;

const codes = binding.opCodes.unary;

class Elementwise implements Activation {
  readonly unaryCode: number;
  constructor(
    readonly name: ActivationName,
    private readonly kernelName: string,
    readonly param: number,
    readonly gradFromOutput: boolean,
    private readonly config: Record<string, unknown> = {},
  ) {
    this.unaryCode = codes[kernelName];
  }

  apply(x: Tensor): Tensor {
    if (this.name === 'linear') return x;
    return unaryOp(this.name, this.kernelName, this.param, x, undefined);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.config };
  }
}

/** Softmax or log-softmax over one axis (not elementwise: no unary code). */
class Softmax implements Activation {
  readonly unaryCode = null;
  readonly param = 0;
  readonly gradFromOutput = true;
  constructor(readonly name: 'softmax' | 'logSoftmax', readonly axis: number) {}

  apply(x: Tensor): Tensor {
    return this.name === 'softmax' ? softmaxOp(x, this.axis) : logSoftmaxOp(x, this.axis);
  }

  getConfig(): Record<string, unknown> {
    return this.axis === -1 ? {} : { axis: this.axis };
  }
}

class CustomActivation implements Activation {
  readonly name = 'custom';
  readonly unaryCode = null;
  readonly param = 0;
  readonly gradFromOutput = false;
  constructor(private readonly fn: (x: Tensor) => Tensor) {}

  apply(x: Tensor): Tensor {
    const y = this.fn(x);
    if (!(y instanceof Tensor)) typeError('activation', 'the custom activation\'s result', 'a Tensor', y);
    return y;
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

// --- factories ---------------------------------------------------------------------------------

/** The identity (no activation). */
export function linear(): Activation {
  return new Elementwise('linear', 'linear', 0, true);
}

/** `max(x, 0)`. */
export function relu(): Activation {
  return new Elementwise('relu', 'relu', 0, true);
}

/** Options of {@link leakyRelu}. */
export interface LeakyReluOptions {
  /** The slope for x < 0. Default 0.2 (TensorFlow.js and `keras.activations.leaky_relu`). */
  alpha?: number;
}

/** `x` for x > 0, `alpha * x` elsewhere. */
export function leakyRelu(options: LeakyReluOptions = {}): Activation {
  const o = checkOptions<LeakyReluOptions>('leakyRelu', options, ['alpha']);
  const alpha = o.alpha === undefined ? 0.2 : checkNumber('leakyRelu', 'alpha', o.alpha);
  return new Elementwise('leakyRelu', 'leakyRelu', alpha, alpha >= 0, o.alpha === undefined ? {} : { alpha });
}

/** Options of {@link elu}. */
export interface EluOptions {
  /** The scale of the negative part, `alpha * (e^x - 1)`. Default 1. */
  alpha?: number;
}

/** `x` for x > 0, `alpha * (e^x - 1)` elsewhere. */
export function elu(options: EluOptions = {}): Activation {
  const o = checkOptions<EluOptions>('elu', options, ['alpha']);
  const alpha = o.alpha === undefined ? 1 : checkNumber('elu', 'alpha', o.alpha);
  return new Elementwise('elu', 'elu', alpha, alpha >= 0, o.alpha === undefined ? {} : { alpha });
}

/** `1 / (1 + e^-x)`. */
export function sigmoid(): Activation {
  return new Elementwise('sigmoid', 'sigmoid', 0, true);
}

/** Hyperbolic tangent. */
export function tanh(): Activation {
  return new Elementwise('tanh', 'tanh', 0, true);
}

/** Options of {@link softmax}. */
export interface SoftmaxOptions {
  /** The axis the probabilities sum to 1 over. Default -1 (the last). */
  axis?: number;
}

/** `e^x / sum(e^x)` over an axis (default the last), computed stably. */
export function softmax(options: SoftmaxOptions = {}): Activation {
  const o = checkOptions<SoftmaxOptions>('softmax', options, ['axis']);
  return new Softmax('softmax', o.axis === undefined ? -1 : checkInteger('softmax', 'axis', o.axis));
}

/** `x - log(sum(e^x))` over an axis (default the last), computed stably (TensorFlow.js `'logSoftmax'`, Keras `'log_softmax'`). */
export function logSoftmax(options: SoftmaxOptions = {}): Activation {
  const o = checkOptions<SoftmaxOptions>('logSoftmax', options, ['axis']);
  return new Softmax('logSoftmax', o.axis === undefined ? -1 : checkInteger('logSoftmax', 'axis', o.axis));
}

/** Options of {@link gelu}. */
export interface GeluActivationOptions {
  /** Use the tanh approximation instead of the exact erf form (Keras `approximate`). Default false. */
  approximate?: boolean;
}

/** Gaussian error linear unit `x * Φ(x)` (exact by default, as in Keras). */
export function gelu(options: GeluActivationOptions = {}): Activation {
  const o = checkOptions<GeluActivationOptions>('gelu', options, ['approximate']);
  const approximate = o.approximate === undefined ? false : o.approximate;
  if (typeof approximate !== 'boolean') typeError('gelu', 'approximate', 'a boolean', approximate);
  return new Elementwise('gelu', approximate ? 'geluTanh' : 'gelu', 0, false, approximate ? { approximate } : {});
}

/** `x * sigmoid(x)` (also called SiLU). */
export function swish(): Activation {
  return new Elementwise('swish', 'silu', 0, false);
}

/** `log(1 + e^x)`. */
export function softplus(): Activation {
  return new Elementwise('softplus', 'softplus', 0, false);
}

/**
 * Scaled exponential linear unit: `scale * x` for x > 0, `scale * alpha * (e^x - 1)` elsewhere, with
 * the fixed scale ≈ 1.0507 and alpha ≈ 1.6733 of Klambauer et al. (2017). The network normalizes itself
 * only when its kernels are initialized with `lecunNormal` (as Keras recommends):
 * `dn.layers.dense({ units: 64, activation: 'selu', kernelInitializer: 'lecunNormal' })`.
 */
export function selu(): Activation {
  return new Elementwise('selu', 'selu', 0, true);
}

/** `x / (1 + |x|)`. */
export function softsign(): Activation {
  return new Elementwise('softsign', 'softsign', 0, false);
}

/** Options of {@link hardSigmoid}. */
export interface HardSigmoidOptions {
  /**
   * The slope of the ramp `clip(slope · x + 0.5, 0, 1)`. Default 1/6 (Keras 3, PyTorch, MobileNetV3);
   * TensorFlow.js and Keras 2 use 0.2.
   */
  slope?: number;
}

/**
 * A hard sigmoid of another slope than 1/6 (TensorFlow.js's and Keras 2's 0.2), from ops: no native
 * kernel has it, so layers using it run their composite path.
 */
class HardSigmoidRamp implements Activation {
  readonly name = 'hardSigmoid';
  readonly unaryCode = null;
  readonly param = 0;
  readonly gradFromOutput = false;
  constructor(readonly slope: number) {}

  apply(x: Tensor): Tensor {
    return clip(add(mul(x, this.slope), 0.5), 0, 1);
  }

  getConfig(): Record<string, unknown> {
    return { slope: this.slope };
  }
}

/**
 * `relu6(x + 3) / 6` = `clip(x / 6 + 0.5, 0, 1)`: Keras 3's slope 1/6 (also PyTorch's and MobileNetV3's),
 * on native kernels. `hardSigmoid({ slope: 0.2 })` is TensorFlow.js's and Keras 2's `clip(0.2 x + 0.5, 0, 1)`.
 */
export function hardSigmoid(options: HardSigmoidOptions = {}): Activation {
  const o = checkOptions<HardSigmoidOptions>('hardSigmoid', options, ['slope']);
  if (o.slope === undefined || o.slope === 1 / 6) return new Elementwise('hardSigmoid', 'hardSigmoid', 0, true);
  const slope = checkNumber('hardSigmoid', 'slope', o.slope);
  if (!(slope > 0) || !Number.isFinite(slope)) throw new ValueError(`hardSigmoid: slope must be a positive finite number; received ${slope}`);
  return new HardSigmoidRamp(slope);
}

/** `x * relu6(x + 3) / 6` (MobileNetV3's hard swish; Keras `hard_silu`). */
export function hardSwish(): Activation {
  return new Elementwise('hardSwish', 'hardSwish', 0, false);
}

/** `min(max(x, 0), 6)`. */
export function relu6(): Activation {
  return new Elementwise('relu6', 'relu6', 0, true);
}

/** `x * tanh(softplus(x))` (Misra 2019). */
export function mish(): Activation {
  return new Elementwise('mish', 'mish', 0, false);
}

/** `e^x` (Keras `'exponential'`). */
export function exponential(): Activation {
  return new Elementwise('exponential', 'exp', 0, true);
}

const factories: Record<ActivationName, (options?: never) => Activation> = {
  linear, relu, leakyRelu, elu, sigmoid, tanh, softmax, gelu, swish, softplus,
  selu, softsign, hardSigmoid, hardSwish, relu6, mish, exponential, logSoftmax,
};

function isActivation(value: unknown): value is Activation {
  return value !== null && typeof value === 'object' && typeof (value as Activation).apply === 'function' && typeof (value as Activation).name === 'string';
}

function unknownActivation(where: string, name: string): never {
  throw new ValueError(
    `${where}: unknown activation '${name}'${didYouMean(name, acceptedNames('activation', factories))}; expected one of ${ACTIVATION_NAMES.map((n) => `'${n}'`).join(', ')}, an activation object or a function`,
  );
}

/** The factory and the options an activation name (or alias) stands for; throws for an unknown name. */
function resolveActivation(where: string, name: string): { factory: (options?: never) => Activation; config: Readonly<Record<string, unknown>> } {
  const resolved = resolveName('activation', name, factories);
  if (resolved === undefined) unknownActivation(where, name);
  return { factory: factories[resolved.name as ActivationName], config: resolved.config };
}

/**
 * An activation from a name (`'relu'`; see {@link ACTIVATION_NAMES}; the Keras and TensorFlow.js
 * spellings such as `'leaky_relu'` or `'gelu_new'` work too), an activation object (returned as is), a
 * serialized `{ className, config }`, or a function of a tensor (differentiated by autograd). An
 * unknown name is a ValueError listing the valid ones.
 */
export function getActivation(identifier: ActivationIdentifier, where = 'getActivation'): Activation {
  if (typeof identifier === 'string') {
    const { factory, config } = resolveActivation(where, identifier);
    return factory({ ...config } as never);
  }
  if (typeof identifier === 'function') return new CustomActivation(checkFunction(where, 'activation', identifier) as (x: Tensor) => Tensor);
  if (isActivation(identifier)) return identifier;
  if (identifier !== null && typeof identifier === 'object' && 'className' in identifier) {
    const object = checkObject(where, 'activation', identifier);
    const className = object.className;
    if (typeof className !== 'string') typeError(where, 'activation.className', 'a string', className);
    const { factory, config: implied } = resolveActivation(where, className);
    const config = object.config === undefined ? {} : checkObject(where, 'activation.config', object.config);
    return factory({ ...implied, ...config } as never);
  }
  return typeError(where, 'activation', `a name (${ACTIVATION_NAMES.join(', ')}), an activation object or a function`, identifier);
}

/**
 * The serialized form of an activation: its name, or `{ className, config }` when it has options.
 * A function given as an activation cannot be serialized (null).
 */
export function serializeActivation(activation: Activation): ActivationConfig | null {
  if (activation instanceof CustomActivation || !(ACTIVATION_NAMES as readonly string[]).includes(activation.name)) return null;
  const config = activation.getConfig();
  return Object.keys(config).length === 0 ? activation.name : { className: activation.name, config };
}
