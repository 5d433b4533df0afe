// A child process that saves a model (test/io/concurrent-saves.test.ts, bench/save-race.ts), run as
// an esbuild bundle (saverBundle): `node saver.mjs <mode> <folder>[,<folder or link>...] <first generation>`.
//   save: saves as fast as it can, each save with every weight set to a new generation number, in
//         turn through each path given, until it is killed; prints "saved" after each save and
//         "error typed|raw <name>: <message>" for each failed one;
//   hold: takes the folder's save lock and holds it until it is killed; prints "locked".
// fsync takes a few milliseconds, as on a real disk (the temporary folder is often in memory), so
// kills land inside saves. Prints "ready" once the model is made.
import fs, { realpathSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as dn from '../../lib/index.js';
import { DendriteError } from '../../lib/errors.js';
import { withFolderLock } from '../../lib/io/folder-lock.js';
import { saverModel } from './saver-model.js';

const realFsync = fs.fsync;
(fs as { fsync: unknown }).fsync = (fd: number, callback: (error: Error | null) => void): void => {
  setTimeout(() => realFsync(fd, callback), 3);
};
syncBuiltinESMExports();

const [mode, paths, generationText] = process.argv.slice(2);
if (mode === 'hold') {
  process.stdout.write('ready\n');
  await withFolderLock('hold', realpathSync(paths), async () => {
    process.stdout.write('locked\n');
    await new Promise(() => setInterval(() => {}, 2 ** 30)); // held until killed
  });
} else if (mode === 'save') {
  const targets = paths.split(',');
  const model = saverModel(0);
  process.stdout.write('ready\n');
  for (let generation = Number(generationText); ; generation++) {
    model.setWeights(model.getWeights().map((w) => dn.fullLike(w, generation)));
    try {
      await model.save(targets[generation % targets.length], { includeOptimizer: generation % 2 === 0 });
      process.stdout.write('saved\n');
    } catch (error) {
      process.stdout.write(`error ${error instanceof DendriteError ? 'typed' : 'raw'} ${(error as Error).name}: ${(error as Error).message.slice(0, 160)}\n`);
    }
  }
}
