/**
 * WAV (RIFF/WAVE) reading and writing, as tf.audio.decode_wav / encode_wav: audio is a float32 tensor
 * `[samples, channels]` with values in [-1, 1].
 *
 * The parser is written here rather than taken from a package: a WAV file is a RIFF header, a `fmt `
 * chunk and a `data` chunk, so the whole reader is a page of code, and writing it ourselves lets every
 * bad file end in Dendrite's own SerializationError naming the file, the byte offset and the format
 * code (the WAV packages on the registry either throw plain Errors or skip validation of truncated
 * chunks), with no dependency to audit or pin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SerializationError, ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkChoice, checkInteger, checkOptions, checkString, MAX_TENSOR_SIZE, shapeError, typeError, valueError } from '../validate.js';

/** What {@link decodeWav} and {@link readWav} return. */
export interface DecodedWav {
  /** float32 samples `[samples, channels]` in [-1, 1]. */
  audio: Tensor;
  /** Samples per second (per channel). */
  sampleRate: number;
}

/** Options of {@link decodeWav} and {@link readWav} (tf.audio.decode_wav's `desired_channels` / `desired_samples`). */
export interface DecodeWavOptions {
  /**
   * The number of channels to return: extra channels are dropped, and a mono file is repeated into
   * every channel (a file with 2+ channels cannot be widened). Default: the file's channel count.
   */
  desiredChannels?: number;
  /** The number of samples to return: longer audio is cut, shorter audio is padded with zeros. Default: all. */
  desiredSamples?: number;
}

/** Options of {@link encodeWav} and {@link writeWav}. */
export interface EncodeWavOptions {
  /** Bits per sample: 8, 16, 24 or 32 (default 16). */
  bitDepth?: 8 | 16 | 24 | 32;
  /** 'int' (integer PCM, the default) or 'float' (IEEE float; needs bitDepth 32). */
  sampleFormat?: 'int' | 'float';
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Names of the format codes a user is likely to meet, for error messages. */
const FORMAT_NAMES: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MPEG Layer 3 (MP3)',
  0x00ff: 'AAC',
  0x1610: 'HE-AAC',
  0xfffe: 'extensible',
};
const DECODE_OPTIONS = ['desiredChannels', 'desiredSamples'] as const;
const ENCODE_OPTIONS = ['bitDepth', 'sampleFormat'] as const;

function hex4(code: number): string {
  return `0x${code.toString(16).padStart(4, '0')}`;
}

function formatCode(code: number): string {
  const name = FORMAT_NAMES[code];
  return name === undefined ? hex4(code) : `${hex4(code)} (${name})`;
}

/**
 * Decodes a WAV file held in memory. Reads integer PCM of 8 (unsigned), 16, 24 and 32 bits and IEEE
 * float of 32 and 64 bits, plain or WAVE_FORMAT_EXTENSIBLE, with any number of channels. Integer
 * samples are scaled by 2^-(bits-1) (8-bit ones are centred on 128 first), as tf.audio.decode_wav.
 *
 * @throws SerializationError for a truncated file, a wrong header or an unsupported format code,
 *   naming the byte offset (and the file, through {@link readWav}).
 */
export function decodeWav(buffer: Uint8Array, options: DecodeWavOptions = {}): DecodedWav {
  if (!(buffer instanceof Uint8Array)) typeError('decodeWav', 'buffer', 'a Uint8Array or Buffer', buffer);
  return decode('decodeWav', buffer, options, 'decodeWav');
}

/**
 * Reads and decodes a WAV file (see {@link decodeWav}). Errors name the file.
 *
 * ```ts
 * const { audio, sampleRate } = dn.audio.readWav('clip.wav'); // audio: [samples, channels]
 * ```
 */
export function readWav(path: string, options: DecodeWavOptions = {}): DecodedWav {
  checkString('readWav', 'path', path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SerializationError(`readWav: cannot read '${path}': ${(error as Error).message}`, { cause: error });
  }
  return decode('readWav', bytes, options, `readWav: '${path}'`);
}

function decode(where: string, bytes: Uint8Array, options: DecodeWavOptions, context: string): DecodedWav {
  const checked = checkOptions<DecodeWavOptions>(where, options, DECODE_OPTIONS);
  const desiredChannels =
    checked.desiredChannels === undefined ? undefined : checkInteger(where, 'desiredChannels', checked.desiredChannels, 1, 65535);
  const desiredSamples = checked.desiredSamples === undefined ? undefined : checkInteger(where, 'desiredSamples', checked.desiredSamples, 0, MAX_TENSOR_SIZE);
  const fail = (offset: number, message: string, hint = ''): never => {
    throw new SerializationError(`${context}: ${message} at byte offset ${offset}${hint === '' ? '' : `; ${hint}`}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (offset: number): string => String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);

  if (bytes.length < 12) fail(bytes.length, `truncated file: ${bytes.length} bytes, a WAV header needs 12`);
  if (fourcc(0) !== 'RIFF') fail(0, `not a WAV file: expected 'RIFF', got ${JSON.stringify(fourcc(0))}`);
  if (fourcc(8) !== 'WAVE') fail(8, `not a WAV file: expected 'WAVE', got ${JSON.stringify(fourcc(8))}`);

  let format: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number; offset: number } | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourcc(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) fail(offset + 4, `'fmt ' chunk of ${size} bytes, expected at least 16`);
      if (body + size > bytes.length) fail(bytes.length, `truncated file: the 'fmt ' chunk at byte ${offset} needs ${size} bytes, ${bytes.length - body} remain`);
      let code = view.getUint16(body, true);
      if (code === WAVE_FORMAT_EXTENSIBLE) {
        // The real format code is the first two bytes of the SubFormat GUID (cbSize 22 extra bytes).
        if (size < 40) fail(offset + 4, `extensible 'fmt ' chunk of ${size} bytes, expected 40`);
        code = view.getUint16(body + 24, true);
      }
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
        offset: code === view.getUint16(body, true) ? body : body + 24,
      };
    } else if (id === 'data') {
      if (format === null) fail(offset, "'data' chunk before any 'fmt ' chunk");
      const fmt = format as NonNullable<typeof format>;
      if (body + size > bytes.length) {
        fail(bytes.length, `truncated file: the 'data' chunk at byte ${offset} declares ${size} bytes, ${bytes.length - body} remain`);
      }
      return samples(fmt, bytes.subarray(body, body + size), body, fail, desiredChannels, desiredSamples);
    }
    // Chunks are padded to an even length.
    offset = body + size + (size & 1);
  }
  if (format === null) fail(Math.min(offset, bytes.length), "no 'fmt ' chunk");
  return fail(Math.min(offset, bytes.length), "no 'data' chunk");
}

function samples(
  fmt: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number; offset: number },
  data: Uint8Array,
  dataOffset: number,
  fail: (offset: number, message: string, hint?: string) => never,
  desiredChannels: number | undefined,
  desiredSamples: number | undefined,
): DecodedWav {
  const { code, channels, bits } = fmt;
  const isInt = code === WAVE_FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const isFloat = code === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64);
  if (code !== WAVE_FORMAT_PCM && code !== WAVE_FORMAT_IEEE_FLOAT) {
    fail(fmt.offset, `unsupported format code ${formatCode(code)}`, 'supported: 0x0001 (PCM), 0x0003 (IEEE float), and either inside 0xfffe (extensible)');
  }
  if (!isInt && !isFloat) fail(fmt.offset + 14, `unsupported ${bits}-bit samples for format code ${formatCode(code)}`);
  if (channels === 0) fail(fmt.offset + 2, 'zero channels');
  if (fmt.sampleRate === 0) fail(fmt.offset + 4, 'sample rate 0');
  const bytesPerSample = bits / 8;
  if (fmt.blockAlign !== channels * bytesPerSample) {
    fail(fmt.offset + 12, `block align ${fmt.blockAlign}, expected ${channels * bytesPerSample} (${channels} channels of ${bits} bits)`);
  }
  const frames = Math.floor(data.length / fmt.blockAlign);
  if (frames * fmt.blockAlign !== data.length) {
    fail(dataOffset + frames * fmt.blockAlign, `truncated sample: 'data' holds ${data.length} bytes, not a multiple of the ${fmt.blockAlign}-byte frame`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = frames * channels;
  const decoded = new Float32Array(count);
  if (isFloat && bits === 32) for (let i = 0; i < count; i++) decoded[i] = view.getFloat32(i * 4, true);
  else if (isFloat) for (let i = 0; i < count; i++) decoded[i] = view.getFloat64(i * 8, true);
  else if (bits === 8) for (let i = 0; i < count; i++) decoded[i] = (data[i] - 128) / 128;
  else if (bits === 16) for (let i = 0; i < count; i++) decoded[i] = view.getInt16(i * 2, true) / 32768;
  else if (bits === 24) {
    for (let i = 0; i < count; i++) {
      const b = i * 3;
      // Sign-extend the 24-bit little-endian integer through the top byte.
      decoded[i] = ((data[b] | (data[b + 1] << 8) | (data[b + 2] << 24 >> 8))) / 8388608;
    }
  } else for (let i = 0; i < count; i++) decoded[i] = view.getInt32(i * 4, true) / 2147483648;
  return { audio: reshapeAudio(decoded, frames, channels, desiredChannels, desiredSamples), sampleRate: fmt.sampleRate };
}

function reshapeAudio(decoded: Float32Array, frames: number, channels: number, desiredChannels?: number, desiredSamples?: number): Tensor {
  const outChannels = desiredChannels ?? channels;
  const outFrames = desiredSamples ?? frames;
  if (outFrames * outChannels > MAX_TENSOR_SIZE) {
    throw new ValueError(`decodeWav: desiredSamples ${outFrames} x ${outChannels} channels is more than a tensor holds (${MAX_TENSOR_SIZE} elements)`);
  }
  if (outChannels > channels && channels !== 1) {
    throw new SerializationError(`decodeWav: desiredChannels ${outChannels} is more than the file's ${channels} channels (only mono is repeated)`);
  }
  if (outChannels === channels && outFrames === frames) return new Tensor(decoded, [frames, channels]);
  const out = new Float32Array(outFrames * outChannels);
  const kept = Math.min(frames, outFrames);
  for (let t = 0; t < kept; t++) {
    for (let c = 0; c < outChannels; c++) out[t * outChannels + c] = decoded[t * channels + (channels === 1 ? 0 : c)];
  }
  return new Tensor(out, [outFrames, outChannels]);
}

/** The audio's samples as [frames, channels] float32 values, validated. */
function audioFrames(where: string, audio: unknown): { values: Float32Array; frames: number; channels: number } {
  if (!(audio instanceof Tensor)) typeError(where, 'audio', 'a float32 Tensor [samples, channels] or [samples]', audio);
  const tensor = audio as Tensor;
  if (tensor.dtype !== 'float32') typeError(where, 'audio', 'a float32 Tensor', `an ${tensor.dtype} Tensor`);
  if (tensor.rank !== 1 && tensor.rank !== 2) shapeError(where, `audio must be [samples, channels] or [samples], got shape [${tensor.shape.join(', ')}]`);
  const frames = tensor.shape[0];
  const channels = tensor.rank === 2 ? tensor.shape[1] : 1;
  if (channels < 1 || channels > 65535) shapeError(where, `audio must have 1 to 65535 channels, got ${channels}`);
  return { values: tensor.detach().contiguous().dataSync() as Float32Array, frames, channels };
}

/**
 * Encodes audio `[samples, channels]` (or `[samples]` for mono) as a WAV file. Values are clipped to
 * [-1, 1]; integer formats round `value * 2^(bits-1)` to the nearest integer (1.0 becomes the largest
 * positive integer), so decoding then encoding an integer file gives back the same bytes.
 *
 * ```ts
 * const bytes = dn.audio.encodeWav(audio, 16000, { bitDepth: 24 });
 * ```
 */
export function encodeWav(audio: Tensor, sampleRate: number, options: EncodeWavOptions = {}): Uint8Array {
  return encode('encodeWav', audio, sampleRate, options);
}

/** Encodes audio (see {@link encodeWav}) and writes it to `path`. */
export function writeWav(path: string, audio: Tensor, sampleRate: number, options: EncodeWavOptions = {}): void {
  checkString('writeWav', 'path', path);
  const bytes = encode('writeWav', audio, sampleRate, options);
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw new SerializationError(`writeWav: cannot write '${path}': ${(error as Error).message}`, { cause: error });
  }
}

function encode(where: string, audio: Tensor, sampleRate: number, options: EncodeWavOptions): Uint8Array {
  const { values, frames, channels } = audioFrames(where, audio);
  checkInteger(where, 'sampleRate', sampleRate, 1, 0xffffffff);
  const checked = checkOptions<EncodeWavOptions>(where, options, ENCODE_OPTIONS);
  let bits = 16;
  if (checked.bitDepth !== undefined) {
    if (![8, 16, 24, 32].includes(checked.bitDepth as number)) valueError(where, 'bitDepth', 'one of 8, 16, 24, 32', checked.bitDepth);
    bits = checked.bitDepth;
  }
  const sampleFormat = checked.sampleFormat === undefined ? 'int' : checkChoice(where, 'sampleFormat', checked.sampleFormat, ['int', 'float']);
  if (sampleFormat === 'float' && bits !== 32) valueError(where, 'bitDepth', "32 with sampleFormat 'float'", bits);
  const bytesPerSample = bits / 8;
  const blockAlign = channels * bytesPerSample;
  const dataBytes = frames * blockAlign;
  if (dataBytes + 36 > 0xffffffff) shapeError(where, `audio of ${dataBytes} bytes does not fit a WAV file (4 GiB)`);
  const out = new Uint8Array(44 + dataBytes + (dataBytes & 1));
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < 4; i++) out[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, sampleFormat === 'float' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  const count = frames * channels;
  const clip = (v: number): number => (v > 1 ? 1 : v < -1 ? -1 : Number.isNaN(v) ? 0 : v);
  if (sampleFormat === 'float') {
    for (let i = 0; i < count; i++) view.setFloat32(44 + i * 4, clip(values[i]), true);
    return out;
  }
  const scale = 2 ** (bits - 1);
  const toInt = (v: number): number => Math.min(scale - 1, Math.round(clip(v) * scale));
  if (bits === 8) for (let i = 0; i < count; i++) out[44 + i] = toInt(values[i]) + 128;
  else if (bits === 16) for (let i = 0; i < count; i++) view.setInt16(44 + i * 2, toInt(values[i]), true);
  else if (bits === 24) {
    for (let i = 0; i < count; i++) {
      const v = toInt(values[i]);
      const b = 44 + i * 3;
      out[b] = v & 0xff;
      out[b + 1] = (v >> 8) & 0xff;
      out[b + 2] = (v >> 16) & 0xff;
    }
  } else for (let i = 0; i < count; i++) view.setInt32(44 + i * 4, toInt(values[i]), true);
  return out;
}
