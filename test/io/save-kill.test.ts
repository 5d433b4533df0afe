// A real model saved in a loop by a child process that is killed at times spread over the whole
// save (from before the first temporary file exists to after the renames): the folder must always
// load, through dn.loadModel, as one complete model no older than the last one seen.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { packageRoot } from '../../lib/native.js';
import { fillWeights, killTestModel } from '../helpers/kill-model.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-save-kill-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('save: killed processes', () => {
  it('a process killed anywhere in model.save leaves a model that loads whole, never older than the last', async () => {
    const dir = join(scratch, 'model');
    const first = killTestModel();
    fillWeights(first, 0);
    await first.save(dir, { includeOptimizer: true });

    // The child starts saving as soon as it is ready, and never stops. Its fsync takes 20 ms, as on a
    // real disk (the temporary folder is often in memory, where it takes microseconds): most of each
    // save then has its files in flux, so the kills below land inside saves, not only between them.
    const child = `
      const fs = require('node:fs');
      const fsync = fs.fsync;
      fs.fsync = (fd, callback) => setTimeout(() => fsync(fd, callback), 20);
      require('node:module').syncBuiltinESMExports();
      import('${join(packageRoot, 'test/helpers/kill-model.ts')}').then(async ({ killTestModel, fillWeights }) => {
        const model = killTestModel();
        process.stdout.write('ready\\n');
        for (let generation = Number(process.argv[2]); ; generation++) {
          fillWeights(model, generation);
          await model.save(process.argv[1], { includeOptimizer: true });
        }
      });`;
    let last = 0;
    let killedInsideASave = 0;
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const generationBase = 1000 * (round + 1);
      const proc = spawn(process.execPath, ['--import', 'tsx', '-e', child, dir, String(generationBase)], {
        cwd: packageRoot, stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => proc.stdout.once('data', () => resolve()));
      // 0 to ~300 ms after the child is ready: inside its first save (which follows the previous
      // round's killed one), between saves, and inside later ones.
      await new Promise((resolve) => setTimeout(resolve, (round * 41) % 300));
      proc.kill('SIGKILL');
      await new Promise((resolve) => proc.once('exit', resolve));
      if (readdirSync(dir).some((name) => name.includes('.tmp-') || name.endsWith('.prev'))) killedInsideASave++;

      const loaded = await dn.loadModel(dir);
      const values = loaded.getWeights().flatMap((w) => [...w.dataSync()]);
      const generation = values[0];
      // Whole: every weight from the same save. Not older than what the folder held before.
      expect(values.every((v) => v === generation)).toBe(true);
      expect(generation === last || generation >= generationBase).toBe(true);
      expect(generation).toBeGreaterThanOrEqual(last);
      expect(loaded.optimizer?.className).toBe('Adam');
      last = generation;
    }
    expect(killedInsideASave).toBeGreaterThan(0);
    // The next save clears what killed saves left behind.
    await first.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
  });
});
