/**
 * GaussianNoise (Keras `GaussianNoise`, tfjs `gaussianNoise`): while training, adds zero-mean normal noise
 * of standard deviation `stddev` to every input element (a regularizer, and an augmentation for audio
 * features); identity at inference. The gradient passes through unchanged. The noise comes from the
 * layer's own generator (seeded with `seed`, or forked from the global one when the layer is created).
 */
import { ValueError } from '../../errors.js';
import { allocateUninitialized, makeTensor, type Tensor } from '../../tensor.js';
import { isGradEnabled, recordOp } from '../../autograd/engine.js';
import { contiguous } from '../../ops/shape.js';
import { Generator, random } from '../../random.js';
import { checkInteger, checkOptions, checkRange } from '../../validate.js';
import { Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseOptions extends LayerOptions {
  /** Standard deviation of the noise, >= 0. Required. */
  stddev: number;
  /** Seed of the layer's own generator, for reproducible noise. */
  seed?: number;
}

/** Adds Gaussian noise to its inputs while training. */
export class GaussianNoise extends Layer {
  readonly className = 'GaussianNoise';
  readonly stddev: number;
  readonly seed: number | null;
  private readonly generator: Generator;

  constructor(options: GaussianNoiseOptions) {
    const where = 'gaussianNoise';
    const o = checkOptions<GaussianNoiseOptions>(where, options, [...LAYER_OPTION_NAMES, 'stddev', 'seed']);
    if (o.stddev === undefined) throw new ValueError(`${where}: stddev is required, e.g. ${where}({ stddev: 0.1 })`);
    super(where, o, 'GaussianNoise');
    this.stddev = checkRange(where, 'stddev', o.stddev, 0, Infinity, { maxExclusive: true });
    this.seed = o.seed === undefined ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
  }

  /** Inputs of any shape fit (the layer works elementwise). */
  override checkInputShape(): void {}

  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return inputShape.slice();
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (!context.training || this.stddev === 0) return x;
    const input = x.isContiguous ? x : contiguous(x.detach());
    const source = input.storage as Float32Array;
    const output = allocateUninitialized('float32', source.length) as Float32Array;
    this.generator.fillNormal(output, 0, this.stddev);
    for (let i = 0; i < output.length; i++) output[i] += source[i];
    const y = makeTensor(output, x.shape);
    if (!isGradEnabled() || !x.requiresGrad) return y;
    return recordOp('gaussianNoise', y, [x], (grad) => [grad]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }

  /** @internal The noise generator's state (saved with the optimizer, as Dropout's). */
  getRandomState(): number[] {
    return this.generator.getState();
  }

  /** @internal Restores {@link GaussianNoise.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    this.generator.setState(state);
  }
}

/**
 * A layer that adds normal noise of standard deviation `stddev` while training (identity at inference).
 * ```ts
 * dn.layers.gaussianNoise({ stddev: 0.1, seed: 7 });
 * ```
 */
export function gaussianNoise(options: GaussianNoiseOptions): GaussianNoise {
  return new GaussianNoise(options);
}

registerLayer('GaussianNoise', GaussianNoise);
