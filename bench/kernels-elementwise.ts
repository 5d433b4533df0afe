/**
 * Elementwise kernel throughput through the raw binding: every unary op forward (`unary`) and backward
 * (`unaryGrad`), the binary ops (same shape, and broadcast), and `affine`, on 16 M floats (64 MiB per
 * array, far past the caches), on the kernel table in use: every one on one thread, then a selection split
 * over the thread pool at its default size, as op calls of more than 2^16 elements are. Each row is the median of a few calls after a warm-up call, in GB/s counting every
 * byte the kernel must read and write once (write-allocate traffic is not counted, as in STREAM), and as
 * a fraction of the triad bandwidth a[i] = b[i] + s*c[i] at the same thread count, measured in the same run
 * (the median of probes at the start, middle and end, as other processes on a shared machine move both).
 * Targets (issue 14): on 2 threads >= 80 % of the two-core triad; gelu, log and pow >= 70 % on one thread.
 *
 * bench/kernels.ts imports benchElementwise and prints its rows; run alone with
 * `npx tsx bench/kernels-elementwise.ts [--quick]`.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { binding } from '../lib/native.js';

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
 * `triadGbps` (triad GB/s by thread count) may be passed by a caller that already measured it;
 * otherwise it is measured here with the binding's triad probe when the build has one.
 */
export async function benchElementwise(options: { quick: boolean; triadGbps?: Partial<Record<number, number>> }): Promise<Row[]> {
  const reps = options.quick ? 3 : 7;
  const probe = (binding as { benchTriad?: (threads: number, megabytes: number) => number }).benchTriad;
  const poolThreads = binding.backendInfo().defaultThreads;
  const threadCounts = [...new Set([1, poolThreads])];
  const triadProbes = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
  const probeTriad = () => {
    for (const t of threadCounts) {
      if (options.triadGbps?.[t] === undefined && probe) triadProbes.get(t)!.push(probe.call(binding, t, 64));
    }
  };
  probeTriad();
  const unary = binding.opCodes.unary;
  const binary = binding.opCodes.binary;
  const restoreThreads = binding.backendInfo().threads;

  // Inputs in (0.5, 2.5): inside every op's domain (log, sqrt), away from 0 so no op takes a shortcut.
  const x = new Float32Array(COUNT);
  for (let i = 0; i < COUNT; i++) x[i] = 0.5 + ((i * 2654435761) % 2000) / 1000;
  const y = new Float32Array(COUNT);
  const dy = new Float32Array(COUNT).fill(0.25);
  const dx = new Float32Array(COUNT);
  const shape = `[${COUNT}]`;
  const rows: Row[] = [];
  let threads = 1;
  const add = (kernel: string, rowShape: string, bytes: number, call: () => void) => {
    const seconds = time(reps, call);
    rows.push({ kernel, shape: rowShape, threads, seconds, gbps: bytes / seconds / 1e9 });
  };
  const layout = (dims: number[], aStrides: number[], bStrides: number[]) =>
    Float64Array.from([dims.length, ...dims, ...aStrides, ...bStrides]);
  const same = layout([COUNT], [1], [1]);
  const unaryRows = (name: string, withGradient: boolean) => {
    add(`unary ${name}`, shape, 8 * COUNT, () => binding.unary(unary[name], 0.1, x, y, COUNT));
    if (!withGradient) return;
    binding.unary(unary[name], 0.1, x, y, COUNT);
    const needs = gradientInputs[name];
    const reads = needs === 'none' ? 1 : 2;
    add(`unaryGrad ${name}`, shape, 4 * (reads + 1) * COUNT, () =>
      binding.unaryGrad(unary[name], 0.1, needs === 'x' ? x : null, needs === 'y' ? y : null, dy, dx, COUNT));
  };
  const binaryRow = (name: string) =>
    add(`binary ${name}`, `${shape} ${name} ${shape}`, 12 * COUNT, () => binding.binary(binary[name], x, dy, y, same));

  try {
    binding.setNumThreads(1);
    for (const name of options.quick ? ['relu', 'sigmoid', 'gelu', 'exp'] : Object.keys(unary)) unaryRows(name, true);
    probeTriad();
    for (const name of options.quick ? ['add', 'mul', 'pow'] : Object.keys(binary)) binaryRow(name);
    const side = 4096;
    const row = x.subarray(0, side);
    add('binary add (row broadcast)', `[${side}, ${side}] + [${side}]`, 8 * COUNT + 4 * side, () =>
      binding.binary(binary.add, x, row, y, layout([side, side], [side, 1], [0, 1])));
    add('binary mul (column broadcast)', `[${side}, ${side}] * [${side}, 1]`, 8 * COUNT + 4 * side, () =>
      binding.binary(binary.mul, x, row, y, layout([side, side], [side, 1], [1, 0])));
    add('binary mul (scalar)', `${shape} * []`, 8 * COUNT + 4, () =>
      binding.binary(binary.mul, x, row, y, layout([COUNT], [1], [0])));
    add('affine', shape, 8 * COUNT, () => binding.affine(x, 1.5, -0.25, y, COUNT));

    // The same calls split over the thread pool (as every op call above 2^16 elements is).
    if (poolThreads > 1) {
      threads = poolThreads;
      binding.setNumThreads(poolThreads);
      for (const name of options.quick ? ['relu', 'gelu'] : ['relu', 'gelu', 'log', 'sigmoid', 'softplus']) unaryRows(name, name === 'sigmoid');
      for (const name of ['add', 'pow']) binaryRow(name);
      add('affine', shape, 8 * COUNT, () => binding.affine(x, 1.5, -0.25, y, COUNT));
    }
    probeTriad();
  } finally {
    binding.setNumThreads(restoreThreads);
  }
  const triad = (t: number): number | undefined => options.triadGbps?.[t] ?? (triadProbes.get(t)!.length > 0 ? median(triadProbes.get(t)!) : undefined);
  return rows.map((r) => {
    const bandwidth = triad(r.threads);
    return bandwidth === undefined ? r : { ...r, fractionOfTriad: r.gbps / bandwidth };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const info = binding.backendInfo();
  const rows = await benchElementwise({ quick });
  console.log(`elementwise kernels, isa ${info.isa}, ${COUNT} floats; % of the triad bandwidth at the row's thread count`);
  for (const r of rows) {
    const fraction = r.fractionOfTriad === undefined ? '' : `  ${(100 * r.fractionOfTriad).toFixed(0).padStart(4)}% of triad`;
    console.log(`${r.kernel.padEnd(32)} ${r.shape.padEnd(34)} ${String(r.threads).padStart(3)} thr ${(r.seconds * 1e3).toFixed(2).padStart(8)} ms ${r.gbps.toFixed(2).padStart(7)} GB/s${fraction}`);
  }
}
