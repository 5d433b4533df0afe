/**
 * Audio in and out: WAV files as float32 tensors `[samples, channels]` in [-1, 1]
 * (tf.audio.decode_wav / encode_wav), and sample-rate conversion.
 */
export { decodeWav, readWav, encodeWav, writeWav } from './wav.js';
export type { DecodedWav, DecodeWavOptions, EncodeWavOptions } from './wav.js';
export { resample } from './resample.js';
