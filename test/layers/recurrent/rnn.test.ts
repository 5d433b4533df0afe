// SimpleRNN, LSTM and GRU layers: validation with typed errors; Keras' weight layouts, defaults and
// output structure; the native sequence path against the same layer run step by step with ops (a
// layer given its activations as functions takes that path) over masks, initial states, goBackwards,
// zeroOutputForMask and dropout; finite-difference gradient checks; masks leaving the state unchanged;
// every ISA against the scalar reference and 1 vs 2 threads bitwise; configs that rebuild the layer.
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../../lib/errors.js';
import { binding } from '../../../lib/native.js';
import { deserializeLayer, serializeLayer } from '../../../lib/layers/registry.js';
import type { RNN } from '../../../lib/layers/recurrent/rnn.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

type Kind = 'simpleRNN' | 'lstm' | 'gru';
const KINDS: Kind[] = ['simpleRNN', 'lstm', 'gru'];
const GATES: Record<Kind, number> = { simpleRNN: 1, lstm: 4, gru: 3 };
const STATES: Record<Kind, number> = { simpleRNN: 1, lstm: 2, gru: 1 };

const startIsa = binding.backendInfo().isa;
const startThreads = binding.backendInfo().threads;
afterAll(() => {
  binding.setIsa(startIsa);
  dn.setNumThreads(startThreads);
});

/** A layer of `kind` with seeded initializers (so two calls give the same weights). */
function make(kind: Kind, options: Record<string, unknown> = {}): RNN<dn.Tensor | dn.Tensor[]> {
  const seeded = {
    units: 5,
    kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: dn.initializers.orthogonal({ seed: 2 }),
    biasInitializer: dn.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 3 }),
    ...options,
  };
  return (dn.layers[kind] as (o: never) => RNN<dn.Tensor | dn.Tensor[]>)(seeded as never);
}

/** The same layer with its activations as functions: the step-by-step ops path. */
function opsTwin(kind: Kind, options: Record<string, unknown> = {}): RNN<dn.Tensor | dn.Tensor[]> {
  const fn = { activation: (x: dn.Tensor) => dn.tanh(x), ...(kind === 'simpleRNN' ? {} : { recurrentActivation: (x: dn.Tensor) => dn.sigmoid(x) }) };
  return make(kind, { ...options, ...fn });
}

function list(y: dn.Tensor | dn.Tensor[]): dn.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

function expectClose(a: dn.Tensor, b: dn.Tensor, tolerance = 2e-5, label = ''): void {
  expect(a.shape, label).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= tolerance * (1 + Math.abs(y[i])))) expect.fail(`${label} index ${i}: ${x[i]} vs ${y[i]}`);
  }
}

/** A [batch, steps] mask with sequences of different lengths, some padded in front. */
function paddingMask(batch: number, steps: number): dn.Tensor {
  const values = new Float32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    const start = b % 2 === 1 ? 1 : 0;
    const end = steps - (b % 3);
    for (let t = start; t < end; t++) values[b * steps + t] = 1;
  }
  return dn.tensor(values, [batch, steps]);
}

describe('recurrent layers: should throw', () => {
  it('rejects missing or bad settings, naming them', () => {
    expect(() => dn.layers.lstm({} as never)).toThrow('lstm: units is required');
    expect(() => dn.layers.gru({ units: 0 })).toThrow(ValueError);
    expect(() => dn.layers.simpleRNN({ units: 4, dropout: 1 })).toThrow(/simpleRNN: dropout must be/);
    expect(() => dn.layers.lstm({ units: 4, returnSequences: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.lstm({ units: 4, unitForgetBais: true } as never)).toThrow(/did you mean 'unitForgetBias'/);
    expect(() => dn.layers.simpleRNN({ units: 4, recurrentActivation: 'relu' } as never)).toThrow(/unknown option 'recurrentActivation'/);
    expect(() => dn.layers.gru({ units: 4, resetAfter: 0 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.layers.lstm({ units: 4, activation: 'nope' as never })).toThrow(/unknown activation 'nope'/);
  });

  it('rejects inputs of the wrong rank or size, states and masks of the wrong shape', () => {
    const layer = dn.layers.lstm({ units: 3 });
    expect(() => layer.apply(dn.zeros([2, 4]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 4]))).toThrow(/expected input of rank 3 \(\[batch, steps, features\]\), got shape \[2, 4\]/);
    layer.apply(dn.zeros([2, 4, 5]));
    expect(() => layer.apply(dn.zeros([2, 4, 6]))).toThrow(/lstm_\d+: expected input with last dimension 5, got shape \[2, 4, 6\]/);
    expect(() => layer.apply(dn.zeros([2, 0, 5]))).toThrow(/the input has no steps/);
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { initialState: [dn.zeros([2, 3])] })).toThrow(/initialState must hold 2 states \(\[h, c\]\), got 1/);
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { initialState: [dn.zeros([2, 3]), dn.zeros([2, 4])] })).toThrow(
      /initial state 1 must have shape \[batch, 3\], got shape \[2, 4\]/,
    );
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { initialState: [dn.zeros([2, 3]), dn.zeros([3, 3])] })).toThrow(/initial state 1 must have shape \[2, 3\], got shape \[3, 3\]/);
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { mask: dn.ones([2, 5]) })).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { mask: dn.ones([2, 5]) })).toThrow(
      /the mask must have shape \[2, 4\] \(one entry per step of the input \[2, 4, 5\]\), got shape \[2, 5\]/,
    );
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { initialState: 'h' as never })).toThrow(ArgumentTypeError);
    expect(() => layer.apply(dn.zeros([2, 4, 5]), { initalState: [] } as never)).toThrow(/did you mean 'initialState'/);
  });
});

describe('recurrent layers: Keras layout and outputs', () => {
  for (const kind of KINDS) {
    it(`${kind}: weights kernel, recurrent_kernel, bias in Keras' shapes; outputs and states`, () => {
      const layer = make(kind, { returnSequences: true, returnState: true });
      const y = list(layer.apply(randomTensor([2, 4, 3])));
      const width = GATES[kind] * 5;
      expect(layer.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([
        ['kernel', [3, width]], ['recurrent_kernel', [5, width]], ['bias', kind === 'gru' ? [2, width] : [width]],
      ]);
      expect(y.map((t) => t.shape)).toEqual([[2, 4, 5], ...Array.from({ length: STATES[kind] }, () => [2, 5])]);
      // The last step's output is the final hidden state.
      expectClose(dn.reshape(dn.slice(y[0], [0, 3, 0], [2, 1, 5]), [2, 5]), y[1]);
      expect(layer.computeOutputShape([null, 7, 3])).toEqual([[null, 7, 5], ...Array.from({ length: STATES[kind] }, () => [null, 5])]);
      expect(make(kind).computeOutputShape([null, null, 3])).toEqual([null, 5]);
    });
  }

  it('lstm: unitForgetBias starts the forget gate at 1 (biasInitializer elsewhere); gru resetAfter false has bias [3 units]', () => {
    const layer = dn.layers.lstm({ units: 2, biasInitializer: dn.initializers.constant({ value: 0.5 }) });
    layer.build([null, 3, 4]);
    expect(Array.from(layer.bias!.value.dataSync())).toEqual([0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    const plain = dn.layers.lstm({ units: 2, unitForgetBias: false });
    plain.build([null, 3, 4]);
    expect(Array.from(plain.bias!.value.dataSync())).toEqual(new Array(8).fill(0));
    const gru = dn.layers.gru({ units: 2, resetAfter: false });
    gru.build([null, 3, 4]);
    expect(gru.bias!.shape).toEqual([6]);
  });

  it('takes Keras weights with setWeights and computes what dn.lstmCell computes step by step', () => {
    const layer = dn.layers.lstm({ units: 3, returnSequences: true });
    layer.build([null, 4, 2]);
    const kernel = randomTensor([2, 12], { seed: 5, high: 0.5 });
    const recurrent = randomTensor([3, 12], { seed: 6, high: 0.5 });
    const bias = randomTensor([12], { seed: 7, high: 0.5 });
    layer.setWeights([kernel, recurrent, bias]);
    const x = randomTensor([2, 4, 2], { seed: 8 });
    const y = layer.apply(x) as dn.Tensor;
    let h = dn.zeros([2, 3]), c = dn.zeros([2, 3]);
    for (let t = 0; t < 4; t++) {
      [h, c] = dn.lstmCell(dn.reshape(dn.slice(x, [0, t, 0], [2, 1, 2]), [2, 2]), h, c, kernel, recurrent, bias);
      expectClose(dn.reshape(dn.slice(y, [0, t, 0], [2, 1, 3]), [2, 3]), h);
    }
  });
});

describe('recurrent layers: the native path against the ops path', () => {
  const variants: [string, Record<string, unknown>, boolean][] = [
    ['plain', { returnSequences: true }, false],
    ['masked, initial states, last output', { returnState: true }, true],
    ['goBackwards with zeroOutputForMask', { returnSequences: true, goBackwards: true, zeroOutputForMask: true }, true],
    ['reset before (gru)', { returnSequences: true, resetAfter: false }, true],
  ];
  for (const kind of KINDS) {
    for (const [label, options, masked] of variants) {
      if (label.includes('gru') && kind !== 'gru') continue;
      it(`${kind}: ${label}: values and gradients of inputs, weights and states`, () => {
        const x = randomTensor([4, 5, 3], { seed: 9 });
        const mask = masked ? paddingMask(4, 5) : null;
        const states = options.returnState ? Array.from({ length: STATES[kind] }, (_, i) => randomTensor([4, 5], { seed: 20 + i, high: 1 })) : null;
        const run = (layer: RNN<dn.Tensor | dn.Tensor[]>): { outputs: dn.Tensor[]; grads: dn.Tensor[] } => {
          const xs = dn.tensor(x.dataSync().slice(), [...x.shape]);
          xs.requiresGrad = true;
          const initial = states?.map((s) => {
            const t = dn.tensor(s.dataSync().slice(), [...s.shape]);
            t.requiresGrad = true;
            return t;
          });
          const outputs = list(layer.apply(xs, { ...(mask === null ? {} : { mask }), ...(initial === undefined ? {} : { initialState: initial }) }));
          let loss = dn.sum(dn.mul(outputs[0], randomTensor([...outputs[0].shape], { seed: 30 })));
          for (const state of outputs.slice(1)) loss = dn.add(loss, dn.sum(dn.mul(state, randomTensor([...state.shape], { seed: 31 }))));
          loss.backward();
          return { outputs, grads: [xs.grad!, ...layer.weights.map((w) => w.value.grad!), ...(initial ?? []).map((t) => t.grad!)] };
        };
        const native = run(make(kind, options));
        const ops = run(opsTwin(kind, options));
        native.outputs.forEach((t, i) => expectClose(t, ops.outputs[i], 2e-5, `output ${i}`));
        native.grads.forEach((g, i) => expectClose(g, ops.grads[i], 1e-4, `gradient ${i}`));
      });
    }
  }

  it('dropout: the same seeded masks on both paths; off at inference; reproducible by seed', () => {
    for (const kind of KINDS) {
      const options = { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4, seed: 12 };
      const x = randomTensor([3, 4, 6], { seed: 13 });
      const native = make(kind, options).apply(x, { training: true }) as dn.Tensor;
      expectClose(native, opsTwin(kind, options).apply(x, { training: true }) as dn.Tensor, 2e-5, kind);
      expectClose(native, make(kind, options).apply(x, { training: true }) as dn.Tensor, 0, `${kind} seed`);
      const inference = make(kind, options).apply(x) as dn.Tensor;
      expectClose(inference, make(kind, { returnSequences: true }).apply(x) as dn.Tensor, 0, `${kind} inference`);
      expect(Math.abs(dn.sub(native, inference).abs().sum().item())).toBeGreaterThan(1e-3);
    }
  });
});

describe('recurrent layers: gradients against finite differences', () => {
  for (const kind of KINDS) {
    it(`${kind}: through masked sequences, initial states and every weight`, () => {
      const layer = make(kind, { units: 3, returnSequences: true, goBackwards: kind === 'gru' });
      layer.build([null, 4, 2]);
      const mask = paddingMask(3, 4);
      const weights = layer.weights.map((w) => w.value);
      const states = Array.from({ length: STATES[kind] }, (_, i) => randomTensor([3, 3], { seed: 40 + i, high: 1 }));
      gradcheck((x, ...rest) => {
        const w = rest.slice(0, 3);
        layer.weights.forEach((v, i) => (v.value = w[i]));
        return layer.apply(x, { mask, initialState: rest.slice(3) }) as dn.Tensor;
      }, [randomTensor([3, 4, 2], { seed: 41 }), ...weights, ...states]);
    });
  }
});

describe('recurrent layers: masks', () => {
  for (const kind of KINDS) {
    it(`${kind}: padded steps leave the state as it was (post- and pre-padding)`, () => {
      const layer = make(kind);
      const x = randomTensor([1, 3, 4], { seed: 50 });
      const short = layer.apply(x) as dn.Tensor;
      const post = dn.concat([x, dn.full([1, 2, 4], 9)], 1);
      expectClose(layer.apply(post, { mask: dn.tensor([[1, 1, 1, 0, 0]]) }) as dn.Tensor, short, 0, 'post');
      const pre = dn.concat([dn.full([1, 2, 4], 9), x], 1);
      expectClose(layer.apply(pre, { mask: dn.tensor([[0, 0, 1, 1, 1]]) }) as dn.Tensor, short, 0, 'pre');
    });
  }

  it('passes the mask on with returnSequences only, and takes it from an embedding with maskZero', () => {
    const ids = dn.tensor([[4, 2, 0, 0], [1, 0, 0, 0]], [2, 4], 'int32');
    const embedded = dn.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true }).apply(ids);
    const sequences = dn.layers.gru({ units: 2, returnSequences: true }).apply(embedded);
    expect(dn.layers.getMask(sequences)?.toArray()).toEqual([[1, 1, 0, 0], [1, 0, 0, 0]]);
    const last = dn.layers.gru({ units: 2 }).apply(embedded);
    expect(dn.layers.getMask(last)).toBeNull();
    const [, h] = dn.layers.lstm({ units: 2, returnState: true, returnSequences: true }).apply(embedded);
    expect(dn.layers.getMask(h)).toBeNull();
  });
});

describe('recurrent layers: every ISA and thread count', () => {
  it('matches the scalar reference on every ISA, and is bitwise the same on 1 and 2 threads', () => {
    for (const kind of KINDS) {
      const x = randomTensor([9, 6, 5], { seed: 60 });
      const mask = paddingMask(9, 6);
      const forwardAndGrads = (): dn.Tensor[] => {
        const layer = make(kind, { units: 7, returnSequences: true });
        const y = layer.apply(x, { mask }) as dn.Tensor;
        dn.sum(dn.mul(y, randomTensor([...y.shape], { seed: 61 }))).backward();
        return [y, ...layer.weights.map((w) => w.value.grad!)];
      };
      binding.setIsa('scalar');
      const reference = forwardAndGrads();
      for (const isa of binding.backendInfo().isas) {
        binding.setIsa(isa);
        forwardAndGrads().forEach((t, i) => expectClose(t, reference[i], 1e-4, `${kind} ${isa} ${i}`));
        dn.setNumThreads(1);
        const one = forwardAndGrads();
        dn.setNumThreads(2);
        forwardAndGrads().forEach((t, i) => expect(Array.from(t.dataSync()), `${kind} ${isa} threads ${i}`).toEqual(Array.from(one[i].dataSync())));
      }
      binding.setIsa(startIsa);
      dn.setNumThreads(startThreads);
    }
  });
});

describe('recurrent layers: configs', () => {
  it('rebuild the same layer (every option) through the registry', () => {
    const layers = [
      dn.layers.lstm({ units: 4, activation: 'relu', recurrentActivation: 'hardSigmoid', unitForgetBias: false, dropout: 0.1, seed: 3, returnState: true, goBackwards: true }),
      dn.layers.gru({ units: 3, resetAfter: false, recurrentDropout: 0.2, returnSequences: true, useBias: false, kernelRegularizer: dn.regularizers.l2() }),
      dn.layers.simpleRNN({ units: 2, activation: 'selu', zeroOutputForMask: true, inputShape: [null, 6] }),
    ];
    for (const layer of layers) {
      const copy = deserializeLayer(serializeLayer(layer));
      expect(copy.getConfig()).toEqual(layer.getConfig());
      expect(copy.className).toBe(layer.className);
    }
    expect(() => deserializeLayer(serializeLayer(dn.layers.lstm({ units: 2, activation: (x: dn.Tensor) => x })))).toThrow(/custom activation function/);
  });
});
