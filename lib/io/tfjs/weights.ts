/**
 * TensorFlow.js weights: the `weightsManifest` of a layers-model `model.json` and its binary shards.
 *
 * A manifest is a list of groups `{ paths: ['group1-shard1of2.bin', ...], weights: [{ name, shape,
 * dtype, quantization? }] }`: each group's shards, concatenated in order, hold its weights one after
 * another, little-endian, with no padding. The converter's quantised weights are stored as
 * `quantization.dtype` (uint8 or uint16: `value = q * scale + min`; float16: IEEE half) and read
 * back as float32, as tfjs does.
 *
 * Everything is checked before a tensor is made: the group's total size against the sum of its
 * weights (so a truncated shard, or a manifest that disagrees with its shards, is a
 * SerializationError naming the group and both sizes), each dtype against the ones tfjs writes,
 * each shape against the rank limit and as whole numbers.
 */
import { SerializationError } from '../../errors.js';
import { describe } from '../../validate.js';
import { LOAD_LIMITS } from '../limits.js';

/** One weight in a manifest group. */
export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** `'optimizer'` for the optimizer state tfjs saves with includeOptimizer (read past, not used). */
  group?: string;
  /** How it is stored, when quantised. */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
}

/** A manifest group: its shard paths (relative to model.json) and weights. */
export interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

/** A decoded weight: float32 or int32 values, with its shape. */
export interface NamedWeight {
  shape: number[];
  data: Float32Array | Int32Array;
}

const STORED_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** @internal A JSON object (not null, not an array): the shape checks of the tfjs files all start here. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks the manifest's structure (not yet the shards); SerializationError naming the field otherwise. */
export function checkManifest(where: string, value: unknown): ManifestGroup[] {
  const fail = (message: string): never => {
    throw new SerializationError(`${where}: weightsManifest: ${message}`);
  };
  if (!Array.isArray(value)) fail(`must be an array of groups { paths, weights }, got ${describe(value)}`);
  return (value as unknown[]).map((group, g) => {
    if (!isObject(group)) fail(`group ${g} must be an object { paths, weights }`);
    const { paths, weights } = group as Record<string, unknown>;
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p.length === 0)) fail(`group ${g}: paths must be an array of file names`);
    if (!Array.isArray(weights)) fail(`group ${g}: weights must be an array`);
    const entries = (weights as unknown[]).map((w, i) => {
      if (!isObject(w)) fail(`group ${g} weight ${i} must be an object { name, shape, dtype }`);
      const { name, shape, dtype, quantization, group: weightGroup } = w as Record<string, unknown>;
      const label = `group ${g} weight ${i}${typeof name === 'string' ? ` '${name}'` : ''}`;
      if (typeof name !== 'string' || name.length === 0) fail(`${label}: name must be a non-empty string, got ${describe(name)}`);
      if (!Array.isArray(shape) || shape.length > LOAD_LIMITS.rank || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
        fail(`${label}: shape must be an array of at most ${LOAD_LIMITS.rank} non-negative integers, got ${describe(shape)}`);
      }
      if (dtype !== 'float32' && dtype !== 'int32') {
        fail(`${label}: dtype ${describe(dtype)} is not supported (Dendrite reads float32 and int32 weights)`);
      }
      const entry: ManifestEntry = { name: name as string, shape: (shape as number[]).slice(), dtype: dtype as 'float32' | 'int32' };
      if (weightGroup !== undefined && weightGroup !== null) {
        if (typeof weightGroup !== 'string') fail(`${label}: group must be a string, got ${describe(weightGroup)}`);
        entry.group = weightGroup as string;
      }
      if (quantization !== undefined && quantization !== null) {
        if (!isObject(quantization)) fail(`${label}: quantization must be an object`);
        const q = quantization as Record<string, unknown>;
        if (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16') {
          fail(`${label}: quantization dtype ${describe(q.dtype)} is not supported (uint8, uint16, float16)`);
        }
        if (q.dtype !== 'float16' && (typeof q.scale !== 'number' || !Number.isFinite(q.scale) || typeof q.min !== 'number' || !Number.isFinite(q.min))) {
          fail(`${label}: ${String(q.dtype)} quantization needs finite numbers scale and min, got scale ${describe(q.scale)}, min ${describe(q.min)}`);
        }
        entry.quantization = { dtype: q.dtype as 'uint8' | 'uint16' | 'float16', ...(q.dtype === 'float16' ? {} : { scale: q.scale as number, min: q.min as number }) };
      }
      return entry;
    });
    return { paths: (paths as string[]).slice(), weights: entries };
  });
}

/** The bytes a weight takes in its shard. */
export function storedBytes(entry: ManifestEntry): number {
  const elements = entry.shape.reduce((a, b) => a * b, 1);
  return elements * STORED_BYTES[entry.quantization?.dtype ?? entry.dtype];
}

/** The bytes a group's shards must hold together. */
export function groupBytes(group: ManifestGroup): number {
  return group.weights.reduce((total, entry) => total + storedBytes(entry), 0);
}

/** An IEEE half-precision value as a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** One weight's values from its bytes (a copy, aligned), dequantised to its dtype. */
function decodeEntry(entry: ManifestEntry, bytes: Uint8Array): Float32Array | Int32Array {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = entry.quantization;
  const out = entry.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  if (q === undefined) {
    if (entry.dtype === 'int32') for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    const { scale, min } = q as { scale: number; min: number };
    // tfjs rounds dequantised int32 weights to the nearest integer.
    const round = entry.dtype === 'int32' ? Math.round : (v: number) => v;
    if (q.dtype === 'uint8') for (let i = 0; i < count; i++) out[i] = round(bytes[i] * scale + min);
    else for (let i = 0; i < count; i++) out[i] = round(view.getUint16(2 * i, true) * scale + min);
  }
  return out;
}

/**
 * Decodes a group's weights from its shards (in order). The shards' total size must equal what
 * the manifest says the group holds, or a SerializationError says both.
 */
export function decodeGroup(where: string, group: ManifestGroup, shards: readonly Uint8Array[], into: Map<string, NamedWeight>): void {
  const expected = groupBytes(group);
  const actual = shards.reduce((total, shard) => total + shard.length, 0);
  if (actual !== expected) {
    const sizes = shards.map((s, i) => `${group.paths[i]}: ${s.length}`).join(', ');
    throw new SerializationError(
      `${where}: the shards of ${group.paths.join(', ')} hold ${actual} bytes (${sizes}) but the manifest's weights need ${expected}: truncated, or a manifest that does not match its shards`,
    );
  }
  const all = shards.length === 1 ? shards[0] : Buffer.concat(shards.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)), actual);
  let offset = 0;
  for (const entry of group.weights) {
    const size = storedBytes(entry);
    // tfjs's optimizer state (its slot names and layout are its own): Dendrite compiles a fresh optimizer.
    if (entry.group === 'optimizer') {
      offset += size;
      continue;
    }
    if (into.has(entry.name)) throw new SerializationError(`${where}: weightsManifest names weight '${entry.name}' twice`);
    into.set(entry.name, { shape: entry.shape, data: decodeEntry(entry, all.subarray(offset, offset + size)) });
    offset += size;
  }
}

/** tfjs's shard size when it writes (4 MiB, as `tf.io` uses). */
export const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * The manifest and shards for `weights` (float32 or int32, unquantised, in order): one group whose
 * shards are `prefix-shardIofN.bin` of at most {@link SHARD_BYTES} each.
 */
export function encodeWeights(weights: ReadonlyArray<{ name: string; shape: readonly number[]; data: Float32Array | Int32Array }>, prefix = 'group1'): { manifest: ManifestGroup[]; shards: Uint8Array[] } {
  const total = weights.reduce((n, w) => n + w.data.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const w of weights) {
    // Little-endian on every platform Dendrite builds for; written through a DataView to be explicit.
    const view = new DataView(all.buffer, offset, w.data.byteLength);
    if (w.data instanceof Float32Array) w.data.forEach((v, i) => view.setFloat32(4 * i, v, true));
    else w.data.forEach((v, i) => view.setInt32(4 * i, v, true));
    offset += w.data.byteLength;
  }
  const count = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const shards: Uint8Array[] = [];
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    shards.push(all.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
    paths.push(`${prefix}-shard${i + 1}of${count}.bin`);
  }
  const entries = weights.map((w) => ({ name: w.name, shape: w.shape.slice(), dtype: w.data instanceof Float32Array ? 'float32' as const : 'int32' as const }));
  return { manifest: [{ paths, weights: entries }], shards };
}
