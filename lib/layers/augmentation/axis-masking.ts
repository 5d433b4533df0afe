/**
 * The base of SpecAugment's masking layers ({@link TimeMasking}, {@link FrequencyMasking}), with
 * torchaudio's semantics (torchaudio.functional.mask_along_axis): in training, a band of consecutive
 * positions along one axis is set to `maskValue`: a width w is drawn uniformly from [0, maskParam) and a start
 * x uniformly from [0, size - w), both real, and positions floor(x) to floor(x + w) - 1 are masked (so a band
 * is at most maskParam wide). At inference the
 * layer is the identity. The band spans every other axis (all frequencies of the masked steps, or all
 * steps of the masked frequencies). Masks come from the layer's own generator (seeded with `seed`, or forked
 * from the global one when the layer is created), like {@link Dropout}'s.
 */
import { ShapeError } from '../../errors.js';
import { allocateUninitialized, makeTensor, type Tensor } from '../../tensor.js';
import { isGradEnabled, recordOp } from '../../autograd/engine.js';
import { contiguous } from '../../ops/shape.js';
import { Generator, random } from '../../random.js';
import { checkBoolean, checkInteger, checkNumber, checkRange } from '../../validate.js';
import { formatLayerShape, Layer, type CallContext, type LayerOptions, type Shape } from '../layer.js';

/** Options shared by the masking layers. */
export interface AxisMaskingOptions extends LayerOptions {
  /** A separate mask for every example of the batch (default true; torchaudio's module default is false). */
  iidMasks?: boolean;
  /** The value written over the masked positions (default 0). */
  maskValue?: number;
  /** The axis masked (batch first; negative counts from the end). */
  axis?: number;
  /** Seed of the layer's own generator, for reproducible masks. */
  seed?: number;
}

/** The resolved settings of a masking layer. */
export interface MaskingSettings {
  /** Masks are at most this wide. */
  maskParam: number;
  /** The band covers at most this fraction of the axis (torchaudio's `p`; 1 for frequency masking). */
  p: number;
  iidMasks: boolean;
  maskValue: number;
  axis: number;
  seed: number | null;
}

/** @internal Checks the options every masking layer shares; `paramName` is its width option's name. */
export function checkMaskingOptions(where: string, o: Partial<AxisMaskingOptions>, paramName: string, param: unknown, defaultAxis: number): Omit<MaskingSettings, 'p'> {
  return {
    maskParam: checkInteger(where, paramName, param, 0, Number.MAX_SAFE_INTEGER),
    iidMasks: o.iidMasks === undefined ? true : checkBoolean(where, 'iidMasks', o.iidMasks),
    maskValue: o.maskValue === undefined ? 0 : checkNumber(where, 'maskValue', o.maskValue),
    axis: o.axis === undefined ? defaultAxis : checkInteger(where, 'axis', o.axis, -64, 64),
    seed: o.seed === undefined ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  };
}

/** @internal Checks torchaudio's `p`, in [0, 1]. */
export function checkMaskFraction(where: string, p: unknown): number {
  return p === undefined ? 1 : checkRange(where, 'p', p, 0, 1);
}

/** A layer masking a random band along one axis while training. */
export abstract class AxisMasking extends Layer {
  /** Masks are at most this many positions wide (the drawn width is below it; see the file comment). */
  readonly maskParam: number;
  /** The band covers at most this fraction of the axis. */
  readonly p: number;
  readonly iidMasks: boolean;
  readonly maskValue: number;
  /** The axis masked, as given (negative counts from the end). */
  readonly axis: number;
  readonly seed: number | null;
  private readonly generator: Generator;

  protected constructor(where: string, options: LayerOptions, className: string, settings: MaskingSettings) {
    super(where, options, className);
    this.maskParam = settings.maskParam;
    this.p = settings.p;
    this.iidMasks = settings.iidMasks;
    this.maskValue = settings.maskValue;
    this.axis = settings.axis;
    this.seed = settings.seed;
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
  }

  /** The masked axis of a rank-`rank` input, checked: never the batch axis. */
  private resolveAxis(shape: readonly (number | null)[]): number {
    const rank = shape.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank) {
      throw new ShapeError(`${this.name}: axis ${this.axis} must name a non-batch axis of the input, got input shape ${formatLayerShape(shape)}`);
    }
    return axis;
  }

  /** Inputs of any size along the axes fit (spectrograms of other lengths too). */
  override checkInputShape(shape: readonly (number | null)[] | readonly (readonly (number | null)[])[]): void {
    this.resolveAxis(shape as readonly (number | null)[]);
  }

  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    this.resolveAxis(inputShape);
    return inputShape.slice();
  }

  /** torchaudio's draw: [start, end) of one band over an axis of `size`. */
  private drawBand(size: number): [number, number] {
    const param = Math.min(this.maskParam, Math.floor(this.p * size));
    const width = this.generator.uniform() * param;
    const low = this.generator.uniform() * (size - width);
    return [Math.floor(low), Math.floor(low + width)];
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (!context.training || this.maskParam === 0) return x;
    const axis = this.resolveAxis(x.shape);
    const input = x.isContiguous ? x : contiguous(x.detach());
    const source = input.storage as Float32Array;
    const n = source.length;
    const [batch] = x.shape;
    const size = x.shape[axis];
    const outer = x.shape.slice(1, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const bands = new Int32Array(2 * batch);
    for (let b = 0; b < batch; b++) {
      if (b === 0 || this.iidMasks) [bands[2 * b], bands[2 * b + 1]] = this.drawBand(size);
      else bands.copyWithin(2 * b, 0, 2);
    }
    // Calls fn(first, count) for every run of masked elements.
    const forEachBand = (fn: (first: number, count: number) => void): void => {
      for (let b = 0; b < batch; b++) {
        const [start, end] = [bands[2 * b], bands[2 * b + 1]];
        if (end <= start) continue;
        for (let o = 0; o < outer; o++) fn(((b * outer + o) * size + start) * inner, (end - start) * inner);
      }
    };
    const output = allocateUninitialized('float32', n) as Float32Array;
    output.set(source);
    const value = this.maskValue;
    forEachBand((first, count) => output.fill(value, first, first + count));
    const y = makeTensor(output, x.shape);
    if (!isGradEnabled() || !x.requiresGrad) return y;
    return recordOp(this.className, y, [x], (grad) => {
      const dx = allocateUninitialized('float32', n) as Float32Array;
      dx.set(contiguous(grad).storage as Float32Array);
      forEachBand((first, count) => dx.fill(0, first, first + count));
      return [makeTensor(dx, x.shape)];
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), iidMasks: this.iidMasks, maskValue: this.maskValue, axis: this.axis, seed: this.seed };
  }

  /** @internal The mask generator's state (saved with the optimizer, as Dropout's). */
  getRandomState(): number[] {
    return this.generator.getState();
  }

  /** @internal Restores {@link AxisMasking.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    this.generator.setState(state);
  }
}
