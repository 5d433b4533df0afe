/**
 * Event-loop benchmark: `npm run bench:event-loop` (about 10 s on an idle machine).
 *
 * What a server sees while Dendrite works in its process: `perf_hooks.monitorEventLoopDelay` samples
 * how late the event loop runs a 1 ms timer
 *  - while `model.fit` trains the 784-256-128-10 ReLU MLP (softmax output, sparse categorical
 *    cross-entropy, Adam) on 60,000 random samples, batch 128, one epoch, on all threads
 *    (targets: p99 <= 20 ms, max <= 100 ms; fit yields to the event loop between steps, so the delay
 *    is about one training step);
 *  - while `model.predictAsync` runs the same MLP on the 60,000 samples (natively, on a worker thread,
 *    in passes of 4 MB of input).
 * Beside them: samples/s, and the same-run FMA probe before and after (a probe far below the known
 * 174 GFLOP/s per core means other work shared the cores: steps take longer, and so do the delays).
 * Results: bench/results/event-loop.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';

const KNOWN_FMA_PER_CORE = 174;
const LOADED_BELOW = 0.85;
const SAMPLES = 60_000;
const startedAt = Date.now();

interface Probe { threads: number; isa: string; fmaGflops: number; loaded: boolean }

function probe(): Probe[] {
  const all = binding.backendInfo().defaultThreads;
  return [...new Set([1, all])].map((threads) => {
    const fma = binding.benchFmaPeak(threads, 0.25);
    return { threads, isa: fma.isa, fmaGflops: fma.gflops, loaded: fma.gflops < LOADED_BELOW * KNOWN_FMA_PER_CORE * threads };
  });
}

interface Delay { p50: number; p99: number; max: number; mean: number; samples: number }

/** The histogram in milliseconds. */
function delays(h: IntervalHistogram): Delay {
  const ms = (ns: number): number => ns / 1e6;
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), samples: h.count };
}

/** Runs `work` while the event loop's delay is sampled every millisecond. */
async function watched<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; delay: Delay }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  // The histogram records a delay from its second tick on (the first only starts its clock): let it
  // start, so that a block at the very beginning of the work (its synchronous part) is measured too.
  await new Promise((resolve) => setTimeout(resolve, 10));
  histogram.reset();
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  histogram.disable();
  return { result, seconds, delay: delays(histogram) };
}

function mlp(): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: dn.initializers.heNormal({ seed: 1 }) }),
      dn.layers.dense({ units: 128, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 2 }) }),
      dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

const before = probe();
const load = loadavg()[0];
const x = dn.rand([SAMPLES, 784], { seed: 4 });
const y = dn.randint(0, 10, [SAMPLES], { seed: 5 });
const model = mlp();
// Warm-up: the first steps allocate the reused buffers and fault in the pages.
await model.fit(x.slice([0, 0], [1280, 784]), y.slice([0], [1280]), { epochs: 1, batchSize: 128, verbose: 0, seed: 6 });

let steps = 0;
const fit = await watched(() => model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, seed: 7, callbacks: { onBatchEnd: () => { steps++; } } }));
const predict = await watched(() => model.predictAsync(x));
const after = probe();

const targets = { p99: 20, max: 100 };
const rows = [
  { name: `fit, 784-256-128-10 MLP, ${SAMPLES.toLocaleString('en-US')} samples, batch 128, 1 epoch (${steps} steps)`, ...fit },
  { name: `predictAsync, same MLP, ${SAMPLES.toLocaleString('en-US')} samples`, ...predict },
];
const loaded = [...before, ...after].some((p) => p.loaded);

console.log(`Dendrite ${dn.backendInfo().version}, ISA ${dn.backendInfo().isa}, ${dn.backendInfo().threads} threads; load average ${load.toFixed(1)} on ${binding.backendInfo().defaultThreads} cores`);
console.log('');
console.log('| work | samples/s | event-loop delay p50 | p99 | max | met (p99 <= 20 ms, max <= 100 ms) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const met = r.delay.p99 <= targets.p99 && r.delay.max <= targets.max;
  console.log(`| ${r.name} | ${Math.round(SAMPLES / r.seconds).toLocaleString('en-US')} | ${r.delay.p50.toFixed(1)} ms | ${r.delay.p99.toFixed(1)} ms | ${r.delay.max.toFixed(1)} ms | ${met ? 'yes' : 'NO'} |`);
}
console.log(`\nOne training step takes ${((fit.seconds / steps) * 1e3).toFixed(2)} ms on average: the delay fit can cause is about one step.`);
console.log('\nMachine probe (before / after):');
for (const [label, list] of [['before', before], ['after', after]] as const) {
  for (const p of list) {
    console.log(`  ${label} ${p.threads} thread(s): FMA ${p.fmaGflops.toFixed(0)} GFLOP/s (${p.isa})${p.loaded ? '  <- below the known figure: the machine was loaded' : ''}`);
  }
}
if (loaded) {
  console.log(`NOTE: a probe was well below ${KNOWN_FMA_PER_CORE} GFLOP/s per core: other work shared the cores, so steps (and the delays they cause) took longer than on an idle machine.`);
}

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, 'results', 'event-loop.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify({
  date: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, backend: dn.backendInfo(), loadAverage: load,
  targets, results: rows.map((r) => ({ name: r.name, seconds: r.seconds, samplesPerSecond: SAMPLES / r.seconds, delayMs: r.delay })),
  trainingSteps: steps, probes: { before, after }, loaded,
}, null, 2)}\n`);
console.log(`\nResults: ${file}`);
