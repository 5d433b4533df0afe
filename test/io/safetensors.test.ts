import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../lib/errors.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../../lib/io/safetensors.js';

function sample(): Map<string, StoredTensor> {
  return new Map<string, StoredTensor>([
    ['dense_1/kernel', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, Number.NaN, -0, 1e-40]) }],
    ['dense_1/bias', { dtype: 'F32', shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) }],
    ['labels', { dtype: 'I32', shape: [2], data: Int32Array.from([7, -1]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

/** Builds a file from a raw header object and data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const file = Buffer.alloc(8 + json.length + data.length);
  file.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(file, 8);
  Buffer.from(data).copy(file, 8 + json.length);
  return file;
}

describe('safetensors: bad files', () => {
  const good = encodeSafetensors(sample(), { format: 'dendrite' });

  it('rejects a file shorter than its header length', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(SerializationError);
    expect(() => decodeSafetensors(good.subarray(0, 20))).toThrow(/header length \d+ exceeds the file/);
  });

  it('rejects truncated data naming the tensor', () => {
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4))).toThrow(/tensor 'labels': data ends at byte 44 but the file holds 40/);
  });

  it('rejects a header that is not JSON, or not an object', () => {
    const corrupted = Buffer.from(good);
    corrupted[9] = 0x7b; // '{' in the wrong place
    expect(() => decodeSafetensors(corrupted)).toThrow(/header is not valid JSON/);
    expect(() => decodeSafetensors(rawFile([1, 2]))).toThrow(/header is not a JSON object/);
  });

  it('rejects bad entries naming the tensor', () => {
    expect(() => decodeSafetensors(rawFile({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)))).toThrow(
      /tensor 'w': dtype "F16" is not supported/,
    );
    expect(() => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(
      /tensor 'w': shape must be a list of at most 32 non-negative integers/,
    );
    expect(() => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)))).toThrow(
      /tensor 'w': data_offsets \[0, 4\] hold 4 bytes, shape needs 8/,
    );
    expect(() => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)))).toThrow(/data_offsets must be/);
    expect(() => decodeSafetensors(rawFile({ __metadata__: { a: 1 } }))).toThrow(/__metadata__ value of 'a' must be a string/);
  });

  it('rejects overlapping tensors and holes', () => {
    const overlap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    expect(() => decodeSafetensors(rawFile(overlap, new Uint8Array(4)))).toThrow(/overlap or hole/);
    const hole = { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expect(() => decodeSafetensors(rawFile(hole, new Uint8Array(8)))).toThrow(/overlap or hole/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)))).toThrow(
      /the data holds 8 bytes but the tensors cover 4/,
    );
  });

  it('refuses to encode inconsistent tensors', () => {
    const bad = new Map<string, StoredTensor>([['w', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]]);
    expect(() => encodeSafetensors(bad)).toThrow(/tensor 'w' has 2 elements for shape \[3\]/);
  });
});

describe('safetensors: round trip', () => {
  it('round-trips tensors bit for bit, with metadata', () => {
    const file = encodeSafetensors(sample(), { format: 'dendrite', note: 'ünïcode' });
    const decoded = decodeSafetensors(file);
    const { metadata } = decoded;
    const tensors = decoded.readAll();
    expect(metadata).toEqual({ format: 'dendrite', note: 'ünïcode' });
    for (const [name, original] of sample()) {
      const read = tensors.get(name)!;
      expect(read.dtype).toBe(original.dtype);
      expect(read.shape).toEqual(original.shape);
      expect(new Uint8Array(read.data.buffer, read.data.byteOffset, read.data.byteLength)).toEqual(
        new Uint8Array(original.data.buffer, original.data.byteOffset, original.data.byteLength),
      );
    }
  });

  it('follows the layout of the format: u64 LE header length, JSON header, 8-byte aligned data', () => {
    const file = encodeSafetensors(sample());
    const headerLength = Number(file.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString());
    expect(header['dense_1/kernel']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['dense_1/bias'].data_offsets).toEqual([24, 36]);
    expect(file.readFloatLE(8 + headerLength + 24)).toBeCloseTo(0.1, 7);
    expect(file.length).toBe(8 + headerLength + 44);
  });
});
