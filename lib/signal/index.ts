/**
 * Signal processing in tf.signal's names and semantics: frames, windows, real DFTs, short-time
 * Fourier transforms, spectrograms, mel filter banks and MFCCs. Every function takes signals
 * `[..., samples]` (any leading batch axes) and is differentiable.
 */
export { frame, overlapAndAdd } from './frame.js';
export { hannWindow, hammingWindow } from './windows.js';
export { rfft, irfft } from './fft.js';
export type { ComplexTensor } from './fft.js';
export { stft, inverseStft, inverseStftWindowFn, spectrogram } from './stft.js';
export type { StftOptions, SpectrogramOptions, WindowSpec } from './stft.js';
export { linearToMelWeightMatrix, melSpectrogram, mfccsFromLogMelSpectrograms } from './mel.js';
export type { MelSpectrogramOptions } from './mel.js';
