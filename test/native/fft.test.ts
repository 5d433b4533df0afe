// Raw binding of the real-input FFT: realFft and inverseRealFft. Bad arguments first; then the scalar
// reference against a direct DFT in double for lengths of every plan kind (radix 2/3/4/5, direct odd radices,
// Bluestein for large primes), every ISA the CPU has against the scalar reference, and the thread count.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const isas = binding.backendInfo().isas;
const start = binding.backendInfo();
afterAll(() => {
  binding.setIsa(start.isa);
  binding.setNumThreads(start.threads);
});

function signal(rows: number, samples: number, seed: number): Float32Array {
  const x = new Float32Array(rows * samples);
  let state = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    x[i] = state / 2147483648 - 1;
  }
  return x;
}

/** [rows, 2 * bins] as realFft writes it, in double: each row's real parts, then its imaginary parts. */
function directDft(x: Float32Array, rows: number, samples: number, n: number): Float64Array {
  const bins = Math.floor(n / 2) + 1;
  const out = new Float64Array(rows * 2 * bins);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < bins; k++) {
      let re = 0, im = 0;
      for (let t = 0; t < samples; t++) {
        const angle = (-2 * Math.PI * ((k * t) % n)) / n;
        re += x[r * samples + t] * Math.cos(angle);
        im += x[r * samples + t] * Math.sin(angle);
      }
      out[r * 2 * bins + k] = re;
      out[r * 2 * bins + bins + k] = im;
    }
  }
  return out;
}

function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

function forward(x: Float32Array, rows: number, samples: number, n: number): Float32Array {
  const spectrum = new Float32Array(rows * 2 * (Math.floor(n / 2) + 1)).fill(NaN);
  binding.fft.realFft(x, rows, samples, n, spectrum);
  return spectrum;
}

function inverse(spectrum: Float32Array, rows: number, n: number): Float32Array {
  const x = new Float32Array(rows * n).fill(NaN);
  binding.fft.inverseRealFft(spectrum, rows, n, x);
  return x;
}

function onIsa<T>(isa: string, run: () => T): T {
  binding.setIsa(isa);
  try {
    return run();
  } finally {
    binding.setIsa(start.isa);
  }
}

const LENGTHS = [1, 2, 3, 5, 7, 8, 12, 17, 97, 256, 400, 512, 1000, 1021, 2048];

describe('realFft / inverseRealFft: bad arguments', () => {
  it('rejects short buffers, lengths out of range and wrong types', () => {
    const x = new Float32Array(16);
    expect(() => binding.fft.realFft(x, 2, 8, 8, new Float32Array(19))).toThrow(ValueError);
    expect(() => binding.fft.realFft(x, 2, 8, 8, new Float32Array(19))).toThrow(/realFft: spectrum/);
    expect(() => binding.fft.realFft(x, 3, 8, 8, new Float32Array(30))).toThrow(/realFft: signal/);
    expect(() => binding.fft.realFft(x, 2, 9, 8, new Float32Array(20))).toThrow(/realFft: samples/);
    expect(() => binding.fft.realFft(x, 2, 8, 0, new Float32Array(20))).toThrow(/realFft: n/);
    expect(() => binding.fft.realFft(x, 2, 8, 2 ** 25, new Float32Array(20))).toThrow(/realFft: n/);
    expect(() => binding.fft.inverseRealFft(new Float32Array(10), 2, 8, x)).toThrow(/inverseRealFft: spectrum/);
    expect(() => binding.fft.inverseRealFft(new Float32Array(20), 2, 8, new Float32Array(15))).toThrow(/inverseRealFft: signal/);
    expect(() => binding.fft.realFft([1, 2] as unknown as Float32Array, 1, 2, 2, new Float32Array(4))).toThrow(ArgumentTypeError);
    // No rows: nothing is read or written, even from empty buffers.
    binding.fft.realFft(new Float32Array(0), 0, 8, 8, new Float32Array(0));
    binding.fft.inverseRealFft(new Float32Array(0), 0, 8, new Float32Array(0));
  });
});

describe('realFft / inverseRealFft: values', () => {
  it('the scalar reference matches a direct DFT for every plan kind, zero-padded or not', () => {
    onIsa('scalar', () => {
      for (const n of LENGTHS) {
        for (const samples of [n, Math.ceil(n / 2)]) {
          const rows = 3;
          const x = signal(rows, samples, n + samples);
          const error = maxError(forward(x, rows, samples, n), directDft(x, rows, samples, n));
          expect(error, `n ${n}, samples ${samples}`).toBeLessThan(3e-7 * Math.sqrt(samples) * (4 + Math.log2(n)));
        }
      }
    });
  });

  it('inverseRealFft undoes realFft and ignores the imaginary parts of DC and Nyquist (numpy.fft.irfft)', () => {
    for (const n of LENGTHS) {
      const rows = 2, bins = Math.floor(n / 2) + 1;
      const x = signal(rows, n, n);
      const spectrum = forward(x, rows, n, n);
      for (let r = 0; r < rows; r++) {
        spectrum[r * 2 * bins + bins] = 50;
        if (n % 2 === 0) spectrum[r * 2 * bins + 2 * bins - 1] = -50;
      }
      expect(maxError(inverse(spectrum, rows, n), x), `n ${n}`).toBeLessThan(1e-6 * (4 + Math.log2(n)));
    }
  });

  it('every ISA path matches the scalar reference (rows in full SIMD groups and a partial one)', () => {
    for (const n of LENGTHS) {
      const rows = 37;
      const x = signal(rows, n, 3 * n);
      const scalar = onIsa('scalar', () => forward(x, rows, n, n));
      const scalarBack = onIsa('scalar', () => inverse(scalar, rows, n));
      for (const isa of isas) {
        const got = onIsa(isa, () => forward(x, rows, n, n));
        expect(maxError(got, scalar), `${isa} n ${n}`).toBeLessThan(3e-7 * Math.sqrt(n) * (4 + Math.log2(n)));
        expect(maxError(onIsa(isa, () => inverse(scalar, rows, n)), scalarBack), `${isa} inverse n ${n}`).toBeLessThan(1e-6 * (4 + Math.log2(n)));
      }
    }
  });

  it('gives the same bits for 1, 2 and 3 threads on every ISA', () => {
    for (const isa of isas) {
      onIsa(isa, () => {
        const rows = 45, n = 400;
        const x = signal(rows, n, 9);
        const results = [1, 2, 3].map((threads) => {
          binding.setNumThreads(threads);
          const spectrum = forward(x, rows, n, n);
          return [Array.from(spectrum), Array.from(inverse(spectrum, rows, n))];
        });
        binding.setNumThreads(start.threads);
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      });
    }
  });
});
