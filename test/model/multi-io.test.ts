// Models with several inputs and outputs: data as arrays or {name: tensor}, a loss and metrics per
// output, lossWeights, and Keras's log names (dense_2_loss, val_dense_2_accuracy).
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';

/**
 * Two inputs (a: 3 features, b: 2) joined, and two heads: `kind` (3 classes, softmax) and `price`
 * (1 value). Seeded, so every call builds the same weights.
 */
function twoHeads(): dn.Functional<dn.Tensor[]> {
  const a = dn.input({ shape: [3], name: 'a' });
  const b = dn.input({ shape: [2], name: 'b' });
  const joined = dn.layers.concatenate().apply([a, b]);
  const hidden = dn.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }).apply(joined);
  const kind = dn.layers.dense({ units: 3, activation: 'softmax', name: 'kind', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }).apply(hidden);
  const price = dn.layers.dense({ units: 1, name: 'price', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }).apply(hidden);
  return dn.model({ inputs: [a, b], outputs: [kind, price] });
}

const xa = dn.rand([24, 3], { seed: 4 });
const xb = dn.rand([24, 2], { seed: 5 });
const kinds = dn.randint(0, 3, [24], { seed: 6 });
const prices = xa.sum(1, true).add(xb.sum(1, true));

function compiled(options: Partial<dn.CompileOptions> = {}): dn.Functional<dn.Tensor[]> {
  const model = twoHeads();
  model.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: { kind: ['accuracy'] }, ...options });
  return model;
}

describe('several inputs and outputs: should throw', () => {
  it('checks compile settings per output', () => {
    const model = twoHeads();
    expect(() => model.compile({ loss: ['mse'] })).toThrow('compile: loss must hold one entry per output (2: kind, price), got 1');
    expect(() => model.compile({ loss: { kind: 'mse' } })).toThrow("compile: loss gives no loss for output 'price'; every output needs one (the model's outputs: kind, price)");
    expect(() => model.compile({ loss: { kind: 'mse', prise: 'mse' } })).toThrow("compile: loss names no output 'prise' (did you mean 'price'?); the model's outputs: kind, price");
    expect(() => model.compile({ loss: 'mse', lossWeights: [1] })).toThrow(/lossWeights must hold one entry per output/);
    expect(() => model.compile({ loss: 'mse', lossWeights: { kind: Number.NaN } })).toThrow(/lossWeights\['kind'\] must be a finite number/);
    expect(() => model.compile({ loss: 'mse', metrics: [['mae'], 'mse'] as never })).toThrow(/metrics\[0\] must be a metric like the other entries/);
    expect(() => model.compile({ loss: 'mse', metrics: ['mae', 'mae'] })).toThrow(/two metrics are named 'kind_mae'/);
  });

  it('checks the data against the inputs and outputs, naming them', async () => {
    const model = compiled();
    expect(() => model.predict(xa)).toThrow("predict: the model has 2 inputs (a, b): give x as an array of tensors in that order or an object { a: ..., b: ... }, got a Tensor");
    expect(() => model.predict({ a: xa })).toThrow("predict: x lacks the input 'b'; the model's inputs: a, b");
    expect(() => model.predict([xa, xb.slice([0, 0], [20, 2])])).toThrow(ShapeError);
    expect(() => model.predict([xa, xb.slice([0, 0], [20, 2])])).toThrow("predict: every input must have the same number of samples, got 24 in x['a'] and 20 in x['b']");
    expect(() => model.predict([xb, xa])).toThrow(/a: expected input with shape \[null, 3\], got shape \[24, 2\] \(x\['a'\]\)/);
    await expect(model.fit([xa, xb], [kinds])).rejects.toThrow('fit: y must hold one tensor per output (2: kind, price), got 1');
    await expect(model.fit([xa, xb], { kind: kinds, price: prices.slice([0, 0], [5, 1]) })).rejects.toThrow("fit: y['price'] must have one entry per sample (24), got shape [5, 1]");
    await expect(model.fit([xa, xb], [kinds, prices], { classWeight: { 0: 1, 1: 2, 2: 3 }, verbose: 0 })).rejects.toThrow(/the model has 2 outputs \(kind, price\): give classWeight as one table per output/);
    const badLabel = dn.tensor(kinds.dataSync().map((k, i) => (i === 7 ? 5 : k)));
    await expect(model.fit([xa, xb], [badLabel, prices], { verbose: 0 })).rejects.toThrow("fit: y['kind'][7] must be a class index in [0, 3) for sparseCategoricalCrossentropy, got 5");
  });
});

describe('several inputs and outputs', () => {
  it('trains with arrays or objects alike, logging each output the Keras way', async () => {
    const byArray = compiled();
    const byName = compiled();
    const h1 = await byArray.fit([xa, xb], [kinds, prices], { epochs: 2, batchSize: 8, seed: 7, verbose: 0, validationSplit: 0.25 });
    const h2 = await byName.fit({ b: xb, a: xa }, { price: prices, kind: kinds }, { epochs: 2, batchSize: 8, seed: 7, verbose: 0, validationSplit: 0.25 });
    expect(h1.history).toEqual(h2.history);
    expect(Object.keys(h1.history)).toEqual([
      'loss', 'kind_loss', 'price_loss', 'kind_accuracy', 'val_loss', 'val_kind_loss', 'val_price_loss', 'val_kind_accuracy',
    ]);
    expect(byArray.metricsNames).toEqual(['loss', 'kind_loss', 'price_loss', 'kind_accuracy']);
    // The total is the sum of the outputs' losses (weights 1, no penalties).
    h1.history.loss.forEach((total, i) => expect(total).toBeCloseTo(h1.history.kind_loss[i] + h1.history.price_loss[i], 5));
    const predictions = byArray.predict([xa, xb]);
    expect(predictions.map((p) => p.shape)).toEqual([[24, 3], [24, 1]]);
    const same = byName.predict({ a: xa, b: xb });
    predictions.forEach((p, k) => expect(p.toArray()).toEqual(same[k].toArray()));
    const async = await byArray.predictAsync([xa, xb]);
    predictions.forEach((p, k) => expect(async[k].toArray()).toEqual(p.toArray()));
  });

  it('weighs each output loss with lossWeights, in the total loss and in training', async () => {
    const plain = compiled();
    const weighted = compiled({ lossWeights: { kind: 0.5, price: 2 } });
    const a = await plain.evaluate([xa, xb], [kinds, prices]);
    const b = await weighted.evaluate([xa, xb], [kinds, prices]);
    expect(b.kind_loss).toBeCloseTo(a.kind_loss, 6);
    expect(b.price_loss).toBeCloseTo(a.price_loss, 6);
    expect(b.loss).toBeCloseTo(0.5 * a.kind_loss + 2 * a.price_loss, 5);
    // A weight of 0 leaves that head's weights as they were (only the other loss trains).
    const frozenHead = compiled({ lossWeights: [1, 0] });
    const before = frozenHead.getLayer('price').getWeights().map((w) => w.toArray());
    frozenHead.trainOnBatch([xa, xb], [kinds, prices]);
    expect(frozenHead.getLayer('price').getWeights().map((w) => w.toArray())).toEqual(before);
  });

  it('evaluate, trainOnBatch and testOnBatch report every output', async () => {
    const model = compiled();
    const logs = await model.evaluate({ a: xa, b: xb }, { kind: kinds, price: prices }, { batchSize: 5 });
    expect(Object.keys(logs)).toEqual(['loss', 'kind_loss', 'price_loss', 'kind_accuracy']);
    const whole = model.testOnBatch([xa, xb], [kinds, prices]);
    expect(Object.keys(whole)).toEqual(Object.keys(logs));
    for (const key of Object.keys(logs)) expect(whole[key]).toBeCloseTo(logs[key], 5);
    const before = model.testOnBatch([xa, xb], [kinds, prices]);
    const step = model.trainOnBatch([xa, xb], [kinds, prices]);
    expect(step.loss).toBeCloseTo(before.loss, 5);
    expect(model.testOnBatch([xa, xb], [kinds, prices]).loss).toBeLessThan(before.loss);
  });

  it('takes sample weights per output and class weights per output', async () => {
    const model = compiled();
    const zeroKind = new Float32Array(24);
    const logs = await model.evaluate([xa, xb], [kinds, prices], { sampleWeight: { kind: zeroKind } });
    expect(logs.kind_loss).toBe(0);
    expect(logs.price_loss).toBeGreaterThan(0);
    const all = await model.evaluate([xa, xb], [kinds, prices], { sampleWeight: dn.ones([24]) });
    const none = await model.evaluate([xa, xb], [kinds, prices]);
    expect(all.loss).toBeCloseTo(none.loss, 6);
    const weighted = model.testOnBatch([xa, xb], [kinds, prices], { sampleWeight: [null as never, dn.full([24], 3)] });
    expect(weighted.price_loss).toBeCloseTo(3 * none.price_loss, 5);
    const history = await model.fit([xa, xb], [kinds, prices], { classWeight: { kind: { 0: 1, 1: 1, 2: 1 } }, epochs: 1, verbose: 0 });
    expect(history.history.kind_loss[0]).toBeGreaterThan(0);
    await expect(model.fit([xa, xb], [kinds, prices], { classWeight: [{ 0: 1 }, null], verbose: 0 })).rejects.toThrow(
      "fit: classWeight['kind'] has no weight for class",
    );
  });

  it('saves and loads the per-output training configuration', async () => {
    const model = compiled({ lossWeights: [0.5, 2] });
    await model.fit([xa, xb], [kinds, prices], { epochs: 1, verbose: 0 });
    const loaded = await dn.loadModelFromBuffer<dn.Tensor[]>(await model.saveToBuffer({ includeOptimizer: true }));
    expect(loaded.metricsNames).toEqual(model.metricsNames);
    expect(await loaded.evaluate([xa, xb], [kinds, prices])).toEqual(await model.evaluate([xa, xb], [kinds, prices]));
    const a = model.trainOnBatch([xa, xb], [kinds, prices]);
    const b = loaded.trainOnBatch([xa, xb], [kinds, prices]);
    expect(b).toEqual(a);
  });

  it('a model with one output takes its targets by the output name too, and a loss per output as a one-entry array', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3], name: 'only', kernelInitializer: 'ones' })] });
    model.compile({ optimizer: 'sgd', loss: ['mse'], lossWeights: { only: 2 } });
    const logs = await model.evaluate(xa, { only: prices });
    expect(Object.keys(logs)).toEqual(['loss']);
    const plain = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3], kernelInitializer: 'ones' })] });
    plain.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(logs.loss).toBeCloseTo(2 * (await plain.evaluate(xa, prices)).loss, 5);
    expect(() => model.compile({ loss: { other: 'mse' } })).toThrow(ValueError);
  });
});
