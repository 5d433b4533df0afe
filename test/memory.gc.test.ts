// Tensor memory (lib/memory.ts): the allocator cache, storage left uninitialized for ops that
// overwrite it, dn.memory() and dn.setMemoryOptions. Runs with --expose-gc (vitest.config.ts gives it
// to *.gc.test.ts files), so collections are forced at chosen points.
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ValueError } from '../lib/errors.js';
import { binding, packageRoot } from '../lib/native.js';
import { environmentOptions, SLAB_MAX_BYTES } from '../lib/memory.js';

/** A full collection: the --expose-gc global, or (under vitest's threads pool, which cannot pass the flag) the same function made available at run time. */
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

const defaults = dn.memory();
// Whether the C allocator can be configured as the cache: glibc, and not an AddressSanitizer build
// (which never caches, so its quarantine sees every freed block).
const configurable = binding.memoryCacheStats().available;
afterEach(() => {
  dn.setMemoryOptions({ cache: defaults.cache, cacheLimit: defaults.cacheLimit, idleTrimMs: 5000, fillUninitialized: false });
});

/** Whether two typed arrays share any byte. */
function overlap(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Bitwise equality (vitest's deep equality takes minutes over a million elements on a loaded machine). */
function sameBytes(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A small deterministic generator for the test's choices. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Sizes in elements: carved from each slab class and just above its limit, around the allocator's old 128 KiB
// threshold, and a few MiB.
const SIZES = [1, 7, 64, 512, 513, SLAB_MAX_BYTES / 4, SLAB_MAX_BYTES / 4 + 1, 32768, 32769, 65536, 262144];

describe('storage', () => {
  it('never hands out a block that a live tensor still uses, across many allocations and forced collections', () => {
    // Garbage where storage is left for an op to fill: a block handed out twice would show it.
    dn.setMemoryOptions({ fillUninitialized: true });
    const random = lcg(14);
    const live: Array<{ t: dn.Tensor; value: number }> = [];
    let checked = 0;
    for (let step = 0; step < 1500; step++) {
      const size = SIZES[Math.floor(random() * SIZES.length)];
      const value = step + 0.5;
      // Tensors made three ways: a creation op, an op's output, and tensor() over converted data.
      const kind = step % 3;
      const t = kind === 0 ? dn.full([size], value) : kind === 1 ? dn.add(dn.full([size], value - 1), 1) : dn.tensor(new Int32Array(size).fill(step)).cast('float32').add(0.5);
      if (random() < 0.25) live.push({ t, value });
      if (live.length > 40) live.splice(Math.floor(random() * live.length), 1);
      if (step % 100 === 0) gc();
      if (step % 100 === 99) {
        for (const { t: kept, value: expected } of live) {
          const data = kept.dataSync();
          for (let i = 0; i < data.length; i += Math.max(1, data.length >> 6)) expect(data[i]).toBe(expected);
          expect(data[data.length - 1]).toBe(expected);
          checked++;
        }
        for (let i = 0; i < live.length; i++) {
          for (let j = i + 1; j < live.length; j++) expect(overlap(live[i].t.storage, live[j].t.storage)).toBe(false);
        }
      }
    }
    expect(checked).toBeGreaterThan(250);
  });

  it('keeps a tensor intact when the cache is trimmed', () => {
    const kept = [dn.full([1 << 20], 3), dn.full([300], 4), dn.randn([128, 512], { seed: 1 })];
    const copies = kept.map((t) => t.dataSync().slice());
    for (let i = 0; i < 40; i++) dn.full([256, 256], i);
    gc();
    const before = dn.memory();
    dn.trimMemory();
    const after = dn.memory();
    if (before.cache && configurable) {
      // The freed 256 KiB blocks were held by the cache; the trim gave them back.
      expect(before.numBytesCached).toBeGreaterThan(0);
      expect(after.numBytesCached).toBeLessThan(before.numBytesCached);
    }
    kept.forEach((t, i) => expect(sameBytes(t.dataSync(), copies[i])).toBe(true));
    // And the storage still works for ops after the trim.
    expect(dn.add(kept[0], kept[0]).dataSync()[12345]).toBe(6);
  });

  it('gives bit-identical results with and without the cache', () => {
    const run = (): Float32Array[] => {
      const a = dn.randn([130, 257], { seed: 2 });
      const b = dn.randn([257, 96], { seed: 3 });
      const c = dn.matmul(a, b);
      const chain = c.mul(2).add(1).relu();
      const outputs = [c, chain, chain.sum(0), chain.mean(1, true), dn.softmax(c), dn.logSoftmax(c, 0), c.max(-1), dn.exp(c.mul(0.01)).log(),
        dn.concat([a, a], 0), a.transpose().contiguous(), dn.gelu(c), c.argmax(1).cast('float32'), dn.where(c.greater(0), c, c.neg())];
      const w = dn.randn([257, 96], { seed: 4, requiresGrad: true });
      const loss = dn.matmul(a, w).tanh().square().mean();
      loss.backward();
      outputs.push(loss, w.grad!);
      const model = dn.sequential({ layers: [
        dn.layers.dense({ units: 40, activation: 'relu', inputShape: [257], kernelInitializer: dn.initializers.glorotUniform({ seed: 5 }) }),
        dn.layers.dropout({ rate: 0.2, seed: 6 }),
        dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 7 }) }),
      ] });
      model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
      const labels = dn.tensor(Int32Array.from({ length: 130 }, (_, i) => i % 3));
      for (let i = 0; i < 3; i++) model.trainOnBatch(a, labels);
      outputs.push(model.predict(a) as dn.Tensor);
      return outputs.map((t) => t.dataSync().slice() as Float32Array);
    };
    dn.setMemoryOptions({ cache: true, fillUninitialized: true });
    const cached = run();
    dn.setMemoryOptions({ cache: false });
    expect(dn.memory().cache).toBe(false);
    const plain = run();
    expect(cached.length).toBe(plain.length);
    cached.forEach((values, i) => expect(sameBytes(values, plain[i]), `output ${i}`).toBe(true));
  });

  it('leaves no element unwritten: ops over storage pre-filled with NaN give no NaN', () => {
    dn.setMemoryOptions({ fillUninitialized: true });
    const x = dn.rand([64, 600], { seed: 8, low: 0.5, high: 2 });
    const results = [x.add(1), x.mul(x), x.relu(), x.sqrt(), x.sum(1), x.max(0), x.softmax(), x.matmul(x.transpose()), dn.pow(x, 2),
      x.reshape([600, 64]).contiguous(), x.slice([1, 1], [60, 500]).contiguous(), dn.stack([x, x]), dn.zeros([2000]), dn.ones([2000])];
    for (const r of results) expect(r.dataSync().some((v) => Number.isNaN(v))).toBe(false);
    // zeros are written even where the storage was pre-filled.
    expect(dn.zeros([5000]).dataSync().every((v) => v === 0)).toBe(true);
  });
});

describe('dn.memory()', () => {
  it('counts live tensors and their bytes after a collection', () => {
    const start = dn.memory();
    if (start.numTensors === null) return; // Node < 20.13 cannot count
    const held = Array.from({ length: 100 }, () => dn.zeros([10_000]));
    const during = dn.memory();
    expect(during.numTensors! - start.numTensors).toBe(100);
    expect(during.numBytes - start.numBytes).toBeGreaterThanOrEqual(100 * 40_000);
    expect(during.unreliable).toBe(!configurable);
    held.length = 0;
    const end = dn.memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes - start.numBytes).toBeLessThan(40_000);
  });

  it('reports the options in force', () => {
    dn.setMemoryOptions({ cacheLimit: 64 * 2 ** 20 });
    expect(dn.memory().cacheLimit).toBe(64 * 2 ** 20);
    dn.setMemoryOptions({ cache: false });
    expect(dn.memory()).toMatchObject({ cache: false, numBytesCached: 0 });
  });

  it('trims the cache after it has been idle, and not while allocations go on', async () => {
    if (!configurable || !defaults.cache) return;
    dn.setMemoryOptions({ idleTrimMs: 250 });
    dn.trimMemory();
    for (let i = 0; i < 50; i++) dn.full([512, 512], i);
    gc();
    expect(dn.memory().numBytesCached).toBeGreaterThan(2 ** 20);
    // The trims are counted at the binding (the cached figure itself moves with every free that V8's
    // collector makes afterwards, including other code's buffers, so it is not what this test reads).
    const trim = binding.trimMemoryCache;
    let trims = 0;
    binding.trimMemoryCache = () => {
      trims++;
      return trim.call(binding);
    };
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    try {
      // An allocation every few milliseconds (above the slab limit: from the allocator): never idle
      // for the 250 ms a trim waits for.
      for (let i = 0; i < 100; i++) {
        dn.full([SLAB_MAX_BYTES / 4 + 1], i);
        await tick();
      }
      expect(trims).toBe(0);
      // Then idle: the armed check finds no allocation since the last one, and trims.
      for (let wait = 0; wait < 2000 && trims === 0; wait++) await tick();
      expect(trims).toBe(1);
      expect(dn.memory().numBytesCached).toBeLessThan(50 * 2 ** 20);
    } finally {
      binding.trimMemoryCache = trim;
    }
  });
});

describe('dn.setMemoryOptions', () => {
  it('rejects bad options naming the option', () => {
    expect(() => dn.setMemoryOptions({ cach: true } as never)).toThrow(/setMemoryOptions: unknown option 'cach'.*did you mean 'cache'/);
    expect(() => dn.setMemoryOptions({ cache: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.setMemoryOptions({ cacheLimit: -1 })).toThrow(/setMemoryOptions: cacheLimit must be an integer from 0/);
    expect(() => dn.setMemoryOptions({ cacheLimit: 1.5 })).toThrow(ValueError);
    expect(() => dn.setMemoryOptions({ idleTrimMs: 2 ** 31 })).toThrow(/idleTrimMs/);
    expect(() => dn.setMemoryOptions({ fillUninitialized: 'yes' } as never)).toThrow(/fillUninitialized must be a boolean/);
    expect(() => dn.setMemoryOptions(null as never)).toThrow(ArgumentTypeError);
  });

  it('reads DENDRITE_MEMORY_CACHE and DENDRITE_MEMORY_CACHE_MB', () => {
    expect(environmentOptions({})).toEqual({ cache: true, cacheLimit: 256 * 2 ** 20 });
    expect(environmentOptions({ DENDRITE_MEMORY_CACHE: '0' }).cache).toBe(false);
    expect(environmentOptions({ DENDRITE_MEMORY_CACHE: '1', DENDRITE_MEMORY_CACHE_MB: '64' })).toEqual({ cache: true, cacheLimit: 64 * 2 ** 20 });
    expect(() => environmentOptions({ DENDRITE_MEMORY_CACHE: 'yes' })).toThrow(/DENDRITE_MEMORY_CACHE: expected 0 or 1, got 'yes'/);
    expect(() => environmentOptions({ DENDRITE_MEMORY_CACHE_MB: '1.5' })).toThrow(/DENDRITE_MEMORY_CACHE_MB: expected a whole number of MiB/);
    expect(() => environmentOptions({ DENDRITE_MEMORY_CACHE_MB: '-1' })).toThrow(ValueError);
  });

  it('applies the environment at start', () => {
    // One process, loading only the memory module (a whole-library start costs seconds on a loaded machine).
    const code = "import('./lib/memory.ts').then((m) => { const { cache, cacheLimit } = m.memory(); console.log(JSON.stringify({ cache, cacheLimit })); })";
    const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: packageRoot, env: { ...process.env, DENDRITE_MEMORY_CACHE: '0', DENDRITE_MEMORY_CACHE_MB: '64' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(output)).toEqual({ cache: false, cacheLimit: 64 * 2 ** 20 });
  });
});
