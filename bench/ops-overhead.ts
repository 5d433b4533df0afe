/**
 * What the TypeScript layer adds on top of the kernels (issue 4's performance targets):
 *
 *  1. one op on a tiny 1x16 tensor, including validation, the native call and the output's
 *     allocation (target <= 2 us);
 *  2. forward + backward of a 2-16-1 network written with raw ops (target <= 30 us);
 *  3. a large elementwise op writing into a reused output (`out`), against the same kernel called
 *     directly through the raw binding (target: within 10 %);
 *  4. fresh outputs against `{ out }` (issue 14): matmul 64^3, 256^3 and 1024^3 and an elementwise
 *     chain `x.mul(2).add(1).relu()` on 1 Mi floats, each making a new result per call against the same
 *     op writing into reused tensors; unpinned, and pinned to one CPU (`taskset -c 0`, as in a
 *     one-CPU container) in a child process of this bench, when `taskset` exists. Targets: fresh >= 90 %
 *     of `{ out }` at 256^3 and >= 80 % at 64^3, pinned. Both forms are timed in a loop's steady state,
 *     after 96 MiB of results each; the warm-up's own cost per call (fresh pages until the first
 *     collections) is printed beside them;
 *  5. a custom training loop of the 784-256-128-10 MLP written with tensor ops, `backward` and
 *     `optimizer.step`, against the same network's `model.fit`, unpinned and pinned (target >= 70 %);
 *  6. conv2d in channelsFirst against channelsLast (issue 12): the same 3x3 'same' convolution
 *     [32, 28, 28, 32] -> 64 (batch 8 with --quick) through `dn.conv2d`, NHWC input and HWIO filter
 *     against NCHW input and OIHW filter (transposed to NHWC at the boundary; the output is an NCHW
 *     view of the NHWC result), and the NCHW output made contiguous, as a consumer that is not a
 *     channelsFirst op would read it.
 *
 * Each figure is the median of several timed batches, as wall-clock time (what the targets are
 * about) and as the process's CPU time per call (less sensitive to other processes; above the wall
 * time when a kernel uses the thread pool). The machine is shared: beside the figures the bench
 * prints a same-run probe (FMA peak, triad bandwidth); a probe far below the machine's usual
 * 174 GFLOP/s means the run was loaded. Results go to bench/results/ops-overhead.json with `-- --write`.
 *
 * Run with `npm run bench:ops` (`--quick` for fewer repetitions; `--fresh-only` for parts 4 and 5 alone).
 */
import { performance } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';
import { runPinned } from './pinned.js';
import { publishResults } from './results.js';

const quick = process.argv.includes('--quick');
const BATCHES = quick ? 5 : 15;
// Parts 4 and 5 alone: what the pinned child runs (it prints its rows as one JSON line for the parent).
const freshOnly = process.argv.includes('--fresh-only');
const freshChild = process.argv.includes('--fresh-child');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Timing {
  /** Median wall-clock seconds per call. */
  wall: number;
  /** Median CPU seconds per call (all threads of the process): less sensitive to other processes. */
  cpu: number;
}

/** Median seconds per call of `call`, over BATCHES batches of `perBatch` calls after a warm-up. */
function timePerCall(perBatch: number, call: () => unknown): Timing {
  for (let i = 0; i < perBatch; i++) call();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) call();
    wall.push((performance.now() - start) / 1000 / perBatch);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1e6 / perBatch);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

interface Row {
  name: string;
  what: string;
  microseconds: number;
  cpuMicroseconds: number;
  target?: string;
  pass?: boolean;
}
const rows: Row[] = [];
function record(name: string, what: string, timing: Timing, targetMicroseconds?: number): void {
  const microseconds = timing.wall * 1e6;
  rows.push({
    name,
    what,
    microseconds,
    cpuMicroseconds: timing.cpu * 1e6,
    ...(targetMicroseconds === undefined ? {} : { target: `<= ${targetMicroseconds} us`, pass: microseconds <= targetMicroseconds }),
  });
}

// --- 1. Tiny ops ---------------------------------------------------------------------------------
if (!freshOnly) {
  const a = dn.randn([1, 16], { seed: 1 });
  const b = dn.randn([1, 16], { seed: 2 });
  const bias = dn.randn([16], { seed: 3 });
  const w = dn.randn([16, 16], { seed: 4 });
  const n = quick ? 20000 : 100000;
  record('add [1,16]+[1,16]', 'dn.add(a, b): checks, plan, allocation, native call', timePerCall(n, () => dn.add(a, b)), 2);
  record('a.add(b) method', 'the method form', timePerCall(n, () => a.add(b)), 2);
  record('add [1,16]+[16] (broadcast)', 'cached broadcast layout', timePerCall(n, () => dn.add(a, bias)), 2);
  record('mul by a number', 'a.mul(2)', timePerCall(n, () => a.mul(2)), 2);
  record('relu [1,16]', 'unary kernel', timePerCall(n, () => dn.relu(a)), 2);
  record('exp [1,16]', 'unary kernel', timePerCall(n, () => dn.exp(a)), 2);
  record('sum [1,16]', 'reduce kernel, all axes', timePerCall(n, () => dn.sum(a)), 2);
  record('softmax [1,16]', 'softmax kernel', timePerCall(n, () => dn.softmax(a)), 2);
  record('matmul [1,16]x[16,16]', 'sgemm kernel', timePerCall(n, () => dn.matmul(a, w)), 2);
  const x = dn.randn([1, 16], { seed: 5, requiresGrad: true });
  record('add, recording grad', 'dn.add(x, b) with x.requiresGrad: + graph node', timePerCall(n, () => dn.add(x, b)), 2);
  const raw = new Float32Array(16);
  const layout = new Float64Array([1, 16, 1, 1]);
  const add = binding.opCodes.binary.add;
  record('raw binding.binary [16]', 'the native call alone, no allocation (reference)', timePerCall(n, () =>
    binding.binary!(add, a.storage as Float32Array, b.storage as Float32Array, raw, layout)));
}

// --- 2. A 2-16-1 network with raw ops --------------------------------------------------------------
if (!freshOnly) {
  const x = dn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const t = dn.tensor([[0], [1], [1], [0]]);
  const w1 = dn.randn([2, 16], { seed: 1, std: 0.5, requiresGrad: true });
  const b1 = dn.zeros([16], { requiresGrad: true });
  const w2 = dn.randn([16, 1], { seed: 2, std: 0.5, requiresGrad: true });
  const b2 = dn.zeros([1], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  const step = () => {
    const h = x.matmul(w1).add(b1).relu();
    const y = h.matmul(w2).add(b2);
    const loss = y.sub(t).square().mean();
    for (const p of params) p.zeroGrad();
    loss.backward();
    return loss;
  };
  const n = quick ? 3000 : 20000;
  record('2-16-1 net forward+backward', 'batch 4: matmul, add, relu, matmul, add, sub, square, mean; backward', timePerCall(n, step), 30);
  const lr = 0.1;
  const withUpdate = () => {
    const loss = step();
    dn.noGrad(() => {
      for (const p of params) p.sub(p.grad!.mul(lr), { out: p });
    });
    return loss;
  };
  record('2-16-1 net training step', 'the same plus an SGD update written with ops', timePerCall(n, withUpdate));
  const forwardOnly = () => dn.noGrad(() => x.matmul(w1).add(b1).relu().matmul(w2).add(b2));
  record('2-16-1 net forward (noGrad)', 'inference with raw ops', timePerCall(n, forwardOnly));
}

// --- 3. Large elementwise op into a reused output -----------------------------------------------
const large: Array<{ name: string; opSeconds: number; rawSeconds: number; gbps: number; ratio: number; cpuRatio: number }> = [];
if (!freshOnly) {
  const count = 16 * 1024 * 1024;
  const a = dn.rand([count], { seed: 1, low: 0.5, high: 2.5 });
  const b = dn.rand([count], { seed: 2, low: 0.5, high: 2.5 });
  const out = dn.zeros([count]);
  const as = a.storage as Float32Array;
  const bs = b.storage as Float32Array;
  const os = out.storage as Float32Array;
  const reps = quick ? 9 : 31;
  const timeOnce = (call: () => unknown): Timing => {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    call();
    const wall = (performance.now() - start) / 1000;
    const used = process.cpuUsage(startCpu);
    return { wall, cpu: (used.user + used.system) / 1e6 };
  };
  const layout = new Float64Array([1, count, 1, 1]);
  const codes = binding.opCodes;
  // Interleave op and raw timings so a load change on the shared machine hits both alike.
  const pairs: Array<[string, number, () => unknown, () => unknown]> = [
    ['add (out)', 12, () => dn.add(a, b, { out }), () => binding.binary!(codes.binary.add, as, bs, os, layout)],
    ['mul (out)', 12, () => a.mul(b, { out }), () => binding.binary!(codes.binary.mul, as, bs, os, layout)],
    ['relu (out)', 8, () => dn.relu(a, { out }), () => binding.unary!(codes.unary.relu, 0, as, os, count)],
    ['exp (out)', 8, () => dn.exp(a, { out }), () => binding.unary!(codes.unary.exp, 0, as, os, count)],
  ];
  for (const [name, bytesPerElement, op, raw] of pairs) {
    op();
    raw();
    const opSamples: Timing[] = [];
    const rawSamples: Timing[] = [];
    for (let r = 0; r < reps; r++) {
      // Alternate op and raw call by call, so a change of load hits both alike.
      opSamples.push(timeOnce(op));
      rawSamples.push(timeOnce(raw));
    }
    const opSeconds = median(opSamples.map((t) => t.wall));
    const rawSeconds = median(rawSamples.map((t) => t.wall));
    const cpuRatio = median(opSamples.map((t) => t.cpu)) / median(rawSamples.map((t) => t.cpu));
    large.push({ name, opSeconds, rawSeconds, gbps: (bytesPerElement * count) / opSeconds / 1e9, ratio: opSeconds / rawSeconds, cpuRatio });
  }
}

// --- 4. Fresh outputs against { out } ------------------------------------------------------------
interface FreshRow {
  name: string;
  /** Median wall and CPU seconds per call, making a new result each call. */
  fresh: Timing;
  /** The same op writing into reused tensors. */
  out: Timing;
  /**
   * CPU seconds per call of the fresh form's warm-up: its first WARM_BYTES of results, made before the
   * process's first collections have freed blocks for the allocator to hand back (fresh pages then).
   */
  warmUpCpu: number;
  /** GFLOP/s of the fresh form (matmul rows), from its wall time. */
  gflops?: number;
  /** The fresh form's speed as a fraction of the `{ out }` form's (CPU time: less sensitive to other processes). */
  ratio: number;
  target?: number;
}

/** The median wall and CPU times of a list of timings. */
function medianOf(list: Timing[]): Timing {
  return { wall: median(list.map((t) => t.wall)), cpu: median(list.map((t) => t.cpu)) };
}

// Fresh results are timed in the steady state of a loop. Until V8's first collections free dead
// results, each new one is memory the process has never touched: every page of it faults in (on this
// virtual machine ~15 us a page, so ~60 us for a 16 KiB result) and the allocator's cache has nothing to
// hand back yet. V8 collects young garbage after a few tens of MiB of results, so each form first makes
// WARM_BYTES of results; that warm-up's cost per call is reported beside the steady figures.
const WARM_BYTES = 96 * 2 ** 20;

/**
 * Median timings of `fresh` and `out` (each making `bytes` of result per call), alternating batch by
 * batch so a change of load hits both alike, after a warm-up of WARM_BYTES of results each.
 */
function compareForms(perBatch: number, bytes: number, fresh: () => unknown, out: () => unknown): { fresh: Timing; out: Timing; warmUpCpu: number } {
  const samples = { fresh: [] as Timing[], out: [] as Timing[] };
  const batch = (call: () => unknown, calls = perBatch): Timing => {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < calls; i++) call();
    const used = process.cpuUsage(startCpu);
    return { wall: (performance.now() - start) / 1000 / calls, cpu: (used.user + used.system) / 1e6 / calls };
  };
  const warmCalls = Math.max(perBatch, Math.ceil(WARM_BYTES / bytes));
  const warmUpCpu = batch(fresh, warmCalls).cpu;
  batch(out, warmCalls);
  for (let b = 0; b < BATCHES; b++) {
    samples.fresh.push(batch(fresh));
    samples.out.push(batch(out));
  }
  return { fresh: medianOf(samples.fresh), out: medianOf(samples.out), warmUpCpu };
}

function freshRows(): FreshRow[] {
  const result: FreshRow[] = [];
  const cases: Array<{ n: number; perBatch: number; target?: number }> = [
    { n: 64, perBatch: quick ? 500 : 2000, target: 0.8 },
    { n: 256, perBatch: quick ? 20 : 60, target: 0.9 },
    { n: 1024, perBatch: quick ? 1 : 2 },
  ];
  for (const { n, perBatch, target } of cases) {
    const a = dn.randn([n, n], { seed: 1 });
    const b = dn.randn([n, n], { seed: 2 });
    const out = dn.zeros([n, n]);
    const timing = compareForms(perBatch, n * n * 4, () => dn.matmul(a, b), () => dn.matmul(a, b, { out }));
    result.push({ name: `matmul ${n}^3`, ...timing, gflops: (2 * n ** 3) / timing.fresh.wall / 1e9, ratio: timing.out.cpu / timing.fresh.cpu, target });
  }
  const x = dn.randn([1 << 20], { seed: 3 });
  const out = dn.zeros([1 << 20]);
  const timing = compareForms(quick ? 10 : 40, 3 * 4 << 20, () => x.mul(2).add(1).relu(), () => dn.relu(dn.add(dn.mul(x, 2, { out }), 1, { out }), { out }));
  result.push({ name: 'x.mul(2).add(1).relu() 1 Mi', ...timing, ratio: timing.out.cpu / timing.fresh.cpu });
  return result;
}

// --- 5. A custom training loop against model.fit -----------------------------------------------
interface LoopRow {
  /** Median seconds per epoch of the custom loop and of `fit`, over the same data. */
  custom: Timing;
  fit: Timing;
  /** The custom loop's speed as a fraction of fit's (CPU time, as the fresh rows). */
  ratio: number;
  target: number;
  samples: number;
}

/**
 * The 784-256-128-10 MLP (ReLU, softmax, sparse categorical cross-entropy, Adam, batch 128) trained
 * by hand with tensor ops (matmul, add, relu, softmax, the loss, backward, optimizer.step) against the
 * same network's `model.fit`, epoch by epoch in alternation.
 */
async function customLoopRow(): Promise<LoopRow> {
  const batch = 128;
  const batches = quick ? 8 : 20;
  const samples = batch * batches;
  const dims = [784, 256, 128, 10];
  const x = dn.rand([samples, 784], { seed: 4 });
  const y = dn.randint(0, 10, [samples], { seed: 5 });
  const batchesOf = Array.from({ length: batches }, (_, i) => ({
    x: x.slice([i * batch, 0], [batch, 784]),
    y: y.slice([i * batch], [batch]),
  }));
  const variables = dims.slice(1).flatMap((units, i) => [
    { name: `kernel${i}`, value: dn.randn([dims[i], units], { seed: 10 + i, std: Math.sqrt(2 / dims[i]), requiresGrad: true }), trainable: true },
    { name: `bias${i}`, value: dn.zeros([units], { requiresGrad: true }), trainable: true },
  ]);
  const optimizer = dn.optimizers.adam();
  optimizer.build(variables);
  const customEpoch = (): void => {
    for (const b of batchesOf) {
      let h = b.x;
      for (let i = 0; i < 3; i++) {
        const z = dn.matmul(h, variables[2 * i].value).add(variables[2 * i + 1].value);
        h = i < 2 ? dn.relu(z) : dn.softmax(z);
      }
      dn.losses.sparseCategoricalCrossentropy(b.y, h).backward();
      optimizer.step();
    }
  };
  const model = dn.sequential({
    layers: dims.slice(1).map((units, i) => dn.layers.dense({ units, activation: i < 2 ? 'relu' : 'softmax' })),
  });
  model.build([null, 784]);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const fitEpoch = () => model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
  const timeEpoch = async (epoch: () => unknown): Promise<Timing> => {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await epoch();
    const used = process.cpuUsage(startCpu);
    return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
  customEpoch();
  await fitEpoch();
  const customTimes: Timing[] = [];
  const fitTimes: Timing[] = [];
  for (let b = 0; b < BATCHES; b++) {
    customTimes.push(await timeEpoch(customEpoch));
    fitTimes.push(await timeEpoch(fitEpoch));
  }
  const custom = medianOf(customTimes);
  const fit = medianOf(fitTimes);
  return { custom, fit, ratio: fit.cpu / custom.cpu, target: 0.7, samples };
}

function printLoopRow(title: string, row: LoopRow): void {
  const rate = (t: Timing) => `${Math.round(row.samples / t.wall).toLocaleString('en-US').padStart(8)} samples/s`;
  console.log(title);
  console.log(
    `  custom loop ${rate(row.custom)}, model.fit ${rate(row.fit)} (wall); custom/fit from CPU time ${row.ratio.toFixed(2)}` +
      ` (target >= ${row.target.toFixed(2)}: ${row.ratio >= row.target ? 'ok' : 'MISSED'}), from wall time ${(row.fit.wall / row.custom.wall).toFixed(2)}`,
  );
}

/** Part 4 pinned to CPU 0 in a child process (`taskset -c 0`), or null where taskset is missing or fails. */
function pinnedFreshRows(): { rows: FreshRow[]; loop: LoopRow; fmaGflops: number | undefined; threads: number } | null {
  return runPinned(import.meta.url, ['--fresh-only', '--fresh-child', ...(quick ? ['--quick'] : [])]);
}

function printFreshRows(title: string, list: readonly FreshRow[]): void {
  console.log(title);
  console.log(`  ${'median per call'.padEnd(30)} ${'fresh wall'.padStart(12)} ${'fresh cpu'.padStart(12)} ${'out wall'.padStart(12)} ${'out cpu'.padStart(12)}   fresh/out speed`);
  for (const r of list) {
    const us = (seconds: number) => `${(seconds * 1e6).toFixed(1).padStart(9)} us`;
    const verdict = r.target === undefined ? '' : ` (target >= ${r.target.toFixed(2)}: ${r.ratio >= r.target ? 'ok' : 'MISSED'})`;
    const rate = r.gflops === undefined ? '' : `, fresh ${r.gflops.toFixed(0)} GFLOP/s`;
    console.log(`  ${r.name.padEnd(30)} ${us(r.fresh.wall)} ${us(r.fresh.cpu)} ${us(r.out.wall)} ${us(r.out.cpu)}   ${r.ratio.toFixed(2)}${verdict}${rate}`);
  }
  const warm = list.map((r) => `${r.name} ${(r.warmUpCpu * 1e6).toFixed(0)} us`).join(', ');
  console.log(`  warm-up (the first ${WARM_BYTES / 2 ** 20} MiB of fresh results, CPU per call): ${warm}`);
}

const fresh = freshRows();
const loop = await customLoopRow();

// --- 6. conv2d channelsFirst against channelsLast -------------------------------------------------
interface LayoutRow {
  name: string;
  /** Median wall and CPU seconds per call. */
  last: Timing;
  first: Timing;
  /** channelsFirst's speed as a fraction of channelsLast's (CPU time). */
  ratio: number;
}

function layoutRows(): LayoutRow[] {
  const [n, h, w, c, o] = [quick ? 8 : 32, 28, 28, 32, 64];
  const x = dn.randn([n, h, w, c], { seed: 4 });
  const filter = dn.randn([3, 3, c, o], { seed: 5 }).mul(0.1);
  const xFirst = x.permute([0, 3, 1, 2]).contiguous();
  const filterFirst = filter.permute([3, 2, 0, 1]).contiguous();
  const perBatch = quick ? 4 : 8;
  const name = `conv2d 3x3 [${n},28,28,32]->64`;
  const bytes = n * h * w * o * 4;
  const op = compareForms(perBatch, bytes, () => dn.conv2d(xFirst, filterFirst, { padding: 'same', dataFormat: 'channelsFirst' }), () => dn.conv2d(x, filter, { padding: 'same' }));
  const read = compareForms(
    perBatch,
    2 * bytes,
    () => dn.conv2d(xFirst, filterFirst, { padding: 'same', dataFormat: 'channelsFirst' }).contiguous(),
    () => dn.conv2d(x, filter, { padding: 'same' }).contiguous(),
  );
  return [
    { name, first: op.fresh, last: op.out, ratio: op.out.cpu / op.fresh.cpu },
    { name: `${name}, contiguous`, first: read.fresh, last: read.out, ratio: read.out.cpu / read.fresh.cpu },
  ];
}

const layouts = freshOnly ? [] : layoutRows();

// --- Probes and report ----------------------------------------------------------------------------
const probes = binding as unknown as {
  benchFmaPeak?: (threads: number, seconds: number) => { gflops: number; isa: string };
  benchTriad?: (threads: number, megabytes: number) => number;
};
const fma = probes.benchFmaPeak?.(1, 0.2);
const triad = probes.benchTriad?.(1, 64);
const info = dn.backendInfo();

if (freshChild) {
  // The pinned child: its rows and probe as the last line of its output, for the parent to print.
  console.log(JSON.stringify({ rows: fresh, loop, fmaGflops: fma?.gflops, threads: info.threads }));
  process.exit(0);
}
const pinned = pinnedFreshRows();

console.log(`ops overhead — isa ${info.isa}, ${info.threads} threads, Node ${process.version}${quick ? ' (quick)' : ''}`);
console.log(
  `probe: FMA peak ${fma ? `${fma.gflops.toFixed(0)} GFLOP/s (${fma.isa}, 1 thread; ~174 when idle)` : 'n/a'}, triad ${triad ? `${triad.toFixed(1)} GB/s (1 thread)` : 'n/a'}`,
);
if (!freshOnly) printOverheadRows();

function printOverheadRows(): void {
  console.log('');
  console.log(`${'median per call'.padEnd(30)} ${'wall'.padStart(11)} ${'cpu'.padStart(11)}   target`);
  for (const row of rows) {
    const verdict = row.target ? `  ${row.target.padEnd(10)} ${row.pass ? 'ok' : 'MISSED'}` : ''.padEnd(15);
    console.log(
      `${row.name.padEnd(30)} ${row.microseconds.toFixed(2).padStart(8)} us ${row.cpuMicroseconds.toFixed(2).padStart(8)} us${verdict}   ${row.what}`,
    );
  }
  console.log('');
  console.log('large elementwise op into a reused output, 16 Mi floats (op vs the raw kernel call, target within 10 %):');
  for (const l of large) {
    console.log(
      `${l.name.padEnd(12)} op ${(l.opSeconds * 1e3).toFixed(2).padStart(7)} ms  raw ${(l.rawSeconds * 1e3).toFixed(2).padStart(7)} ms  ` +
        `${l.gbps.toFixed(1).padStart(5)} GB/s  op/raw wall ${l.ratio.toFixed(3)} ${l.ratio <= 1.1 ? 'ok' : 'MISSED'}, cpu ${l.cpuRatio.toFixed(3)}`,
    );
  }
}

if (!freshOnly) {
  console.log('');
  console.log('conv2d, channelsFirst (NCHW in, transposed to NHWC at the boundary) against channelsLast; speed ratio from CPU time:');
  console.log(`  ${'median per call'.padEnd(38)} ${'last wall'.padStart(12)} ${'last cpu'.padStart(12)} ${'first wall'.padStart(12)} ${'first cpu'.padStart(12)}   first/last speed`);
  for (const r of layouts) {
    const ms = (seconds: number) => `${(seconds * 1e3).toFixed(2).padStart(9)} ms`;
    console.log(`  ${r.name.padEnd(38)} ${ms(r.last.wall)} ${ms(r.last.cpu)} ${ms(r.first.wall)} ${ms(r.first.cpu)}   ${r.ratio.toFixed(2)}`);
  }
}

console.log('');
printFreshRows(`fresh outputs against { out }, unpinned (${info.threads} threads); speed ratio from CPU time:`, fresh);
if (pinned === null) {
  console.log('pinned to one CPU: skipped (no taskset here)');
} else {
  printFreshRows(
    `fresh outputs against { out }, pinned to one CPU (taskset -c 0, ${pinned.threads} thread; probe there: FMA ${pinned.fmaGflops?.toFixed(0) ?? 'n/a'} GFLOP/s):`,
    pinned.rows,
  );
}
console.log('');
printLoopRow(`custom training loop of the 784 MLP against model.fit, unpinned (${info.threads} threads):`, loop);
if (pinned !== null) printLoopRow('the same, pinned to one CPU (taskset -c 0):', pinned.loop);

if (!freshOnly) {
  publishResults('ops-overhead', {
    date: new Date().toISOString(), isa: info.isa, threads: info.threads, node: process.version, quick,
    probe: { fmaGflops: fma?.gflops, triadGbps: triad }, rows, large, fresh, freshPinned: pinned, customLoop: loop, layouts,
  });
}
