import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';
import { expectClose } from '../helpers/close.js';

/** The direct DFT in float64: bins 0..N/2 of the first min(n, N) samples zero-padded to N. */
function directRfft(x: ArrayLike<number>, fftLength: number): { real: number[]; imag: number[] } {
  const real: number[] = [];
  const imag: number[] = [];
  for (let k = 0; k <= fftLength / 2; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < Math.min(x.length, fftLength); j++) {
      re += x[j] * Math.cos((2 * Math.PI * j * k) / fftLength);
      im -= x[j] * Math.sin((2 * Math.PI * j * k) / fftLength);
    }
    real.push(re);
    imag.push(im);
  }
  return { real, imag };
}

describe('dn.signal: bad arguments', () => {
  it('names the argument and the value', () => {
    expect(() => dn.signal.frame(dn.zeros([8]), 0, 1)).toThrow(/frame: frameLength must be an integer from 1 to \d+, got 0/);
    expect(() => dn.signal.frame(dn.zeros([8]), 2, 1, 'yes' as never)).toThrow(dn.ArgumentTypeError);
    expect(() => dn.signal.frame(dn.scalar(1), 2, 1)).toThrow(dn.ShapeError);
    expect(() => dn.signal.frame(dn.zeros([4], { dtype: 'int32' }), 2, 1)).toThrow(dn.DTypeError);
    expect(() => dn.signal.hannWindow(-1)).toThrow(/windowLength/);
    expect(() => dn.signal.stft(dn.zeros([64]), { frameLength: 16 } as never)).toThrow(/stft: frameStep must be/);
    expect(() => dn.signal.stft(dn.zeros([64]), { frameLength: 16, frameStep: 8, hop: 3 } as never)).toThrow(/hop/);
    expect(() => dn.signal.stft(dn.zeros([64]), { frameLength: 16, frameStep: 8, window: dn.ones([15]) })).toThrow(/window must be \[frameLength\] = \[16\], got shape \[15\]/);
    expect(() => dn.signal.spectrogram(dn.zeros([64]), { frameLength: 16, frameStep: 8, power: 3 as never })).toThrow(/power must be 1 \(magnitude\) or 2 \(power\), got 3/);
    expect(() => dn.signal.irfft({ real: dn.zeros([5]), imag: dn.zeros([4]) })).toThrow(dn.ShapeError);
    expect(() => dn.signal.irfft({ real: dn.zeros([5]), imag: dn.zeros([5]) }, 12)).toThrow(/5 bins needs fftLength 8 or 9, got 12/);
    expect(() => dn.signal.inverseStft({ real: dn.zeros([3, 9]), imag: dn.zeros([3, 9]) }, { frameLength: 16, frameStep: 4, fftLength: 32 })).toThrow(/needs 17 bins/);
    expect(() => dn.signal.linearToMelWeightMatrix(4, 9, 8000, 125, 5000)).toThrow(/upperEdgeHertz must be a number <= the Nyquist frequency 4000, got 5000/);
    expect(() => dn.signal.linearToMelWeightMatrix(4, 9, 8000, 300, 200)).toThrow(/upperEdgeHertz/);
    expect(() => dn.signal.melSpectrogram(dn.zeros([64]), { frameLength: 16, frameStep: 8 } as never)).toThrow(/sampleRate/);
    expect(() => dn.signal.mfccsFromLogMelSpectrograms(dn.zeros([3, 0]))).toThrow(dn.ShapeError);
  });
});

describe('dn.signal windows and frames', () => {
  it('Hann and Hamming windows are periodic by default, symmetric on request (tf.signal)', () => {
    expectClose(dn.signal.hannWindow(4).dataSync(), [0, 0.5, 1, 0.5], 1e-7);
    expectClose(dn.signal.hannWindow(5, false).dataSync(), [0, 0.5, 1, 0.5, 0], 1e-7);
    expectClose(dn.signal.hammingWindow(4).dataSync(), [0.08, 0.54, 1, 0.54], 1e-7);
    expectClose(dn.signal.hammingWindow(3, false).dataSync(), [0.08, 1, 0.08], 1e-7);
    expect(Array.from(dn.signal.hannWindow(1).dataSync())).toEqual([1]);
    expect(dn.signal.hannWindow(0).shape).toEqual([0]);
  });

  it('frame: tf.signal.frame values, padEnd, batched, empty', () => {
    const signal = dn.arange(0, 7);
    expect(dn.signal.frame(signal, 3, 2).toArray()).toEqual([[0, 1, 2], [2, 3, 4], [4, 5, 6]]);
    expect(dn.signal.frame(signal, 3, 3, true, -1).toArray()).toEqual([[0, 1, 2], [3, 4, 5], [6, -1, -1]]);
    expect(dn.signal.frame(dn.zeros([2, 3, 10]), 4, 3).shape).toEqual([2, 3, 3, 4]);
    expect(dn.signal.frame(dn.zeros([2, 3]), 4, 1).shape).toEqual([2, 0, 4]);
  });

  it('overlapAndAdd is frame\'s adjoint: <frame(x), y> = <x, overlapAndAdd(y)>', () => {
    const x = randomTensor([2, 11]);
    const y = randomTensor([2, 4, 5], { seed: 3 });
    const framed = dn.signal.frame(x, 5, 2);
    expect(framed.shape).toEqual([2, 4, 5]);
    const added = dn.signal.overlapAndAdd(y, 2);
    expect(added.shape).toEqual([2, 11]);
    expect(dn.sum(dn.mul(framed, y)).item()).toBeCloseTo(dn.sum(dn.mul(x, added)).item(), 4);
    expect(dn.signal.overlapAndAdd(dn.ones([3, 2]), 1).toArray()).toEqual([1, 2, 2, 1]);
  });

  it('frame and overlapAndAdd gradients (finite differences)', () => {
    gradcheck((x) => dn.signal.frame(x, 3, 2, true), [randomTensor([2, 8])]);
    gradcheck((y) => dn.signal.overlapAndAdd(y, 2), [randomTensor([2, 3, 4])]);
  });
});

describe('dn.signal real DFT', () => {
  it('matches a direct DFT for even, odd and prime lengths, padded and cut', () => {
    for (const [n, fftLength] of [[1, 1], [2, 2], [3, 3], [5, 5], [8, 8], [12, 12], [17, 17], [30, 30], [64, 64], [10, 16], [20, 16], [7, 31]]) {
      const x = randomTensor([n], { seed: n });
      const { real, imag } = dn.signal.rfft(x, fftLength);
      const expected = directRfft(x.dataSync(), fftLength);
      expect(real.shape).toEqual([Math.floor(fftLength / 2) + 1]);
      expectClose(real.dataSync(), expected.real, 2e-5 * n);
      expectClose(imag.dataSync(), expected.imag, 2e-5 * n);
    }
  });

  it('irfft inverts rfft for even and odd lengths, batched', () => {
    for (const n of [8, 9, 64, 101]) {
      const x = randomTensor([2, 3, n], { seed: n });
      const back = dn.signal.irfft(dn.signal.rfft(x), n);
      expect(back.shape).toEqual([2, 3, n]);
      expectClose(back.dataSync(), x.dataSync(), 2e-5 * Math.sqrt(n));
    }
  });

  it('runs on the native FFT for long and prime lengths (radix passes, Bluestein), batched over leading axes', () => {
    for (const n of [400, 1021, 2048]) {
      const x = randomTensor([2, 1, n], { seed: n });
      const { real, imag } = dn.signal.rfft(x);
      expect(real.shape).toEqual([2, 1, Math.floor(n / 2) + 1]);
      const second = directRfft(x.dataSync().subarray(n, 2 * n), n);
      const bins = Math.floor(n / 2) + 1;
      expectClose(real.dataSync().subarray(bins), second.real, 2e-4);
      expectClose(imag.dataSync().subarray(bins), second.imag, 2e-4);
    }
  });

  it('rfft and irfft gradients (finite differences)', () => {
    gradcheck((x) => dn.signal.rfft(x, 12).real, [randomTensor([3, 10])]);
    gradcheck((x) => dn.signal.rfft(x, 7).imag, [randomTensor([2, 9])]);
    gradcheck((re, im) => dn.signal.irfft({ real: re, imag: im }, 10), [randomTensor([2, 6]), randomTensor([2, 6], { seed: 5 })]);
    gradcheck((re, im) => dn.signal.irfft({ real: re, imag: im }, 9), [randomTensor([2, 5]), randomTensor([2, 5], { seed: 6 })]);
    // 67 is prime and above the direct radices: Bluestein's transform, forward and in the gradient.
    gradcheck((x) => dn.signal.rfft(x, 67).real, [randomTensor([1, 60])]);
  });
});

describe('dn.signal STFT and spectrograms', () => {
  it('stft: frames times the window, then the DFT; options and tf.js positional forms agree', () => {
    const x = randomTensor([2, 50]);
    const { real, imag } = dn.signal.stft(x, { frameLength: 12, frameStep: 5, fftLength: 16 });
    expect(real.shape).toEqual([2, 8, 9]);
    const window = dn.signal.hannWindow(12).dataSync();
    const values = x.dataSync();
    const frame = Array.from({ length: 12 }, (_, j) => values[50 + 3 * 5 + j] * window[j]); // batch 1, frame 3
    const expected = directRfft(frame, 16);
    expectClose(real.dataSync().subarray((8 + 3) * 9, (8 + 4) * 9), expected.real, 1e-5);
    expectClose(imag.dataSync().subarray((8 + 3) * 9, (8 + 4) * 9), expected.imag, 1e-5);
    const positional = dn.signal.stft(x, 12, 5, 16);
    expect(Array.from(positional.real.dataSync())).toEqual(Array.from(real.dataSync()));
    // Default fftLength: the next power of two; window null: rectangular.
    expect(dn.signal.stft(x, { frameLength: 12, frameStep: 5, window: null }).real.shape).toEqual([2, 8, 9]);
  });

  it('inverseStft with inverseStftWindowFn reconstructs the signal (away from the ends)', () => {
    const x = randomTensor([3, 400]);
    for (const [frameLength, frameStep, fftLength] of [[64, 16, 64], [100, 25, 128], [60, 20, 64]]) {
      const spectrum = dn.signal.stft(x, { frameLength, frameStep, fftLength });
      const back = dn.signal.inverseStft(spectrum, { frameLength, frameStep, fftLength, window: dn.signal.inverseStftWindowFn(frameStep) });
      const frames = spectrum.real.shape[1];
      expect(back.shape).toEqual([3, (frames - 1) * frameStep + frameLength]);
      const a = back.dataSync();
      const b = x.dataSync();
      let worst = 0;
      for (let r = 0; r < 3; r++) {
        for (let i = frameLength; i < back.shape[1] - frameLength; i++) worst = Math.max(worst, Math.abs(a[r * back.shape[1] + i] - b[r * 400 + i]));
      }
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('spectrogram: power 2 is the squared magnitude', () => {
    const x = randomTensor([2, 64]);
    const magnitude = dn.signal.spectrogram(x, { frameLength: 16, frameStep: 8, power: 1 });
    const power = dn.signal.spectrogram(x, { frameLength: 16, frameStep: 8 });
    expectClose(power.dataSync(), dn.square(magnitude).dataSync(), 1e-4);
    const { real, imag } = dn.signal.stft(x, { frameLength: 16, frameStep: 8 });
    expectClose(power.dataSync(), dn.add(dn.square(real), dn.square(imag)).dataSync(), 1e-5);
  });

  it('stft, inverseStft and spectrogram gradients (finite differences)', () => {
    gradcheck((x) => dn.signal.stft(x, { frameLength: 8, frameStep: 3, fftLength: 8 }).imag, [randomTensor([2, 20])]);
    gradcheck((x) => dn.signal.spectrogram(x, { frameLength: 6, frameStep: 4, fftLength: 8, power: 1 }), [randomTensor([1, 18], { low: 0.5 })], { rtol: 1e-2 });
    gradcheck((re, im) => dn.signal.inverseStft({ real: re, imag: im }, { frameLength: 6, frameStep: 2, fftLength: 8 }), [randomTensor([3, 5]), randomTensor([3, 5], { seed: 9 })]);
  });
});

describe('dn.signal mel features', () => {
  it('linearToMelWeightMatrix matches tf.signal\'s formula (values from a NumPy transcription of it)', () => {
    const matrix = dn.signal.linearToMelWeightMatrix(4, 9, 8000, 125, 3800);
    expect(matrix.shape).toEqual([9, 4]);
    expectClose(matrix.dataSync(), [
      0, 0, 0, 0,
      0.8956538, 0.1043462, 0, 0,
      0, 0.8690782, 0.1309218, 0,
      0, 0.1091701, 0.8908299, 0,
      0, 0, 0.5055729, 0.4944271,
      0, 0, 0.004824, 0.995176,
      0, 0, 0, 0.5769243,
      0, 0, 0, 0.2033449,
      0, 0, 0, 0,
    ], 1e-5);
    // tf's defaults: 20 bands over 129 bins at 8 kHz, 125..3800 Hz (sum 110.80084 in NumPy).
    expect(dn.sum(dn.signal.linearToMelWeightMatrix()).item()).toBeCloseTo(110.80084, 3);
  });

  it('mel bands are triangles: non-negative, DC unweighted, adjacent bands sum to 1 inside the range', () => {
    const matrix = dn.signal.linearToMelWeightMatrix(40, 257, 16000, 20, 8000);
    const w = matrix.dataSync();
    for (let m = 0; m < 40; m++) expect(w[m]).toBe(0);
    for (let k = 10; k < 235; k++) {
      let total = 0;
      for (let m = 0; m < 40; m++) {
        expect(w[k * 40 + m]).toBeGreaterThanOrEqual(0);
        total += w[k * 40 + m];
      }
      expect(total).toBeCloseTo(1, 5);
    }
  });

  it('melSpectrogram is the spectrogram times the mel matrix, batched; its gradient checks', () => {
    const x = randomTensor([2, 3, 120]);
    const mel = dn.signal.melSpectrogram(x, { sampleRate: 8000, frameLength: 32, frameStep: 16, numMelBins: 10, lowerEdgeHertz: 100 });
    expect(mel.shape).toEqual([2, 3, 6, 10]);
    const expected = dn.matmul(dn.signal.spectrogram(x, { frameLength: 32, frameStep: 16 }), dn.signal.linearToMelWeightMatrix(10, 17, 8000, 100, 4000));
    expectClose(mel.dataSync(), expected.dataSync(), 1e-4);
    gradcheck((s) => dn.signal.melSpectrogram(s, { sampleRate: 8000, frameLength: 8, frameStep: 4, numMelBins: 3, lowerEdgeHertz: 100 }), [randomTensor([1, 20])], { rtol: 1e-2 });
  });

  it('mfccsFromLogMelSpectrograms: DCT-II scaled by sqrt(2 / bins), batched; gradient checks', () => {
    const logMel = randomTensor([2, 3, 6]);
    const mfccs = dn.signal.mfccsFromLogMelSpectrograms(logMel);
    expect(mfccs.shape).toEqual([2, 3, 6]);
    const x = logMel.dataSync();
    const expected: number[] = [];
    for (let row = 0; row < 6; row++) {
      for (let k = 0; k < 6; k++) {
        let total = 0;
        for (let n = 0; n < 6; n++) total += x[row * 6 + n] * Math.cos((Math.PI * k * (2 * n + 1)) / 12);
        expected.push(Math.sqrt(2 / 6) * total);
      }
    }
    expectClose(mfccs.dataSync(), expected, 1e-5);
    gradcheck(dn.signal.mfccsFromLogMelSpectrograms, [randomTensor([4, 5])]);
  });
});
