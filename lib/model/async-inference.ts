/**
 * What `predictAsync` runs on, for any kind of model: a native snapshot of the inference plan's
 * weights, and the queue that hands passes to the native worker.
 *
 * - **One snapshot per weights version.** A model's weights version grows whenever one of its weights
 *   changes (each variable counts its `assign`s, `setWeights`, new values and optimizer steps), so
 *   every call made while the weights stay the same shares one copy of them, and a call made after a
 *   training step gets a new one. A call keeps the snapshot of its own moment until it settles, so a
 *   step that runs meanwhile never changes its result. The new copy goes into the memory of the old
 *   one when no call uses that any more (while `fit` runs, a fresh copy of a few MB per step would
 *   cost the event loop more in page faults than in copying).
 * - **Bounded work per pass.** A call's input goes to the worker in passes of at most 4 MB (of input
 *   or of output, whichever is wider), and the worker runs each pass `batchSize` rows at a time, as
 *   `predict` does, so its scratch memory is `batchSize` rows of the widest layer.
 * - **Bounded queue.** At most two passes are handed to the native side at once (one running, the
 *   next ready: the worker runs one at a time), so the others wait here without holding a native copy
 *   of anything or a thread of the libuv pool (which the file system and DNS share). A call that
 *   must wait keeps a copy of its input (it is the input as it was at the call that is predicted).
 */
import { binding, type ForwardPlan } from '../native.js';
import type { LayerVariable } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';
import type { InferencePlan } from './plan.js';

/** A pass hands the worker at most this many floats of input or of output (4 MB). */
const PASS_FLOATS = 1 << 20;

/** Passes handed to the native side at once. */
const IN_FLIGHT = 2;

/** The version of a model's weights: the sum of its variables' versions, so it grows with any change. */
export function weightsVersion(variables: readonly LayerVariable[]): number {
  let version = 0;
  for (let i = 0; i < variables.length; i++) version += variables[i].version;
  return version;
}

/** A plan and the native snapshot of its weights. */
export interface Snapshot {
  plan: InferencePlan;
  native: ForwardPlan;
  /** Calls running or waiting on it. */
  pending: number;
}

/**
 * A model's current snapshot: kept while the sample shape and the weights version stay the same,
 * replaced (the old one freed once no call uses it) when either changes.
 */
export class SnapshotCache {
  /** The sample shape of each input the snapshot was made for. */
  private shapes: number[][] = [];
  private version = -1;
  private snapshot: Snapshot | null = null;

  /**
   * The snapshot for `inputs` (their sample shapes: every dimension but the first) at weights
   * `version`; `makePlan` is asked for the plan (given the sample shapes) only when the weights or
   * the shapes changed. Null when there is no plan, or a sample holds no element.
   */
  get(inputs: readonly Tensor[], version: number, makePlan: (sampleShapes: number[][]) => InferencePlan | null): Snapshot | null {
    // Compared in place: a call on the same shapes and weights allocates nothing here.
    if (version === this.version && this.sameShapes(inputs)) return this.snapshot;
    const previous = this.snapshot;
    this.clear();
    const shapes = inputs.map((t) => t.shape.slice(1));
    if (shapes.some((shape) => shape.includes(0))) return null;
    const plan = makePlan(shapes);
    if (plan === null) return null;
    const reusable = previous !== null && previous.pending === 0 ? previous.native : null;
    this.snapshot = { plan, native: binding.forwardPlan(plan.steps, plan.inputWidths, reusable, plan.outputs), pending: 0 };
    this.shapes = shapes;
    this.version = version;
    return this.snapshot;
  }

  private sameShapes(inputs: readonly Tensor[]): boolean {
    const shapes = this.shapes;
    if (inputs.length !== shapes.length) return false;
    for (let i = 0; i < inputs.length; i++) {
      const shape = inputs[i].shape;
      const sample = shapes[i];
      if (shape.length !== sample.length + 1) return false;
      for (let d = 0; d < sample.length; d++) if (shape[d + 1] !== sample[d]) return false;
    }
    return true;
  }

  /** Forgets the snapshot (the layers changed). */
  clear(): void {
    this.shapes = [];
    this.version = -1;
    this.snapshot = null;
  }
}

interface Pass {
  plan: ForwardPlan;
  input: Float32Array;
  rows: number;
  chunkRows: number;
  started: boolean;
  resolve: (output: Float32Array) => void;
  reject: (error: unknown) => void;
}

/** The passes waiting for the worker, first in first out (a head index, so taking one is O(1)). */
const waiting: (Pass | undefined)[] = [];
let head = 0;
let running = 0;

function pump(): void {
  while (running < IN_FLIGHT && head < waiting.length) {
    const pass = waiting[head]!;
    waiting[head++] = undefined;
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    }
    pass.started = true;
    running++;
    let output: Promise<Float32Array>;
    try {
      output = binding.forwardAsync(pass.plan, pass.input, pass.rows, pass.chunkRows);
    } catch (error) {
      running--;
      pass.reject(error);
      continue;
    }
    output.then(pass.resolve, pass.reject).finally(() => {
      running--;
      pump();
    });
  }
}

/** Queues one pass; with `copyIfWaiting`, a pass that cannot start now keeps a copy of its input. */
function submit(plan: ForwardPlan, input: Float32Array, rows: number, chunkRows: number, copyIfWaiting: boolean): Promise<Float32Array> {
  return new Promise<Float32Array>((resolve, reject) => {
    const pass: Pass = { plan, input, rows, chunkRows, started: false, resolve, reject };
    waiting.push(pass);
    pump();
    if (!pass.started && copyIfWaiting) pass.input = input.slice();
  });
}

/**
 * Runs `rows` rows of `input` (contiguous, rows x inputWidth) through a snapshot on the worker,
 * `chunkRows` rows at a time; resolves with rows x outputWidth floats. An input of one pass is
 * read at the call; a larger one a pass at a time.
 */
export async function runOnWorker(snapshot: Snapshot, input: Float32Array, rows: number, chunkRows: number): Promise<Float32Array> {
  const plan = snapshot.native;
  const width = plan.inputWidth;
  const outputWidth = plan.outputWidth;
  // A whole number of chunks per pass, so the worker's chunks are predict's batches (a dynamically quantised
  // layer's result depends on the rows quantised together).
  const fit = Math.max(1, Math.floor(PASS_FLOATS / Math.max(width, outputWidth)));
  const passRows = fit >= chunkRows ? fit - (fit % chunkRows) : fit;
  snapshot.pending++;
  try {
    if (rows <= passRows) return await submit(plan, input, rows, chunkRows, true);
    let result: Float32Array | null = null;
    for (let start = 0; start < rows; start += passRows) {
      const end = Math.min(rows, start + passRows);
      const output = await submit(plan, input.subarray(start * width, end * width), end - start, chunkRows, false);
      result ??= new Float32Array(rows * outputWidth);
      result.set(output, start * outputWidth);
    }
    return result!;
  } finally {
    snapshot.pending--;
  }
}
