import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { binding, packageRoot } from '../../lib/native.js';

// Plain CommonJS run inside each worker: it loads its own addon instance (no shared state).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const addon = process.env.DENDRITE_BINARY
  ? require(path.resolve(workerData.root, process.env.DENDRITE_BINARY))
  : require(require.resolve('node-gyp-build', { paths: [workerData.root] }))(workerData.root);
addon.setNumThreads(workerData.threads);
const x = Float32Array.from({ length: 4099 }, (_, i) => (i % 13) - 6);
let total = 0;
for (let i = 0; i < 200; i++) total += addon.sumSquares(x, x.length);
let error = '';
try { addon.sumSquares(x, x.length + 1); } catch (e) { error = e.message; }
parentPort.postMessage({ total, info: addon.backendInfo(), error });
setInterval(() => {}, 1000); // stay alive until terminated
`;

describe('worker_threads', () => {
  it('loads and calls the addon in 4 workers at once, then terminates them', async () => {
    const x = Float32Array.from({ length: 4099 }, (_, i) => (i % 13) - 6);
    const expected = 200 * binding.sumSquares(x, x.length);
    const workers = [1, 2, 3, 4].map(
      (threads) => new Worker(workerSource, { eval: true, workerData: { root: packageRoot, threads }, env: process.env }),
    );
    const results = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<{ total: number; info: { threads: number }; error: string }>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    results.forEach((result, i) => {
      expect(result.total).toBe(expected);
      // Each instance owns its own pool.
      expect(result.info.threads).toBe(i + 1);
      expect(result.error).toMatch(/needs at least 4100 elements/);
    });
    const codes = await Promise.all(workers.map((worker) => worker.terminate()));
    expect(codes).toEqual([1, 1, 1, 1]);
    // The main thread's instance is untouched by the workers' setNumThreads.
    expect(binding.sumSquares(x, x.length) * 200).toBe(expected);
  });
});
