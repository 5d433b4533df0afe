// A child process that saves a model (test/io/concurrent-saves.test.ts, test/io/save-kill.test.ts,
// test/io/model-files.test.ts, bench/save-race.ts), run as an esbuild bundle (saverBundle):
// `node saver.mjs <mode> <folder>[,<folder or link>...] <first generation> [<fsync ms>]`.
//   save: saves as fast as it can, each save with every weight set to a new generation number, in
//         turn through each path given, until it is killed; prints "saved" after each save and
//         "error typed|raw <name>: <message>" for each failed one;
//   save-tfjs: the same in TensorFlow.js's format (`{ format: 'tfjs' }`);
//   save-large: the same with killTestModel (about 1 MB a save, always with the optimizer's state);
//   save-files: saveModelFiles itself, `{ generation }` and 1 MiB of weights whose every byte is the
//         generation modulo 251;
//   hold: takes the folder's save lock and holds it until it is killed; prints "locked".
// fsync takes a few milliseconds (3 unless given), as on a real disk (the temporary folder is often
// in memory), so kills land inside saves. Prints "ready" once the model is made.
import fs, { realpathSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as dn from '../../lib/index.js';
import { DendriteError } from '../../lib/errors.js';
import { withFolderLock } from '../../lib/io/folder-lock.js';
import { saveModelFiles } from '../../lib/io/model-files.js';
import { fillWeights, killTestModel } from './kill-model.js';
import { saverModel } from './saver-model.js';

const [mode, paths, generationText, fsyncText] = process.argv.slice(2);
const fsyncMs = Number(fsyncText ?? 3);
const realFsync = fs.fsync;
(fs as { fsync: unknown }).fsync = (fd: number, callback: (error: Error | null) => void): void => {
  setTimeout(() => realFsync(fd, callback), fsyncMs);
};
syncBuiltinESMExports();

/** Saves generation after generation (in turn through each path) until killed. */
async function saveForever(save: (path: string, generation: number) => Promise<void>): Promise<never> {
  const targets = paths.split(',');
  process.stdout.write('ready\n');
  for (let generation = Number(generationText); ; generation++) {
    try {
      await save(targets[generation % targets.length], generation);
      process.stdout.write('saved\n');
    } catch (error) {
      process.stdout.write(`error ${error instanceof DendriteError ? 'typed' : 'raw'} ${(error as Error).name}: ${(error as Error).message.slice(0, 160)}\n`);
    }
  }
}

if (mode === 'hold') {
  process.stdout.write('ready\n');
  await withFolderLock('hold', realpathSync(paths), async () => {
    process.stdout.write('locked\n');
    await new Promise(() => setInterval(() => {}, 2 ** 30)); // held until killed
  });
} else if (mode === 'save' || mode === 'save-tfjs') {
  const model = saverModel(0);
  await saveForever(async (path, generation) => {
    model.setWeights(model.getWeights().map((w) => dn.fullLike(w, generation)));
    await model.save(path, mode === 'save' ? { includeOptimizer: generation % 2 === 0 } : { format: 'tfjs' });
  });
} else if (mode === 'save-large') {
  const model = killTestModel();
  await saveForever(async (path, generation) => {
    fillWeights(model, generation);
    await model.save(path, { includeOptimizer: true });
  });
} else if (mode === 'save-files') {
  await saveForever((path, generation) => saveModelFiles(path, { generation }, Buffer.alloc(1 << 20, generation % 251)));
}
