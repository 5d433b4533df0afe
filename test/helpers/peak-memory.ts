// How much memory a piece of work takes at its peak: the process's peak resident set (VmHWM) is
// reset first (Linux: /proc/self/clear_refs), so what an earlier test took does not count.
import { readFileSync, writeFileSync } from 'node:fs';

function statusKB(field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'));
  if (match === null) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

/** Whether the peak can be measured here (Linux with a writable /proc/self/clear_refs). */
export const canMeasurePeak = (() => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    statusKB('VmHWM');
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs `work` and returns how many MB the resident set rose above where it started, at its highest
 * (allocations freed before the end count too), or null where that cannot be measured.
 */
export async function peakGrowthMB(work: () => unknown): Promise<number | null> {
  if (!canMeasurePeak) {
    await work();
    return null;
  }
  writeFileSync('/proc/self/clear_refs', '5');
  const start = statusKB('VmRSS');
  await work();
  return (statusKB('VmHWM') - start) / 1024;
}
