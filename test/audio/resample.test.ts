import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';

function tone(frequency: number, rate: number, frames: number, channels = 1): dn.Tensor {
  const values = new Float32Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) values[i * channels + c] = (c === 0 ? 0.5 : -0.3) * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return dn.tensor(values, [frames, channels]);
}

/** The largest error against the ideal tone, away from the ends (where the input is cut off). */
function toneError(audio: dn.Tensor, frequency: number, rate: number, margin: number, channels = 1): number {
  const values = audio.dataSync();
  let worst = 0;
  for (let i = margin; i < audio.shape[0] - margin; i++) {
    for (let c = 0; c < channels; c++) {
      const ideal = (c === 0 ? 0.5 : -0.3) * Math.sin((2 * Math.PI * frequency * i) / rate);
      worst = Math.max(worst, Math.abs(values[i * channels + c] - ideal));
    }
  }
  return worst;
}

describe('dn.audio.resample', () => {
  it('keeps a tone in the pass band (44.1 kHz to 16 kHz and 8 kHz to 22.05 kHz), stereo', () => {
    const down = dn.audio.resample(tone(440, 44100, 4410, 2), 44100, 16000);
    expect(down.shape).toEqual([1600, 2]);
    expect(toneError(down, 440, 16000, 100, 2)).toBeLessThan(2e-3);
    const up = dn.audio.resample(tone(1000, 8000, 800), 8000, 22050);
    expect(up.shape).toEqual([2205, 1]);
    expect(toneError(up, 1000, 22050, 200)).toBeLessThan(2e-3);
  });

  it('removes a tone above the new Nyquist frequency instead of aliasing it', () => {
    const out = dn.audio.resample(tone(7000, 16000, 3200), 16000, 8000).dataSync();
    let peak = 0;
    for (let i = 200; i < out.length - 200; i++) peak = Math.max(peak, Math.abs(out[i]));
    expect(peak).toBeLessThan(0.5 * 1e-3);
  });

  it('keeps a constant (unit DC gain), keeps rank, copies for equal rates, and rounds the length up', () => {
    const out = dn.audio.resample(dn.full([1000], 0.25), 48000, 44100);
    expect(out.shape).toEqual([919]);
    const values = out.dataSync();
    for (let i = 100; i < 800; i++) expect(values[i]).toBeCloseTo(0.25, 4);
    const same = dn.tensor([1, 2, 3], [3, 1]);
    const copy = dn.audio.resample(same, 8000, 8000);
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    expect(copy.storage).not.toBe(same.storage);
    // A prime ratio (no polyphase table reuse beyond one phase per output sample).
    expect(dn.audio.resample(dn.zeros([10]), 7919, 7907).shape).toEqual([10]);
  });

  it('checks its arguments', () => {
    expect(() => dn.audio.resample(dn.zeros([4]), 0, 8000)).toThrow(/fromRate/);
    expect(() => dn.audio.resample(dn.zeros([4]), 8000, 1.5)).toThrow(/toRate/);
    expect(() => dn.audio.resample(dn.zeros([2, 2, 2]), 8000, 16000)).toThrow(dn.ShapeError);
    expect(() => dn.audio.resample(new Float32Array(4) as never, 8000, 16000)).toThrow(dn.ArgumentTypeError);
  });
});
