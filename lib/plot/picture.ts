/**
 * What every picture function shares: its size, title and file options, reading numbers from tensors
 * or arrays, and writing the finished picture.
 */
import { ShapeError } from '../errors.js';
import { Tensor, toTensor } from '../tensor.js';
import { checkNumber, checkString, formatShape, valueError } from '../validate.js';
import { savePicture } from './save.js';

/** Options every picture takes. */
export interface PictureOptions {
  /** Width in pixels (SVG units); each picture has its own default. */
  width?: number;
  /** Height in pixels; each picture has its own default. */
  height?: number;
  /** A title above the picture. */
  title?: string;
  /** Also write the picture here: `.svg` as text, `.png` rendered (needs the optional @resvg/resvg-js). */
  file?: string;
  /** Pixels per SVG unit when writing a PNG (default 1). */
  scale?: number;
}

export const PICTURE_OPTIONS = ['width', 'height', 'title', 'file', 'scale'] as const;

/** The checked size, title, file and scale of a picture. */
export interface Picture {
  width: number;
  height: number;
  title: string | undefined;
  file: string | undefined;
  scale: number;
}

export function pictureOptions(where: string, o: PictureOptions, width: number, height: number): Picture {
  const size = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    const v = checkNumber(where, name, value);
    if (v < 50 || v > 10000) valueError(where, name, 'a number of pixels from 50 to 10000', v);
    return v;
  };
  const scale = o.scale === undefined ? 1 : checkNumber(where, 'scale', o.scale);
  if (scale <= 0 || scale > 16) valueError(where, 'scale', 'a number in (0, 16]', scale);
  return {
    width: size('width', o.width, width),
    height: size('height', o.height, height),
    title: o.title === undefined ? undefined : checkString(where, 'title', o.title),
    file: o.file === undefined ? undefined : checkString(where, 'file', o.file),
    scale,
  };
}

/** Writes the picture if a file was asked for, and returns its SVG. */
export function finish(where: string, svg: string, picture: Picture): string {
  if (picture.file !== undefined) savePicture(where, svg, picture.file, picture.scale);
  return svg;
}

/** A tensor or (nested) array of numbers as a float32 tensor. */
export function tensorOf(where: string, name: string, value: unknown): Tensor {
  const t = toTensor(where, name, value);
  return t.dtype === 'float32' ? t.detach().contiguous() : t.cast('float32');
}

/** All values of a tensor or array, flattened, as plain numbers. */
export function numbersOf(where: string, name: string, value: unknown): number[] {
  return Array.from(tensorOf(where, name, value).dataSync());
}

/** Class labels: integer labels [n] (or [n, 1]) as they are, probability or one-hot rows [n, k] by their largest column. */
export function labelsOf(where: string, name: string, value: unknown): number[] {
  const t = tensorOf(where, name, value);
  const data = t.dataSync();
  if (t.rank === 2 && t.shape[1] > 1) {
    const [rows, width] = t.shape;
    return Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let k = 1; k < width; k++) if (data[r * width + k] > data[r * width + best]) best = k;
      return best;
    });
  }
  if (t.rank > 2 || (t.rank === 2 && t.shape[1] !== 1)) throw new ShapeError(`${where}: ${name} must be labels [samples] or rows [samples, classes], got shape ${formatShape(t.shape)}`);
  return Array.from(data, (v, i) => {
    if (!Number.isInteger(v) || v < 0) valueError(where, `${name}[${i}]`, 'a class index (an integer >= 0)', v);
    return v;
  });
}

/** Finite minimum and maximum of values (NaN and infinities skipped); [0, 1] if there are none. */
export function extent(values: Iterable<number>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return low === Infinity ? [0, 1] : [low, high];
}

/** Checks that a Tensor-typed argument is a Tensor or array (for better messages than toTensor's). */
export function isTensorLike(value: unknown): boolean {
  return value instanceof Tensor || Array.isArray(value) || ArrayBuffer.isView(value);
}
