/**
 * A byte-level byte-pair-encoding tokenizer (as GPT-2's): text is cut into words (a letter run, a digit
 * run, a punctuation run, each with the space before it, or whitespace), each word is read as its UTF-8
 * bytes, and training learns, most frequent first, which adjacent pair of tokens to merge into a new one.
 * Every byte is a token of its own (ids 0-255), so any text encodes and `decode(encode(text))` gives the
 * text back exactly (for any well-formed string: lone surrogates have no UTF-8 form). Special tokens
 * (e.g. an end-of-text marker) take the ids after the bytes and are never split; the merges follow.
 */
import { SerializationError, ValueError } from '../errors.js';
import { checkInteger, checkObject, checkOptions, checkString, typeError } from '../validate.js';

/** Options of {@link bpeTokenizer}. */
export interface BpeTokenizerOptions {
  /** The vocabulary's size after training: 256 bytes + the special tokens + the merges. Default 1000. */
  vocabSize?: number;
  /** A pair merges only if it occurs at least this often in the training corpus. Default 2. */
  minFrequency?: number;
  /** Strings kept whole as one token each (ids 256, 257, ...), e.g. `['<|endoftext|>']`. Default none. */
  specialTokens?: readonly string[];
}

/** What {@link BpeTokenizer.getConfig} returns: JSON, everything needed to rebuild the tokenizer. */
export interface BpeTokenizerConfig {
  vocabSize: number;
  minFrequency: number;
  specialTokens: string[];
  /** The learned merges in order: merge i joins tokens `[a, b]` into token 256 + specialTokens + i. */
  merges: [number, number][];
}

/** The byte count of the byte alphabet: tokens 0-255 are the bytes. */
const BYTES = 256;

/** GPT-2's word split: contractions, letter runs, digit runs, other runs (each with one leading space), whitespace. */
const WORD = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** A pair of token ids as one map key. */
const pairKey = (a: number, b: number) => a * 0x200000 + b;

/** A byte-pair-encoding tokenizer. Create one with `dn.data.bpeTokenizer({ vocabSize })`, then `train(corpus)`. */
export class BpeTokenizer {
  readonly minFrequency: number;
  readonly specialTokens: readonly string[];
  /** The vocabulary size asked for; {@link BpeTokenizer.vocabSize} is the size reached. */
  readonly maxVocabSize: number;
  private mergeList: [number, number][] = [];
  /** Merge rank by pair (lower merges first). */
  private ranks = new Map<number, number>();
  /** Each token's bytes. */
  private tokenBytes: Uint8Array[] = [];
  /** Encodings of words seen, as encoding is deterministic. */
  private cache = new Map<string, number[]>();
  private readonly specialPattern: RegExp | null;

  constructor(options: BpeTokenizerOptions = {}) {
    const where = 'bpeTokenizer';
    const o = checkOptions<BpeTokenizerOptions>(where, options, ['vocabSize', 'minFrequency', 'specialTokens']);
    const special = o.specialTokens ?? [];
    if (!Array.isArray(special)) typeError(where, 'specialTokens', 'an array of strings', special);
    special.forEach((token, i) => {
      checkString(where, `specialTokens[${i}]`, token);
      if (token.length === 0) throw new ValueError(`${where}: specialTokens[${i}] is empty`);
      if (special.indexOf(token) !== i) throw new ValueError(`${where}: specialTokens[${i}] ('${token}') is given twice`);
    });
    this.specialTokens = [...special];
    this.maxVocabSize = o.vocabSize === undefined ? 1000 : checkInteger(where, 'vocabSize', o.vocabSize, BYTES + special.length, 2 ** 21 - 1);
    this.minFrequency = o.minFrequency === undefined ? 2 : checkInteger(where, 'minFrequency', o.minFrequency, 1);
    // Longest first, so a special token containing another one wins.
    const escaped = [...special].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialPattern = special.length === 0 ? null : new RegExp(`(${escaped.join('|')})`, 'u');
    this.setMerges([]);
  }

  /** The vocabulary's size: 256 bytes + the special tokens + the merges learned. */
  get vocabSize(): number {
    return BYTES + this.specialTokens.length + this.mergeList.length;
  }

  /** The merges learned, in order (merge i makes token `256 + specialTokens.length + i`). */
  get merges(): readonly (readonly [number, number])[] {
    return this.mergeList;
  }

  /** The id of a special token. */
  specialTokenId(token: string): number {
    const i = this.specialTokens.indexOf(checkString('bpeTokenizer.specialTokenId', 'token', token));
    if (i < 0) throw new ValueError(`bpeTokenizer.specialTokenId: '${token}' is not a special token (they are ${JSON.stringify(this.specialTokens)})`);
    return BYTES + i;
  }

  /** A token's text (a byte that is part of a multi-byte character reads as U+FFFD). */
  idToToken(id: number): string {
    checkInteger('bpeTokenizer.idToToken', 'id', id, 0, this.vocabSize - 1);
    return this.isSpecial(id) ? this.specialTokens[id - BYTES] : decoder.decode(this.tokenBytes[id]);
  }

  private isSpecial(id: number): boolean {
    return id >= BYTES && id < BYTES + this.specialTokens.length;
  }

  private setMerges(merges: [number, number][]): void {
    this.mergeList = merges;
    this.ranks = new Map(merges.map(([a, b], i) => [pairKey(a, b), i]));
    this.tokenBytes = Array.from({ length: BYTES }, (_, b) => Uint8Array.of(b));
    for (let i = 0; i < this.specialTokens.length; i++) this.tokenBytes.push(encoder.encode(this.specialTokens[i]));
    for (const [a, b] of merges) {
      const joined = new Uint8Array(this.tokenBytes[a].length + this.tokenBytes[b].length);
      joined.set(this.tokenBytes[a]);
      joined.set(this.tokenBytes[b], this.tokenBytes[a].length);
      this.tokenBytes.push(joined);
    }
    this.cache.clear();
  }

  /** The text's pieces: special tokens as their ids, the rest as words. */
  private pieces(text: string): (string | number)[] {
    if (this.specialPattern === null) return text.match(WORD) ?? [];
    const out: (string | number)[] = [];
    text.split(this.specialPattern).forEach((part, i) => {
      if (i % 2 === 1) out.push(BYTES + this.specialTokens.indexOf(part));
      else for (const word of part.match(WORD) ?? []) out.push(word);
    });
    return out;
  }

  /**
   * Learns merges from a corpus (a string or an array of texts; texts never merge across each other),
   * replacing any learned before, until the vocabulary has `vocabSize` tokens or no pair occurs
   * `minFrequency` times. The most frequent pair merges first; ties go to the pair of smaller token ids.
   * Returns the tokenizer.
   */
  train(corpus: string | readonly string[]): this {
    const where = 'bpeTokenizer.train';
    const texts = typeof corpus === 'string' ? [corpus] : Array.isArray(corpus) ? corpus : typeError(where, 'corpus', 'a string or an array of strings', corpus);
    // The distinct words with their counts, as token sequences.
    const counts = new Map<string, number>();
    texts.forEach((text, i) => {
      checkString(where, `corpus[${i}]`, text);
      for (const piece of this.pieces(text)) if (typeof piece === 'string') counts.set(piece, (counts.get(piece) ?? 0) + 1);
    });
    const words: number[][] = [];
    const weight: number[] = [];
    for (const [word, count] of counts) {
      words.push(Array.from(encoder.encode(word)));
      weight.push(count);
    }
    // Pair counts and the words each pair occurs in.
    const pairCount = new Map<number, number>();
    const pairWords = new Map<number, Set<number>>();
    const addPairs = (w: number, sign: number) => {
      const word = words[w];
      for (let i = 0; i + 1 < word.length; i++) {
        const key = pairKey(word[i], word[i + 1]);
        pairCount.set(key, (pairCount.get(key) ?? 0) + sign * weight[w]);
        if (sign > 0) {
          let set = pairWords.get(key);
          if (set === undefined) pairWords.set(key, (set = new Set()));
          set.add(w);
        }
      }
    };
    for (let w = 0; w < words.length; w++) addPairs(w, 1);
    const merges: [number, number][] = [];
    const first = BYTES + this.specialTokens.length;
    while (first + merges.length < this.maxVocabSize) {
      let best = -1, bestCount = 0;
      for (const [key, count] of pairCount) {
        // The pair key orders pairs by (a, b): ties go to the smaller ids.
        if (count > bestCount || (count === bestCount && key < best)) {
          best = key;
          bestCount = count;
        }
      }
      if (best < 0 || bestCount < this.minFrequency) break;
      const a = Math.floor(best / 0x200000), b = best % 0x200000;
      const token = first + merges.length;
      merges.push([a, b]);
      for (const w of pairWords.get(best)!) {
        addPairs(w, -1);
        words[w] = mergeAll(words[w], a, b, token);
        addPairs(w, 1);
      }
      pairCount.delete(best);
      pairWords.delete(best);
      for (const [key, count] of pairCount) if (count === 0) pairCount.delete(key);
    }
    this.setMerges(merges);
    return this;
  }

  /** The token ids of a text. */
  encode(text: string): number[] {
    checkString('bpeTokenizer.encode', 'text', text);
    const ids: number[] = [];
    for (const piece of this.pieces(text)) {
      if (typeof piece === 'number') ids.push(piece);
      else for (const id of this.encodeWord(piece)) ids.push(id);
    }
    return ids;
  }

  /** One word: its bytes, then the learned merges by rank, the lowest-ranked pair present first. */
  private encodeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    let tokens = Array.from(encoder.encode(word));
    for (;;) {
      let bestRank = Infinity, bestAt = -1;
      for (let i = 0; i + 1 < tokens.length; i++) {
        const rank = this.ranks.get(pairKey(tokens[i], tokens[i + 1]));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const [a, b] = this.mergeList[bestRank];
      tokens = mergeAll(tokens, a, b, BYTES + this.specialTokens.length + bestRank);
    }
    if (this.cache.size < 100_000) this.cache.set(word, tokens);
    return tokens;
  }

  /** The text of token ids (the inverse of {@link BpeTokenizer.encode}). */
  decode(ids: ArrayLike<number>): string {
    const where = 'bpeTokenizer.decode';
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') typeError(where, 'ids', 'an array of token ids', ids);
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes[checkInteger(where, `ids[${i}]`, ids[i], 0, this.vocabSize - 1)];
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const bytes of parts) {
      all.set(bytes, at);
      at += bytes.length;
    }
    return decoder.decode(all);
  }

  /** The tokenizer as JSON-serializable settings and merges (save it beside a model). */
  getConfig(): BpeTokenizerConfig {
    return {
      vocabSize: this.maxVocabSize, minFrequency: this.minFrequency, specialTokens: [...this.specialTokens],
      merges: this.mergeList.map(([a, b]) => [a, b]),
    };
  }

  /** Rebuilds a tokenizer from {@link BpeTokenizer.getConfig}'s output (checked). */
  static fromConfig(config: BpeTokenizerConfig): BpeTokenizer {
    const where = 'BpeTokenizer.fromConfig';
    const c = checkObject(where, 'config', config);
    const tokenizer = new BpeTokenizer({
      vocabSize: c.vocabSize as number, minFrequency: c.minFrequency as number, specialTokens: c.specialTokens as string[],
    });
    if (!Array.isArray(c.merges)) throw new SerializationError(`${where}: config.merges must be an array of [a, b] pairs, got ${typeof c.merges}`);
    const first = BYTES + tokenizer.specialTokens.length;
    const merges = (c.merges as unknown[]).map((pair, i): [number, number] => {
      // A merge may only join tokens that exist before it.
      const ok = Array.isArray(pair) && pair.length === 2 && pair.every((id) => Number.isInteger(id) && id >= 0 && id < first + i);
      if (!ok) throw new SerializationError(`${where}: config.merges[${i}] must be two token ids below ${first + i}, got ${JSON.stringify(pair)}`);
      return [pair[0], pair[1]];
    });
    if (first + merges.length > tokenizer.maxVocabSize) {
      throw new SerializationError(`${where}: ${merges.length} merges exceed vocabSize ${tokenizer.maxVocabSize}`);
    }
    tokenizer.setMerges(merges);
    return tokenizer;
  }
}

/** `tokens` with every (a, b) pair, left to right, replaced by `token`. */
function mergeAll(tokens: number[], a: number, b: number, token: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (i + 1 < tokens.length && tokens[i] === a && tokens[i + 1] === b) {
      out.push(token);
      i++;
    } else out.push(tokens[i]);
  }
  return out;
}

/**
 * A byte-level byte-pair-encoding tokenizer (GPT-2's scheme): train it on a corpus, then `encode` text to
 * token ids and `decode` them back (exactly). Save `getConfig()` (JSON) beside a model and rebuild it with
 * `dn.data.BpeTokenizer.fromConfig`.
 * ```ts
 * const tokenizer = dn.data.bpeTokenizer({ vocabSize: 512, specialTokens: ['<|endoftext|>'] }).train(texts);
 * const ids = tokenizer.encode('hello world');
 * tokenizer.decode(ids); // 'hello world'
 * ```
 */
export function bpeTokenizer(options: BpeTokenizerOptions = {}): BpeTokenizer {
  return new BpeTokenizer(options);
}
