// The engines being compared and the child process each one runs in (one per engine and thread count,
// so thread settings that only take effect at start-up — OpenMP, OpenBLAS, tfjs-wasm — are honoured).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareRoot, repoRoot } from './common.mjs';

const PREFIX = '@@compare ';
export const python = process.env.COMPARE_PYTHON ?? '/usr/bin/python3';

export const ENGINES = [
  { name: 'dendrite', label: 'Dendrite', kind: 'node' },
  { name: 'tfjs-cpu', label: 'TF.js cpu', kind: 'node' },
  { name: 'tfjs-wasm', label: 'TF.js wasm', kind: 'node' },
  { name: 'onnxruntime', label: 'onnxruntime', kind: 'node' },
  { name: 'pytorch', label: 'PyTorch', kind: 'python', env: {} },
  // PyTorch at its best here. OpenBLAS 0.3.21 does not know this CPU model and falls back to a generic
  // kernel: forcing the core type gives it its AVX-512 GEMM. Debian's PyTorch runs an OpenMP pool (its
  // own ops) beside OpenBLAS's pthread pool (the GEMMs); with 2 threads, OpenMP's workers spin after
  // each op on the cores OpenBLAS's workers need, and training runs at a third of its 1-thread speed.
  // OMP_WAIT_POLICY=PASSIVE makes them sleep instead.
  {
    name: 'pytorch-tuned',
    label: 'PyTorch (tuned)',
    kind: 'python',
    env: { OPENBLAS_CORETYPE: 'Cooperlake', OMP_WAIT_POLICY: 'PASSIVE' },
  },
];

/** Where the Dendrite child loads the library from: lib/ through tsx (the sources as they are), else dist/. */
export function dendriteSource(preference) {
  const tsxLoader = join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
  if (preference !== 'dist' && existsSync(tsxLoader)) return { source: 'lib', nodeArgs: ['--import', pathToFileURL(tsxLoader).href] };
  if (existsSync(join(repoRoot, 'dist/index.js'))) return { source: 'dist', nodeArgs: [] };
  return null;
}

// While one engine runs, every other engine process is stopped (SIGSTOP), so threads a peer leaves
// spinning after its repetition (OpenBLAS and OpenMP workers, onnxruntime's pool) cannot take a core
// from the engine being timed. Timings are taken inside each process, so stopping costs them nothing.
const canStop = process.platform !== 'win32';
let running = null;

export class EngineProcess {
  constructor(engine, threads, { source }) {
    this.engine = engine;
    this.threads = threads;
    this.pending = new Map();
    this.nextId = 1;
    this.exited = null;
    this.logPath = join(tmpdir(), `dendrite-compare-${engine.name}-${threads}t.log`);
    const env = {
      ...process.env,
      ...engine.env,
      DENDRITE_NUM_THREADS: String(threads),
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    };
    // The children run in bench/compare: a relative DENDRITE_BINARY means the caller's directory.
    if (env.DENDRITE_BINARY) env.DENDRITE_BINARY = resolve(env.DENDRITE_BINARY);
    let command;
    let args;
    if (engine.kind === 'python') {
      command = python;
      env.PYTHONDONTWRITEBYTECODE = '1';
      args = [join(compareRoot, 'peers/torch_peer.py'), engine.name, String(threads)];
    } else {
      command = process.execPath;
      const nodeArgs = engine.name === 'dendrite' ? source.nodeArgs : [];
      if (engine.name === 'dendrite') env.DENDRITE_COMPARE_SOURCE = source.source;
      args = [...nodeArgs, join(compareRoot, 'lib/worker.mjs'), engine.name, String(threads)];
    }
    this.child = spawn(command, args, { cwd: compareRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const log = createWriteStream(this.logPath);
    this.child.stderr.pipe(log);
    let buffered = '';
    this.child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line.startsWith(PREFIX)) continue;
        const message = JSON.parse(line.slice(PREFIX.length));
        const waiting = this.pending.get(message.id);
        if (!waiting) continue;
        this.pending.delete(message.id);
        clearTimeout(waiting.timer);
        if (message.ok) waiting.resolve(message.result);
        else waiting.reject(new Error(message.error));
      }
    });
    const fail = (reason) => {
      this.exited = reason;
      for (const waiting of this.pending.values()) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error(`${engine.name} process ended (${reason}); its log: ${this.logPath}`));
      }
      this.pending.clear();
    };
    this.child.on('error', (error) => fail(error.message));
    this.child.on('exit', (code, signal) => fail(signal ? `signal ${signal}` : `exit code ${code}`));
    this.child.stdin.on('error', () => {});
  }

  /** Stops this process until its next request (see `running` above). */
  hold() {
    if (canStop && !this.exited) this.child.kill('SIGSTOP');
    if (running === this) running = null;
  }

  /** Makes this the one engine process running: the one that ran before is stopped. */
  focus() {
    if (running === this || this.exited) return;
    running?.hold();
    if (canStop) this.child.kill('SIGCONT');
    running = this;
  }

  request(op, payload = {}, timeoutSeconds = 600) {
    if (this.exited) return Promise.reject(new Error(`${this.engine.name} process ended (${this.exited}); its log: ${this.logPath}`));
    if (op !== 'open') this.focus();  // engines start side by side; run.mjs holds each once it is open
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.engine.name}: no answer to ${op} within ${timeoutSeconds} s`));
        this.kill();
      }, timeoutSeconds * 1000);
      this.pending.set(id, { resolve, reject, timer });
      this.child.stdin.write(JSON.stringify({ id, op, ...payload }) + '\n');
    });
  }

  async close() {
    if (this.exited) return;
    if (canStop) this.child.kill('SIGCONT');
    if (running === this) running = null;
    const ended = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write(JSON.stringify({ op: 'exit' }) + '\n');
    const timer = setTimeout(() => this.kill(), 5000);
    await ended;
    clearTimeout(timer);
  }

  kill() {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
