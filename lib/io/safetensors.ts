/**
 * The safetensors format: an 8-byte little-endian header length N, a JSON header of N bytes
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {string: string}}`,
 * offsets relative to the data that follows), then the raw little-endian tensor data.
 * Reading checks everything a truncated, corrupted or hand-edited file could get wrong, and names
 * the tensor at fault.
 */
import { SerializationError } from '../errors.js';
import { describe, formatShape, MAX_TENSOR_SIZE } from '../validate.js';
import { LOAD_LIMITS, parseBoundedJson } from './limits.js';

/**
 * The element types Dendrite reads and writes (U8: the bitmaps of sparse kernels, see sparse-weights.ts; I8: the
 * kernels of int8 layers, see compression/quantization/quantized-dense.ts; BF16: the kernels of bfloat16 layers, as
 * the raw 16-bit patterns, see compression/quantization/bf16-dense.ts).
 */
export type SafetensorsDType = 'F32' | 'I32' | 'U8' | 'I8' | 'BF16';

/** A named tensor as stored: its dtype, shape and data. */
export interface StoredTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
}

/** The element types other libraries write (PyTorch: half precision, float64, int64 counters), read as float32 by {@link SafetensorsFile.readFloat32}. */
export type ForeignDType = 'F16' | 'F64' | 'I64';
const FOREIGN_DTYPES: readonly ForeignDType[] = ['F16', 'F64', 'I64'];

const BYTES_PER_ELEMENT: Record<SafetensorsDType | ForeignDType, number> = { F32: 4, I32: 4, U8: 1, I8: 1, F16: 2, BF16: 2, F64: 8, I64: 8 };

// bfloat16 is the top half of a float32: its bits are placed there and read back.
const bf16Value = new Float32Array(1);
const bf16Bits = new Uint32Array(bf16Value.buffer);

/** A half-precision float's value. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
// Every platform Dendrite supports (x64, arm64) is little-endian, like the format: data is copied as is.

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Encodes named tensors and string metadata into a safetensors file (tensors in the given order). */
export function encodeSafetensors(tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === '__metadata__') throw new SerializationError("safetensors: '__metadata__' cannot name a tensor");
    const bytes = elementCount(tensor.shape) * BYTES_PER_ELEMENT[tensor.dtype];
    if (tensor.data.length * tensor.data.BYTES_PER_ELEMENT !== bytes) {
      throw new SerializationError(`safetensors: tensor '${name}' has ${tensor.data.length} elements for shape [${tensor.shape.join(', ')}]`);
    }
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference implementation does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const file = Buffer.alloc(8 + headerBytes.length + offset);
  file.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(file, 8);
  let position = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    const source = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    source.copy(file, position);
    position += source.length;
  }
  return file;
}

/** Where a tensor's data lies in the file, as the header says (checked). */
export interface TensorEntry {
  dtype: SafetensorsDType | ForeignDType;
  shape: number[];
  /** Byte offsets into the data that follows the header. */
  begin: number;
  end: number;
}

/**
 * A decoded safetensors file: its metadata and where each tensor lies, all checked, and no tensor
 * copied yet. {@link SafetensorsFile.read} copies one tensor out.
 */
export class SafetensorsFile {
  constructor(
    readonly metadata: Record<string, string>,
    readonly entries: ReadonlyMap<string, TensorEntry>,
    private readonly data: Uint8Array,
  ) {}

  /** A copy of tensor `name`'s data, in a buffer of its own (the file's data need not be 4-byte aligned). */
  read(name: string): StoredTensor {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new SerializationError(`safetensors: no tensor '${name}'`);
    if (entry.dtype !== 'F32' && entry.dtype !== 'I32' && entry.dtype !== 'U8' && entry.dtype !== 'I8' && entry.dtype !== 'BF16') throw new SerializationError(`safetensors: tensor '${name}' is ${entry.dtype}; read it with readFloat32`);
    const bytes = new Uint8Array(entry.end - entry.begin);
    bytes.set(this.data.subarray(entry.begin, entry.end));
    const length = bytes.length / BYTES_PER_ELEMENT[entry.dtype];
    const data = entry.dtype === 'F32' ? new Float32Array(bytes.buffer, 0, length)
      : entry.dtype === 'I32' ? new Int32Array(bytes.buffer, 0, length)
        : entry.dtype === 'I8' ? new Int8Array(bytes.buffer, 0, length)
          : entry.dtype === 'BF16' ? new Uint16Array(bytes.buffer, 0, length) : bytes;
    return { dtype: entry.dtype, shape: entry.shape.slice(), data };
  }

  /** Tensor `name` as float32 values (F32 copied; F16, BF16, F64, I64 and I32 converted). */
  readFloat32(name: string): { shape: number[]; data: Float32Array } {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new SerializationError(`safetensors: no tensor '${name}'`);
    const bytes = this.data.subarray(entry.begin, entry.end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = bytes.length / BYTES_PER_ELEMENT[entry.dtype];
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      switch (entry.dtype) {
        case 'F32': out[i] = view.getFloat32(i * 4, true); break;
        case 'I32': out[i] = view.getInt32(i * 4, true); break;
        case 'U8': out[i] = bytes[i]; break;
        case 'I8': out[i] = view.getInt8(i); break;
        case 'F64': out[i] = view.getFloat64(i * 8, true); break;
        case 'I64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
        case 'F16': out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
        case 'BF16': bf16Bits[0] = view.getUint16(i * 2, true) << 16; out[i] = bf16Value[0]; break;
      }
    }
    return { shape: entry.shape.slice(), data: out };
  }

  /** Every tensor, copied out, in the file's order. */
  readAll(): Map<string, StoredTensor> {
    return new Map([...this.entries.keys()].map((name) => [name, this.read(name)]));
  }
}

/** A tensor name for messages: quoted, and cut short if long. */
function quoted(name: string): string {
  return `'${name.length > 80 ? `${name.slice(0, 80)}...` : name}'`;
}

/**
 * Decodes a safetensors file; throws SerializationError saying what is wrong and where. Everything
 * the header says is checked (each shape and dtype, each span against its shape and the file, the
 * spans tiling the data with no overlap or hole) before any tensor is copied, so a hostile header
 * costs no more memory than the file itself.
 */
export function decodeSafetensors(file: Uint8Array, options: { foreign?: boolean } = {}): SafetensorsFile {
  const accepted: readonly string[] = options.foreign === true ? ['F32', 'I32', 'U8', 'I8', 'BF16', ...FOREIGN_DTYPES] : ['F32', 'I32', 'U8', 'I8', 'BF16'];
  const fail = (message: string): never => {
    throw new SerializationError(`safetensors: ${message}`);
  };
  if (file.length < 8) fail(`file is ${file.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(file.length - 8)) {
    fail(`header length ${headerLength} exceeds the file (${file.length} bytes): truncated or not a safetensors file`);
  }
  const dataStart = 8 + Number(headerLength);
  const header = parseBoundedJson('safetensors', 'the header', file.subarray(8, dataStart), LOAD_LIMITS.headerBytes);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataLength = file.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries = new Map<string, TensorEntry>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail('__metadata__ must be an object');
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`__metadata__ value of ${quoted(key)} must be a string, got ${typeof value}`);
        metadata[key] = value as string;
      }
      continue;
    }
    const where = `tensor ${quoted(name)}`;
    if (entry === null || typeof entry !== 'object') fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !accepted.includes(dtype)) fail(`${where}: dtype ${describe(dtype)} is not supported (${accepted.join(', ')})`);
    if (!Array.isArray(shape) || shape.length > LOAD_LIMITS.rank || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape must be a list of at most ${LOAD_LIMITS.rank} non-negative integers`);
    }
    const elements = elementCount(shape as number[]);
    if (elements > MAX_TENSOR_SIZE) fail(`${where}: shape ${formatShape(shape as number[])} has ${elements} elements, more than the ${MAX_TENSOR_SIZE} a tensor may hold`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${where}: data_offsets must be [begin, end]`);
    }
    const [begin, end] = offsets as number[];
    const type = dtype as SafetensorsDType | ForeignDType;
    const expected = elements * BYTES_PER_ELEMENT[type];
    if (end < begin || end - begin !== expected) fail(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape needs ${expected}`);
    if (end > dataLength) fail(`${where}: data ends at byte ${end} but the file holds ${dataLength} bytes of data (truncated?)`);
    entries.set(name, { dtype: type, shape: shape as number[], begin, end });
  }
  // The format requires the tensors to tile the data exactly: no overlaps, no holes.
  const spans = [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let covered = 0;
  for (const [name, { begin, end }] of spans) {
    if (begin !== covered) fail(`tensor ${quoted(name)}: data starts at byte ${begin}, expected ${covered} (overlap or hole)`);
    covered = end;
  }
  if (covered !== dataLength) fail(`the data holds ${dataLength} bytes but the tensors cover ${covered}`);
  return new SafetensorsFile(metadata, entries, file.subarray(dataStart));
}
