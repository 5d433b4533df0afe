/**
 * Pixel grids inside SVG pictures (heat maps, decision regions, images): a grid of colours encoded
 * as a PNG data URI and placed with an <image> element, which keeps the SVG small where one
 * rectangle per cell would not. This only encodes given pixels; drawing is left to the SVG renderer.
 */
import { deflateSync } from 'node:zlib';
import type { Rgb } from './svg.js';
import { element } from './svg.js';

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

/** An 8-bit RGB PNG of `width` × `height` pixels given row by row as `pixel(column, row)`. */
export function encodePng(width: number, height: number, pixel: (column: number, row: number) => Rgb): Buffer {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let row = 0; row < height; row++) {
    raw[row * stride] = 0;   // filter: none
    for (let column = 0; column < width; column++) {
      const rgb = pixel(column, row);
      const at = row * stride + 1 + column * 3;
      raw[at] = Math.round(Math.max(0, Math.min(255, rgb[0])));
      raw[at + 1] = Math.round(Math.max(0, Math.min(255, rgb[1])));
      raw[at + 2] = Math.round(Math.max(0, Math.min(255, rgb[2])));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;   // bit depth
  header[9] = 2;   // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
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
