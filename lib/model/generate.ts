/**
 * Autoregressive generation: `dn.generate(model, prompt, { maxTokens, temperature, topK, topP, seed })`
 * appends tokens sampled one at a time from a model that maps token ids `[batch, steps]` to next-token
 * scores `[batch, steps, vocab]` (a causal language model: embedding, positions, decoder blocks, a
 * dense head).
 *
 * With a key/value cache each new token costs one step, not a re-run of the whole sequence: the prompt
 * goes through the model once, then each new token alone, each causal attention layer keeping the keys
 * and values of the steps before it, in buffers allocated once for the whole sequence. That holds when every layer of the model either works step by
 * step (embedding, dense, layer norm, dropout, activation, elementwise merges) or knows how to continue
 * a sequence (transformerDecoder without cross-attention, causal self-attention multiHeadAttention,
 * positionEmbedding, sinePositionEncoding); any other layer (a recurrent layer, a non-causal attention,
 * a flatten) makes generate run the whole sequence for each token instead, with the same result.
 * Prompts are taken as unpadded: no padding mask is applied.
 */
import { ValueError } from '../errors.js';
import { makeTensor, Tensor } from '../tensor.js';
import { noGrad } from '../autograd/engine.js';
import { Generator, pickGenerator } from '../random.js';
import { checkBoolean, checkEach, checkInteger, checkNumber, checkOptions, typeError } from '../validate.js';
import { slice } from '../ops/shape.js';
import type { AnyLayer, CallContext } from '../layers/layer.js';
import { ActivationLayer } from '../layers/activation.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNormalization } from '../layers/layerNormalization.js';
import { ElementwiseMerge } from '../layers/merge/index.js';
import { attentionCache, MultiHeadAttention, type AttentionCache } from '../layers/attention/multiHeadAttention.js';
import { PositionEmbedding } from '../layers/attention/positionEmbedding.js';
import { SinePositionEncoding } from '../layers/attention/sinePositionEncoding.js';
import { TransformerDecoder } from '../layers/attention/transformerDecoder.js';
import type { Model } from './training.js';
import type { Program } from './program.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** How many tokens to append. Default 32. */
  maxTokens?: number;
  /** Divides the scores before sampling: below 1 sharper, above 1 flatter; 0 picks the most likely token. Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens (0: all). Default 0. */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities add up to topP (nucleus sampling). Default 1. */
  topP?: number;
  /** A token that ends a sequence: it is kept, and nothing follows it. */
  stopToken?: number;
  /** Seed of the sampling, for reproducible generation. */
  seed?: number;
  /** Draw from this generator instead (default: the global one). */
  generator?: Generator;
  /** Keep keys and values of earlier steps (default true when the model allows it; false re-runs the whole sequence per token). */
  cache?: boolean;
}

const OPTION_NAMES = ['maxTokens', 'temperature', 'topK', 'topP', 'stopToken', 'seed', 'generator', 'cache'];

/** Whether a layer computes each step from that step alone. */
function stepwise(layer: AnyLayer): boolean {
  return layer instanceof Embedding || layer instanceof Dense || layer instanceof LayerNormalization || layer instanceof Dropout
    || layer instanceof ActivationLayer || layer instanceof ElementwiseMerge;
}

/** Whether a layer can continue a sequence from a cache (or is step by step). */
function continues(layer: AnyLayer, step: Program['steps'][number]): boolean {
  if (stepwise(layer) || layer instanceof PositionEmbedding || layer instanceof SinePositionEncoding) return true;
  if (layer instanceof TransformerDecoder) return !layer.hasCrossAttention;
  // Causal self-attention: one input, or the same value as query, value (and key).
  if (layer instanceof MultiHeadAttention) return layer.useCausalMask && !layer.returnAttentionScores && new Set(step.inputs).size === 1;
  return false;
}

/** Runs a model's program on token ids, continuing from a cache when there is one. */
class Runner {
  private readonly program: Program;
  /** The output step returns logits (its final softmax is skipped). */
  private readonly logitsStep: number;
  readonly cached: boolean;
  /** Steps of the sequence already seen (cached mode). */
  private start = 0;
  private readonly caches = new Map<number, AttentionCache>();

  /** Steps each cache is allocated for: the prompt and every new token. */
  private readonly capacity: number;

  constructor(where: string, model: Model, cache: boolean, capacity: number) {
    this.capacity = capacity;
    const program = model.program;
    if (program.inputs.length !== 1 || program.outputs.length !== 1) {
      throw new ValueError(`${where}: the model must take one input (token ids) and give one output (next-token scores), got ${program.inputs.length} inputs and ${program.outputs.length} outputs`);
    }
    this.program = program;
    const step = program.foldableSteps[0];
    const layer = step < 0 ? null : program.steps[step].layer;
    const activation = layer instanceof Dense || layer instanceof ActivationLayer ? layer.activation : null;
    this.logitsStep = activation !== null && activation.name === 'softmax' ? step : -1;
    this.cached = cache && program.steps.every((s) => continues(s.layer, s));
  }

  /** The last step's scores `[batch, vocab]` for `ids` `[batch, n]`: the new steps (cached) or the whole sequence. */
  next(ids: Tensor): Float32Array {
    const { program } = this;
    const values = new Array<Tensor | Tensor[] | undefined>(program.slots);
    values[program.inputs[0]] = ids;
    const n = ids.shape[1];
    program.steps.forEach((step, s) => {
      const input = step.listInput ? step.inputs.map((slot) => values[slot] as Tensor) : (values[step.inputs[0]] as Tensor);
      const context: CallContext = { training: false, workspace: null, logits: s === this.logitsStep, losses: null, mask: null };
      const layer = step.layer;
      let output: Tensor | Tensor[];
      if (!this.cached) output = layer.call(input, context);
      else if (layer instanceof PositionEmbedding || layer instanceof SinePositionEncoding) output = layer.positionsFrom(input as Tensor, this.start);
      else if (layer instanceof TransformerDecoder) output = layer.continueSequence(input as Tensor, this.cacheOf(s), context);
      else if (layer instanceof MultiHeadAttention) output = layer.continueSequence(Array.isArray(input) ? input[0] : input, this.cacheOf(s));
      else output = layer.call(input, context);
      if (step.listOutput) step.outputs.forEach((slot, i) => { values[slot] = (output as Tensor[])[i]; });
      else values[step.outputs[0]] = output as Tensor;
    });
    if (this.cached) this.start += n;
    const out = values[program.outputs[0]] as Tensor;
    if (out.rank !== 3 || out.shape[0] !== ids.shape[0] || out.shape[1] !== n) {
      throw new ValueError(`generate: the model must map token ids [batch, steps] to scores [batch, steps, vocab], got an output of shape [${out.shape.join(', ')}] for ids of shape [${ids.shape.join(', ')}]`);
    }
    const vocab = out.shape[2];
    return slice(out, [0, n - 1, 0], [out.shape[0], 1, vocab]).dataSync() as Float32Array;
  }

  private cacheOf(step: number): AttentionCache {
    let cache = this.caches.get(step);
    if (cache === undefined) this.caches.set(step, (cache = attentionCache(this.capacity)));
    return cache;
  }
}

/** Samples a token from one row of scores with the options' temperature, top-k and top-p. */
function sample(scores: Float32Array, temperature: number, topK: number, topP: number, generator: Generator): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  if (temperature === 0) return best;
  // Candidates by decreasing score (ties by id), cut to top-k, then softmax over them.
  let order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  if (topK > 0) order = order.slice(0, topK);
  const top = scores[order[0]];
  const weights = order.map((i) => Math.exp((scores[i] - top) / temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  if (topP < 1) {
    // The smallest prefix whose probability reaches topP (at least one token).
    let kept = 0, mass = 0;
    while (kept < weights.length && (kept === 0 || mass < topP * total)) mass += weights[kept++];
    order = order.slice(0, kept);
    weights.length = kept;
    total = mass;
  }
  let u = generator.uniform() * total;
  for (let i = 0; i < order.length; i++) {
    u -= weights[i];
    if (u < 0) return order[i];
  }
  return order[order.length - 1];
}

/** The prompt as a batch of equal-length id rows. */
function promptRows(where: string, prompt: unknown): number[][] {
  const rows: unknown[] = Array.isArray(prompt) && prompt.length > 0 && prompt.every((row) => Array.isArray(row)) ? prompt : [prompt];
  const length = Array.isArray(rows[0]) ? rows[0].length : 0;
  return checkEach(rows, (row, r) => {
    if (!Array.isArray(row)) typeError(where, 'prompt', 'an array of token ids, or an array of such arrays (a batch)', prompt);
    if (row.length === 0) throw new ValueError(`${where}: prompt${rows.length > 1 ? `[${r}]` : ''} is empty; give at least one token id`);
    if (row.length !== length) throw new ValueError(`${where}: the prompts of a batch must have one length, got ${length} and ${row.length} (prompt[${r}])`);
    return checkEach(row, (id, i) => checkInteger(where, rows.length > 1 ? `prompt[${r}][${i}]` : `prompt[${i}]`, id, 0, 2 ** 31 - 1));
  });
}

/**
 * Generates tokens from a causal language model: the model maps token ids `[batch, steps]` to
 * next-token scores `[batch, steps, vocab]` (probabilities from a final softmax, whose logits are then
 * used, or logits). Returns the prompt with the new tokens appended: `number[]` for a prompt of ids,
 * `number[][]` for a batch of equal-length prompts. With `stopToken`, a sequence ends at that token.
 * Reproducible under `seed`. With a key/value cache (when the model's layers allow it, see the module
 * notes) each new token costs one step through the model.
 * ```ts
 * const ids = dn.generate(gpt, tokenizer.encode('An'), { maxTokens: 20, temperature: 0.8, topK: 10, seed: 1 });
 * console.log(tokenizer.decode(ids));
 * ```
 */
export function generate(model: Model, prompt: readonly number[], options?: GenerateOptions): number[];
export function generate(model: Model, prompt: readonly (readonly number[])[], options?: GenerateOptions): number[][];
export function generate(model: Model, prompt: readonly number[] | readonly (readonly number[])[], options: GenerateOptions = {}): number[] | number[][] {
  const where = 'generate';
  if (model === null || typeof model !== 'object' || !('program' in model)) typeError(where, 'model', 'a model (dn.model or dn.sequential)', model);
  const o = checkOptions<GenerateOptions>(where, options, OPTION_NAMES);
  const batched = Array.isArray(prompt) && prompt.length > 0 && prompt.every((row) => Array.isArray(row));
  const rows = promptRows(where, prompt);
  const maxTokens = o.maxTokens === undefined ? 32 : checkInteger(where, 'maxTokens', o.maxTokens, 0, 2 ** 24);
  const temperature = o.temperature === undefined ? 1 : checkNumber(where, 'temperature', o.temperature);
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new ValueError(`${where}: temperature must be 0 or more, got ${temperature}`);
  const topK = o.topK === undefined ? 0 : checkInteger(where, 'topK', o.topK, 0, 2 ** 31 - 1);
  const topP = o.topP === undefined ? 1 : checkNumber(where, 'topP', o.topP);
  if (!(topP > 0 && topP <= 1)) throw new ValueError(`${where}: topP must be in (0, 1], got ${topP}`);
  const stopToken = o.stopToken === undefined ? null : checkInteger(where, 'stopToken', o.stopToken, 0, 2 ** 31 - 1);
  const cache = o.cache === undefined ? true : checkBoolean(where, 'cache', o.cache);
  const generator = pickGenerator(where, o);
  if (!model.built) throw new ValueError(`${where}: the model is not built yet: build it (or apply it to data) first`);
  const runner = new Runner(where, model, cache, rows[0].length + maxTokens);
  // Every sequence grows by one token per step (a batch stays rectangular); each ends at its stop token.
  const sequences = rows.map((row) => row.slice());
  const ends: (number | null)[] = rows.map(() => null);
  noGrad(() => {
    let fresh = rows;
    for (let t = 0; t < maxTokens && ends.some((end) => end === null); t++) {
      const feed = runner.cached ? fresh : sequences;
      const scores = runner.next(makeTensor(Int32Array.from(feed.flat()), [feed.length, feed[0].length]));
      const vocab = scores.length / rows.length;
      fresh = sequences.map((sequence, r) => {
        const token = sample(scores.subarray(r * vocab, (r + 1) * vocab), temperature, topK, topP, generator);
        sequence.push(token);
        if (ends[r] === null && token === stopToken) ends[r] = sequence.length;
        return [token];
      });
    }
  });
  const result = sequences.map((sequence, r) => sequence.slice(0, ends[r] ?? sequence.length));
  return batched ? result : result[0];
}
