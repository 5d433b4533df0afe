// Keyword spotting from raw audio: which digit, "zero" to "nine", does a voice say?
//
//   npx tsx examples/spoken-digits.ts
//
// data/spoken_digits/isolated/: 1,600 training and 400 test clips (8 kHz, 16-bit mono WAV, one folder
// per word). The 40 test speakers use voices no training speaker uses, so the test accuracy measures
// how well the model generalises to unheard voices; the data README's reference CNN (PyTorch) reaches
// 0.62-0.64 on it. The model reads raw audio: its first layer computes log-mel spectrograms, so the
// saved model takes WAV samples directly.
//
// In your own code: `import * as dn from 'dendrite'`.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** The words, in label order. */
export const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
/** Every clip is cut or zero-padded to one second at 8 kHz. */
export const SAMPLE_RATE = 8000;
export const CLIP_SAMPLES = 8000;
/** Centred frames every 10 ms: 1 + 8000 / 80. */
export const FRAMES = 101;
/** Where the data set lives in the repository. */
export const DATA_DIR = fileURLToPath(new URL('../data/spoken_digits/isolated', import.meta.url));

/** Options of {@link runSpokenDigits} (the test runs it with a few steps). */
export interface SpokenDigitsOptions {
  /** Default 60. */
  epochs?: number;
  /** Use only this many training clips (default all 1,600; a balanced prefix of each word's folder). */
  trainClips?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface SpokenDigitsResult {
  testAccuracy: number;
  trainLoss: number[];
  seconds: number;
}

/** Reads a split: `[clips, CLIP_SAMPLES]` audio and int32 labels. At most `perWord` clips of each word. */
export function loadSplit(split: 'train' | 'test', perWord = Infinity): { x: dn.Tensor; y: dn.Tensor; files: string[] } {
  const files: string[] = [];
  const labels: number[] = [];
  WORDS.forEach((word, label) => {
    const folder = join(DATA_DIR, split, word);
    const names = readdirSync(folder).filter((name) => name.endsWith('.wav')).sort().slice(0, perWord);
    for (const name of names) {
      files.push(join(folder, name));
      labels.push(label);
    }
  });
  const x = new Float32Array(files.length * CLIP_SAMPLES);
  files.forEach((file, i) => {
    const { audio, sampleRate } = dn.audio.readWav(file, { desiredChannels: 1 });
    const clip = sampleRate === SAMPLE_RATE ? audio : dn.audio.resample(audio, sampleRate, SAMPLE_RATE);
    const samples = clip.dataSync().subarray(0, CLIP_SAMPLES);
    x.set(samples, i * CLIP_SAMPLES);
  });
  return { x: dn.tensor(x, [files.length, CLIP_SAMPLES]), y: dn.tensor(labels, [labels.length], 'int32'), files };
}

/**
 * The data README's reference CNN on log-mel features computed inside the model: 40 mel bands of 25 ms
 * Hann windows every 10 ms (FFT 256), in decibels, each band standardised by batch normalization over
 * the band axis (the reference standardises each band with training-set statistics), then
 * Conv 16-32-64 (3x3, same, relu; max-pool 2 after the first two), global average pooling, dropout 0.2,
 * dense 10.
 */
export function keywordModel(): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.melSpectrogram({
        samplingRate: SAMPLE_RATE, fftLength: 256, sequenceLength: 200, sequenceStride: 80, numMelBins: 40, inputShape: [CLIP_SAMPLES],
      }),
      dn.layers.batchNormalization({ axis: 1 }),
      dn.layers.reshape({ targetShape: [40, FRAMES, 1] }),
      dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'same' }),
      dn.layers.globalAveragePooling2d(),
      dn.layers.dropout({ rate: 0.2 }),
      dn.layers.dense({ units: WORDS.length, activation: 'softmax' }),
    ],
  });
}

export async function runSpokenDigits(options: SpokenDigitsOptions = {}): Promise<SpokenDigitsResult> {
  const { epochs = 60, trainClips = Infinity, seed = 0, verbose = 1, log = console.log } = options;
  if (!existsSync(DATA_DIR)) throw new Error(`spoken digits: ${DATA_DIR} is missing (it is in the git repository, not in the npm package)`);
  const train = loadSplit('train', Math.ceil(trainClips / WORDS.length));
  const test = loadSplit('test');
  log(`Spoken digits: ${train.files.length} training clips, ${test.files.length} test clips of unheard voices, as [clips, ${CLIP_SAMPLES}] samples at ${SAMPLE_RATE} Hz (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = keywordModel();
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  const history = await model.fit(train.x, train.y, { epochs, batchSize: 32, verbose, seed });
  const seconds = (performance.now() - started) / 1000;
  const { accuracy } = await model.evaluate(test.x, test.y);
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Held-out-speaker accuracy: ${(100 * accuracy).toFixed(1)} % (the reference CNN: 62-64 %)`);
  return { testAccuracy: accuracy, trainLoss: history.history.loss, seconds };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runSpokenDigits();
}
