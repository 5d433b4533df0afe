/**
 * Attribution heat maps over images: one row per image, the image first, then one heat map per
 * attribution method, positive evidence in vermillion, negative in blue, over a faint copy of the image.
 */
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkOptions, typeError } from '../validate.js';
import { colourBar, frame } from './axes.js';
import { pixelOf } from './image-grid.js';
import { imagesOf, type ImageBatch } from './images.js';
import { extent, finish, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { pixelImage } from './raster.js';
import { blend, diverging, document, hex, text, type Rgb } from './svg.js';

/** Options of {@link attributionMap}. */
export interface AttributionMapOptions extends PictureOptions {
  /** The shape of one image when images come as flat rows: [height, width] or [height, width, channels]. */
  shape?: readonly number[];
  /** A caption for each image's row (e.g. `label 3, predicted 3`). */
  labels?: readonly string[];
  /** Pixels per image side (default 120, smaller for many columns). */
  cellSize?: number;
}

/**
 * Heat maps of attributions (from `dn.explain`) over their images: `attributions` is one tensor, or
 * `{ methodName: tensor }` for one column per method, each with as many values per image as the
 * images have (channels summed). Each map is scaled by its own largest |value|, so colours compare
 * places within a map, not maps with each other.
 * ```ts
 * const x = xTest.div(16).slice([0, 0], [4, 64]);
 * dn.plot.attributionMap(x, { saliency: dn.explain.saliency(model, x).attributions }, { shape: [8, 8], file: 'maps.png' });
 * ```
 */
export function attributionMap(images: unknown, attributions: unknown, options: AttributionMapOptions = {}): string {
  const where = 'plot.attributionMap';
  const o = checkOptions<AttributionMapOptions>(where, options, [...PICTURE_OPTIONS, 'shape', 'labels', 'cellSize']);
  const batch = imagesOf(where, 'images', images, o.shape);
  const methods: [string, unknown][] = attributions instanceof Tensor || Array.isArray(attributions) || ArrayBuffer.isView(attributions)
    ? [['attribution', attributions]]
    : attributions !== null && typeof attributions === 'object' ? Object.entries(attributions)
      : typeError(where, 'attributions', 'a tensor, or { method: tensor }', attributions);
  if (methods.length === 0) throw new ValueError(`${where}: attributions has no methods`);
  const pixels = batch.height * batch.width;
  const maps = methods.map(([name, value]) => {
    // One value per pixel, or one per pixel and channel of colour images (summed).
    const perChannel = batch.channels === 3 && sizeOf(value) === batch.count * pixels * 3;
    const map = imagesOf(where, `attributions['${name}']`, value, perChannel ? [batch.height, batch.width, 3] : [batch.height, batch.width]);
    if (map.count !== batch.count) {
      throw new ShapeError(`${where}: attributions['${name}'] has ${map.count} maps of ${batch.height}x${batch.width}, the images are ${batch.count}`);
    }
    return { name, values: summedChannels(map) };
  });
  const labels = o.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) typeError(where, 'labels', 'an array of strings', labels);
  if (labels !== undefined && labels.length !== batch.count) throw new ShapeError(`${where}: labels must give one caption per image (${batch.count}), got ${labels.length}`);

  const columns = methods.length + 1;
  const cell = o.cellSize === undefined ? Math.max(48, Math.min(120, Math.floor(720 / columns))) : Number(o.cellSize);
  const gap = 10;
  const captionWidth = labels === undefined ? 0 : 14 + Math.max(...labels.map((l) => l.length)) * 6.6;
  const titleSpace = o.title === undefined ? 0 : 34;
  const headerSpace = 22;
  const picture = pictureOptions(where, o, captionWidth + gap + columns * (cell + gap) + 60, titleSpace + headerSpace + batch.count * (cell + gap) + gap);
  const parts: string[] = [];
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 24, picture.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  const [low, high] = extent(batch.values);
  const left = captionWidth + gap;
  ['input', ...methods.map(([name]) => name)].forEach((name, c) => {
    parts.push(text(left + c * (cell + gap) + cell / 2, titleSpace + 15, name, { size: 12, anchor: 'middle', weight: 'bold' }));
  });
  for (let i = 0; i < batch.count; i++) {
    const y = titleSpace + headerSpace + i * (cell + gap);
    // The faint copy under the heat map keeps a light background: an image drawn light on dark
    // (digits) is inverted there, so its strokes show grey on white.
    let meanLight = 0;
    for (let p = 0; p < pixels; p++) meanLight += brightness(batch, i, Math.floor(p / batch.width), p % batch.width, low, high) / pixels;
    const faint = (row: number, col: number): number => {
      const light = brightness(batch, i, row, col, low, high);
      return meanLight < 0.5 ? 1 - light : light;
    };
    if (labels !== undefined) parts.push(text(captionWidth, y + cell / 2, labels[i], { size: 11, anchor: 'end', baseline: 'middle' }));
    const inputBox = { x: left, y, width: cell, height: cell };
    parts.push(pixelImage(inputBox, batch.width, batch.height, (col, row) => pixelOf(batch, i, row, col, low, high)));
    parts.push(frame(inputBox));
    maps.forEach((map, m) => {
      const box = { x: left + (m + 1) * (cell + gap), y, width: cell, height: cell };
      const offset = i * pixels;
      let largest = 0;
      for (let p = 0; p < pixels; p++) largest = Math.max(largest, Math.abs(map.values[offset + p]));
      parts.push(pixelImage(box, batch.width, batch.height, (col, row) => {
        const t = largest === 0 ? 0 : map.values[offset + row * batch.width + col] / largest;
        return heat(t, faint(row, col));
      }));
      parts.push(frame(box));
    });
  }
  const barTop = titleSpace + headerSpace;
  const barHeight = Math.min(160, batch.count * (cell + gap) - gap);
  parts.push(colourBar({ x: left + columns * (cell + gap) + 4, y: barTop, width: 12, height: barHeight }, (t) => hex(diverging(2 * t - 1)), -1, 1, 0));
  parts.push(text(left + columns * (cell + gap), barTop + barHeight + 30, '× max |a|', { size: 10 }));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Attributions'), picture);
}

function sizeOf(value: unknown): number {
  return value instanceof Tensor ? value.size : ArrayBuffer.isView(value) ? (value as Float32Array).length : Array.isArray(value) ? value.flat(Infinity).length : 0;
}

/** Per-pixel attribution: the channels' sum. */
function summedChannels(map: ImageBatch): Float32Array {
  if (map.channels === 1) return map.values;
  const out = new Float32Array(map.count * map.height * map.width);
  for (let p = 0; p < out.length; p++) for (let c = 0; c < map.channels; c++) out[p] += map.values[p * map.channels + c];
  return out;
}

/** 0 (dark) .. 1 (light) of an image pixel. */
function brightness(batch: ImageBatch, i: number, row: number, column: number, low: number, high: number): number {
  const [r, g, b] = pixelOf(batch, i, row, column, low, high);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** The colour of an attribution t in [−1, 1] over a faint grey copy of the image (brightness 0..1). */
function heat(t: number, light: number): Rgb {
  const v = 255 - 70 * (1 - light);
  const base: Rgb = [v, v, v];
  return blend(diverging(t), base, Math.min(1, 0.15 + 0.85 * Math.abs(t) ** 0.8));
}
