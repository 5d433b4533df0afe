/**
 * Text to numbers, as Keras' `TextVectorization`: standardize (lowercase, strip punctuation), split into
 * tokens (words or characters), then either token ids (`outputMode: 'int'`, for an embedding) or one row
 * of `vocabularySize` numbers per text ('multiHot', 'count', 'tfIdf', for a dense classifier). `adapt`
 * learns the vocabulary from a corpus; `getConfig()` holds it (and the IDF weights) as plain JSON, so a
 * vectorizer saved beside a model comes back identical with `dn.data.textVectorization(config)`.
 *
 * ```ts
 * const vectorize = dn.data.textVectorization({ maxTokens: 1000, outputSequenceLength: 20 });
 * vectorize.adapt(trainTexts);
 * const ids = vectorize.apply(['Free money, click now!']);   // int32 [1, 20]
 * ```
 */
import { ValueError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkBoolean, checkChoice, checkInteger, checkNumber, checkOptions, typeError } from '../validate.js';

/** What `apply` returns: token ids (`int`), or one row per text over the vocabulary. */
export type TextOutputMode = 'int' | 'multiHot' | 'count' | 'tfIdf';
/** Built-in standardizations (Keras' `lower_and_strip_punctuation`, `lower`, `strip_punctuation`). */
export type TextStandardize = 'lowerAndStripPunctuation' | 'lower' | 'stripPunctuation';
/** Built-in splits: runs of whitespace, or every character (Unicode code point). */
export type TextSplit = 'whitespace' | 'character';

/** Options of {@link textVectorization} (and its saved configuration). */
export interface TextVectorizationOptions {
  /**
   * The most tokens the vocabulary holds, counting the reserved ones (padding '' and the out-of-vocabulary
   * token '[UNK]' for 'int'; '[UNK]' otherwise), as Keras. Default: no limit.
   */
  maxTokens?: number | null;
  /** Default 'lowerAndStripPunctuation'; null keeps the text as it is; a function maps each text. */
  standardize?: TextStandardize | null | ((text: string) => string);
  /** Default 'whitespace'; null makes each whole text one token; a function returns a text's tokens. */
  split?: TextSplit | null | ((text: string) => string[]);
  /** Default 'int'. */
  outputMode?: TextOutputMode;
  /** For 'int': pad with 0 or cut at the end to this length (default: the longest text of the call). */
  outputSequenceLength?: number | null;
  /** For the other modes: rows of `maxTokens` numbers even when the vocabulary is smaller. Default false. */
  padToMaxTokens?: boolean;
  /** A vocabulary to start with (without the reserved tokens, most frequent first) instead of `adapt`. */
  vocabulary?: string[] | null;
  /** For 'tfIdf' with `vocabulary`: one weight per vocabulary token. */
  idfWeights?: number[] | null;
}

const OPTION_NAMES = ['maxTokens', 'standardize', 'split', 'outputMode', 'outputSequenceLength', 'padToMaxTokens', 'vocabulary', 'idfWeights'];
const PADDING_TOKEN = '';
const OOV_TOKEN = '[UNK]';
/** Keras' DEFAULT_STRIP_REGEX: ASCII punctuation (the `,-.` range is ',', '-' and '.'). */
const PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
const WHITESPACE = /\s+/u;

/** Keras' tie-break among tokens of equal count: the greater UTF-8 byte string first. */
function compareBytesDescending(a: string, b: string): number {
  return Buffer.compare(Buffer.from(b, 'utf8'), Buffer.from(a, 'utf8'));
}

/** A text vectorizer: build it with {@link textVectorization}. */
export class TextVectorization {
  readonly maxTokens: number | null;
  readonly outputMode: TextOutputMode;
  readonly outputSequenceLength: number | null;
  readonly padToMaxTokens: boolean;
  private readonly standardizeOption: TextStandardize | null | ((text: string) => string);
  private readonly splitOption: TextSplit | null | ((text: string) => string[]);
  /** The vocabulary after the reserved tokens, most frequent first. */
  private learned: string[] = [];
  private index = new Map<string, number>();
  /** For 'tfIdf': one weight per learned token. */
  private idf: Float64Array | null = null;

  constructor(options: TextVectorizationOptions = {}) {
    const where = 'textVectorization';
    const o = checkOptions<TextVectorizationOptions>(where, options, OPTION_NAMES);
    this.outputMode = o.outputMode === undefined ? 'int' : checkChoice(where, 'outputMode', o.outputMode, ['int', 'multiHot', 'count', 'tfIdf'] as const);
    const reserved = this.outputMode === 'int' ? 2 : 1;
    this.maxTokens = o.maxTokens === undefined || o.maxTokens === null ? null : checkInteger(where, 'maxTokens', o.maxTokens, reserved + 1, 2 ** 31 - 1);
    if (typeof o.standardize === 'function' || o.standardize === null || o.standardize === undefined) this.standardizeOption = o.standardize === undefined ? 'lowerAndStripPunctuation' : o.standardize;
    else this.standardizeOption = checkChoice(where, 'standardize', o.standardize, ['lowerAndStripPunctuation', 'lower', 'stripPunctuation'] as const);
    if (typeof o.split === 'function' || o.split === null || o.split === undefined) this.splitOption = o.split === undefined ? 'whitespace' : o.split;
    else this.splitOption = checkChoice(where, 'split', o.split, ['whitespace', 'character'] as const);
    const length = o.outputSequenceLength;
    if (length !== undefined && length !== null && this.outputMode !== 'int') {
      throw new ValueError(`${where}: outputSequenceLength applies to outputMode 'int' only, got outputMode '${this.outputMode}'`);
    }
    this.outputSequenceLength = length === undefined || length === null ? null : checkInteger(where, 'outputSequenceLength', length, 1, 2 ** 31 - 1);
    this.padToMaxTokens = o.padToMaxTokens === undefined ? false : checkBoolean(where, 'padToMaxTokens', o.padToMaxTokens);
    if (this.padToMaxTokens && (this.outputMode === 'int' || this.maxTokens === null)) {
      throw new ValueError(`${where}: padToMaxTokens needs maxTokens and an outputMode other than 'int'`);
    }
    if (o.idfWeights !== undefined && o.idfWeights !== null && (o.vocabulary === undefined || o.vocabulary === null || this.outputMode !== 'tfIdf')) {
      throw new ValueError(`${where}: idfWeights go with a vocabulary and outputMode 'tfIdf'`);
    }
    if (o.vocabulary !== undefined && o.vocabulary !== null) this.setVocabulary(o.vocabulary, o.idfWeights ?? undefined);
  }

  /** The number of tokens a row can index: the reserved tokens plus the learned vocabulary. */
  get vocabularySize(): number {
    return this.reserved + this.learned.length;
  }

  /** Padding '' and '[UNK]' for 'int', '[UNK]' otherwise (Keras' layout). */
  private get reserved(): number {
    return this.outputMode === 'int' ? 2 : 1;
  }

  /** The vocabulary in index order, the reserved tokens first (Keras' `get_vocabulary()`). */
  getVocabulary(): string[] {
    return [...(this.outputMode === 'int' ? [PADDING_TOKEN, OOV_TOKEN] : [OOV_TOKEN]), ...this.learned];
  }

  /**
   * Sets the vocabulary: tokens most frequent first, without the reserved ones (or with them at the
   * start, as {@link TextVectorization.getVocabulary} returns it); 'tfIdf' also needs one IDF weight
   * per token (the reserved ones excluded).
   */
  setVocabulary(vocabulary: string[], idfWeights?: number[]): this {
    const where = 'TextVectorization.setVocabulary';
    if (!Array.isArray(vocabulary)) typeError(where, 'vocabulary', 'an array of strings', vocabulary);
    let tokens = vocabulary;
    const reservedTokens = this.getVocabulary().slice(0, this.reserved);
    if (reservedTokens.every((token, i) => tokens[i] === token)) tokens = tokens.slice(this.reserved);
    const seen = new Set<string>();
    tokens.forEach((token, i) => {
      if (typeof token !== 'string') typeError(where, `vocabulary[${i}]`, 'a string', token);
      if (token === PADDING_TOKEN || token === OOV_TOKEN) throw new ValueError(`${where}: vocabulary[${i}] is the reserved token ${JSON.stringify(token)}; give it only at the start, in Keras' order`);
      if (seen.has(token)) throw new ValueError(`${where}: vocabulary[${i}] repeats the token ${JSON.stringify(token)}`);
      seen.add(token);
    });
    if (this.maxTokens !== null && tokens.length + this.reserved > this.maxTokens) {
      throw new ValueError(`${where}: the vocabulary has ${tokens.length} tokens and ${this.reserved} reserved, more than maxTokens (${this.maxTokens})`);
    }
    let idf: Float64Array | null = null;
    if (this.outputMode === 'tfIdf') {
      if (!Array.isArray(idfWeights)) typeError(where, 'idfWeights', `an array of ${tokens.length} numbers (outputMode 'tfIdf')`, idfWeights);
      if (idfWeights.length !== tokens.length) throw new ValueError(`${where}: idfWeights must have one weight per token (${tokens.length}), got ${idfWeights.length}`);
      idf = Float64Array.from(idfWeights, (w, i) => checkNumber(where, `idfWeights[${i}]`, w));
    } else if (idfWeights !== undefined) {
      throw new ValueError(`${where}: idfWeights apply to outputMode 'tfIdf' only, got outputMode '${this.outputMode}'`);
    }
    this.install(tokens, idf);
    return this;
  }

  private install(tokens: string[], idf: Float64Array | null): void {
    this.learned = [...tokens];
    this.index = new Map(tokens.map((token, i) => [token, i + this.reserved]));
    this.idf = idf;
  }

  /** A text standardized and split into tokens, as `apply` sees it. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') typeError('TextVectorization.tokenize', 'text', 'a string', text);
    return this.tokens('TextVectorization.tokenize', text);
  }

  private tokens(where: string, text: string): string[] {
    let standard = text;
    const standardize = this.standardizeOption;
    if (typeof standardize === 'function') {
      standard = standardize(text);
      if (typeof standard !== 'string') typeError(where, 'standardize(text)', 'a string', standard);
    } else {
      if (standardize === 'lowerAndStripPunctuation' || standardize === 'lower') standard = standard.toLowerCase();
      if (standardize === 'lowerAndStripPunctuation' || standardize === 'stripPunctuation') standard = standard.replace(PUNCTUATION, '');
    }
    const split = this.splitOption;
    if (typeof split === 'function') {
      const tokens = split(standard);
      if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) typeError(where, 'split(text)', 'an array of strings', tokens);
      return tokens;
    }
    if (split === null) return [standard];
    if (split === 'character') return Array.from(standard);
    return standard.split(WHITESPACE).filter((token) => token.length > 0);
  }

  private texts(where: string, texts: unknown): string[] {
    if (!Array.isArray(texts)) typeError(where, 'texts', 'an array of strings', texts);
    texts.forEach((text, i) => {
      if (typeof text !== 'string') typeError(where, `texts[${i}]`, 'a string', text);
    });
    return texts as string[];
  }

  /**
   * Learns the vocabulary from a corpus, replacing any earlier one: the `maxTokens` minus reserved most
   * frequent tokens, ties broken as Keras does (the greater UTF-8 string first); for 'tfIdf' also each
   * token's inverse document frequency log(1 + texts / (1 + texts containing it)).
   */
  adapt(texts: string[]): this {
    const where = 'TextVectorization.adapt';
    const corpus = this.texts(where, texts);
    const counts = new Map<string, number>();
    const documents = new Map<string, number>();
    for (const text of corpus) {
      const tokens = this.tokens(where, text);
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const token of new Set(tokens)) documents.set(token, (documents.get(token) ?? 0) + 1);
    }
    counts.delete(PADDING_TOKEN);
    counts.delete(OOV_TOKEN);
    let tokens = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || compareBytesDescending(a, b));
    if (this.maxTokens !== null) tokens = tokens.slice(0, this.maxTokens - this.reserved);
    const idf = this.outputMode === 'tfIdf' ? Float64Array.from(tokens, (token) => Math.log(1 + corpus.length / (1 + documents.get(token)!))) : null;
    this.install(tokens, idf);
    return this;
  }

  /** The index of a token: its vocabulary position, or 1 ('int') / 0 (other modes) when it is not there. */
  private lookup(token: string): number {
    return this.index.get(token) ?? this.reserved - 1;
  }

  /**
   * Vectorizes a batch of texts. 'int': an int32 `[texts, length]` tensor of token ids (0 pads at the end,
   * 1 is an unknown token; length is `outputSequenceLength`, else the longest text's token count).
   * 'multiHot' / 'count' / 'tfIdf': a float32 `[texts, vocabularySize]` tensor (`maxTokens` wide with
   * `padToMaxTokens`): whether each token occurs, how often, or its count times its IDF weight (the
   * unknown token at index 0 takes the mean IDF weight, as Keras).
   */
  apply(texts: string[]): Tensor {
    const where = 'TextVectorization.apply';
    const batch = this.texts(where, texts).map((text) => this.tokens(where, text));
    if (this.outputMode === 'int') {
      let length = this.outputSequenceLength ?? 0;
      if (this.outputSequenceLength === null) for (const tokens of batch) length = Math.max(length, tokens.length);
      const ids = new Int32Array(batch.length * length);
      batch.forEach((tokens, row) => {
        for (let j = 0; j < Math.min(length, tokens.length); j++) ids[row * length + j] = this.lookup(tokens[j]);
      });
      return makeTensor(ids, [batch.length, length]);
    }
    if (this.outputMode === 'tfIdf' && this.idf === null) {
      throw new ValueError(`${where}: outputMode 'tfIdf' needs IDF weights: call adapt(texts) or setVocabulary(vocabulary, idfWeights) first`);
    }
    const width = this.padToMaxTokens ? this.maxTokens! : this.vocabularySize;
    const out = new Float32Array(batch.length * width);
    batch.forEach((tokens, row) => {
      for (const token of tokens) {
        const at = row * width + this.lookup(token);
        out[at] = this.outputMode === 'multiHot' ? 1 : out[at] + 1;
      }
    });
    if (this.outputMode === 'tfIdf') {
      const idf = this.idf!;
      let mean = 0;
      for (const w of idf) mean += w / Math.max(idf.length, 1);
      for (let row = 0; row < batch.length; row++) {
        out[row * width] *= mean;
        for (let i = 0; i < idf.length; i++) out[row * width + 1 + i] *= idf[i];
      }
    }
    return makeTensor(out, [batch.length, width]);
  }

  /**
   * The options and the learned state as plain JSON (vocabulary, and the IDF weights for 'tfIdf'):
   * `dn.data.textVectorization(config)` makes the same vectorizer. A function given as `standardize` or
   * `split` cannot be saved: it is an error here (save a built-in choice, or give the function again).
   */
  getConfig(): TextVectorizationOptions & { vocabulary: string[] } {
    for (const [name, option] of [['standardize', this.standardizeOption], ['split', this.splitOption]] as const) {
      if (typeof option === 'function') throw new ValueError(`TextVectorization.getConfig: ${name} is a function, which JSON cannot hold`);
    }
    return {
      maxTokens: this.maxTokens,
      standardize: this.standardizeOption as TextStandardize | null,
      split: this.splitOption as TextSplit | null,
      outputMode: this.outputMode,
      outputSequenceLength: this.outputSequenceLength,
      padToMaxTokens: this.padToMaxTokens,
      vocabulary: [...this.learned],
      idfWeights: this.idf === null ? null : Array.from(this.idf),
    };
  }
}

/**
 * A text vectorizer with Keras' `TextVectorization` options and defaults (lowercase and strip
 * punctuation, split on whitespace, token ids out); {@link TextVectorization.adapt} learns its vocabulary.
 */
export function textVectorization(options: TextVectorizationOptions = {}): TextVectorization {
  return new TextVectorization(options);
}
