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
 *    in passes of 4 MB of input);
 *  - while 300 `predictAsync` calls (one sample each) made at once run on a 6.5 MB model (784-2048-10),
 *    and while 1,000 made at once run on a small one (8-32-16-1) (target: p99 <= 20 ms);
 *  - while those 300 calls run as `fit` trains the 6.5 MB model (each step changes the weights).
 * Beside them: samples/s, and the same-run FMA probe before and after (a probe far below the known
 * 174 GFLOP/s per core means other work shared the cores: steps take longer, and so do the delays).
 * Results: bench/results/event-loop.json, replaced only with `-- --write`.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';
import { loadAverage, printProbes, probe } from './probe.js';
import { publishResults } from './results.js';

const SAMPLES = 60_000;
const startedAt = Date.now();

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
  // The histogram records a delay from its second tick on (the first only starts its clock), and
  // reset() starts over: let it tick after the reset, so that a block at the very beginning of the
  // work (its synchronous part) is measured too.
  await new Promise((resolve) => setTimeout(resolve, 10));
  histogram.reset();
  await new Promise((resolve) => setTimeout(resolve, 3));
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  // One more tick, so a block that lasted until the work ended is recorded too.
  await new Promise((resolve) => setTimeout(resolve, 2));
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

/** 784-2048-10: 1.63 M weights, 6.5 MB. */
function serverModel(): dn.Sequential {
  const model = dn.sequential({ layers: [
    dn.layers.dense({ units: 2048, activation: 'relu', inputShape: [784], kernelInitializer: dn.initializers.glorotUniform({ seed: 11 }) }),
    dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 12 }) }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

function smallModel(): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: 32, activation: 'tanh', inputShape: [8], kernelInitializer: dn.initializers.glorotUniform({ seed: 13 }) }),
    dn.layers.dense({ units: 16, activation: 'relu', kernelInitializer: dn.initializers.glorotUniform({ seed: 14 }) }),
    dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 15 }) }),
  ] });
}

/** `count` predictAsync calls made in one go (as a burst of requests), each on `x`. */
function burst(model: dn.Model, x: dn.Tensor, count: number): Promise<dn.Tensor[]> {
  return Promise.all(Array.from({ length: count }, () => model.predictAsync(x)));
}

const before = probe();
const load = loadAverage();
const x = dn.rand([SAMPLES, 784], { seed: 4 });
const y = dn.randint(0, 10, [SAMPLES], { seed: 5 });
const model = mlp();
// Warm-up: the first steps allocate the reused buffers and fault in the pages.
await model.fit(x.slice([0, 0], [1280, 784]), y.slice([0], [1280]), { epochs: 1, batchSize: 128, verbose: 0, seed: 6 });

let steps = 0;
const fit = await watched(() => model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, seed: 7, callbacks: { onBatchEnd: () => { steps++; } } }));
const predict = await watched(() => model.predictAsync(x));

const server = serverModel();
const request = dn.rand([1, 784], { seed: 16 });
await burst(server, request, 3); // warm-up
const server300 = await watched(() => burst(server, request, 300));
const small = smallModel();
const smallRequest = dn.rand([1, 8], { seed: 17 });
await burst(small, smallRequest, 10);
const small1000 = await watched(() => burst(small, smallRequest, 1000));
const serverX = dn.rand([256, 784], { seed: 18 });
const serverY = dn.randint(0, 10, [256], { seed: 19 });
let trainingSteps = 0;
const whileTraining = await watched(async () => {
  const training = server.fit(serverX, serverY, { epochs: 4, batchSize: 32, verbose: 0, callbacks: { onBatchEnd: () => { trainingSteps++; } } });
  // The requests come in bursts of 30 while the weights change under them.
  const results: dn.Tensor[] = [];
  for (let i = 0; i < 10; i++) {
    results.push(...await burst(server, request, 30));
  }
  await training;
  return results;
});
const after = probe();

const targets = { p99: 20, max: 100 };
const rows = [
  { name: `fit, 784-256-128-10 MLP, ${SAMPLES.toLocaleString('en-US')} samples, batch 128, 1 epoch (${steps} steps)`, samples: SAMPLES, ...fit },
  { name: `predictAsync, same MLP, ${SAMPLES.toLocaleString('en-US')} samples`, samples: SAMPLES, ...predict },
  { name: '300 predictAsync calls at once, 1 sample each, 784-2048-10 (6.5 MB)', samples: 300, ...server300 },
  { name: '1,000 predictAsync calls at once, 1 sample each, 8-32-16-1', samples: 1000, ...small1000 },
  { name: `300 predictAsync calls (bursts of 30) while fit trains the 6.5 MB model (${trainingSteps} steps)`, samples: 300, ...whileTraining },
];
const loaded = [...before, ...after].some((p) => p.loaded);

console.log(`Dendrite ${dn.backendInfo().version}, ISA ${dn.backendInfo().isa}, ${dn.backendInfo().threads} threads; load average ${load.toFixed(1)} on ${binding.backendInfo().defaultThreads} cores`);
console.log('');
console.log('| work | samples/s | event-loop delay p50 | p99 | max | met (p99 <= 20 ms, max <= 100 ms) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const met = r.delay.p99 <= targets.p99 && r.delay.max <= targets.max;
  console.log(`| ${r.name} | ${Math.round(r.samples / r.seconds).toLocaleString('en-US')} | ${r.delay.p50.toFixed(1)} ms | ${r.delay.p99.toFixed(1)} ms | ${r.delay.max.toFixed(1)} ms | ${met ? 'yes' : 'NO'} |`);
}
console.log(`\nOne training step takes ${((fit.seconds / steps) * 1e3).toFixed(2)} ms on average: the delay fit can cause is about one step.`);
printProbes(before, after);

publishResults('event-loop', {
  date: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, backend: dn.backendInfo(), loadAverage: load,
  targets, results: rows.map((r) => ({ name: r.name, seconds: r.seconds, samplesPerSecond: r.samples / r.seconds, delayMs: r.delay })),
  trainingSteps: steps, probes: { before, after }, loaded,
});
