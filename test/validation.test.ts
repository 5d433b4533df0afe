// Bad input everywhere: every public function that takes options rejects an unknown option name with
// a "did you mean" suggestion, unknown activation / loss / optimizer / metric / initializer /
// regularizer names list the valid ones, and sizes that are negative, fractional, NaN, infinite or
// too large are ValueErrors. (test/fuzz.test.ts checks the error classes on random calls.)
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ValueError } from '../lib/errors.js';

const x = dn.randn([4, 3], { seed: 1 });
const y = dn.randint(0, 2, [4], { seed: 2 });
function model(): dn.Sequential {
  const m = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return m;
}
const m = model();

/** [function, the misspelt option, the suggestion expected] */
const typos: Array<[string, () => unknown, string, string]> = [
  ['tensor', () => dn.tensor([1], { shpe: [1] } as never), 'shpe', 'shape'],
  ['zeros', () => dn.zeros([2], { dtyp: 'float32' } as never), 'dtyp', 'dtype'],
  ['rand', () => dn.rand([2], { sed: 1 } as never), 'sed', 'seed'],
  ['randint', () => dn.randint(0, 2, [2], { sed: 1 } as never), 'sed', 'seed'],
  ['matmul', () => dn.matmul(x, x.transpose(), { transposeAa: true } as never), 'transposeAa', 'transposeA'],
  ['add', () => dn.add(x, x, { outt: x } as never), 'outt', 'out'],
  ['gelu', () => dn.gelu(x, { aproximate: 'tanh' } as never), 'aproximate', 'approximate'],
  ['layers.dense', () => dn.layers.dense({ units: 2, activaton: 'relu' } as never), 'activaton', 'activation'],
  ['layers.dropout', () => dn.layers.dropout({ rat: 0.5 } as never), 'rat', 'rate'],
  ['layers.reshape', () => dn.layers.reshape({ targetshape: [2] } as never), 'targetshape', 'targetShape'],
  ['layer.apply', () => m.layers[0].apply(x, { trainig: true } as never), 'trainig', 'training'],
  ['sequential', () => dn.sequential({ layer: [] } as never), 'layer', 'layers'],
  ['compile', () => model().compile({ optimzer: 'adam', loss: 'mse' } as never), 'optimzer', 'optimizer'],
  ['fit', () => m.fit(x, y, { epoch: 1 } as never), 'epoch', 'epochs'],
  ['fit signal', () => m.fit(x, y, { signl: new AbortController().signal } as never), 'signl', 'signal'],
  ['evaluate', () => m.evaluate(x, y, { batchsize: 1 } as never), 'batchsize', 'batchSize'],
  ['predict', () => m.predict(x, { batchsize: 1 } as never), 'batchsize', 'batchSize'],
  ['predictAsync', () => m.predictAsync(x, { batchsize: 1 } as never), 'batchsize', 'batchSize'],
  ['trainOnBatch', () => m.trainOnBatch(x, y, { sampleWeights: 1 } as never), 'sampleWeights', 'sampleWeight'],
  ['model.apply', () => m.apply(x, { trainig: true } as never), 'trainig', 'training'],
  ['optimizers.adam', () => dn.optimizers.adam({ beta_1: 0.9 } as never), 'beta_1', 'beta1'],
  ['optimizers.sgd', () => dn.optimizers.sgd({ learningrate: 0.1 } as never), 'learningrate', 'learningRate'],
  ['schedules.exponentialDecay', () => dn.optimizers.schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5, staircas: true } as never), 'staircas', 'staircase'],
  ['initializers.glorotUniform', () => dn.initializers.glorotUniform({ sed: 1 } as never), 'sed', 'seed'],
  ['losses.get', () => dn.losses.get('huber', { delt: 1 } as never), 'delt', 'delta'],
  ['losses.meanSquaredError', () => dn.losses.meanSquaredError(x, x, { reducton: 'sum' } as never), 'reducton', 'reduction'],
  ['metrics.binaryAccuracy', () => dn.metrics.binaryAccuracy({ treshold: 0.5 } as never), 'treshold', 'threshold'],
  ['callbacks.earlyStopping', () => dn.callbacks.earlyStopping({ patiense: 1 } as never), 'patiense', 'patience'],
  ['data.readCsv', () => dn.data.readCsv('a,b\n1,2', { heder: true } as never), 'heder', 'header'],
  ['data.trainTestSplit', () => dn.data.trainTestSplit(x, y, { testsize: 0.5 } as never), 'testsize', 'testSize'],
  ['data.standardScaler', () => dn.data.standardScaler({ withMeen: true } as never), 'withMeen', 'withMean'],
];

async function errorOf(fn: () => unknown): Promise<unknown> {
  try {
    const result = fn();
    if (result instanceof Promise) await result;
  } catch (error) {
    return error;
  }
  return null;
}

describe('unknown option names', () => {
  for (const [name, fn, typo, suggestion] of typos) {
    it(`${name}: '${typo}' -> did you mean '${suggestion}'`, async () => {
      const error = await errorOf(fn);
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toContain(`unknown option '${typo}' (did you mean '${suggestion}'?); known options:`);
    });
  }
});

describe('unknown names list the valid ones', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['activation', () => dn.layers.dense({ units: 1, activation: 'rleu' as never }), /unknown activation 'rleu' \(did you mean 'relu'\?\); expected one of 'linear', 'relu'.*'softplus'/],
    ['loss', () => model().compile({ loss: 'msee' }), /unknown loss 'msee' \(did you mean 'mse'\?\); expected one of 'meanSquaredError'/],
    ['optimizer', () => model().compile({ loss: 'mse', optimizer: 'adamm' }), /unknown optimizer 'adamm' \(did you mean 'adam'\?\); expected one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'/],
    ['metric', () => model().compile({ loss: 'mse', metrics: ['acuracy'] }), /unknown metric 'acuracy' \(did you mean 'accuracy'\?\); expected one of 'accuracy'/],
    ['initializer', () => dn.layers.dense({ units: 1, kernelInitializer: 'glorotUnifrm' }), /unknown initializer 'glorotUnifrm' \(did you mean 'glorotUniform'\?\); known initializers: zeros, ones/],
    ['regularizer', () => dn.layers.dense({ units: 1, kernelRegularizer: 'l22' }), /unknown regularizer 'l22' \(did you mean 'l2'\?\); known regularizers: l1, l2, l1l2/],
  ];
  for (const [name, fn, pattern] of cases) {
    it(name, async () => {
      const error = await errorOf(fn);
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(pattern);
    });
  }
});

describe('sizes and numbers', () => {
  const badSizes = [-1, 1.5, Number.NaN, Infinity, 2 ** 53];
  it('shapes, units, batch sizes, epochs and depths reject negative, fractional, NaN, infinite and huge values', async () => {
    for (const bad of badSizes) {
      expect(() => dn.zeros([2, bad])).toThrow(ValueError);
      expect(() => dn.layers.dense({ units: bad })).toThrow(ValueError);
      expect(() => dn.oneHot(dn.tensor([0, 1], undefined, 'int32'), bad)).toThrow(ValueError);
      expect(() => m.predict(x, { batchSize: bad })).toThrow(ValueError);
      await expect(m.fit(x, y, { epochs: bad, verbose: 0 })).rejects.toThrow(ValueError);
      await expect(m.predictAsync(x, { batchSize: bad })).rejects.toThrow(ValueError);
    }
    // More elements than a tensor may hold, though each dimension alone is fine.
    expect(() => dn.zeros([2 ** 20, 2 ** 20])).toThrow(/more than the 2147483647 a tensor may hold/);
    expect(() => dn.oneHot(dn.tensor([0, 1], undefined, 'int32'), 2 ** 31 - 1)).toThrow(ValueError);
  });

  it('NaN and Infinity are rejected where they matter, and wrong types are ArgumentTypeErrors', () => {
    expect(() => dn.optimizers.adam({ learningRate: Number.NaN })).toThrow(ValueError);
    expect(() => dn.layers.dropout({ rate: Infinity })).toThrow(ValueError);
    expect(() => dn.data.trainTestSplit(x, y, { testSize: Number.NaN })).toThrow(ValueError);
    expect(() => dn.zeros('3' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dense({ units: '3' as never })).toThrow(ArgumentTypeError);
    // Arithmetic on NaN data is not an error: it gives NaN, as in every framework.
    expect(Number.isNaN(dn.tensor([Number.NaN]).add(1).item())).toBe(true);
  });
});
