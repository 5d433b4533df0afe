/**
 * MelSpectrogram (Keras 3's names, arguments and defaults): raw audio `[batch, samples]` to mel
 * spectrograms `[batch, numMelBins, frames]`, in decibels by default. No weights: the STFT and the mel
 * filter bank are fixed, so a model starting with this layer takes raw audio, and its config rebuilds it.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { log, maximum, mul, pow, sub } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';
import { max } from '../../ops/reduce.js';
import { permute } from '../../ops/shape.js';
import { magnitude, stftOf } from '../../signal/stft.js';
import { reflectPad } from '../../signal/frame.js';
import { linearToMelWeightMatrix } from '../../signal/mel.js';
import { hammingWindow, hannWindow } from '../../signal/windows.js';
import { Tensor } from '../../tensor.js';
import { checkBoolean, checkChoice, checkNumber, checkOptions, checkPositiveInteger, typeError } from '../../validate.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';

/** Options of {@link melSpectrogram}. */
export interface MelSpectrogramLayerOptions extends LayerOptions {
  /** FFT size, and the length of each (centred, reflect-padded) frame (default 2048). */
  fftLength?: number;
  /** Samples between frames (default 512). */
  sequenceStride?: number;
  /** Length of the window inside each frame (default fftLength); at most fftLength. */
  sequenceLength?: number | null;
  /** 'hann' (default, periodic), 'hamming', or null for none. */
  window?: 'hann' | 'hamming' | null;
  /** Samples per second (default 16000). */
  samplingRate?: number;
  /** Mel bands (default 128). */
  numMelBins?: number;
  /** Lower edge of the lowest band in Hz (default 20). */
  minFreq?: number;
  /** Upper edge of the highest band in Hz (default samplingRate / 2). */
  maxFreq?: number | null;
  /** Output decibels `10 log10(S / refPower)` (default true). */
  powerToDb?: boolean;
  /** With powerToDb, the floor below the batch's largest value, in dB (default 80). */
  topDb?: number;
  /** Exponent of the magnitude: 1 for magnitudes, 2 for power (default 2). */
  magExp?: number;
  /** The smallest power before the log (default 1e-10). */
  minPower?: number;
  /** The reference power of 0 dB (default 1). */
  refPower?: number;
}

/** Mel spectrograms of raw audio. */
export class MelSpectrogram extends Layer {
  readonly className = 'MelSpectrogram';
  readonly fftLength: number;
  readonly sequenceStride: number;
  readonly sequenceLength: number;
  readonly window: 'hann' | 'hamming' | null;
  readonly samplingRate: number;
  readonly numMelBins: number;
  readonly minFreq: number;
  readonly maxFreq: number;
  readonly powerToDb: boolean;
  readonly topDb: number;
  readonly magExp: number;
  readonly minPower: number;
  readonly refPower: number;
  private cache: { window: Tensor | null; mel: Tensor } | null = null;

  constructor(options: MelSpectrogramLayerOptions = {}) {
    const where = 'melSpectrogram';
    const o = checkOptions<MelSpectrogramLayerOptions>(where, options, [
      ...LAYER_OPTION_NAMES, 'fftLength', 'sequenceStride', 'sequenceLength', 'window', 'samplingRate', 'numMelBins', 'minFreq', 'maxFreq',
      'powerToDb', 'topDb', 'magExp', 'minPower', 'refPower',
    ]);
    super(where, o, 'MelSpectrogram');
    this.fftLength = o.fftLength === undefined ? 2048 : checkPositiveInteger(where, 'fftLength', o.fftLength);
    this.sequenceStride = o.sequenceStride === undefined ? 512 : checkPositiveInteger(where, 'sequenceStride', o.sequenceStride);
    this.sequenceLength = o.sequenceLength === undefined || o.sequenceLength === null ? this.fftLength : checkPositiveInteger(where, 'sequenceLength', o.sequenceLength);
    if (this.sequenceLength > this.fftLength) {
      throw new ValueError(`${where}: fftLength must be at least sequenceLength ${this.sequenceLength}, got ${this.fftLength}`);
    }
    if (o.window !== undefined && o.window !== null && typeof o.window !== 'string') typeError(where, 'window', "'hann', 'hamming' or null", o.window);
    this.window = o.window === undefined ? 'hann' : o.window === null ? null : checkChoice(where, 'window', o.window, ['hann', 'hamming'] as const);
    this.samplingRate = o.samplingRate === undefined ? 16000 : checkPositiveInteger(where, 'samplingRate', o.samplingRate);
    this.numMelBins = o.numMelBins === undefined ? 128 : checkPositiveInteger(where, 'numMelBins', o.numMelBins);
    this.minFreq = o.minFreq === undefined ? 20 : checkNumber(where, 'minFreq', o.minFreq);
    this.maxFreq = o.maxFreq === undefined || o.maxFreq === null ? Math.floor(this.samplingRate / 2) : checkNumber(where, 'maxFreq', o.maxFreq);
    this.powerToDb = o.powerToDb === undefined ? true : checkBoolean(where, 'powerToDb', o.powerToDb);
    this.topDb = o.topDb === undefined ? 80 : checkNumber(where, 'topDb', o.topDb);
    this.magExp = o.magExp === undefined ? 2 : checkNumber(where, 'magExp', o.magExp);
    this.minPower = o.minPower === undefined ? 1e-10 : checkNumber(where, 'minPower', o.minPower);
    this.refPower = o.refPower === undefined ? 1 : checkNumber(where, 'refPower', o.refPower);
    if (this.minPower <= 0) throw new ValueError(`${where}: minPower must be a positive number, got ${this.minPower}`);
    // Checks the band edges now rather than at the first call.
    this.tables();
  }

  /** The window centred in an fftLength frame (zeros around it), and the mel matrix; built once. */
  private tables(): { window: Tensor | null; mel: Tensor } {
    if (this.cache === null) {
      let window: Tensor | null = null;
      if (this.window !== null) {
        const inner = (this.window === 'hann' ? hannWindow : hammingWindow)(this.sequenceLength).dataSync();
        const values = new Float32Array(this.fftLength);
        values.set(inner, Math.floor((this.fftLength - this.sequenceLength) / 2));
        window = new Tensor(values, [this.fftLength]);
      }
      const bins = Math.floor(this.fftLength / 2) + 1;
      this.cache = { window, mel: linearToMelWeightMatrix(this.numMelBins, bins, this.samplingRate, this.minFreq, this.maxFreq) };
    }
    return this.cache;
  }

  private framesOf(samples: number | null): number | null {
    if (samples === null) return null;
    const half = Math.floor(this.fftLength / 2);
    return Math.floor((samples + 2 * half - this.fftLength) / this.sequenceStride) + 1;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== 2) {
      throw new ShapeError(`${this.name}: expected input of rank 2 ([batch, samples]), got shape ${formatLayerShape(inputShape)}`);
    }
    return [inputShape[0], this.numMelBins, this.framesOf(inputShape[1])];
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const { window, mel } = this.tables();
    const samples = x.shape[1];
    const half = Math.floor(this.fftLength / 2);
    if (samples < 2 && half > 0) throw new ShapeError(`${this.name}: needs at least 2 samples to reflect-pad, got shape ${formatLayerShape(x.shape)}`);
    // Centred frames (Keras' center=True): frame t is centred on sample t * sequenceStride.
    const padded = half > 0 ? reflectPad(x, half, half) : x;
    const spectrum = stftOf(padded, { frameLength: this.fftLength, frameStep: this.sequenceStride, fftLength: this.fftLength, window, padEnd: false });
    // |X|^2 directly for magExp 2 (no sqrt: its gradient is infinite at silent bins).
    const power = magnitude(spectrum, 2);
    const scaled = this.magExp === 2 ? power : pow(maximum(power, 0), this.magExp / 2);
    let out = matmul(scaled, mel);
    if (this.powerToDb) {
      const toDb = 10 / Math.LN10;
      out = mul(log(maximum(out, this.minPower)), toDb);
      out = sub(out, toDb * Math.log(Math.max(Math.abs(this.refPower), this.minPower)));
      // As Keras: the floor is topDb below the largest value of the whole batch.
      out = maximum(out, sub(max(out), this.topDb));
    }
    return permute(out, [0, 2, 1]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      fftLength: this.fftLength,
      sequenceStride: this.sequenceStride,
      sequenceLength: this.sequenceLength,
      window: this.window,
      samplingRate: this.samplingRate,
      numMelBins: this.numMelBins,
      minFreq: this.minFreq,
      maxFreq: this.maxFreq,
      powerToDb: this.powerToDb,
      topDb: this.topDb,
      magExp: this.magExp,
      minPower: this.minPower,
      refPower: this.refPower,
    };
  }
}

/**
 * A layer turning raw audio `[batch, samples]` into mel spectrograms `[batch, numMelBins, frames]`
 * (Keras `MelSpectrogram`).
 * ```ts
 * dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 256, sequenceStride: 128, numMelBins: 40 });
 * ```
 */
export function melSpectrogram(options?: MelSpectrogramLayerOptions): MelSpectrogram {
  return new MelSpectrogram(options);
}

registerLayer('MelSpectrogram', MelSpectrogram);
