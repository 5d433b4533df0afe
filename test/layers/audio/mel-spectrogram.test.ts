import { describe, expect, it } from 'vitest';
import * as dn from '../../../lib/index.js';
import { randomTensor } from '../../helpers/gradcheck.js';
import { bits, checkLayer } from '../../helpers/layers.js';

/** numpy.pad(x, half, mode='reflect') of each row, written out. */
function reflect(rows: Float32Array, count: number, samples: number, half: number): dn.Tensor {
  const out = new Float32Array(count * (samples + 2 * half));
  for (let r = 0; r < count; r++) {
    for (let i = -half; i < samples + half; i++) {
      const j = i < 0 ? -i : i >= samples ? 2 * (samples - 1) - i : i;
      out[r * (samples + 2 * half) + i + half] = rows[r * samples + j];
    }
  }
  return dn.tensor(out, [count, samples + 2 * half]);
}

describe('layers.melSpectrogram: should throw', () => {
  it('checks its options and its input rank', () => {
    expect(() => dn.layers.melSpectrogram({ fftLength: 256, sequenceLength: 512 })).toThrow(/fftLength must be at least sequenceLength 512, got 256/);
    expect(() => dn.layers.melSpectrogram({ window: 'kaiser' as never })).toThrow(/window/);
    expect(() => dn.layers.melSpectrogram({ samplingRate: 8000, maxFreq: 6000 })).toThrow(/upperEdgeHertz/);
    expect(() => dn.layers.melSpectrogram({ numMelBins: 0 })).toThrow(/numMelBins/);
    expect(() => dn.layers.melSpectrogram({ minPower: 0 })).toThrow(/minPower/);
    expect(() => dn.layers.melSpectrogram({ nMels: 3 } as never)).toThrow(/nMels/);
    expect(() => dn.layers.melSpectrogram().apply(dn.zeros([2, 300, 1]))).toThrow(/expected input of rank 2 \(\[batch, samples\]\), got shape \[null, 300, 1\]/);
  });
});

describe('layers.melSpectrogram', () => {
  it("has Keras' output shape: [batch, numMelBins, frames] of centred frames", () => {
    const layer = dn.layers.melSpectrogram({ numMelBins: 80, samplingRate: 8000, sequenceStride: 128, fftLength: 2048 });
    // Keras' compute_output_shape: (samples + stride + 1) // stride = 126 (its docstring's example says 125,
    // but 1 + 16000 // 128 centred frames fit, as scipy's and tf's STFTs give).
    expect(layer.computeOutputShape([2, 16000])).toEqual([2, 80, 126]);
    expect(dn.layers.melSpectrogram({ numMelBins: 64, samplingRate: 8000, sequenceStride: 256, fftLength: 2048 }).computeOutputShape([null, 16000])).toEqual([null, 64, 63]);
  });

  it('is the mel matrix times |STFT|^2 of the reflect-padded signal (powerToDb false), and dB with the top-dB floor', () => {
    const x = randomTensor([2, 200]);
    const options = { samplingRate: 8000, fftLength: 64, sequenceStride: 32, numMelBins: 12, minFreq: 50 };
    const linear = dn.layers.melSpectrogram({ ...options, powerToDb: false }).apply(x);
    expect(linear.shape).toEqual([2, 12, 7]);
    const expected = dn.signal.melSpectrogram(reflect(x.dataSync() as Float32Array, 2, 200, 32), {
      sampleRate: 8000, frameLength: 64, frameStep: 32, fftLength: 64, numMelBins: 12, lowerEdgeHertz: 50, upperEdgeHertz: 4000,
    });
    const transposed = dn.permute(expected, [0, 2, 1]).contiguous().dataSync();
    const values = linear.dataSync();
    for (let i = 0; i < values.length; i++) expect(values[i]).toBeCloseTo(transposed[i], 3);

    const db = dn.layers.melSpectrogram({ ...options, topDb: 20 }).apply(x).dataSync();
    const raw = Array.from(values, (v) => 10 * Math.log10(Math.max(v, 1e-10)));
    const top = Math.max(...raw);
    for (let i = 0; i < db.length; i++) expect(db[i]).toBeCloseTo(Math.max(raw[i], top - 20), 3);
  });

  it('a shorter window centred in the frame, magExp 1 and the Hamming window', () => {
    const x = randomTensor([1, 120]);
    const layer = dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 32, sequenceLength: 20, sequenceStride: 16, numMelBins: 6, window: 'hamming', magExp: 1, powerToDb: false });
    const window = new Float32Array(32);
    window.set(dn.signal.hammingWindow(20).dataSync(), 6);
    const expected = dn.signal.melSpectrogram(reflect(x.dataSync() as Float32Array, 1, 120, 16), {
      sampleRate: 8000, frameLength: 32, frameStep: 16, fftLength: 32, numMelBins: 6, lowerEdgeHertz: 20, upperEdgeHertz: 4000, window: dn.tensor(window), power: 1,
    });
    const actual = layer.apply(x).dataSync();
    const reference = dn.permute(expected, [0, 2, 1]).contiguous().dataSync();
    for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(reference[i], 3);
  });

  it('passes the layer check (shape, config round trip, input gradient)', () => {
    checkLayer(dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 16, sequenceStride: 8, numMelBins: 4, powerToDb: false }), [2, 40], { gradcheck: { rtol: 1e-2 } });
    checkLayer(dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 16, sequenceStride: 8, numMelBins: 4 }), [2, 40], { skipGradcheck: true });
  });

  it('a saved model takes raw audio and reloads bit for bit', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 64, sequenceStride: 32, numMelBins: 10, inputShape: [400] }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    const x = randomTensor([3, 400]);
    const loaded = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expect(loaded.layers[0].getConfig()).toEqual(model.layers[0].getConfig());
    expect(bits(loaded.predict(x))).toEqual(bits(model.predict(x)));
  });
});
