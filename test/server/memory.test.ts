// Memory does not grow without bound over many training steps and predictions (the bench,
// bench/memory.ts, measures the full counts; this checks reduced ones with generous limits).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding } from '../../lib/native.js';
import { emulated } from '../helpers/emulation.js';

// A garbage collector to call, without --expose-gc on the command line (vitest starts the workers).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 2 ** 20;

function usage(): { heap: number; outside: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  // external includes the typed arrays' backing stores (arrayBuffers).
  return { heap: m.heapUsed, outside: m.external, rss: m.rss };
}

function model(inputs: number, units: number): dn.Sequential {
  const m = dn.sequential({ layers: [
    dn.layers.dense({ units, activation: 'relu', inputShape: [inputs], kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }),
    dn.layers.dropout({ rate: 0.1, seed: 2 }),
    dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

// On the emulated CPU (qemu, some 30 times slower per call):
// there the counts are a tenth, and the buffers ten times larger so the limits still catch a leak.
const scale = emulated ? 0.1 : 1;
const underAddressSanitizer = /libasan/.test(process.env.LD_PRELOAD ?? '');

describe('memory', () => {
  it(`stays bounded over ${5000 * scale} training steps, ${20_000 * scale} predict and ${2000 * scale} predictAsync calls`, async () => {
    // Sizes chosen so that keeping any one buffer per step or call would break a limit below: a
    // training step's activations are 64 x 32 floats (8 KB: 5,000 of them are 40 MB), a predict
    // call's too (20,000 x 8 KB), and each predictAsync copies a 9,000-weight model natively
    // (36 KB: 2,000 copies are 72 MB of RSS). Two inputs and relu keep the arithmetic small. Emulated: 10 x
    // the batch and model width, a tenth of the calls.
    const batch = 64 / scale;
    const small = model(2, 32);
    const wide = model(8, 1024 / scale);
    const x = dn.randn([batch * 4, 2], { seed: 4 });
    const y = dn.tensor(Array.from({ length: batch * 4 }, (_, i) => [i % 2]));
    const xb = x.slice([0, 0], [batch, 2]);
    const yb = y.slice([0, 0], [batch, 1]);
    const one = dn.randn([1, 8], { seed: 5 });
    const work = async (fraction: number): Promise<void> => {
      const steps = 2500 * scale * fraction;
      for (let i = 0; i < steps; i++) small.trainOnBatch(xb, yb);
      // 4 steps per epoch.
      await small.fit(x, y, { epochs: Math.round(steps / 4), batchSize: batch, verbose: 0 });
      for (let i = 0; i < 20_000 * scale * fraction; i++) small.predict(xb, { batchSize: batch });
      for (let i = 0; i < 2000 * scale * fraction; i += 50) await Promise.all(Array.from({ length: 50 }, () => wide.predictAsync(one)));
    };
    await work(0.1); // warm-up: buffers, compiled code, slabs
    const before = usage();
    await work(1);
    const after = usage();
    // Generous against noise (a few MB after a full collection), tight enough for the leaks above.
    expect((after.heap - before.heap) / MB).toBeLessThan(20);
    expect((after.outside - before.outside) / MB).toBeLessThan(20);
    // Under AddressSanitizer (the CI's sanitizer run) freed native memory waits in a quarantine of up
    // to 256 MB before it is reused, so RSS grows by design there.
    if (!underAddressSanitizer) expect((after.rss - before.rss) / MB).toBeLessThan(60);
  });
});
