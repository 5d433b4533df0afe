// positionEmbedding, sinePositionEncoding, transformerEncoder and transformerDecoder: KerasHub's structure
// checked against the same sublayers composed by hand, causality, masks, gradients, save/load.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const values = (t: dn.Tensor) => Array.from(t.dataSync());

describe('transformer layers: should throw', () => {
  it('rejects bad options and shapes naming the layer', () => {
    expect(() => dn.layers.transformerEncoder({ numHeads: 2 } as never)).toThrow(/intermediateDim is required/);
    expect(() => dn.layers.transformerDecoder({ intermediateDim: 8 } as never)).toThrow(/numHeads is required/);
    expect(() => dn.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => dn.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2, activation: 'relux' as never })).toThrow(ValueError);
    expect(() => dn.layers.transformerEncoder({ intermediateDim: 8, numHeads: 2, normalizefirst: true } as never)).toThrow(/did you mean 'normalizeFirst'/);
    const encoder = dn.layers.transformerEncoder({ intermediateDim: 8, numHeads: 4, name: 'enc' });
    expect(() => encoder.apply(dn.zeros([2, 3]))).toThrow(/enc: expected input with shape \[batch, steps, features\]/);
    expect(() => encoder.apply(dn.zeros([2, 3, 2]))).toThrow(/enc: the input's 2 features are fewer than numHeads \(4\)/);
    const decoder = dn.layers.transformerDecoder({ intermediateDim: 8, numHeads: 2, name: 'dec' });
    decoder.apply(dn.zeros([1, 3, 4]));
    expect(() => decoder.apply([dn.zeros([1, 3, 4]), dn.zeros([1, 2, 4])])).toThrow(/dec: expected input with shape \[null, 3, 4\]/);
    expect(() => dn.layers.positionEmbedding({} as never)).toThrow(/sequenceLength is required/);
    expect(() => dn.layers.positionEmbedding({ sequenceLength: 4, name: 'pos' }).apply(dn.zeros([1, 5, 2]))).toThrow(ShapeError);
    expect(() => dn.layers.sinePositionEncoding({ maxWavelength: 0 })).toThrow(/maxWavelength must be positive/);
  });
});

describe('position encodings', () => {
  it('sinePositionEncoding: sin at even features, cos at odd ones, wavelengths up to maxWavelength (KerasHub)', () => {
    const y = dn.layers.sinePositionEncoding().apply(dn.zeros([2, 3, 4]));
    expect(y.shape).toEqual([2, 3, 4]);
    const row = (p: number) => [Math.sin(p), Math.cos(p), Math.sin(p / 100), Math.cos(p / 100)];
    const want = [...row(0), ...row(1), ...row(2)];
    values(y).forEach((v, i) => expect(v).toBeCloseTo(want[i % 12], 6));
  });

  it('positionEmbedding: the first steps rows of its weight, over the batch; gradients summed over the batch', () => {
    const layer = dn.layers.positionEmbedding({ sequenceLength: 6, initializer: dn.initializers.randomUniform({ seed: 2 }) });
    const y = layer.apply(dn.zeros([2, 4, 3]));
    const table = values(layer.getWeights()[0]);
    expect(layer.getWeights()[0].shape).toEqual([6, 3]);
    expect(values(y)).toEqual([...table.slice(0, 12), ...table.slice(0, 12)]);
    const weight = randomTensor([6, 3], { seed: 4 });
    gradcheck((w: dn.Tensor) => {
      layer.weights[0].value = w;
      return layer.apply(dn.zeros([2, 4, 3]));
    }, [weight]);
  });
});

/** The encoder block composed by hand from standalone layers given the block's weights (KerasHub's order). */
function byHand(block: dn.layers.TransformerEncoder, x: dn.Tensor, normalizeFirst: boolean): dn.Tensor {
  const features = x.shape[2];
  const mha = dn.layers.multiHeadAttention({ numHeads: block.numHeads, keyDim: features / block.numHeads });
  const norm1 = dn.layers.layerNormalization({ epsilon: 1e-5 });
  const norm2 = dn.layers.layerNormalization({ epsilon: 1e-5 });
  const dense1 = dn.layers.dense({ units: block.intermediateDim, activation: 'relu' });
  const dense2 = dn.layers.dense({ units: features });
  mha.apply(x); norm1.apply(x); norm2.apply(x); dense2.apply(dense1.apply(x));
  const w = block.getWeights();
  mha.setWeights(w.slice(0, 8)); norm1.setWeights(w.slice(8, 10)); norm2.setWeights(w.slice(10, 12));
  dense1.setWeights(w.slice(12, 14)); dense2.setWeights(w.slice(14, 16));
  const ff = (h: dn.Tensor) => dense2.apply(dense1.apply(h));
  if (normalizeFirst) {
    const h = dn.add(mha.apply(norm1.apply(x)), x);
    return dn.add(ff(norm2.apply(h)), h);
  }
  const h = norm1.apply(dn.add(mha.apply(x), x));
  return norm2.apply(dn.add(ff(h), h));
}

describe('transformerEncoder and transformerDecoder', () => {
  it("encoder: KerasHub's weights in order, post-norm and pre-norm equal to the sublayers composed by hand", () => {
    for (const normalizeFirst of [false, true]) {
      const block = dn.layers.transformerEncoder({ intermediateDim: 12, numHeads: 2, normalizeFirst, name: `enc_${normalizeFirst}` });
      const x = randomTensor([2, 5, 8], { seed: 1 });
      const y = block.apply(x);
      expect(block.weights.map((w) => w.name)).toEqual([
        'query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'value/kernel', 'value/bias', 'attention_output/kernel', 'attention_output/bias',
      ].map((n) => `enc_${normalizeFirst}_self_attention/${n}`).concat(
        [`enc_${normalizeFirst}_self_attention_layer_norm/gamma`, `enc_${normalizeFirst}_self_attention_layer_norm/beta`,
          `enc_${normalizeFirst}_feedforward_layer_norm/gamma`, `enc_${normalizeFirst}_feedforward_layer_norm/beta`,
          `enc_${normalizeFirst}_feedforward_intermediate_dense/kernel`, `enc_${normalizeFirst}_feedforward_intermediate_dense/bias`,
          `enc_${normalizeFirst}_feedforward_output_dense/kernel`, `enc_${normalizeFirst}_feedforward_output_dense/bias`],
      ));
      const want = values(byHand(block, x, normalizeFirst));
      values(y).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    }
  });

  it('decoder: causal (a step never depends on later ones), cross-attention to an encoder sequence', () => {
    const decoder = dn.layers.transformerDecoder({ intermediateDim: 8, numHeads: 2 });
    const x = randomTensor([1, 4, 6], { seed: 2 });
    const later = dn.concat([x.slice([0, 0, 0], [1, 2, 6]), randomTensor([1, 2, 6], { seed: 3 })], 1);
    expect(values(decoder.apply(later)).slice(0, 12)).toEqual(values(decoder.apply(x)).slice(0, 12));
    expect(values(decoder.apply(later)).slice(12)).not.toEqual(values(decoder.apply(x)).slice(12));
    const cross = dn.layers.transformerDecoder({ intermediateDim: 8, numHeads: 2 });
    const encoded = randomTensor([1, 3, 6], { seed: 4 });
    const y = cross.apply([x, encoded]);
    expect(y.shape).toEqual([1, 4, 6]);
    expect(cross.weights.length).toBe(8 + 2 + 8 + 2 + 2 + 4);
    expect(values(cross.apply([x, randomTensor([1, 3, 6], { seed: 5 })]))).not.toEqual(values(y));
  });

  it("takes the input's padding mask: padded steps change no real step's output, and the mask passes on", () => {
    const embed = dn.layers.embedding({ inputDim: 10, outputDim: 6, maskZero: true });
    const encoder = dn.layers.transformerEncoder({ intermediateDim: 8, numHeads: 3 });
    const x = embed.apply(dn.tensor([[4, 2, 7, 0, 0]], undefined, 'int32'));
    const mask = dn.layers.getMask(x)!;
    const y = encoder.apply(x);
    expect(values(dn.layers.getMask(y)!)).toEqual([1, 1, 1, 0, 0]);
    const noise = dn.concat([x.slice([0, 0, 0], [1, 3, 6]), randomTensor([1, 2, 6], { seed: 6 })], 1);
    expect(values(encoder.apply(noise, { mask })).slice(0, 18)).toEqual(values(y).slice(0, 18));
  });

  it('passes finite-difference gradient checks through a pre-norm decoder block', () => {
    const block = dn.layers.transformerDecoder({ intermediateDim: 5, numHeads: 2, normalizeFirst: true, activation: 'tanh' });
    const x = randomTensor([2, 3, 4], { seed: 7 });
    block.apply(x);
    const weights = block.getWeights().map((w, i) => w.add(randomTensor(w.shape, { seed: 20 + i, low: 0, high: 0.1 })));
    gradcheck((input: dn.Tensor, ...w: dn.Tensor[]) => {
      block.weights.forEach((variable, i) => { variable.value = w[i]; });
      return block.apply(input);
    }, [x, ...weights]);
  });

  it('passes finite-difference gradient checks through a post-norm encoder block with a padding mask', () => {
    const block = dn.layers.transformerEncoder({ intermediateDim: 6, numHeads: 2, activation: 'gelu' });
    const x = randomTensor([2, 4, 4], { seed: 8 });
    const mask = dn.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]);
    block.apply(x);
    const weights = block.getWeights().map((w, i) => w.add(randomTensor(w.shape, { seed: 40 + i, low: 0, high: 0.1 })));
    gradcheck((input: dn.Tensor, ...w: dn.Tensor[]) => {
      block.weights.forEach((variable, i) => { variable.value = w[i]; });
      return block.apply(input, { mask });
    }, [x, ...weights]);
  });

  it('a small GPT (embedding + positions + decoder blocks) trains and survives a save/load round trip', async () => {
    const tokens = dn.input({ shape: [6], dtype: 'int32' });
    const embedded = dn.layers.embedding({ inputDim: 7, outputDim: 8 }).apply(tokens);
    let x = dn.layers.add().apply([embedded, dn.layers.positionEmbedding({ sequenceLength: 6 }).apply(embedded)]);
    x = dn.layers.add().apply([x, dn.layers.sinePositionEncoding().apply(x)]);
    for (let i = 0; i < 2; i++) x = dn.layers.transformerDecoder({ intermediateDim: 16, numHeads: 2, normalizeFirst: true, dropout: 0.1, seed: i }).apply(x);
    const probabilities = dn.layers.dense({ units: 7, activation: 'softmax' }).apply(x);
    const model = dn.model({ inputs: tokens, outputs: probabilities });
    model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    // Next-token prediction on a repeating pattern.
    const seq = Array.from({ length: 8 }, (_, b) => Array.from({ length: 7 }, (_, t) => (b + t) % 7));
    const input = dn.tensor(seq.map((s) => s.slice(0, 6)), undefined, 'int32');
    const target = dn.tensor(seq.map((s) => s.slice(1)), undefined, 'int32');
    const first = model.trainOnBatch(input, target).loss;
    for (let step = 0; step < 40; step++) model.trainOnBatch(input, target);
    expect(model.trainOnBatch(input, target).loss).toBeLessThan(first * 0.5);
    const restored = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expect(values(restored.predict(input) as dn.Tensor)).toEqual(values(model.predict(input) as dn.Tensor));
    const block = restored.layers.find((l) => l instanceof dn.layers.TransformerDecoder) as dn.layers.TransformerDecoder;
    expect([block.numHeads, block.intermediateDim, block.normalizeFirst, block.dropoutRate]).toEqual([2, 16, true, 0.1]);
  });
});
