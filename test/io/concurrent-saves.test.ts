// Saves into one folder from several processes, and through several paths of one folder: one at a
// time (a lock per folder that a killed holder does not keep), in the order called, and a failed
// file-system call is a SerializationError naming the path. bench/save-race.ts runs 200 rounds of
// two killed savers; this runs a few.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { SerializationError } from '../../lib/errors.js';
import { LOCK_FILE } from '../../lib/io/folder-lock.js';
import { saverModel } from '../helpers/saver-model.js';
import { killSaver, saverBundle, startSaver } from '../helpers/saver-process.js';

const posix = process.platform !== 'win32';
const scratch = mkdtempSync(join(tmpdir(), 'dendrite-concurrent-saves-'));
let bundle = '';
beforeAll(() => {
  bundle = saverBundle(scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The generation a loaded folder holds; fails unless every weight is from the same save. */
async function generationIn(dir: string, format: 'dendrite' | 'tfjs' = 'dendrite'): Promise<number> {
  const model = format === 'tfjs' ? await dn.loadLayersModel(dir) : await dn.loadModel(dir);
  const values = model.getWeights().flatMap((w) => [...w.dataSync()]);
  expect(values.every((v) => v === values[0]), 'every weight from one save').toBe(true);
  return values[0];
}

/** The files a tfjs-format save of saverModel leaves. */
const TFJS_FILES = ['group1-shard1of1.bin', 'model.json'];

// The tests with a process holding the folder start a second Node process and wait on it: under emulation
// (CI's qemu run) on a busy machine that took over the default 60 s.
const HOLDER_TIMEOUT = 180_000;

describe('saves from several processes', () => {
  it.runIf(posix)('two processes saving into one folder (by its path and a link) and killed at random leave a whole model', async () => {
    const dir = join(scratch, 'raced');
    await saverModel(0).save(dir);
    symlinkSync(dir, `${dir}-link`);
    for (let round = 0; round < 2; round++) {
      const savers = await Promise.all([
        startSaver(bundle, 'save', [dir, `${dir}-link`], 1000 * (round + 1)),
        startSaver(bundle, 'save', [`${dir}-link`, dir], 1000 * (round + 1) + 500),
      ]);
      await Promise.all(savers.map((saver) => saver.printed('saved')));
      await new Promise((resolve) => setTimeout(resolve, 20 + 37 * round));
      await killSaver(savers[0]);
      await killSaver(savers[1]);
      expect(savers.flatMap((saver) => saver.errors)).toEqual([]);
      expect(await generationIn(dir)).toBeGreaterThanOrEqual(1000);
    }
  });

  it.runIf(posix)('a save waits while another process holds the folder, and goes on once that process is killed', async () => {
    const dir = join(scratch, 'held');
    await saverModel(1).save(dir);
    const holder = await startSaver(bundle, 'hold', [dir]);
    await holder.printed('locked');
    let settled = false;
    const save = saverModel(2).save(dir).finally(() => { settled = true; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(await generationIn(dir)).toBe(1);
    await killSaver(holder); // kill -9 while it holds the lock: the system releases it
    await save;
    expect(await generationIn(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
  }, HOLDER_TIMEOUT);
});

describe('saves from one process', () => {
  it.runIf(posix)('through a folder and a link to it, queue as one folder: the last called is what remains', async () => {
    const dir = join(scratch, 'aliased');
    mkdirSync(dir);
    symlinkSync(dir, `${dir}-link`);
    const models = Array.from({ length: 30 }, (_, generation) => saverModel(generation));
    await Promise.all(models.map((model, generation) => model.save(generation % 2 === 0 ? dir : `${dir}-link`, { includeOptimizer: generation % 3 === 0 })));
    expect(await generationIn(dir)).toBe(29);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
  });

  it('removes the temporary files a killed save left, whatever process made them', async () => {
    const dir = join(scratch, 'leftovers');
    await saverModel(1).save(dir);
    // Names as this process (still running) or a long-gone one would have made them.
    for (const name of [`weights.safetensors.tmp-${process.pid}-00000000`, 'model.json.tmp-1-deadbeef']) writeFileSync(join(dir, name), 'x');
    await saverModel(2).save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
  });
});

describe("saves in TensorFlow.js's format take the same lock and queue", () => {
  it('through a folder and a link to it, in one process: the last called is what remains', async () => {
    const dir = join(scratch, 'tfjs-aliased');
    mkdirSync(dir);
    if (posix) symlinkSync(dir, `${dir}-link`);
    const models = Array.from({ length: 30 }, (_, generation) => saverModel(generation));
    await Promise.all(models.map((model, generation) => model.save(posix && generation % 2 === 1 ? `${dir}-link` : dir, { format: 'tfjs' })));
    expect(await generationIn(dir, 'tfjs')).toBe(29);
    expect(readdirSync(dir).sort()).toEqual(TFJS_FILES);
  });

  it.runIf(posix)('a tfjs save waits while another process holds the folder, and goes on once that process is killed', async () => {
    const dir = join(scratch, 'tfjs-held');
    await saverModel(1).save(dir, { format: 'tfjs' });
    const holder = await startSaver(bundle, 'hold', [dir]);
    await holder.printed('locked');
    let settled = false;
    const save = saverModel(2).save(dir, { format: 'tfjs' }).finally(() => { settled = true; });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(await generationIn(dir, 'tfjs')).toBe(1);
    await killSaver(holder);
    await save;
    expect(await generationIn(dir, 'tfjs')).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(TFJS_FILES);
  }, HOLDER_TIMEOUT);

  it.runIf(posix)('two processes saving tfjs files into one folder, killed at random, leave a whole model', async () => {
    const dir = join(scratch, 'tfjs-raced');
    await saverModel(0).save(dir, { format: 'tfjs' });
    const savers = await Promise.all([
      startSaver(bundle, 'save-tfjs', [dir], 1000),
      startSaver(bundle, 'save-tfjs', [dir], 2000),
    ]);
    await Promise.all(savers.map((saver) => saver.printed('saved')));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await killSaver(savers[0]);
    await killSaver(savers[1]);
    expect(savers.flatMap((saver) => saver.errors)).toEqual([]);
    expect(await generationIn(dir, 'tfjs')).toBeGreaterThanOrEqual(1000);
  });
});

describe('file-system errors of a save', () => {
  it('are SerializationErrors naming the path, with the original as cause', async () => {
    const model = saverModel(1);
    const long = join(scratch, 'x'.repeat(300), 'model');
    const tooLong = await model.save(long).then(() => null, (error: unknown) => error as SerializationError);
    expect(tooLong).toBeInstanceOf(SerializationError);
    expect(tooLong!.message).toMatch(/cannot create the folder .*xxxx.* \(ENAMETOOLONG\)/);
    expect((tooLong!.cause as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');

    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    const notAFolder = await model.save(join(file, 'model')).then(() => null, (error: unknown) => error as SerializationError);
    expect(notAFolder).toBeInstanceOf(SerializationError);
    expect(notAFolder!.message).toContain(file);

    const blocked = join(scratch, 'blocked');
    mkdirSync(join(blocked, LOCK_FILE), { recursive: true });
    await expect(model.save(blocked)).rejects.toThrow(SerializationError);
    expect(existsSync(join(blocked, 'model.json'))).toBe(false);
  });
});
