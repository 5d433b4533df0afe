// Concurrency: two fits interleaved in one process, predictions on one model while another trains,
// and four worker threads each training a model. Every run gives exactly (bitwise) what it gives alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { jobData, jobModel, runJob, weightBits, type Job, type JobResult } from './training-job.js';

const jobs: Job[] = [{ seed: 100, epochs: 3 }, { seed: 200, epochs: 3 }, { seed: 300, epochs: 2 }, { seed: 400, epochs: 4 }];

/** Each job run alone, one after the other, on the main thread. */
const alone = new Map<number, JobResult>();
async function aloneResult(job: Job): Promise<JobResult> {
  if (!alone.has(job.seed)) alone.set(job.seed, await runJob(job));
  return alone.get(job.seed)!;
}

// Worker threads cannot import TypeScript: the worker and the library it imports are bundled into
// one ES module first (the same sources the main thread runs). import.meta.url is lib/native.ts's,
// so the library finds the package root (the addon, data/) as it does unbundled.
let workerFile = '';
let bundleDirectory = '';
beforeAll(() => {
  bundleDirectory = mkdtempSync(join(tmpdir(), 'dendrite-workers-'));
  workerFile = join(bundleDirectory, 'train-worker.mjs');
  buildSync({
    entryPoints: [fileURLToPath(new URL('./train-worker.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'node', outfile: workerFile, logLevel: 'silent',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(fileURLToPath(new URL('../../lib/native.ts', import.meta.url))).href) },
  });
});
afterAll(() => {
  if (bundleDirectory !== '') rmSync(bundleDirectory, { recursive: true, force: true });
});

function runInWorker(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: { job } });
    worker.once('message', (result: JobResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`worker exited with code ${code}`)); });
  });
}

describe('concurrency', () => {
  it('two models training at once in one process, interleaved step by step', async () => {
    const order: number[] = [];
    const [a, b] = await Promise.all([
      runJob(jobs[0], () => order.push(0)),
      runJob(jobs[1], () => order.push(1)),
    ]);
    // The event loop interleaved them: the steps alternate rather than one run finishing first.
    const switches = order.filter((who, i) => i > 0 && who !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(order.length / 2);
    expect(a).toEqual(await aloneResult(jobs[0]));
    expect(b).toEqual(await aloneResult(jobs[1]));
  });

  it('predicting with one model while another trains', async () => {
    const server = jobModel(500);
    const { x } = jobData(500);
    const expected = server.predict(x);
    const predictions: Array<Promise<dn.Tensor>> = [];
    const syncMatches: boolean[] = [];
    const training = runJob(jobs[2], (step) => {
      // Between the other model's steps: a native prediction and a synchronous one.
      predictions.push(server.predictAsync(x));
      if (step % 5 === 0) syncMatches.push(tensorBits(server.predict(x)) === tensorBits(expected));
    });
    const trained = await training;
    const results = await Promise.all(predictions);
    expect(results.length).toBeGreaterThan(10);
    for (const result of results) expect(tensorBits(result)).toBe(tensorBits(expected));
    expect(syncMatches.every(Boolean)).toBe(true);
    expect(trained).toEqual(await aloneResult(jobs[2]));
    expect(weightBits(server)).toEqual(weightBits(jobModel(500)));
  });

  it('four worker threads, each training its own model', async () => {
    const results = await Promise.all(jobs.map((job) => runInWorker(job)));
    for (const [i, job] of jobs.entries()) expect(results[i]).toEqual(await aloneResult(job));
    // Different seeds gave different models (the comparison above is not vacuous).
    expect(results[0].weights).not.toEqual(results[1].weights);
  });

  it('a worker terminated while it trains and predicts does not take the process down', async () => {
    for (let round = 0; round < 3; round++) {
      const worker = new Worker(workerFile, { workerData: { trainForever: true } });
      await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
      // Steps and predictions are in flight: the termination lands inside them (before the fix, a
      // binding call that could not throw its error any more aborted the whole process).
      await new Promise((resolve) => setTimeout(resolve, 20 * round));
      expect(await worker.terminate()).toBe(1);
    }
    // This thread's addon is still fine.
    expect(jobModel(1).predict(jobData(1).x).shape).toEqual([240, 4]);
  });
});

/** A tensor's values as one string of bit patterns (exact comparison, NaN-safe). */
function tensorBits(t: dn.Tensor): string {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)).join(',');
}
