// Worker thread of test/server/concurrency.test.ts: loads Dendrite (its own addon instance), runs
// the job it is given and posts the result.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type Job } from './training-job.js';

const result = await runJob(workerData as Job);
parentPort!.postMessage(result);
