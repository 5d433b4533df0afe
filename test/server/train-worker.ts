// Worker thread of test/server/concurrency.test.ts (bundled with esbuild first: worker threads cannot
// import TypeScript): loads Dendrite (its own addon instance) and runs what it is told.
import { parentPort, workerData } from 'node:worker_threads';
import * as dn from '../../lib/index.js';
import { runJob, type Job } from './training-job.js';

const task = workerData as { job?: Job; trainForever?: boolean };
if (task.job !== undefined) {
  parentPort!.postMessage(await runJob(task.job));
} else if (task.trainForever) {
  // Synchronous training steps and native predictions until the thread is terminated.
  const model = dn.sequential({ layers: [
    dn.layers.dense({ units: 64, activation: 'relu', inputShape: [32] }),
    dn.layers.dense({ units: 4, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const x = dn.randn([64, 32]);
  const y = dn.randint(0, 4, [64]);
  parentPort!.postMessage('started');
  for (;;) {
    for (let i = 0; i < 8; i++) void model.predictAsync(x).catch(() => {});
    for (let i = 0; i < 20; i++) model.trainOnBatch(x, y);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
