/**
 * Elementwise kernel throughput through the raw binding: every unary op forward (`unary`) and backward
 * (`unaryGrad`), the binary ops (same shape, and broadcast), and `affine`, on 16 M floats (64 MiB per
 * array, far past the caches), on the kernel table in use. The kernels take no thread pool, so each call
 * runs on one thread. Each row is the median of a few calls after a warm-up call, in GB/s counting every
 * byte the kernel must read and write once (write-allocate traffic is not counted, as in STREAM), and as
 * a fraction of the triad bandwidth a[i] = b[i] + s*c[i] measured in the same run (the median of probes at
 * the start, middle and end, as other processes on a shared machine move both).
 *
 * Rows with threads = 2 answer what a thread-pool split would give: two worker threads, each with its own
 * addon instance, run the same kernel at the same time on the two halves of shared buffers; GB/s is all
 * bytes of both over the slower worker's time.
 *
 * bench/kernels.ts imports benchElementwise and prints its rows; run alone with
 * `npx tsx bench/kernels-elementwise.ts [--quick]`.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { binding, packageRoot } from '../lib/native.js';

export interface Row {
  kernel: string;
  shape: string;
  threads: number;
  seconds: number;
  gbps: number;
  /** gbps over the same run's single-thread triad bandwidth. */
  fractionOfTriad?: number;
}

const COUNT = 16 * 1024 * 1024;

/** The forward values each gradient reads (the bench passes only those, so only those are counted). */
const gradientInputs: Record<string, 'none' | 'x' | 'y'> = {
  linear: 'none', neg: 'none', relu: 'x', leakyRelu: 'x', elu: 'x', sigmoid: 'y', tanh: 'y', exp: 'y', sqrt: 'y',
  log: 'x', abs: 'x', square: 'x', softplus: 'x', silu: 'x', gelu: 'x', geluTanh: 'x',
  selu: 'x', softsign: 'x', hardSigmoid: 'y', hardSwish: 'x', relu6: 'x', mish: 'x',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median seconds of `reps` calls, after one untimed call (page faults, caches, frequency). */
function time(reps: number, call: () => void): number {
  call();
  const seconds: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    call();
    seconds.push((performance.now() - start) / 1000);
  }
  return median(seconds);
}

/**
 * Times the elementwise kernels. `quick` times a representative subset with fewer repetitions.
 * `triadGbps` (single-thread triad GB/s) may be passed by a caller that already measured it;
 * otherwise it is measured here with the binding's triad probe when the build has one.
 */
export async function benchElementwise(options: { quick: boolean; triadGbps?: number }): Promise<Row[]> {
  const reps = options.quick ? 3 : 7;
  const probe = (binding as { benchTriad?: (threads: number, megabytes: number) => number }).benchTriad;
  const triadProbes: number[] = [];
  const probeTriad = () => {
    if (options.triadGbps === undefined && probe) triadProbes.push(probe.call(binding, 1, 64));
  };
  probeTriad();
  const unary = binding.opCodes.unary;
  const binary = binding.opCodes.binary;

  // Inputs in (0.5, 2.5): inside every op's domain (log, sqrt), away from 0 so no op takes a shortcut.
  const x = new Float32Array(COUNT);
  for (let i = 0; i < COUNT; i++) x[i] = 0.5 + ((i * 2654435761) % 2000) / 1000;
  const y = new Float32Array(COUNT);
  const dy = new Float32Array(COUNT).fill(0.25);
  const dx = new Float32Array(COUNT);
  const shape = `[${COUNT}]`;
  const rows: Row[] = [];
  const add = (kernel: string, rowShape: string, bytes: number, call: () => void) => {
    const seconds = time(reps, call);
    rows.push({ kernel, shape: rowShape, threads: 1, seconds, gbps: bytes / seconds / 1e9 });
  };

  const names = options.quick ? ['relu', 'sigmoid', 'gelu', 'exp'] : Object.keys(unary);
  for (const name of names) {
    add(`unary ${name}`, shape, 8 * COUNT, () => binding.unary(unary[name], 0.1, x, y, COUNT));
    binding.unary(unary[name], 0.1, x, y, COUNT);
    const needs = gradientInputs[name];
    const reads = needs === 'none' ? 1 : 2;
    add(`unaryGrad ${name}`, shape, 4 * (reads + 1) * COUNT, () =>
      binding.unaryGrad(unary[name], 0.1, needs === 'x' ? x : null, needs === 'y' ? y : null, dy, dx, COUNT));
  }

  probeTriad();
  const layout = (dims: number[], aStrides: number[], bStrides: number[]) =>
    Float64Array.from([dims.length, ...dims, ...aStrides, ...bStrides]);
  const same = layout([COUNT], [1], [1]);
  const binaryNames = options.quick ? ['add', 'mul'] : Object.keys(binary);
  for (const name of binaryNames) {
    add(`binary ${name}`, `${shape} ${name} ${shape}`, 12 * COUNT, () => binding.binary(binary[name], x, dy, y, same));
  }
  const side = 4096;
  const row = x.subarray(0, side);
  add('binary add (row broadcast)', `[${side}, ${side}] + [${side}]`, 8 * COUNT + 4 * side, () =>
    binding.binary(binary.add, x, row, y, layout([side, side], [side, 1], [0, 1])));
  add('binary mul (column broadcast)', `[${side}, ${side}] * [${side}, 1]`, 8 * COUNT + 4 * side, () =>
    binding.binary(binary.mul, x, row, y, layout([side, side], [side, 1], [1, 0])));
  add('binary mul (scalar)', `${shape} * []`, 8 * COUNT + 4, () =>
    binding.binary(binary.mul, x, row, y, layout([COUNT], [1], [0])));
  add('affine', shape, 8 * COUNT, () => binding.affine(x, 1.5, -0.25, y, COUNT));

  const split = options.quick ? ['relu', 'gelu'] : ['relu', 'gelu', 'sigmoid', 'softplus'];
  rows.push(...(await twoWorkerRows(split, reps)));
  probeTriad();
  const triad = options.triadGbps ?? (triadProbes.length > 0 ? median(triadProbes) : undefined);
  return triad === undefined ? rows : rows.map((row) => ({ ...row, fractionOfTriad: row.gbps / triad }));
}

// Each worker loads the addon the way lib/native.ts does and runs `reps` calls on its half.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const load = createRequire(path.join(workerData.root, 'package.json'));
const binding = process.env.DENDRITE_BINARY ? load(path.resolve(process.env.DENDRITE_BINARY)) : load('node-gyp-build')(workerData.root);
binding.setIsa(workerData.isa);
const { begin, end } = workerData;
const view = (buffer) => new Float32Array(buffer, begin * 4, end - begin);
const x = view(workerData.x), y = view(workerData.y), dy = view(workerData.dy), dx = view(workerData.dx);
const n = end - begin;
parentPort.on('message', ({ kind, op, reps }) => {
  const call = kind === 'unary' ? () => binding.unary(op, 0.1, x, y, n) : () => binding.unaryGrad(op, 0.1, null, y, dy, dx, n);
  call();
  const start = performance.now();
  for (let r = 0; r < reps; r++) call();
  parentPort.postMessage((performance.now() - start) / 1000 / reps);
});
parentPort.postMessage('ready');
`;

async function twoWorkerRows(names: string[], reps: number): Promise<Row[]> {
  const shared = () => new SharedArrayBuffer(4 * COUNT);
  const buffers = { x: shared(), y: shared(), dy: shared(), dx: shared() };
  const x = new Float32Array(buffers.x);
  for (let i = 0; i < COUNT; i++) x[i] = 0.5 + ((i * 2654435761) % 2000) / 1000;
  new Float32Array(buffers.dy).fill(0.25);
  const isa = binding.backendInfo().isa;
  const halves = [[0, COUNT / 2], [COUNT / 2, COUNT]];
  const workers = halves.map(([begin, end]) =>
    new Worker(workerSource, { eval: true, workerData: { root: packageRoot, isa, begin, end, ...buffers } }));
  const next = (worker: Worker) => new Promise<unknown>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    await Promise.all(workers.map(next));
    const rows: Row[] = [];
    const unary = binding.opCodes.unary;
    for (const name of names) {
      // The backward row reads y and dy: sigmoid-style ops; x-reading ones are covered by the forward.
      const jobs: Array<['unary' | 'unaryGrad', number]> = [['unary', 8]];
      if (name === 'sigmoid') jobs.push(['unaryGrad', 12]);
      for (const [kind, bytesPerElement] of jobs) {
        const done = workers.map(next);
        for (const worker of workers) worker.postMessage({ kind, op: unary[name], reps });
        const seconds = Math.max(...((await Promise.all(done)) as number[]));
        rows.push({ kernel: `${kind} ${name} (2 workers, halves)`, shape: `[${COUNT}]`, threads: 2, seconds,
          gbps: (bytesPerElement * COUNT) / seconds / 1e9 });
      }
    }
    return rows;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const info = binding.backendInfo();
  const rows = await benchElementwise({ quick });
  console.log(`elementwise kernels, isa ${info.isa}, 1 thread per call, ${COUNT} floats`);
  for (const r of rows) {
    const fraction = r.fractionOfTriad === undefined ? '' : `  ${(100 * r.fractionOfTriad).toFixed(0).padStart(4)}% of triad`;
    console.log(`${r.kernel.padEnd(32)} ${r.shape.padEnd(34)} ${(r.seconds * 1e3).toFixed(2).padStart(8)} ms ${r.gbps.toFixed(2).padStart(7)} GB/s${fraction}`);
  }
}
