// tf.node's image functions of dendrite/tfjs: every PNG colour type, bit depth, interlacing and row
// filter, JPEG and BMP, against the pixels Pillow decodes (test/fixtures/images); channel conversion;
// encode/decode round trips; bad files and arguments as typed errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

const folder = new URL('../fixtures/images/', import.meta.url);
const file = (name: string): Buffer => readFileSync(new URL(name, folder));
const expected = JSON.parse(file('expected.json').toString()) as Record<string, { mode: string; pixels: number[][] | number[][][] }>;

/** Pillow's pixels as 8-bit [height, width, channels]. */
function pillow(name: string): number[][][] {
  const { mode, pixels } = expected[name];
  const toByte = mode === 'I' || mode === 'RGB;16' ? (v: number) => Math.round((v * 255) / 65535) : mode === '1' ? (v: number) => v * 255 : (v: number) => v;
  return (pixels as (number | number[])[][]).map((row) => row.map((p) => (Array.isArray(p) ? p.map(toByte) : [toByte(p)])));
}

const pixels = (image: dn.Tensor): number[][][] => image.arraySync() as number[][][];

function maxDifference(a: number[][][], b: number[][][]): number {
  expect([a.length, a[0].length, a[0][0].length]).toEqual([b.length, b[0].length, b[0][0].length]);
  let worst = 0;
  a.forEach((row, y) => row.forEach((p, x) => p.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - b[y][x][c]))))));
  return worst;
}

describe('tf.node.decodePng / decodeImage', () => {
  it.each(['rgba-adam7.png', 'rgb16.png', 'grey-alpha.png', 'grey1.png', 'grey16.png', 'palette.png'])('decodes %s as Pillow does', (name) => {
    const image = tf.node.decodeImage(file(name));
    expect(image.dtype).toBe('int32');
    expect(image.arraySync()).toEqual(pillow(name));
    expect(tf.node.decodePng(file(name)).arraySync()).toEqual(pillow(name));
  });

  it('converts channels: grey to RGB(A), colour to grey (BT.601 luma), alpha dropped or added as 255', () => {
    const rgba = pillow('rgba-adam7.png');
    const [r, g, b] = rgba[1][2];
    expect(pixels(tf.node.decodePng(file('rgba-adam7.png'), 3))[1][2]).toEqual([r, g, b]);
    expect(pixels(tf.node.decodePng(file('rgba-adam7.png'), 1))[1][2]).toEqual([Math.round(0.299 * r + 0.587 * g + 0.114 * b)]);
    const grey = pillow('grey16.png')[3][4][0];
    expect(pixels(tf.node.decodeImage(file('grey16.png'), 4))[3][4]).toEqual([grey, grey, grey, 255]);
    const [level, alpha] = pillow('grey-alpha.png')[0][0];
    expect(pixels(tf.node.decodeImage(file('grey-alpha.png'), 4))[0][0]).toEqual([level, level, level, alpha]);
  });
});

describe('tf.node.decodeJpeg / decodeBmp', () => {
  it('decode JPEG files within 2 of libjpeg, grey files with one channel', () => {
    const colour = tf.node.decodeImage(file('colour.jpg'));
    expect(colour.shape).toEqual([16, 16, 3]);
    expect(maxDifference(pixels(colour), pillow('colour.jpg'))).toBeLessThanOrEqual(2);
    const grey = tf.node.decodeJpeg(file('grey.jpg'));
    expect(grey.shape).toEqual([16, 16, 1]);
    expect(maxDifference(pixels(grey), pillow('grey.jpg'))).toBeLessThanOrEqual(2);
    expect(tf.node.decodeJpeg(file('grey.jpg'), 3).shape).toEqual([16, 16, 3]);
  });

  it('decodes a 24-bit BMP file exactly', () => {
    expect(tf.node.decodeImage(file('rgb24.bmp')).arraySync()).toEqual(pillow('rgb24.bmp'));
    expect(tf.node.decodeBmp(file('rgb24.bmp'), 4).shape).toEqual([5, 7, 4]);
  });
});

describe('tf.node.encodePng / encodeJpeg', () => {
  it.each([1, 2, 3, 4])('a PNG of %i channels decodes to the same pixels', async (channels) => {
    dn.seed(channels);
    const image = dn.randint(0, 256, [9, 13, channels]);
    const png = await tf.node.encodePng(image, 9);
    expect(png).toBeInstanceOf(Uint8Array);
    expect(tf.node.decodePng(png).arraySync()).toEqual(image.arraySync());
  });

  it('a JPEG of a smooth image decodes close to it, in the channels asked for', async () => {
    const rows = Array.from({ length: 16 }, (_, y) => Array.from({ length: 16 }, (_, x) => [x * 15, y * 15, (x + y) * 7]));
    const jpeg = await tf.node.encodeJpeg(tf.tensor3d(rows, undefined, 'int32'), '', 100);
    expect(maxDifference(pixels(tf.node.decodeJpeg(jpeg)), rows)).toBeLessThanOrEqual(3);
    const grey = await tf.node.encodeJpeg(tf.tensor3d(rows, undefined, 'int32'), 'grayscale');
    expect(tf.node.decodeImage(grey, 1).shape).toEqual([16, 16, 1]);
  });
});

describe('bad files and arguments', () => {
  const png = (): Buffer => Buffer.from(file('rgba-adam7.png'));

  it('are SerializationErrors naming what is wrong and where', () => {
    expect(() => tf.node.decodePng(png().subarray(0, 40))).toThrow(/^decodePng: not a valid PNG file: the file ends before its IEND chunk \(at byte 33\)/);
    const badCrc = png();
    badCrc[20] ^= 1;
    expect(() => tf.node.decodePng(badCrc)).toThrow(/chunk IHDR has a wrong CRC \(at byte 8\)/);
    const badDepth = png();
    badDepth[24] = 3;
    expect(() => tf.node.decodePng(badDepth)).toThrow(dn.SerializationError);
    expect(() => tf.node.decodeImage(Buffer.from('GIF89a....'))).toThrow(/decodeImage: expected a PNG, JPEG or BMP file; received a GIF file/);
    expect(() => tf.node.decodeImage(Buffer.from([1, 2, 3, 4]))).toThrow(/received bytes 01 02 03 04/);
    expect(() => tf.node.decodeJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0]))).toThrow(/^decodeJpeg: not a valid JPEG file/);
    expect(() => tf.node.decodeBmp(file('rgb24.bmp').subarray(0, 100))).toThrow(/^decodeBmp: .*runs past the end of the file/);
  });

  it('every truncation of a PNG file is a SerializationError, never a crash or a wrong image', () => {
    const whole = png();
    for (let length = 0; length < whole.length; length++) {
      expect(() => tf.node.decodePng(whole.subarray(0, length)), `length ${length}`).toThrow(dn.SerializationError);
    }
  });

  it('are typed errors naming the argument', async () => {
    expect(() => tf.node.decodePng('x' as never)).toThrow(/^decodePng: contents/);
    expect(() => tf.node.decodePng(png(), 2)).toThrow(/decodePng: channels must be one of 0, 1, 3, 4; received 2/);
    expect(() => tf.node.decodeImage(png(), 0, 'float32')).toThrow(/decodeImage: unknown dtype 'float32'/);
    expect(() => tf.node.decodeJpeg(file('grey.jpg'), 0, 2)).toThrow(/decodeJpeg: ratio must be 1/);
    await expect(tf.node.encodePng(dn.zeros([4, 4]))).rejects.toThrow(/encodePng: image must be a tensor \[height, width, channels\]/);
    await expect(tf.node.encodePng(dn.zeros([4, 4, 3]), 11)).rejects.toThrow(/encodePng: compression/);
    await expect(tf.node.encodeJpeg(dn.zeros([4, 4, 4]))).rejects.toThrow(/channels 1 or 3/);
    await expect(tf.node.encodeJpeg(dn.zeros([4, 4, 3]), 'cmyk')).rejects.toThrow(/encodeJpeg: unknown format 'cmyk'/);
  });
});
