/** The native backend: which kernels run, on how many threads. */
import { binding, version } from './native.js';
import { checkInteger } from './validate.js';

export interface BackendInfo {
  /** The instruction set whose kernels are in use: 'scalar', 'avx2', 'avx512' (or 'neon'). */
  isa: string;
  /** Every instruction set this CPU can run, best last. */
  isas: string[];
  /** Threads in the kernel thread pool. */
  threads: number;
  /** Dendrite's version. */
  version: string;
}

/**
 * Reports the kernels in use. The ISA is chosen once at load from the CPU's feature bits, or
 * forced with `DENDRITE_ISA=scalar|avx2|avx512`.
 */
export function backendInfo(): BackendInfo {
  const { isa, isas, threads } = binding.backendInfo();
  return { isa, isas, threads, version };
}

/**
 * Sets the number of threads the kernels use (default: the cores this process may run on, or
 * `DENDRITE_NUM_THREADS`). Results do not depend on it.
 */
export function setNumThreads(threads: number): void {
  checkInteger('setNumThreads', 'threads', threads, 1, 1024);
  binding.setNumThreads(threads);
}
