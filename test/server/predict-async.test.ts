// predictAsync: native inference on a worker thread over a snapshot of the weights, equal to predict.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Layer, type CallContext, type Shape } from '../../lib/layers/layer.js';
import type { Tensor } from '../../lib/tensor.js';
import { peakGrowthMB } from '../helpers/peak-memory.js';

const defaultIsa = binding.backendInfo().isa;

afterEach(() => {
  vi.restoreAllMocks();
  binding.setIsa(defaultIsa);
});

function init(seed: number) {
  return { kernelInitializer: dn.initializers.glorotUniform({ seed }), biasInitializer: dn.initializers.randomUniform({ seed: seed + 100, minval: -0.5, maxval: 0.5 }) };
}

/** A batch normalization with moving statistics, gamma and beta away from their initial values. */
function normalization(seed: number) {
  return {
    gammaInitializer: dn.initializers.randomUniform({ seed, minval: 0.5, maxval: 2 }),
    betaInitializer: dn.initializers.randomNormal({ seed: seed + 1 }),
    movingMeanInitializer: dn.initializers.randomNormal({ seed: seed + 2 }),
    movingVarianceInitializer: dn.initializers.randomUniform({ seed: seed + 3, minval: 0.5, maxval: 2 }),
  };
}

/** Bitwise equality of two float32 tensors (NaN equal to NaN, -0 distinct from 0). */
function expectSameBits(got: Tensor, expected: Tensor): void {
  expect(got.shape).toEqual(expected.shape);
  expect(got.dtype).toBe('float32');
  const a = new Uint32Array(Float32Array.from(got.dataSync()).buffer);
  const b = new Uint32Array(Float32Array.from(expected.dataSync()).buffer);
  let firstDifference = -1;
  for (let i = 0; i < a.length && firstDifference < 0; i++) if (a[i] !== b[i]) firstDifference = i;
  expect(firstDifference).toBe(-1);
}

/** Models covering every layer and activation a plan can express. */
function models(): Array<[string, dn.Sequential, number[]]> {
  return [
    ['dense relu / dropout / dense softmax', dn.sequential({ layers: [
      dn.layers.dense({ units: 16, activation: 'relu', inputShape: [12], ...init(1) }),
      dn.layers.dropout({ rate: 0.5, seed: 2 }),
      dn.layers.dense({ units: 5, activation: 'softmax', ...init(3) }),
    ] }), [12]],
    ['every elementwise activation, in Dense and as layers', dn.sequential({ layers: [
      dn.layers.dense({ units: 9, activation: 'tanh', inputShape: [7], ...init(4) }),
      dn.layers.dense({ units: 9, activation: dn.activations.leakyRelu({ alpha: 0.3 }), ...init(5) }),
      dn.layers.dense({ units: 9, activation: 'elu', ...init(6) }),
      dn.layers.dense({ units: 9, activation: 'gelu', ...init(7) }),
      dn.layers.dense({ units: 9, activation: dn.activations.gelu({ approximate: true }), ...init(8) }),
      dn.layers.dense({ units: 9, activation: 'swish', ...init(9) }),
      dn.layers.dense({ units: 9, activation: 'softplus', useBias: false, ...init(10) }),
      dn.layers.dense({ units: 9, activation: 'selu', ...init(15) }),
      dn.layers.dense({ units: 9, activation: 'relu6', ...init(16) }),
      dn.layers.dense({ units: 9, activation: 'hardSwish', ...init(17) }),
      dn.layers.dense({ units: 9, activation: 'mish', ...init(18) }),
      dn.layers.dense({ units: 9, activation: 'softsign', ...init(19) }),
      dn.layers.dense({ units: 9, activation: 'hardSigmoid', ...init(20) }),
      dn.layers.activation({ activation: 'hard_swish' }),
      dn.layers.activation({ activation: 'relu6' }),
      dn.layers.activation({ activation: 'sigmoid' }),
      dn.layers.activation({ activation: dn.activations.elu({ alpha: 0.5 }) }),
      dn.layers.activation({ activation: 'linear' }),
      dn.layers.dense({ units: 4, ...init(11) }),
      dn.layers.activation({ activation: 'softmax' }),
    ] }), [7]],
    ['log-softmax and exponential, in Dense and as layers', dn.sequential({ layers: [
      dn.layers.dense({ units: 6, activation: 'exponential', inputShape: [4], ...init(21) }),
      dn.layers.dense({ units: 5, activation: 'logSoftmax', ...init(22) }),
      dn.layers.activation({ activation: 'exponential' }),
      dn.layers.activation({ activation: 'log_softmax' }),
    ] }), [4]],
    ['flatten and reshape of rows', dn.sequential({ layers: [
      dn.layers.flatten({ inputShape: [2, 3, 2] }),
      dn.layers.dense({ units: 8, activation: 'relu', ...init(12) }),
      dn.layers.reshape({ targetShape: [2, 4] }),
      dn.layers.activation({ activation: 'tanh' }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 3, activation: dn.activations.softmax({ axis: 1 }), ...init(13) }),
    ] }), [2, 3, 2]],
    ['convolutions, batch normalization folded into them, pooling, global pooling', dn.sequential({ layers: [
      dn.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2], ...init(23) }),
      dn.layers.batchNormalization(normalization(24)),
      dn.layers.activation({ activation: 'relu' }),
      dn.layers.maxPooling2d(),
      dn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu', biasInitializer: 'ones' }),
      dn.layers.separableConv2d({ filters: 6, kernelSize: 2, depthwiseInitializer: dn.initializers.heNormal({ seed: 25 }) }),
      dn.layers.batchNormalization(normalization(26)),
      dn.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      dn.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', ...init(27) }),
      dn.layers.spatialDropout2d({ rate: 0.5, seed: 28 }),
      dn.layers.conv2d({ filters: 3, kernelSize: 2, strides: 2, activation: 'gelu', ...init(29) }),
      dn.layers.batchNormalization(normalization(30)),
      dn.layers.globalAveragePooling2d(),
      dn.layers.dense({ units: 4, activation: 'softmax', ...init(31) }),
    ] }), [6, 6, 2]],
    ['conv1d, 1-D pooling, flatten of NHWC rows, batch normalization of dense rows', dn.sequential({ layers: [
      dn.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu', inputShape: [9, 3], ...init(32) }),
      dn.layers.averagePooling1d({ poolSize: 2, padding: 'same' }),
      dn.layers.conv1d({ filters: 6, kernelSize: 2, ...init(33) }),
      dn.layers.globalMaxPooling1d({ keepdims: true }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 5, ...init(34) }),
      dn.layers.batchNormalization(normalization(35)),
      dn.layers.activation({ activation: 'tanh' }),
    ] }), [9, 3]],
    ['output of rank 3 (reshape last)', dn.sequential({ layers: [
      dn.layers.dense({ units: 6, activation: 'sigmoid', inputShape: [5], ...init(14) }),
      dn.layers.reshape({ targetShape: [3, -1] }),
    ] }), [5]],
  ];
}

describe('predictAsync: bad arguments', () => {
  it('rejects with the same typed errors as predict', async () => {
    const [, model] = models()[0];
    await expect(model.predictAsync('x' as never)).rejects.toThrow(ArgumentTypeError);
    await expect(model.predictAsync(dn.zeros([2, 5]))).rejects.toThrow(ShapeError);
    await expect(model.predictAsync(dn.zeros([2, 12]), { batchSize: 0 })).rejects.toThrow(ValueError);
    await expect(model.predictAsync(dn.zeros([2, 12]), { batchSize: 1.5 })).rejects.toThrow(ValueError);
    await expect(model.predictAsync(dn.zeros([2, 12]), { batchsize: 2 } as never)).rejects.toThrow(/unknown option 'batchsize' \(did you mean 'batchSize'\?\)/);
    await expect(model.predictAsync(dn.zeros([2, 12], 'int32'))).rejects.toThrow(dn.DTypeError);
  });
});

describe('predictAsync', () => {
  it('equals predict bit for bit on every ISA, for any batch size and sample count', async () => {
    for (const isa of binding.backendInfo().isas) {
      binding.setIsa(isa);
      for (const [name, model, sampleShape] of models()) {
        for (const samples of [0, 1, 33]) {
          const x = dn.randn([samples, ...sampleShape], { seed: samples + 20 });
          const expected = model.predict(x);
          const spy = vi.spyOn(binding, 'forwardAsync');
          for (const batchSize of [undefined, 1, 7]) {
            const got = await model.predictAsync(x, batchSize === undefined ? {} : { batchSize });
            expectSameBits(got, expected);
          }
          // The native worker ran it (the model has a plan).
          expect(spy, `${name} on ${isa}`).toHaveBeenCalledTimes(3);
          spy.mockRestore();
        }
      }
    }
  });

  it('also takes plain arrays, and builds a model without an inputShape', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, activation: 'relu', ...init(30) })] });
    const x = [[1, 2], [3, -4], [0.5, 0.25]];
    const got = await model.predictAsync(x);
    expectSameBits(got, model.predict(x));
  });

  it('falls back to the main thread for a custom layer, with the same result', async () => {
    class Doubling extends Layer {
      readonly className = 'Doubling';
      constructor() {
        super('doubling', {}, 'Doubling');
      }
      override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
        return inputShape.slice();
      }
      override call(x: Tensor, _context: CallContext): Tensor {
        return x.mul(2);
      }
    }
    const custom = dn.sequential({ layers: [dn.layers.dense({ units: 4, inputShape: [3], ...init(31) }), new Doubling()] });
    const customActivation = dn.sequential({ layers: [dn.layers.dense({ units: 4, inputShape: [3], activation: (t: Tensor) => t.square(), ...init(32) })] });
    const x = dn.randn([10, 3], { seed: 33 });
    for (const model of [custom, customActivation]) {
      const spy = vi.spyOn(binding, 'forwardAsync');
      expectSameBits(await model.predictAsync(x), model.predict(x));
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('runs 10,000 samples off the main thread on a snapshot of the weights: timers fire meanwhile, later weight changes do not show', async () => {
    // Wide enough on every ISA that the job takes far longer than a 0 ms timer's turn of the event loop.
    const width = binding.backendInfo().isa === 'scalar' ? 32 : 256;
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: width, activation: 'relu', inputShape: [width], ...init(40) }),
      dn.layers.dense({ units: width, activation: 'relu', ...init(41) }),
      dn.layers.dense({ units: 10, activation: 'softmax', ...init(42) }),
    ] });
    model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    const x = dn.randn([10_000, width], { seed: 43 });
    const y = dn.randint(0, 10, [10_000], { seed: 44 });
    const before = model.predict(x);
    const mainThreadForward = vi.spyOn(model as unknown as { forward: () => Tensor }, 'forward');

    let timerRan = false;
    let settled = false;
    const pending = model.predictAsync(x).finally(() => { settled = true; });
    const timer = new Promise<boolean>((resolve) => setTimeout(() => { timerRan = true; resolve(settled); }, 0));
    // Change the weights while the prediction runs: a training step, then new values for every weight.
    model.trainOnBatch(x.slice([0, 0], [128, width]), y.slice([0], [128]));
    const trainedWeights = model.getWeights();
    model.setWeights(model.getWeights().map((w) => dn.zerosLike(w)));
    expect(mainThreadForward).toHaveBeenCalledTimes(1); // the training step only

    const settledWhenTimerRan = await timer;
    const result = await pending;
    expect(timerRan).toBe(true);
    expect(settledWhenTimerRan).toBe(false);
    expectSameBits(result, before);
    mainThreadForward.mockRestore();
    // The changes did happen: predict now sees the zero weights (uniform softmax), and the step changed them.
    for (const p of model.predict(x.slice([0, 0], [1, width])).dataSync()) expect(p).toBeCloseTo(0.1, 6);
    expect(trainedWeights[0].dataSync()).not.toEqual(model.getWeights()[0].dataSync());
  });

  it('splits a large input into passes of 4 MB, all over the weights of the call', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 8, activation: 'tanh', inputShape: [1024], ...init(60) }),
      dn.layers.dense({ units: 3, activation: 'softmax', ...init(61) }),
    ] });
    const x = dn.randn([2500, 1024], { seed: 62 }); // 2.5 M floats: passes of 1,024, 1,024 and 452 rows
    const expected = model.predict(x);
    const spy = vi.spyOn(binding, 'forwardAsync');
    const pending = model.predictAsync(x);
    model.setWeights(model.getWeights().map((w) => dn.onesLike(w)));
    expectSameBits(await pending, expected);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(spy.mock.calls.map((call) => call[2])).toEqual([1024, 1024, 452]);
  });

  it('serves many concurrent requests, each equal to predict', async () => {
    const [, model] = models()[0];
    const inputs = Array.from({ length: 12 }, (_, i) => dn.randn([i * 5, 12], { seed: 50 + i }));
    const results = await Promise.all(inputs.map((x) => model.predictAsync(x)));
    results.forEach((result, i) => expectSameBits(result, model.predict(inputs[i])));
  });
});

describe('predictAsync: one copy of the weights per version, bounded passes and queue', () => {
  function wide(): dn.Sequential {
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 64, activation: 'relu', inputShape: [12], ...init(70) }),
      dn.layers.dense({ units: 4, activation: 'softmax', ...init(71) }),
    ] });
    model.compile({ optimizer: dn.optimizers.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    return model;
  }

  it('shares one snapshot among all calls made while the weights stay the same, and takes a new one after any change', async () => {
    const model = wide();
    const x = dn.randn([3, 12], { seed: 72 });
    const y = dn.tensor(Int32Array.from([0, 1, 2]));
    const snapshots = vi.spyOn(binding, 'forwardPlan');
    const calls = async (count: number): Promise<void> => {
      const expected = model.predict(x);
      const results = await Promise.all(Array.from({ length: count }, () => model.predictAsync(x)));
      for (const result of results) expectSameBits(result, expected);
    };
    await calls(50);
    await calls(20);
    expect(snapshots).toHaveBeenCalledTimes(1);
    const changes: Array<[string, () => void | Promise<unknown>]> = [
      ['trainOnBatch', () => { model.trainOnBatch(x, y); }],
      ['fit', () => model.fit(x, y, { epochs: 1, verbose: 0 })],
      ['model.setWeights', () => model.setWeights(model.getWeights().map((w) => w.mul(0.5)))],
      ['layer.setWeights', () => model.layers[1].setWeights(model.layers[1].getWeights().map((w) => w.add(0.25)))],
      ['variable.assign', () => model.weights[0].assign(model.weights[0].read().neg())],
      ['an optimizer step of a custom loop', () => {
        const optimizer = dn.optimizers.sgd(0.5);
        dn.losses.meanSquaredError(dn.zeros([3, 4]), model.apply(x)).backward();
        optimizer.step(model.trainableWeights);
      }],
      ['a write into the storage, then markChanged', () => {
        const variable = model.weights[2];
        (variable.value.storage as Float32Array).fill(0.125);
        variable.markChanged();
      }],
    ];
    for (const [what, change] of changes) {
      const before = snapshots.mock.calls.length;
      await change();
      await calls(10);
      expect(snapshots.mock.calls.length - before, what).toBe(1);
      // No call used the previous snapshot any more: the new copy went into its memory.
      expect(snapshots.mock.calls.at(-1)![2], what).toBe(snapshots.mock.results.at(-2)!.value);
    }
    // Loading counts too: a loaded model has its own snapshot, of its own weights.
    const loaded = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expectSameBits(await loaded.predictAsync(x), model.predict(x));
  });

  it('runs each pass batchSize rows at a time (as predict does), so a wide layer does not take memory for the whole batch', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 2048, activation: 'relu', inputShape: [8], ...init(73) }),
      dn.layers.dense({ units: 2, ...init(74) }),
    ] });
    // 16,384 rows: the hidden layer of the whole batch is 128 MB, of 256 rows 2 MB.
    const x = dn.rand([16_384, 8], { seed: 75 });
    const spy = vi.spyOn(binding, 'forwardAsync');
    await model.predictAsync(x.slice([0, 0], [4, 8])); // warm-up: the worker thread and its pool
    let got: Tensor | null = null;
    const growth = await peakGrowthMB(async () => { got = await model.predictAsync(x); });
    if (growth !== null) expect(growth).toBeLessThan(64);
    expect(spy.mock.calls.at(-1)![3]).toBe(256);
    await model.predictAsync(x.slice([0, 0], [40, 8]), { batchSize: 7 });
    expect(spy.mock.calls.at(-1)![3]).toBe(7);
    expectSameBits(got!, model.predict(x));
  });

  it('hands the native worker at most two passes at once; waiting calls see their input as it was at the call', async () => {
    const model = wide();
    const original = dn.randn([5, 12], { seed: 76 });
    const expected = model.predict(original);
    const forward = binding.forwardAsync.bind(binding);
    let outstanding = 0;
    let most = 0;
    vi.spyOn(binding, 'forwardAsync').mockImplementation((...args) => {
      outstanding++;
      most = Math.max(most, outstanding);
      return forward(...args).finally(() => { outstanding--; });
    });
    const input = original.clone();
    const pending = Array.from({ length: 40 }, () => model.predictAsync(input));
    expect(outstanding).toBe(2);
    (input.storage as Float32Array).fill(Number.NaN); // after the calls: no result may see it
    for (const result of await Promise.all(pending)) expectSameBits(result, expected);
    expect(most).toBe(2);
  });

  it('a call that fails natively rejects, and the queue goes on', async () => {
    const model = wide();
    const x = dn.randn([2, 12], { seed: 77 });
    const forward = binding.forwardAsync.bind(binding);
    let first = true;
    vi.spyOn(binding, 'forwardAsync').mockImplementation((...args) => {
      if (first) {
        first = false;
        return Promise.reject(new dn.NativeError('forwardAsync: out of memory'));
      }
      return forward(...args);
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => model.predictAsync(x)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(dn.NativeError);
  });
});
