/**
 * Model benchmark: `npm run bench:models` (about a minute; `-- --quick` for about 20 s).
 *
 * The targets, measured through the public API:
 *  - training a 784-256-128-10 ReLU MLP (softmax output, sparse categorical cross-entropy, Adam,
 *    batch 128, random data) through `model.fit`, on all threads: samples/s (target >= 60,000);
 *  - the same MLP written with the functional API (`dn.input` / `dn.model`), trained in alternation
 *    with the Sequential one in the same run: samples/s, its ratio to the Sequential one (target: at
 *    least 95 %), and whether both end with the same weights bit for bit (they are the same network);
 *  - a residual MLP (784-256, two residual blocks of 256 with `add` skips, then 128-10) through `fit`:
 *    samples/s;
 *  - a tiny 2-16-1 model (tanh, sigmoid output, binary cross-entropy, Adam), batch 4, through
 *    `model.trainOnBatch` in a loop on 1 thread: steps/s (target >= 20,000);
 *  - inference of the 784 MLP through `model.predict`: microseconds per call at batch 1 on 1 thread
 *    (target <= 20) and samples/s at batch 256 on all threads (target >= 350,000);
 *  - generation with `dn.generate` from the names GPT of examples/names-gpt.ts (2 pre-norm decoder
 *    blocks of 64 features, 4 heads; untrained: the speed does not depend on the weights) at batch 1 on
 *    1 thread, 15 new tokens a name: tokens/s with the key/value cache (target >= 2,000, issue 13), and
 *    re-running the whole sequence per token (`cache: false`) beside it.
 * Each figure is the median of several timed trials after a warm-up. Beside them: the same-run machine
 * probes (FMA peak and triad bandwidth, per thread count; a probe far below the known figure means the
 * machine was loaded and the figures are low), and the "kernel floor" of one MLP training step: the
 * native time of its nine GEMM calls alone (benchSgemm), which no framework overhead can beat.
 * The multi-threaded rows run again in a child pinned to one CPU (`taskset -c 0`, as in a one-CPU
 * container), printed as "1 CPU" rows with that child's probe.
 * Results: bench/results/models.json, replaced only with `-- --write`.
 */
import { performance } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';
import { runPinned } from './pinned.js';
import { publishResults } from './results.js';
import { BOUNDARY, CONTEXT, namesGpt } from '../examples/names-gpt.js';

const quick = process.argv.includes('--quick');
const KNOWN = { fmaPerCore: 174, fmaTwoCores: 327, triadOneCore: 13, triadTwoCores: 25 };
const LOADED_BELOW = 0.85;
const allThreads = binding.backendInfo().defaultThreads;
const startedAt = Date.now();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Probe { threads: number; isa: string; fmaGflops: number; triadGbps: number; loaded: boolean }

function probes(): Probe[] {
  return [...new Set([1, allThreads])].map((threads) => {
    const fma = binding.benchFmaPeak(threads, quick ? 0.1 : 0.25);
    const triadGbps = binding.benchTriad(threads, 64);
    const knownFma = threads === 1 ? KNOWN.fmaPerCore : KNOWN.fmaTwoCores;
    const knownTriad = threads === 1 ? KNOWN.triadOneCore : KNOWN.triadTwoCores;
    return { threads, isa: fma.isa, fmaGflops: fma.gflops, triadGbps, loaded: fma.gflops < LOADED_BELOW * knownFma || triadGbps < LOADED_BELOW * knownTriad };
  });
}

/** The MLP's layers, with seeded initializers: the same weights every call. */
function mlpLayers(): dn.layers.Dense[] {
  return [
    dn.layers.dense({ units: 256, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 1 }) }),
    dn.layers.dense({ units: 128, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 2 }) }),
    dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
  ];
}

function mlp(): dn.Sequential {
  const model = dn.sequential({ layers: mlpLayers() });
  model.build([null, 784]);
  return model;
}

/** The same MLP as a graph. */
function functionalMlp(): dn.Functional<dn.Tensor> {
  const input = dn.input({ shape: [784] });
  const output = mlpLayers().reduce<dn.SymbolicTensor>((h, layer) => layer.apply(h), input);
  return dn.model({ inputs: input, outputs: output });
}

/** 784-256, two blocks h + dense(dense(h, relu)) with a relu after each sum, then 128-10. */
function residualMlp(): dn.Functional<dn.Tensor> {
  const input = dn.input({ shape: [784] });
  let h = dn.layers.dense({ units: 256, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 1 }) }).apply(input);
  for (let b = 0; b < 2; b++) {
    const a = dn.layers.dense({ units: 256, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 10 + b }) }).apply(h);
    const f = dn.layers.dense({ units: 256, kernelInitializer: dn.initializers.heNormal({ seed: 20 + b }) }).apply(a);
    h = dn.layers.activation({ activation: 'relu' }).apply(dn.layers.add().apply([h, f]));
  }
  h = dn.layers.dense({ units: 128, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 2 }) }).apply(h);
  return dn.model({ inputs: input, outputs: dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }).apply(h) });
}

interface Result { name: string; value: number; unit: string; target: string; met: boolean; trials: number[]; threads: number }

/** MLP training data: `batches` batches of 128 random samples. */
function fitData(): { x: dn.Tensor; y: dn.Tensor; n: number } {
  const n = 128 * (quick ? 20 : 40);
  return { x: dn.rand([n, 784], { seed: 4 }), y: dn.randint(0, 10, [n], { seed: 5 }), n };
}

/**
 * `fit` samples/s of each model, their trials alternating (so both see the same machine), after a
 * warm-up epoch each. Every model gets the same calls, so models that are the same network end equal.
 */
async function fitTrials(models: dn.Model[]): Promise<number[][]> {
  dn.setNumThreads(allThreads);
  const { x, y, n } = fitData();
  for (const model of models) {
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, seed: 6 });
  }
  const trials = models.map((): number[] => []);
  for (let t = 0; t < (quick ? 3 : 7); t++) {
    for (const [i, model] of models.entries()) {
      const start = performance.now();
      await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, seed: 6 });
      trials[i].push(n / ((performance.now() - start) / 1000));
    }
  }
  return trials;
}

/** Whether two models hold the same weights bit for bit. */
function sameWeights(a: dn.Model, b: dn.Model): boolean {
  const wa = a.getWeights();
  const wb = b.getWeights();
  return wa.length === wb.length && wa.every((w, i) => {
    const p = w.dataSync();
    const q = wb[i].dataSync();
    return p.length === q.length && p.every((v, j) => Object.is(v, q[j]));
  });
}

let functionalIdentical = false;

async function benchFit(): Promise<Result[]> {
  const sequentialModel = mlp();
  const functionalModel = functionalMlp();
  const residualModel = residualMlp();
  const [sequentialTrials, functionalTrials, residualTrials] = await fitTrials([sequentialModel, functionalModel, residualModel]);
  functionalIdentical = sameWeights(sequentialModel, functionalModel);
  const sequential = median(sequentialTrials);
  const functional = median(functionalTrials);
  const residual = median(residualTrials);
  return [
    { name: 'MLP 784-256-128-10 fit, batch 128, Adam', value: sequential, unit: 'samples/s', target: '>= 60,000', met: sequential >= 60000, trials: sequentialTrials, threads: allThreads },
    {
      name: `the same MLP written with dn.model (${(100 * functional / sequential).toFixed(1)} % of Sequential; same weights after training: ${functionalIdentical ? 'yes' : 'NO'})`,
      value: functional, unit: 'samples/s', target: '>= 95 % of Sequential, same weights', met: functional >= 0.95 * sequential && functionalIdentical, trials: functionalTrials, threads: allThreads,
    },
    { name: 'residual MLP 784-256-[256x2 +skip]x2-128-10 fit, batch 128, Adam', value: residual, unit: 'samples/s', target: '(reported)', met: true, trials: residualTrials, threads: allThreads },
  ];
}

function benchTiny(): Result {
  dn.setNumThreads(1);
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 16, activation: 'tanh', inputShape: [2], kernelInitializer: dn.initializers.glorotUniform({ seed: 7 }) }),
      dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 8 }) }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const x = dn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = dn.tensor([[0], [1], [1], [0]]);
  const steps = quick ? 2000 : 5000;
  for (let i = 0; i < steps; i++) model.trainOnBatch(x, y);
  const trials: number[] = [];
  for (let t = 0; t < (quick ? 3 : 7); t++) {
    const start = performance.now();
    for (let i = 0; i < steps; i++) model.trainOnBatch(x, y);
    trials.push(steps / ((performance.now() - start) / 1000));
  }
  const value = median(trials);
  return { name: 'tiny 2-16-1 trainOnBatch, batch 4', value, unit: 'steps/s', target: '>= 20,000', met: value >= 20000, trials, threads: 1 };
}

function benchPredict(batch: number, threads: number): Result {
  dn.setNumThreads(threads);
  const model = mlp();
  const x = dn.rand([batch, 784], { seed: 9 });
  const calls = batch === 1 ? (quick ? 2000 : 5000) : quick ? 50 : 150;
  for (let i = 0; i < calls; i++) model.predict(x, { batchSize: batch });
  const trials: number[] = [];
  for (let t = 0; t < (quick ? 5 : 9); t++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) model.predict(x, { batchSize: batch });
    const seconds = (performance.now() - start) / 1000;
    trials.push(batch === 1 ? (seconds / calls) * 1e6 : (batch * calls) / seconds);
  }
  const value = median(trials);
  return batch === 1
    ? { name: 'MLP predict, batch 1', value, unit: 'µs/call', target: '<= 20', met: value <= 20, trials, threads }
    : { name: `MLP predict, batch ${batch}`, value, unit: 'samples/s', target: '>= 350,000', met: value >= 350000, trials, threads };
}

/** Tokens/s of dn.generate on the names GPT at batch 1, 1 thread: with the key/value cache, and re-running the sequence. */
function benchGenerate(): Result[] {
  dn.setNumThreads(1);
  dn.seed(5);
  const model = namesGpt();
  model.predict(dn.tensor(new Int32Array(CONTEXT).fill(BOUNDARY), [1, CONTEXT], 'int32'));
  const names = quick ? 20 : 60;
  const run = (cache: boolean): number => {
    let tokens = 0;
    const start = performance.now();
    for (let i = 0; i < names; i++) tokens += dn.generate(model, [BOUNDARY], { maxTokens: CONTEXT - 1, seed: i, cache }).length - 1;
    return tokens / ((performance.now() - start) / 1000);
  };
  // Warm both paths up (the JIT), then alternate them, so that a burst of load hits both alike.
  for (let i = 0; i < 3; i++) [true, false].forEach(run);
  const cached: number[] = [];
  const rerun: number[] = [];
  for (let t = 0; t < (quick ? 3 : 7); t++) {
    cached.push(run(true));
    rerun.push(run(false));
  }
  const value = median(cached);
  return [
    { name: 'names GPT dn.generate, batch 1, key/value cache', value, unit: 'tokens/s', target: '>= 2,000', met: value >= 2000, trials: cached, threads: 1 },
    { name: 'names GPT dn.generate, batch 1, re-running the sequence (cache: false)', value: median(rerun), unit: 'tokens/s', target: '(reported)', met: true, trials: rerun, threads: 1 },
  ];
}

/** Native seconds of the nine GEMM calls of one MLP training step (forward, dW, dX), at `threads`. */
function kernelFloor(threads: number): number {
  const layers = [[784, 256], [256, 128], [128, 10]];
  const reps = quick ? 10 : 30;
  let seconds = 0;
  layers.forEach(([inputs, outputs], i) => {
    seconds += binding.benchSgemm(false, false, 128, outputs, inputs, threads, reps);
    seconds += binding.benchSgemm(true, false, inputs, outputs, 128, threads, reps);
    if (i > 0) seconds += binding.benchSgemm(false, true, 128, inputs, outputs, threads, reps);
  });
  return seconds;
}

/** Native seconds of the three forward GEMM calls of the MLP at a batch size. */
function forwardFloor(batch: number, threads: number): number {
  const reps = batch === 1 ? 200 : quick ? 10 : 30;
  return [[784, 256], [256, 128], [128, 10]].reduce((sum, [inputs, outputs]) => sum + binding.benchSgemm(false, false, batch, outputs, inputs, threads, reps), 0);
}

if (process.argv.includes('--pinned-child')) {
  // The pinned child (see bench/pinned.ts): the multi-threaded rows again on one CPU, where the pool
  // has no workers; the 1-thread rows would only repeat themselves.
  const pinnedResults = [...await benchFit(), benchPredict(256, allThreads)];
  console.log(JSON.stringify({ results: pinnedResults, probe: probes()[0] }));
  process.exit(0);
}

const before = probes();
const results: Result[] = [...await benchFit(), benchTiny(), benchPredict(1, 1), benchPredict(256, allThreads), ...benchGenerate()];
const pinned = runPinned<{ results: Result[]; probe: Probe }>(import.meta.url, ['--pinned-child', ...(quick ? ['--quick'] : [])]);
const floorSeconds = kernelFloor(allThreads);
const predictFloor1 = forwardFloor(1, 1);
const predictFloor256 = forwardFloor(256, allThreads);
const after = probes();
dn.setNumThreads(allThreads);

const format = (r: Result): string => (r.unit === 'µs/call' ? r.value.toFixed(1) : Math.round(r.value).toLocaleString('en-US'));
console.log(`Dendrite ${dn.backendInfo().version}, ISA ${dn.backendInfo().isa}, ${allThreads} threads by default${quick ? ' (quick run)' : ''}`);
console.log('');
console.log('| benchmark | threads | median | unit | target | met | trials |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.threads} | ${format(r)} | ${r.unit} | ${r.target} | ${r.met ? 'yes' : 'NO'} | ${r.trials.length} |`);
}
for (const r of pinned?.results ?? []) {
  console.log(`| ${r.name} | 1 CPU (taskset -c 0) | ${format(r)} | ${r.unit} | ${r.target} | ${r.met ? 'yes' : 'NO'} | ${r.trials.length} |`);
}
if (pinned === null) console.log('(1 CPU rows skipped: taskset is not available here)');
console.log('');
console.log(`Kernel floor of one MLP training step (9 GEMM calls, native, ${allThreads} threads): ${(floorSeconds * 1e3).toFixed(3)} ms` +
  ` = ${Math.round(128 / floorSeconds).toLocaleString('en-US')} samples/s if nothing else took time`);
console.log(`Kernel floor of predict (3 forward GEMM calls, native): batch 1 on 1 thread ${(predictFloor1 * 1e6).toFixed(1)} µs;` +
  ` batch 256 on ${allThreads} threads ${(predictFloor256 * 1e6).toFixed(0)} µs = ${Math.round(256 / predictFloor256).toLocaleString('en-US')} samples/s`);
console.log('');
console.log('Machine probes (before / after):');
for (const [label, list] of [['before', before], ['after', after]] as const) {
  for (const p of list) {
    console.log(`  ${label} ${p.threads} thread(s): FMA ${p.fmaGflops.toFixed(0)} GFLOP/s (${p.isa}), triad ${p.triadGbps.toFixed(1)} GB/s${p.loaded ? '  <- below the known figure: the machine was loaded' : ''}`);
  }
}
if (pinned !== null) {
  console.log(`  1 CPU (taskset -c 0): FMA ${pinned.probe.fmaGflops.toFixed(0)} GFLOP/s, triad ${pinned.probe.triadGbps.toFixed(1)} GB/s${pinned.probe.loaded ? '  <- below the known figure' : ''}`);
}
if ([...before, ...after].some((p) => p.loaded)) {
  console.log('NOTE: a probe was well below the machine\'s known figures (174 GFLOP/s per core, 13 GB/s): other work shared the cores, and the figures above are low.');
}

publishResults('models', {
  date: new Date(startedAt).toISOString(), seconds: (Date.now() - startedAt) / 1000, quick, backend: dn.backendInfo(),
  results, pinnedResults: pinned?.results ?? null, pinnedProbe: pinned?.probe ?? null, functionalIdentical, kernelFloorSeconds: floorSeconds, predictKernelFloorSeconds: { batch1: predictFloor1, batch256: predictFloor256 }, probes: { before, after },
});
