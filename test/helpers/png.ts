/**
 * Test helpers for pictures: a PNG decoder (8-bit RGB/RGBA, not interlaced: what the renderer
 * writes), a pixel comparison for golden images, and an XML well-formedness check for SVG.
 */
import { inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
}

/** Decodes a PNG, checking its signature, chunk CRCs and filters; throws on anything malformed. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const buffer = Buffer.from(bytes);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => buffer[i] === b)) throw new Error('not a PNG: bad signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const data: Buffer[] = [];
  let ended = false;
  while (offset < buffer.length && !ended) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length) throw new Error(`PNG chunk ${type} is truncated`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colourType = body[9];
      if (body[8] !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) throw new Error('unsupported PNG: expected 8-bit RGB/RGBA, not interlaced');
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  if (!ended || width === 0) throw new Error('PNG without IHDR or IEND');
  const channels = colourType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data has ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = pixels[p * channels + c];
    rgba[p * 4 + 3] = channels === 4 ? pixels[p * channels + 3] : 255;
  }
  return { width, height, rgba };
}

/** How two images of one size differ: the mean absolute difference per channel, and the share of pixels off by more than `threshold` in some channel. */
export function compareImages(a: DecodedPng, b: DecodedPng, threshold = 48): { meanDifference: number; differingShare: number } {
  if (a.width !== b.width || a.height !== b.height) return { meanDifference: Infinity, differingShare: 1 };
  let total = 0;
  let differing = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    let worst = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(a.rgba[p * 4 + c] - b.rgba[p * 4 + c]);
      total += d;
      worst = Math.max(worst, d);
    }
    if (worst > threshold) differing++;
  }
  return { meanDifference: total / (a.width * a.height * 4), differingShare: differing / (a.width * a.height) };
}

/** The share of pixels that are not (nearly) white. */
export function inkShare(image: DecodedPng): number {
  let ink = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    if (image.rgba[p * 4] < 235 || image.rgba[p * 4 + 1] < 235 || image.rgba[p * 4 + 2] < 235) ink++;
  }
  return ink / (image.width * image.height);
}

/**
 * Checks that `text` is well-formed XML (one root, tags nested and closed, attributes quoted, only the
 * predefined or numeric entities) and returns the root's name; throws naming the problem.
 */
export function checkXml(text: string): string {
  const stack: string[] = [];
  let root = '';
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<\?[^?]*\?>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE[^>]*>|([^<]+)|(<)/g;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const [, closing, name, , selfClosing, content, stray] = m;
    if (stray !== undefined) throw new Error(`not XML: a '<' that starts no tag at ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    if (content !== undefined) {
      const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(content);
      if (bad) throw new Error(`not XML: a bare '&' at ${m.index + bad.index}`);
      if (stack.length === 0 && content.trim() !== '') throw new Error('not XML: text outside the root element');
      continue;
    }
    if (name === undefined) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`not XML: </${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) {
        if (root !== '') throw new Error('not XML: two root elements');
        root = name;
      }
      if (!selfClosing) stack.push(name);
    }
  }
  if (stack.length > 0) throw new Error(`not XML: <${stack[stack.length - 1]}> is never closed`);
  if (root === '') throw new Error('not XML: no root element');
  return root;
}
