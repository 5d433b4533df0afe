/**
 * Sample-rate conversion by band-limited (windowed-sinc) interpolation, polyphase for rational ratios.
 *
 * Quality: the low-pass filter is a sinc with its cut-off at 0.94 x the lower of the two Nyquist
 * frequencies, windowed by a Kaiser window with beta = 8.6 over 16 zero crossings on each side
 * (stop-band attenuation about 86 dB; pass band flat to within 0.01 dB up to 0.9 x Nyquist). This is
 * about resampy's "kaiser_fast" / torchaudio's "sinc_interp_kaiser" class, well beyond what a
 * spectrogram front end can tell apart.
 */
import { Tensor } from '../tensor.js';
import { checkInteger, shapeError, typeError } from '../validate.js';

/** Zero crossings of the sinc on each side of the centre tap. */
const ZERO_CROSSINGS = 16;
/** Kaiser window shape: larger is a lower stop band and a wider transition. */
const KAISER_BETA = 8.6;
/** Cut-off as a fraction of the lower Nyquist frequency (leaves room for the transition band). */
const ROLLOFF = 0.94;
/** Beyond this many filter coefficients the polyphase table is not kept and taps are computed per sample. */
const MAX_TABLE = 1 << 20;

/** The modified Bessel function I0, by its power series (converges fast for the betas used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarter = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= quarter / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Resamples audio from `fromRate` to `toRate` samples per second. `audio` is `[samples, channels]` or
 * `[samples]`; the result has the same rank and `ceil(samples * toRate / fromRate)` samples. Output
 * sample n is read at input time `n * fromRate / toRate` through the windowed-sinc filter described
 * above (anti-aliased when downsampling); the input is taken as zero outside its ends.
 *
 * ```ts
 * const audio16k = dn.audio.resample(audio, 44100, 16000);
 * ```
 */
export function resample(audio: Tensor, fromRate: number, toRate: number): Tensor {
  const where = 'resample';
  if (!(audio instanceof Tensor)) typeError(where, 'audio', 'a float32 Tensor [samples, channels] or [samples]', audio);
  if (audio.dtype !== 'float32') typeError(where, 'audio', 'a float32 Tensor', `an ${audio.dtype} Tensor`);
  if (audio.rank !== 1 && audio.rank !== 2) shapeError(where, `audio must be [samples, channels] or [samples], got shape [${audio.shape.join(', ')}]`);
  checkInteger(where, 'fromRate', fromRate, 1, 1e9);
  checkInteger(where, 'toRate', toRate, 1, 1e9);
  const frames = audio.shape[0];
  const channels = audio.rank === 2 ? audio.shape[1] : 1;
  const input = audio.detach().contiguous().dataSync() as Float32Array;
  if (fromRate === toRate) return new Tensor(input.slice(), audio.shape);

  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor; // output samples per `down` input samples
  const down = fromRate / divisor;
  const outFrames = Math.ceil((frames * up) / down);
  // The cut-off in cycles per input sample, relative to the input Nyquist frequency.
  const cutoff = ROLLOFF * Math.min(1, toRate / fromRate);
  // The filter spans ZERO_CROSSINGS zero crossings of sinc(cutoff * t) on each side, in input samples.
  const halfWidth = ZERO_CROSSINGS / cutoff;
  const taps = 2 * Math.ceil(halfWidth) + 1;
  const windowNorm = 1 / besselI0(KAISER_BETA);
  const filter = (t: number): number => {
    const r = t / halfWidth;
    if (r <= -1 || r >= 1) return 0;
    const x = Math.PI * cutoff * t;
    const sinc = x === 0 ? 1 : Math.sin(x) / x;
    return cutoff * sinc * besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) * windowNorm;
  };
  // Output sample n reads input time n * down / up = base + phase / up; the filter's taps for a phase
  // are the same for every n of that phase, so they are computed once per phase (polyphase table).
  const first = -Math.ceil(halfWidth);
  let table: Float64Array | null = null;
  if (up * taps <= MAX_TABLE) {
    table = new Float64Array(up * taps);
    for (let phase = 0; phase < up; phase++) {
      for (let j = 0; j < taps; j++) table[phase * taps + j] = filter(phase / up - (first + j));
    }
  }
  const weights = new Float64Array(taps);
  const output = new Float32Array(outFrames * channels);
  const sums = new Float64Array(channels);
  // base + phase / up is n * down / up, stepped exactly in integers (n * down alone could pass 2^53).
  let base = 0;
  let phase = 0;
  for (let n = 0; n < outFrames; n++) {
    let w: Float64Array;
    if (table !== null) w = table.subarray(phase * taps, phase * taps + taps);
    else {
      for (let j = 0; j < taps; j++) weights[j] = filter(phase / up - (first + j));
      w = weights;
    }
    sums.fill(0);
    const lo = Math.max(0, -(base + first));
    const hi = Math.min(taps, frames - (base + first));
    for (let j = lo; j < hi; j++) {
      const k = (base + first + j) * channels;
      const weight = w[j];
      for (let c = 0; c < channels; c++) sums[c] += weight * input[k + c];
    }
    for (let c = 0; c < channels; c++) output[n * channels + c] = sums[c];
    phase += down;
    base += Math.floor(phase / up);
    phase %= up;
  }
  return new Tensor(output, audio.rank === 2 ? [outFrames, channels] : [outFrames]);
}
