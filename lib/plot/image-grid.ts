/**
 * A grid of images (samples of a data set, a generator's output), each with an optional caption.
 */
import { ShapeError } from '../errors.js';
import { checkNumber, checkOptions, checkPositiveInteger, typeError, valueError } from '../validate.js';
import { frame } from './axes.js';
import { imagesOf, type ImageBatch } from './images.js';
import { extent, finish, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { pixelImage } from './raster.js';
import { document, text, type Rgb } from './svg.js';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions extends PictureOptions {
  /** The shape of one image when the images come as flat rows: [height, width] or [height, width, channels]. */
  shape?: readonly number[];
  /** Images per row (default: up to 10). */
  columns?: number;
  /** A caption under each image. */
  labels?: readonly string[];
  /** The values shown as black and white (default: the smallest and largest value of all images). */
  range?: readonly [number, number];
  /** Pixels per image side (default: 96 / up to 10 per row, smaller for many columns). */
  cellSize?: number;
}

/**
 * Images side by side in a grid, grey for one channel, colour for three.
 * ```ts
 * const { xTest } = dn.datasets.digits();
 * dn.plot.imageGrid(xTest.slice([0, 0], [20, 64]), { shape: [8, 8], columns: 10, file: 'digits.png' });
 * ```
 */
export function imageGrid(images: unknown, options: ImageGridOptions = {}): string {
  const where = 'plot.imageGrid';
  const o = checkOptions<ImageGridOptions>(where, options, [...PICTURE_OPTIONS, 'shape', 'columns', 'labels', 'range', 'cellSize']);
  const batch = imagesOf(where, 'images', images, o.shape);
  const columns = Math.min(batch.count, o.columns === undefined ? 10 : checkPositiveInteger(where, 'columns', o.columns));
  const rows = Math.ceil(batch.count / columns);
  const labels = o.labels === undefined ? null : o.labels;
  if (labels !== null && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) typeError(where, 'labels', 'an array of strings', labels);
  if (labels !== null && labels.length !== batch.count) throw new ShapeError(`${where}: labels must give one caption per image (${batch.count}), got ${labels.length}`);
  const [low, high] = o.range === undefined ? extent(batch.values) : rangeOf(where, o.range);
  const cell = o.cellSize === undefined ? Math.max(32, Math.min(96, Math.floor(960 / columns))) : checkNumber(where, 'cellSize', o.cellSize);
  if (cell < 4 || cell > 2000) valueError(where, 'cellSize', 'a number of pixels from 4 to 2000', cell);
  const gap = 8;
  const captionSpace = labels === null ? 0 : 16;
  const titleSpace = o.title === undefined ? 0 : 34;
  const picture = pictureOptions(where, o, gap + columns * (cell + gap), titleSpace + gap + rows * (cell + captionSpace + gap));
  const parts: string[] = [];
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 24, picture.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  const scaleX = picture.width / (gap + columns * (cell + gap));
  const scaleY = (picture.height - titleSpace) / (gap + rows * (cell + captionSpace + gap));
  for (let i = 0; i < batch.count; i++) {
    const box = {
      x: (gap + (i % columns) * (cell + gap)) * scaleX,
      y: titleSpace + (gap + Math.floor(i / columns) * (cell + captionSpace + gap)) * scaleY,
      width: cell * scaleX,
      height: cell * scaleY,
    };
    parts.push(pixelImage(box, batch.width, batch.height, (c, r) => pixelOf(batch, i, r, c, low, high)));
    parts.push(frame(box));
    if (labels !== null) parts.push(text(box.x + box.width / 2, box.y + box.height + 13, labels[i], { size: 11, anchor: 'middle' }));
  }
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Images'), picture);
}

/** Pixel (row, column) of image i: grey for one channel, RGB for three, scaled from [low, high] to 0..255. */
export function pixelOf(batch: ImageBatch, i: number, row: number, column: number, low: number, high: number): Rgb {
  const at = ((i * batch.height + row) * batch.width + column) * batch.channels;
  const scale = (v: number): number => (high > low ? ((v - low) / (high - low)) * 255 : 128);
  if (batch.channels === 1) {
    const v = scale(batch.values[at]);
    return [v, v, v];
  }
  return [scale(batch.values[at]), scale(batch.values[at + 1]), scale(batch.values[at + 2])];
}

function rangeOf(where: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) typeError(where, 'range', 'a pair [black, white]', value);
  const low = checkNumber(where, 'range[0]', value[0]);
  const high = checkNumber(where, 'range[1]', value[1]);
  if (high <= low) valueError(where, 'range', 'a pair [black, white] with black < white', value);
  return [low, high];
}
