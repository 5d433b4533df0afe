/**
 * Pinned child runs: a bench runs part of itself again in a child process pinned to CPU 0 with
 * `taskset -c 0`, as in a one-CPU container or serverless function, where the thread pool starts
 * no workers. The child prints its figures as JSON on its last line of output.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Whether `taskset -c 0` works here (it is missing on macOS and may be refused in some sandboxes). */
function canPin(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the bench script at `scriptUrl` (its `import.meta.url`) with `args`, pinned to CPU 0, and
 * returns the JSON value of the child's last line of output; null where pinning is unavailable.
 */
export function runPinned<T>(scriptUrl: string, args: readonly string[]): T | null {
  if (!canPin()) return null;
  const output = execFileSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, fileURLToPath(scriptUrl), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '') as T;
}
