// fit and evaluate on datasets (dn.data): the same training as in-memory data, bit for bit, when the
// batches are the same; validation datasets, stepsPerEpoch across epochs, several inputs and outputs,
// a streamed CSV file, closing the stream, the progress line without a known length, and bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-fit-dataset-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A small 3-class problem: the class is the index of the largest of three features. */
function blobs(n: number, seed: number): { x: dn.Tensor; y: dn.Tensor } {
  const generator = new dn.Generator(seed);
  const x = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < 3; c++) {
      x[i * 3 + c] = generator.uniform(-1, 1);
      if (x[i * 3 + c] > x[i * 3 + best]) best = c;
    }
    y[i] = best;
  }
  return { x: dn.tensor(x, [n, 3]), y: dn.tensor(y) };
}

/** The same 3-8-3 classifier every call (seeded initializers); `withShape` false builds on its first data. */
function classifier(withShape = true): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 8, activation: 'tanh', ...(withShape ? { inputShape: [3] } : {}), kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }),
      dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const sameWeights = (a: { getWeights(): dn.Tensor[] }, b: { getWeights(): dn.Tensor[] }): boolean =>
  a.getWeights().every((w, i) => {
    const other = b.getWeights()[i].dataSync();
    return w.dataSync().every((v, k) => Object.is(v, other[k]));
  });

/** A generator dataset of `batches` batches of `data`, counting passes, batches read and passes closed. */
function countedBatches(data: { x: dn.Tensor; y: dn.Tensor }, batchSize: number) {
  const state = { passes: 0, read: 0, closed: 0 };
  const rows = data.x.shape[0];
  const ds = dn.data.generator(function* batches() {
    state.passes++;
    try {
      for (let start = 0; start < rows; start += batchSize) {
        state.read++;
        const size = Math.min(batchSize, rows - start);
        yield { xs: data.x.slice([start, 0], [size, 3]), ys: data.y.slice([start], [size]) };
      }
    } finally {
      state.closed++;
    }
  });
  return { ds, state };
}

const data = blobs(96, 3);
const validation = blobs(40, 4);

describe('fit(dataset): should throw', () => {
  const model = classifier();

  it('rejects the options a dataset brings itself, saying what to do instead', async () => {
    const ds = dn.data.dataset({ xs: data.x, ys: data.y }).batch(16);
    await expect(model.fit(ds, { batchSize: 8 })).rejects.toThrow(/fit: batchSize does not apply to a dataset; its elements are the batches: batch it with dataset.batch\(batchSize\)/);
    await expect(model.fit(ds, { shuffle: true })).rejects.toThrow(/shuffle does not apply to a dataset; shuffle it with dataset.shuffle\(bufferSize, \{ seed \}\)/);
    await expect(model.fit(ds, { seed: 1 })).rejects.toThrow(/seed does not apply to a dataset/);
    await expect(model.fit(ds, { validationSplit: 0.2 })).rejects.toThrow(/validationSplit does not apply to a dataset; give validationData/);
    await expect(model.fit(ds, { sampleWeight: dn.ones([96]) })).rejects.toThrow(/sampleWeight does not apply to a dataset; give each batch its weights: \{ xs, ys, sampleWeight \}/);
    await expect(model.fit(ds, data.y as never)).rejects.toThrow(ArgumentTypeError);
    await expect(model.fit(ds, data.y as never)).rejects.toThrow(/the second argument must be the options \(with a dataset, its batches carry the targets/);
    await expect(model.fit(ds, { stepsPerEpoch: 0 })).rejects.toThrow(/stepsPerEpoch must be an integer from 1/);
    await expect(model.fit(data.x, data.y, { stepsPerEpoch: 3 })).rejects.toThrow(/stepsPerEpoch applies to a dataset/);
    await expect(model.fit(data.x, data.y, { validationSteps: 3 })).rejects.toThrow(/validationSteps applies to a dataset given as validationData/);
    await expect(model.fit(ds, { validationData: 'x' as never })).rejects.toThrow(/validationData must be an array \[x, y\] or \[x, y, sampleWeight\], or a dataset/);
    await expect(model.evaluate(ds, { batchSize: 4 })).rejects.toThrow(/evaluate: batchSize does not apply to a dataset/);
    await expect(model.evaluate(data.x, data.y, { steps: 2 })).rejects.toThrow(/evaluate: steps applies to a dataset/);
    await expect(model.evaluate(ds, data.y as never)).rejects.toThrow(ArgumentTypeError);
  });

  it('endless datasets need a number of steps', async () => {
    const endless = dn.data.dataset({ xs: data.x, ys: data.y }).batch(16).repeat();
    await expect(model.fit(endless, { verbose: 0 })).rejects.toThrow(/fit: the dataset is endless \(repeat\(\) without a count\); give stepsPerEpoch/);
    await expect(model.fit(endless, { stepsPerEpoch: 2, verbose: 0, validationData: endless })).rejects.toThrow(/validationData is endless .* give validationSteps/);
    await expect(model.evaluate(endless)).rejects.toThrow(/evaluate: the dataset is endless .* give steps/);
  });

  it('names a bad batch: its form, an empty dataset, a dataset that was not batched, a shape that does not fit', async () => {
    await expect(model.fit(dn.data.dataset(data.x).batch(16) as never, { verbose: 0 })).rejects.toThrow(
      /fit: batch 0 of the dataset: the element is a Tensor; a batch is \{ xs, ys \} \(inputs and targets\), \[xs, ys\] or \[xs, ys, sampleWeight\]/,
    );
    await expect(model.fit(dn.data.array([{ xs: data.x, label: data.y }]) as never, { verbose: 0 })).rejects.toThrow(/unknown key 'label' in the element/);
    await expect(model.fit(dn.data.array([{ xs: data.x }]) as never, { verbose: 0 })).rejects.toThrow(/the element lacks ys/);
    await expect(model.fit(dn.data.array([]) as never, { verbose: 0 })).rejects.toThrow(/fit: the dataset yielded no batch; it is empty/);
    await expect(model.fit(dn.data.dataset({ xs: data.x, ys: data.y }), { verbose: 0 })).rejects.toThrow(ShapeError);
    await expect(model.fit(dn.data.dataset({ xs: data.x, ys: data.y }), { verbose: 0 })).rejects.toThrow(/batch the dataset first, e.g. dataset.batch\(32\)/);
    await expect(model.fit(dn.data.dataset({ xs: data.y.reshape([96, 1]).cast('float32'), ys: data.y }).batch(8), { verbose: 0 })).rejects.toThrow(ShapeError);
    const mismatched = dn.data.array([{ xs: data.x.slice([0, 0], [4, 3]), ys: data.y.slice([0], [3]) }]);
    await expect(model.fit(mismatched, { verbose: 0 })).rejects.toThrow(/fit: batch 0 of the dataset: y must have one entry per sample \(4\), got shape \[3\]/);
  });
});

describe('fit(dataset)', () => {
  it('trains exactly as in-memory data given in the same batches (weights, History, validation)', async () => {
    const inMemory = classifier();
    const fromDataset = classifier();
    const a = await inMemory.fit(data.x, data.y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0, validationData: [validation.x, validation.y] });
    const train = dn.data.dataset({ xs: data.x, ys: data.y }).batch(16);
    const b = await fromDataset.fit(train, { epochs: 3, verbose: 0, validationData: dn.data.dataset([validation.x, validation.y]).batch(32) });
    expect(sameWeights(inMemory, fromDataset)).toBe(true);
    expect(b.history.loss).toEqual(a.history.loss);
    expect(b.history.accuracy).toEqual(a.history.accuracy);
    expect(b.history.val_loss).toEqual(a.history.val_loss);
    expect(b.history.val_accuracy).toEqual(a.history.val_accuracy);
    expect(b.params!.steps).toBe(6);
    expect(b.params!.samples).toBeNull();
    expect(b.params!.batchSize).toBeNull();
    // evaluate(dataset) equals evaluate on tensors in the same batches; steps reads the first batches only.
    const evaluated = await fromDataset.evaluate(dn.data.dataset({ xs: validation.x, ys: validation.y }).batch(8));
    expect(evaluated).toEqual(await fromDataset.evaluate(validation.x, validation.y, { batchSize: 8 }));
    const firstTwo = await fromDataset.evaluate(dn.data.dataset({ xs: validation.x, ys: validation.y }).batch(8), { steps: 2 });
    expect(firstTwo).toEqual(await fromDataset.evaluate(validation.x.slice([0, 0], [16, 3]), validation.y.slice([0], [16]), { batchSize: 8 }));
  });

  it('sample weights in the batches and classWeight weigh the loss as with in-memory data', async () => {
    const weights = dn.tensor(Array.from({ length: 96 }, (_, i) => (i % 3) + 0.5));
    const classWeight = { 0: 1, 1: 3, 2: 0.5 };
    const inMemory = classifier();
    await inMemory.fit(data.x, data.y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0, sampleWeight: weights, classWeight });
    const fromDataset = classifier();
    await fromDataset.fit(dn.data.dataset([data.x, data.y, weights]).batch(32), { epochs: 2, verbose: 0, classWeight });
    expect(sameWeights(inMemory, fromDataset)).toBe(true);
    const named = classifier();
    await named.fit(dn.data.dataset({ xs: data.x, ys: data.y, sampleWeight: weights }).batch(32), { epochs: 2, verbose: 0, classWeight });
    expect(sameWeights(inMemory, named)).toBe(true);
  });

  it('builds a model without an input shape from its first batch', async () => {
    const unbuilt = classifier(false);
    expect(unbuilt.built).toBe(false);
    const built = classifier();
    await unbuilt.fit(dn.data.dataset({ xs: data.x, ys: data.y }).batch(24), { epochs: 1, verbose: 0 });
    await built.fit(data.x, data.y, { epochs: 1, batchSize: 24, shuffle: false, verbose: 0 });
    expect(sameWeights(unbuilt, built)).toBe(true);
  });

  it('a shuffled dataset with a seed trains the same twice; each epoch is a new order', async () => {
    const train = () => dn.data.dataset({ xs: data.x, ys: data.y }).shuffle(96, { seed: 5 }).batch(16);
    const first = classifier();
    const second = classifier();
    const h1 = await first.fit(train(), { epochs: 3, verbose: 0 });
    const h2 = await second.fit(train(), { epochs: 3, verbose: 0 });
    expect(h2.history.loss).toEqual(h1.history.loss);
    expect(sameWeights(first, second)).toBe(true);
    const unshuffled = classifier();
    await unshuffled.fit(dn.data.dataset({ xs: data.x, ys: data.y }).batch(16), { epochs: 3, verbose: 0 });
    expect(sameWeights(first, unshuffled)).toBe(false);
  });

  it('stepsPerEpoch reads one stream across epochs and starts it again when it runs out', async () => {
    const { ds, state } = countedBatches(data, 16); // 6 batches a pass
    const sizes: number[] = [];
    const model = classifier();
    const history = await model.fit(ds, { epochs: 3, stepsPerEpoch: 4, verbose: 0, callbacks: [{ onBatchEnd: (_batch, logs) => void sizes.push(logs!.size as number) }] });
    expect(history.history.loss.length).toBe(3);
    expect(history.params!.steps).toBe(4);
    expect(sizes.length).toBe(12);
    expect(state.read).toBe(12); // 6 + 6: no batch read twice within a pass, none skipped
    expect(state.passes).toBe(2);
    expect(state.closed).toBe(2); // the second pass is closed when fit ends
    // The same batches, in the same order, as fitting the 12 batches in one epoch.
    const reference = classifier();
    await reference.fit(ds.repeat(2), { epochs: 1, verbose: 0 });
    expect(sameWeights(model, reference)).toBe(true);
    // An endless dataset with stepsPerEpoch, and validationSteps on a fresh pass each epoch.
    const { ds: validationBatches, state: validationState } = countedBatches(validation, 8);
    const endless = dn.data.dataset({ xs: data.x, ys: data.y }).batch(16).repeat();
    const h = await classifier().fit(endless, { epochs: 2, stepsPerEpoch: 3, verbose: 0, validationData: validationBatches, validationSteps: 2 });
    expect(h.history.val_loss.length).toBe(2);
    expect(validationState.passes).toBe(2);
    expect(validationState.read).toBe(4);
    expect(validationState.closed).toBe(2);
  });

  it('closes the dataset when training stops early or fails', async () => {
    const { ds, state } = countedBatches(data, 16);
    const model = classifier();
    await model.fit(ds, {
      epochs: 5, verbose: 0,
      callbacks: [{ onBatchEnd: (batch) => { if (batch === 1) model.stopTraining = true; } }],
    });
    expect(state.read).toBe(2);
    expect(state.closed).toBe(state.passes);
    const { ds: aborted, state: abortedState } = countedBatches(data, 16);
    const controller = new AbortController();
    await expect(model.fit(aborted, { epochs: 2, verbose: 0, signal: controller.signal, callbacks: [{ onBatchEnd: () => controller.abort() }] })).rejects.toThrow(/aborted/);
    expect(abortedState.read).toBe(2); // the next batch is read before the abort is seen
    expect(abortedState.closed).toBe(abortedState.passes);
  });

  it('trains a model with two inputs and two outputs from { xs: [a, b], ys: [p, q] } batches', async () => {
    const build = () => {
      const a = dn.input({ shape: [3], name: 'a' });
      const b = dn.input({ shape: [2], name: 'b' });
      const p = dn.layers.dense({ units: 1, name: 'p', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }).apply(a);
      const q = dn.layers.dense({ units: 1, name: 'q', kernelInitializer: dn.initializers.glorotUniform({ seed: 4 }) }).apply(b);
      const model = dn.model({ inputs: [a, b], outputs: [p, q] });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      return model;
    };
    const a = dn.randn([20, 3], { seed: 1 });
    const b = dn.randn([20, 2], { seed: 2 });
    const p = a.sum(1, true);
    const q = b.mean(1, true);
    const inMemory = build();
    const h1 = await inMemory.fit([a, b], [p, q], { epochs: 2, batchSize: 5, shuffle: false, verbose: 0 });
    const fromDataset = build();
    const h2 = await fromDataset.fit(dn.data.dataset({ xs: [a, b], ys: [p, q] }).batch(5), { epochs: 2, verbose: 0 });
    expect(h2.history.p_loss).toEqual(h1.history.p_loss);
    expect(sameWeights(inMemory, fromDataset)).toBe(true);
    const byName = build();
    await byName.fit(dn.data.dataset({ xs: { a, b }, ys: { p, q } }).batch(5), { epochs: 2, verbose: 0 });
    expect(sameWeights(inMemory, byName)).toBe(true);
  });

  it('trains from a CSV file read as a stream exactly as from the same file read whole', async () => {
    const lines = ['f0,f1,f2,label'];
    for (let i = 0; i < 96; i++) lines.push(`${Array.from(data.x.dataSync().subarray(i * 3, i * 3 + 3)).join(',')},${data.y.dataSync()[i]}`);
    const path = join(folder, 'blobs.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const whole = dn.data.readCsv(path, { labelColumn: 'label' });
    const inMemory = classifier();
    await inMemory.fit(whole.x, whole.y!, { epochs: 2, batchSize: 12, shuffle: false, verbose: 0 });
    const streamed = classifier();
    await streamed.fit(dn.data.csv(path, { label: 'label' }).batch(12).prefetch(2), { epochs: 2, verbose: 0 });
    expect(sameWeights(inMemory, streamed)).toBe(true);
  });

  it('the progress line shows n/? until the first epoch tells the number of batches', async () => {
    const chunks: string[] = [];
    const stream = { isTTY: true, write: (text: string) => (chunks.push(text), true) };
    const { ds } = countedBatches(data, 32);
    await classifier().fit(ds, { epochs: 2, verbose: 0, callbacks: [new dn.ProgressLogger({ stream, refreshMs: 0 })] });
    const text = chunks.join('');
    expect(text).toMatch(/\r1\/\? - /);
    expect(text).toMatch(/\r3\/\? - /);
    // The second epoch knows there are 3 batches: a bar and an ETA.
    expect(text).toMatch(/Epoch 2\/2\n\r1\/3 \[=+>\.+\] - ETA/);
  });
});
