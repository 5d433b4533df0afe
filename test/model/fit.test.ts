// fit: learning, History, validation, seeded shuffling, weights, the fused softmax/sigmoid
// cross-entropy step against the same step computed with plain ops, penalties in the loss, frozen
// layers, NaN handling, and yielding to the event loop.
import { describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

const xor = { x: dn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: dn.tensor([[0], [1], [1], [0]]) };

function mlp(seed: number, output: { units: number; activation: string }, inputDim = 2): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.dense({ units: 8, activation: 'tanh', inputShape: [inputDim], kernelInitializer: dn.initializers.glorotUniform({ seed }) }),
      dn.layers.dense({ units: output.units, activation: output.activation as never, kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** A small 3-class problem: the class is the index of the largest of three features. */
function blobs(n: number, seed: number): { x: dn.Tensor; labels: dn.Tensor } {
  const generator = new dn.Generator(seed);
  const x = new Float32Array(n * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < 3; c++) {
      x[i * 3 + c] = generator.uniform(-1, 1);
      if (x[i * 3 + c] > x[i * 3 + best]) best = c;
    }
    labels[i] = best;
  }
  return { x: dn.tensor(x, [n, 3]), labels: dn.tensor(labels) };
}

describe('fit: should throw', () => {
  const model = mlp(1, { units: 1, activation: 'sigmoid' });
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });

  it('validates options with suggestions', async () => {
    await expect(model.fit(xor.x, xor.y, { epoch: 3 } as never)).rejects.toThrow(/fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await expect(model.fit(xor.x, xor.y, { batchSize: 0 })).rejects.toThrow(ValueError);
    await expect(model.fit(xor.x, xor.y, { shuffle: 'yes' as never })).rejects.toThrow(ArgumentTypeError);
    await expect(model.fit(xor.x, xor.y, { validationSplit: 1 })).rejects.toThrow(/validationSplit must be a number in \[0, 1\)/);
    await expect(model.fit(xor.x, xor.y, { validationSplit: 0.5, validationData: [xor.x, xor.y] })).rejects.toThrow(/not both/);
    await expect(model.fit(xor.x, xor.y, { epochs: 2, initialEpoch: 3 })).rejects.toThrow(/initialEpoch \(3\) must not exceed epochs \(2\)/);
    await expect(model.fit(xor.x, xor.y, { onNonFiniteLoss: 'skip' as never })).rejects.toThrow(/unknown onNonFiniteLoss 'skip'/);
    await expect(model.fit(xor.x, xor.y, { validationSplit: 0.9 })).rejects.toThrow('fit: validationSplit 0.9 of 4 samples leaves no training samples');
    await expect(model.fit(xor.x, xor.y, { callbacks: [{ onEpochEnds: () => {} }] as never })).rejects.toThrow(/unknown hook 'onEpochEnds' \(did you mean 'onEpochEnd'\?\)/);
  });

  it('checks the data before training', async () => {
    await expect(model.fit(xor.x, dn.zeros([3, 1]))).rejects.toThrow('fit: y must have one entry per sample (4), got shape [3, 1]');
    await expect(model.fit(dn.zeros([4, 3]), xor.y)).rejects.toThrow(ShapeError);
    await expect(model.fit(xor.x, dn.zeros([4, 2]))).rejects.toThrow(/binaryCrossentropy: yTrue and yPred must have the same shape, got yTrue \[1, 2\] and yPred \[1, 1\]/);
    const classifier = mlp(1, { units: 3, activation: 'softmax' }, 3);
    classifier.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(classifier.fit(dn.zeros([3, 3]), dn.tensor([0, 1, 5]), { verbose: 0 })).rejects.toThrow(
      'fit: y[2] must be a class index in [0, 3) for sparseCategoricalCrossentropy, got 5',
    );
    await expect(model.fit(xor.x, xor.y, { classWeight: { 0: 1 }, verbose: 0 })).rejects.toThrow(/classWeight has no weight for class 1 \(sample 1\)/);
    await expect(model.fit(xor.x, xor.y, { classWeight: { a: 1 } as never, verbose: 0 })).rejects.toThrow(ValueError);
  });

  it('refuses a second fit while one runs', async () => {
    const running = model.fit(xor.x, xor.y, { epochs: 3, verbose: 0 });
    await expect(model.fit(xor.x, xor.y, { verbose: 0 })).rejects.toThrow(/already training/);
    await running;
  });
});

describe('fit', () => {
  it('learns XOR with a 2-8-1 tanh/sigmoid network', async () => {
    const model = mlp(3, { units: 1, activation: 'sigmoid' });
    model.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(xor.x, xor.y, { epochs: 300, batchSize: 4, verbose: 0, seed: 1 });
    expect(history.epoch.length).toBe(300);
    expect(history.history.accuracy[299]).toBe(1);
    expect(history.history.loss[299]).toBeLessThan(0.05);
    expect(history.history.loss[299]).toBeLessThan(history.history.loss[0]);
    expect(model.history).toBe(history);
    const predicted = model.predict(xor.x).dataSync();
    expect(Array.from(predicted, (p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it('records every metric per epoch, for training and validation', async () => {
    const { x, labels } = blobs(120, 2);
    const model = mlp(5, { units: 3, activation: 'softmax' }, 3);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'acc'] });
    const history = await model.fit(x, labels, { epochs: 3, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['acc', 'accuracy', 'loss', 'val_acc', 'val_accuracy', 'val_loss']);
    for (const values of Object.values(history.history)) expect(values.length).toBe(3);
    expect(model.metricsNames).toEqual(['loss', 'accuracy', 'acc']);
    // The validation loss is what evaluate gives on the last quarter.
    const evaluated = await model.evaluate(x.slice([90, 0], [30, 3]), labels.slice([90], [30]));
    expect(evaluated.loss).toBeCloseTo(history.history.val_loss[2], 5);
    expect(evaluated.accuracy).toBeCloseTo(history.history.val_accuracy[2], 6);
  });

  it('takes validationData, with sample weights', async () => {
    const { x, labels } = blobs(40, 3);
    const model = mlp(7, { units: 3, activation: 'softmax' }, 3);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const history = await model.fit(x, labels, { epochs: 1, verbose: 0, validationData: [x, labels, dn.ones([40])] });
    const evaluated = await model.evaluate(x, labels);
    expect(history.history.val_loss[0]).toBeCloseTo(evaluated.loss, 5);
  });

  it('is reproducible for a seed, and the seed changes the order', async () => {
    const { x, labels } = blobs(64, 4);
    const run = async (seed: number) => {
      const model = mlp(9, { units: 3, activation: 'softmax' }, 3);
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, labels, { epochs: 2, batchSize: 8, seed, verbose: 0 });
      return Array.from(model.getWeights()[0].dataSync());
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });

  it('starts at initialEpoch and stops at epochs', async () => {
    const model = mlp(1, { units: 1, activation: 'sigmoid' });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const history = await model.fit(xor.x, xor.y, { epochs: 5, initialEpoch: 3, verbose: 0 });
    expect(history.epoch).toEqual([3, 4]);
    expect((await model.fit(xor.x, xor.y, { epochs: 0, verbose: 0 })).epoch).toEqual([]);
  });

  it('trains on logits with the fused softmax cross-entropy: the same step as plain ops', async () => {
    const { x, labels } = blobs(16, 5);
    const fused = mlp(13, { units: 3, activation: 'softmax' }, 3);
    const plain = mlp(13, { units: 3, activation: 'softmax' }, 3);
    fused.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    // The same loss written with ops: autograd through softmax, log, gather.
    const oneHot = dn.oneHot(labels, 3);
    plain.compile({
      optimizer: dn.optimizers.sgd({ learningRate: 0.5 }),
      loss: (_yTrue: dn.Tensor, yPred: dn.Tensor) => yPred.log().mul(oneHot).sum().div(-16),
    });
    await fused.fit(x, labels, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    await plain.fit(x, labels, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    const a = fused.getWeights();
    const b = plain.getWeights();
    // Tolerance 1e-5: the two paths round differently in float32.
    a.forEach((w, i) => w.dataSync().forEach((v, j) => expect(Math.abs(v - b[i].dataSync()[j])).toBeLessThan(1e-5)));
  });

  it('folds a final sigmoid into binary cross-entropy the same way', async () => {
    const fused = mlp(17, { units: 1, activation: 'sigmoid' });
    const plain = mlp(17, { units: 1, activation: 'sigmoid' });
    fused.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy' });
    plain.compile({
      optimizer: dn.optimizers.sgd({ learningRate: 0.5 }),
      loss: (t: dn.Tensor, p: dn.Tensor) => t.mul(p.log()).add(dn.sub(1, t).mul(dn.sub(1, p).log())).mean().neg(),
    });
    fused.trainOnBatch(xor.x, xor.y);
    plain.trainOnBatch(xor.x, xor.y);
    fused.getWeights().forEach((w, i) => w.dataSync().forEach((v, j) => expect(Math.abs(v - plain.getWeights()[i].dataSync()[j])).toBeLessThan(1e-5)));
  });

  it('adds weight and activity penalties to the reported loss', async () => {
    const model = dn.sequential({
      layers: [dn.layers.dense({ units: 2, inputShape: [2], kernelRegularizer: dn.regularizers.l2({ l2: 0.1 }), activityRegularizer: dn.regularizers.l1({ l1: 0.01 }) })],
    });
    model.setWeights([[[1, 2], [3, 4]], [0, 0]]);
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const x = dn.tensor([[1, 0], [0, 1]]);
    const y = dn.zeros([2, 2]);
    // outputs [[1, 2], [3, 4]]: mse 7.5, l2 0.1 * 30 = 3, activity 0.01 * 10 / batch 2 = 0.05.
    expect(model.trainOnBatch(x, y).loss).toBeCloseTo(7.5 + 3 + 0.05, 5);
    expect((await model.evaluate(x, y)).loss).toBeCloseTo(10.55, 5);
  });

  it('applies classWeight and sampleWeight to the loss', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const x = dn.tensor([[1], [1]]);
    const y = dn.tensor([[0], [1]]);
    // Squared errors 0 and 1; class 1 weighted 3: (0 + 3) / 2.
    expect(model.trainOnBatch(x, y, { classWeight: { 0: 1, 1: 3 } }).loss).toBeCloseTo(1.5, 6);
    expect(model.trainOnBatch(x, y, { sampleWeight: dn.tensor([1, 0.5]) }).loss).toBeCloseTo(0.25, 6);
    expect(model.trainOnBatch(x, y, { sampleWeight: dn.tensor([1, 2]), classWeight: { 0: 1, 1: 3 } }).loss).toBeCloseTo(3, 6);
  });

  it('applies classWeight to the training part of a validationSplit only, and splits sampleWeight', async () => {
    // Keras applies class weights to the training data alone (tfjs validates unweighted), as
    // Dendrite's validationData path does. A frozen model predicting 0.5 costs ln 2 per sample.
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'binaryCrossentropy' });
    const x = dn.tensor([[1], [2], [3], [4]]);
    const y = dn.tensor([[0], [0], [1], [1]]);
    const options = { validationSplit: 0.5, shuffle: false, verbose: 0, classWeight: { 0: 1, 1: 10 } };
    const history = await model.fit(x, y, options);
    expect(history.history.loss[0]).toBeCloseTo(Math.LN2, 5);
    expect(history.history.val_loss[0]).toBeCloseTo(Math.LN2, 5);
    // The sample weights of the held-out rows still weight the validation loss (Keras splits them with the data).
    const weighted = await model.fit(x, y, { ...options, sampleWeight: dn.tensor([1, 3, 2, 2]) });
    expect(weighted.history.loss[0]).toBeCloseTo(2 * Math.LN2, 5);
    expect(weighted.history.val_loss[0]).toBeCloseTo(2 * Math.LN2, 5);
  });

  it("takes a weight per timestep ([samples, steps]) for sequence targets, as Keras' temporal sample weights", async () => {
    // An identity model (Dense(1) with kernel 1 on [samples, 3, 1]) predicts x, so the loss is Keras 3's
    // losses_test.py › MeanSquaredErrorTest › test_timestep_weighted: 97.833336.
    const identity = () => {
      const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3, 1], kernelInitializer: 'ones' })] });
      model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
      return model;
    };
    const x = dn.tensor([4, 8, 12, 8, 1, 3], [2, 3, 1]);
    const y = dn.tensor([1, 9, 2, -5, -2, 6], [2, 3, 1]);
    const perTimestep = dn.tensor([[3, 6, 5], [0, 4, 2]]);
    const model = identity();
    expect((await model.evaluate(x, y, { sampleWeight: perTimestep })).loss).toBeCloseTo(97.833336, 4);
    expect(model.testOnBatch(x, y, { sampleWeight: perTimestep }).loss).toBeCloseTo(97.833336, 4);
    expect((await model.evaluate(x, y, { sampleWeight: perTimestep, batchSize: 1 })).loss).toBeCloseTo(97.833336, 4);
    // Split with the data: the held-out sample keeps its own timestep weights (0*169 + 4*9 + 2*9) / 3.
    const split = await model.fit(x, y, { epochs: 1, validationSplit: 0.5, shuffle: false, verbose: 0, sampleWeight: perTimestep });
    expect(split.history.loss[0]).toBeCloseTo((3 * 9 + 6 * 1 + 5 * 100) / 3, 4);
    expect(split.history.val_loss[0]).toBeCloseTo((4 * 9 + 2 * 9) / 3, 4);
  });

  it('trains with per-timestep weights as with the per-sample weights they repeat, shuffled or not, and ignores zero-weighted steps', async () => {
    const sequences = (seed: number) => {
      const model = dn.sequential({
        layers: [dn.layers.lstm({ units: 4, returnSequences: true, inputShape: [5, 2], kernelInitializer: dn.initializers.glorotUniform({ seed }), recurrentInitializer: dn.initializers.orthogonal({ seed: seed + 1 }) }),
          dn.layers.timeDistributed({ layer: dn.layers.dense({ units: 1, kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 2 }) }) })],
      });
      model.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
      return model;
    };
    const generator = new dn.Generator(3);
    const x = dn.tensor(Array.from({ length: 6 * 5 * 2 }, () => generator.uniform(-1, 1)), [6, 5, 2]);
    const y = dn.tensor(Array.from({ length: 6 * 5 }, () => generator.uniform(-1, 1)), [6, 5, 1]);
    const perSample = [1, 0.5, 2, 0, 1.5, 1];
    const repeated = dn.tensor(perSample.flatMap((w) => [w, w, w, w, w]), [6, 5]);
    const options = { epochs: 2, batchSize: 4, verbose: 0, seed: 7 };
    for (const shuffle of [false, true]) {
      const a = sequences(11);
      const b = sequences(11);
      await a.fit(x, y, { ...options, shuffle, sampleWeight: dn.tensor(perSample) });
      await b.fit(x, y, { ...options, shuffle, sampleWeight: repeated });
      b.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(a.getWeights()[i].dataSync())));
    }
    // Targets changed at the steps weighted 0 change nothing (the same training, bit for bit).
    const mask = dn.tensor(Array.from({ length: 30 }, (_, i) => (i % 5 === 2 ? 0 : 1)), [6, 5]);
    const changed = y.mul(dn.tensor(Array.from({ length: 30 }, (_, i) => (i % 5 === 2 ? -7 : 1)), [6, 5, 1]));
    const c = sequences(11);
    const d = sequences(11);
    await c.fit(x, y, { ...options, shuffle: true, sampleWeight: mask });
    await d.fit(x, changed, { ...options, shuffle: true, sampleWeight: mask });
    d.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(c.getWeights()[i].dataSync())));
    // classWeight multiplies each timestep weight of the sample's class.
    const binary = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'zeros' })] });
    binary.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'binaryCrossentropy' });
    expect(binary.trainOnBatch(dn.tensor([[1], [2]]), dn.tensor([[0], [1]]), { sampleWeight: dn.tensor([1, 3]), classWeight: { 0: 1, 1: 2 } }).loss).toBeCloseTo(3.5 * Math.LN2, 5);
  });

  it('names the shapes when per-timestep weights do not fit the targets or the loss', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3, 1] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = dn.zeros([2, 3, 1]);
    expect(() => model.trainOnBatch(x, x, { sampleWeight: dn.ones([2, 4]) })).toThrow(ShapeError);
    expect(() => model.trainOnBatch(x, x, { sampleWeight: dn.ones([2, 4]) })).toThrow(
      'trainOnBatch: sampleWeight must hold one weight per sample (shape [2]) or one per timestep (shape [2, 3]), got shape [2, 4] for targets of shape [2, 3, 1]',
    );
    await expect(model.evaluate(x, x, { sampleWeight: dn.ones([3, 3]) })).rejects.toThrow(/one weight per sample \(shape \[2\]\)/);
    // [samples, classes] targets: a weight per class is not a weight per timestep (the loss has one row per sample).
    const classifier = dn.sequential({ layers: [dn.layers.dense({ units: 3, activation: 'softmax', inputShape: [2] })] });
    classifier.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(() => classifier.trainOnBatch(dn.zeros([2, 2]), dn.tensor([[1, 0, 0], [0, 1, 0]]), { sampleWeight: dn.ones([2, 3]) })).toThrow(
      'categoricalCrossentropy: sampleWeight holds 6 weights for 2 samples; with yPred [2, 3] give one weight per sample',
    );
    // A loss function returns one loss per sample: it takes one weight per sample.
    const custom = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [3, 1] })] });
    custom.compile({ optimizer: 'sgd', loss: (t: dn.Tensor, p: dn.Tensor) => t.sub(p).square().mean(-1).mean(-1) });
    expect(() => custom.trainOnBatch(x, x, { sampleWeight: dn.ones([2, 3]) })).toThrow(/loss function: sampleWeight holds 3 weights per sample \(one per timestep\)/);
  });

  it('does not update a frozen layer, nor a model sharing it (a GAN)', () => {
    const generator = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [2], name: 'gen' })] });
    const discriminator = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2], name: 'disc' })] });
    discriminator.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    discriminator.getLayer('disc').trainable = false;
    const combined = dn.sequential({ layers: [generator.getLayer('gen'), discriminator.getLayer('disc')] });
    combined.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    const z = dn.tensor([[0.5, -1], [1, 2]]);
    const ones = dn.ones([2, 1]);
    const discBefore = discriminator.getWeights().map((w) => Array.from(w.dataSync()));
    const genBefore = Array.from(generator.getWeights()[0].dataSync());
    combined.trainOnBatch(z, ones);
    expect(discriminator.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(discBefore);
    expect(Array.from(generator.getWeights()[0].dataSync())).not.toEqual(genBefore);
    // The discriminator still trains with its own compile (trainable was captured then, as in Keras),
    // and the combined step left nothing in its gradients: one step equals a step from a fresh copy.
    const twin = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2], name: 'twin' })] });
    twin.setWeights(discriminator.getWeights());
    twin.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    discriminator.trainOnBatch(z, ones);
    twin.trainOnBatch(z, ones);
    expect(discriminator.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(twin.getWeights().map((w) => Array.from(w.dataSync())));
    expect(discriminator.getWeights()[0].dataSync()[0]).not.toBe(discBefore[0][0]);
  });

  it('stops on a NaN loss with an error naming the epoch and batch, keeping the weights', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = dn.tensor([[1], [2], [3], [4]]);
    const y = dn.tensor([[1], [2], [Number.NaN], [4]]);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 })).rejects.toThrow(
      /fit: the loss became NaN at epoch 1\/1, batch 2\/2; training stopped before this batch changed the weights/,
    );
    // The first batch trained, the second did not: weights differ from the start but are finite.
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).not.toEqual(before);
    for (const w of after) for (const v of w) expect(Number.isFinite(v)).toBe(true);
    const ignoring = await model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0, onNonFiniteLoss: 'ignore' });
    expect(ignoring.history.loss[0]).toBeNaN();
  });

  it('stops quietly on a NaN loss with terminateOnNaN', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const stop = dn.callbacks.terminateOnNaN();
    const history = await model.fit(dn.tensor([[1], [2]]), dn.tensor([[Number.POSITIVE_INFINITY], [1]]), {
      epochs: 5, batchSize: 1, shuffle: false, verbose: 0, callbacks: [stop],
    });
    expect(stop.terminatedAt).toEqual({ epoch: 0, batch: 0 });
    expect(history.epoch).toEqual([0]);
  });

  it('yields to the event loop between steps', async () => {
    const { x, labels } = blobs(256, 6);
    const model = mlp(21, { units: 3, activation: 'softmax' }, 3);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let batches = 0;
    await model.fit(x, labels, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [{ onBatchEnd: () => { batches++; } }] });
    clearInterval(timer);
    expect(batches).toBe(128);
    // The interval fired while fit was running (it cannot if fit never yields).
    expect(ticks).toBeGreaterThan(0);
  });

  it('trains a model whose loss is any function, through autograd', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: (t: dn.Tensor, p: dn.Tensor) => t.sub(p).square().mean() });
    const x = dn.tensor([[1], [2], [3]]);
    const history = await model.fit(x, x.mul(2), { epochs: 60, batchSize: 3, verbose: 0 });
    expect(history.history.loss[59]).toBeLessThan(1e-2);
    const perSample = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] });
    perSample.compile({ optimizer: 'sgd', loss: (t: dn.Tensor, p: dn.Tensor) => t.sub(p).square().sum(1) });
    expect(Number.isFinite(perSample.trainOnBatch(x, x, { sampleWeight: dn.tensor([1, 0, 1]) }).loss)).toBe(true);
    const scalarLoss = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] });
    scalarLoss.compile({ optimizer: 'sgd', loss: (t: dn.Tensor, p: dn.Tensor) => t.sub(p).square().mean() });
    expect(() => scalarLoss.trainOnBatch(x, x, { sampleWeight: dn.tensor([1, 0, 1]) })).toThrow(/one loss per sample/);
  });

  it('prints nothing with verbose 0', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    const model = mlp(1, { units: 1, activation: 'sigmoid' });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await model.fit(xor.x, xor.y, { epochs: 2, verbose: 0 });
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });
});

describe('fit: folding', () => {
  it('does not fold the output activation away from an activity penalty on it', () => {
    const model = dn.sequential({
      layers: [dn.layers.dense({ units: 2, activation: 'softmax', inputShape: [2], activityRegularizer: dn.regularizers.l1({ l1: 1 }) })],
    });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0 }), loss: 'categoricalCrossentropy' });
    const x = dn.tensor([[1, 2], [3, 4]]);
    const y = dn.tensor([[1, 0], [0, 1]]);
    const probabilities = model.predict(x);
    // l1 of probabilities is 1 per row: 2 over a batch of 2 adds exactly 1 to the loss.
    const expected = dn.losses.categoricalCrossentropy(y, probabilities).item() + 1;
    expect(model.trainOnBatch(x, y).loss).toBeCloseTo(expected, 5);
  });
});
