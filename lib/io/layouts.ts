/**
 * Weight layouts of other libraries and formats, and reading a file given as a path or its bytes:
 * what ONNX export and import and PyTorch weight loading share.
 */
import { readFile } from 'node:fs/promises';
import { SerializationError } from '../errors.js';
import { typeError } from '../validate.js';

/** A [rows, cols] matrix as [cols, rows]. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** A convolution kernel HWIO (WIO for 1-D; Dendrite's and Keras') as OIHW (OIW; ONNX's and PyTorch's). */
export function hwioToOihw(values: Float32Array, hwioShape: readonly number[]): Float32Array {
  const spatial = hwioShape.slice(0, -2).reduce((a, b) => a * b, 1);
  const inC = hwioShape[hwioShape.length - 2], outC = hwioShape[hwioShape.length - 1];
  const out = new Float32Array(values.length);
  for (let s = 0; s < spatial; s++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) out[(o * inC + i) * spatial + s] = values[(s * inC + i) * outC + o];
  return out;
}

/** A convolution kernel OIHW (OIW) as HWIO (WIO). */
export function oihwToHwio(values: Float32Array, oihwShape: readonly number[]): Float32Array {
  const [outC, inC, ...spatialDims] = oihwShape;
  const spatial = spatialDims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(values.length);
  for (let o = 0; o < outC; o++) for (let i = 0; i < inC; i++) for (let s = 0; s < spatial; s++) out[(s * inC + i) * outC + o] = values[(o * inC + i) * spatial + s];
  return out;
}

/**
 * The bytes of a file given as a path or as its bytes, with a label for messages (the path, or 'the
 * buffer'); an unreadable path is a SerializationError, anything else an ArgumentTypeError.
 */
export async function fileBytes(where: string, name: string, source: unknown, what: string): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof Uint8Array) return { bytes: source, label: 'the buffer' };
  if (typeof source !== 'string' || source.length === 0) return typeError(where, name, `a path or the bytes (a Uint8Array) of ${what}`, source);
  try {
    return { bytes: await readFile(source), label: source };
  } catch (error) {
    throw new SerializationError(`${where}: cannot read ${source}: ${(error as Error).message}`, { cause: error });
  }
}
