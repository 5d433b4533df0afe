// Bootstrap of a worker thread that runs a TypeScript file: worker threads cannot import .ts by
// themselves (vitest's transform does not reach them), so this registers tsx's loader first.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
