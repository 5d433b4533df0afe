/**
 * The parts of TensorFlow.js's `tf.util` that Node programs use: shuffling (drawn from Dendrite's
 * global generator, so `dn.seed` makes them repeatable), sizes, assertions, flattening and UTF-8.
 */
import { random, ValueError, type DType } from '../index.js';
import { checkFunction, checkIntegerArray, checkInteger, typeError } from '../validate.js';

type Shuffleable = unknown[] | Float32Array | Int32Array | Uint8Array | Uint32Array | Float64Array;

function checkShuffleable(where: string, name: string, value: unknown): Shuffleable {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as Shuffleable;
  return typeError(where, name, 'an array or a typed array', value);
}

/** Shuffles `array` in place (Fisher-Yates), as `tf.util.shuffle`. */
export function shuffle<T extends Shuffleable>(array: T): T {
  return random.shuffle(checkShuffleable('util.shuffle', 'array', array)) as T;
}

/** Shuffles two arrays of one length in place by the same permutation, as `tf.util.shuffleCombo`. */
export function shuffleCombo<T extends Shuffleable, U extends Shuffleable>(array: T, array2: U): void {
  const where = 'util.shuffleCombo';
  const a = checkShuffleable(where, 'array', array) as unknown[];
  const b = checkShuffleable(where, 'array2', array2) as unknown[];
  if (a.length !== b.length) throw new ValueError(`${where}: the arrays must have one length, got ${a.length} and ${b.length}`);
  const order = random.permutation(a.length);
  const aCopy = Array.from(a);
  const bCopy = Array.from(b);
  order.forEach((from, to) => {
    a[to] = aCopy[from];
    b[to] = bCopy[from];
  });
}

/** 0 … n-1 in a random order, as `tf.util.createShuffledIndices`. */
export function createShuffledIndices(n: number): Uint32Array {
  const indices = new Uint32Array(checkInteger('util.createShuffledIndices', 'n', n, 0));
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  return shuffle(indices);
}

/** The number of elements of a shape (1 for `[]`). */
export function sizeFromShape(shape: readonly number[]): number {
  return checkIntegerArray('util.sizeFromShape', 'shape', shape, 0).reduce((a, b) => a * b, 1);
}

/** Throws an Error with `message()` (or `message`) unless `expression` holds, as `tf.util.assert`. */
export function assert(expression: boolean, message: string | (() => string)): asserts expression {
  if (expression) return;
  throw new Error(typeof message === 'function' ? checkFunction('util.assert', 'message', message)() as string : String(message));
}

/** Whether two arrays (or typed arrays) hold the same values in the same order. */
export function arraysEqual(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Nested arrays (and typed arrays inside them) as one flat array, as `tf.util.flatten`. */
export function flatten<T>(array: unknown, result: T[] = []): T[] {
  if (Array.isArray(array) || ArrayBuffer.isView(array)) {
    for (const item of Array.from(array as ArrayLike<unknown>)) flatten(item, result);
  } else {
    result.push(array as T);
  }
  return result;
}

/** Whether `value` is a typed array of the kinds tensors hold. */
export function isTypedArray(value: unknown): value is Float32Array | Int32Array | Uint8Array {
  return value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array;
}

/** Milliseconds, high resolution, as `tf.util.now`. */
export function now(): number {
  return performance.now();
}

/** A string as UTF-8 bytes. */
export function encodeString(text: string): Uint8Array {
  if (typeof text !== 'string') typeError('util.encodeString', 'text', 'a string', text);
  return new TextEncoder().encode(text);
}

/** UTF-8 bytes as a string. */
export function decodeString(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) typeError('util.decodeString', 'bytes', 'a Uint8Array', bytes);
  return new TextDecoder().decode(bytes);
}

/** The number of bytes one element of `dtype` takes. */
export function bytesPerElement(dtype: DType): number {
  if (dtype !== 'float32' && dtype !== 'int32') typeError('util.bytesPerElement', 'dtype', "'float32' or 'int32'", dtype);
  return 4;
}
