/**
 * tfjs-node's image functions (`tf.node.decodeImage`, `decodePng`, `decodeJpeg`, `decodeBmp`,
 * `encodePng`, `encodeJpeg`): int32 tensors `[height, width, channels]` of values 0–255.
 * PNG and BMP are Dendrite's own code (lib/image/png.ts, below); JPEG is the jpeg-js package (pure
 * JavaScript: no native image library to install). `channels` 0 keeps the file's channels; 1, 3 or 4
 * converts (grey is ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B, rounded, as libjpeg's; alpha
 * dropped or added as 255). GIF (tfjs-node returns its frames) is not decoded: a typed error says so.
 */
import jpeg from 'jpeg-js';
import { Tensor, tensor, SerializationError, ValueError } from '../index.js';
import { decodePng as decodePngPixels, encodePng as encodePngPixels, isPng, type Pixels } from '../image/png.js';
import { checkChoice, checkInteger, checkString, describe, typeError } from '../validate.js';

type Channels = Pixels['channels'];

function checkContents(where: string, contents: unknown): Uint8Array {
  if (!(contents instanceof Uint8Array)) typeError(where, 'contents', 'a Uint8Array (or Buffer) of the file', contents);
  return contents as Uint8Array;
}

function checkChannels(where: string, channels: unknown, allowed: readonly number[] = [0, 1, 3, 4]): number {
  const value = checkInteger(where, 'channels', channels ?? 0);
  if (!allowed.includes(value)) throw new ValueError(`${where}: channels must be one of ${allowed.join(', ')}; received ${value}`);
  return value;
}

function checkInt32(where: string, dtype: unknown): void {
  checkChoice(where, 'dtype', dtype ?? 'int32', ['int32']);
}

/** `pixels` with `channels` channels (0: as they are), as an int32 tensor [height, width, channels]. */
function toTensor(pixels: Pixels, channels: number): Tensor {
  const { width, height, data } = pixels;
  const from = pixels.channels;
  const to = channels === 0 ? from : channels;
  const count = width * height;
  const out = new Int32Array(count * to);
  const colour = from >= 3;
  const alpha = from === 2 || from === 4;
  for (let i = 0; i < count; i++) {
    const p = i * from;
    const grey = colour ? Math.round(0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]) : data[p];
    const o = i * to;
    if (to <= 2) out[o] = grey;
    else for (let c = 0; c < 3; c++) out[o + c] = colour ? data[p + c] : data[p];
    if (to === 2 || to === 4) out[o + to - 1] = alpha ? data[p + from - 1] : 255;
  }
  return tensor(out, [height, width, to], 'int32');
}

/** The pixels of an int32 or float32 image tensor [height, width, channels] of values 0–255 (rounded, clamped). */
function fromTensor(where: string, image: unknown, allowed: readonly number[]): Pixels {
  if (!(image instanceof Tensor)) typeError(where, 'image', 'a Tensor [height, width, channels]', image);
  const t = image as Tensor;
  if (t.rank !== 3 || !allowed.includes(t.shape[2]) || t.shape[0] === 0 || t.shape[1] === 0) {
    throw new ValueError(`${where}: image must be a tensor [height, width, channels] with channels ${allowed.join(' or ')}; received shape [${t.shape.join(', ')}]`);
  }
  const values = t.dataSync();
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(values[i])));
  return { height: t.shape[0], width: t.shape[1], channels: t.shape[2] as Channels, data };
}

/** Decodes a PNG file (tfjs-node `decodePng`) into an int32 tensor [height, width, channels]. */
export function decodePng(contents: Uint8Array, channels = 0, dtype = 'int32'): Tensor {
  const where = 'decodePng';
  const bytes = checkContents(where, contents);
  const wanted = checkChannels(where, channels);
  checkInt32(where, dtype);
  return toTensor(decodePngPixels(bytes, where), wanted);
}

/** The number of colour components in a JPEG's frame header (1 grey, 3 colour), or 0 if there is none. */
function jpegComponents(bytes: Uint8Array): number {
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) return 0;
    const marker = bytes[at + 1];
    // SOF0 … SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[at + 9];
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
  }
  return 0;
}

/**
 * Decodes a JPEG file (tfjs-node `decodeJpeg`) into an int32 tensor [height, width, channels]. Only
 * `ratio` 1 is supported (no downscaled decoding); the other tuning arguments of libjpeg are accepted
 * and have no effect.
 */
export function decodeJpeg(contents: Uint8Array, channels = 0, ratio = 1): Tensor {
  const where = 'decodeJpeg';
  const bytes = checkContents(where, contents);
  const wanted = checkChannels(where, channels, [0, 1, 3]);
  if ((ratio ?? 1) !== 1) throw new ValueError(`${where}: ratio must be 1 (downscaled decoding is not supported); received ${describe(ratio)}`);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (error) {
    throw new SerializationError(`${where}: not a valid JPEG file: ${(error as Error).message}`, { cause: error });
  }
  const rgb: Pixels = { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
  return toTensor(rgb, wanted === 0 ? (jpegComponents(bytes) === 1 ? 1 : 3) : wanted);
}

/** Decodes an uncompressed 24- or 32-bit BMP file (tfjs-node `decodeBmp`; alpha of 32-bit files kept). */
export function decodeBmp(contents: Uint8Array, channels = 0): Tensor {
  const where = 'decodeBmp';
  const bytes = checkContents(where, contents);
  const wanted = checkChannels(where, channels);
  const fail = (offset: number, what: string): never => {
    throw new SerializationError(`${where}: not a BMP file Dendrite reads: ${what} (at byte ${offset})`);
  };
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail(0, 'no BM header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(signedHeight);
  if (width <= 0 || height === 0) fail(18, `the image is ${width} × ${signedHeight}`);
  if ((bits !== 24 && bits !== 32) || (compression !== 0 && compression !== 3)) fail(28, `${bits}-bit pixels with compression ${compression} (only uncompressed 24- and 32-bit)`);
  const from = bits / 8;
  const stride = Math.ceil((width * from) / 4) * 4;
  if (dataOffset + stride * (height - 1) + width * from > bytes.length) fail(dataOffset, `the pixel data of ${width} × ${height} runs past the end of the file`);
  const data = new Uint8Array(width * height * from);
  for (let y = 0; y < height; y++) {
    // Rows are stored bottom-up unless the height is negative.
    const row = dataOffset + (signedHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const p = row + x * from;
      const o = (y * width + x) * from;
      data[o] = bytes[p + 2];
      data[o + 1] = bytes[p + 1];
      data[o + 2] = bytes[p];
      if (from === 4) data[o + 3] = bytes[p + 3];
    }
  }
  return toTensor({ width, height, channels: from as Channels, data }, wanted);
}

/**
 * Decodes a PNG, JPEG or BMP file by its first bytes (tfjs-node `decodeImage`). `expandAnimations`
 * concerns GIF, which is not decoded.
 */
export function decodeImage(contents: Uint8Array, channels = 0, dtype = 'int32', expandAnimations = false): Tensor {
  const where = 'decodeImage';
  const bytes = checkContents(where, contents);
  checkInt32(where, dtype);
  void expandAnimations;
  if (isPng(bytes)) return decodePng(bytes, channels);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, channels);
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return decodeBmp(bytes, channels);
  const kind = String.fromCharCode(...bytes.subarray(0, 3)) === 'GIF' ? 'a GIF file (not supported)' : `bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
  throw new SerializationError(`${where}: expected a PNG, JPEG or BMP file; received ${kind}`);
}

/** Encodes an image tensor [height, width, 1–4 channels] of values 0–255 as PNG (tfjs-node `encodePng`; `compression` 0–9). */
export async function encodePng(image: Tensor, compression = 1): Promise<Uint8Array> {
  const where = 'encodePng';
  const pixels = fromTensor(where, image, [1, 2, 3, 4]);
  return new Uint8Array(encodePngPixels(pixels, checkInteger(where, 'compression', compression ?? 1, 0, 9)));
}

/**
 * Encodes an image tensor [height, width, 1 or 3 channels] of values 0–255 as JPEG (tfjs-node
 * `encodeJpeg`). `format` '' keeps the channels, 'rgb' or 'grayscale' converts; `quality` 0–100.
 * The other libjpeg options are accepted and have no effect (jpeg-js writes baseline 4:4:4 files).
 */
export async function encodeJpeg(image: Tensor, format = '', quality = 95): Promise<Uint8Array> {
  const where = 'encodeJpeg';
  const pixels = fromTensor(where, image, [1, 3]);
  const kind = checkChoice(where, 'format', checkString(where, 'format', format ?? ''), ['', 'rgb', 'grayscale']);
  const q = checkInteger(where, 'quality', quality ?? 95, 0, 100);
  const grey = kind === 'grayscale' || (kind === '' && pixels.channels === 1);
  const rgb = toTensor(pixels, grey ? 1 : 3).dataSync();
  const count = pixels.width * pixels.height;
  const rgba = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = grey ? rgb[i] : rgb[i * 3 + c];
    rgba[i * 4 + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ width: pixels.width, height: pixels.height, data: rgba }, q).data);
}
