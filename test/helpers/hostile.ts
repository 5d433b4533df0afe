// Hostile inputs, shared by the fuzz test (test/fuzz.test.ts: a few hundred of each) and
// `npm run bench:fuzz` (bench/fuzz.ts: 10^5 calls, 10^4 model files), so both run the same
// generators:
//  - arguments built to get past the checks: arrays with holes, huge lengths, lengths that change
//    between reads (Proxies), elements and options behind getters or Proxy traps that throw, names of
//    Object.prototype's properties, options inherited rather than own;
//  - mutated model folders: header entries aliasing one span, sizes that lie (the header's length,
//    the offsets, model.json's byte count), bit flips and edits with the digest kept valid (so the
//    load gets past it to the deep checks), links to devices, outside the folder, dangling or looping,
//    FIFOs in place of a file.
// Every call must end in a result, a Dendrite error, or the caller's own error (thrown by a getter
// or a trap and passed through unchanged): anything else (an untyped error, a crash, a hang) fails.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DendriteError } from '../../lib/errors.js';
import type { Rng } from './rng.js';

/** What a hostile getter or Proxy trap throws: the caller's own error, which may pass through unchanged. */
export class CallerError extends Error {
  constructor(where: string) {
    super(`thrown by the caller's ${where}`);
    this.name = 'CallerError';
  }
}

/** How a hostile call ended. */
export type Outcome = 'ok' | 'typed' | 'caller' | 'untyped';

/** Sorts a thrown value: a Dendrite error, the caller's own error passed through, or anything else. */
export function classify(error: unknown): Exclude<Outcome, 'ok'> {
  if (error instanceof DendriteError || error instanceof ArgumentTypeError) return 'typed';
  if (error instanceof CallerError) return 'caller';
  return 'untyped';
}

/** One hostile call: what it targets, how the argument was made, and the call itself. */
export interface HostileCall {
  target: string;
  detail: string;
  run: () => unknown;
}

/** Names that a lookup reaching Object.prototype would find. */
export const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'prototype'];

// --- hostile arguments ----------------------------------------------------------------------------

/** `items` with one index deleted (a hole `map` and `every` skip), or a fresh array of holes. */
function holey(r: Rng, items: readonly unknown[]): unknown[] {
  if (items.length === 0) return new Array(r.int(1, 3));
  const sparse = items.slice();
  delete sparse[r.int(0, sparse.length - 1)];
  return sparse;
}

/** `items` whose `length` reads true once, then huge (a check that reads it twice sees two arrays). */
function lyingLength(items: readonly unknown[]): unknown[] {
  let reads = 0;
  return new Proxy(items.slice(), {
    get: (target, key, receiver) => (key === 'length' && reads++ > 0 ? 2 ** 32 - 1 : Reflect.get(target, key, receiver)),
  });
}

/** `value` behind a Proxy whose traps throw the caller's error. */
function throwingProxy(value: object): unknown {
  const trap = (): never => {
    throw new CallerError('Proxy trap');
  };
  return new Proxy(value, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
}

/** `items` with one element behind a getter that throws the caller's error. */
function throwingElement(r: Rng, items: readonly unknown[]): unknown[] {
  const copy = items.length === 0 ? [0] : items.slice();
  Object.defineProperty(copy, r.int(0, copy.length - 1), { get: () => { throw new CallerError('element getter'); }, enumerable: true });
  return copy;
}

/** `options` with one property behind a getter that throws the caller's error. */
function throwingOption(r: Rng, options: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...options };
  const keys = Object.keys(copy);
  const key = keys.length === 0 ? 'name' : r.pick(keys);
  Object.defineProperty(copy, key, { get: () => { throw new CallerError(`getter of ${key}`); }, enumerable: true });
  return copy;
}

/** Values of no sensible use anywhere: prototype names, huge arrays, a Proxy of a tensor, bare objects. */
function oddValue(r: Rng): unknown {
  return r.pick<() => unknown>([
    () => r.pick(PROTOTYPE_NAMES),
    () => new Array(r.pick([65, 100_000, 2 ** 31 - 1, 2 ** 32 - 1])),
    () => new Array<number>(r.pick([100, 10_000])).fill(1),
    () => new Proxy(dn.ones([2, 3]), {}),
    () => throwingProxy(dn.ones([2, 3])),
    () => throwingProxy([1, 2]),
    () => Object.create(null),
    () => JSON.parse('{"__proto__": {"units": 3}, "constructor": 1}'),
    () => 10n,
    () => Symbol('hostile'),
    () => '\u0000'.repeat(r.pick([1, 100_000])),
  ])();
}

/** A hostile variant of the valid argument `valid` (recursing into arrays and options sometimes). */
export function hostileVariant(r: Rng, valid: unknown, depth = 0): [unknown, string] {
  if (r.chance(0.12)) {
    const value = oddValue(r);
    return [value, 'an odd value'];
  }
  if (Array.isArray(valid)) {
    switch (r.int(0, 5)) {
      case 0: return [holey(r, valid), 'a hole'];
      case 1: return [lyingLength(valid), 'a length that changes'];
      case 2: return [throwingProxy(valid), 'a throwing Proxy'];
      case 3: return [throwingElement(r, valid), 'a throwing element'];
      case 4: {
        const huge = valid.slice();
        huge.length = r.pick([65, 2 ** 20, 2 ** 32 - 1]);
        return [huge, `length ${huge.length}`];
      }
      default: {
        if (valid.length === 0 || depth > 2) return [holey(r, valid), 'a hole'];
        const at = r.int(0, valid.length - 1);
        const [inner, how] = hostileVariant(r, valid[at], depth + 1);
        const copy = valid.slice();
        copy[at] = inner;
        return [copy, `[${at}]: ${how}`];
      }
    }
  }
  if (valid !== null && typeof valid === 'object' && !(valid instanceof dn.Tensor)) {
    const options = valid as Record<string, unknown>;
    const keys = Object.keys(options);
    switch (r.int(0, 5)) {
      case 0: return [throwingOption(r, options), 'a throwing getter'];
      case 1: return [throwingProxy(options), 'a throwing Proxy'];
      case 2: return [Object.create(options), 'inherited options'];
      case 3: {
        const name = r.pick(PROTOTYPE_NAMES);
        return [{ ...options, ...JSON.parse(`{${JSON.stringify(name)}: ${JSON.stringify(r.pick(keys.length > 0 ? keys : ['x']))}}`) }, `an own key '${name}'`];
      }
      default: {
        if (keys.length === 0 || depth > 2) return [throwingOption(r, options), 'a throwing getter'];
        const key = r.pick(keys);
        const [inner, how] = r.chance(0.4) ? [r.pick(PROTOTYPE_NAMES), 'a prototype name'] : hostileVariant(r, options[key], depth + 1);
        return [{ ...options, [key]: inner }, `${key}: ${how}`];
      }
    }
  }
  if (typeof valid === 'string') return [r.pick(PROTOTYPE_NAMES), 'a prototype name'];
  return [oddValue(r), 'an odd value'];
}

const matrix = (): dn.Tensor => dn.tensor([[1, 2, 3], [4, 5, 6]]);
function smallModel(): dn.Sequential {
  return dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
}
function compiledModel(): dn.Sequential {
  const model = smallModel();
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  return model;
}

/** Public functions and the valid argument each is given before it is made hostile. */
const TARGETS: Array<[string, (argument: never) => unknown, () => unknown]> = [
  ['reshape', (a) => dn.reshape(matrix(), a), () => [3, 2]],
  ['transpose', (a) => dn.transpose(matrix(), a), () => [1, 0]],
  ['permute', (a) => dn.permute(matrix(), a), () => [1, 0]],
  ['broadcastTo', (a) => dn.broadcastTo(matrix(), a), () => [2, 2, 3]],
  ['sum', (a) => dn.sum(matrix(), a), () => [0, 1]],
  ['mean', (a) => dn.mean(matrix(), a, true), () => [1]],
  ['pad', (a) => dn.pad(matrix(), a), () => [[1, 1], [0, 2]]],
  ['concat', (a) => dn.concat(a, 1), () => [matrix(), matrix()]],
  ['stack', (a) => dn.stack(a), () => [matrix(), matrix()]],
  ['split', (a) => dn.split(matrix(), a, 1), () => [1, 2]],
  ['slice', (a) => dn.slice(matrix(), a, [1, 2]), () => [0, 1]],
  ['zeros', (a) => dn.zeros(a), () => [2, 3]],
  ['full', (a) => dn.full(a, 2), () => [3]],
  ['tensor data', (a) => dn.tensor(a), () => [[1, 2], [3, 4]]],
  ['tensor shape', (a) => dn.tensor([1, 2, 3, 4], a), () => [2, 2]],
  ['tensor options', (a) => dn.tensor([1, 2], a), () => ({ dtype: 'float32', requiresGrad: true })],
  ['sumToShape', (a) => dn.sumToShape(matrix(), a), () => [1, 3]],
  ['scalar', (a) => dn.scalar(a), () => 1],
  ['gather', (a) => dn.gather(matrix(), a, 1), () => [0, 2]],
  ['conv2d', (a) => dn.conv2d(dn.ones([1, 4, 4, 1]), dn.ones([2, 2, 1, 1]), a), () => ({ strides: [1, 1], padding: [[0, 1], [1, 0]] })],
  ['dense', (a) => dn.layers.dense(a), () => ({ units: 2, activation: 'relu', kernelInitializer: 'glorotUniform', kernelRegularizer: 'l2' })],
  ['reshape layer', (a) => dn.layers.reshape(a), () => ({ targetShape: [3, 2] })],
  ['zeroPadding2d', (a) => dn.layers.zeroPadding2d(a), () => ({ padding: [[1, 1], [2, 2]] })],
  ['input', (a) => dn.input(a), () => ({ shape: [2], name: 'x' })],
  ['losses.get', (a) => dn.losses.get(a), () => 'mse'],
  ['getOptimizer', (a) => dn.optimizers.getOptimizer(a), () => 'adam'],
  ['piecewiseConstantDecay', (a) => dn.optimizers.schedules.piecewiseConstantDecay(a), () => ({ boundaries: [10, 20], values: [0.1, 0.01, 0.001] })],
  ['deserializeLayer', (a) => dn.layers.deserializeLayer(a), () => ({ className: 'Dense', config: { units: 2, activation: 'relu' } })],
  ['compile', (a) => smallModel().compile(a), () => ({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] })],
  ['predict', (a) => compiledModel().predict(a), () => [[1, 2], [3, 4]]],
  ['predict options', (a) => compiledModel().predict(dn.ones([2, 2]), a), () => ({ batchSize: 1 })],
  ['fit', (a) => compiledModel().fit(dn.ones([2, 2]), dn.ones([2, 1]), a), () => ({ epochs: 1, verbose: 0, batchSize: 2 })],
  ['readCsv', (a) => dn.data.readCsv('a,b\n1,2\n3,4\n', a), () => ({ columnNames: ['x', 'y'], stringColumns: ['y'] })],
];

/** A random hostile call: one public function given a hostile variant of a valid argument. */
export function hostileCall(r: Rng): HostileCall {
  const [target, call, valid] = r.pick(TARGETS);
  const [argument, how] = hostileVariant(r, valid());
  return { target, detail: how, run: () => call(argument as never) };
}

// --- mutated model files --------------------------------------------------------------------------

/** A small model's saved files, the material every mutation starts from. */
export interface ModelMaterial {
  description: Record<string, unknown>;
  weights: Buffer;
  /** The same model from `saveToBuffer` (for loadModelFromBuffer). */
  buffer: Buffer;
  /** A file outside any model folder, for links to point at. */
  outside: string;
}

/** Saves a small model into `scratch` and reads its files back. */
export async function modelMaterial(scratch: string): Promise<ModelMaterial> {
  const model = dn.sequential({ layers: [
    dn.layers.dense({ name: 'hidden', units: 8, activation: 'relu', inputShape: [4] }),
    dn.layers.dense({ name: 'out', units: 2, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const dir = join(scratch, 'original');
  await model.save(dir, { includeOptimizer: true });
  const outside = join(scratch, 'outside.bin');
  writeFileSync(outside, readFileSync(join(dir, 'weights.safetensors')));
  return {
    description: JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')),
    weights: readFileSync(join(dir, 'weights.safetensors')),
    buffer: Buffer.from(await model.saveToBuffer({ includeOptimizer: true })),
    outside,
  };
}

type Header = Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | unknown>;

function splitSafetensors(file: Buffer): { header: Header; data: Buffer } {
  const length = Number(file.readBigUInt64LE(0));
  return { header: JSON.parse(file.subarray(8, 8 + length).toString('utf8')), data: file.subarray(8 + length) };
}
function joinSafetensors(header: unknown, data: Uint8Array, lengthField?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const file = Buffer.alloc(8 + json.length + data.length);
  file.writeBigUInt64LE(lengthField ?? BigInt(json.length), 0);
  json.copy(file, 8);
  file.set(data, 8 + json.length);
  return file;
}
const tensorNames = (header: Header): string[] => Object.keys(header).filter((name) => name !== '__metadata__');

/** The weights file with its header or bytes mutated; says how. */
function mutateWeights(r: Rng, weights: Buffer): [Buffer, string] {
  const { header, data } = splitSafetensors(weights);
  const names = tensorNames(header);
  const entry = (name: string) => header[name] as { shape: number[]; data_offsets: number[] };
  switch (r.int(0, 8)) {
    case 0: {
      // Entries aliasing one span, many of them (each would be copied before the overlap check).
      const first = entry(names[0]);
      const copies = r.pick([2, 100, 3000]);
      for (let i = 0; i < copies; i++) header[`alias${i}`] = { ...first };
      return [joinSafetensors(header, data), `${copies} entries aliasing one span`];
    }
    case 1: {
      const e = entry(r.pick(names));
      e.data_offsets = r.pick([[0, data.length * 2], [data.length, data.length + 4], [-4, 0], [4, 0], [0, 2 ** 53], [1, 5]]);
      return [joinSafetensors(header, data), `offsets ${JSON.stringify(e.data_offsets)}`];
    }
    case 2: {
      const lie = r.pick([0n, 1n, 7n, BigInt(weights.length), 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]);
      return [joinSafetensors(header, data, lie), `header length ${lie}`];
    }
    case 3: {
      const e = entry(r.pick(names));
      e.shape = r.pick([[2 ** 31, 2], [1e8], new Array(100).fill(1), [-1], [1.5], [], [0]]);
      return [joinSafetensors(header, data), `shape ${JSON.stringify(e.shape).slice(0, 40)}`];
    }
    case 4: {
      const e = header[r.pick(names)] as Record<string, unknown>;
      e.dtype = r.pick(['F64', 'BF16', 'I64', 'U8', '', 'constructor', 7]);
      return [joinSafetensors(header, data), `dtype ${String(e.dtype)}`];
    }
    case 5: {
      const cut = r.int(0, weights.length - 1);
      return [weights.subarray(0, cut), `truncated to ${cut} bytes`];
    }
    case 6: {
      const flipped = Buffer.from(weights);
      for (let i = r.int(1, 8); i > 0; i--) flipped[r.int(0, flipped.length - 1)] ^= 1 << r.int(0, 7);
      return [flipped, 'bit flips'];
    }
    case 7: {
      header[r.pick(PROTOTYPE_NAMES)] = { ...entry(names[0]) };
      return [joinSafetensors(header, data), 'an entry named like a prototype property'];
    }
    default:
      return [Buffer.concat([weights, Buffer.alloc(r.pick([1, 4, 4096]))]), 'trailing bytes'];
  }
}

/** model.json's description with one edit; says how. */
function mutateDescription(r: Rng, description: Record<string, unknown>): [Record<string, unknown>, string] {
  const copy = structuredClone(description) as Record<string, any>;
  const layers = copy.architecture?.config?.layers as Array<{ config: Record<string, unknown> }> | undefined;
  switch (r.int(0, 5)) {
    case 0: {
      if (layers && layers.length > 0) layers[0].config.units = r.pick([1e8, 2 ** 31, -1, 0.5, '8', null]);
      return [copy, 'units edited'];
    }
    case 1: {
      if (layers && layers.length > 0) layers[0].config.activation = r.pick(PROTOTYPE_NAMES);
      return [copy, 'activation named like a prototype property'];
    }
    case 2: {
      if (layers) for (let i = r.pick([10, 2000]); i > 0; i--) layers.push(structuredClone(layers[layers.length - 1]));
      return [copy, 'extra layers'];
    }
    case 3: {
      copy.weights.bytes = r.pick([0, 1, copy.weights.bytes + 1, 2 ** 53, -1, '1']);
      return [copy, `weights.bytes ${copy.weights.bytes}`];
    }
    case 4: {
      const key = r.pick(['architecture', 'format', 'formatVersion', 'weights', 'training']);
      copy[key] = r.pick([null, [], 'x', 1e308, JSON.parse('{"__proto__": {"polluted": true}}')]);
      return [copy, `${key} replaced`];
    }
    default: {
      // Written as text by descriptionText: JSON.stringify itself would run out of stack.
      const depth = r.pick([50, 5000, 100_000]);
      copy.extra = `${DEEP}${depth}`;
      return [copy, `nested ${depth} deep`];
    }
  }
}

/** Marks a value descriptionText writes as arrays nested that deep. */
const DEEP = '@@nested:';
function descriptionText(description: Record<string, unknown>): string {
  return JSON.stringify(description).replace(new RegExp(`"${DEEP}(\\d+)"`), (_, depth: string) => `${'['.repeat(Number(depth))}1${']'.repeat(Number(depth))}`);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A model folder mutated one way; `load` loads it (through loadModel or loadModelFromBuffer). */
export interface MutatedModel {
  detail: string;
  load: () => Promise<unknown>;
}

const DEVICES = ['/dev/zero', '/dev/urandom', '/dev/null', '/dev/full', '/dev/random'];

/**
 * Writes a mutated model folder `dir` from `material` (or a mutated buffer for loadModelFromBuffer).
 * Weights and description edits keep model.json's digest and byte count valid most of the time, so
 * the load gets past them to the deep checks. Links, FIFOs and devices only where the platform has them.
 */
export function mutatedModel(r: Rng, material: ModelMaterial, dir: string): MutatedModel {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const posix = process.platform !== 'win32';
  const kind = r.int(0, posix ? 5 : 2);
  let weights: Buffer = material.weights;
  let description = material.description;
  let detail: string;
  if (kind === 0 || kind === 5) {
    [weights, detail] = mutateWeights(r, weights);
  } else if (kind === 1) {
    [description, detail] = mutateDescription(r, description);
  } else if (kind === 2) {
    // The same mutations through loadModelFromBuffer (the description rides in the metadata).
    const [mutated, how] = mutateWeights(r, material.buffer);
    return { detail: `buffer: ${how}`, load: () => dn.loadModelFromBuffer(mutated) };
  } else {
    detail = '';
  }
  const keepDigest = kind !== 5 || r.chance(0.8);
  const stated = { ...description, weights: keepDigest ? { file: 'weights.safetensors', bytes: weights.length, sha256: sha256(weights) } : (description.weights as unknown) };
  const weightsPath = join(dir, 'weights.safetensors');
  const modelPath = join(dir, 'model.json');
  writeFileSync(modelPath, descriptionText(kind === 1 ? description : stated));
  if (kind === 1) {
    // A description edit with the real weights: the digest in it still matches.
    writeFileSync(weightsPath, weights);
  } else if (kind === 3) {
    // Links: to a device, outside the folder, dangling, to itself, to a folder; weights, model.json or .prev.
    const file = r.pick(['weights.safetensors', 'weights.safetensors', 'model.json', 'weights.safetensors.prev']);
    const targetKind = r.int(0, 4);
    const target = [r.pick(DEVICES), material.outside, join(dir, 'missing'), join(dir, file), dir][targetKind];
    if (file !== 'weights.safetensors') writeFileSync(weightsPath, weights);
    if (file === 'model.json') rmSync(modelPath);
    symlinkSync(target, join(dir, file));
    detail = `${file} -> ${['a device', 'outside the folder', 'nothing', 'itself', 'the folder'][targetKind]}${targetKind === 0 ? ` (${target})` : ''}`;
  } else if (kind === 4) {
    const file = r.pick(['weights.safetensors', 'model.json']);
    if (file === 'model.json') {
      rmSync(modelPath);
      writeFileSync(weightsPath, weights);
    }
    execFileSync('mkfifo', [join(dir, file)]);
    detail = `a FIFO as ${file}`;
  } else {
    writeFileSync(weightsPath, weights);
    if (!keepDigest) detail += ' (digest not updated)';
  }
  return { detail, load: () => dn.loadModel(dir) };
}

// --- runs -----------------------------------------------------------------------------------------

/** How many calls (or loads) ended each way, and the first few that failed (untyped or hung). */
export interface Tally {
  ok: number;
  typed: number;
  caller: number;
  untyped: number;
  hung: number;
  failures: string[];
}

const newTally = (): Tally => ({ ok: 0, typed: 0, caller: 0, untyped: 0, hung: 0, failures: [] });

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 200)}` : `non-error thrown: ${String(error).slice(0, 200)}`;
}

/** Settles `work` or says it hung past `boundMs`. */
async function bounded(work: () => unknown, boundMs: number): Promise<{ hung: boolean; error?: unknown; threw: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), boundMs); });
  try {
    const result = work();
    const settled = result instanceof Promise ? await Promise.race([result.then(() => 'ok' as const), hang]) : 'ok';
    return { hung: settled === 'hung', threw: false };
  } catch (error) {
    return { hung: false, error, threw: true };
  } finally {
    clearTimeout(timer);
  }
}

function count(tally: Tally, what: string, outcome: { hung: boolean; error?: unknown; threw: boolean }): void {
  if (outcome.hung) {
    tally.hung++;
    if (tally.failures.length < 20) tally.failures.push(`${what}: did not settle`);
    return;
  }
  if (!outcome.threw) {
    tally.ok++;
    return;
  }
  const kind = classify(outcome.error);
  tally[kind]++;
  if (kind === 'untyped' && tally.failures.length < 20) tally.failures.push(`${what}: ${describeError(outcome.error)}`);
}

/**
 * Runs `calls` hostile calls (each bounded by `boundMs` if it returns a promise); `onCall` hears
 * each call's description before it runs (bench:fuzz's watchdog names a call that never returns).
 */
export async function runHostileCalls(r: Rng, calls: number, boundMs: number, onCall?: (what: string) => void): Promise<Tally> {
  const tally = newTally();
  for (let i = 0; i < calls; i++) {
    const call = hostileCall(r);
    const what = `#${i} ${call.target} (${call.detail})`;
    onCall?.(what);
    count(tally, what, await bounded(call.run, boundMs));
  }
  return tally;
}

/**
 * Loads `files` mutated model folders made in `scratch` (each bounded by `boundMs`). A load that
 * succeeds must be of a mutation that changed nothing the model needs (trailing metadata, say); a
 * failure must be a Dendrite error (a SerializationError, or a ValueError of an edited config).
 */
export async function runMutatedModels(r: Rng, material: ModelMaterial, scratch: string, files: number, boundMs: number, onCall?: (what: string) => void): Promise<Tally> {
  const tally = newTally();
  for (let i = 0; i < files; i++) {
    const mutated = mutatedModel(r, material, join(scratch, `mutated-${i % 8}`));
    const what = `#${i} ${mutated.detail}`;
    onCall?.(what);
    count(tally, what, await bounded(mutated.load, boundMs));
  }
  return tally;
}
