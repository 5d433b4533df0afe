// predictAsync: native inference on a worker thread over a snapshot of the weights, equal to predict.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Layer, type CallContext, type Shape } from '../../lib/layers/layer.js';
import type { Tensor } from '../../lib/tensor.js';

const defaultIsa = binding.backendInfo().isa;

afterEach(() => {
  vi.restoreAllMocks();
  binding.setIsa(defaultIsa);
});

function init(seed: number) {
  return { kernelInitializer: dn.initializers.glorotUniform({ seed }), biasInitializer: dn.initializers.randomUniform({ seed: seed + 100, minval: -0.5, maxval: 0.5 }) };
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
