/**
 * Crash-and-race stress of saving: `npm run bench:save-race` (`-- --rounds N`, default 200;
 * `--quick` for 20). Each round two processes save different generations of one model into one
 * folder as fast as they can (each weight of a save is its generation number), each through the
 * folder's path and through a symbolic link to it in turn, with fsync taking a few milliseconds as
 * on a real disk; both are killed with SIGKILL at random moments, one after the other. Then the
 * folder must load through `dn.loadModel`, whole: every weight from one save. Prints how many
 * folders did not load or were mixed, the saves made, the errors the savers saw (any untyped one is
 * a failure) and the same-run machine probe; exits non-zero on any failure. Writes no results file.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dn from '../lib/index.js';
import { saverModel } from '../test/helpers/saver-model.js';
import { killSaver, saverBundle, startSaver } from '../test/helpers/saver-process.js';
import { loadAverage, printProbes, probe } from './probe.js';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const rounds = Number(argument('--rounds') ?? (process.argv.includes('--quick') ? 20 : 200));
const scratch = mkdtempSync(join(tmpdir(), 'dendrite-save-race-'));
const before = probe();
const load = loadAverage();
const bundle = saverBundle(scratch);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let unloadable = 0;
let mixed = 0;
let midway = 0;
let saves = 0;
const errors = new Map<string, number>();
const failures: string[] = [];
const started = performance.now();
for (let round = 0; round < rounds; round++) {
  const dir = join(scratch, `model-${round % 10}`);
  const link = `${dir}-link`;
  if (round < 10) {
    await saverModel(0).save(dir); // the folder holds a model from the start
    symlinkSync(dir, link);
  }
  const generation = 1_000_000 * (round + 1);
  const savers = await Promise.all([startSaver(bundle, 'save', [dir, link], generation), startSaver(bundle, 'save', [link, dir], generation + 500_000)]);
  await sleep(Math.random() * 300);
  await killSaver(savers[0]);
  await sleep(Math.random() * 40);
  await killSaver(savers[1]);
  for (const saver of savers) {
    saves += saver.saved;
    for (const error of saver.errors) {
      const kind = error.replace(/\/[^\s:)'"]*/g, '<path>').replace(/\d+/g, 'N');
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    }
  }
  if (readdirSync(dir).some((name) => name.includes('.tmp-') || name.endsWith('.prev') || name.endsWith('.lock'))) midway++;
  try {
    const model = await dn.loadModel(dir);
    const values = model.getWeights().flatMap((w) => [...w.dataSync()]);
    if (!values.every((v) => v === values[0])) {
      mixed++;
      failures.push(`round ${round}: weights from more than one save`);
    }
  } catch (error) {
    unloadable++;
    failures.push(`round ${round}: ${(error as Error).message.slice(0, 200)}`);
  }
}
const seconds = (performance.now() - started) / 1000;
const after = probe();
rmSync(scratch, { recursive: true, force: true });

const raw = [...errors].filter(([kind]) => kind.startsWith('raw')).reduce((sum, [, count]) => sum + count, 0);
console.log(`Dendrite ${dn.backendInfo().version}; load average ${load.toFixed(1)} at the start\n`);
console.log('| rounds (2 savers killed each) | saves completed | rounds that killed a save midway | folders that did not load | mixed folders | untyped errors | seconds |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| ${rounds} | ${saves} | ${midway} | ${unloadable} | ${mixed} | ${raw} | ${seconds.toFixed(0)} |`);
console.log(`\nErrors the savers saw: ${errors.size === 0 ? 'none' : [...errors].map(([kind, count]) => `${count} x ${kind}`).join('; ')}`);
for (const failure of failures.slice(0, 10)) console.log(`  ${failure}`);
printProbes(before, after);
process.exitCode = unloadable + mixed + raw === 0 ? 0 : 1;
