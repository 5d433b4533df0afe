/**
 * Mel-scale features: tf.signal.linear_to_mel_weight_matrix, mel spectrograms and
 * mfccs_from_log_mel_spectrograms.
 */
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/shape.js';
import { checkFloat, emptyTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkNumber, checkObject, checkPositiveInteger, shapeError, valueError } from '../validate.js';
import { checkPower, magnitude, stftOf, stftSettings, type StftOptions } from './stft.js';

/** HTK's mel scale: mel(f) = 1127 ln(1 + f / 700). */
function hertzToMel(hertz: number): number {
  return 1127 * Math.log(1 + hertz / 700);
}

/**
 * A `[numSpectrogramBins, numMelBins]` matrix of triangular filters, evenly spaced on the HTK mel
 * scale between `lowerEdgeHertz` and `upperEdgeHertz`, each peaking at 1 (tf.signal's formula and
 * argument order, with its defaults). Bin k of the spectrogram stands for k / (numSpectrogramBins - 1)
 * of the Nyquist frequency; the DC bin gets no weight. Right-multiply a spectrogram `[..., bins]` by it.
 */
export function linearToMelWeightMatrix(
  numMelBins = 20,
  numSpectrogramBins = 129,
  sampleRate = 8000,
  lowerEdgeHertz = 125,
  upperEdgeHertz = 3800,
): Tensor {
  const where = 'linearToMelWeightMatrix';
  checkPositiveInteger(where, 'numMelBins', numMelBins);
  checkPositiveInteger(where, 'numSpectrogramBins', numSpectrogramBins);
  checkNumber(where, 'sampleRate', sampleRate);
  checkNumber(where, 'lowerEdgeHertz', lowerEdgeHertz);
  checkNumber(where, 'upperEdgeHertz', upperEdgeHertz);
  if (sampleRate <= 0) valueError(where, 'sampleRate', 'a positive number', sampleRate);
  if (lowerEdgeHertz < 0) valueError(where, 'lowerEdgeHertz', 'a number >= 0', lowerEdgeHertz);
  if (upperEdgeHertz <= lowerEdgeHertz) valueError(where, 'upperEdgeHertz', `a number > lowerEdgeHertz (${lowerEdgeHertz})`, upperEdgeHertz);
  if (upperEdgeHertz > sampleRate / 2) valueError(where, 'upperEdgeHertz', `a number <= the Nyquist frequency ${sampleRate / 2}`, upperEdgeHertz);
  if (numSpectrogramBins < 2) valueError(where, 'numSpectrogramBins', 'an integer >= 2', numSpectrogramBins);
  const lowMel = hertzToMel(lowerEdgeHertz);
  const highMel = hertzToMel(upperEdgeHertz);
  // numMelBins + 2 evenly spaced band edges; band m rises from edge m to m + 1 and falls to m + 2.
  const edges = new Float64Array(numMelBins + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = lowMel + ((highMel - lowMel) * i) / (numMelBins + 1);
  const values = new Float32Array(numSpectrogramBins * numMelBins);
  const nyquist = sampleRate / 2;
  for (let k = 1; k < numSpectrogramBins; k++) {
    const mel = hertzToMel((nyquist * k) / (numSpectrogramBins - 1));
    for (let m = 0; m < numMelBins; m++) {
      const rising = (mel - edges[m]) / (edges[m + 1] - edges[m]);
      const falling = (edges[m + 2] - mel) / (edges[m + 2] - edges[m + 1]);
      values[k * numMelBins + m] = Math.max(0, Math.min(rising, falling));
    }
  }
  return new Tensor(values, [numSpectrogramBins, numMelBins]);
}

/** Options of {@link melSpectrogram}: the STFT's, plus the mel bands and `power`. */
export interface MelSpectrogramOptions extends StftOptions {
  /** Samples per second of the signal. */
  sampleRate: number;
  /** Mel bands (default 128, as Keras MelSpectrogram). */
  numMelBins?: number;
  /** Lower edge of the lowest band in Hz (default 20, as Keras). */
  lowerEdgeHertz?: number;
  /** Upper edge of the highest band in Hz (default sampleRate / 2). */
  upperEdgeHertz?: number;
  /** 1 for magnitudes, 2 for power (default 2). */
  power?: 1 | 2;
}

/**
 * The mel spectrogram `[..., frames, numMelBins]` of signals `[..., samples]`: the magnitude or
 * power spectrogram ({@link spectrogram}) times {@link linearToMelWeightMatrix}. Take its log (plus a
 * small offset) for log-mel features. Differentiable.
 *
 * ```ts
 * const mel = dn.signal.melSpectrogram(audio, { sampleRate: 16000, frameLength: 400, frameStep: 160, numMelBins: 40 });
 * ```
 */
export function melSpectrogram(signal: TensorLike, options: MelSpectrogramOptions): Tensor {
  const where = 'melSpectrogram';
  const input = checkFloat(where, 'signal', toTensor(where, 'signal', signal));
  if (input.rank < 1) shapeError(where, 'signal must be [..., samples], got a scalar');
  const opts = checkObject(where, 'options', options) as Partial<MelSpectrogramOptions>;
  const settings = stftSettings(where, opts, ['sampleRate', 'numMelBins', 'lowerEdgeHertz', 'upperEdgeHertz', 'power']);
  const sampleRate = checkNumber(where, 'sampleRate', opts.sampleRate);
  const power = checkPower(where, opts.power);
  const weights = linearToMelWeightMatrix(
    opts.numMelBins ?? 128,
    Math.floor(settings.fftLength / 2) + 1,
    sampleRate,
    opts.lowerEdgeHertz ?? 20,
    opts.upperEdgeHertz ?? sampleRate / 2,
  );
  return applyMatrix(magnitude(stftOf(input, settings), power), weights);
}

/** x [..., n] times matrix [n, m], as one 2-D product. */
function applyMatrix(x: Tensor, matrix: Tensor): Tensor {
  const leading = x.shape.slice(0, -1);
  const columns = matrix.shape[1];
  if (x.size === 0) return emptyTensor([...leading, columns]);
  return reshape(matmul(reshape(x, [-1, x.shape[x.rank - 1]]), matrix), [...leading, columns]);
}

const dctBases = new Map<number, Tensor>();

/**
 * MFCCs of log-mel spectrograms `[..., numMelBins]` (tf.signal.mfccs_from_log_mel_spectrograms): the
 * DCT-II over the last axis scaled by sqrt(2 / numMelBins), the same scale for every coefficient (so
 * coefficient 0 is sqrt(2) larger than an orthonormal DCT's). Keep the first 13 or so. Differentiable.
 */
export function mfccsFromLogMelSpectrograms(logMelSpectrograms: TensorLike): Tensor {
  const where = 'mfccsFromLogMelSpectrograms';
  const input = checkFloat(where, 'logMelSpectrograms', toTensor(where, 'logMelSpectrograms', logMelSpectrograms));
  if (input.rank < 1) shapeError(where, 'logMelSpectrograms must be [..., numMelBins], got a scalar');
  const bins = input.shape[input.rank - 1];
  if (bins === 0) shapeError(where, `logMelSpectrograms must have mel bins on its last axis, got shape [${input.shape.join(', ')}]`);
  let basis = dctBases.get(bins);
  if (basis === undefined) {
    const values = new Float32Array(bins * bins);
    const scale = Math.sqrt(2 / bins);
    for (let n = 0; n < bins; n++) {
      for (let k = 0; k < bins; k++) values[n * bins + k] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * bins));
    }
    basis = new Tensor(values, [bins, bins]);
    if (dctBases.size > 16) dctBases.clear();
    dctBases.set(bins, basis);
  }
  return applyMatrix(input, basis);
}
