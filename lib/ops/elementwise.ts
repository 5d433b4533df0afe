/**
 * Elementwise arithmetic with NumPy broadcasting (add, sub, mul, div, pow, maximum, minimum),
 * the elementwise math functions (neg, abs, exp, log, sqrt, square) and clip. Each op's gradient
 * is defined right below its forward. Every op accepts `{out}`: a contiguous float32 tensor of the
 * result's shape to write into instead of allocating (not while recording gradients).
 */
import { ValueError } from '../errors.js';
import { checkNumberOrInfinity, checkObject, formatShape, shapeError, typeError, unknownOption } from '../validate.js';
import { checkFloat, floats, outputTensor, sameShape, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { needsGrad, recordOp } from '../autograd/engine.js';
import { planBinary } from './broadcast.js';
import { binaryCodes, kernels, unaryCodes } from './kernels.js';
import { sumGradToShape } from './reduce.js';
import { contiguous } from './shape.js';
import { maximumMask, rangeMask } from './compare.js';

/** Options of ops that can write into an existing tensor. */
export interface OutOptions {
  /**
   * A contiguous float32 tensor of the result's shape to write the result into (it is returned).
   * It may be one of the inputs. Not allowed while gradients are recorded for the op, nor into a
   * tensor computed by a recorded op; a leaf parameter may be updated in place inside `noGrad`.
   */
  out?: Tensor;
}

/** Whether the storages of two tensors share any bytes (small tensors share slabs, not bytes). */
export function storagesOverlap(x: Tensor, y: Tensor): boolean {
  const a = x.storage;
  const b = y.storage;
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Whether `x` and `out` share memory in a way an elementwise kernel cannot handle. */
function overlapsBadly(out: Tensor, x: Tensor): boolean {
  if (x === out || !storagesOverlap(out, x)) return false;
  // Reading and writing the same positions is safe; anything else would read overwritten values.
  return !(x._strides === null && x.storage.byteOffset === out.storage.byteOffset && sameShape(x.shape, out.shape));
}

/**
 * The output of an op: `options.out` after checking it, or a new tensor of `shape`.
 * @internal
 */
export function outputFor(
  where: string, options: OutOptions | undefined, shape: readonly number[], recording: boolean, a: Tensor, b?: Tensor,
): Tensor {
  if (options === undefined) return outputTensor(shape);
  checkObject(where, 'options', options);
  const out = options.out;
  for (const key in options) {
    if (key !== 'out') unknownOption(where, key, ['out']);
  }
  if (out === undefined) return outputTensor(shape);
  if (!(out instanceof Tensor)) typeError(where, 'out', 'a Tensor', out);
  checkFloat(where, 'out', out);
  if (!out.isContiguous) throw new ValueError(`${where}: out must be a contiguous tensor (not a view)`);
  if (!sameShape(out.shape, shape)) {
    shapeError(where, `out has shape ${formatShape(out.shape)}, the result has shape ${formatShape(shape)}`);
  }
  if (recording) {
    throw new ValueError(`${where}: out cannot be used while gradients are recorded (an input requires grad); call it inside dn.noGrad()`);
  }
  // A leaf parameter may be updated in place (inside noGrad, as an optimizer does); a tensor
  // computed by a recorded op may not: backward() would read the overwritten values.
  if (out._node !== null) {
    throw new ValueError(`${where}: out was computed by the recorded op '${out._node.name}'; writing into it would corrupt gradients`);
  }
  if (overlapsBadly(out, a) || (b !== undefined && overlapsBadly(out, b))) {
    throw new ValueError(`${where}: out overlaps an input without being exactly that input`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binary ops.

/** Computes `out = a op b` with the kernel (no recording). */
function binaryForward(where: string, code: number, a: Tensor, b: Tensor, options: OutOptions | undefined, recording: boolean): Tensor {
  checkFloat(where, 'a', a);
  checkFloat(where, 'b', b);
  const plan = planBinary(where, a, b);
  const layout = plan.layout;
  const out = outputFor(where, options, plan.shape, recording, a, b);
  if (out.size !== 0) kernels.binary(code, floats(a), floats(b), floats(out), layout);
  return out;
}

/** Gradients of a binary op at full (broadcast) shape; summed back to each input's shape after. */
type BinaryGrad = (grad: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null];

function binaryOp(where: string, code: number, a: unknown, b: unknown, options: OutOptions | undefined, gradient: BinaryGrad): Tensor {
  const x = a instanceof Tensor ? a : toTensor(where, 'a', a);
  const y = b instanceof Tensor ? b : toTensor(where, 'b', b);
  const recording = needsGrad(x, y);
  const out = binaryForward(where, code, x, y, options, recording);
  if (!recording) return out;
  return recordOp(where, out, [x, y], (grad, needs) => {
    const [ga, gb] = gradient(grad, x, y, out, needs);
    return [ga && sumGradToShape(ga, x.shape), gb && sumGradToShape(gb, y.shape)];
  });
}

const ADD = binaryCodes.add;
/**
 * `a + b`, elementwise with broadcasting.
 * ```ts
 * dn.add(dn.tensor([[1, 2], [3, 4]]), dn.tensor([10, 20])); // [[11, 22], [13, 24]]
 * ```
 */
export function add(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('add', ADD, a, b, options, addGrad);
}
const addGrad: BinaryGrad = (g) => [g, g];

const SUB = binaryCodes.sub;
/** `a - b`, elementwise with broadcasting. */
export function sub(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('sub', SUB, a, b, options, subGrad);
}
const subGrad: BinaryGrad = (g, _a, _b, _out, needs) => [g, needs[1] ? neg(g) : null];

const MUL = binaryCodes.mul;
/** `a * b`, elementwise with broadcasting. */
export function mul(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('mul', MUL, a, b, options, mulGrad);
}
const mulGrad: BinaryGrad = (g, a, b, _out, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null];

const DIV = binaryCodes.div;
/** `a / b`, elementwise with broadcasting. */
export function div(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('div', DIV, a, b, options, divGrad);
}
// d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -(a/b)/b.
const divGrad: BinaryGrad = (g, _a, b, out, needs) => {
  const gOverB = div(g, b);
  return [needs[0] ? gOverB : null, needs[1] ? neg(mul(gOverB, out)) : null];
};

const POW = binaryCodes.pow;
/** `a ** b`, elementwise with broadcasting. The gradient with respect to `b` needs `a > 0`. */
export function pow(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('pow', POW, a, b, options, powGrad);
}
// d(a^b)/da = b * a^(b-1); d(a^b)/db = a^b * log(a).
const powGrad: BinaryGrad = (g, a, b, out, needs) => [
  needs[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
  needs[1] ? mul(g, mul(out, log(a))) : null,
];

const MAXIMUM = binaryCodes.maximum;
/** The larger of `a` and `b`, elementwise with broadcasting. At ties the gradient is split evenly. */
export function maximum(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('maximum', MAXIMUM, a, b, options, maximumGrad);
}
const maximumGrad: BinaryGrad = (g, a, b) => {
  const ga = mul(g, maximumMask(a, b, 1));
  return [ga, sub(g, ga)];
};

const MINIMUM = binaryCodes.minimum;
/** The smaller of `a` and `b`, elementwise with broadcasting. At ties the gradient is split evenly. */
export function minimum(a: TensorLike, b: TensorLike, options?: OutOptions): Tensor {
  return binaryOp('minimum', MINIMUM, a, b, options, minimumGrad);
}
const minimumGrad: BinaryGrad = (g, a, b) => {
  const ga = mul(g, maximumMask(a, b, -1));
  return [ga, sub(g, ga)];
};

// ---------------------------------------------------------------------------------------------
// Unary ops: the forward and its derivative both come from the native unary kernels, so each
// op's gradient is the `unaryGrad` call below its forward.

/**
 * Applies the unary kernel `name` (with `param`, e.g. alpha) and records its gradient.
 * @internal Shared with activations.ts.
 */
export function unaryOp(where: string, name: string, param: number, x0: unknown, options: OutOptions | undefined): Tensor {
  const code = unaryCodes[name];
  const x = checkFloat(where, 'x', x0 instanceof Tensor ? x0 : toTensor(where, 'x', x0));
  const recording = needsGrad(x);
  const input = x._strides === null ? x : contiguous(x.detach());
  const out = outputFor(where, options, x.shape, recording, input);
  if (out.size !== 0) kernels.unary(code, param, floats(input), floats(out), out.size);
  if (!recording) return out;
  return recordOp(where, out, [x], (grad) => {
    const dy = contiguous(grad);
    const dx = outputTensor(x.shape);
    if (dx.size !== 0) kernels.unaryGrad(code, param, floats(input), floats(out), floats(dy), floats(dx), dx.size);
    return [dx];
  });
}

/** `-x`. */
export function neg(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('neg', 'neg', 0, x, options);
}
/** `|x|` (gradient 0 at 0). */
export function abs(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('abs', 'abs', 0, x, options);
}
/** `e^x`. */
export function exp(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('exp', 'exp', 0, x, options);
}
/** Natural logarithm (NaN below 0, -Infinity at 0). */
export function log(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('log', 'log', 0, x, options);
}
/** Square root (NaN below 0). */
export function sqrt(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('sqrt', 'sqrt', 0, x, options);
}
/** `x * x`. */
export function square(x: TensorLike, options?: OutOptions): Tensor {
  return unaryOp('square', 'square', 0, x, options);
}

// Scalar operands for clip: arrays over their own ArrayBuffer are off the V8 heap, so the
// kernel reads them without V8 moving them first.
const clipLow = new Float32Array(new ArrayBuffer(4));
const clipHigh = new Float32Array(new ArrayBuffer(4));
const clipLayout = new Float64Array([1, 0, 1, 0]);

/**
 * Clamps every element of `x` into [min, max] (TensorFlow.js: clipByValue). The gradient is 1
 * inside the range (ends included) and 0 outside.
 */
export function clip(x: TensorLike, min: number, max: number, options?: OutOptions): Tensor {
  const where = 'clip';
  const input0 = checkFloat(where, 'x', toTensor(where, 'x', x));
  checkNumberOrInfinity(where, 'min', min);
  checkNumberOrInfinity(where, 'max', max);
  if (min > max) throw new ValueError(`${where}: min (${min}) must not exceed max (${max})`);
  const recording = needsGrad(input0);
  const input = input0._strides === null ? input0 : contiguous(input0.detach());
  const out = outputFor(where, options, input0.shape, recording, input);
  if (out.size !== 0) {
    clipLow[0] = min;
    clipHigh[0] = max;
    clipLayout[1] = out.size;
    kernels.binary(MAXIMUM, floats(input), clipLow, floats(out), clipLayout);
    kernels.binary(MINIMUM, floats(out), clipHigh, floats(out), clipLayout);
  }
  if (!recording) return out;
  return recordOp(where, out, [input0], (grad) => [mul(grad, rangeMask(input, min, max))]);
}

/** `clip` under its TensorFlow.js name. */
export const clipByValue = clip;
