import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

type Nested = number | Nested[];
interface TorchFixture {
  shapes: { batch: number; qLen: number; kvLen: number; dim: number; heads: number; headDim: number };
  weights: Nested[];
  query: Nested; key: Nested; value: Nested; valueMask: Nested;
  output: Nested; scores: Nested; maskedOutput: Nested; maskedScores: Nested;
}
/** PyTorch 1.13's nn.MultiheadAttention on fixed weights (test/fixtures/make_attention_fixture.py). */
const torch = JSON.parse(readFileSync(join(__dirname, '../fixtures/attention-torch.json'), 'utf8')) as TorchFixture;
const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);

function expectClose(got: dn.Tensor, want: Nested, tolerance = 1e-5): void {
  const values = got.dataSync();
  flat(want).forEach((w, i) => {
    if (!(Math.abs(values[i] - w) <= tolerance * Math.max(1, Math.abs(w)))) throw new Error(`element ${i}: got ${values[i]}, expected ${w}`);
  });
}

describe('multiHeadAttention: should throw', () => {
  it('rejects bad options', () => {
    expect(() => dn.layers.multiHeadAttention({ keyDim: 4 } as never)).toThrow(/numHeads is required/);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 2 } as never)).toThrow(/keyDim is required/);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 0, keyDim: 4 })).toThrow(ValueError);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, outputShape: [2, 3] as never })).toThrow(/outputShape/);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, useCausalMask: 'yes' as never })).toThrow(/useCausalMask/);
    expect(() => dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, numheads: 3 } as never)).toThrow(/unknown option 'numheads'/);
  });

  it('rejects inputs of the wrong rank or sizes, and masks of the wrong shape', () => {
    const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, name: 'mha' });
    expect(() => mha.apply(dn.zeros([2, 8]))).toThrow(/mha: expected the query with shape \[batch, steps, features\], got shape \[null, 8\]/);
    expect(() => mha.apply([dn.zeros([2, 3, 8]), dn.zeros([2, 4, 8]), dn.zeros([2, 5, 8])])).toThrow(/same number of steps/);
    expect(() => mha.apply([dn.zeros([2, 3, 8])] as never)).toThrow(/expected one input \(self-attention\), \[query, value\] or \[query, value, key\]/);
    mha.apply(dn.zeros([2, 3, 8]));
    expect(() => mha.apply(dn.zeros([2, 3, 6]))).toThrow(ShapeError);
    expect(() => mha.apply(dn.zeros([2, 3, 6]))).toThrow(/mha: expected the query's last dimension 8/);
    const x = dn.zeros([2, 3, 8]);
    expect(() => mha.attend(x, x, { attentionMask: dn.ones([2, 3, 4]) })).toThrow(/mha: attentionMask must broadcast to the attention scores' shape \[2, 3, 3\], got shape \[2, 3, 4\]/);
    expect(() => mha.attend(x, x, { valueMask: dn.ones([3, 3]) })).toThrow(/valueMask must broadcast/);
    expect(() => mha.attend(x, x, { returnScores: true } as never)).toThrow(/mha.attend: unknown option 'returnScores'/);
  });
});

describe('multiHeadAttention', () => {
  it('has Keras 3 weights: names, shapes and order', () => {
    const mha = dn.layers.multiHeadAttention({ numHeads: 3, keyDim: 4, valueDim: 5, outputShape: 7, name: 'attention' });
    mha.apply([dn.zeros([1, 2, 6]), dn.zeros([1, 3, 9]), dn.zeros([1, 3, 10])]);
    expect(mha.weights.map((w) => [w.name, w.shape])).toEqual([
      ['attention/query/kernel', [6, 3, 4]], ['attention/query/bias', [3, 4]],
      ['attention/key/kernel', [10, 3, 4]], ['attention/key/bias', [3, 4]],
      ['attention/value/kernel', [9, 3, 5]], ['attention/value/bias', [3, 5]],
      ['attention/attention_output/kernel', [3, 5, 7]], ['attention/attention_output/bias', [7]],
    ]);
    const noBias = dn.layers.multiHeadAttention({ numHeads: 1, keyDim: 2, useBias: false });
    noBias.apply(dn.zeros([1, 2, 3]));
    expect(noBias.weights.map((w) => w.name.split('/').slice(1).join('/'))).toEqual(['query/kernel', 'key/kernel', 'value/kernel', 'attention_output/kernel']);
  });

  it('matches PyTorch 1.13 on weights moved into Keras\' layout, with a padding and a causal mask', () => {
    const { heads, headDim } = torch.shapes;
    const mha = dn.layers.multiHeadAttention({ numHeads: heads, keyDim: headDim, returnAttentionScores: true });
    const query = dn.tensor(flat(torch.query), [2, 3, 8]);
    const key = dn.tensor(flat(torch.key), [2, 5, 6]);
    const value = dn.tensor(flat(torch.value), [2, 5, 7]);
    mha.apply([query, value, key]);
    mha.setWeights(torch.weights.map((w) => dn.tensor(w as number[])));
    const [output, scores] = mha.apply([query, value, key]);
    expectClose(output, torch.output);
    expectClose(scores, torch.scores);
    expect(scores.shape).toEqual([2, heads, 3, 5]);
    const masked = mha.attend(query, value, {
      key, valueMask: dn.tensor(flat(torch.valueMask), [2, 5]), useCausalMask: true, returnAttentionScores: true,
    });
    expectClose(masked.output, torch.maskedOutput);
    expectClose(masked.scores, torch.maskedScores);
  });

  it('combines masks as Keras: value padding, attention mask and causal', () => {
    const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) });
    const x = randomTensor([2, 4, 6], { seed: 2 });
    const valueMask = dn.tensor([[1, 1, 0, 0], [1, 1, 1, 1]]);
    const attentionMask = dn.tensor(Array.from({ length: 32 }, (_, n) => (n % 3 === 0 ? 0 : 1)), [2, 4, 4]);
    const combined = dn.tensor(Array.from({ length: 32 }, (_, n) => {
      const b = Math.floor(n / 16), i = Math.floor(n / 4) % 4, j = n % 4;
      return valueMask.dataSync()[b * 4 + j] * attentionMask.dataSync()[n] * (j <= i ? 1 : 0);
    }), [2, 4, 4]);
    const a = mha.attend(x, x, { valueMask, attentionMask, useCausalMask: true, returnAttentionScores: true });
    const b = mha.attend(x, x, { attentionMask: combined, returnAttentionScores: true });
    expect(Array.from(a.output.dataSync())).toEqual(Array.from(b.output.dataSync()));
    const scores = a.scores.dataSync();
    for (let n = 0; n < 64; n++) {
      const batch = Math.floor(n / 32), i = Math.floor(n / 4) % 4, j = n % 4;
      if (combined.dataSync()[batch * 16 + i * 4 + j] === 0) expect(scores[n]).toBe(0);
    }
  });

  it('takes the padding mask its input carries (embedding maskZero): padded keys get no weight, the output keeps the mask', () => {
    const embed = dn.layers.embedding({ inputDim: 10, outputDim: 6, maskZero: true, embeddingsInitializer: dn.initializers.randomUniform({ seed: 3 }) });
    const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) });
    const ids = dn.tensor([[4, 2, 7, 0, 0], [1, 3, 5, 8, 9]], undefined, 'int32');
    const x = embed.apply(ids);
    const y = mha.apply(x);
    const mask = dn.layers.getMask(x)!;
    expect(Array.from(dn.layers.getMask(y)!.dataSync())).toEqual(Array.from(mask.dataSync()));
    const explicit = mha.attend(x, x, { queryMask: mask, valueMask: mask });
    expect(Array.from(y.dataSync())).toEqual(Array.from((explicit as dn.Tensor).dataSync()));
    // Other values at the padded steps: the outputs of the real steps stay the same.
    const noise = randomTensor([2, 5, 6], { seed: 5 });
    const keep = mask.reshape([2, 5, 1]);
    const changed = dn.add(dn.mul(x, keep), dn.mul(noise, dn.sub(1, keep)));
    const again = mha.apply(changed, { mask });
    const real = [0, 1, 2].flatMap((step) => Array.from({ length: 6 }, (_, c) => step * 6 + c));
    expect(real.map((i) => again.dataSync()[i])).toEqual(real.map((i) => y.dataSync()[i]));
    expect(Array.from(again.dataSync().slice(30))).toEqual(Array.from(y.dataSync().slice(30)));
    const unmasked = mha.attend(x, x) as dn.Tensor;
    expect(Array.from(unmasked.dataSync().slice(0, 18))).not.toEqual(Array.from(y.dataSync().slice(0, 18)));
  });

  it('passes finite-difference gradient checks through the whole layer', () => {
    const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, useCausalMask: true });
    const x = randomTensor([2, 4, 5], { seed: 3 });
    const y = randomTensor([2, 3, 5], { seed: 4 });
    mha.apply([x, y]);
    const weights = mha.getWeights().map((w, i) => w.add(randomTensor(w.shape, { seed: 10 + i, low: 0, high: 0.1 })));
    gradcheck((q: dn.Tensor, v: dn.Tensor, ...w: dn.Tensor[]) => {
      // The layer reads its variables' values: point them at the checked tensors.
      mha.weights.forEach((variable, i) => { variable.value = w[i]; });
      return mha.apply([q, v]);
    }, [x, y, ...weights]);
  });

  it('trains in a functional model and survives a save/load round trip', async () => {
    const input = dn.input({ shape: [5, 8] });
    const attended = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.1, seed: 3, useCausalMask: true }).apply(input);
    const output = dn.layers.dense({ units: 1 }).apply(attended);
    const model = dn.model({ inputs: input, outputs: output });
    model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'meanSquaredError' });
    const x = randomTensor([8, 5, 8], { seed: 5 });
    const target = randomTensor([8, 5, 1], { seed: 6 });
    const first = model.trainOnBatch(x, target).loss;
    for (let step = 0; step < 30; step++) model.trainOnBatch(x, target);
    expect(model.trainOnBatch(x, target).loss).toBeLessThan(first);
    const restored = await dn.loadModelFromBuffer(await model.saveToBuffer());
    const layer = restored.layers[1] as dn.layers.MultiHeadAttention;
    expect([layer.numHeads, layer.keyDim, layer.valueDim, layer.dropout, layer.useCausalMask, layer.seed]).toEqual([2, 4, 4, 0.1, true, 3]);
    expect(Array.from((restored.predict(x) as dn.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as dn.Tensor).dataSync()));
  });
});
