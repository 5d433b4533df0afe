// Masks in models: padded steps count in neither the loss nor the metrics (Keras' weighting: the mean over
// valid positions), padding changes nothing in training, masks flow through graphs and nested models;
// save/load round trips of sequence models (recurrent layers, wrappers, embeddings, an encoder-decoder).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { randomTensor } from '../helpers/gradcheck.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-masks-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const seeded = (extra: dn.layers.LSTMOptions & dn.layers.GRUOptions): dn.layers.LSTMOptions & dn.layers.GRUOptions => ({
  kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: dn.initializers.orthogonal({ seed: 2 }),
  biasInitializer: dn.initializers.randomUniform({ seed: 3 }), ...extra,
});
const ids = (values: number[][]): dn.Tensor => dn.tensor(values, undefined, 'int32');

function tagger(): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputShape: [null], embeddingsInitializer: dn.initializers.randomUniform({ seed: 4 }) }),
    dn.layers.lstm(seeded({ units: 5, returnSequences: true })),
    dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 5 }) }),
  ] });
}

describe('masked losses and metrics', () => {
  it('a sequence output\'s loss is the mean over its valid positions, and its accuracy counts only them', async () => {
    const model = tagger();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = ids([[1, 2, 3, 0], [4, 0, 0, 0]]);
    const y = dn.tensor([[0, 1, 2, 2], [1, 0, 0, 0]]);
    const probabilities = model.predict(x);
    const p = probabilities.dataSync();
    const labels = y.dataSync();
    const valid = [0, 1, 2, 4];
    let loss = 0;
    let correct = 0;
    for (const position of valid) {
      loss -= Math.log(p[position * 3 + labels[position]]);
      const row = Array.from(p.slice(position * 3, position * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[position]) correct++;
    }
    const result = await model.evaluate(x, y, { batchSize: 2 });
    expect(result.loss).toBeCloseTo(loss / valid.length, 5);
    expect(result.accuracy).toBeCloseTo(correct / valid.length, 6);
  });

  it('padding a batch with more padded steps changes neither the loss nor the trained weights', async () => {
    const short = ids([[1, 2, 3], [4, 5, 0]]);
    const long = ids([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]]);
    const yShort = dn.tensor([[0, 1, 2], [1, 2, 0]]);
    const yLong = dn.tensor([[0, 1, 2, 1, 1], [1, 2, 0, 2, 2]]);
    const results = await Promise.all([[short, yShort], [long, yLong]].map(async ([x, y]) => {
      const model = tagger();
      model.compile({ optimizer: dn.optimizers.adam(0.05), loss: 'sparseCategoricalCrossentropy' });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, shuffle: false });
      return { loss: history.history.loss, weights: model.getWeights().map((w) => Array.from(w.dataSync())) };
    }));
    results[0].loss.forEach((value, i) => expect(results[1].loss[i]).toBeCloseTo(value, 5));
    results[0].weights.forEach((w, i) => w.forEach((v, j) => expect(results[1].weights[i][j]).toBeCloseTo(v, 5)));
  });

  it('a classifier on masked sequences learns, in a graph with int32 inputs', async () => {
    const input = dn.input({ shape: [null], dtype: 'int32' });
    const embedded = dn.layers.embedding({ inputDim: 4, outputDim: 4, maskZero: true }).apply(input);
    const encoded = dn.layers.gru(seeded({ units: 6 })).apply(embedded);
    const output = dn.layers.dense({ units: 1, activation: 'sigmoid' }).apply(encoded);
    const model = dn.model({ inputs: input, outputs: output });
    model.compile({ optimizer: dn.optimizers.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    // Label: whether the first token is 1; padding of any length after it.
    const rows: number[][] = [];
    const labels: number[] = [];
    const generator = new dn.Generator(7);
    for (let i = 0; i < 64; i++) {
      const length = generator.integer(1, 6);
      const row = Array.from({ length: 6 }, (_, t) => (t < length ? generator.integer(1, 4) : 0));
      rows.push(row);
      labels.push(row[0] === 1 ? 1 : 0);
    }
    await model.fit(ids(rows), dn.tensor(labels), { epochs: 40, batchSize: 16, verbose: 0, seed: 1 });
    const result = await model.evaluate(ids(rows), dn.tensor(labels));
    expect(result.accuracy).toBeGreaterThan(0.95);
  });

  it('a mask that does not fit the predictions is a ShapeError naming the loss', () => {
    const loss = dn.losses.get('meanSquaredError');
    expect(() => (loss as unknown as { compute: (...args: unknown[]) => dn.Tensor }).compute(dn.zeros([2, 3, 1]), dn.zeros([2, 3, 1]), null, false, 'mean', false, dn.ones([2, 4]))).toThrow(ShapeError);
    const metric = dn.metrics.binaryAccuracy();
    // A metric takes the mask as its sample weights (as Keras does): one that does not broadcast is a ShapeError.
    expect(() => metric.update(dn.zeros([2, 3]), dn.zeros([2, 3]), dn.ones([4]))).toThrow(/binaryAccuracy: sampleWeight must be a scalar, hold one weight per sample \(shape \[2\]\) or broadcast to the per-row losses \(shape \[2, 3\]\), got shape \[4\]/);
  });
});

describe('sequence models: save and load', () => {
  it('round-trips embedding, masking, bidirectional, timeDistributed and every recurrent layer, bit for bit', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.masking({ inputShape: [null, 3] }),
      dn.layers.bidirectional({ layer: dn.layers.lstm(seeded({ units: 4, returnSequences: true, dropout: 0.2 })), mergeMode: 'ave' }),
      dn.layers.gru(seeded({ units: 3, returnSequences: true, resetAfter: false })),
      dn.layers.simpleRNN(seeded({ units: 3, returnSequences: true, goBackwards: true })),
      dn.layers.timeDistributed({ layer: dn.layers.dense({ units: 2 }) }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = randomTensor([4, 5, 3], { seed: 8 });
    await model.fit(x, randomTensor([4, 5, 2], { seed: 9 }), { epochs: 2, verbose: 0 });
    await model.save(join(folder, 'sequence'), { includeOptimizer: true });
    const loaded = await dn.loadModel(join(folder, 'sequence'));
    expect(Array.from((loaded.predict(x) as dn.Tensor).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    expect(loaded.getConfig()).toEqual(model.getConfig());
  });

  it('round-trips an encoder-decoder graph whose decoder starts from the encoder\'s states', async () => {
    const source = dn.input({ shape: [null, 3] });
    const target = dn.input({ shape: [null, 2] });
    const [, h, c] = dn.layers.lstm({ ...seeded({ units: 4 }), returnState: true }).apply(source);
    const decoded = dn.layers.lstm(seeded({ units: 4, returnSequences: true })).apply(target, { initialState: [h, c] });
    const output = dn.layers.dense({ units: 2 }).apply(decoded);
    const model = dn.model({ inputs: [source, target], outputs: output });
    const xs = [randomTensor([2, 5, 3], { seed: 10 }), randomTensor([2, 4, 2], { seed: 11 })];
    const before = model.predict(xs);
    // The decoder depends on the encoder through the states.
    const other = model.predict([randomTensor([2, 5, 3], { seed: 12 }), xs[1]]);
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(before.dataSync()));
    const buffer = await model.saveToBuffer();
    const loaded = await dn.loadModelFromBuffer(buffer);
    expect(Array.from((loaded.predict(xs) as dn.Tensor).dataSync())).toEqual(Array.from(before.dataSync()));
  });
});
