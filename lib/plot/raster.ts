/**
 * Pixel grids inside SVG pictures (heat maps, decision regions, images): a grid of colours encoded
 * as a PNG data URI and placed with an <image> element, which keeps the SVG small where one
 * rectangle per cell would not. This only encodes given pixels; drawing is left to the SVG renderer.
 */
import { encodePng as encodePixels } from '../image/png.js';
import type { Rgb } from './svg.js';
import { element } from './svg.js';

/** An 8-bit RGB PNG of `width` × `height` pixels given row by row as `pixel(column, row)`. */
export function encodePng(width: number, height: number, pixel: (column: number, row: number) => Rgb): Buffer {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const rgb = pixel(column, row);
      for (let c = 0; c < 3; c++) data[(row * width + column) * 3 + c] = Math.round(Math.max(0, Math.min(255, rgb[c])));
    }
  }
  return encodePixels({ width, height, channels: 3, data }, 9);
}

/**
 * An <image> showing a grid of `columns` × `rows` cells stretched over the given box; `smooth`
 * interpolates between cells (decision regions), otherwise cells stay sharp squares (images).
 */
export function pixelImage(
  box: { x: number; y: number; width: number; height: number }, columns: number, rows: number,
  pixel: (column: number, row: number) => Rgb, smooth = false,
): string {
  // Sharp cells are drawn by repeating each cell's pixel up to about the size shown: renderers differ
  // in how (and whether) they honour image-rendering, a picture made of blocks does not.
  const repeat = smooth ? 1 : Math.max(1, Math.min(Math.round(Math.min(box.width / columns, box.height / rows)), Math.floor(Math.sqrt(4e6 / (columns * rows)))));
  const png = repeat === 1
    ? encodePng(columns, rows, pixel)
    : encodePng(columns * repeat, rows * repeat, (c, r) => pixel(Math.floor(c / repeat), Math.floor(r / repeat)));
  return element('image', {
    x: box.x, y: box.y, width: box.width, height: box.height,
    preserveAspectRatio: 'none',
    href: `data:image/png;base64,${png.toString('base64')}`,
  });
}
