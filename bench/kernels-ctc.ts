/**
 * CTC loss + gradient through the raw binding (`ctcLoss`, native/runtime/ctc.cc): logits [32, 200, 29]
 * (a batch of 2 s of 100 frames/s audio, 28 characters and the blank), labels of 20-50 characters
 * (seeded), every input length 200; the forward-backward recursion and the gradient in one call, at one
 * thread and at the pool's default size (the batch is split over the threads). Each row is the median of
 * timed calls after a warm-up call, in ms and in sequences per second.
 *
 * bench/kernels.ts imports benchCtc and prints its rows beside its same-run probes; run alone with
 * `npx tsx bench/kernels-ctc.ts [--quick]`, which prints bench/probe.ts's probe before and after.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { binding } from '../lib/native.js';
import { Generator } from '../lib/random.js';

export interface CtcRow {
  shape: string;
  threads: number;
  /** Median ms per call (loss and gradient of the whole batch). */
  ms: number;
  sequencesPerSecond: number;
}

const BATCH = 32;
const TIME = 200;
const CLASSES = 29;
const MAX_LABEL = 50;

/** Times ctcLoss (loss + gradient) at 1 thread and at the default thread count. */
export function benchCtc({ quick = false }: { quick?: boolean } = {}): CtcRow[] {
  const generator = new Generator(20);
  const logits = generator.fillNormal(new Float32Array(BATCH * TIME * CLASSES));
  const labels = new Int32Array(BATCH * MAX_LABEL);
  const labelLengths = new Int32Array(BATCH);
  for (let b = 0; b < BATCH; b++) {
    labelLengths[b] = 20 + Math.floor(generator.uniform() * (MAX_LABEL - 20 + 1));
    for (let i = 0; i < MAX_LABEL; i++) labels[b * MAX_LABEL + i] = 1 + Math.floor(generator.uniform() * (CLASSES - 1));
  }
  const inputLengths = new Int32Array(BATCH).fill(TIME);
  const loss = new Float32Array(BATCH);
  const grad = new Float32Array(logits.length);
  const call = (): void => binding.ctcLoss(logits, labels, inputLengths, labelLengths, BATCH, TIME, CLASSES, MAX_LABEL, 0, false, loss, grad, null);
  const initial = binding.backendInfo().threads;
  const counts = [...new Set([1, binding.backendInfo().defaultThreads])];
  const rows: CtcRow[] = [];
  try {
    for (const threads of counts) {
      binding.setNumThreads(threads);
      call();
      const times: number[] = [];
      for (let i = 0; i < (quick ? 5 : 15); i++) {
        const start = performance.now();
        call();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      rows.push({ shape: `[${BATCH}, ${TIME}, ${CLASSES}], labels 20-50`, threads, ms, sequencesPerSecond: (BATCH * 1000) / ms });
    }
  } finally {
    binding.setNumThreads(initial);
  }
  return rows;
}

/** Prints the rows (after a header line). */
export function printCtcRows(rows: readonly CtcRow[]): void {
  console.log(`\nCTC loss + gradient (binding.ctcLoss, isa ${binding.backendInfo().isa})         thr   median ms   sequences/s`);
  for (const r of rows) console.log(`  ${r.shape.padEnd(50)} ${String(r.threads).padStart(3)}   ${r.ms.toFixed(2).padStart(9)}   ${r.sequencesPerSecond.toFixed(0).padStart(11)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { probe, printProbes, loadAverage } = await import('./probe.js');
  const before = probe();
  const rows = benchCtc({ quick: process.argv.includes('--quick') });
  const after = probe();
  printCtcRows(rows);
  printProbes(before, after);
  console.log(`load average ${loadAverage().toFixed(2)}`);
}
