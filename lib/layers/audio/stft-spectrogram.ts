/**
 * STFTSpectrogram (Keras 3's names, arguments and defaults): the short-time Fourier transform of
 * `[batch, time, channels]` audio as a strided 1-D convolution whose kernels are the windowed DFT
 * basis. The kernels are ordinary weights (trainable, as in Keras), saved with the model, so a saved
 * model takes raw audio.
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { DataFormat } from '../../ops/conv.js';
import { conv1d } from '../../ops/conv.js';
import { atan2 } from '../../ops/atan2.js';
import { add, log, maximum, sqrt, square } from '../../ops/elementwise.js';
import { concat, pad, permute, reshape, slice } from '../../ops/shape.js';
import { hammingWindow, hannWindow } from '../../signal/windows.js';
import { Tensor, type DType } from '../../tensor.js';
import { checkBoolean, checkChoice, checkOptions, checkPositiveInteger, typeError } from '../../validate.js';
import type { Initializer } from '../../initializers.js';
import { checkDataFormat, type LayerDataFormat } from '../conv/base-conv.js';
import { formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type Shape } from '../layer.js';
import { registerLayer } from '../registry.js';

/** What the layer outputs (Keras' `mode`). */
export type StftMode = 'log' | 'magnitude' | 'psd' | 'real' | 'imag' | 'angle' | 'stft';
const MODES: readonly StftMode[] = ['log', 'magnitude', 'psd', 'real', 'imag', 'angle', 'stft'];
/** Keras' backend epsilon, the floor under magnitudes before sqrt and log. */
const EPSILON = 1e-7;

/** Options of {@link stftSpectrogram}. */
export interface StftSpectrogramOptions extends LayerOptions {
  /**
   * 'log' (default: log magnitude), 'magnitude', 'psd' (one-sided power spectral density: power with the
   * bins between DC and Nyquist doubled), 'real', 'imag', 'angle' (the phase, atan2(imag, real), in
   * [-pi, pi]), or 'stft' (real then imaginary bins).
   */
  mode?: StftMode;
  /** Samples per frame (default 256). */
  frameLength?: number;
  /** Samples between frames (default frameLength / 2, rounded down); at most frameLength. */
  frameStep?: number | null;
  /** FFT size (default the smallest power of two >= frameLength); at least frameLength. */
  fftLength?: number | null;
  /** 'hann' (default), 'hamming', an array of frameLength numbers, or null for none. */
  window?: 'hann' | 'hamming' | readonly number[] | null;
  /** A periodic window (for spectral analysis) instead of a symmetric one (default false, as Keras). */
  periodic?: boolean;
  /** Kernels divided by sqrt(sum(window^2)) ('density', the default), sum(window) ('spectrum'), or null. */
  scaling?: 'density' | 'spectrum' | null;
  /** 'valid' (default: whole frames only) or 'same' (ceil(time / frameStep) frames, zero-padded). */
  padding?: 'valid' | 'same';
  /** Output `[batch, frames, bins, channels]` instead of `[batch, frames, channels * bins]` (default false). */
  expandDims?: boolean;
  /** 'channelsLast' (default: input `[batch, time, channels]`) or 'channelsFirst' (`[batch, channels, time]`). */
  dataFormat?: LayerDataFormat;
}

/** Keras' STFT initializer: cos (real) or sin (imaginary) of -2 pi t f / (2 (bins - 1)), windowed and scaled. */
class StftKernel implements Initializer {
  readonly className = 'STFT';
  constructor(
    readonly side: 'real' | 'imag',
    readonly window: Float32Array | null,
    readonly scaling: 'density' | 'spectrum' | null,
  ) {}

  apply(shape: readonly number[], _dtype?: DType): Tensor {
    const [frameLength, , bins] = shape;
    const period = 2 * (bins - 1);
    let scale = 1;
    if (this.window !== null && this.scaling === 'density') scale = Math.sqrt(this.window.reduce((s, w) => s + w * w, 0));
    if (this.window !== null && this.scaling === 'spectrum') scale = this.window.reduce((s, w) => s + Math.abs(w), 0);
    const values = new Float32Array(frameLength * bins);
    for (let t = 0; t < frameLength; t++) {
      const w = this.window === null ? 1 : this.window[t];
      for (let f = 0; f < bins; f++) {
        const angle = (-2 * Math.PI * ((t * f) % period)) / period;
        values[t * bins + f] = ((this.side === 'real' ? Math.cos(angle) : Math.sin(angle)) * w) / scale;
      }
    }
    return new Tensor(values, shape);
  }

  getConfig(): Record<string, unknown> {
    return { side: this.side, window: this.window === null ? null : Array.from(this.window), scaling: this.scaling };
  }
}

/** A short-time Fourier transform layer for raw audio. */
export class STFTSpectrogram extends Layer {
  readonly className = 'STFTSpectrogram';
  readonly mode: StftMode;
  readonly frameLength: number;
  /** The step as given (null: frameLength / 2). */
  readonly frameStep: number | null;
  /** The FFT size as given (null: the next power of two). */
  readonly fftLength: number | null;
  readonly window: 'hann' | 'hamming' | number[] | null;
  readonly periodic: boolean;
  readonly scaling: 'density' | 'spectrum' | null;
  readonly padding: 'valid' | 'same';
  readonly expandDims: boolean;
  readonly dataFormat: DataFormat;
  private readonly step: number;
  private readonly bins: number;
  private realKernel: LayerVariable | null = null;
  private imagKernel: LayerVariable | null = null;

  constructor(options: StftSpectrogramOptions = {}) {
    const where = 'stftSpectrogram';
    const o = checkOptions<StftSpectrogramOptions>(where, options, [
      ...LAYER_OPTION_NAMES, 'mode', 'frameLength', 'frameStep', 'fftLength', 'window', 'periodic', 'scaling', 'padding', 'expandDims', 'dataFormat',
    ]);
    super(where, o, 'STFTSpectrogram');
    this.mode = o.mode === undefined ? 'log' : checkChoice(where, 'mode', o.mode, MODES);
    this.frameLength = o.frameLength === undefined ? 256 : checkPositiveInteger(where, 'frameLength', o.frameLength);
    this.frameStep = o.frameStep === undefined || o.frameStep === null ? null : checkPositiveInteger(where, 'frameStep', o.frameStep);
    if (this.frameStep !== null && this.frameStep > this.frameLength) {
      throw new ValueError(`${where}: frameStep must be a positive integer not greater than frameLength ${this.frameLength}, got ${this.frameStep}`);
    }
    this.step = this.frameStep ?? Math.max(1, Math.floor(this.frameLength / 2));
    this.fftLength = o.fftLength === undefined || o.fftLength === null ? null : checkPositiveInteger(where, 'fftLength', o.fftLength);
    if (this.fftLength !== null && this.fftLength < this.frameLength) {
      throw new ValueError(`${where}: fftLength must be at least frameLength ${this.frameLength}, got ${this.fftLength}`);
    }
    this.bins = Math.floor((this.fftLength ?? 2 ** Math.ceil(Math.log2(this.frameLength))) / 2) + 1;
    this.periodic = o.periodic === undefined ? false : checkBoolean(where, 'periodic', o.periodic);
    this.window = checkWindow(where, o.window, this.frameLength);
    this.scaling = o.scaling === undefined ? 'density' : o.scaling === null ? null : checkChoice(where, 'scaling', o.scaling, ['density', 'spectrum'] as const);
    this.padding = o.padding === undefined ? 'valid' : checkChoice(where, 'padding', o.padding, ['valid', 'same'] as const);
    this.expandDims = o.expandDims === undefined ? false : checkBoolean(where, 'expandDims', o.expandDims);
    this.dataFormat = checkDataFormat(where, o.dataFormat);
  }

  private windowValues(): Float32Array | null {
    if (this.window === null) return null;
    if (typeof this.window !== 'string') return Float32Array.from(this.window);
    const make = this.window === 'hann' ? hannWindow : hammingWindow;
    return make(this.frameLength, this.periodic).dataSync() as Float32Array;
  }

  private framesOf(time: number | null): number | null {
    if (time === null) return null;
    return this.padding === 'same' ? Math.ceil(time / this.step) : Math.max(0, Math.floor((time - this.frameLength) / this.step) + 1);
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length !== 3) {
      const layout = this.dataFormat === 'channelsLast' ? '[batch, time, channels]' : '[batch, channels, time]';
      throw new ShapeError(`${this.name}: expected input of rank 3 (${layout}), got shape ${formatLayerShape(inputShape)}`);
    }
    const [batch, a, b] = inputShape;
    const [time, channels] = this.dataFormat === 'channelsLast' ? [a, b] : [b, a];
    const frames = this.framesOf(time);
    const bins = this.mode === 'stft' ? 2 * this.bins : this.bins;
    if (this.expandDims) return this.dataFormat === 'channelsLast' ? [batch, frames, bins, channels] : [batch, channels, frames, bins];
    const features = channels === null ? null : channels * bins;
    return this.dataFormat === 'channelsLast' ? [batch, frames, features] : [batch, features, frames];
  }

  protected override buildWeights(_inputShape: Shape): void {
    const shape = [this.frameLength, 1, this.bins];
    const window = this.windowValues();
    if (this.mode !== 'imag') this.realKernel = this.addWeight('real_kernel', shape, new StftKernel('real', window, this.scaling));
    if (this.mode !== 'real') this.imagKernel = this.addWeight('imag_kernel', shape, new StftKernel('imag', window, this.scaling));
  }

  /** One kernel over every channel: [batch, channels, frames, bins]. */
  private transform(x: Tensor, kernel: Tensor): Tensor {
    const [batch, a, b] = x.shape;
    const [time, channels] = this.dataFormat === 'channelsLast' ? [a, b] : [b, a];
    const signals = reshape(this.dataFormat === 'channelsLast' ? permute(x, [0, 2, 1]) : x, [batch * channels, time, 1]);
    const y = conv1d(signals, kernel, { strides: this.step, padding: this.padding });
    return reshape(y, [batch, channels, y.shape[1], y.shape[2]]);
  }

  override call(x: Tensor, _context: CallContext): Tensor {
    const kernel = (k: LayerVariable | null): Tensor => (k as LayerVariable).value;
    const real = this.mode === 'imag' ? null : this.transform(x, kernel(this.realKernel));
    const imag = this.mode === 'real' ? null : this.transform(x, kernel(this.imagKernel));
    let out: Tensor;
    if (this.mode === 'real') out = real as Tensor;
    else if (this.mode === 'imag') out = imag as Tensor;
    else if (this.mode === 'angle') out = atan2(imag as Tensor, real as Tensor);
    else if (this.mode === 'stft') out = concat([real as Tensor, imag as Tensor], 3);
    else {
      const power = add(square(real as Tensor), square(imag as Tensor));
      if (this.mode === 'psd') {
        // One-sided density: every bin but DC and Nyquist also stands for its mirror image.
        const [n, c, t, f] = power.shape;
        out = f > 2 ? add(power, pad(slice(power, [0, 0, 0, 1], [n, c, t, f - 2]), [[0, 0], [0, 0], [0, 0], [1, 1]])) : power;
      } else {
        out = sqrt(maximum(power, EPSILON));
        if (this.mode === 'log') out = log(maximum(out, EPSILON));
      }
    }
    return this.arrange(out);
  }

  /** [batch, channels, frames, bins] in the output layout. */
  private arrange(y: Tensor): Tensor {
    const [batch, channels, frames, bins] = y.shape;
    if (this.expandDims) return this.dataFormat === 'channelsLast' ? permute(y, [0, 2, 3, 1]) : y;
    const features = reshape(permute(y, [0, 1, 3, 2]), [batch, channels * bins, frames]);
    return this.dataFormat === 'channelsLast' ? permute(features, [0, 2, 1]) : features;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      mode: this.mode,
      frameLength: this.frameLength,
      frameStep: this.frameStep,
      fftLength: this.fftLength,
      window: Array.isArray(this.window) ? this.window.slice() : this.window,
      periodic: this.periodic,
      scaling: this.scaling,
      padding: this.padding,
      expandDims: this.expandDims,
      dataFormat: this.dataFormat,
    };
  }
}

function checkWindow(where: string, value: unknown, frameLength: number): 'hann' | 'hamming' | number[] | null {
  if (value === undefined) return 'hann';
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (value.length !== frameLength || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new ValueError(`${where}: window must be an array of ${frameLength} finite numbers (frameLength), got an array of length ${value.length}`);
    }
    return value.slice() as number[];
  }
  if (typeof value !== 'string') typeError(where, 'window', "'hann', 'hamming', an array of numbers or null", value);
  return checkChoice(where, 'window', value, ['hann', 'hamming'] as const);
}

/**
 * A layer computing spectrograms of raw audio `[batch, time, channels]` (Keras `STFTSpectrogram`).
 * ```ts
 * dn.layers.stftSpectrogram({ frameLength: 256, frameStep: 128 });   // [batch, 16000, 1] -> [batch, 124, 129] log magnitudes
 * ```
 */
export function stftSpectrogram(options?: StftSpectrogramOptions): STFTSpectrogram {
  return new STFTSpectrogram(options);
}

registerLayer('STFTSpectrogram', STFTSpectrogram);
