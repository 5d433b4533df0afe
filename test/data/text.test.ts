// padSequences (Keras pad_sequences) and textVectorization (Keras TextVectorization): defaults, every
// output mode against values worked out by hand, Keras' vocabulary order, and the config round trip.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { padSequences, textVectorization } from '../../lib/data/index.js';

const rows = (t: { shape: readonly number[]; toArray(): unknown }) => t.toArray() as number[][];

describe('padSequences: should throw', () => {
  it('rejects bad arguments naming them', () => {
    expect(() => padSequences(5 as never)).toThrow(ArgumentTypeError);
    expect(() => padSequences([[1], 2] as never)).toThrow(/sequences\[1\] must be an array of numbers, got 2/);
    expect(() => padSequences([[1, 2.5]])).toThrow(/sequences\[0\]\[1\] must be a finite int32 integer/);
    expect(() => padSequences([[1, Number.NaN]], { dtype: 'float32' })).toThrow(ValueError);
    expect(() => padSequences([[1]], { padding: 'middle' as never })).toThrow(/unknown padding 'middle'/);
    expect(() => padSequences([[1]], { maxLen: -1 })).toThrow(ValueError);
    expect(() => padSequences([[1]], { value: 0.5 })).toThrow(ValueError);
    expect(() => padSequences([[1]], { maxlen: 2 } as never)).toThrow(/did you mean 'maxLen'/);
  });
});

describe('padSequences', () => {
  it("pads and truncates at the start by default, as Keras", () => {
    const t = padSequences([[1, 2, 3], [4, 5], []]);
    expect(t.dtype).toBe('int32');
    expect(rows(t)).toEqual([[1, 2, 3], [0, 4, 5], [0, 0, 0]]);
    expect(rows(padSequences([[1, 2, 3], [4, 5]], { maxLen: 2 }))).toEqual([[2, 3], [4, 5]]);
  });
  it('takes post padding, post truncation, a value and float32', () => {
    expect(rows(padSequences([[1, 2, 3], [4]], { maxLen: 2, padding: 'post', truncating: 'post', value: -1 }))).toEqual([[1, 2], [4, -1]]);
    const f = padSequences([Float32Array.of(0.5), [1.5, 2.5]], { dtype: 'float32', maxLen: 3 });
    expect(f.dtype).toBe('float32');
    expect(rows(f)).toEqual([[0, 0, 0.5], [0, 1.5, 2.5]]);
    expect(padSequences([]).shape).toEqual([0, 0]);
    expect(padSequences([[1, 2]], { maxLen: 0 }).shape).toEqual([1, 0]);
  });
});

describe('textVectorization: should throw', () => {
  it('rejects bad options and inputs naming them', () => {
    expect(() => textVectorization({ outputMode: 'binary' as never })).toThrow(/unknown outputMode 'binary'/);
    expect(() => textVectorization({ maxTokens: 2 })).toThrow(/maxTokens/);
    expect(() => textVectorization({ outputMode: 'count', outputSequenceLength: 4 })).toThrow(/outputSequenceLength applies to outputMode 'int' only/);
    expect(() => textVectorization({ outputMode: 'count', padToMaxTokens: true })).toThrow(/padToMaxTokens needs maxTokens/);
    expect(() => textVectorization({ split: 'words' as never })).toThrow(/unknown split 'words'/);
    expect(() => textVectorization({ vocabulary: ['a', 'a'] })).toThrow(/vocabulary\[1\] repeats the token "a"/);
    expect(() => textVectorization({ vocabulary: ['a', '[UNK]'] })).toThrow(/reserved token/);
    expect(() => textVectorization({ maxTokens: 3, vocabulary: ['a', 'b'] })).toThrow(/more than maxTokens \(3\)/);
    expect(() => textVectorization({ outputMode: 'tfIdf', vocabulary: ['a'] })).toThrow(/idfWeights must be an array of 1 numbers/);
    expect(() => textVectorization({ outputMode: 'tfIdf' }).apply(['a'])).toThrow(/needs IDF weights/);
    const v = textVectorization();
    expect(() => v.adapt('some text' as never)).toThrow(ArgumentTypeError);
    expect(() => v.apply(['a', 3] as never)).toThrow(/texts\[1\] must be a string, got 3/);
    expect(() => textVectorization({ split: () => 'x' as never }).apply(['a'])).toThrow(/split\(text\) must be an array of strings/);
    expect(() => textVectorization({ standardize: (t) => t }).getConfig()).toThrow(/standardize is a function/);
  });
});

describe('textVectorization', () => {
  const corpus = ['The cat sat.', 'The dog sat!', 'A cat, a dog; the END'];
  it("learns Keras' vocabulary: most frequent first, ties by the greater string, reserved tokens first", () => {
    const v = textVectorization().adapt(corpus);
    // the 4, a 2 (after lowercasing), cat 2, dog 2, sat 2, end 1: ties in descending string order.
    expect(v.getVocabulary()).toEqual(['', '[UNK]', 'the', 'sat', 'dog', 'cat', 'a', 'end']);
    expect(v.tokenize("Don't STOP-now")).toEqual(['dont', 'stopnow']);
    expect(textVectorization({ maxTokens: 4 }).adapt(corpus).getVocabulary()).toEqual(['', '[UNK]', 'the', 'sat']);
    expect(textVectorization({ outputMode: 'multiHot', maxTokens: 4 }).adapt(corpus).getVocabulary()).toEqual(['[UNK]', 'the', 'sat', 'dog']);
  });
  it("outputMode 'int': ids, 1 for unknown tokens, 0 padding at the end or a fixed length", () => {
    const v = textVectorization().adapt(corpus);
    const ids = v.apply(['the bird sat', 'cat']);
    expect(ids.dtype).toBe('int32');
    expect(rows(ids)).toEqual([[2, 1, 3], [5, 0, 0]]);
    const fixed = textVectorization({ outputSequenceLength: 2, vocabulary: ['the', 'sat'] });
    expect(rows(fixed.apply(['the cat sat', 'sat']))).toEqual([[2, 1], [3, 0]]);
  });
  it("outputModes 'multiHot', 'count', 'tfIdf' (Keras' IDF: log(1 + N / (1 + df)), the mean for unknown tokens)", () => {
    const texts = ['a a b', 'b c', 'c'];
    const multi = textVectorization({ outputMode: 'multiHot' }).adapt(texts);
    expect(multi.getVocabulary()).toEqual(['[UNK]', 'c', 'b', 'a']);
    expect(rows(multi.apply(['a a z', 'c']))).toEqual([[1, 0, 0, 1], [0, 1, 0, 0]]);
    const count = textVectorization({ outputMode: 'count', maxTokens: 6, padToMaxTokens: true }).adapt(texts);
    expect(rows(count.apply(['a a z', 'c']))).toEqual([[1, 0, 0, 2, 0, 0], [0, 1, 0, 0, 0, 0]]);
    const tfIdf = textVectorization({ outputMode: 'tfIdf' }).adapt(texts);
    const idf = [Math.log(1 + 3 / 3), Math.log(1 + 3 / 3), Math.log(1 + 3 / 2)];   // c, b, a
    const mean = (idf[0] + idf[1] + idf[2]) / 3;
    const got = rows(tfIdf.apply(['a a z z z', 'b']));
    const want = [[3 * mean, 0, 0, 2 * idf[2]], [0, 0, idf[1], 0]];
    got.forEach((row, r) => row.forEach((value, c) => expect(value).toBeCloseTo(want[r][c], 6)));
  });
  it("splits characters, keeps text with standardize null, takes functions", () => {
    const chars = textVectorization({ split: 'character', standardize: 'lower' }).adapt(['Abba']);
    expect(chars.getVocabulary()).toEqual(['', '[UNK]', 'b', 'a']);
    expect(rows(chars.apply(['ab c']))).toEqual([[3, 2, 1, 1]]);
    const raw = textVectorization({ standardize: null, split: null }).adapt(['Yes', 'no', 'Yes']);
    expect(raw.getVocabulary()).toEqual(['', '[UNK]', 'Yes', 'no']);
    const custom = textVectorization({ standardize: (t) => t.trim(), split: (t) => t.split('|') }).adapt(['x|y|x']);
    expect(custom.getVocabulary()).toEqual(['', '[UNK]', 'x', 'y']);
  });
  it('round-trips through getConfig as JSON, vocabulary and IDF weights included', () => {
    for (const outputMode of ['int', 'multiHot', 'count', 'tfIdf'] as const) {
      const v = textVectorization({ outputMode, maxTokens: 10 }).adapt(corpus);
      const copy = textVectorization(JSON.parse(JSON.stringify(v.getConfig())));
      expect(copy.getVocabulary()).toEqual(v.getVocabulary());
      expect(copy.apply(['the cat, the bird'] ).toArray()).toEqual(v.apply(['the cat, the bird']).toArray());
    }
    const v = textVectorization().setVocabulary(['', '[UNK]', 'x']);
    expect(v.getVocabulary()).toEqual(['', '[UNK]', 'x']);
    expect(v.vocabularySize).toBe(3);
  });
});
