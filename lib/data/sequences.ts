/**
 * Sequences of different lengths made one rectangular tensor, as Keras' `pad_sequences`: the batch a
 * recurrent layer or an embedding reads. With `value` 0 and an `embedding({ maskZero: true })` after it,
 * the padded steps are masked out.
 *
 * ```ts
 * dn.data.padSequences([[1, 2, 3], [4, 5]]);                                  // [[1, 2, 3], [0, 4, 5]]
 * dn.data.padSequences([[1, 2, 3], [4, 5]], { maxLen: 2, padding: 'post' });  // [[2, 3], [4, 5]]
 * ```
 */
import { ValueError } from '../errors.js';
import { makeTensor, type DType, type Tensor } from '../tensor.js';
import { checkChoice, checkInteger, checkNumber, checkOptions, typeError } from '../validate.js';

/** Options of {@link padSequences}. */
export interface PadSequencesOptions {
  /** The length of every output row. Default: the longest sequence's length. */
  maxLen?: number;
  /** 'int32' (default) or 'float32'. */
  dtype?: DType;
  /** Where the padding goes: 'pre' (default, before the sequence, as Keras) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end of a sequence longer than maxLen is cut off: 'pre' (default: the start, as Keras) or 'post'. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0; an integer for 'int32'). */
  value?: number;
}

const OPTION_NAMES = ['maxLen', 'dtype', 'padding', 'truncating', 'value'];

/**
 * Pads (or truncates) each sequence of numbers to one length and stacks them into a `[sequences, maxLen]`
 * tensor, with Keras' defaults: padding and truncation at the start ('pre'), int32, padding value 0.
 * Accepts arrays of numbers and typed arrays; an empty sequence becomes a row of padding.
 */
export function padSequences(sequences: ArrayLike<ArrayLike<number>>, options: PadSequencesOptions = {}): Tensor {
  const where = 'padSequences';
  const o = checkOptions<PadSequencesOptions>(where, options, OPTION_NAMES);
  if (!Array.isArray(sequences) && !(sequences !== null && typeof sequences === 'object' && 'length' in sequences)) {
    typeError(where, 'sequences', 'an array of sequences (arrays of numbers)', sequences);
  }
  const dtype = o.dtype === undefined ? 'int32' : checkChoice(where, 'dtype', o.dtype, ['int32', 'float32'] as const);
  const padding = o.padding === undefined ? 'pre' : checkChoice(where, 'padding', o.padding, ['pre', 'post'] as const);
  const truncating = o.truncating === undefined ? 'pre' : checkChoice(where, 'truncating', o.truncating, ['pre', 'post'] as const);
  const value = o.value === undefined ? 0 : dtype === 'int32' ? checkInteger(where, 'value', o.value, -(2 ** 31), 2 ** 31 - 1) : checkNumber(where, 'value', o.value);
  const rows: ArrayLike<number>[] = [];
  for (let i = 0; i < sequences.length; i++) {
    const sequence = sequences[i];
    const isSequence = Array.isArray(sequence) || ArrayBuffer.isView(sequence);
    if (!isSequence) typeError(where, `sequences[${i}]`, 'an array of numbers', sequence);
    rows.push(sequence);
  }
  let longest = 0;
  for (const row of rows) longest = Math.max(longest, row.length);
  const maxLen = o.maxLen === undefined ? longest : checkInteger(where, 'maxLen', o.maxLen, 0, 2 ** 31 - 1);
  const out = dtype === 'int32' ? new Int32Array(rows.length * maxLen) : new Float32Array(rows.length * maxLen);
  out.fill(value);
  rows.forEach((row, i) => {
    const kept = Math.min(row.length, maxLen);
    const from = truncating === 'pre' ? row.length - kept : 0;
    const to = padding === 'pre' ? (i + 1) * maxLen - kept : i * maxLen;
    for (let j = 0; j < kept; j++) {
      const item = row[from + j];
      if (typeof item !== 'number' || !Number.isFinite(item) || (dtype === 'int32' && (!Number.isInteger(item) || Math.abs(item) > 2 ** 31 - 1))) {
        throw new ValueError(`${where}: sequences[${i}][${from + j}] must be a finite ${dtype === 'int32' ? 'int32 integer (or give dtype: \'float32\')' : 'number'}, got ${String(item)}`);
      }
      out[to + j] = item;
    }
  });
  return makeTensor(out, [rows.length, maxLen]);
}
