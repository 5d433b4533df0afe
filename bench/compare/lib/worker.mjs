// The child process that runs one JS engine at one thread count: `node lib/worker.mjs <engine> <threads>`.
// It speaks JSON lines with run.mjs: each request on stdin, each answer on stdout prefixed with
// "@@compare " (so whatever a library prints to stdout is ignored). peers/torch_peer.py speaks the same.
//
// An engine module exports `open({ threads })` returning { info, setup(spec) }; `setup` returns a task
// { units, run(iterations, repetition), warmup?(), close?() } or { skip: 'why' }. Timing happens here,
// identically for every engine.
import { createInterface } from 'node:readline';

const PREFIX = '@@compare ';
const engines = {
  dendrite: () => import('../dendrite.mjs'),
  'tfjs-cpu': () => import('../peers/tfjs.mjs'),
  'tfjs-wasm': () => import('../peers/tfjs.mjs'),
  onnxruntime: () => import('../peers/onnxruntime.mjs'),
};

const [engineName, threadsText] = process.argv.slice(2);
const threads = Number(threadsText);
// Libraries print banners with console.log; keep stdout for the protocol only.
const writeProtocol = process.stdout.write.bind(process.stdout);
console.log = console.info = (...args) => console.error(...args);
const reply = (message) => writeProtocol(PREFIX + JSON.stringify(message) + '\n');
const describe = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

let engine = null;
let task = null;
let iterationsPerRep = 1;

async function timed(iterations, repetition) {
  const start = performance.now();
  const extra = await task.run(iterations, repetition);
  return { seconds: (performance.now() - start) / 1000, extra: extra ?? null };
}

const handlers = {
  async open() {
    const module = await engines[engineName]();
    engine = await module.open({ threads, engine: engineName });
    return engine.info;
  },
  async probe(request) {
    if (!engine.probe) return null;
    return engine.probe(request);
  },
  async setup({ spec }) {
    task?.close?.();
    task = null;
    iterationsPerRep = 1;
    const made = await engine.setup(spec);
    if (made.skip) return { skip: made.skip };
    task = made;
    return { units: task.units, note: task.note ?? null };
  },
  async warmup({ targetSeconds, minSeconds }) {
    // A custom warm-up (a short training run) where one iteration is a long protocol run.
    if (task.warmup) {
      // The warm-up is a shortened iteration; it says which fraction of one, so a repetition can be estimated.
      const start = performance.now();
      const fraction = await task.warmup();
      const warmupSeconds = (performance.now() - start) / 1000;
      iterationsPerRep = 1;
      return { iterationsPerRep, warmupSeconds, estimatedRepSeconds: warmupSeconds / fraction };
    }
    let spent = 0;
    let done = 0;
    let batch = 1;
    while (spent < minSeconds || done < 3) {
      spent += (await timed(batch, -1)).seconds;
      done += batch;
      batch = Math.min(batch * 2, 1 << 20);
    }
    const perIteration = spent / done;
    iterationsPerRep = Math.max(1, Math.min(1 << 20, Math.round(targetSeconds / perIteration)));
    return { iterationsPerRep, warmupSeconds: spent, estimatedRepSeconds: iterationsPerRep * perIteration };
  },
  async rep({ repetition }) {
    const { seconds, extra } = await timed(iterationsPerRep, repetition);
    return { seconds, iterations: iterationsPerRep, extra };
  },
  async teardown() {
    task?.close?.();
    task = null;
    return null;
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  if (request.op === 'exit') break;
  try {
    const result = await handlers[request.op](request);
    reply({ id: request.id, ok: true, result });
  } catch (error) {
    reply({ id: request.id, ok: false, error: describe(error) });
  }
}
process.exit(0);
