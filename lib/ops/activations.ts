/**
 * Activation functions, softmax and log-softmax. The elementwise activations and their
 * derivatives run on the native `unary` / `unaryGrad` kernels (see unaryOp in elementwise.ts);
 * softmax runs on `softmax` / `softmaxGrad` over the last axis, other axes being moved there by a
 * view.
 */
import { ValueError } from '../errors.js';
import { checkAxis, checkChoice, checkNumber, checkOptions } from '../validate.js';
import { checkFloat, floats, outputTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { kernels } from './kernels.js';
import { unaryOp, type OutOptions } from './elementwise.js';
import { contiguous, permute } from './shape.js';

/** `max(x, 0)`. */
export function relu(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('relu', 'relu', 0, x, options);
}

/** `x` where x > 0, `alpha * x` elsewhere. `alpha` defaults to 0.2 (as in TensorFlow.js). */
export function leakyRelu(x: TensorLike, alpha = 0.2, options?: OutOptions): Tensor {
  checkNumber('leakyRelu', 'alpha', alpha);
  return unaryOp('leakyRelu', 'leakyRelu', alpha, x, options);
}

/** `x` where x > 0, `alpha * (e^x - 1)` elsewhere. `alpha` defaults to 1. */
export function elu(x: TensorLike, alpha = 1, options?: OutOptions): Tensor {
  checkNumber('elu', 'alpha', alpha);
  return unaryOp('elu', 'elu', alpha, x, options);
}

/** `1 / (1 + e^-x)`. */
export function sigmoid(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('sigmoid', 'sigmoid', 0, x, options);
}

/** Hyperbolic tangent. */
export function tanh(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('tanh', 'tanh', 0, x, options);
}

/** Options of {@link gelu}. */
export interface GeluOptions extends OutOptions {
  /** 'none' (default): the exact `x * Φ(x)` with erf; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** Gaussian error linear unit: `x * Φ(x)` (exact), or its tanh approximation with `{approximate: 'tanh'}`. */
export function gelu(x: TensorLike, options?: GeluOptions): Tensor {
  if (options === undefined) return unaryOp('gelu', 'gelu', 0, x, undefined);
  checkOptions('gelu', options, ['approximate', 'out']);
  const { approximate = 'none', ...rest } = options;
  checkChoice('gelu', 'approximate', approximate, ['none', 'tanh'] as const);
  return unaryOp('gelu', approximate === 'tanh' ? 'geluTanh' : 'gelu', 0, x, rest);
}

/** GELU with the tanh approximation (the form GPT-2 and BERT used). */
export function geluTanh(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('geluTanh', 'geluTanh', 0, x, options);
}

/** `log(1 + e^x)`, computed without overflow. */
export function softplus(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('softplus', 'softplus', 0, x, options);
}

/** `x * sigmoid(x)` (also called swish). */
export function silu(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('silu', 'silu', 0, x, options);
}

/** Same as {@link silu}. */
export const swish = silu;

/**
 * Scaled exponential linear unit (Klambauer et al. 2017, self-normalizing networks): `scale * x` where
 * x > 0, `scale * alpha * (e^x - 1)` elsewhere, with the paper's fixed scale ≈ 1.0507 and alpha ≈ 1.6733
 * (as Keras and TensorFlow.js). Its self-normalizing property needs weights initialized with
 * `lecunNormal`, as Keras recommends.
 */
export function selu(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('selu', 'selu', 0, x, options);
}

/** `x / (1 + |x|)` (±1 at ±Infinity). */
export function softsign(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('softsign', 'softsign', 0, x, options);
}

/**
 * A piecewise-linear sigmoid: `relu6(x + 3) / 6`, that is `clip(x / 6 + 0.5, 0, 1)` (Keras 3, PyTorch,
 * MobileNetV3). TensorFlow.js and Keras 2 use the slope 0.2 instead: `clip(0.2 x + 0.5, 0, 1)`. The
 * gradient is 1/6 where the output is strictly between 0 and 1, else 0.
 */
export function hardSigmoid(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('hardSigmoid', 'hardSigmoid', 0, x, options);
}

/**
 * Hard swish (MobileNetV3): `x * relu6(x + 3) / 6`, that is `x * hardSigmoid(x)` (Keras `hard_silu` /
 * `hard_swish`, PyTorch `Hardswish`). The gradient is `(2x + 3) / 6` on (-3, 3), 0 below, 1 above.
 */
export function hardSwish(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('hardSwish', 'hardSwish', 0, x, options);
}

/** `min(max(x, 0), 6)`. The gradient is 1 strictly between 0 and 6, else 0 (as TensorFlow's). */
export function relu6(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('relu6', 'relu6', 0, x, options);
}

/** Mish (Misra 2019): `x * tanh(softplus(x))`, computed without overflow for any x. */
export function mish(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('mish', 'mish', 0, x, options);
}

function softmaxOp(where: string, log: boolean, x: unknown, axis: unknown): Tensor {
  const input = checkFloat(where, 'x', toTensor(where, 'x', x));
  if (input.rank === 0) throw new ValueError(`${where}: needs a tensor with at least one axis, got a rank-0 tensor`);
  const k = checkAxis(where, 'axis', axis === undefined ? -1 : axis, input.rank);
  const last = input.rank - 1;
  if (k !== last) {
    // Move the axis last (a view), take the softmax there, move it back.
    const perm = input.shape.map((_, i) => i);
    perm[k] = last;
    perm[last] = k;
    return permute(softmaxOp(where, log, permute(input, perm), -1), perm);
  }
  const cols = input.shape[last];
  const rows = cols === 0 ? 0 : input.size / cols;
  const source = contiguous(input.detach());
  const out = outputTensor(input.shape);
  if (out.size !== 0) kernels.softmax(floats(source), floats(out), rows, cols, log);
  if (!needsGrad(input)) return out;
  return recordOp(where, out, [input], (grad) => {
    const dy = contiguous(grad);
    const dx = outputTensor(input.shape);
    if (dx.size !== 0) kernels.softmaxGrad(floats(out), floats(dy), floats(dx), rows, cols, log);
    return [dx];
  });
}

/** Softmax along `axis` (default: the last): `e^x / sum(e^x)`, computed stably. */
export function softmax(x: TensorLike, axis?: number): Tensor {
  return softmaxOp('softmax', false, x, axis);
}

/** Log-softmax along `axis` (default: the last): `x - log(sum(e^x))`, computed stably. */
export function logSoftmax(x: TensorLike, axis?: number): Tensor {
  return softmaxOp('logSoftmax', true, x, axis);
}
