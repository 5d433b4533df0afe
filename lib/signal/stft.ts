/**
 * Short-time Fourier transforms (tf.signal.stft / inverse_stft / inverse_stft_window_fn) and
 * magnitude or power spectrograms.
 */
import { add, mul, sqrt, square } from '../ops/elementwise.js';
import { slice } from '../ops/shape.js';
import { checkFloat, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkBoolean, checkObject, checkOptions, checkPositiveInteger, shapeError, typeError, valueError } from '../validate.js';
import { checkComplex, inverseRealDft, realDft, type ComplexTensor } from './fft.js';
import { frameSignal, overlapAdd } from './frame.js';
import { hannWindow } from './windows.js';

/** A window: a function of the frame length (as dn.signal.hannWindow), a Tensor `[frameLength]`, or null for none. */
export type WindowSpec = ((windowLength: number) => Tensor) | Tensor | null;

/** Options of {@link stft}. */
export interface StftOptions {
  /** Samples per frame. */
  frameLength: number;
  /** Samples between the starts of successive frames. */
  frameStep: number;
  /** FFT size (default: the smallest power of 2 >= frameLength); frames are zero-padded (or cut) to it. */
  fftLength?: number;
  /** The window multiplied into each frame (default: the periodic Hann window). */
  window?: WindowSpec;
  /** Pad the end of the signal with zeros so the last samples get a frame (default false). */
  padEnd?: boolean;
}

/** Options of {@link spectrogram}: the STFT's, plus `power`. */
export interface SpectrogramOptions extends StftOptions {
  /** 1 for the magnitude |X|, 2 for the power |X|^2 (default 2). */
  power?: 1 | 2;
}

const STFT_OPTIONS = ['frameLength', 'frameStep', 'fftLength', 'window', 'padEnd'] as const;

/** The smallest power of two >= n (tf.signal.stft's default fft_length). */
function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The settled STFT settings. */
export interface StftSettings {
  frameLength: number;
  frameStep: number;
  fftLength: number;
  window: Tensor | null;
  padEnd: boolean;
}

/** Validates STFT options (an options object, or tf.js's positional frameLength, frameStep, fftLength, windowFn). */
export function stftSettings(where: string, options: unknown, extra: readonly string[] = []): StftSettings {
  const checked = checkOptions<StftOptions>(where, checkObject(where, 'options', options), [...STFT_OPTIONS, ...extra]);
  const frameLength = checkPositiveInteger(where, 'frameLength', checked.frameLength);
  const frameStep = checkPositiveInteger(where, 'frameStep', checked.frameStep);
  const fftLength = checked.fftLength === undefined ? nextPowerOfTwo(frameLength) : checkPositiveInteger(where, 'fftLength', checked.fftLength);
  const padEnd = checked.padEnd === undefined ? false : checkBoolean(where, 'padEnd', checked.padEnd);
  return { frameLength, frameStep, fftLength, window: windowTensor(where, checked.window, frameLength), padEnd };
}

function windowTensor(where: string, spec: unknown, frameLength: number): Tensor | null {
  if (spec === null) return null;
  const window = spec === undefined ? hannWindow(frameLength) : typeof spec === 'function' ? (spec as (n: number) => unknown)(frameLength) : spec;
  if (!(window instanceof Tensor)) typeError(where, 'window', 'a function returning a Tensor, a Tensor or null', window);
  checkFloat(where, 'window', window);
  if (window.rank !== 1 || window.shape[0] !== frameLength) {
    shapeError(where, `window must be [frameLength] = [${frameLength}], got shape [${window.shape.join(', ')}]`);
  }
  return window;
}

/** Positional arguments as tf.signal.stft (signal, frameLength, frameStep, fftLength?, windowFn?) turned into options. */
function positional(first: unknown, rest: unknown[]): unknown {
  if (typeof first !== 'number') return first;
  const [frameStep, fftLength, window] = rest;
  return { frameLength: first, frameStep, ...(fftLength === undefined ? {} : { fftLength }), ...(window === undefined ? {} : { window }) };
}

function checkSignal(where: string, signal: TensorLike): Tensor {
  const input = checkFloat(where, 'signal', toTensor(where, 'signal', signal));
  if (input.rank < 1) shapeError(where, 'signal must be [..., samples], got a scalar');
  return input;
}

/**
 * The short-time Fourier transform of real signals `[..., samples]`: frames of `frameLength` every
 * `frameStep` samples, times the window, each transformed by a real DFT of `fftLength`. Returns
 * `{ real, imag }`, each `[..., frames, fftLength / 2 + 1]` (tf.signal.stft). Differentiable.
 *
 * ```ts
 * const { real, imag } = dn.signal.stft(audio, { frameLength: 256, frameStep: 128 });
 * dn.signal.stft(audio, 256, 128); // tf.js's positional form
 * ```
 */
export function stft(signal: TensorLike, options: StftOptions): ComplexTensor;
export function stft(signal: TensorLike, frameLength: number, frameStep: number, fftLength?: number, window?: WindowSpec): ComplexTensor;
export function stft(signal: TensorLike, options: StftOptions | number, ...rest: unknown[]): ComplexTensor {
  const where = 'stft';
  const input = checkSignal(where, signal);
  return stftOf(input, stftSettings(where, positional(options, rest)));
}

/** stft() over settled settings. */
export function stftOf(input: Tensor, settings: StftSettings): ComplexTensor {
  const frames = frameSignal(input, settings.frameLength, settings.frameStep, settings.padEnd);
  const windowed = settings.window === null ? frames : mul(frames, settings.window);
  return realDft(windowed, settings.fftLength);
}

/**
 * The inverse of {@link stft} (tf.signal.inverse_stft): each frame's inverse real DFT, cut to
 * `frameLength`, times the window, overlap-added into `[..., samples]`. For a perfect reconstruction
 * pass the window {@link inverseStftWindowFn}(frameStep) returns (the plain Hann window scales the
 * signal by the overlapping windows' sum). Differentiable.
 */
export function inverseStft(stfts: ComplexTensor, options: StftOptions): Tensor;
export function inverseStft(stfts: ComplexTensor, frameLength: number, frameStep: number, fftLength?: number, window?: WindowSpec): Tensor;
export function inverseStft(stfts: ComplexTensor, options: StftOptions | number, ...rest: unknown[]): Tensor {
  const where = 'inverseStft';
  const { real, imag } = checkComplex(where, 'stfts', stfts);
  if (real.rank < 2) shapeError(where, `stfts must be [..., frames, bins], got shape [${real.shape.join(', ')}]`);
  const settings = stftSettings(where, positional(options, rest));
  const bins = real.shape[real.rank - 1];
  if (Math.floor(settings.fftLength / 2) + 1 !== bins) {
    shapeError(where, `fftLength ${settings.fftLength} needs ${Math.floor(settings.fftLength / 2) + 1} bins, stfts have ${bins}`);
  }
  if (settings.fftLength < settings.frameLength) {
    shapeError(where, `fftLength ${settings.fftLength} must be at least frameLength ${settings.frameLength}`);
  }
  let frames = inverseRealDft(real, imag, settings.fftLength);
  if (settings.fftLength > settings.frameLength) {
    frames = slice(frames, frames.shape.map(() => 0), [...frames.shape.slice(0, -1), settings.frameLength]);
  }
  if (settings.window !== null) frames = mul(frames, settings.window);
  return overlapAdd(frames, settings.frameStep);
}

/**
 * A window function for {@link inverseStft} that undoes {@link stft} with `forwardWindow` (default the
 * periodic Hann window) and this `frameStep` (tf.signal.inverse_stft_window_fn): the forward window
 * divided by the sum of the squared windows overlapping each sample.
 */
export function inverseStftWindowFn(frameStep: number, forwardWindow: (windowLength: number) => Tensor = hannWindow): (frameLength: number) => Tensor {
  const where = 'inverseStftWindowFn';
  checkPositiveInteger(where, 'frameStep', frameStep);
  if (typeof forwardWindow !== 'function') typeError(where, 'forwardWindow', 'a function of the frame length', forwardWindow);
  return (frameLength: number): Tensor => {
    checkPositiveInteger(where, 'frameLength', frameLength);
    const window = windowTensor(where, forwardWindow, frameLength) as Tensor;
    const w = window.dataSync();
    const denominator = new Float64Array(frameStep);
    for (let i = 0; i < frameLength; i++) denominator[i % frameStep] += w[i] * w[i];
    const values = new Float32Array(frameLength);
    for (let i = 0; i < frameLength; i++) values[i] = w[i] / denominator[i % frameStep];
    return new Tensor(values, [frameLength]);
  };
}

/** |X|^power of a complex tensor (power 1: magnitude, 2: power). */
export function magnitude(spectrum: ComplexTensor, power: 1 | 2): Tensor {
  const energy = add(square(spectrum.real), square(spectrum.imag));
  return power === 2 ? energy : sqrt(energy);
}

/** Checks a spectrogram's `power` (default 2). */
export function checkPower(where: string, power: unknown): 1 | 2 {
  if (power === undefined) return 2;
  if (typeof power !== 'number') typeError(where, 'power', '1 (magnitude) or 2 (power)', power);
  if (power !== 1 && power !== 2) valueError(where, 'power', '1 (magnitude) or 2 (power)', power);
  return power as 1 | 2;
}

/**
 * The magnitude (`power: 1`) or power (`power: 2`, the default) spectrogram `|stft(signal)|^power`,
 * `[..., frames, fftLength / 2 + 1]`. Differentiable (the magnitude's gradient is infinite where a
 * bin is exactly zero; use power 2 when training through silence).
 *
 * ```ts
 * const power = dn.signal.spectrogram(audio, { frameLength: 400, frameStep: 160, fftLength: 512 });
 * ```
 */
export function spectrogram(signal: TensorLike, options: SpectrogramOptions): Tensor {
  const where = 'spectrogram';
  const input = checkSignal(where, signal);
  const settings = stftSettings(where, options, ['power']);
  const power = checkPower(where, (options as SpectrogramOptions).power);
  return magnitude(stftOf(input, settings), power);
}
