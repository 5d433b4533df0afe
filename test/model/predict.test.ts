// predict, predictAsync, evaluate, trainOnBatch and apply.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

function classifier(): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelInitializer: dn.initializers.heNormal({ seed: 1 }), biasInitializer: dn.initializers.constant({ value: 0.1 }) }),
      dn.layers.dropout({ rate: 0.5, seed: 2 }),
      dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const x = dn.rand([10, 4], { seed: 4 });
const labels = dn.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: 'int32' });

describe('predict: should throw', () => {
  it('validates options and inputs', async () => {
    const model = classifier();
    expect(() => model.predict(x, { batchsize: 2 } as never)).toThrow(/unknown option 'batchsize' \(did you mean 'batchSize'\?\)/);
    expect(() => model.predict(x, { batchSize: 0 })).toThrow(ValueError);
    expect(() => model.predict('x' as never)).toThrow(ArgumentTypeError);
    expect(() => model.predict(dn.zeros([2, 5]))).toThrow(ShapeError);
    await expect(model.predictAsync(dn.zeros([2, 5]))).rejects.toThrow(ShapeError);
    await expect(model.evaluate(x, labels, { batch: 2 } as never)).rejects.toThrow(/unknown option 'batch'/);
    expect(() => model.trainOnBatch(x, labels, { weights: 1 } as never)).toThrow(/unknown option 'weights'/);
    expect(() => model.apply(x, { training: 1 } as never)).toThrow(ArgumentTypeError);
  });
});

describe('predict', () => {
  it('computes the forward pass in inference mode (dropout off)', () => {
    const model = classifier();
    const [k1, b1, , ] = model.getWeights();
    const k2 = model.getWeights()[2];
    const b2 = model.getWeights()[3];
    const expected = dn.softmax(dn.relu(x.matmul(k1).add(b1)).matmul(k2).add(b2));
    const got = model.predict(x);
    expect(got.shape).toEqual([10, 3]);
    got.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected.dataSync()[i], 6));
  });

  it('gives the same result for every batch size, and a fresh tensor each call', () => {
    const model = classifier();
    const all = Array.from(model.predict(x, { batchSize: 100 }).dataSync());
    for (const batchSize of [1, 3, 10]) expect(Array.from(model.predict(x, { batchSize }).dataSync())).toEqual(all);
    const a = model.predict(x);
    const b = model.predict(x);
    expect(a.storage).not.toBe(b.storage);
    expect(model.predict(dn.zeros([0, 4])).shape).toEqual([0, 3]);
  });

  it('gives the same results in its default passes (256 rows, then 44) as in passes of one row', () => {
    const model = classifier();
    const many = dn.randn([300, 4], { seed: 3 });
    const byRow = Array.from(model.predict(many, { batchSize: 1 }).dataSync());
    expect(Array.from(model.predict(many).dataSync())).toEqual(byRow);
    expect(Array.from(model.predict(many, { batchSize: 256 }).dataSync())).toEqual(byRow);
  });

  it('predictAsync resolves to what predict returns (more in test/server/predict-async.test.ts)', async () => {
    const model = classifier();
    const promise = model.predictAsync(x, { batchSize: 4 });
    expect(promise).toBeInstanceOf(Promise);
    const result = await promise;
    expect(Array.from(result.dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
  });

  it('evaluate gives the loss and metrics in inference mode', async () => {
    const model = classifier();
    const probabilities = model.predict(x);
    const expectedLoss = dn.losses.sparseCategoricalCrossentropy(labels, probabilities).item();
    const accuracy = dn.metrics.sparseCategoricalAccuracy();
    accuracy.update(labels, probabilities);
    const result = await model.evaluate(x, labels, { batchSize: 3 });
    expect(Object.keys(result)).toEqual(['loss', 'accuracy']);
    // From logits (the fused kernel) versus from probabilities: equal to float32 rounding.
    expect(result.loss).toBeCloseTo(expectedLoss, 5);
    expect(result.accuracy).toBeCloseTo(accuracy.result(), 6);
    const weighted = await model.evaluate(x, labels, { sampleWeight: dn.zeros([10]) });
    expect(weighted.loss).toBe(0);
  });

  it('trainOnBatch takes exactly one SGD step', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
    model.setWeights([[[0.5], [-1]], [0.25]]);
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.1 }), loss: 'mse', metrics: ['mae'] });
    const xs = dn.tensor([[1, 2], [3, -1]]);
    const ys = dn.tensor([[1], [0]]);
    // Predictions -1.25 and 2.75; errors -2.25 and 2.75; mse = (5.0625 + 7.5625) / 2.
    const result = model.trainOnBatch(xs, ys);
    expect(result.loss).toBeCloseTo(6.3125, 5);
    expect(result.mae).toBeCloseTo(2.5, 5);
    // dL/dw = mean(2 e x): [(-4.5 + 16.5) / 2, (-9 - 5.5) / 2] = [6, -7.25]; dL/db = (-4.5 + 5.5) / 2 = 0.5.
    const [kernel, bias] = model.getWeights();
    expect(kernel.dataSync()[0]).toBeCloseTo(0.5 - 0.6, 5);
    expect(kernel.dataSync()[1]).toBeCloseTo(-1 + 0.725, 5);
    expect(bias.dataSync()[0]).toBeCloseTo(0.25 - 0.05, 5);
    expect(model.optimizer!.iterations).toBe(1);
  });

  it('apply runs the model with autograd for custom loops', () => {
    const model = classifier();
    const out = model.apply(x, { training: true });
    expect(out.requiresGrad).toBe(true);
    out.sum().backward();
    const kernel = model.weights[0].value;
    expect(kernel.grad).not.toBeNull();
    expect(kernel.grad!.shape).toEqual([4, 6]);
  });
});
