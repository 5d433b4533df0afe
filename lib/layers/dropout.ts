/**
 * Dropout layer: in training, zeroes each input element with probability `rate` and scales the
 * others by `1 / (1 - rate)` (inverted dropout, as in Keras), so inference is the identity. The mask
 * comes from Dendrite's seedable generator: the layer's own when given a `seed`, otherwise one forked
 * from the global generator when the layer is created (so `dn.seed(...)` first makes it reproducible).
 * With a `noiseShape`, one mask of that shape is drawn and broadcast over the input (Keras
 * `noise_shape`): `[null, 1, null]` drops the same features at every timestep of a sequence.
 */
import { ShapeError, ValueError } from '../errors.js';
import { allocateUninitialized, makeTensor, type Tensor } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { broadcastTo, contiguous } from '../ops/shape.js';
import { Generator, random } from '../random.js';
import { arrayItems, checkEach, checkInteger, checkOptions, checkRange, MAX_RANK, typeError } from '../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link dropout}. */
export interface DropoutOptions extends LayerOptions {
  /** The fraction of inputs to drop, in [0, 1). Required. */
  rate: number;
  /** Seed of the layer's own generator, for reproducible masks. */
  seed?: number;
  /**
   * The shape of the random mask, broadcast over the input (Keras `noise_shape`, tfjs `noiseShape`):
   * one entry per input dimension (batch first), each the input's size, 1 (the same draw along that
   * dimension) or null (the input's size). Default: the input's shape (every element drawn).
   */
  noiseShape?: readonly (number | null)[];
}

const TWO_POW_32 = 4294967296;

/** Randomly drops inputs during training. */
export class Dropout extends Layer {
  readonly className: string = 'Dropout';
  /** The fraction of inputs dropped in training. */
  readonly rate: number;
  /** The seed given, or null. */
  readonly seed: number | null;
  /** The mask's shape (null entries: the input's size), or null for the input's shape. */
  readonly noiseShape: readonly (number | null)[] | null;
  private readonly generator: Generator;

  /** @param where, className: for a subclass (SpatialDropout2D), its own names */
  constructor(options: DropoutOptions, where = 'dropout', className = 'Dropout') {
    const o = checkOptions<DropoutOptions>(where, options, [...LAYER_OPTION_NAMES, 'rate', 'seed', 'noiseShape']);
    if (o.rate === undefined) throw new ValueError(`${where}: rate is required, e.g. ${where}({ rate: 0.5 })`);
    super(where, o, className);
    this.rate = checkRange(where, 'rate', o.rate, 0, 1, { maxExclusive: true });
    this.seed = o.seed === undefined ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.noiseShape = o.noiseShape === undefined ? null : checkNoiseShape(where, o.noiseShape);
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
  }

  /** Inputs of any shape fit (the layer works elementwise): sequences of another length too. */
  override checkInputShape(): void {}

  /** The mask passes through (the layer keeps the time axis). */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (this.noiseShape !== null) this.maskShape(inputShape);
    return inputShape.slice();
  }

  /** The noise shape resolved against an input shape; a ShapeError when it does not broadcast. */
  private maskShape(inputShape: readonly (number | null)[]): (number | null)[] {
    const noise = this.noiseShape!;
    const fits = noise.length === inputShape.length
      && noise.every((d, i) => d === null || d === 1 || inputShape[i] === null || d === inputShape[i]);
    if (!fits) {
      throw new ShapeError(
        `${this.name}: noiseShape ${formatLayerShape(noise)} does not fit input shape ${formatLayerShape(inputShape)}: it needs one entry per input dimension, each the input's size, 1 or null`,
      );
    }
    return noise.map((d, i) => d ?? inputShape[i]);
  }

  /** Writes the inverted-dropout mask (0 or 1 / (1 - rate)) of `n` elements into `mask`. */
  protected drawMask(mask: Float32Array, n: number): void {
    const scale = 1 / (1 - this.rate);
    // An element is dropped when 32 random bits fall below rate * 2^32.
    const threshold = this.rate * TWO_POW_32;
    for (let i = 0; i < n; i++) mask[i] = this.generator.nextUint32() >= threshold ? scale : 0;
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (!context.training || this.rate === 0) return x;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const source = input.storage as Float32Array;
    const n = source.length;
    const workspace = context.workspace;
    const output = workspace === null ? (allocateUninitialized('float32', n) as Float32Array) : workspace.floats('y', n);
    const mask = workspace === null ? (allocateUninitialized('float32', n) as Float32Array) : workspace.floats('mask', n);
    if (this.noiseShape === null) {
      this.drawMask(mask, n);
    } else {
      // One draw per element of the noise shape, broadcast over the input.
      const shape = this.maskShape(x.shape) as number[];
      const noise = makeTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      this.drawMask(noise.storage as Float32Array, noise.size);
      mask.set(contiguous(broadcastTo(noise, x.shape)).storage as Float32Array);
    }
    for (let i = 0; i < n; i++) output[i] = source[i] * mask[i];
    const y = makeTensor(output, x.shape);
    if (!isGradEnabled() || !x.requiresGrad) return y;
    return recordOp('dropout', y, [x], (grad) => {
      const dy = contiguous(grad).storage as Float32Array;
      const dx = workspace === null ? (allocateUninitialized('float32', n) as Float32Array) : workspace.floats('dx', n);
      for (let i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
      return [makeTensor(dx, x.shape)];
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, noiseShape: this.noiseShape === null ? null : this.noiseShape.slice() };
  }

  /** @internal The mask generator's state: saved with the optimizer so that resumed training draws the same masks. */
  getRandomState(): number[] {
    return this.generator.getState();
  }

  /** @internal Restores {@link Dropout.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    this.generator.setState(state);
  }
}

/** Checks a noiseShape: an array of positive integers or nulls. */
function checkNoiseShape(where: string, value: unknown): (number | null)[] {
  if (!Array.isArray(value)) typeError(where, 'noiseShape', 'an array of positive integers or nulls, e.g. [null, 1, null]', value);
  return checkEach(arrayItems(where, 'noiseShape', value, MAX_RANK, 'dimensions'), (d, i) => (d === null ? null : checkInteger(where, `noiseShape[${i}]`, d, 1, Number.MAX_SAFE_INTEGER)));
}

/**
 * A layer that drops a fraction `rate` of its inputs during training (identity at inference).
 * ```ts
 * dn.layers.dropout({ rate: 0.5, seed: 42 });
 * dn.layers.dropout({ rate: 0.3, noiseShape: [null, 1, null] });   // the same features at every timestep
 * ```
 */
export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}

registerLayer('Dropout', Dropout);
