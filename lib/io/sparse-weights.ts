/**
 * Sparse kernels in the weights file: a kernel that is at least half zeros (a pruned one) is stored as
 * two standard safetensors tensors instead of one,
 *   `<name>/bitmap`   U8 [ceil(size / 8)]: bit i (least significant first in each byte) is set where
 *                     element i (row-major) is not zero; the bits past `size` are zero;
 *   `<name>/nonzero`  F32 [count of set bits]: those elements' values, in order;
 * and the file's `__metadata__` lists them under `dendrite.sparse` as a JSON object `{ "<name>": shape }`.
 * At 80 % zeros that is 0.2 * 4 + 1/8 = 0.93 bytes per weight instead of 4. Every value, negative zero
 * and NaN payloads included, comes back bit for bit (a -0 counts as a value, not as a zero).
 *
 * Reading checks what a hostile file could get wrong before any weight is built: the list within the
 * header limits, each shape as any tensor's (rank, size), both tensors present with those dtypes and
 * lengths, the bitmap's set bits equal to the values' count, no bit past the end, and no dense tensor of
 * the same name; each failure is a SerializationError naming the weight.
 */
import { SerializationError } from '../errors.js';
import { formatShape, MAX_TENSOR_SIZE } from '../validate.js';
import { LOAD_LIMITS, parseBoundedJson } from './limits.js';
import { SafetensorsFile, type StoredTensor, type TensorEntry } from './safetensors.js';

/** The `__metadata__` key that lists the sparse tensors. */
export const SPARSE_METADATA_KEY = 'dendrite.sparse';
const BITMAP = '/bitmap';
const NONZERO = '/nonzero';

/** Whether a weight's name (`dense_1/kernel`, `conv_1/depthwiseKernel`) is a kernel: what pruning zeroes. */
export function isKernelName(name: string): boolean {
  const short = name.slice(name.lastIndexOf('/') + 1);
  return short === 'kernel' || short.endsWith('Kernel');
}

/** Whether a float is stored as a zero: +0 only (a -0 keeps its sign bit as a value). */
function isPlainZero(value: number): boolean {
  return value === 0 && !Object.is(value, -0);
}

/**
 * Replaces each kernel that is at least half zeros (+0) by its bitmap and non-zero values, in place of
 * the dense tensor; returns the tensors and the metadata entry (null when none was packed).
 */
export function packSparseKernels(tensors: ReadonlyMap<string, StoredTensor>): { tensors: Map<string, StoredTensor>; metadata: string | null } {
  const packed = new Map<string, StoredTensor>();
  const listed: Record<string, number[]> = {};
  for (const [name, tensor] of tensors) {
    const values = tensor.data;
    let zeros = 0;
    if (tensor.dtype === 'F32' && isKernelName(name)) for (let i = 0; i < values.length; i++) if (isPlainZero(values[i])) zeros++;
    if (zeros === 0 || zeros * 2 < values.length || tensors.has(`${name}${BITMAP}`) || tensors.has(`${name}${NONZERO}`)) {
      packed.set(name, tensor);
      continue;
    }
    const bitmap = new Uint8Array(Math.ceil(values.length / 8));
    const nonzero = new Float32Array(values.length - zeros);
    for (let i = 0, k = 0; i < values.length; i++) {
      if (isPlainZero(values[i])) continue;
      bitmap[i >> 3] |= 1 << (i & 7);
      nonzero[k++] = values[i];
    }
    packed.set(`${name}${BITMAP}`, { dtype: 'U8', shape: [bitmap.length], data: bitmap });
    packed.set(`${name}${NONZERO}`, { dtype: 'F32', shape: [nonzero.length], data: nonzero });
    listed[name] = tensor.shape.slice();
  }
  return { tensors: packed, metadata: Object.keys(listed).length === 0 ? null : JSON.stringify(listed) };
}

/** A weights file whose sparse kernels read as the dense tensors they stand for. */
class UnpackedFile extends SafetensorsFile {
  constructor(private readonly packedFile: SafetensorsFile, entries: ReadonlyMap<string, TensorEntry>, private readonly sparse: ReadonlyMap<string, number[]>) {
    super(packedFile.metadata, entries, new Uint8Array(0));
  }

  override read(name: string): StoredTensor {
    const shape = this.sparse.get(name);
    if (shape === undefined) return this.packedFile.read(name);
    const bitmap = this.packedFile.read(`${name}${BITMAP}`).data as Uint8Array;
    const nonzero = this.packedFile.read(`${name}${NONZERO}`).data as Float32Array;
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0, k = 0; i < size; i++) if ((bitmap[i >> 3] >> (i & 7)) & 1) data[i] = nonzero[k++];
    return { dtype: 'F32', shape: shape.slice(), data };
  }
}

/** The set bits of `bitmap`, and whether any is set past bit `size`. */
function countBits(bitmap: Uint8Array, size: number): { set: number; past: boolean } {
  let set = 0;
  for (let i = 0; i < bitmap.length; i++) {
    let byte = bitmap[i];
    while (byte !== 0) {
      byte &= byte - 1;
      set++;
    }
  }
  const tail = size & 7;
  const past = tail !== 0 && bitmap.length > 0 && (bitmap[bitmap.length - 1] >> tail) !== 0;
  return { set, past };
}

/**
 * The file as the model loader reads it: each sparse kernel listed in the metadata as one dense entry
 * (decoded when read), all checked first. A file without sparse kernels is returned as it is.
 */
export function unpackSparseKernels(file: SafetensorsFile, fail: (message: string) => never): SafetensorsFile {
  const text = file.metadata[SPARSE_METADATA_KEY];
  if (text === undefined) return file;
  const listed = parseBoundedJson('weights file', `__metadata__['${SPARSE_METADATA_KEY}']`, text, LOAD_LIMITS.headerBytes);
  if (listed === null || typeof listed !== 'object' || Array.isArray(listed)) fail(`__metadata__['${SPARSE_METADATA_KEY}'] must be a JSON object of tensor name -> shape`);
  const entries = new Map(file.entries);
  const sparse = new Map<string, number[]>();
  for (const [name, shape] of Object.entries(listed as Record<string, unknown>)) {
    const where = `sparse tensor '${name.length > 80 ? `${name.slice(0, 80)}...` : name}'`;
    if (!Array.isArray(shape) || shape.length > LOAD_LIMITS.rank || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape must be a list of at most ${LOAD_LIMITS.rank} non-negative integers`);
    }
    const dims = shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > MAX_TENSOR_SIZE) fail(`${where}: shape ${formatShape(dims)} has ${size} elements, more than the ${MAX_TENSOR_SIZE} a tensor may hold`);
    if (entries.has(name)) fail(`${where} is also stored dense`);
    const bitmapEntry = entries.get(`${name}${BITMAP}`);
    const nonzeroEntry = entries.get(`${name}${NONZERO}`);
    if (bitmapEntry === undefined || nonzeroEntry === undefined) fail(`${where}: the file lacks '${name}${BITMAP}' or '${name}${NONZERO}'`);
    const bytes = Math.ceil(size / 8);
    if (bitmapEntry!.dtype !== 'U8' || bitmapEntry!.shape.length !== 1 || bitmapEntry!.shape[0] !== bytes) {
      fail(`${where}: '${name}${BITMAP}' must be U8 of shape [${bytes}], got ${bitmapEntry!.dtype} ${formatShape(bitmapEntry!.shape)}`);
    }
    if (nonzeroEntry!.dtype !== 'F32' || nonzeroEntry!.shape.length !== 1) {
      fail(`${where}: '${name}${NONZERO}' must be a rank-1 F32 tensor, got ${nonzeroEntry!.dtype} ${formatShape(nonzeroEntry!.shape)}`);
    }
    const { set, past } = countBits(file.read(`${name}${BITMAP}`).data as Uint8Array, size);
    if (past) fail(`${where}: its bitmap sets bits past element ${size}`);
    if (set !== nonzeroEntry!.shape[0]) fail(`${where}: its bitmap marks ${set} non-zero elements but '${name}${NONZERO}' holds ${nonzeroEntry!.shape[0]}`);
    entries.delete(`${name}${BITMAP}`);
    entries.delete(`${name}${NONZERO}`);
    // Begin and end are not used past decoding; the entry's dtype and shape are what the loader checks.
    entries.set(name, { dtype: 'F32', shape: dims, begin: 0, end: size * 4 });
    sparse.set(name, dims);
  }
  return new UnpackedFile(file, entries, sparse);
}
