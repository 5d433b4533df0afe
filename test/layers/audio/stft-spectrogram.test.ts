import { describe, expect, it } from 'vitest';
import * as dn from '../../../lib/index.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';
import { expectClose } from '../../helpers/close.js';
import { bits, checkLayer } from '../../helpers/layers.js';

describe('layers.stftSpectrogram: should throw', () => {
  it('checks its options and its input rank', () => {
    expect(() => dn.layers.stftSpectrogram({ mode: 'phase' as never })).toThrow(/mode/);
    expect(() => dn.layers.stftSpectrogram({ frameLength: 64, frameStep: 65 })).toThrow(/frameStep must be a positive integer not greater than frameLength 64, got 65/);
    expect(() => dn.layers.stftSpectrogram({ frameLength: 64, fftLength: 32 })).toThrow(/fftLength must be at least frameLength 64, got 32/);
    expect(() => dn.layers.stftSpectrogram({ window: 'kaiser' as never })).toThrow(/window/);
    expect(() => dn.layers.stftSpectrogram({ frameLength: 4, window: [1, 2, 3] })).toThrow(/window must be an array of 4/);
    expect(() => dn.layers.stftSpectrogram({ padding: 'causal' as never })).toThrow(/padding/);
    expect(() => dn.layers.stftSpectrogram({ hop: 3 } as never)).toThrow(/hop/);
    expect(() => dn.layers.stftSpectrogram().apply(dn.zeros([2, 300]))).toThrow(/expected input of rank 3 \(\[batch, time, channels\]\), got shape \[null, 300\]/);
  });
});

describe('layers.stftSpectrogram', () => {
  it('real, imag and magnitude modes equal dn.signal.stft with the symmetric window (scaling null)', () => {
    const x = randomTensor([2, 100, 1]);
    const signal = dn.reshape(x, [2, 100]);
    const options = { frameLength: 16, frameStep: 6, fftLength: 32 };
    const reference = dn.signal.stft(signal, { ...options, window: dn.signal.hannWindow(16, false) });
    const layer = (mode: 'real' | 'imag' | 'magnitude') => dn.layers.stftSpectrogram({ ...options, mode, scaling: null });
    const real = layer('real').apply(x);
    expect(real.shape).toEqual([2, 15, 17]);
    expectClose(real.dataSync(), reference.real.dataSync(), 2e-5);
    expectClose(layer('imag').apply(x).dataSync(), reference.imag.dataSync(), 2e-5);
    const magnitude = dn.sqrt(dn.add(dn.square(reference.real), dn.square(reference.imag)));
    expectClose(layer('magnitude').apply(x).dataSync(), magnitude.dataSync(), 2e-5);
  });

  it("'angle' is the phase atan2(imag, real) of the STFT (Keras), and its gradient checks", () => {
    const x = randomTensor([2, 100, 1], { seed: 3 });
    const options = { frameLength: 16, frameStep: 6, fftLength: 32 };
    const reference = dn.signal.stft(dn.reshape(x, [2, 100]), { ...options, window: dn.signal.hannWindow(16, false) });
    const re = reference.real.dataSync(), im = reference.imag.dataSync();
    const angle = dn.layers.stftSpectrogram({ ...options, mode: 'angle', scaling: null }).apply(x);
    expect(angle.shape).toEqual([2, 15, 17]);
    expectClose(angle.dataSync(), Array.from(re, (r, i) => Math.atan2(im[i], r)), 2e-4);
    // Inner bins only: DC and Nyquist sit on the real axis, where the phase jumps between -pi and pi.
    const layer = dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'angle', scaling: null });
    gradcheck((signal) => dn.slice(layer.apply(signal), [0, 0, 1], [1, 5, 3]), [randomTensor([1, 24, 1], { seed: 4 })]);
  });

  it("'density' scaling divides by sqrt(sum(w^2)); 'log' is the log magnitude; 'psd' doubles the inner bins", () => {
    const x = randomTensor([1, 64, 1]);
    const window = dn.signal.hannWindow(16, false);
    const norm = Math.sqrt(dn.sum(dn.square(window)).item());
    const plain = dn.layers.stftSpectrogram({ frameLength: 16, frameStep: 8, mode: 'magnitude', scaling: null }).apply(x);
    const density = dn.layers.stftSpectrogram({ frameLength: 16, frameStep: 8, mode: 'magnitude' }).apply(x);
    expectClose(density.dataSync(), plain.div(norm).dataSync(), 1e-5);
    const logged = dn.layers.stftSpectrogram({ frameLength: 16, frameStep: 8 }).apply(x);
    expectClose(logged.dataSync(), dn.log(density).dataSync(), 1e-4);
    const psd = dn.layers.stftSpectrogram({ frameLength: 16, frameStep: 8, mode: 'psd' }).apply(x).dataSync();
    const power = dn.square(density).dataSync();
    for (let i = 0; i < power.length; i++) {
      const bin = i % 9;
      expect(psd[i]).toBeCloseTo(power[i] * (bin === 0 || bin === 8 ? 1 : 2), 4);
    }
  });

  it('channels, stft mode, expandDims, channelsFirst and same padding give the promised shapes and layouts', () => {
    const x = randomTensor([2, 50, 3]);
    const flat = dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'real' }).apply(x);
    expect(flat.shape).toEqual([2, 11, 15]);
    const expanded = dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'real', expandDims: true }).apply(x);
    expect(expanded.shape).toEqual([2, 11, 5, 3]);
    // Feature c * bins + f of the flat layout is [f, c] of the expanded one.
    expect(flat.dataSync()[2 * 5 + 1]).toBe(expanded.dataSync()[1 * 3 + 2]);
    expect(dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'stft' }).apply(x).shape).toEqual([2, 11, 30]);
    expect(dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, padding: 'same' }).apply(x).shape).toEqual([2, 13, 15]);
    const first = dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'real', dataFormat: 'channelsFirst' }).apply(dn.permute(x, [0, 2, 1]));
    expect(first.shape).toEqual([2, 15, 11]);
    expect(bits(dn.permute(first, [0, 2, 1]))).toEqual(bits(flat));
  });

  it('passes the layer check (output shape, config round trip, gradients of input and kernels)', () => {
    checkLayer(dn.layers.stftSpectrogram({ frameLength: 8, frameStep: 4, mode: 'magnitude' }), [2, 20, 1], { gradcheck: { rtol: 1e-2 } });
    checkLayer(dn.layers.stftSpectrogram({ frameLength: 6, frameStep: 3, fftLength: 8, mode: 'stft', window: 'hamming', periodic: true, padding: 'same' }), [1, 13, 2]);
  });

  it('a saved model takes raw audio and reloads bit for bit', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.stftSpectrogram({ frameLength: 32, frameStep: 16, inputShape: [256, 1] }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    const x = randomTensor([4, 256, 1]);
    const loaded = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expect(loaded.layers[0].className).toBe('STFTSpectrogram');
    expect(bits(loaded.predict(x))).toEqual(bits(model.predict(x)));
  });
});
