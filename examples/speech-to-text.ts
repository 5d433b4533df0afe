// Speech to text: connected digits ("three one four") from raw audio, with a CTC-trained network.
//
//   npx tsx examples/speech-to-text.ts
//
// data/spoken_digits/connected/: 640 training and 160 test utterances of 2-5 digits (8 kHz, 16-bit mono
// WAV, 0.43-2.78 s); the 40 test speakers use voices no training speaker uses. The transcript of each clip
// is in data/spoken_digits/index.tsv. Nothing says where each digit starts: the CTC loss sums over every
// alignment of the digits to the network's output steps, with a blank class for steps that emit nothing.
// The data README's PyTorch reference (the same network, log-mel features, Adam 2e-3, batch 16, 60 epochs,
// greedy decoding) reaches a digit error rate of 0.330 on the test speakers.
//
// The model reads raw audio (a melSpectrogram layer first), so a saved model transcribes WAV samples
// directly: examples/transcribe-server.ts serves it over HTTP.
//
// In your own code: `import * as dn from 'dendrite'`.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Class 0 is the CTC blank; digit d is class d + 1. */
export const BLANK = 0;
export const CLASSES = 11;
export const SAMPLE_RATE = 8000;
/** Every utterance is zero-padded (or cut) to 2.8 s: the longest is 2.78 s. */
export const CLIP_SAMPLES = 22400;
/** Centred log-mel frames every 10 ms: 1 + 22400 / 80. */
export const FRAMES = 281;
/** Output steps after the two valid convolutions (kernel 5, then kernel 5 with stride 2): 20 ms each. */
export const STEPS = Math.floor((FRAMES - 4 - 5) / 2) + 1;
/** The longest transcript (the utterances have 2-5 digits). */
export const MAX_DIGITS = 5;
/** Where the data set lives in the repository. */
export const DATA_DIR = fileURLToPath(new URL('../data/spoken_digits', import.meta.url));

/** Options of {@link runSpeechToText} (the test runs it with a few steps). */
export interface SpeechToTextOptions {
  /** Default 60. */
  epochs?: number;
  /** Use only the first this many training utterances (default all 640). */
  trainClips?: number;
  /** Use only the first this many test utterances (default all 160). */
  testClips?: number;
  /** Beam width of the beam-search decoding (default 16). */
  beamWidth?: number;
  /** Seed of the weights, the shuffling and the masks. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
  /** Save the trained model to this folder (examples/transcribe-server.ts loads it). */
  savePath?: string;
}

export interface SpeechToTextResult {
  /** Digit error rate of greedy decoding: edit distance / reference digits, over the test utterances. */
  greedyDigitErrorRate: number;
  /** The same with prefix beam search. */
  beamDigitErrorRate: number;
  /** Test utterances whose greedy transcript is entirely right. */
  greedyStringAccuracy: number;
  trainLoss: number[];
  seconds: number;
  model: dn.Sequential;
}

/** One split of the connected digits: `[clips, CLIP_SAMPLES]` audio, transcripts and file names. */
export interface Utterances {
  x: dn.Tensor;
  /** The digits of each utterance, e.g. [3, 1, 4]. */
  transcripts: number[][];
  files: string[];
}

/** Reads the first `limit` utterances of a split, in index order, with their transcripts from index.tsv. */
export function loadUtterances(split: 'train' | 'test', limit = Infinity): Utterances {
  const rows = readFileSync(join(DATA_DIR, 'index.tsv'), 'utf8').split('\n').slice(1)
    .map((line) => line.split('\t'))
    .filter((fields) => fields[0].startsWith(`connected/${split}/`))
    .slice(0, limit);
  const files = rows.map((fields) => join(DATA_DIR, fields[0]));
  const transcripts = rows.map((fields) => Array.from(fields[fields.length - 1].trim(), Number));
  const x = new Float32Array(files.length * CLIP_SAMPLES);
  files.forEach((file, i) => x.set(clipSamples(dn.audio.readWav(file, { desiredChannels: 1 })), i * CLIP_SAMPLES));
  return { x: dn.tensor(x, [files.length, CLIP_SAMPLES]), transcripts, files };
}

/** A decoded WAV as the model's input row: mono, at 8 kHz, at most CLIP_SAMPLES samples (zero-padded by the caller). */
export function clipSamples({ audio, sampleRate }: { audio: dn.Tensor; sampleRate: number }): Float32Array {
  const mono = audio.shape[1] === 1 ? audio : dn.mean(audio, 1, true);
  const clip = sampleRate === SAMPLE_RATE ? mono : dn.audio.resample(mono, sampleRate, SAMPLE_RATE);
  return (clip.dataSync() as Float32Array).subarray(0, CLIP_SAMPLES);
}

/** Transcripts as the 'ctc' loss's yTrue: `[clips, MAX_DIGITS]` classes (digit + 1), padded with the blank. */
export function labelTensor(transcripts: readonly (readonly number[])[]): dn.Tensor {
  const labels = new Int32Array(transcripts.length * MAX_DIGITS);
  transcripts.forEach((digits, i) => digits.forEach((digit, j) => { labels[i * MAX_DIGITS + j] = digit + 1; }));
  return dn.tensor(labels, [transcripts.length, MAX_DIGITS], 'int32');
}

/**
 * The data README's reference network on log-mel features computed inside the model (40 bands, 25 ms Hann
 * windows every 10 ms, FFT 256, in dB), each band standardised by batch normalization, SpecAugment masks
 * while training; then Conv1d 96 (kernel 5), Conv1d 96 (kernel 5, stride 2), a bidirectional GRU of 96
 * units each way and a dense layer of 11 logits per step (blank + 10 digits). The first Conv1d over time is
 * written as a Conv2D whose kernel spans all 40 bands: the spectrogram layer gives [bands, frames].
 */
export function speechModel(seed = 0): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.melSpectrogram({
        samplingRate: SAMPLE_RATE, fftLength: 256, sequenceLength: 200, sequenceStride: 80, numMelBins: 40, inputShape: [CLIP_SAMPLES],
      }),
      dn.layers.batchNormalization({ axis: 1 }),
      dn.layers.frequencyMasking({ freqMaskParam: 6, seed }),
      dn.layers.timeMasking({ timeMaskParam: 10, seed: seed + 1 }),
      dn.layers.reshape({ targetShape: [40, FRAMES, 1] }),
      dn.layers.conv2d({ filters: 96, kernelSize: [40, 5], activation: 'relu' }),
      dn.layers.reshape({ targetShape: [FRAMES - 4, 96] }),
      dn.layers.conv1d({ filters: 96, kernelSize: 5, strides: 2, activation: 'relu' }),
      dn.layers.bidirectional({ layer: dn.layers.gru({ units: 96, returnSequences: true }) }),
      dn.layers.dense({ units: CLASSES }),
    ],
  });
}

/** Levenshtein distance between two digit strings. */
export function editDistance(a: readonly number[], b: readonly number[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Total edit distance over total reference digits. */
export function digitErrorRate(hypotheses: readonly (readonly number[])[], references: readonly (readonly number[])[]): number {
  let errors = 0;
  let digits = 0;
  references.forEach((reference, i) => {
    errors += editDistance(hypotheses[i], reference);
    digits += reference.length;
  });
  return errors / digits;
}

/** The digits of each clip from the model's logits `[clips, STEPS, CLASSES]`. */
export function transcribe(logits: dn.Tensor, options: { strategy?: 'greedy' | 'beamSearch'; beamWidth?: number } = {}): number[][] {
  const { decoded } = dn.ctcDecode(logits, { blank: BLANK, ...options });
  return decoded.map((classes) => classes.map((c) => c - 1));
}

export async function runSpeechToText(options: SpeechToTextOptions = {}): Promise<SpeechToTextResult> {
  const { epochs = 60, trainClips = Infinity, testClips = Infinity, beamWidth = 16, seed = 0, verbose = 1, log = console.log } = options;
  if (!existsSync(DATA_DIR)) throw new Error(`speech to text: ${DATA_DIR} is missing (it is in the git repository, not in the npm package)`);
  const train = loadUtterances('train', trainClips);
  const test = loadUtterances('test', testClips);
  log(`Connected digits: ${train.files.length} training and ${test.files.length} test utterances of unheard voices, padded to ${CLIP_SAMPLES / SAMPLE_RATE} s at ${SAMPLE_RATE} Hz (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = speechModel(seed);
  model.compile({ optimizer: dn.optimizers.adam(2e-3), loss: 'ctc' });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  const history = await model.fit(train.x, labelTensor(train.transcripts), { epochs, batchSize: 16, verbose, seed });
  const seconds = (performance.now() - started) / 1000;
  if (options.savePath !== undefined) await model.save(options.savePath);

  const logits = model.predict(test.x);
  const greedy = transcribe(logits);
  const beam = transcribe(logits, { strategy: 'beamSearch', beamWidth });
  const greedyDigitErrorRate = digitErrorRate(greedy, test.transcripts);
  const beamDigitErrorRate = digitErrorRate(beam, test.transcripts);
  const greedyStringAccuracy = greedy.filter((digits, i) => editDistance(digits, test.transcripts[i]) === 0).length / greedy.length;
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s.`);
  log('truth      greedy     beam search');
  for (let i = 0; i < Math.min(8, test.files.length); i++) {
    log(`${test.transcripts[i].join('').padEnd(10)} ${greedy[i].join('').padEnd(10)} ${beam[i].join('')}`);
  }
  log(`Digit error rate on held-out speakers: greedy ${greedyDigitErrorRate.toFixed(3)}, beam search (width ${beamWidth}) ${beamDigitErrorRate.toFixed(3)} (the reference: 0.330, greedy); whole strings right: ${(100 * greedyStringAccuracy).toFixed(1)} %`);
  return { greedyDigitErrorRate, beamDigitErrorRate, greedyStringAccuracy, trainLoss: history.history.loss, seconds, model };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const savePath = process.argv.includes('--save') ? process.argv[process.argv.indexOf('--save') + 1] : undefined;
  await runSpeechToText({ savePath });
}
