/**
 * The long form of the fuzz test's hostile block: `npm run bench:fuzz` (`-- --calls N --files M
 * --seed S`; defaults 100,000 hostile calls and 10,000 mutated model folders; `--quick` for a tenth).
 * The generators are test/helpers/hostile.ts's, the ones test/fuzz.test.ts runs a few hundred of.
 *
 * Counts how each call and each load ended: a result, a Dendrite error, the caller's own error (thrown
 * by a hostile getter or Proxy trap, passed through unchanged), an untyped error, or no end within
 * the bound (a promise unsettled after 10 s; a synchronous call blocking for 60 s, `--hang-seconds`,
 * is caught by a watchdog thread, which names the call and kills the process). Prints the counts, the peak RSS (memory must stay
 * bounded), the same-run machine probe; exits non-zero on any untyped error or hang. Writes no
 * results file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as dn from '../lib/index.js';
import { modelMaterial, runHostileCalls, runMutatedModels, type Tally } from '../test/helpers/hostile.js';
import { Rng } from '../test/helpers/rng.js';
import { loadAverage, printProbes, probe } from './probe.js';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const quick = process.argv.includes('--quick');
const calls = Number(argument('--calls') ?? (quick ? 10_000 : 100_000));
const files = Number(argument('--files') ?? (quick ? 1_000 : 10_000));
const seed = Number(argument('--seed') ?? 0x5eed2026);
const PROMISE_BOUND_MS = 10_000;
const BLOCKING_BOUND_S = Number(argument('--hang-seconds') ?? 60);

// The watchdog: a thread that kills the process when the main thread stops beating for 60 s (a
// synchronous call that never returns cannot be raced by a timer on its own thread). It names the
// call, which the main thread writes into shared memory before running it.
const beat = new Int32Array(new SharedArrayBuffer(4));
const current = new Uint8Array(new SharedArrayBuffer(512));
const encoder = new TextEncoder();
function running(what: string): void {
  current.fill(0);
  encoder.encodeInto(what.slice(0, 250), current);
  Atomics.add(beat, 0, 1);
}
const watchdog = new Worker(`
  const { workerData } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  const { beat, current } = workerData;
  let last = Atomics.load(beat, 0), still = 0;
  setInterval(() => {
    const now = Atomics.load(beat, 0);
    still = now === last ? still + 1 : 0;
    last = now;
    if (still >= ${BLOCKING_BOUND_S}) {
      const what = new TextDecoder().decode(current.slice()).replace(/\\0+$/, '');
      writeSync(2, '\\nbench:fuzz: a hang: the main thread blocked ${BLOCKING_BOUND_S} s in ' + what + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }
  }, 1000);`, { eval: true, workerData: { beat, current } });
watchdog.unref();
const heartbeat = setInterval(() => Atomics.add(beat, 0, 1), 200);

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-bench-fuzz-'));
const before = probe();
const load = loadAverage();
let peakRss = process.memoryUsage.rss();
const chunks = 20;

function add(total: Tally, part: Tally): void {
  for (const key of ['ok', 'typed', 'caller', 'untyped', 'hung'] as const) total[key] += part[key];
  total.failures.push(...part.failures.slice(0, Math.max(0, 20 - total.failures.length)));
}
const empty = (): Tally => ({ ok: 0, typed: 0, caller: 0, untyped: 0, hung: 0, failures: [] });

async function inChunks(what: string, total: number, run: (count: number) => Promise<Tally>): Promise<{ tally: Tally; seconds: number }> {
  const tally = empty();
  const started = performance.now();
  for (let done = 0, chunk = 0; done < total; chunk++) {
    const count = Math.min(Math.ceil(total / chunks), total - done);
    const part = await run(count);
    for (const failure of part.failures) process.stderr.write(`\n${what} chunk ${chunk}: ${failure}\n`);
    add(tally, part);
    done += count;
    Atomics.add(beat, 0, 1);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    process.stderr.write(`\r${what}: ${done}/${total}, ${tally.untyped + tally.hung} failed, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB   `);
  }
  process.stderr.write('\n');
  return { tally, seconds: (performance.now() - started) / 1000 };
}

const argumentsRng = new Rng(seed ^ 0x4057);
const hostile = await inChunks('hostile calls', calls, (count) => runHostileCalls(argumentsRng, count, PROMISE_BOUND_MS, running));
const material = await modelMaterial(scratch);
const filesRng = new Rng(seed ^ 0xf11e);
const mutated = await inChunks('mutated model folders', files, (count) => runMutatedModels(filesRng, material, scratch, count, PROMISE_BOUND_MS, running));
const after = probe();
clearInterval(heartbeat);
rmSync(scratch, { recursive: true, force: true });

console.log(`Dendrite ${dn.backendInfo().version}; seed ${seed}; load average ${load.toFixed(1)} at the start\n`);
console.log("| run | count | results | Dendrite errors | caller's own errors | untyped errors | hangs | seconds |");
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, count, { tally, seconds }] of [['hostile calls', calls, hostile], ['mutated model folders', files, mutated]] as const) {
  console.log(`| ${name} | ${count} | ${tally.ok} | ${tally.typed} | ${tally.caller} | ${tally.untyped} | ${tally.hung} | ${seconds.toFixed(0)} |`);
}
console.log(`\nPeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB.`);
for (const failure of [...hostile.tally.failures, ...mutated.tally.failures].slice(0, 20)) console.log(`  ${failure}`);
printProbes(before, after);
const failed = hostile.tally.untyped + hostile.tally.hung + mutated.tally.untyped + mutated.tally.hung;
process.exit(failed === 0 ? 0 : 1); // a load that never settled must not keep the process alive
