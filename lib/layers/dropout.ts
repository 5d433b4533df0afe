/**
 * Dropout layer: in training, zeroes each input element with probability `rate` and scales the
 * others by `1 / (1 - rate)` (inverted dropout, as in Keras), so inference is the identity. The mask
 * comes from Dendrite's seedable generator: the layer's own when given a `seed`, otherwise one forked
 * from the global generator when the layer is created (so `dn.seed(...)` first makes it reproducible).
 */
import { ValueError } from '../errors.js';
import { allocateStorage, makeTensor, type Tensor } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { contiguous } from '../ops/shape.js';
import { Generator, random } from '../random.js';
import { checkInteger, checkOptions, checkRange } from '../validate.js';
import { Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link dropout}. */
export interface DropoutOptions extends LayerOptions {
  /** The fraction of inputs to drop, in [0, 1). Required. */
  rate: number;
  /** Seed of the layer's own generator, for reproducible masks. */
  seed?: number;
}

const TWO_POW_32 = 4294967296;

/** Randomly drops inputs during training. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  /** The fraction of inputs dropped in training. */
  readonly rate: number;
  /** The seed given, or null. */
  readonly seed: number | null;
  private readonly generator: Generator;

  constructor(options: DropoutOptions) {
    const where = 'dropout';
    const o = checkOptions<DropoutOptions>(where, options, [...LAYER_OPTION_NAMES, 'rate', 'seed']);
    if (o.rate === undefined) throw new ValueError(`${where}: rate is required, e.g. dropout({ rate: 0.5 })`);
    super(where, o, 'Dropout');
    this.rate = checkRange(where, 'rate', o.rate, 0, 1, { maxExclusive: true });
    this.seed = o.seed === undefined ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
  }

  /** Inputs of any shape fit (the layer works elementwise): sequences of another length too. */
  override checkInputShape(): void {}

  /** The mask passes through (the layer keeps the time axis). */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return inputShape.slice();
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (!context.training || this.rate === 0) return x;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const source = input.storage as Float32Array;
    const n = source.length;
    const workspace = context.workspace;
    const output = workspace === null ? (allocateStorage('float32', n) as Float32Array) : workspace.floats('y', n);
    const mask = workspace === null ? (allocateStorage('float32', n) as Float32Array) : workspace.floats('mask', n);
    const scale = 1 / (1 - this.rate);
    // An element is dropped when 32 random bits fall below rate * 2^32.
    const threshold = this.rate * TWO_POW_32;
    const generator = this.generator;
    for (let i = 0; i < n; i++) {
      const keep = generator.nextUint32() >= threshold ? scale : 0;
      mask[i] = keep;
      output[i] = source[i] * keep;
    }
    const y = makeTensor(output, x.shape);
    if (!isGradEnabled() || !x.requiresGrad) return y;
    return recordOp('dropout', y, [x], (grad) => {
      const dy = contiguous(grad).storage as Float32Array;
      const dx = workspace === null ? (allocateStorage('float32', n) as Float32Array) : workspace.floats('dx', n);
      for (let i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
      return [makeTensor(dx, x.shape)];
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
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

/**
 * A layer that drops a fraction `rate` of its inputs during training (identity at inference).
 * ```ts
 * dn.layers.dropout({ rate: 0.5, seed: 42 });
 * ```
 */
export function dropout(options: DropoutOptions): Dropout {
  return new Dropout(options);
}

registerLayer('Dropout', Dropout);
