// Is a first name female or male? A GRU reads it character by character.
//
//   npx tsx examples/names-gru.ts
//
// The bundled names (dn.datasets.names(): 6,402 train / 1,601 test) with the protocol of the data
// README: each character one-hot, GRU(32)-Dense(1, sigmoid), binary cross-entropy, Adam 1e-3, batch 32,
// 20 epochs. Names are padded with all-zero steps at the end, which a masking layer keeps out of the
// GRU (its state stops at the last letter). PyTorch 1.13 reaches 0.829 on it (bench:quality checks
// the mean of 3 seeds).
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runNamesGru} (the test runs it with fewer epochs). */
export interface NamesGruOptions {
  /** Default 20 (the protocol). */
  epochs?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface NamesGruResult {
  testAccuracy: number;
  seconds: number;
  /** Names the example made up, with the probability the model gives them of being male. */
  guesses: { name: string; male: number }[];
}

/** The characters of the names, in a fixed order: one-hot position i is ALPHABET[i]. */
export const ALPHABET = 'abcdefghijklmnopqrstuvwxyz-';
/** The longest name of the data set. */
export const MAX_LENGTH = 15;

/** `[names, MAX_LENGTH, ALPHABET.length]`: one one-hot row per character, all zeros after the name. */
export function encodeNames(names: readonly string[]): dn.Tensor {
  const width = ALPHABET.length;
  const x = new Float32Array(names.length * MAX_LENGTH * width);
  names.forEach((name, n) => {
    for (let t = 0; t < Math.min(name.length, MAX_LENGTH); t++) {
      const c = ALPHABET.indexOf(name[t]);
      // A character outside the alphabet stays an all-zero step: masked, like padding.
      if (c >= 0) x[(n * MAX_LENGTH + t) * width + c] = 1;
    }
  });
  return dn.tensor(x, [names.length, MAX_LENGTH, width]);
}

/** The network of the protocol: masking, GRU(32), Dense(1, sigmoid). */
export function namesGru(): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.masking({ maskValue: 0, inputShape: [MAX_LENGTH, ALPHABET.length] }),
      dn.layers.gru({ units: 32 }),
      dn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

export async function runNamesGru(options: NamesGruOptions = {}): Promise<NamesGruResult> {
  const { epochs = 20, seed = 0, verbose = 1, log = console.log } = options;
  const { textTrain, yTrain, textTest, yTest } = dn.datasets.names();
  log(`Names: ${textTrain.length} training and ${textTest.length} test names, as [names, ${MAX_LENGTH} characters, ${ALPHABET.length}] one-hot (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = namesGru();
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  await model.fit(encodeNames(textTrain), yTrain.reshape([-1, 1]), { epochs, batchSize: 32, verbose });
  const seconds = (performance.now() - started) / 1000;
  const { accuracy } = await model.evaluate(encodeNames(textTest), yTest.reshape([-1, 1]));
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Test accuracy: ${(100 * accuracy).toFixed(1)} % (PyTorch 1.13 with this protocol: 82.9 %)`);
  const invented = ['elowen', 'brantley', 'zaria', 'thaddeus', 'marisol'];
  const male = model.predict(encodeNames(invented)).dataSync();
  const guesses = invented.map((name, i) => ({ name, male: male[i] }));
  log(`Names not in the data: ${guesses.map((g) => `${g.name} ${g.male >= 0.5 ? 'male' : 'female'} (${(100 * Math.max(g.male, 1 - g.male)).toFixed(0)} %)`).join(', ')}`);
  return { testAccuracy: accuracy, seconds, guesses };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runNamesGru();
}
