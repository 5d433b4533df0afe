/**
 * Real-input discrete Fourier transforms (tf.signal.rfft / irfft) with the complex result as two
 * float32 tensors `{ real, imag }`.
 *
 * The transforms are computed as one matrix product with a cached DFT basis: `[..., n] x [n, 2K]`
 * runs on the packed SIMD GEMM of the matmul op, batched over every frame at once, and its gradient
 * is the product with the transposed basis (the adjoint of the real DFT) for free. For the frame
 * lengths of speech features (256 to 2048) that costs about n/(2.5 log2 n) times the arithmetic of
 * an FFT, but at GEMM speed.
 */
import { concat, reshape, slice } from '../ops/shape.js';
import { matmul } from '../ops/matmul.js';
import { checkFloat, emptyTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkInteger, shapeError, typeError } from '../validate.js';

/** A complex tensor as its real and imaginary parts, both float32 of one shape. */
export interface ComplexTensor {
  real: Tensor;
  imag: Tensor;
}

/**
 * Bases are reused across calls (a feature pipeline calls with the same lengths every batch). The cache
 * keeps at most 8M floats (32 MB, a few FFT-2048 bases), dropping the oldest first; a larger basis is
 * used once and not kept.
 */
const bases = new Map<string, Tensor>();
const MAX_CACHED_ELEMENTS = 8 << 20;
let cachedElements = 0;

function cached(key: string, build: () => Tensor): Tensor {
  let basis = bases.get(key);
  if (basis !== undefined) return basis;
  basis = build();
  if (basis.size > MAX_CACHED_ELEMENTS) return basis;
  while (cachedElements + basis.size > MAX_CACHED_ELEMENTS) {
    const [oldest, dropped] = bases.entries().next().value as [string, Tensor];
    bases.delete(oldest);
    cachedElements -= dropped.size;
  }
  bases.set(key, basis);
  cachedElements += basis.size;
  return basis;
}

/** cos and sin of 2 pi m / n, with m reduced modulo n first so large products keep their precision. */
function twiddle(m: number, n: number): [number, number] {
  const angle = (2 * Math.PI * (m % n)) / n;
  return [Math.cos(angle), Math.sin(angle)];
}

/** [inputs, 2K]: column k is cos(2 pi j k / N), column K + k is -sin(2 pi j k / N). */
function forwardBasis(inputs: number, fftLength: number): Tensor {
  return cached(`r${inputs}:${fftLength}`, () => {
    const bins = Math.floor(fftLength / 2) + 1;
    const values = new Float32Array(inputs * 2 * bins);
    for (let j = 0; j < inputs; j++) {
      for (let k = 0; k < bins; k++) {
        const [c, s] = twiddle(j * k, fftLength);
        values[j * 2 * bins + k] = c;
        values[j * 2 * bins + bins + k] = -s;
      }
    }
    return new Tensor(values, [inputs, 2 * bins]);
  });
}

/**
 * [2K, N]: the inverse of the Hermitian half spectrum. Bins 1..K-2 (and K-1 for odd N) stand for
 * themselves and their mirror image, so they count twice; the imaginary parts of DC and Nyquist
 * meet sin(0) and sin(pi n) and drop out, as in numpy.fft.irfft.
 */
function inverseBasis(fftLength: number): Tensor {
  return cached(`i${fftLength}`, () => {
    const bins = Math.floor(fftLength / 2) + 1;
    const values = new Float32Array(2 * bins * fftLength);
    for (let k = 0; k < bins; k++) {
      const weight = (k === 0 || 2 * k === fftLength ? 1 : 2) / fftLength;
      for (let n = 0; n < fftLength; n++) {
        const [c, s] = twiddle(k * n, fftLength);
        values[k * fftLength + n] = weight * c;
        values[(bins + k) * fftLength + n] = -weight * s;
      }
    }
    return new Tensor(values, [2 * bins, fftLength]);
  });
}

/** The input's leading axes folded into one, so any batch shape is one matrix product. */
function rows(x: Tensor): Tensor {
  return reshape(x, [-1, x.shape[x.rank - 1]]);
}

/**
 * The DFT of real signals along the last axis: `[..., n]` gives `{ real, imag }` of shape
 * `[..., fftLength / 2 + 1]` (bins 0 to Nyquist). The signal is cut to `fftLength` samples or padded
 * with zeros (default fftLength: n). Unnormalised, as numpy.fft.rfft. Differentiable.
 */
export function rfft(signal: TensorLike, fftLength?: number): ComplexTensor {
  const where = 'rfft';
  const input = checkFloat(where, 'signal', toTensor(where, 'signal', signal));
  if (input.rank < 1) shapeError(where, 'signal must have at least one axis, got a scalar');
  const n = input.shape[input.rank - 1];
  const length = fftLength === undefined ? n : checkInteger(where, 'fftLength', fftLength, 1, 1 << 20);
  if (length === 0 || n === 0) shapeError(where, `signal must have samples on its last axis, got shape [${input.shape.join(', ')}]`);
  return realDft(input, length);
}

/** rfft() without the argument checks. */
export function realDft(input: Tensor, fftLength: number): ComplexTensor {
  const n = input.shape[input.rank - 1];
  const used = Math.min(n, fftLength);
  const cropped = used < n ? slice(input, [...input.shape.map(() => 0)], [...input.shape.slice(0, -1), used]) : input;
  const bins = Math.floor(fftLength / 2) + 1;
  const leading = input.shape.slice(0, -1);
  if (input.size === 0) return { real: emptyTensor([...leading, bins]), imag: emptyTensor([...leading, bins]) };
  const both = matmul(rows(cropped), forwardBasis(used, fftLength));
  const batch = both.shape[0];
  return {
    real: reshape(slice(both, [0, 0], [batch, bins]), [...leading, bins]),
    imag: reshape(slice(both, [0, bins], [batch, bins]), [...leading, bins]),
  };
}

/** Checks a `{ real, imag }` pair: float32 tensors of one shape with at least one axis. */
export function checkComplex(where: string, name: string, value: unknown): ComplexTensor {
  const pair = value as Partial<ComplexTensor> | null;
  if (typeof pair !== 'object' || pair === null || !(pair.real instanceof Tensor) || !(pair.imag instanceof Tensor)) {
    typeError(where, name, 'an object { real, imag } of two float32 Tensors', value);
  }
  const { real, imag } = pair as ComplexTensor;
  checkFloat(where, `${name}.real`, real);
  checkFloat(where, `${name}.imag`, imag);
  if (real.rank < 1 || real.shape.length !== imag.shape.length || real.shape.some((d, i) => d !== imag.shape[i])) {
    shapeError(where, `${name}.real and ${name}.imag must have one shape with at least one axis, got [${real.shape.join(', ')}] and [${imag.shape.join(', ')}]`);
  }
  return { real, imag };
}

/**
 * The inverse of {@link rfft}: `{ real, imag }` of shape `[..., fftLength / 2 + 1]` gives real signals
 * `[..., fftLength]` (default fftLength: 2 * (bins - 1)), scaled by 1 / fftLength as numpy.fft.irfft.
 * Differentiable.
 */
export function irfft(spectrum: ComplexTensor, fftLength?: number): Tensor {
  const where = 'irfft';
  const { real, imag } = checkComplex(where, 'spectrum', spectrum);
  const bins = real.shape[real.rank - 1];
  const length = fftLength === undefined ? 2 * (bins - 1) : checkInteger(where, 'fftLength', fftLength, 1, 1 << 20);
  if (length < 1 || Math.floor(length / 2) + 1 !== bins) {
    shapeError(where, `a spectrum of ${bins} bins needs fftLength ${2 * (bins - 1)} or ${2 * bins - 1}, got ${fftLength ?? length}`);
  }
  return inverseRealDft(real, imag, length);
}

/** irfft() without the argument checks. */
export function inverseRealDft(real: Tensor, imag: Tensor, fftLength: number): Tensor {
  const leading = real.shape.slice(0, -1);
  if (real.size === 0) return emptyTensor([...leading, fftLength]);
  const both = concat([rows(real), rows(imag)], 1);
  return reshape(matmul(both, inverseBasis(fftLength)), [...leading, fftLength]);
}
