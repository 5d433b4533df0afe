// masking, bidirectional and timeDistributed: validation; Masking's output and mask; Bidirectional
// against its two layers run by hand for every merge mode (and returnState, initial states, masks),
// with gradient checks; TimeDistributed against the wrapped layer applied to each step; configs.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

function expectClose(a: dn.Tensor, b: dn.Tensor, tolerance = 1e-5, label = ''): void {
  expect(a.shape, label).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= tolerance * (1 + Math.abs(y[i])))) expect.fail(`${label} index ${i}: ${x[i]} vs ${y[i]}`);
  }
}

const seeded = (units: number, extra: Partial<dn.layers.LSTMOptions & dn.layers.GRUOptions> = {}): dn.layers.LSTMOptions & dn.layers.GRUOptions => ({
  units, kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: dn.initializers.orthogonal({ seed: 2 }),
  biasInitializer: dn.initializers.randomUniform({ seed: 3 }), ...extra,
});

/** Reverses the steps of [batch, steps, ...]. */
function reverseSteps(x: dn.Tensor): dn.Tensor {
  const steps = x.shape[1];
  return dn.gather(x, dn.tensor(Array.from({ length: steps }, (_, t) => steps - 1 - t), undefined, 'int32'), 1);
}

describe('masking', () => {
  it('should throw on bad settings and inputs', () => {
    expect(() => dn.layers.masking({ maskValue: 'x' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.masking({ mask_value: 0 } as never)).toThrow(/unknown option 'mask_value'/);
    expect(() => dn.layers.masking().apply(dn.zeros([2, 3]))).toThrow(ShapeError);
  });

  it('zeroes all-maskValue steps and marks them in its mask; gradients pass only through kept steps', () => {
    const x = dn.tensor([[[1, 2], [-1, -1], [0, -1]], [[-1, -1], [-1, -1], [3, 3]]]);
    const layer = dn.layers.masking({ maskValue: -1 });
    const y = layer.apply(x);
    expect(y.toArray()).toEqual([[[1, 2], [0, 0], [0, -1]], [[0, 0], [0, 0], [3, 3]]]);
    expect(dn.layers.getMask(y)?.toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
    // The gradient is the upstream gradient on kept steps, 0 on masked ones (a finite difference at a
    // masked step would unmask it: the layer is discontinuous there, so this is checked directly).
    const leaf = dn.tensor(x.dataSync().slice(), [2, 3, 2]);
    leaf.requiresGrad = true;
    const upstream = randomTensor([2, 3, 2], { seed: 6 });
    dn.layers.masking({ maskValue: -1 }).apply(leaf).backward(upstream);
    const keep = [1, 0, 1, 0, 0, 1];
    expect(Array.from(leaf.grad!.dataSync())).toEqual(Array.from(upstream.dataSync()).map((g, i) => (keep[Math.floor(i / 2)] === 1 ? g : 0)));
    expect(deserializeLayer(serializeLayer(layer)).getConfig()).toEqual(layer.getConfig());
  });

  it('feeds a recurrent layer, which then ignores the padded steps', () => {
    const x = randomTensor([1, 3, 4], { seed: 5 });
    const padded = dn.concat([x, dn.zeros([1, 2, 4])], 1);
    const model = dn.sequential({ layers: [dn.layers.masking({ inputShape: [null, 4] }), dn.layers.gru(seeded(3))] });
    const direct = dn.layers.gru(seeded(3)).apply(x);
    expectClose(model.predict(padded), direct);
  });
});

describe('bidirectional', () => {
  it('should throw on bad settings', () => {
    expect(() => dn.layers.bidirectional({ layer: dn.layers.dense({ units: 2 }) as never })).toThrow(/layer must be a recurrent layer/);
    expect(() => dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 2 }), mergeMode: 'max' as never })).toThrow(ValueError);
    expect(() => dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 2 }), backwardLayer: dn.layers.lstm({ units: 2 }) })).toThrow(/opposite goBackwards/);
    expect(() => dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 2 }), backwardLayer: dn.layers.lstm({ units: 2, goBackwards: true, returnSequences: true }) })).toThrow(
      /same returnSequences/,
    );
    const layer = dn.layers.bidirectional({ layer: dn.layers.gru({ units: 2, returnState: true }) });
    expect(() => layer.apply(randomTensor([2, 3, 4]), { initialState: [dn.zeros([2, 2])] } as never)).toThrow(/unknown option 'initialState'/);
  });

  for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null] as const) {
    it(`merges forward and reversed backward outputs (${mergeMode}), with the mask, and has the right gradients`, () => {
      const x = randomTensor([3, 4, 2], { seed: 7 });
      const mask = dn.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]);
      const layer = dn.layers.bidirectional({ layer: dn.layers.lstm(seeded(3, { returnSequences: true })), mergeMode });
      const y: dn.Tensor | dn.Tensor[] = layer.apply(x, { mask });
      const forward = layer.forwardLayer.apply(x, { mask }) as dn.Tensor;
      const backward = reverseSteps(layer.backwardLayer.apply(x, { mask }) as dn.Tensor);
      const expected = mergeMode === 'concat' ? [dn.concat([forward, backward], 2)] : mergeMode === 'sum' ? [dn.add(forward, backward)]
        : mergeMode === 'mul' ? [dn.mul(forward, backward)] : mergeMode === 'ave' ? [dn.div(dn.add(forward, backward), 2)] : [forward, backward];
      const got = Array.isArray(y) ? y : [y];
      got.forEach((t, i) => expectClose(t, expected[i]));
      // Masked steps output 0 on both sides (zeroOutputForMask = returnSequences); the mask passes on.
      expect(Array.from((Array.isArray(y) ? y[0] : y).dataSync().slice(3 * (mergeMode === 'concat' ? 6 : 3), 4 * (mergeMode === 'concat' ? 6 : 3)))).toEqual(new Array(mergeMode === 'concat' ? 6 : 3).fill(0));
      const masks = (Array.isArray(y) ? y : [y]).map((t) => dn.layers.getMask(t)?.toArray());
      masks.forEach((m) => expect(m).toEqual(mask.toArray()));
      if (mergeMode === 'concat') {
        gradcheck((input) => layer.apply(input, { mask }) as dn.Tensor, [x]);
      }
    });
  }

  it('returns the states of both directions and takes half of the initial states each', () => {
    const layer = dn.layers.bidirectional({ layer: dn.layers.lstm(seeded(2, { returnState: true })) });
    const x = randomTensor([2, 3, 4], { seed: 9 });
    const states = [0, 1, 2, 3].map((i) => randomTensor([2, 2], { seed: 10 + i, high: 1 }));
    const outputs = layer.apply([x, ...states]) as unknown as dn.Tensor[];
    expect(outputs.map((t) => t.shape)).toEqual([[2, 4], [2, 2], [2, 2], [2, 2], [2, 2]]);
    const [fy, fh, fc] = layer.forwardLayer.apply(x, { initialState: states.slice(0, 2) }) as dn.Tensor[];
    const [by, bh, bc] = layer.backwardLayer.apply(x, { initialState: states.slice(2) }) as dn.Tensor[];
    expectClose(outputs[0], dn.concat([fy, by], 1));
    [fh, fc, bh, bc].forEach((t, i) => expectClose(outputs[i + 1], t));
    expect(layer.computeOutputShape([null, 3, 4])).toEqual([[null, 4], [null, 2], [null, 2], [null, 2], [null, 2]]);
  });

  it('owns both layers\' weights (forward first), saves its config and rebuilds', () => {
    const layer = dn.layers.bidirectional({ layer: dn.layers.gru({ units: 2, name: 'encoder' }), mergeMode: 'sum' });
    layer.build([null, 5, 3]);
    expect(layer.weights.map((w) => w.name)).toEqual([
      'forward_encoder/kernel', 'forward_encoder/recurrent_kernel', 'forward_encoder/bias',
      'backward_encoder/kernel', 'backward_encoder/recurrent_kernel', 'backward_encoder/bias',
    ]);
    expect(layer.countParams()).toBe(2 * (3 * 6 + 2 * 6 + 2 * 6));
    const copy = deserializeLayer(serializeLayer(layer)) as dn.layers.Bidirectional;
    expect(copy.getConfig()).toEqual(layer.getConfig());
    expect(copy.backwardLayer.goBackwards).toBe(true);
    layer.trainable = false;
    expect(layer.trainableWeights).toEqual([]);
  });
});

describe('timeDistributed', () => {
  it('should throw on bad settings and inputs', () => {
    expect(() => dn.layers.timeDistributed({ layer: 'dense' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.timeDistributed({ layer: dn.layers.dense({ units: 2 }) }).apply(dn.zeros([2, 3]))).toThrow(/rank at least 3/);
  });

  it('applies the layer to every step with the same weights, with gradients; passes the mask on', () => {
    const inner = dn.layers.dense({ units: 3, activation: 'tanh', kernelInitializer: dn.initializers.glorotUniform({ seed: 4 }), biasInitializer: dn.initializers.randomNormal({ seed: 5 }) });
    const layer = dn.layers.timeDistributed({ layer: inner });
    const x = randomTensor([2, 4, 5], { seed: 11 });
    const y = layer.apply(x, { mask: dn.ones([2, 4]) });
    expect(y.shape).toEqual([2, 4, 3]);
    for (let t = 0; t < 4; t++) {
      expectClose(dn.reshape(dn.slice(y, [0, t, 0], [2, 1, 3]), [2, 3]), inner.apply(dn.reshape(dn.slice(x, [0, t, 0], [2, 1, 5]), [2, 5])));
    }
    expect(dn.layers.getMask(y)?.shape).toEqual([2, 4]);
    expect(layer.weights).toEqual(inner.weights);
    gradcheck((input) => layer.apply(input), [x]);
    const copy = deserializeLayer(serializeLayer(layer));
    expect(copy.getConfig()).toEqual(layer.getConfig());
    expect(layer.computeOutputShape([null, 7, 5])).toEqual([null, 7, 3]);
  });
});
