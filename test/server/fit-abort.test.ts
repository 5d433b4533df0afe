// fit keeps the event loop free (timers and I/O run between steps) and cancels with an AbortSignal.
import { readFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { AbortError, ArgumentTypeError } from '../../lib/errors.js';

function model(): dn.Sequential {
  const m = dn.sequential({ layers: [
    dn.layers.dense({ units: 16, activation: 'tanh', inputShape: [6], kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }),
    dn.layers.dropout({ rate: 0.2, seed: 2 }),
    dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
  ] });
  m.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const x = dn.randn([100, 6], { seed: 4 });
const y = dn.randint(0, 3, [100], { seed: 5 });
// 100 samples in batches of 16: 7 steps per epoch (the last one of 4 samples).
const options = { batchSize: 16, seed: 6, verbose: 0 };

/** The weights as bit patterns, for exact comparison. */
function bits(m: dn.Sequential): number[][] {
  return m.getWeights().map((w) => Array.from(new Uint32Array(Float32Array.from(w.dataSync()).buffer)));
}

/** A model trained for exactly `steps` steps by the same fit, stopped the Keras way (stopTraining). */
async function trainedFor(steps: number): Promise<number[][]> {
  const m = model();
  if (steps === 0) return bits(m);
  let done = 0;
  await m.fit(x, y, { ...options, epochs: 1000, callbacks: { onBatchEnd: () => { if (++done === steps) m.stopTraining = true; } } });
  expect(done).toBe(steps);
  return bits(m);
}

describe('fit signal: bad arguments', () => {
  it('rejects a signal that is not an AbortSignal', async () => {
    await expect(model().fit(x, y, { ...options, signal: 'stop' as never })).rejects.toThrow(ArgumentTypeError);
    await expect(model().fit(x, y, { ...options, signal: { aborted: 'no' } as never })).rejects.toThrow(/signal must be an AbortSignal/);
  });
});

describe('fit with an AbortSignal', () => {
  it('rejects an already-aborted signal before any step, leaving the weights alone', async () => {
    const m = model();
    const initial = bits(m);
    let batches = 0;
    const reason = new Error('shutting down');
    const error = await m.fit(x, y, { ...options, epochs: 3, signal: AbortSignal.abort(reason), callbacks: { onBatchBegin: () => { batches++; } } })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toBeInstanceOf(dn.DendriteError);
    expect((error as AbortError).name).toBe('AbortError');
    expect((error as AbortError).code).toBe('ABORT_ERR');
    expect((error as AbortError).cause).toBe(reason);
    expect((error as Error).message).toMatch(/fit: aborted before the first step, after 0 training steps/);
    expect(batches).toBe(0);
    expect(bits(m)).toEqual(initial);
  });

  it('aborted from a callback mid-epoch, keeps the weights of the last completed step', async () => {
    for (const abortAfter of [3, 10]) {
      const m = model();
      const controller = new AbortController();
      let completed = 0;
      const rejection = m.fit(x, y, {
        ...options, epochs: 5, signal: controller.signal,
        callbacks: { onBatchEnd: () => { if (++completed === abortAfter) controller.abort(); } },
      });
      await expect(rejection).rejects.toThrow(AbortError);
      await expect(rejection).rejects.toThrow(new RegExp(`after ${abortAfter} training steps`));
      expect(completed).toBe(abortAfter);
      expect(bits(m)).toEqual(await trainedFor(abortAfter));
      // The model is usable again: another fit runs.
      await m.fit(x, y, { ...options, epochs: 1 });
    }
  });

  it('aborted from a timer, keeps the weights of the last completed step', async () => {
    const m = model();
    const controller = new AbortController();
    let completed = 0;
    // Abort once a few steps ran (whenever the timer fires then), from outside the training loop.
    const timer = setInterval(() => { if (completed >= 5) controller.abort(new Error('timeout')); }, 1);
    const error = await m.fit(x, y, { ...options, epochs: 100_000, signal: controller.signal, callbacks: { onBatchEnd: () => { completed++; } } })
      .then(() => null, (e: unknown) => e);
    clearInterval(timer);
    expect(error).toBeInstanceOf(AbortError);
    expect(((error as AbortError).cause as Error).message).toBe('timeout');
    expect(completed).toBeGreaterThanOrEqual(5);
    expect(bits(m)).toEqual(await trainedFor(completed));
  });

  it('is checked during validation too', async () => {
    const m = model();
    const controller = new AbortController();
    const vx = dn.randn([64, 6], { seed: 7 });
    const vy = dn.randint(0, 3, [64], { seed: 8 });
    // The abort comes while the first epoch's validation runs (it yields between its 8 batches): three
    // turns of the event loop after the epoch's last step (fit's own yield, then two validation batches).
    let completed = 0;
    const abortLater = (turns: number): void => { setImmediate(() => (turns === 1 ? controller.abort() : abortLater(turns - 1))); };
    const rejection = m.fit(x, y, {
      ...options, epochs: 3, validationData: [vx, vy], validationBatchSize: 8, signal: controller.signal,
      callbacks: { onBatchEnd: () => { if (++completed === 7) abortLater(3); }, onEpochEnd: () => { throw new Error('not reached'); } },
    });
    await expect(rejection).rejects.toThrow(AbortError);
    await expect(rejection).rejects.toThrow(/during the validation of epoch 1\/3, after 7 training steps/);
    expect(completed).toBe(7);
  });
});

describe('fit keeps the event loop free', () => {
  it('runs timers and I/O callbacks while it is pending', async () => {
    const m = model();
    const controller = new AbortController();
    let steps = 0;
    let settled = false;
    const seen = { interval: [] as number[], timeout: -1, readFile: -1 };
    const check = (): void => {
      if (seen.interval.length >= 3 && seen.timeout >= 0 && seen.readFile >= 0) controller.abort();
    };
    const interval = setInterval(() => { seen.interval.push(steps); check(); }, 1);
    setTimeout(() => { seen.timeout = steps; check(); }, 5);
    readFile(fileURLToPath(import.meta.url), (error) => {
      expect(error).toBeNull();
      seen.readFile = steps;
      check();
    });
    // Trains until every callback above ran once (they abort it): no timing assumption.
    const fit = m.fit(x, y, { ...options, epochs: 100_000, signal: controller.signal, callbacks: { onBatchEnd: () => { steps++; } } })
      .finally(() => { settled = true; });
    expect(settled).toBe(false);
    await expect(fit).rejects.toThrow(AbortError);
    clearInterval(interval);
    // Each callback ran while fit was pending, between its steps.
    expect(seen.readFile).toBeGreaterThanOrEqual(0);
    expect(seen.timeout).toBeGreaterThanOrEqual(0);
    expect(seen.interval.length).toBeGreaterThanOrEqual(3);
    expect(steps).toBeGreaterThan(0);
  });
});
