/**
 * PNG encoding and decoding (the PNG specification, ISO/IEC 15948), over node:zlib. Decoding takes
 * every colour type (grey, RGB, palette, grey + alpha, RGBA), every bit depth (1, 2, 4, 8, 16) and
 * Adam7 interlacing, and returns 8-bit samples (16-bit ones scaled by 255/65535, rounded, as
 * TensorFlow's `decode_png` does for uint8), a palette expanded to RGB, or RGBA when it has a tRNS
 * chunk. Encoding writes 8-bit grey, grey + alpha, RGB or RGBA with the filter that minimises each
 * row's sum of absolute differences (libpng's heuristic).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { SerializationError } from '../errors.js';

/** 8-bit pixels, row by row, `channels` samples each (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA). */
export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Colour type of PNG's IHDR for a number of 8-bit channels. */
const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;
/** Channels of each colour type (palette: its index). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** What row filter `type` predicts a byte from the one to its left (a), above (b) and above-left (c). */
function predict(type: number, a: number, b: number, c: number): number {
  return type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
}

/** Filters `row` against `previous` (zeros for the first row) with filter `type` into `out` (one byte per sample). */
function filterRow(type: number, row: Uint8Array, previous: Uint8Array, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = previous[i];
    const c = i >= bpp ? previous[i - bpp] : 0;
    out[i] = (row[i] - predict(type, a, b, c)) & 0xff;
  }
}

/** The PNG file of 8-bit `pixels`; `level` is zlib's compression level (0 to 9). */
export function encodePng(pixels: Pixels, level = 6): Buffer {
  const { width, height, channels, data } = pixels;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  let previous: Uint8Array = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    let best = Infinity;
    for (let type = 0; type < 5; type++) {
      filterRow(type, row, previous, channels, candidate);
      let cost = 0;
      for (const v of candidate) cost += v < 128 ? v : 256 - v;
      if (cost < best) {
        best = cost;
        raw[y * (stride + 1)] = type;
        raw.set(candidate, y * (stride + 1) + 1);
      }
    }
    previous = row;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = COLOUR_TYPE[channels];
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', new Uint8Array(0))]);
}

/** Whether `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Adam7's passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * Decodes a PNG file into 8-bit pixels. A file that is not a whole, valid PNG is a SerializationError
 * naming `where`, the byte offset and what was wrong.
 */
export function decodePng(bytes: Uint8Array, where: string): Pixels {
  const fail = (offset: number, what: string): never => {
    throw new SerializationError(`${where}: not a valid PNG file: ${what} (at byte ${offset})`);
  };
  if (!isPng(bytes)) fail(0, 'the PNG signature is missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, depth = 0, colourType = -1, interlaced = false;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let at = 8; !ended; ) {
    if (at + 12 > bytes.length) fail(at, 'the file ends before its IEND chunk');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) fail(at, `chunk ${type} of ${length} bytes runs past the end of the file`);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (view.getUint32(at + 8 + length) !== crc32(bytes.subarray(at + 4, at + 8 + length))) fail(at, `chunk ${type} has a wrong CRC`);
    if (at === 8 && type !== 'IHDR') fail(at, `the first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (length !== 13) fail(at, `IHDR has ${length} bytes, not 13`);
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      depth = body[8];
      colourType = body[9];
      if (width === 0 || height === 0) fail(at, `the image is ${width} × ${height}`);
      if (!(colourType in DEPTHS) || !DEPTHS[colourType].includes(depth)) fail(at + 16, `colour type ${colourType} with bit depth ${depth} is not a PNG format`);
      if (body[10] !== 0 || body[11] !== 0 || body[12] > 1) fail(at + 18, 'unknown compression, filter or interlace method');
      interlaced = body[12] === 1;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') ended = true;
    at += 12 + length;
  }
  if (idat.length === 0) fail(8, 'no IDAT chunk');
  if (colourType === 3 && palette === null) fail(8, 'a palette image without a PLTE chunk');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (error) {
    return fail(8, `the image data does not inflate (${(error as Error).message})`);
  }
  const samples = CHANNELS[colourType];
  const bitsPerPixel = samples * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  // Unfiltered samples of the whole image (at the file's depth, one value per sample).
  const values = new Uint16Array(width * height * samples);
  let offset = 0;
  const passes = interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((width - x0) / dx);
    const rows = Math.ceil((height - y0) / dy);
    if (columns <= 0 || rows <= 0) continue;
    const stride = Math.ceil((columns * bitsPerPixel) / 8);
    let previous: Uint8Array = new Uint8Array(stride);
    for (let r = 0; r < rows; r++) {
      if (offset + 1 + stride > raw.length) fail(8, 'the image data is shorter than the image');
      const filter = raw[offset];
      if (filter > 4) fail(8, `row ${r} has filter type ${filter}`);
      const row = raw.subarray(offset + 1, offset + 1 + stride);
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const b = previous[i];
        const c = i >= bpp ? previous[i - bpp] : 0;
        row[i] += predict(filter, a, b, c);
      }
      const y = y0 + r * dy;
      for (let column = 0; column < columns; column++) {
        const x = x0 + column * dx;
        for (let s = 0; s < samples; s++) {
          const bit = (column * samples + s) * depth;
          const value = depth === 16 ? (row[bit >> 3] << 8) | row[(bit >> 3) + 1] : depth === 8 ? row[bit >> 3] : (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
          values[(y * width + x) * samples + s] = value;
        }
      }
      previous = row;
      offset += 1 + stride;
    }
  }
  const toByte = (value: number): number => (depth === 16 ? Math.round((value * 255) / 65535) : depth === 8 ? value : Math.round((value * 255) / ((1 << depth) - 1)));
  const count = width * height;
  if (colourType === 3) {
    const alpha = transparency !== null;
    const channels = alpha ? 4 : 3;
    const data = new Uint8Array(count * channels);
    for (let i = 0; i < count; i++) {
      const index = values[i];
      if (3 * index + 2 >= palette!.length) fail(8, `pixel ${i} uses palette entry ${index} of ${palette!.length / 3}`);
      data.set(palette!.subarray(3 * index, 3 * index + 3), i * channels);
      if (alpha) data[i * channels + 3] = index < transparency!.length ? transparency![index] : 255;
    }
    return { width, height, channels, data };
  }
  // A tRNS chunk on grey or RGB names one colour (at the file's depth) that is transparent.
  const key = transparency !== null && (colourType === 0 || colourType === 2) ? Array.from({ length: samples }, (_, s) => (transparency![2 * s] << 8) | transparency![2 * s + 1]) : null;
  const channels = (key === null ? samples : samples + 1) as Pixels['channels'];
  const data = new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) {
    let transparent = key !== null;
    for (let s = 0; s < samples; s++) {
      const value = values[i * samples + s];
      data[i * channels + s] = toByte(value);
      if (key !== null && value !== key[s]) transparent = false;
    }
    if (key !== null) data[i * channels + samples] = transparent ? 0 : 255;
  }
  return { width, height, channels, data };
}
