// dn.generate: the key/value cache gives what re-running the whole sequence gives, sampling options,
// reproducibility under a seed, stop tokens, batches, and a small trained GPT continuing its pattern.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { attentionCache } from '../../lib/layers/attention/multiHeadAttention.js';

/** A small GPT over `vocab` tokens: embedding + learned and sine positions + decoder blocks + softmax head. */
function gpt(vocab: number, steps: number, seed: number, head: 'softmax' | 'linear' = 'softmax'): dn.Functional<dn.Tensor> {
  const tokens = dn.input({ shape: [null], dtype: 'int32' });
  const init = (s: number) => dn.initializers.randomNormal({ stddev: 0.5, seed: seed + s });
  const embedded = dn.layers.embedding({ inputDim: vocab, outputDim: 8, embeddingsInitializer: init(1) }).apply(tokens);
  let x = dn.layers.add().apply([embedded, dn.layers.positionEmbedding({ sequenceLength: steps, initializer: init(2) }).apply(embedded)]);
  x = dn.layers.add().apply([x, dn.layers.sinePositionEncoding().apply(x)]);
  x = dn.layers.transformerDecoder({ intermediateDim: 16, numHeads: 2, normalizeFirst: true, kernelInitializer: init(3) }).apply(x);
  x = dn.layers.transformerDecoder({ intermediateDim: 16, numHeads: 2, kernelInitializer: init(4) }).apply(x);
  x = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, useCausalMask: true, kernelInitializer: init(5) }).apply(x);
  x = dn.layers.layerNormalization().apply(x);
  const out = dn.layers.dense({ units: vocab, activation: head, kernelInitializer: init(6) }).apply(x);
  return dn.model({ inputs: tokens, outputs: out });
}

describe('generate: should throw', () => {
  it('rejects bad arguments, naming them', () => {
    const model = gpt(7, 12, 1);
    expect(() => dn.generate({} as never, [1])).toThrow(ArgumentTypeError);
    expect(() => dn.generate(model, [])).toThrow(/prompt is empty/);
    expect(() => dn.generate(model, [[1, 2], [3]])).toThrow(/one length/);
    expect(() => dn.generate(model, [1, -2])).toThrow(/prompt\[1\]/);
    expect(() => dn.generate(model, 'ab' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.generate(model, [1], { maxTokens: -1 })).toThrow(/maxTokens/);
    expect(() => dn.generate(model, [1], { temperature: -1 })).toThrow(/temperature must be 0 or more/);
    expect(() => dn.generate(model, [1], { topP: 0 })).toThrow(/topP must be in \(0, 1\]/);
    expect(() => dn.generate(model, [1], { topk: 3 } as never)).toThrow(/did you mean 'topK'/);
    expect(() => dn.generate(model, [1], { seed: 1, generator: new dn.Generator(1) })).toThrow(/either seed or generator/);
    expect(() => dn.generate(model, [9])).toThrow(ValueError);
    // The last token is never fed back: 3 + 10 tokens need 12 positions, 3 + 11 need 13, past the model's.
    expect(dn.generate(model, [1, 2, 3], { maxTokens: 10 }).length).toBe(13);
    for (const cache of [true, false]) expect(() => dn.generate(model, [1, 2, 3], { maxTokens: 11, cache })).toThrow(/reaches 13 steps, past the 12 steps/);
  });
});

describe('generate', () => {
  it('with the key/value cache, picks the tokens a re-run of the whole sequence picks', () => {
    for (const head of ['softmax', 'linear'] as const) {
      const model = gpt(11, 16, 3, head);
      const cached = dn.generate(model, [[1, 4, 2], [3, 3, 9]], { maxTokens: 10, temperature: 0 });
      const rerun = dn.generate(model, [[1, 4, 2], [3, 3, 9]], { maxTokens: 10, temperature: 0, cache: false });
      expect(cached).toEqual(rerun);
      expect(cached[0].slice(0, 3)).toEqual([1, 4, 2]);
      expect(cached.map((row) => row.length)).toEqual([13, 13]);
      // Greedy decoding is the argmax of the model's prediction for the last step, step after step.
      let ids = [1, 4, 2];
      for (let t = 0; t < 10; t++) {
        const scores = model.predict(dn.tensor([ids], undefined, 'int32')).slice([0, ids.length - 1, 0], [1, 1, 11]);
        ids = [...ids, dn.argmax(scores.reshape([11])).dataSync()[0]];
      }
      expect(cached[0]).toEqual(ids);
    }
  });

  it('the key/value cache is written in place while it has room, grows when a sequence outruns it, and attends as the whole sequence does', () => {
    const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 5, useCausalMask: true, kernelInitializer: dn.initializers.randomNormal({ seed: 7 }) });
    const x = dn.randn([2, 7, 6], { seed: 8 });
    const whole = Array.from(mha.apply(x).dataSync());
    for (const capacity of [7, 3]) {
      const cache = attentionCache(capacity);
      const pieces: number[][] = [];
      // The first call takes two steps (a prompt), then one step at a time.
      for (const [from, to] of [[0, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7]]) {
        const keyBuffer = cache.key;
        pieces.push(Array.from(mha.continueSequence(x.slice([0, from, 0], [2, to - from, 6]), cache).dataSync()));
        expect(cache.length).toBe(to);
        if (keyBuffer !== null && to <= capacity) expect(cache.key).toBe(keyBuffer);
      }
      // Capacity 7 holds everything in the first buffers; capacity 3 grew (doubling) to 7 steps' room at least.
      expect(cache.capacity).toBe(capacity === 7 ? 7 : 12);
      expect(cache.key!.length).toBe(2 * cache.capacity * 2 * 3);
      expect(cache.value!.length).toBe(2 * cache.capacity * 2 * 5);
      // Reassemble [batch, steps, features] from the pieces and compare with the whole sequence.
      const got = new Array<number>(whole.length);
      let from = 0;
      for (const piece of pieces) {
        const steps = piece.length / (2 * 6);
        for (let b = 0; b < 2; b++) for (let t = 0; t < steps; t++) for (let f = 0; f < 6; f++) got[(b * 7 + from + t) * 6 + f] = piece[(b * steps + t) * 6 + f];
        from += steps;
      }
      got.forEach((v, i) => expect(v).toBeCloseTo(whole[i], 5));
    }
  });

  it('samples reproducibly under a seed; topK 1 and a tiny topP are greedy', () => {
    const model = gpt(9, 40, 5);
    const a = dn.generate(model, [2], { maxTokens: 30, seed: 7 });
    expect(dn.generate(model, [2], { maxTokens: 30, seed: 7 })).toEqual(a);
    expect(dn.generate(model, [2], { maxTokens: 30, seed: 7, cache: false })).toEqual(a);
    expect(dn.generate(model, [2], { maxTokens: 30, seed: 8 })).not.toEqual(a);
    const greedy = dn.generate(model, [2], { maxTokens: 30, temperature: 0 });
    expect(dn.generate(model, [2], { maxTokens: 30, topK: 1, seed: 3 })).toEqual(greedy);
    expect(dn.generate(model, [2], { maxTokens: 30, topP: 1e-6, seed: 3 })).toEqual(greedy);
    // topK 2: every token is one of the two most likely after its prefix.
    const two = dn.generate(model, [2], { maxTokens: 12, topK: 2, seed: 4 });
    for (let t = 1; t < two.length; t++) {
      const p = model.predict(dn.tensor([two.slice(0, t)], undefined, 'int32')).slice([0, t - 1, 0], [1, 1, 9]).dataSync();
      const ranked = Array.from(p.keys()).sort((i, j) => p[j] - p[i]);
      expect(ranked.slice(0, 2)).toContain(two[t]);
    }
  });

  it('ends a sequence at its stop token; maxTokens 0 gives the prompt back', () => {
    const model = gpt(6, 30, 9);
    const greedy = dn.generate(model, [1, 2], { maxTokens: 20, temperature: 0 });
    const stop = greedy[4];
    expect(dn.generate(model, [1, 2], { maxTokens: 20, temperature: 0, stopToken: stop })).toEqual(greedy.slice(0, greedy.indexOf(stop, 2) + 1));
    expect(dn.generate(model, [1, 2], { maxTokens: 0 })).toEqual([1, 2]);
  });

  it('re-runs models whose layers cannot continue a sequence (a recurrent layer), with the same picks as predict', () => {
    const tokens = dn.input({ shape: [null], dtype: 'int32' });
    const x = dn.layers.gru({ units: 8, returnSequences: true }).apply(dn.layers.embedding({ inputDim: 5, outputDim: 4 }).apply(tokens));
    const model = dn.model({ inputs: tokens, outputs: dn.layers.dense({ units: 5, activation: 'softmax' }).apply(x) });
    const ids = dn.generate(model, [0, 1], { maxTokens: 4, temperature: 0 });
    const last = model.predict(dn.tensor([ids.slice(0, 5)], undefined, 'int32')).slice([0, 4, 0], [1, 1, 5]).reshape([5]);
    expect(ids[5]).toBe(dn.argmax(last).dataSync()[0]);
  });

  it('continues the pattern a small GPT was trained on', () => {
    const model = gpt(7, 12, 11);
    model.compile({ optimizer: dn.optimizers.adam(0.02), loss: 'sparseCategoricalCrossentropy' });
    const seq = Array.from({ length: 14 }, (_, b) => Array.from({ length: 11 }, (_, t) => (b + 2 * t) % 7));
    const input = dn.tensor(seq.map((s) => s.slice(0, 10)), undefined, 'int32');
    const target = dn.tensor(seq.map((s) => s.slice(1)), undefined, 'int32');
    for (let step = 0; step < 120; step++) model.trainOnBatch(input, target);
    expect(dn.generate(model, [3, 5], { maxTokens: 6, temperature: 0 })).toEqual([3, 5, 0, 2, 4, 6, 1, 3]);
  });
});
