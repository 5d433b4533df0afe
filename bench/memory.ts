/**
 * Memory benchmark: `npm run bench:memory` (a few minutes on an idle machine; `-- --quick` for a
 * tenth of the work).
 *
 * Runs, on a small model (8-32-16-1, tanh/relu, sigmoid output, binary cross-entropy, Adam):
 *  - 100,000 training steps (batch 16): 50,000 through `trainOnBatch` and 50,000 through `fit`;
 *  - 100,000 custom-loop steps (batch 16) on the same network built with `dn.model`: 50,000 in the
 *    PyTorch style (`model.apply`, `loss.backward()`, `optimizer.step`) and 50,000 in the functional
 *    style (`dn.valueAndGrad`, `optimizer.applyGradients`): no recorded graph may be left behind;
 *  - 1,000,000 `predict` calls (batch 1);
 *  - 100,000 `predictAsync` calls (batch 4; native worker, up to 64 in flight);
 *  - a server of the 784-256-128-10 MLP at batch 32, whose tensors come from the allocator's cache
 *    rather than slabs: 100,000 `predict` calls and 20,000 custom steps (apply, backward, optimizer.step).
 * and prints RSS, V8 heap used, and the memory held outside the heap (typed arrays, native) after
 * a warm-up (the first 10 % of each phase) and at the end, after a full garbage collection each time.
 * Target: flat within 10 % from after warm-up to the end. It also prints each phase's RSS over time (after
 * every chunk, no collection forced) and whether the tensor memory cache was on (it is by default).
 *
 * Then predictAsync under load, each case in a fresh process (its peak RSS is the process's own):
 *  - 300 concurrent `predictAsync` calls (one sample each) on a 6.5 MB model (784-2048-10) against a
 *    single call on the same model: target, the 300 within 100 MB of the one;
 *  - a 1.6 MB input (50,000 x 8) through 8-20000-10 with `predict` and with `predictAsync`.
 * And attention (issue 13), each length in a fresh process: `dn.scaledDotProductAttention` forward and
 * backward at batch 1, 4 heads, keyDim 64, sequence lengths 256, 1,024 and 4,096: the peak RSS above the
 * RSS with q, k and v made must grow linearly with the length (the kernels never hold the 4 x L x L
 * weights, which would take 256 MB at 4,096); target: from 1,024 to 4,096 steps it grows at most 8-fold
 * (linear growth is 4-fold, quadratic 16-fold).
 * Results: bench/results/memory.json, replaced only with `-- --write`. Run with `--expose-gc` (the npm
 * script does); without it the figures include garbage not yet collected.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { loadAverage, printProbes, probe } from './probe.js';
import { publishResults } from './results.js';

const quick = process.argv.includes('--quick');
const ATTENTION_LENGTHS = [256, 1024, 4096];
const ATTENTION_HEADS = 4;
const ATTENTION_KEY_DIM = 64;
const childCase = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] : null;
const scale = quick ? 0.1 : 1;
const gc = (globalThis as { gc?: () => void }).gc;
const startedAt = Date.now();

interface Snapshot { rssMB: number; heapUsedMB: number; externalMB: number; arrayBuffersMB: number }

function snapshot(): Snapshot {
  if (gc !== undefined) {
    // Twice: the first pass can leave finalizers (typed arrays' backing stores) for the second.
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const mb = (bytes: number): number => bytes / 2 ** 20;
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), arrayBuffersMB: mb(m.arrayBuffers) };
}

function model(): dn.Sequential {
  const m = dn.sequential({ layers: [
    dn.layers.dense({ units: 32, activation: 'tanh', inputShape: [8], kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }),
    dn.layers.dense({ units: 16, activation: 'relu', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
    dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

interface Phase {
  name: string; count: number; seconds: number; afterWarmUp: Snapshot; end: Snapshot;
  /** RSS in MB after each chunk, as the process runs (no collection forced: garbage included). */
  rssOverTimeMB: number[];
}

/** Runs `total` units of work in chunks, with a snapshot after the first 10 % and RSS after every chunk. */
async function phase(name: string, total: number, chunk: number, run: (count: number) => Promise<void> | void): Promise<Phase> {
  const warmUp = Math.round(total / 10);
  await run(warmUp);
  const afterWarmUp = snapshot();
  const rssOverTimeMB: number[] = [];
  const start = performance.now();
  for (let done = warmUp; done < total; done += chunk) {
    await run(Math.min(chunk, total - done));
    rssOverTimeMB.push(process.memoryUsage.rss() / 2 ** 20);
  }
  const seconds = (performance.now() - start) / 1000;
  const end = snapshot();
  return { name, count: total, seconds, afterWarmUp, end, rssOverTimeMB };
}

/** At most `points` evenly spaced values of `series` (its first and last included), as a line of MB. */
function overTime(series: readonly number[], points = 12): string {
  if (series.length === 0) return '';
  const picked = series.length <= points ? series : Array.from({ length: points }, (_, i) => series[Math.round((i * (series.length - 1)) / (points - 1))]);
  return picked.map((v) => v.toFixed(0)).join(' ');
}

// --- predictAsync under load: each case runs in a process of its own ------------------------------

/** The 6.5 MB model of the concurrency cases: 784-2048-10 (1.63 M weights). */
function serverModel(): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: 2048, activation: 'relu', inputShape: [784], kernelInitializer: dn.initializers.glorotUniform({ seed: 5 }) }),
    dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 6 }) }),
  ] });
}

/** The wide model of the large-input cases: 8-20000-10. */
function wideModel(): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: 20_000, activation: 'relu', inputShape: [8], kernelInitializer: dn.initializers.glorotUniform({ seed: 7 }) }),
    dn.layers.dense({ units: 10, kernelInitializer: dn.initializers.glorotUniform({ seed: 8 }) }),
  ] });
}

/** Runs one case in this (child) process and prints `{ peakRssMB, baseRssMB, seconds }` as JSON. */
async function runCase(name: string): Promise<void> {
  if (name.startsWith('attention-')) return attentionCase(Number(name.slice('attention-'.length)));
  const server = name.startsWith('server') ? serverModel() : wideModel();
  const input = name.startsWith('server') ? dn.rand([1, 784], { seed: 9 }) : dn.rand([50_000, 8], { seed: 10 });
  gc?.();
  const baseRssMB = process.memoryUsage.rss() / 2 ** 20;
  const start = performance.now();
  if (name === 'server-one') await server.predictAsync(input);
  else if (name === 'server-300') await Promise.all(Array.from({ length: 300 }, () => server.predictAsync(input)));
  else if (name === 'wide-predict') server.predict(input);
  else if (name === 'wide-predictAsync') await server.predictAsync(input);
  else throw new Error(`unknown case ${name}`);
  const seconds = (performance.now() - start) / 1000;
  // maxRSS is in kilobytes: the peak of the whole process, model and input included.
  process.stdout.write(`${JSON.stringify({ peakRssMB: process.resourceUsage().maxRSS / 1024, baseRssMB, seconds })}\n`);
}

/** Attention forward and backward at one sequence length: batch 1, 4 heads, keyDim 64. Prints like runCase. */
function attentionCase(length: number): void {
  const shape = [1, ATTENTION_HEADS, length, ATTENTION_KEY_DIM];
  const [q, k, v] = [1, 2, 3].map((seed) => dn.randn(shape, { seed, requiresGrad: true }));
  gc?.();
  const baseRssMB = process.memoryUsage.rss() / 2 ** 20;
  const start = performance.now();
  dn.scaledDotProductAttention(q, k, v).sum().backward();
  if (q.grad === null || q.grad.shape[2] !== length) throw new Error('attention case: no gradient');
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(`${JSON.stringify({ peakRssMB: process.resourceUsage().maxRSS / 1024, baseRssMB, seconds })}\n`);
}

if (childCase !== null) {
  await runCase(childCase);
  process.exit(0);
}

const probeBefore = probe();
const load = loadAverage();

interface CaseResult { peakRssMB: number; baseRssMB: number; seconds: number }

function inChild(name: string): CaseResult {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', name], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
}

const m = model();
const x = dn.randn([1024, 8], { seed: 4 });
const y = dn.tensor(Array.from({ length: 1024 }, (_, i) => [i % 2]));
const xb = x.slice([0, 0], [16, 8]);
const yb = y.slice([0, 0], [16, 1]);
const one = x.slice([0, 0], [1, 8]);
const four = x.slice([0, 0], [4, 8]);
const steps = Math.round(100_000 * scale);
const predicts = Math.round(1_000_000 * scale);
const asyncPredicts = Math.round(100_000 * scale);

const initial = snapshot();
const phases: Phase[] = [];
phases.push(await phase(`${(steps / 2).toLocaleString('en-US')} trainOnBatch steps (batch 16)`, steps / 2, 1000, (count) => {
  for (let i = 0; i < count; i++) m.trainOnBatch(xb, yb);
}));
// fit: 1024 samples in batches of 16 = 64 steps per epoch.
phases.push(await phase(`${(steps / 2).toLocaleString('en-US')} fit steps (batch 16)`, steps / 2, 6400, async (count) => {
  await m.fit(x, y, { epochs: Math.max(1, Math.round(count / 64)), batchSize: 16, verbose: 0 });
}));
// The same network as a graph, trained by hand.
const graphInput = dn.input({ shape: [8] });
const graphHidden = dn.layers.dense({ units: 16, activation: 'relu', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) })
  .apply(dn.layers.dense({ units: 32, activation: 'tanh', kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }).apply(graphInput));
const graph = dn.model({ inputs: graphInput, outputs: dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }).apply(graphHidden) });
const handOptimizer = dn.optimizers.adam();
const lossOf = (): dn.Tensor => dn.losses.binaryCrossentropy(yb, graph.apply(xb, { training: true }));
phases.push(await phase(`${(steps / 2).toLocaleString('en-US')} custom steps (apply, backward, optimizer.step)`, steps / 2, 1000, (count) => {
  for (let i = 0; i < count; i++) {
    lossOf().backward();
    handOptimizer.step(graph.trainableWeights);
  }
}));
phases.push(await phase(`${(steps / 2).toLocaleString('en-US')} custom steps (valueAndGrad, applyGradients)`, steps / 2, 1000, (count) => {
  for (let i = 0; i < count; i++) handOptimizer.applyGradients(dn.valueAndGrad(lossOf).grads, graph.trainableWeights);
}));
phases.push(await phase(`${predicts.toLocaleString('en-US')} predict calls (batch 1)`, predicts, 10_000, (count) => {
  for (let i = 0; i < count; i++) m.predict(one);
}));
phases.push(await phase(`${asyncPredicts.toLocaleString('en-US')} predictAsync calls (batch 4, 64 in flight)`, asyncPredicts, 6400, async (count) => {
  for (let done = 0; done < count; done += 64) {
    await Promise.all(Array.from({ length: Math.min(64, count - done) }, () => m.predictAsync(four)));
  }
}));

// A server of the 784-256-128-10 MLP: its results (batch 32: 32 KiB and more) come from the C allocator
// and its cache, where the small network's above are carved from slabs.
const mlp = dn.sequential({ layers: [
  dn.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: dn.initializers.glorotUniform({ seed: 5 }) }),
  dn.layers.dense({ units: 128, activation: 'relu', kernelInitializer: dn.initializers.glorotUniform({ seed: 6 }) }),
  dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 7 }) }),
] });
const mlpX = dn.randn([32, 784], { seed: 8 });
const mlpY = dn.oneHot(dn.tensor(Array.from({ length: 32 }, (_, i) => i % 10), undefined, 'int32'), 10);
const mlpOptimizer = dn.optimizers.adam();
const mlpSteps = Math.round(20_000 * scale);
const mlpPredicts = Math.round(100_000 * scale);
phases.push(await phase(`${mlpPredicts.toLocaleString('en-US')} predict calls, 784 MLP (batch 32)`, mlpPredicts, 1000, (count) => {
  for (let i = 0; i < count; i++) mlp.predict(mlpX);
}));
phases.push(await phase(`${mlpSteps.toLocaleString('en-US')} custom steps, 784 MLP (batch 32)`, mlpSteps, 200, (count) => {
  for (let i = 0; i < count; i++) {
    dn.losses.categoricalCrossentropy(mlpY, mlp.apply(mlpX, { training: true }) as dn.Tensor).backward();
    mlpOptimizer.step(mlp.trainableWeights);
  }
}));

const growth = (a: number, b: number): number => (b - a) / a;
const format = (s: Snapshot): string =>
  `RSS ${s.rssMB.toFixed(1)} MB, heap ${s.heapUsedMB.toFixed(1)} MB, external ${s.externalMB.toFixed(1)} MB (array buffers ${s.arrayBuffersMB.toFixed(1)} MB)`;
console.log(`Dendrite ${dn.backendInfo().version}, ISA ${dn.backendInfo().isa}${quick ? ' (quick run)' : ''}${gc === undefined ? ' — WARNING: no --expose-gc, figures include uncollected garbage' : ''}`);
console.log(`At start: ${format(initial)}\n`);
console.log('| phase | seconds | after warm-up (RSS / heap / external MB) | end (RSS / heap / external MB) | RSS growth | heap growth | flat (within 10 %) |');
console.log('|---|---|---|---|---|---|---|');
const rows = phases.map((p) => {
  const rss = growth(p.afterWarmUp.rssMB, p.end.rssMB);
  const heap = growth(p.afterWarmUp.heapUsedMB, p.end.heapUsedMB);
  const flat = rss <= 0.1 && heap <= 0.1;
  const triple = (s: Snapshot): string => `${s.rssMB.toFixed(1)} / ${s.heapUsedMB.toFixed(1)} / ${s.externalMB.toFixed(1)}`;
  console.log(`| ${p.name} | ${p.seconds.toFixed(1)} | ${triple(p.afterWarmUp)} | ${triple(p.end)} | ${(rss * 100).toFixed(1)} % | ${(heap * 100).toFixed(1)} % | ${flat ? 'yes' : 'NO'} |`);
  return { ...p, rssGrowth: rss, heapGrowth: heap, flat };
});
const cacheState = dn.memory();
console.log(`\nRSS over time (MB, after each chunk past the warm-up, no collection forced; tensor memory cache ${cacheState.cache ? `on, cap ${cacheState.cacheLimit / 2 ** 20} MiB` : 'OFF'}):`);
for (const p of phases) console.log(`  ${p.name}: ${overTime(p.rssOverTimeMB)} (peak ${Math.max(...p.rssOverTimeMB).toFixed(0)})`);
const final = snapshot();
console.log(`\nAt the end: ${format(final)}`);

const cases = {
  serverOne: inChild('server-one'), server300: inChild('server-300'), widePredict: inChild('wide-predict'), widePredictAsync: inChild('wide-predictAsync'),
};
const attentionCases = ATTENTION_LENGTHS.map((length) => ({ length, ...inChild(`attention-${length}`) }));
const probeAfter = probe();
const serverExtraMB = cases.server300.peakRssMB - cases.serverOne.peakRssMB;
console.log('\npredictAsync under load (each case in a fresh process; peak RSS includes the model and the input):\n');
console.log('| case | peak RSS MB | RSS before the call MB | seconds |');
console.log('|---|---|---|---|');
for (const [label, c] of [
  ['1 predictAsync call, 784-2048-10 (6.5 MB of weights), 1 sample', cases.serverOne],
  ['300 concurrent predictAsync calls, same model, 1 sample each', cases.server300],
  ['predict, 8-20000-10, 50,000 x 8 input (1.6 MB)', cases.widePredict],
  ['predictAsync, same model and input', cases.widePredictAsync],
] as const) console.log(`| ${label} | ${c.peakRssMB.toFixed(0)} | ${c.baseRssMB.toFixed(0)} | ${c.seconds.toFixed(2)} |`);
console.log(`\n300 concurrent calls peak ${serverExtraMB.toFixed(0)} MB above one call (target <= 100 MB: ${serverExtraMB <= 100 ? 'met' : 'NOT met'}); predictAsync of the large input peaks ${(cases.widePredictAsync.peakRssMB - cases.widePredict.peakRssMB).toFixed(0)} MB above predict.`);
const attentionRows = attentionCases.map((c) => ({ ...c, extraMB: c.peakRssMB - c.baseRssMB, scoresMB: (ATTENTION_HEADS * c.length * c.length * 4) / 2 ** 20 }));
console.log(`\nAttention forward and backward (dn.scaledDotProductAttention, batch 1, ${ATTENTION_HEADS} heads, keyDim ${ATTENTION_KEY_DIM}; each length in a fresh process):\n`);
console.log('| length | peak RSS MB | RSS with q, k, v made MB | peak above it MB | the L x L weights would take MB | seconds |');
console.log('|---|---|---|---|---|---|');
for (const c of attentionRows) {
  console.log(`| ${c.length.toLocaleString('en-US')} | ${c.peakRssMB.toFixed(0)} | ${c.baseRssMB.toFixed(0)} | ${c.extraMB.toFixed(1)} | ${c.scoresMB.toFixed(0)} | ${c.seconds.toFixed(2)} |`);
}
const attentionGrowth = attentionRows[2].extraMB / Math.max(attentionRows[1].extraMB, 1e-3);
const attentionLinear = attentionGrowth <= 8;
console.log(`\nFrom 1,024 to 4,096 steps the attention's peak grows ${attentionGrowth.toFixed(1)}-fold (linear: 4, quadratic: 16; target <= 8: ${attentionLinear ? 'met' : 'NOT met'}).`);
console.log(`Load average ${load.toFixed(1)} at the start.`);
printProbes(probeBefore, probeAfter);

publishResults('memory', {
  date: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, quick, exposeGc: gc !== undefined,
  backend: dn.backendInfo(), initial, phases: rows, final, predictAsyncUnderLoad: { ...cases, serverExtraMB },
  attention: { heads: ATTENTION_HEADS, keyDim: ATTENTION_KEY_DIM, cases: attentionRows, growth1024To4096: attentionGrowth, linear: attentionLinear },
  loadAverage: load, probes: { before: probeBefore, after: probeAfter },
});
