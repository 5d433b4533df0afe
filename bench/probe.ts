/**
 * The same-run machine probe printed beside the figures of the server benches (event-loop, memory,
 * fuzz): the FMA peak on one core and on all, and the load average. A probe far below the known
 * 174 GFLOP/s per core means other work shared the cores, so times (and event-loop delays) ran
 * longer than on an idle machine.
 */
import { loadavg } from 'node:os';
import { binding } from '../lib/native.js';

const KNOWN_FMA_PER_CORE = 174;
const LOADED_BELOW = 0.85;

export interface Probe { threads: number; isa: string; fmaGflops: number; loaded: boolean }

/** FMA GFLOP/s on one thread and on every core (0.25 s each). */
export function probe(seconds = 0.25): Probe[] {
  const all = binding.backendInfo().defaultThreads;
  return [...new Set([1, all])].map((threads) => {
    const fma = binding.benchFmaPeak(threads, seconds);
    return { threads, isa: fma.isa, fmaGflops: fma.gflops, loaded: fma.gflops < LOADED_BELOW * KNOWN_FMA_PER_CORE * threads };
  });
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return loadavg()[0];
}

/** Prints the probes taken before and after the work, and a note when one says the machine was loaded. */
export function printProbes(before: readonly Probe[], after: readonly Probe[]): void {
  console.log('\nMachine probe (before / after):');
  for (const [label, list] of [['before', before], ['after', after]] as const) {
    for (const p of list) {
      console.log(`  ${label} ${p.threads} thread(s): FMA ${p.fmaGflops.toFixed(0)} GFLOP/s (${p.isa})${p.loaded ? '  <- below the known figure: the machine was loaded' : ''}`);
    }
  }
  if ([...before, ...after].some((p) => p.loaded)) {
    console.log(`NOTE: a probe was well below ${KNOWN_FMA_PER_CORE} GFLOP/s per core: other work shared the cores, so the work (and the delays it causes) took longer than on an idle machine.`);
  }
}
