/**
 * Decoding CTC outputs into label sequences (tf.nn.ctc_greedy_decoder, tf.nn.ctc_beam_search_decoder,
 * Keras 3 `keras.ops.ctc_decode`).
 *
 * Greedy: the most probable class of every step (the best alignment), adjacent repeats merged and
 * blanks dropped. Beam search: prefix beam search (Graves 2012; Hannun et al. 2014), which keeps the
 * `beamWidth` most probable label prefixes, each prefix's probability split into alignments ending in a
 * blank and ending in its last label, so every alignment that collapses to the same labelling adds to
 * one entry. Without pruning (a beam as wide as the number of prefixes) it returns the exact most
 * probable labellings; a narrower beam is the usual approximation.
 */
import { ShapeError, ValueError } from '../errors.js';
import { noGrad } from '../autograd/engine.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor.js';
import { contiguous } from './shape.js';
import { logSoftmax } from './activations.js';
import { checkBlank, checkLengths } from '../losses/ctc.js';
import { checkChoice, checkInteger, checkOptions, formatShape } from '../validate.js';

/** Options of {@link ctcDecode}. */
export interface CtcDecodeOptions {
  /** Steps of each sequence to decode (`[batch]`), each in [0, time]; default every step. */
  inputLengths?: readonly number[] | Int32Array | Tensor;
  /** 'greedy' (default) or 'beamSearch'. */
  strategy?: 'greedy' | 'beamSearch';
  /** Prefixes kept per step by beam search (default 100, Keras' default). */
  beamWidth?: number;
  /** The blank class (default 0). */
  blank?: number;
}

/** The best labelling of each sequence. */
export interface CtcDecoded {
  /** `decoded[b]`: sequence b's labels. */
  decoded: number[][];
  /**
   * Natural-log probability of each result: for greedy decoding that of the best alignment (the sum of each
   * step's largest log-probability); for beam search that of the labelling (every alignment kept in the beam).
   */
  logProbability: number[];
}

/** The `topPaths` best labellings of each sequence, in Keras' layout. */
export interface CtcDecodedPaths {
  /** `decoded[p][b]`: sequence b's p-th best labelling (Keras' `[top_paths, batch, ...]`); [] when fewer exist. */
  decoded: number[][][];
  /** `logProbability[b][p]` (Keras' `[batch, top_paths]`), -Infinity for a missing path. */
  logProbability: number[][];
}

const STRATEGIES = ['greedy', 'beamSearch'] as const;

/** log(exp(a) + exp(b)). */
function logAddExp(a: number, b: number): number {
  if (a < b) [a, b] = [b, a];
  return b === -Infinity ? a : a + Math.log1p(Math.exp(b - a));
}

/** A node of the prefix trie: a labelling prefix (its labels reached through `parent`). */
class Prefix {
  readonly children = new Map<number, Prefix>();
  constructor(readonly parent: Prefix | null, readonly label: number, readonly length: number) {}

  child(label: number): Prefix {
    let node = this.children.get(label);
    if (node === undefined) {
      node = new Prefix(this, label, this.length + 1);
      this.children.set(label, node);
    }
    return node;
  }

  labels(): number[] {
    const out = new Array<number>(this.length);
    for (let node: Prefix = this; node.parent !== null; node = node.parent) out[node.length - 1] = node.label;
    return out;
  }
}

/** A beam entry: log-probabilities of the prefix's alignments ending in a blank and in its last label. */
interface Beam {
  prefix: Prefix;
  blank: number;
  label: number;
  total: number;
}

function greedy(lp: Float32Array, offset: number, steps: number, classes: number, blank: number): { labels: number[]; logP: number } {
  const labels: number[] = [];
  let previous = -1;
  let logP = 0;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (lp[row + c] > lp[row + best]) best = c;
    logP += lp[row + best];
    if (best !== blank && best !== previous) labels.push(best);
    previous = best;
  }
  return { labels, logP };
}

function beamSearch(lp: Float32Array, offset: number, steps: number, classes: number, blank: number, beamWidth: number): Beam[] {
  const root = new Prefix(null, -1, 0);
  let beams: Beam[] = [{ prefix: root, blank: 0, label: -Infinity, total: 0 }];
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    const next = new Map<Prefix, Beam>();
    const entry = (prefix: Prefix): Beam => {
      let beam = next.get(prefix);
      if (beam === undefined) {
        beam = { prefix, blank: -Infinity, label: -Infinity, total: -Infinity };
        next.set(prefix, beam);
      }
      return beam;
    };
    for (const beam of beams) {
      const { prefix } = beam;
      const same = entry(prefix);
      // A blank keeps the prefix; repeating its last label without a blank between keeps it too.
      same.blank = logAddExp(same.blank, beam.total + lp[row + blank]);
      const last = prefix.length > 0 ? prefix.label : -1;
      if (last >= 0) same.label = logAddExp(same.label, beam.label + lp[row + last]);
      for (let c = 0; c < classes; c++) {
        if (c === blank) continue;
        // The same label again extends the prefix only after a blank.
        const from = c === last ? beam.blank : beam.total;
        if (from === -Infinity) continue;
        const extended = entry(prefix.child(c));
        extended.label = logAddExp(extended.label, from + lp[row + c]);
      }
    }
    beams = [...next.values()];
    for (const beam of beams) beam.total = logAddExp(beam.blank, beam.label);
    beams.sort(compareBeams);
    if (beams.length > beamWidth) beams.length = beamWidth;
  }
  return beams;
}

/** Most probable first; ties broken by the labels (shorter, then smaller), so the order is deterministic. */
function compareBeams(a: Beam, b: Beam): number {
  if (a.total !== b.total) return b.total - a.total;
  const x = a.prefix.labels();
  const y = b.prefix.labels();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * Decodes CTC logits `[batch, time, classes]` (log-softmax taken inside; probabilities' logs work too)
 * into label sequences, greedily (default) or by prefix beam search. Without `topPaths` it returns each
 * sequence's best labelling (`decoded[b]`); with `topPaths` (beam search) the best `topPaths` in Keras'
 * layout (`decoded[p][b]`, `logProbability[b][p]`).
 * ```ts
 * import * as dn from 'dendrite';
 * // Two steps, classes (blank, 'a'): the best path is blank-blank (0.36), yet 'a' is likelier (0.64).
 * const logits = dn.log(dn.tensor([[[0.6, 0.4], [0.6, 0.4]]]));
 * dn.ctcDecode(logits).decoded; // [[]]
 * dn.ctcDecode(logits, { strategy: 'beamSearch', beamWidth: 4 }).decoded; // [[1]]
 * ```
 */
export function ctcDecode(logits: TensorLike, options?: CtcDecodeOptions & { topPaths?: undefined }): CtcDecoded;
export function ctcDecode(logits: TensorLike, options: CtcDecodeOptions & { topPaths: number }): CtcDecodedPaths;
export function ctcDecode(logits: TensorLike, options: CtcDecodeOptions & { topPaths?: number } = {}): CtcDecoded | CtcDecodedPaths {
  const where = 'ctcDecode';
  const o = checkOptions<CtcDecodeOptions & { topPaths?: number }>(where, options, ['inputLengths', 'strategy', 'beamWidth', 'topPaths', 'blank']);
  const x = toTensor(where, 'logits', logits);
  if (x.dtype !== 'float32' || x.rank !== 3 || x.shape[2] < 1) {
    throw new ShapeError(`${where}: logits must be a float32 tensor of shape [batch, time, classes] with classes >= 1, got ${x.dtype} ${formatShape(x.shape)}`);
  }
  const [batch, time, classes] = x.shape;
  const blank = checkBlank(where, o.blank, classes);
  const strategy = o.strategy === undefined ? 'greedy' : checkChoice(where, 'strategy', o.strategy, STRATEGIES);
  const beamWidth = o.beamWidth === undefined ? 100 : checkInteger(where, 'beamWidth', o.beamWidth, 1, 1_000_000);
  const topPaths = o.topPaths === undefined ? undefined : checkInteger(where, 'topPaths', o.topPaths, 1, 1_000_000);
  if (topPaths !== undefined && topPaths > beamWidth) {
    throw new ValueError(`${where}: topPaths must be at most beamWidth (${beamWidth}), got ${topPaths}`);
  }
  if (strategy === 'greedy' && topPaths !== undefined && topPaths > 1) {
    throw new ValueError(`${where}: topPaths > 1 needs strategy 'beamSearch' (greedy decoding finds one path), got topPaths ${topPaths}`);
  }
  const lengths = o.inputLengths === undefined ? new Int32Array(batch).fill(time) : checkLengths(where, 'inputLengths', o.inputLengths, batch, () => time);
  const lp = noGrad(() => contiguous(logSoftmax(x.detach(), -1)).storage as Float32Array);

  const paths = topPaths ?? 1;
  const decoded: number[][][] = Array.from({ length: paths }, () => []);
  const logProbability: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const offset = b * time * classes;
    if (strategy === 'greedy') {
      const best = greedy(lp, offset, lengths[b], classes, blank);
      decoded[0].push(best.labels);
      logProbability.push([best.logP]);
      continue;
    }
    const beams = beamSearch(lp, offset, lengths[b], classes, blank, beamWidth);
    const scores: number[] = [];
    for (let p = 0; p < paths; p++) {
      decoded[p].push(p < beams.length ? beams[p].prefix.labels() : []);
      scores.push(p < beams.length ? beams[p].total : -Infinity);
    }
    logProbability.push(scores);
  }
  if (topPaths === undefined) return { decoded: decoded[0], logProbability: logProbability.map((s) => s[0]) };
  return { decoded, logProbability };
}
