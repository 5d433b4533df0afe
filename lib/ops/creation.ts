/**
 * Tensor creation: constants (zeros, ones, full, eye), ranges (arange, linspace), the `...Like`
 * forms, and random tensors (rand, randn, truncatedNormal, randint) drawn from Dendrite's own
 * seedable generator, so a seed gives the same tensors on every run and platform.
 */
import { ValueError } from '../errors.js';
import {
  checkBoolean, checkChoice, checkInteger, checkNumber, checkOptions, checkShape, typeError, valueError,
} from '../validate.js';
import { DTYPES, type DType, emptyTensor, outputTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { type Generator, pickGenerator } from '../random.js';

/** Options of the constant creators. */
export interface CreationOptions {
  /** 'float32' (default) or 'int32'. */
  dtype?: DType;
  /** Make the new tensor a leaf that records gradients. */
  requiresGrad?: boolean;
}

/** Options of the random creators. */
export interface RandomOptions {
  /** Draw from a new generator seeded with this (reproducible regardless of other draws). */
  seed?: number;
  /** Draw from this generator (default: the global one, see `dn.seed`). */
  generator?: Generator;
  /** Make the new tensor a leaf that records gradients. */
  requiresGrad?: boolean;
}

function creationOptions(where: string, value: unknown, extra: readonly string[] = []): CreationOptions & Record<string, unknown> {
  if (typeof value === 'string') return { dtype: checkChoice(where, 'dtype', value, DTYPES) };
  const options = checkOptions<CreationOptions & Record<string, unknown>>(where, value, ['dtype', 'requiresGrad', ...extra]);
  if (options.dtype !== undefined) checkChoice(where, 'dtype', options.dtype, DTYPES);
  return options;
}

function finish(where: string, t: Tensor, requiresGrad: unknown): Tensor {
  if (requiresGrad !== undefined) t.requiresGrad = checkBoolean(where, 'requiresGrad', requiresGrad);
  return t;
}

function filled(where: string, shape: unknown, value: number, dtypeOrOptions: unknown): Tensor {
  const options = creationOptions(where, dtypeOrOptions);
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32' && !Number.isInteger(value)) valueError(where, 'value', 'an integer for an int32 tensor', value);
  const checked = checkShape(where, 'shape', shape);
  const t = value === 0 ? emptyTensor(checked, dtype) : outputTensor(checked, dtype);
  if (value !== 0) t.storage.fill(value);
  return finish(where, t, options.requiresGrad);
}

/** A tensor of zeros. `dtypeOrOptions`: 'float32' | 'int32' or `{dtype, requiresGrad}`. */
export function zeros(shape: number | readonly number[], dtypeOrOptions?: DType | CreationOptions): Tensor {
  return filled('zeros', shape, 0, dtypeOrOptions);
}

/** A tensor of ones. */
export function ones(shape: number | readonly number[], dtypeOrOptions?: DType | CreationOptions): Tensor {
  return filled('ones', shape, 1, dtypeOrOptions);
}

/** A tensor filled with `value`. */
export function full(shape: number | readonly number[], value: number, dtypeOrOptions?: DType | CreationOptions): Tensor {
  checkNumber('full', 'value', value);
  return filled('full', shape, value, dtypeOrOptions);
}

/** Zeros with the shape (and, unless told, the dtype) of `x`. */
export function zerosLike(x: TensorLike, dtypeOrOptions?: DType | CreationOptions): Tensor {
  const t = toTensor('zerosLike', 'x', x);
  return filled('zerosLike', t.shape, 0, withDefaultDtype('zerosLike', dtypeOrOptions, t.dtype));
}

/** Ones with the shape (and, unless told, the dtype) of `x`. */
export function onesLike(x: TensorLike, dtypeOrOptions?: DType | CreationOptions): Tensor {
  const t = toTensor('onesLike', 'x', x);
  return filled('onesLike', t.shape, 1, withDefaultDtype('onesLike', dtypeOrOptions, t.dtype));
}

/** `value` everywhere, with the shape (and, unless told, the dtype) of `x`. */
export function fullLike(x: TensorLike, value: number, dtypeOrOptions?: DType | CreationOptions): Tensor {
  const t = toTensor('fullLike', 'x', x);
  checkNumber('fullLike', 'value', value);
  return filled('fullLike', t.shape, value, withDefaultDtype('fullLike', dtypeOrOptions, t.dtype));
}

function withDefaultDtype(where: string, value: unknown, dtype: DType): CreationOptions {
  const options = creationOptions(where, value);
  return { ...options, dtype: options.dtype ?? dtype };
}

/** An `n` × `m` (default n × n) matrix with ones on the diagonal. */
export function eye(n: number, m?: number, dtypeOrOptions?: DType | CreationOptions): Tensor {
  checkInteger('eye', 'n', n, 0, 2 ** 31 - 1);
  const columns = m === undefined ? n : checkInteger('eye', 'm', m, 0, 2 ** 31 - 1);
  const t = filled('eye', [n, columns], 0, dtypeOrOptions);
  for (let i = 0; i < Math.min(n, columns); i++) t.storage[i * columns + i] = 1;
  return t;
}

/**
 * Evenly spaced values in [start, stop) with `step` (NumPy semantics): `arange(5)` is 0..4,
 * `arange(1, 2, 0.25)` is [1, 1.25, 1.5, 1.75]. float32 unless told 'int32'.
 */
export function arange(start: number, stop?: number, step = 1, dtypeOrOptions?: DType | CreationOptions): Tensor {
  const where = 'arange';
  checkNumber(where, 'start', start);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  checkNumber(where, 'stop', stop);
  checkNumber(where, 'step', step);
  if (step === 0) throw new ValueError(`${where}: step must not be 0`);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > 2 ** 31 - 1) valueError(where, 'step', 'large enough for at most 2^31-1 values', step);
  const options = creationOptions(where, dtypeOrOptions);
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32' && (!Number.isInteger(start) || !Number.isInteger(step))) {
    throw new ValueError(`${where}: an int32 range needs integer start and step, got ${start} and ${step}`);
  }
  const t = outputTensor([count], dtype);
  for (let i = 0; i < count; i++) t.storage[i] = start + i * step;
  return finish(where, t, options.requiresGrad);
}

/** `num` evenly spaced values from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, num: number, options?: CreationOptions): Tensor {
  const where = 'linspace';
  checkNumber(where, 'start', start);
  checkNumber(where, 'stop', stop);
  checkInteger(where, 'num', num, 0, 2 ** 31 - 1);
  const resolved = creationOptions(where, options);
  if (resolved.dtype === 'int32') throw new ValueError(`${where}: produces float32 values; cast the result for int32`);
  const t = outputTensor([num]);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) t.storage[i] = start + i * step;
  if (num > 1) t.storage[num - 1] = stop;
  return finish(where, t, resolved.requiresGrad);
}

function randomOptions(where: string, value: unknown, extra: readonly string[]): RandomOptions & Record<string, unknown> {
  return checkOptions<RandomOptions & Record<string, unknown>>(where, value, ['seed', 'generator', 'requiresGrad', ...extra]);
}

/** Options of {@link rand}. */
export interface RandOptions extends RandomOptions {
  /** Lower bound (default 0), included. */
  low?: number;
  /** Upper bound (default 1), excluded. */
  high?: number;
}

/** Uniform float32 values in [low, high) (default [0, 1)). */
export function rand(shape: number | readonly number[], options?: RandOptions): Tensor {
  const where = 'rand';
  const o = randomOptions(where, options, ['low', 'high']);
  const low = o.low === undefined ? 0 : checkNumber(where, 'low', o.low);
  const high = o.high === undefined ? 1 : checkNumber(where, 'high', o.high);
  if (!(high > low)) valueError(where, 'high', `greater than low (${low})`, high);
  const t = outputTensor(checkShape(where, 'shape', shape));
  pickGenerator(where, o).fillUniform(t.storage as Float32Array, low, high);
  return finish(where, t, o.requiresGrad);
}

/** Options of {@link randn} and {@link truncatedNormal}. */
export interface RandnOptions extends RandomOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 1). */
  std?: number;
}

function normalParameters(where: string, o: RandnOptions): [number, number] {
  const mean = o.mean === undefined ? 0 : checkNumber(where, 'mean', o.mean);
  const std = o.std === undefined ? 1 : checkNumber(where, 'std', o.std);
  if (std < 0) valueError(where, 'std', 'a number >= 0', std);
  return [mean, std];
}

/** Normally distributed float32 values (default mean 0, std 1). */
export function randn(shape: number | readonly number[], options?: RandnOptions): Tensor {
  const where = 'randn';
  const o = randomOptions(where, options, ['mean', 'std']);
  const [mean, std] = normalParameters(where, o);
  const t = outputTensor(checkShape(where, 'shape', shape));
  pickGenerator(where, o).fillNormal(t.storage as Float32Array, mean, std);
  return finish(where, t, o.requiresGrad);
}

/** Normal values redrawn when more than two standard deviations from the mean (Keras' truncated normal). */
export function truncatedNormal(shape: number | readonly number[], options?: RandnOptions): Tensor {
  const where = 'truncatedNormal';
  const o = randomOptions(where, options, ['mean', 'std']);
  const [mean, std] = normalParameters(where, o);
  const t = outputTensor(checkShape(where, 'shape', shape));
  pickGenerator(where, o).fillTruncatedNormal(t.storage as Float32Array, mean, std);
  return finish(where, t, o.requiresGrad);
}

/** Uniform int32 integers in [low, high) (NumPy's randint). */
export function randint(low: number, high: number, shape: number | readonly number[], options?: Omit<RandomOptions, 'requiresGrad'>): Tensor {
  const where = 'randint';
  checkInteger(where, 'low', low, -(2 ** 31), 2 ** 31 - 1);
  if (typeof high !== 'number') typeError(where, 'high', 'an integer', high);
  checkInteger(where, 'high', high, low + 1, 2 ** 31);
  const o = checkOptions<RandomOptions>(where, options, ['seed', 'generator']);
  const t = outputTensor(checkShape(where, 'shape', shape), 'int32');
  pickGenerator(where, o).fillIntegers(t.storage as Int32Array, low, high);
  return t;
}
