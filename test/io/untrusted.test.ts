// Loading models someone else made: hostile weights files, folders and architectures are refused
// with a SerializationError before they cost memory or time out of proportion to the files, and
// nothing outside the model folder (or that is not a regular file) is ever read.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { SerializationError } from '../../lib/errors.js';
import { LOAD_LIMITS } from '../../lib/io/limits.js';
import { peakGrowthMB } from '../helpers/peak-memory.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-untrusted-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const posix = process.platform !== 'win32';

/** A safetensors file from a header object and data. */
function safetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const file = Buffer.alloc(8 + json.length + data.length);
  file.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(file, 8);
  file.set(data, 8 + json.length);
  return file;
}

/** The error a promise rejects with (a test failure if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error as Error);
}

function smallModel(): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ name: 'hidden', units: 8, activation: 'relu', inputShape: [8] }),
    dn.layers.dense({ name: 'out', units: 2, activation: 'softmax' }),
  ] });
}

let folders = 0;
/** A freshly saved model folder. */
async function savedFolder(): Promise<string> {
  const dir = join(scratch, `model-${++folders}`);
  await smallModel().save(dir);
  return dir;
}

/** Rewrites model.json through `edit` (the weights' digest stays valid). */
function editDescription(dir: string, edit: (description: any) => void): void {
  const description = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  edit(description);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(description));
}

describe('untrusted weights: everything the header says is checked before any tensor is copied', () => {
  it('refuses entries that alias one span without copying it once per entry', async () => {
    // 200 entries over one 1 MiB span: copying each (as loading used to) takes 200 MB.
    const span = 2 ** 18;
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) header[`t${i}`] = { dtype: 'F32', shape: [span], data_offsets: [0, 4 * span] };
    const file = safetensors(header, new Uint8Array(4 * span));
    let error: unknown;
    const growth = await peakGrowthMB(async () => { error = await dn.loadModelFromBuffer(file).catch((e: unknown) => e); });
    expect(error).toBeInstanceOf(SerializationError);
    expect(String(error)).toMatch(/overlap or hole/);
    if (growth !== null) expect(growth).toBeLessThan(64);
  });

  it('refuses 20,000 aliased entries with a typed error', async () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) header[`t${i}`] = { dtype: 'F32', shape: [256], data_offsets: [0, 1024] };
    await expect(dn.loadModelFromBuffer(safetensors(header, new Uint8Array(1024)))).rejects.toThrow(/overlap or hole/);
  });

  it('refuses shapes of too many elements or dimensions, and bounds the message', async () => {
    const huge = safetensors({ t: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, new Uint8Array(4));
    await expect(dn.loadModelFromBuffer(huge)).rejects.toThrow(/more than the 2147483647 a tensor may hold/);
    const deep = safetensors({ t: { dtype: 'F32', shape: new Array(100_000).fill(1), data_offsets: [0, 4] } }, new Uint8Array(4));
    const error = await rejection(dn.loadModelFromBuffer(deep));
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toMatch(/at most 32 non-negative integers/);
    expect(error.message.length).toBeLessThan(500);
    const longName = safetensors({ ['x'.repeat(1_000_000)]: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2));
    const named = await rejection(dn.loadModelFromBuffer(longName));
    expect(named).toBeInstanceOf(SerializationError);
    expect(named.message.length).toBeLessThan(500);
  });

  it('refuses a header over the size limit or nested too deep, before parsing it', async () => {
    const big = Buffer.alloc(8 + LOAD_LIMITS.headerBytes + 1, 0x20);
    big.writeBigUInt64LE(BigInt(LOAD_LIMITS.headerBytes + 1), 0);
    await expect(dn.loadModelFromBuffer(big)).rejects.toThrow(/the header is \d+ bytes, more than the 33554432/);
    const nested = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const file = Buffer.alloc(8 + nested.length);
    file.writeBigUInt64LE(BigInt(nested.length), 0);
    nested.copy(file, 8);
    await expect(dn.loadModelFromBuffer(file)).rejects.toThrow(/nests arrays and objects more than 64 deep/);
  });

  it('refuses a model description nested too deep or over its size limit', async () => {
    const bytes = await smallModel().saveToBuffer();
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
    header.__metadata__['dendrite.model.json'] = `{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`;
    await expect(dn.loadModelFromBuffer(safetensors(header, bytes.subarray(8 + headerLength)))).rejects.toThrow(/the model description nests arrays and objects more than 64 deep/);
  });
});

describe('untrusted folders: only regular files inside the folder are read', () => {
  it.runIf(posix && existsSync('/dev/zero'))('refuses weights.safetensors linked to /dev/zero or /dev/urandom without reading it', async () => {
    for (const device of ['/dev/zero', '/dev/urandom']) {
      const dir = await savedFolder();
      unlinkSync(join(dir, 'weights.safetensors'));
      symlinkSync(device, join(dir, 'weights.safetensors'));
      await expect(dn.loadModel(dir)).rejects.toThrow(/weights.safetensors is a character device, not a regular file: refused/);
    }
  });

  it.runIf(posix)('refuses a FIFO in place of weights.safetensors or model.json, and settles', async () => {
    for (const name of ['weights.safetensors', 'model.json']) {
      const dir = await savedFolder();
      unlinkSync(join(dir, name));
      execFileSync('mkfifo', [join(dir, name)]);
      await expect(dn.loadModel(dir)).rejects.toThrow(new RegExp(`${name} is a FIFO, not a regular file: refused`));
    }
  });

  it.runIf(posix)('refuses model.json, weights or .prev that resolve outside the folder; a link inside it is read', async () => {
    const outside = await savedFolder();
    for (const name of ['model.json', 'weights.safetensors']) {
      const dir = await savedFolder();
      unlinkSync(join(dir, name));
      symlinkSync(join(outside, name), join(dir, name));
      await expect(dn.loadModel(dir)).rejects.toThrow(/resolves to .* outside the model folder .*: refused/);
    }
    // The state an interrupted save leaves (new weights, old model.json, old weights as .prev), with .prev linked outside.
    const dir = await savedFolder();
    const other = join(scratch, 'other-weights');
    writeFileSync(other, readFileSync(join(dir, 'weights.safetensors')));
    writeFileSync(join(dir, 'weights.safetensors'), readFileSync(join(outside, 'weights.safetensors')).subarray(0, 100));
    symlinkSync(other, join(dir, 'weights.safetensors.prev'));
    await expect(dn.loadModel(dir)).rejects.toThrow(/weights.safetensors.prev resolves to .* outside the model folder/);
    // A link to a file inside the folder is fine.
    const inside = await savedFolder();
    mkdirSync(join(inside, 'v1'));
    writeFileSync(join(inside, 'v1', 'weights.safetensors'), readFileSync(join(inside, 'weights.safetensors')));
    unlinkSync(join(inside, 'weights.safetensors'));
    symlinkSync(join('v1', 'weights.safetensors'), join(inside, 'weights.safetensors'));
    expect((await dn.loadModel(inside)).countParams()).toBe(8 * 8 + 8 + 8 * 2 + 2);
  });

  it('refuses weights whose size is not the one model.json gives, before reading them', async () => {
    const dir = await savedFolder();
    editDescription(dir, (d) => { d.weights.bytes += 1; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/does not match model.json .*weights.safetensors is \d+ bytes\): missing, truncated or corrupted/);
    editDescription(dir, (d) => { d.weights.bytes = 'many'; });
    await expect(dn.loadModel(dir)).rejects.toThrow(/does not give the size of its weights/);
  });

  it('refuses a model.json over the size limit without reading it', async () => {
    const dir = await savedFolder();
    truncateSync(join(dir, 'model.json'), LOAD_LIMITS.descriptionBytes + 1); // sparse: nothing is written
    await expect(dn.loadModel(dir)).rejects.toThrow(/model.json is 16777217 bytes, more than the 16777216 a model may have/);
  });
});

describe('untrusted architectures: weight shapes are checked against the file before anything is allocated', () => {
  it('an edited units count is a shape error, without allocating the weight it describes', async () => {
    const dir = await savedFolder();
    // 8 x 10,000,000 floats would be 320 MB.
    editDescription(dir, (d) => { d.architecture.config.layers[0].config.units = 10_000_000; });
    let error: unknown;
    const growth = await peakGrowthMB(async () => { error = await dn.loadModel(dir).catch((e: unknown) => e); });
    expect(error).toBeInstanceOf(SerializationError);
    expect(String(error)).toMatch(/tensor 'hidden\/kernel' has shape \[8, 8\] in the weights file but the architecture needs \[8, 10000000\]/);
    if (growth !== null) expect(growth).toBeLessThan(64);
  });

  it('refuses more layers than the limit before building any', async () => {
    const dir = await savedFolder();
    editDescription(dir, (d) => {
      const dense = d.architecture.config.layers[1];
      d.architecture.config.layers = Array.from({ length: LOAD_LIMITS.layers + 1 }, (_, i) => ({ ...dense, config: { ...dense.config, name: `d${i}`, units: 8 } }));
    });
    await expect(dn.loadModel(dir)).rejects.toThrow(/the architecture lists 10001 layers, more than the 10000 a model may have/);
  });

  it('loads a model whose weights all check out, bit for bit', async () => {
    const model = smallModel();
    const dir = join(scratch, 'good');
    await model.save(dir);
    const loaded = await dn.loadModel(dir);
    const x = dn.randn([3, 8], { seed: 1 });
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });
});
