// A character-level GPT that makes up first names.
//
//   npx tsx examples/names-gpt.ts
//
// The bundled names (dn.datasets.names(), each name once): the 6,402 of the training split train, the
// 1,601 of the test split validate. A name is read as characters between boundary marks, '.emma.', and the model learns to
// predict each next character: token embeddings plus learned position embeddings, two pre-norm
// `transformerDecoder` blocks (causal self-attention, 4 heads), a softmax over the characters. Padding
// (id 0) is masked, so it counts in neither the attention nor the loss.
//
// It reports the validation loss in nats per character (the end mark included) beside a bigram model's
// (next-character counts from the training names, add-one smoothed) on the same names, then samples new
// names with `dn.generate`, with a key/value cache, from the boundary mark under a seed.
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runNamesGpt} (the test runs it with fewer epochs). */
export interface NamesGptOptions {
  /** Default 30. */
  epochs?: number;
  /** Seed of the weights, the shuffling and the sampling. Default 0. */
  seed?: number;
  /** How many names to sample. Default 12. */
  samples?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface NamesGptResult {
  /** Mean negative log-likelihood of the validation characters, in nats per character. */
  validationLoss: number;
  /** The bigram model's, on the same characters. */
  bigramLoss: number;
  /** Sampled names, and whether each is a training name. */
  samples: { name: string; known: boolean }[];
  seconds: number;
  model: dn.Model;
}

/** Id 0 pads, 1 marks the start and the end of a name, then the characters. */
export const BOUNDARY = 1;
export const CHARACTERS = 'abcdefghijklmnopqrstuvwxyz-';
export const VOCABULARY = CHARACTERS.length + 2;
/** Steps the model sees: the start mark and the 15 characters of the longest name (the end mark is only a target). */
export const CONTEXT = 16;

/** The character ids of a name (letters outside CHARACTERS are not expected: the data has none). */
export function encodeName(name: string): number[] {
  return Array.from(name, (c) => {
    const id = CHARACTERS.indexOf(c);
    if (id < 0) throw new Error(`names-gpt: '${c}' in '${name}' is not one of the characters '${CHARACTERS}'`);
    return id + 2;
  });
}

export function decodeName(ids: readonly number[]): string {
  return ids.filter((id) => id >= 2).map((id) => CHARACTERS[id - 2]).join('');
}

/** Inputs `[names, CONTEXT]` ('.' then the name) and targets (the name then '.'), padded with 0 at the end. */
export function nameBatch(names: readonly string[]): { x: dn.Tensor; y: dn.Tensor } {
  const x = new Int32Array(names.length * CONTEXT);
  const y = new Int32Array(names.length * CONTEXT);
  names.forEach((name, n) => {
    const ids = [BOUNDARY, ...encodeName(name).slice(0, CONTEXT - 1), BOUNDARY];
    for (let t = 0; t + 1 < ids.length; t++) {
      x[n * CONTEXT + t] = ids[t];
      y[n * CONTEXT + t] = ids[t + 1];
    }
  });
  return { x: dn.tensor(x, [names.length, CONTEXT], 'int32'), y: dn.tensor(y, [names.length, CONTEXT], 'int32') };
}

/** The model's size: small enough to train in a minute on a CPU core. */
export interface NamesGptConfig {
  /** Width of the embeddings and of every block. Default 64. */
  features?: number;
  /** Decoder blocks. Default 2. */
  blocks?: number;
  /** Attention heads per block. Default 4. */
  heads?: number;
  /** Width of each block's feedforward layer. Default 128. */
  intermediate?: number;
  /** Dropout inside the blocks. Default 0.1. */
  dropout?: number;
}

/** Embedding + positions, `blocks` pre-norm decoder blocks, a final layer norm and a softmax over the characters. */
export function namesGpt(config: NamesGptConfig = {}): dn.Model {
  const { features = 64, blocks = 2, heads = 4, intermediate = 128, dropout = 0.1 } = config;
  const tokens = dn.input({ shape: [CONTEXT], dtype: 'int32' });
  const embedded = dn.layers.embedding({ inputDim: VOCABULARY, outputDim: features, maskZero: true }).apply(tokens);
  let x = dn.layers.add().apply([embedded, dn.layers.positionEmbedding({ sequenceLength: CONTEXT }).apply(embedded)]);
  for (let i = 0; i < blocks; i++) {
    x = dn.layers.transformerDecoder({ intermediateDim: intermediate, numHeads: heads, dropout, normalizeFirst: true }).apply(x);
  }
  x = dn.layers.layerNormalization({ epsilon: 1e-5 }).apply(x);
  const next = dn.layers.dense({ units: VOCABULARY, activation: 'softmax' }).apply(x);
  return dn.model({ inputs: tokens, outputs: next });
}

/** Validation loss of a next-character distribution: mean -ln p(target) over the real (unpadded) steps. */
function natsPerCharacter(probabilities: ArrayLike<number>, y: Int32Array): number {
  let total = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) continue;
    total -= Math.log(probabilities[i * VOCABULARY + y[i]]);
    count++;
  }
  return total / count;
}

/** The bigram model's next-character probabilities for every step of `x`, from add-one smoothed counts of `train`. */
export function bigramProbabilities(train: { x: dn.Tensor; y: dn.Tensor }, x: dn.Tensor): Float32Array {
  const counts = new Float64Array(VOCABULARY * VOCABULARY).fill(1);
  const tx = train.x.dataSync();
  const ty = train.y.dataSync();
  for (let i = 0; i < ty.length; i++) if (ty[i] !== 0) counts[tx[i] * VOCABULARY + ty[i]]++;
  // Targets are never padding: the padding column keeps no mass.
  for (let a = 0; a < VOCABULARY; a++) counts[a * VOCABULARY] = 0;
  const ids = x.dataSync();
  const out = new Float32Array(ids.length * VOCABULARY);
  for (let i = 0; i < ids.length; i++) {
    const row = counts.subarray(ids[i] * VOCABULARY, (ids[i] + 1) * VOCABULARY);
    const sum = row.reduce((a, b) => a + b, 0);
    for (let v = 0; v < VOCABULARY; v++) out[i * VOCABULARY + v] = row[v] / sum;
  }
  return out;
}

export async function runNamesGpt(options: NamesGptOptions = {}): Promise<NamesGptResult> {
  const { epochs = 30, seed = 0, samples = 12, verbose = 1, log = console.log } = options;
  const { textTrain, textTest } = dn.datasets.names();
  const known = new Set(textTrain);
  const train = nameBatch(textTrain);
  const validation = nameBatch(textTest);
  log(`Names: ${textTrain.length} training and ${textTest.length} validation names, ${VOCABULARY} tokens (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = namesGpt();
  model.compile({ optimizer: dn.optimizers.adam(2e-3), loss: 'sparseCategoricalCrossentropy' });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, verbose });
  const seconds = (performance.now() - started) / 1000;
  const targets = validation.y.dataSync() as Int32Array;
  const validationLoss = natsPerCharacter(model.predict(validation.x).dataSync(), targets);
  const bigramLoss = natsPerCharacter(bigramProbabilities(train, validation.x), targets);
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Validation loss ${validationLoss.toFixed(3)} nats per character; ` +
    `the bigram model's ${bigramLoss.toFixed(3)} (${(100 * (1 - validationLoss / bigramLoss)).toFixed(1)} % lower)`);
  const sampled: NamesGptResult['samples'] = [];
  for (let i = 0; i < samples; i++) {
    const ids = dn.generate(model, [BOUNDARY], { maxTokens: CONTEXT, temperature: 1, stopToken: BOUNDARY, seed: seed * 1000 + i });
    const name = decodeName(ids);
    sampled.push({ name, known: known.has(name) });
  }
  log(`Sampled names (temperature 1, seeds ${seed * 1000}..${seed * 1000 + samples - 1}; * = a training name): ${sampled.map((s) => `${s.name}${s.known ? '*' : ''}`).join(', ')}`);
  return { validationLoss, bigramLoss, samples: sampled, seconds, model };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runNamesGpt();
}
