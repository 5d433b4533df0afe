// A real model saved in a loop by a child process that is killed at times spread over the whole
// save (from before the first temporary file exists to after the renames): the folder must always
// load, through dn.loadModel, as one complete model no older than the last one seen. A few rounds
// here (the child is a prebuilt bundle, so a round costs a process start, not a TypeScript compile);
// `npm run bench:save-race` runs hundreds of rounds with two savers.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { fillWeights, killTestModel } from '../helpers/kill-model.js';
import { killSaver, saverBundle, startSaver } from '../helpers/saver-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-save-kill-'));
let bundle = '';
beforeAll(() => {
  bundle = saverBundle(scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('save: killed processes', () => {
  it('a process killed anywhere in model.save leaves a model that loads whole, never older than the last', async () => {
    const dir = join(scratch, 'model');
    const first = killTestModel();
    fillWeights(first, 0);
    await first.save(dir, { includeOptimizer: true });

    // The child (mode save-large) starts saving as soon as it is ready, and never stops. Its fsync
    // takes 60 ms, as on a slow disk (the temporary folder is often in memory, where it takes
    // microseconds): most of each save then has its files in flux, so the kills below land inside
    // saves, not only between them or in a save's in-memory part.
    let last = 0;
    let killedInsideASave = 0;
    // At least 4 rounds, and more (up to 24) until one kill has landed inside a save: where a kill lands
    // is a matter of timing, and a run whose few kills all fell between saves would prove little.
    for (let round = 0; round < 24 && (round < 4 || killedInsideASave === 0); round++) {
      const generationBase = 1000 * (round + 1);
      const saver = await startSaver(bundle, 'save-large', [dir], generationBase, 60);
      // 0 to ~300 ms after the child is ready: inside its first save (which follows the previous
      // round's killed one), between saves, and inside later ones.
      await new Promise((resolve) => setTimeout(resolve, (round * 83 + 17) % 300));
      await killSaver(saver);
      expect(saver.errors).toEqual([]);
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
  }, 180_000);
});
