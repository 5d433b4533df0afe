// dn.data.bpeTokenizer: byte-level BPE training worked by hand, exact round trips, special tokens, save/load.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, SerializationError, ValueError } from '../../lib/errors.js';

describe('bpeTokenizer: should throw', () => {
  it('rejects bad options and arguments, naming them', () => {
    expect(() => dn.data.bpeTokenizer({ vocabSize: 100 })).toThrow(/vocabSize/);
    expect(() => dn.data.bpeTokenizer({ vocabsize: 300 } as never)).toThrow(/did you mean 'vocabSize'/);
    expect(() => dn.data.bpeTokenizer({ minFrequency: 0 })).toThrow(/minFrequency/);
    expect(() => dn.data.bpeTokenizer({ specialTokens: ['<s>', '<s>'] })).toThrow(/given twice/);
    expect(() => dn.data.bpeTokenizer({ specialTokens: [''] })).toThrow(/specialTokens\[0\] is empty/);
    expect(() => dn.data.bpeTokenizer({ specialTokens: '<s>' as never })).toThrow(ArgumentTypeError);
    const tokenizer = dn.data.bpeTokenizer();
    expect(() => tokenizer.train(3 as never)).toThrow(/corpus/);
    expect(() => tokenizer.train(['a', 5] as never)).toThrow(/corpus\[1\]/);
    expect(() => tokenizer.encode(null as never)).toThrow(/text/);
    expect(() => tokenizer.decode([1, 256])).toThrow(/ids\[1\]/);
    expect(() => tokenizer.decode([1.5])).toThrow(/ids\[0\]/);
    expect(() => tokenizer.specialTokenId('<s>')).toThrow(ValueError);
    expect(() => dn.data.BpeTokenizer.fromConfig({ vocabSize: 300, minFrequency: 2, specialTokens: [], merges: [[1, 256]] })).toThrow(SerializationError);
    expect(() => dn.data.BpeTokenizer.fromConfig({ vocabSize: 257, minFrequency: 2, specialTokens: [], merges: [[1, 2], [3, 4]] })).toThrow(/exceed vocabSize/);
  });
});

describe('bpeTokenizer', () => {
  it('learns the most frequent pairs first, within words, as worked by hand', () => {
    // Words (the split keeps the space before a word): 'low', ' low', ' lower', ' newest' x2, ' widest'.
    const tokenizer = dn.data.bpeTokenizer({ vocabSize: 256 + 4 }).train('low low lower newest newest widest');
    const text = (pair: readonly number[]) => pair.map((id) => tokenizer.idToToken(id)).join('+');
    // Pair counts: l-o 3, o-w 3, w-e 3, e-s 3, s-t 3, then fewer. Ties go to the smaller ids: e-s (101, 115)
    // first; then l-o 3 and es-t 3 (256, 116): l-o (108, 111); then es-t before lo-w (257, 119).
    expect(tokenizer.merges.map(text)).toEqual(['e+s', 'l+o', 'es+t', 'lo+w']);
    expect(tokenizer.vocabSize).toBe(260);
    expect(tokenizer.idToToken(259)).toBe('low');
    // ' lowest': ' ' l o w e s t -> e-s, l-o, es-t, lo-w by rank.
    expect(tokenizer.encode('low lowest')).toEqual([259, 32, 259, 258]);
  });

  it('round-trips any text exactly, including characters never seen in training', () => {
    const corpus = 'the quick brown fox jumps over the lazy dog. '.repeat(20) + 'The end: 1234!';
    const tokenizer = dn.data.bpeTokenizer({ vocabSize: 320 }).train(corpus);
    expect(tokenizer.vocabSize).toBeGreaterThan(280);
    for (const text of ['the quick brown fox', '  spaces\tand\nnew lines  ', 'émoji 🦊 and 中文, 12.5%', '', "it's we'll"]) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
    // Trained text compresses: far fewer tokens than bytes.
    expect(tokenizer.encode('the quick brown fox jumps over the lazy dog.').length).toBeLessThan(15);
  });

  it('keeps special tokens whole, never merged across, and gives their ids', () => {
    const tokenizer = dn.data.bpeTokenizer({ vocabSize: 300, specialTokens: ['<|end|>', '<|end|>x'] }).train(['ab ab ab<|end|>ab ab']);
    expect(tokenizer.specialTokenId('<|end|>')).toBe(256);
    const ids = tokenizer.encode('ab<|end|>xab<|end|>');
    expect(ids.filter((id) => id === 256 || id === 257)).toEqual([257, 256]);
    expect(tokenizer.decode(ids)).toBe('ab<|end|>xab<|end|>');
    expect(tokenizer.merges.every(([a, b]) => a !== 256 && b !== 256)).toBe(true);
  });

  it('stops at minFrequency; getConfig and fromConfig round-trip through JSON', () => {
    const rare = dn.data.bpeTokenizer({ vocabSize: 1000, minFrequency: 3 }).train('aa bb aa bb aa cc');
    // a-a occurs 3 times ('aa' once, ' aa' twice); after it, ' '+'aa' occurs only twice.
    expect(rare.merges.map(([a, b]) => rare.idToToken(a) + rare.idToToken(b))).toEqual(['aa']);
    const tokenizer = dn.data.bpeTokenizer({ vocabSize: 400, specialTokens: ['<pad>'] }).train('hello world, hello there, world of hellos');
    const restored = dn.data.BpeTokenizer.fromConfig(JSON.parse(JSON.stringify(tokenizer.getConfig())));
    expect(restored.merges).toEqual(tokenizer.merges);
    expect(restored.encode('hello<pad> worlds')).toEqual(tokenizer.encode('hello<pad> worlds'));
  });
});
