// dendrite/tfjs models: synchronous evaluate returning Scalars (compared with @tensorflow/tfjs on the
// same weights), fit with tfjs callback objects, yieldEvery and onYield, tfjs's log keys (acc, val_acc),
// fitDataset/evaluateDataset; a model made through `dendrite` keeps Dendrite's own methods.
import { beforeAll, describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

beforeAll(async () => {
  await real.setBackend('cpu');
});

const SAMPLES = 13;
function data(): { x: number[][]; y: number[][] } {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const a = Math.sin(i * 1.7);
    const b = Math.cos(i * 0.9);
    x.push([a, b, a * b]);
    y.push([a + b > 0.2 ? 1 : 0]);
  }
  return { x, y };
}

/** The same two-layer classifier in Dendrite (through dendrite/tfjs) and in tfjs, with equal weights. */
function twins(metrics: string[] | undefined): { mine: ReturnType<typeof tf.sequential>; theirs: real.Sequential } {
  dn.seed(3);
  const mine = tf.sequential();
  mine.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }));
  mine.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  mine.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', ...(metrics === undefined ? {} : { metrics }) });
  const theirs = real.sequential();
  theirs.add(real.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }));
  theirs.add(real.layers.dense({ units: 1, activation: 'sigmoid' }));
  theirs.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', ...(metrics === undefined ? {} : { metrics }) });
  theirs.setWeights(mine.getWeights().map((w) => real.tensor(Array.from(w.dataSync()), [...w.shape])));
  return { mine, theirs };
}

describe('evaluate', () => {
  it('is synchronous and returns the loss as a Scalar for a model without metrics, as tfjs', () => {
    const { x, y } = data();
    const { mine, theirs } = twins(undefined);
    const result = mine.evaluate(tf.tensor2d(x), tf.tensor2d(y), { batchSize: 5 });
    expect(result).toBeInstanceOf(dn.Tensor);
    const scalarResult = result as dn.Tensor;
    expect(scalarResult.shape).toEqual([]);
    const expected = (theirs.evaluate(real.tensor2d(x), real.tensor2d(y), { batchSize: 5 }) as real.Scalar).dataSync()[0];
    expect(scalarResult.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('returns [loss, acc] Scalars with metrics, equal to tfjs over uneven batches', () => {
    const { x, y } = data();
    const { mine, theirs } = twins(['accuracy']);
    const result = mine.evaluate(tf.tensor2d(x), tf.tensor2d(y), { batchSize: 4 }) as dn.Tensor[];
    const expected = (theirs.evaluate(real.tensor2d(x), real.tensor2d(y), { batchSize: 4 }) as real.Scalar[]).map((s) => s.dataSync()[0]);
    expect(result).toHaveLength(2);
    expect(result[0].dataSync()[0]).toBeCloseTo(expected[0], 5);
    expect(result[1].dataSync()[0]).toBeCloseTo(expected[1], 6);
    expect(result[1].arraySync()).toBeGreaterThan(0);
  });

  it('takes a batch size as a number and null options or null fields (tfjs reads options with == null)', () => {
    const { x, y } = data();
    const { mine } = twins(['accuracy']);
    const xs = tf.tensor2d(x);
    const ys = tf.tensor2d(y);
    const plain = (mine.evaluate(xs, ys) as dn.Tensor[]).map((s) => s.dataSync()[0]);
    for (const args of [3, null, { batchSize: null }, { batchSize: 3, verbose: null }]) {
      const values = (mine.evaluate(xs, ys, args as never) as dn.Tensor[]).map((s) => s.dataSync()[0]);
      expect(values[0]).toBeCloseTo(plain[0], 5);
      expect(values[1]).toBeCloseTo(plain[1], 6);
    }
  });

  it('names bad arguments with typed errors', () => {
    const { x, y } = data();
    const { mine } = twins(undefined);
    const xs = tf.tensor2d(x);
    const ys = tf.tensor2d(y);
    expect(() => mine.evaluate(xs, ys, { batchSize: 0 })).toThrow(/evaluate: batchSize/);
    expect(() => mine.evaluate(xs, ys, { steps: 2 } as never)).toThrow(dn.ValueError);
    expect(() => mine.evaluate(xs, ys, { batchsize: 2 } as never)).toThrow(/batchSize/);
    expect(() => mine.evaluate(xs, ys, 'big' as never)).toThrow(dn.ArgumentTypeError);
    expect(() => mine.evaluate('x' as never, ys)).toThrow(/evaluate: x/);
    expect(() => mine.evaluate(xs, tf.tensor2d([[1]]))).toThrow(dn.DendriteError);
  });

  it('leaves models made through dendrite with their own (async) evaluate', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ loss: 'mse' });
    const pending = model.evaluate(dn.tensor([[1, 2]]), dn.tensor([[1]]));
    expect(pending).toBeInstanceOf(Promise);
    expect(Object.keys(await pending)).toEqual(['loss']);
  });
});

describe('fit with tfjs callbacks', () => {
  it('calls hook objects with logs keyed acc and val_acc besides accuracy, and History has them too', async () => {
    const { x, y } = data();
    const { mine } = twins(['accuracy']);
    const calls: string[] = [];
    let epochLogs: dn.Logs | undefined;
    let batchLogs: dn.Logs | undefined;
    const history = await mine.fit(tf.tensor2d(x), tf.tensor2d(y), {
      epochs: 2, batchSize: 4, validationSplit: 0.3, verbose: 0, shuffle: null, classWeight: null,
      callbacks: {
        onTrainBegin: () => { calls.push('train'); },
        onEpochBegin: (epoch) => { calls.push(`epoch ${epoch}`); },
        onBatchEnd: async (_batch, logs) => { batchLogs = logs; },
        onEpochEnd: async (_epoch, logs) => { epochLogs = logs; },
        onTrainEnd: () => { calls.push('end'); },
      },
    });
    expect(calls).toEqual(['train', 'epoch 0', 'epoch 1', 'end']);
    expect(epochLogs!.acc).toBe(epochLogs!.accuracy);
    expect(epochLogs!.val_acc).toBe(epochLogs!.val_accuracy);
    expect(typeof epochLogs!.val_loss).toBe('number');
    expect(batchLogs!.acc).toBe(batchLogs!.accuracy);
    expect(history.history.acc).toHaveLength(2);
    expect(history.history.val_acc).toEqual(history.history.val_accuracy);
  });

  it("a Dendrite callback monitoring tfjs's 'val_acc' sees it (earlyStopping)", async () => {
    const { x, y } = data();
    const { mine } = twins(['accuracy']);
    const history = await mine.fit(tf.tensor2d(x), tf.tensor2d(y), {
      epochs: 30, validationSplit: 0.3, verbose: 0,
      callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_acc', patience: 1, mode: 'max' }), { onEpochEnd: () => {} }],
    });
    expect(history.epoch.length).toBeLessThan(30);
  });

  it("yieldEvery 'batch' waits for a frame after every batch, 'epoch' after every epoch, 'never' not at all", async () => {
    const { x, y } = data();
    const { mine } = twins(undefined);
    const frames = { count: 0 };
    const nextFrameFunc = async (): Promise<void> => { frames.count++; };
    const fitWith = async (yieldEvery: tf.YieldEveryOptions): Promise<number> => {
      frames.count = 0;
      await mine.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 2, batchSize: 5, verbose: 0, yieldEvery, callbacks: { nextFrameFunc } });
      return frames.count;
    };
    expect(await fitWith('batch')).toBe(6); // 3 batches of 13 samples, 2 epochs
    expect(await fitWith('epoch')).toBe(2);
    expect(await fitWith('never')).toBe(0);
  });

  it('a number of milliseconds calls onYield (epoch, batch, logs) at most that often, read on nowFunc', async () => {
    const { x, y } = data();
    const { mine } = twins(undefined);
    let clock = 0;
    const yields: [number, number, number][] = [];
    await mine.fit(tf.tensor2d(x), tf.tensor2d(y), {
      epochs: 2, batchSize: 5, verbose: 0, yieldEvery: 20,
      callbacks: {
        nowFunc: () => clock,
        onBatchEnd: () => { clock += 10; },
        onYield: (epoch, batch, logs) => { yields.push([epoch, batch, logs.loss]); },
      },
    });
    // The clock reads 10, 20, ... at the 6 batch ends (read after the hook runs, as in tfjs where both start together: so 0-based counts).
    expect(yields.map(([e, b]) => [e, b])).toEqual([[0, 1], [1, 0], [1, 2]]);
    expect(yields.every(([, , loss]) => Number.isFinite(loss))).toBe(true);
  });

  it('rejects onYield with yieldEvery never, an unknown hook and a bad yieldEvery, naming them', async () => {
    const { x, y } = data();
    const { mine } = twins(undefined);
    const xs = tf.tensor2d(x);
    const ys = tf.tensor2d(y);
    await expect(mine.fit(xs, ys, { yieldEvery: 'never', callbacks: { onYield: () => {} } })).rejects.toThrow(/onYield.*never/);
    await expect(mine.fit(xs, ys, { callbacks: { onEpochFinish: () => {} } as never })).rejects.toThrow(/onEpochFinish/);
    await expect(mine.fit(xs, ys, { callbacks: { onEpochEnd: 3 } as never })).rejects.toThrow(/callbacks\[0\]\.onEpochEnd/);
    await expect(mine.fit(xs, ys, { yieldEvery: 'sometimes' as never })).rejects.toThrow(/yieldEvery/);
    await expect(mine.fit(xs, ys, { yieldEvery: -1 })).rejects.toThrow(/yieldEvery/);
  });
});

describe('fitDataset and evaluateDataset', () => {
  it('train from a tf.data-style dataset with batchesPerEpoch and validation batches, and evaluate to Scalars', async () => {
    const { x, y } = data();
    const { mine } = twins(['accuracy']);
    const batches = dn.data.zip({ xs: dn.data.array(x.map((r) => dn.tensor(r))), ys: dn.data.array(y.map((r) => dn.tensor(r))) }).batch(4);
    const seen: number[] = [];
    const history = await mine.fitDataset(batches, {
      epochs: 3, batchesPerEpoch: 2, validationData: batches, validationBatches: 1, verbose: 0,
      callbacks: { onBatchEnd: (batch) => { seen.push(batch); } },
    });
    expect(seen).toEqual([0, 1, 0, 1, 0, 1]);
    expect(history.history.val_acc).toHaveLength(3);
    const all = await mine.evaluateDataset(batches) as dn.Tensor[];
    expect(all).toHaveLength(2);
    const direct = mine.evaluate(tf.tensor2d(x), tf.tensor2d(y), 4) as dn.Tensor[];
    expect(all[0].dataSync()[0]).toBeCloseTo(direct[0].dataSync()[0], 5);
    expect(all[1].dataSync()[0]).toBeCloseTo(direct[1].dataSync()[0], 6);
    const first = await mine.evaluateDataset(batches, { batches: 1 }) as dn.Tensor[];
    expect(first[0].dataSync()[0]).toBeCloseTo((mine.evaluate(tf.tensor2d(x.slice(0, 4)), tf.tensor2d(y.slice(0, 4))) as dn.Tensor[])[0].dataSync()[0], 5);
    await expect(mine.fitDataset(tf.tensor2d(x) as never)).rejects.toThrow(/fitDataset: dataset/);
  });
});

describe('predict records gradients inside tf.grad, variableGrads and minimize, as tfjs', () => {
  it('tf.grad through model.predict equals tfjs on the same weights', () => {
    const { x } = data();
    const { mine, theirs } = twins(undefined);
    const g = tf.grad((input: dn.Tensor) => (mine.predict(input) as dn.Tensor).sum())(tf.tensor2d(x));
    const expected = real.grad((input: real.Tensor) => (theirs.predict(input) as real.Tensor).sum())(real.tensor2d(x));
    expect(g.shape).toEqual(expected.shape);
    const want = expected.dataSync();
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    // Outside a gradient function predict is Dendrite's (no graph kept).
    expect((mine.predict(tf.tensor2d(x)) as dn.Tensor)._node).toBeNull();
  });

  it('optimizer.minimize without a varList trains the model weights step for step as tfjs', () => {
    const { x, y } = data();
    const { mine, theirs } = twins(undefined);
    const optimizer = tf.train.sgd(0.5);
    const realOptimizer = real.train.sgd(0.5);
    const xs = tf.tensor2d(x);
    const ys = tf.tensor2d(y);
    const costs: number[] = [];
    for (let step = 0; step < 4; step++) {
      const cost = optimizer.minimize(() => tf.losses.meanSquaredError(ys, mine.predict(xs) as dn.Tensor), true)!;
      const realCost = realOptimizer.minimize(() => real.losses.meanSquaredError(real.tensor2d(y), theirs.predict(real.tensor2d(x)) as real.Tensor), true)!;
      expect(cost.dataSync()[0]).toBeCloseTo(realCost.dataSync()[0], 5);
      costs.push(cost.dataSync()[0]);
    }
    expect(costs[3]).toBeLessThan(costs[0]);
    const realWeights = theirs.getWeights().map((w) => Array.from(w.dataSync()));
    mine.getWeights().forEach((w, k) => Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(realWeights[k][i], 5)));
  });

  it('variableGrads keys the model weights by their tfjs names, leaves out unused models, and applyGradients updates them', () => {
    const { x, y } = data();
    const { mine, theirs } = twins(undefined);
    const unused = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    real.sequential({ layers: [real.layers.dense({ units: 1, inputShape: [3] })] }); // keeps the two libraries' layer counts in step
    expect(unused.built).toBe(true);
    const loss = (): dn.Tensor => tf.losses.meanSquaredError(tf.tensor2d(y), mine.predict(tf.tensor2d(x)) as dn.Tensor);
    const { value, grads } = tf.variableGrads(loss);
    const expected = real.variableGrads(() => real.losses.meanSquaredError(real.tensor2d(y), theirs.predict(real.tensor2d(x)) as real.Tensor) as real.Scalar);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(expected.grads).sort());
    expect(value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0], 5);
    const before = mine.getWeights()[0].dataSync()[0];
    tf.train.sgd(1).applyGradients(grads);
    const kernelGrad = grads[mine.layers[0].name + '/kernel']!.dataSync()[0];
    expect(mine.getWeights()[0].dataSync()[0]).toBeCloseTo(before - kernelGrad, 6);
    expect(() => tf.train.sgd(1).applyGradients({ [mine.layers[0].name + '/kernel']: grads[mine.layers[0].name + '/kernel']!, nonsense: tf.scalar(1) })).toThrow(/nonsense/);
  });
});

// Last in the file: its layers would shift the layer names that tests above compare with tfjs's.
describe('new tf.Sequential()', () => {
  it('makes the model tf.sequential() makes: a Dendrite Sequential with tfjs\'s evaluate and inputs', () => {
    const { x, y } = data();
    const { mine } = twins(['accuracy']);
    const made = new tf.Sequential({ layers: [tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    expect(made).toBeInstanceOf(dn.Sequential);
    expect(made).toBeInstanceOf(tf.Sequential);
    expect(tf.sequential()).toBeInstanceOf(tf.Sequential);
    made.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    made.setWeights(mine.getWeights());
    const result = made.evaluate(tf.tensor2d(x), tf.tensor2d(y), { batchSize: 4 }) as dn.Tensor[];
    const expected = mine.evaluate(tf.tensor2d(x), tf.tensor2d(y), { batchSize: 4 }) as dn.Tensor[];
    expect(result.map((r) => r.dataSync()[0])).toEqual(expected.map((r) => r.dataSync()[0]));
    expect(made.inputs[0].shape).toEqual([null, 3]);
    expect(made.getConfig()).toMatchObject({ layers: [{ className: 'Dense' }, { className: 'Dense' }] });
    expect(() => new tf.Sequential({ layers: 'dense' as never })).toThrow(/sequential: layers/);
  });
});
