/**
 * Weight initializers in the names, defaults and fan rules of Keras (`keras.initializers`).
 *
 * Randomness comes from Dendrite's own generator (lib/random.ts), so a seed gives the same
 * weights on every run and platform. As in Keras 3, an initializer given a `seed` is a pure
 * function of the shape: every call returns the same values. Without a seed it draws from the
 * global generator (`dn.seed(...)` makes that reproducible), or from the `generator` it is given.
 *
 * ```ts
 * dn.layers.dense({ units: 64, kernelInitializer: dn.initializers.heNormal({ seed: 1 }) });
 * dn.layers.dense({ units: 64, kernelInitializer: 'glorotUniform' });
 * ```
 */
import { DTypeError, ValueError } from './errors.js';
import { type DType, DTYPES, makeTensor, shapeSize, type Tensor } from './tensor.js';
import { Generator, pickGenerator } from './random.js';
import {
  checkChoice, checkNumber, checkObject, checkOptions, checkRange, checkShape, didYouMean, formatShape, typeError, valueError,
} from './validate.js';
import { acceptedNames, resolveName } from './aliases.js';

/** Something that makes a weight tensor of a given shape. */
export interface Initializer {
  /** The registered class name (Keras' name: 'GlorotUniform', 'Zeros', ...). */
  readonly className: string;
  /** A new contiguous tensor of `shape` (float32 by default). */
  apply(shape: readonly number[], dtype?: DType): Tensor;
  /** The options that rebuild this initializer (plain JSON). */
  getConfig(): Record<string, unknown>;
}

/** Options shared by the random initializers. */
export interface SeedOptions {
  /** Same values on every call, from a generator seeded with this safe integer. */
  seed?: number;
  /** Draw from this generator instead (advancing it); default: the global generator. */
  generator?: Generator;
}

/**
 * Keras' fan rule: a vector's fan is its length; a dense kernel `[inputDim, units]` has
 * fanIn = inputDim, fanOut = units; a convolution kernel `[...spatial, inChannels, outChannels]`
 * multiplies both by the receptive field size (the product of the spatial dimensions).
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptiveField = 1;
  for (let i = 0; i < shape.length - 2; i++) receptiveField *= shape[i];
  return { fanIn: shape[shape.length - 2] * receptiveField, fanOut: shape[shape.length - 1] * receptiveField };
}

/** Checks `apply`'s arguments; returns the shape. */
function checkApply(where: string, shape: unknown, dtype: unknown, floatOnly: boolean): { shape: number[]; dtype: DType } {
  const checked = checkShape(where, 'shape', shape);
  const type = dtype === undefined ? 'float32' : checkChoice(where, 'dtype', dtype, DTYPES);
  if (floatOnly && type !== 'float32') {
    throw new DTypeError(`${where}: random initializers make float32 tensors, got dtype '${type}'`);
  }
  return { shape: checked, dtype: type };
}

function storageFor(shape: readonly number[], dtype: DType): Float32Array | Int32Array {
  const size = shapeSize(shape);
  return dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
}

// ---------------------------------------------------------------------------------------------
// Constants.

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The value of every element. Default 0. */
  value?: number;
}

/** Every element equal to a constant (Keras `Constant`; `Zeros` and `Ones` are its special cases). */
export class Constant implements Initializer {
  readonly className: string = 'Constant';
  readonly value: number;

  constructor(options: ConstantOptions = {}, where = 'constant') {
    const o = checkOptions<ConstantOptions>(where, options, ['value']);
    this.value = o.value === undefined ? 0 : checkNumber(where, 'value', o.value);
  }

  apply(shape: readonly number[], dtype?: DType): Tensor {
    const where = `${this.className}.apply`;
    const checked = checkApply(where, shape, dtype, false);
    if (checked.dtype === 'int32' && !Number.isInteger(this.value)) {
      valueError(where, 'value', 'an integer for an int32 tensor', this.value);
    }
    const storage = storageFor(checked.shape, checked.dtype);
    if (this.value !== 0) storage.fill(this.value);
    return makeTensor(storage, checked.shape);
  }

  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** All zeros (Keras `Zeros`). */
export class Zeros extends Constant {
  override readonly className: string = 'Zeros';
  constructor(options: Record<string, never> = {}) {
    checkOptions('zeros', options, []);
    super({ value: 0 }, 'zeros');
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** All ones (Keras `Ones`). */
export class Ones extends Constant {
  override readonly className: string = 'Ones';
  constructor(options: Record<string, never> = {}) {
    checkOptions('ones', options, []);
    super({ value: 1 }, 'ones');
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Zeros (the default bias initializer). */
export function zeros(): Zeros {
  return new Zeros();
}

/** Ones. */
export function ones(): Ones {
  return new Ones();
}

/** A constant: `dn.initializers.constant({value: 0.1})`. */
export function constant(options?: ConstantOptions): Constant {
  return new Constant(options);
}

/** Options of {@link identity}. */
export interface IdentityOptions {
  /** Multiplies the identity matrix. Default 1. */
  gain?: number;
}

/**
 * The identity matrix times `gain` (Keras `Identity`, TensorFlow.js `identity`): a 2-D shape
 * `[rows, cols]` gets `gain` on its main diagonal and zeros elsewhere. A non-square shape gets the
 * diagonal of its leading square, as in Keras 3 (`eye(rows, cols)`); TensorFlow.js accepts only square
 * shapes. Any other rank is a ValueError.
 */
export class Identity implements Initializer {
  readonly className = 'Identity';
  readonly gain: number;

  constructor(options: IdentityOptions = {}) {
    const where = 'identity';
    const o = checkOptions<IdentityOptions>(where, options, ['gain']);
    this.gain = o.gain === undefined ? 1 : checkNumber(where, 'gain', o.gain);
  }

  apply(shape: readonly number[], dtype?: DType): Tensor {
    const where = `${this.className}.apply`;
    const checked = checkApply(where, shape, dtype, false);
    if (checked.shape.length !== 2) {
      throw new ValueError(`${where}: the identity initializer makes matrices: expected a shape of 2 dimensions, got ${formatShape(checked.shape)}`);
    }
    if (checked.dtype === 'int32' && !Number.isInteger(this.gain)) {
      valueError(where, 'gain', 'an integer for an int32 tensor', this.gain);
    }
    const [rows, cols] = checked.shape;
    const storage = storageFor(checked.shape, checked.dtype);
    for (let i = 0; i < Math.min(rows, cols); i++) storage[i * cols + i] = this.gain;
    return makeTensor(storage, checked.shape);
  }

  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/** The identity matrix times `gain`: `dn.initializers.identity({ gain: 1 })` (see {@link Identity}). */
export function identity(options?: IdentityOptions): Identity {
  return new Identity(options);
}

// ---------------------------------------------------------------------------------------------
// Random initializers.

/** The base of the random initializers: seed handling and config. */
abstract class RandomInitializer implements Initializer {
  abstract readonly className: string;
  /** The seed, or null when drawing from a generator. */
  readonly seed: number | null;
  private readonly generator: Generator | undefined;

  protected constructor(where: string, options: SeedOptions) {
    // Validates the pair (both at once is an error) the way every random op does.
    pickGenerator(where, options);
    this.seed = options.seed === undefined ? null : options.seed;
    this.generator = options.generator;
  }

  /** The generator for one call: a fresh one from the seed (same values each call), else the shared one. */
  protected source(): Generator {
    if (this.seed !== null) return new Generator(this.seed);
    return this.generator ?? pickGenerator(this.className, {});
  }

  apply(shape: readonly number[], dtype?: DType): Tensor {
    const checked = checkApply(`${this.className}.apply`, shape, dtype, true);
    const values = new Float32Array(shapeSize(checked.shape));
    this.fill(values, checked.shape, this.source());
    return makeTensor(values, checked.shape);
  }

  /** Writes the values for `shape` into `values`. */
  protected abstract fill(values: Float32Array, shape: readonly number[], generator: Generator): void;

  protected abstract ownConfig(): Record<string, unknown>;

  getConfig(): Record<string, unknown> {
    return { ...this.ownConfig(), seed: this.seed };
  }
}

/** Options of {@link randomNormal}. */
export interface RandomNormalOptions extends SeedOptions {
  /** Default 0. */
  mean?: number;
  /** Default 0.05 (Keras). */
  stddev?: number;
}

/** Normal draws (Keras `RandomNormal`). */
export class RandomNormal extends RandomInitializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;

  /** @internal `where` lets TruncatedNormal reuse this constructor. */
  constructor(options: RandomNormalOptions = {}, where = 'randomNormal') {
    const o = checkOptions<RandomNormalOptions>(where, options, ['mean', 'stddev', 'seed', 'generator']);
    super(where, o);
    this.mean = o.mean === undefined ? 0 : checkNumber(where, 'mean', o.mean);
    this.stddev = o.stddev === undefined ? 0.05 : checkRange(where, 'stddev', o.stddev, 0, Infinity);
  }

  protected fill(values: Float32Array, _shape: readonly number[], generator: Generator): void {
    generator.fillNormal(values, this.mean, this.stddev);
  }

  protected ownConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev };
  }
}

/** Options of {@link truncatedNormal}. */
export type TruncatedNormalOptions = RandomNormalOptions;

/** Normal draws redrawn beyond two standard deviations (Keras `TruncatedNormal`). */
export class TruncatedNormal extends RandomNormal {
  override readonly className: string = 'TruncatedNormal';

  constructor(options: TruncatedNormalOptions = {}) {
    super(options, 'truncatedNormal');
  }

  protected override fill(values: Float32Array, _shape: readonly number[], generator: Generator): void {
    generator.fillTruncatedNormal(values, this.mean, this.stddev);
  }
}

/** Options of {@link randomUniform}. */
export interface RandomUniformOptions extends SeedOptions {
  /** The lower bound (inclusive). Default -0.05 (Keras). */
  minval?: number;
  /** The upper bound (exclusive), >= minval. Default 0.05. */
  maxval?: number;
}

/** Uniform draws in [minval, maxval) (Keras `RandomUniform`). */
export class RandomUniform extends RandomInitializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;

  constructor(options: RandomUniformOptions = {}) {
    const where = 'randomUniform';
    const o = checkOptions<RandomUniformOptions>(where, options, ['minval', 'maxval', 'seed', 'generator']);
    super(where, o);
    this.minval = o.minval === undefined ? -0.05 : checkNumber(where, 'minval', o.minval);
    this.maxval = o.maxval === undefined ? 0.05 : checkNumber(where, 'maxval', o.maxval);
    if (!(this.maxval >= this.minval)) valueError(where, 'maxval', `>= minval (${this.minval})`, this.maxval);
  }

  protected fill(values: Float32Array, _shape: readonly number[], generator: Generator): void {
    generator.fillUniform(values, this.minval, this.maxval);
  }

  protected ownConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval };
  }
}

/** How {@link VarianceScaling} counts the fan. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution {@link VarianceScaling} draws from. */
export type ScalingDistribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';
const FAN_MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly ScalingDistribution[] = ['truncatedNormal', 'untruncatedNormal', 'uniform'];

/** Options of {@link varianceScaling}. */
export interface VarianceScalingOptions extends SeedOptions {
  /** The target variance is `scale / n`. Default 1, > 0. */
  scale?: number;
  /** n is the fan-in, the fan-out or their average. Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'truncatedNormal'. */
  distribution?: ScalingDistribution;
}

/**
 * Draws with variance `scale / n`, n from the fan rule of {@link computeFans} (Keras
 * `VarianceScaling`): a truncated normal (cut at two standard deviations) with
 * `std = sqrt(scale / n) / 0.87962566103423978` so the truncated draws keep that variance, a plain
 * normal with `std = sqrt(scale / n)`, or a uniform in `[-limit, limit]`, `limit = sqrt(3 * scale / n)`.
 * The Glorot, He and LeCun initializers are its named cases.
 */
export class VarianceScaling extends RandomInitializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: ScalingDistribution;

  constructor(options: VarianceScalingOptions = {}, where = 'varianceScaling', known?: readonly string[]) {
    const o = checkOptions<VarianceScalingOptions>(where, options, known ?? ['scale', 'mode', 'distribution', 'seed', 'generator']);
    super(where, o);
    this.scale = o.scale === undefined ? 1 : checkRange(where, 'scale', o.scale, 0, Infinity, { minExclusive: true });
    this.mode = o.mode === undefined ? 'fanIn' : checkChoice(where, 'mode', o.mode, FAN_MODES);
    this.distribution = o.distribution === undefined ? 'truncatedNormal' : checkChoice(where, 'distribution', o.distribution, DISTRIBUTIONS);
  }

  /** The standard deviation (normal) or limit (uniform) for `shape`. */
  spread(shape: readonly number[]): number {
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    const variance = this.scale / n;
    if (this.distribution === 'uniform') return Math.sqrt(3 * variance);
    // The standard deviation of a unit normal truncated to [-2, 2].
    if (this.distribution === 'truncatedNormal') return Math.sqrt(variance) / 0.87962566103423978;
    return Math.sqrt(variance);
  }

  protected fill(values: Float32Array, shape: readonly number[], generator: Generator): void {
    const spread = this.spread(shape);
    if (this.distribution === 'uniform') generator.fillUniform(values, -spread, spread);
    else if (this.distribution === 'truncatedNormal') generator.fillTruncatedNormal(values, 0, spread);
    else generator.fillNormal(values, 0, spread);
  }

  protected ownConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
}

/** A named case of VarianceScaling: its config is only the seed, as in Keras. */
class NamedScaling extends VarianceScaling {
  override readonly className: string;
  constructor(className: string, where: string, options: SeedOptions, fixed: Required<Omit<VarianceScalingOptions, keyof SeedOptions>>) {
    checkOptions(where, options, ['seed', 'generator']);
    super({ ...fixed, seed: options?.seed, generator: options?.generator } as VarianceScalingOptions, where);
    this.className = className;
  }
  protected override ownConfig(): Record<string, unknown> {
    return {};
  }
}

/** Glorot (Xavier) uniform: uniform in ±sqrt(6 / (fanIn + fanOut)) (Keras `GlorotUniform`, the Dense default). */
export function glorotUniform(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('GlorotUniform', 'glorotUniform', options, { scale: 1, mode: 'fanAvg', distribution: 'uniform' });
}

/** Glorot (Xavier) normal: truncated normal with std sqrt(2 / (fanIn + fanOut)) (Keras `GlorotNormal`). */
export function glorotNormal(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('GlorotNormal', 'glorotNormal', options, { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal' });
}

/** He (Kaiming) uniform: uniform in ±sqrt(6 / fanIn), for ReLU layers (Keras `HeUniform`). */
export function heUniform(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('HeUniform', 'heUniform', options, { scale: 2, mode: 'fanIn', distribution: 'uniform' });
}

/** He (Kaiming) normal: truncated normal with std sqrt(2 / fanIn), for ReLU layers (Keras `HeNormal`). */
export function heNormal(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('HeNormal', 'heNormal', options, { scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' });
}

/** LeCun normal: truncated normal with std sqrt(1 / fanIn), for SELU layers (Keras `LecunNormal`). */
export function lecunNormal(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('LecunNormal', 'lecunNormal', options, { scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' });
}

/** LeCun uniform: uniform in ±sqrt(3 / fanIn) (Keras `LecunUniform`). */
export function lecunUniform(options: SeedOptions = {}): VarianceScaling {
  return new NamedScaling('LecunUniform', 'lecunUniform', options, { scale: 1, mode: 'fanIn', distribution: 'uniform' });
}

/** Variance scaling with explicit options (see {@link VarianceScaling}). */
export function varianceScaling(options?: VarianceScalingOptions): VarianceScaling {
  return new VarianceScaling(options);
}

/** A normal initializer: `dn.initializers.randomNormal({mean: 0, stddev: 0.05})`. */
export function randomNormal(options?: RandomNormalOptions): RandomNormal {
  return new RandomNormal(options);
}

/** A truncated normal initializer (draws beyond two standard deviations are redrawn). */
export function truncatedNormal(options?: TruncatedNormalOptions): TruncatedNormal {
  return new TruncatedNormal(options);
}

/** A uniform initializer: `dn.initializers.randomUniform({minval: -0.05, maxval: 0.05})`. */
export function randomUniform(options?: RandomUniformOptions): RandomUniform {
  return new RandomUniform(options);
}

// ---------------------------------------------------------------------------------------------
// Orthogonal.

/** Options of {@link orthogonal}. */
export interface OrthogonalOptions extends SeedOptions {
  /** Multiplies the orthogonal matrix. Default 1. */
  gain?: number;
}

/**
 * A (semi-)orthogonal matrix (Keras `Orthogonal`, Saxe et al. 2014): the shape is flattened to
 * `[rows, cols]` with `cols` the last dimension; the Q factor of a QR decomposition of a normal
 * matrix (signs fixed by R's diagonal, so Q is uniformly distributed) gives orthonormal columns
 * when rows >= cols, orthonormal rows otherwise; then times `gain`.
 */
export class Orthogonal extends RandomInitializer {
  readonly className = 'Orthogonal';
  readonly gain: number;

  constructor(options: OrthogonalOptions = {}) {
    const where = 'orthogonal';
    const o = checkOptions<OrthogonalOptions>(where, options, ['gain', 'seed', 'generator']);
    super(where, o);
    this.gain = o.gain === undefined ? 1 : checkNumber(where, 'gain', o.gain);
  }

  override apply(shape: readonly number[], dtype?: DType): Tensor {
    const checked = checkApply(`${this.className}.apply`, shape, dtype, true);
    if (checked.shape.length < 2) {
      throw new ValueError(`${this.className}.apply: the shape must have at least 2 dimensions, got [${checked.shape.join(', ')}]`);
    }
    return super.apply(checked.shape, checked.dtype);
  }

  protected fill(values: Float32Array, shape: readonly number[], generator: Generator): void {
    const cols = shape[shape.length - 1];
    const rows = values.length / Math.max(cols, 1);
    if (values.length === 0) return;
    // Work on the tall orientation: m >= n, Q is m x n with orthonormal columns.
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const a = new Float64Array(m * n);
    generator.fillNormal(a);
    const q = orthonormalColumns(a, m, n);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        // Wide case: the matrix is Q transposed, so its rows are orthonormal.
        values[i * cols + j] = this.gain * (rows >= cols ? q[i * n + j] : q[j * n + i]);
      }
    }
  }

  protected ownConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/**
 * The thin Q (m x n, row-major) of the Householder QR of `a` (m x n, m >= n, row-major), each
 * column's sign chosen so R's diagonal is positive. Householder rather than Gram-Schmidt: it stays
 * orthogonal to machine precision even for nearly dependent columns.
 */
function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const reflectors: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    const v = new Float64Array(m - k);
    const alpha = r[k * n + k] >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k];
    v[0] -= alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i] * v[i];
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) for (let i = 0; i < v.length; i++) v[i] /= vNorm;
    reflectors.push(v);
    // Apply H = I - 2 v v^T to the remaining columns of r.
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * r[i * n + j];
      for (let i = k; i < m; i++) r[i * n + j] -= 2 * v[i - k] * dot;
    }
    signs[k] = r[k * n + k] < 0 ? -1 : 1;
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = reflectors[k];
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
      for (let i = k; i < m; i++) q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  for (let j = 0; j < n; j++) {
    if (signs[j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  }
  return q;
}

/** An orthogonal initializer: `dn.initializers.orthogonal({gain: 1, seed: 0})`. */
export function orthogonal(options?: OrthogonalOptions): Orthogonal {
  return new Orthogonal(options);
}

// ---------------------------------------------------------------------------------------------
// Lookup by name and serialization.

/**
 * Factories by their canonical names (camelCase, as in TensorFlow.js); the other spellings of
 * TensorFlow.js and Keras ('leCunNormal', 'LecunNormal', 'lecun_normal'...) are in lib/aliases.ts.
 */
const factories: Record<string, (options?: never) => Initializer> = {
  zeros, ones, constant, identity, randomNormal, randomUniform, truncatedNormal, varianceScaling, orthogonal,
  glorotUniform, glorotNormal, heUniform, heNormal, lecunNormal, lecunUniform,
};

/** The canonical names {@link getInitializer} accepts (see lib/aliases.ts for the other spellings). */
export const INITIALIZER_NAMES: readonly string[] = Object.keys(factories);

/** The serialized form of an initializer. */
export interface InitializerConfig {
  className: string;
  config: Record<string, unknown>;
}

function isInitializer(value: unknown): value is Initializer {
  return (
    value !== null && typeof value === 'object' && typeof (value as Initializer).apply === 'function' &&
    typeof (value as Initializer).getConfig === 'function' && typeof (value as Initializer).className === 'string'
  );
}

/**
 * An initializer from a name (`'glorotUniform'`, `'heNormal'`, `'zeros'`...; the TensorFlow.js and
 * Keras spellings `'GlorotUniform'`, `'glorot_uniform'`, `'leCunNormal'`... work too), an initializer
 * object (returned as is), or a serialized `{className, config}`. An unknown name lists the known ones.
 */
export function getInitializer(identifier: string | Initializer | InitializerConfig): Initializer {
  const where = 'getInitializer';
  if (isInitializer(identifier)) return identifier;
  if (typeof identifier === 'string') {
    const resolved = resolveName('initializer', identifier, factories);
    if (resolved === undefined) {
      throw new ValueError(
        `${where}: unknown initializer '${identifier}'${didYouMean(identifier, acceptedNames('initializer', factories))}; known initializers: ${INITIALIZER_NAMES.join(', ')}`,
      );
    }
    return factories[resolved.name]();
  }
  if (identifier !== null && typeof identifier === 'object' && 'className' in identifier) {
    return deserializeInitializer(identifier);
  }
  return typeError(where, 'initializer', 'a name or an initializer object', identifier);
}

/** `{className, config}` for an initializer. */
export function serializeInitializer(initializer: Initializer): InitializerConfig {
  if (!isInitializer(initializer)) typeError('serializeInitializer', 'initializer', 'an initializer', initializer);
  return { className: initializer.className, config: initializer.getConfig() };
}

/** Rebuilds an initializer from {@link serializeInitializer}'s output. */
export function deserializeInitializer(value: unknown): Initializer {
  const where = 'deserializeInitializer';
  const object = checkObject(where, 'initializer', value);
  const className = object.className;
  if (typeof className !== 'string') typeError(where, 'className', 'a string', className);
  const resolved = resolveName('initializer', className, factories);
  if (resolved === undefined) {
    throw new ValueError(
      `${where}: unknown initializer class '${className}'${didYouMean(className, acceptedNames('initializer', factories))}; known: ${INITIALIZER_NAMES.join(', ')}`,
    );
  }
  const config = object.config === undefined ? {} : checkObject(where, 'config', object.config);
  // A saved `seed: null` means "no seed".
  const options = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));
  return factories[resolved.name](options as never);
}
