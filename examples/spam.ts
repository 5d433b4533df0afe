// Spam or not, from an e-mail's subject line alone.
//
//   npx tsx examples/spam.ts
//
// The subject lines of the SpamAssassin public corpus (dn.datasets.spamSubjects(): 4,821 train / 1,206
// test, a fixed stratified split; 31 % spam). A text vectorizer learns the 10,000 most frequent words of
// the training subjects and turns each subject into 24 word ids (0 pads); an embedding (padding masked)
// feeds a bidirectional LSTM and a sigmoid. It reports accuracy, precision and recall of the spam class on
// the test split, and saves the vectorizer's vocabulary beside the model so both come back together.
//
// In your own code: `import * as dn from 'dendrite'`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runSpam} (the test runs it with fewer epochs). */
export interface SpamOptions {
  /** Default 6. */
  epochs?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Saves the model and the vectorizer here, reloads both and checks they classify the same. */
  saveDirectory?: string;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface SpamResult {
  testAccuracy: number;
  /** Of the subjects flagged as spam, the share that are spam. */
  precision: number;
  /** Of the spam subjects, the share flagged. */
  recall: number;
  /** Share of spam in the test split: the accuracy of always answering "ham" is 1 minus it. */
  spamShare: number;
  /** 'same' when the saved model and vectorizer reload and score the test subjects identically. */
  reload: 'same' | 'different' | 'not saved';
  seconds: number;
}

/** Word ids per subject: longer subjects are cut (4 % of them are longer). */
export const SEQUENCE_LENGTH = 24;

/** Embedding(32, padding masked) - Bidirectional(LSTM(32)) - Dense(1, sigmoid) over `vocabulary` word ids. */
export function spamModel(vocabulary: number): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.embedding({ inputDim: vocabulary, outputDim: 32, maskZero: true, inputShape: [SEQUENCE_LENGTH] }),
      dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 32 }) }),
      dn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

export async function runSpam(options: SpamOptions = {}): Promise<SpamResult> {
  const { epochs = 6, seed = 0, verbose = 1, saveDirectory, log = console.log } = options;
  const { textTrain, yTrain, textTest, yTest } = dn.datasets.spamSubjects();
  const vectorize = dn.data.textVectorization({ maxTokens: 10_000, outputSequenceLength: SEQUENCE_LENGTH });
  vectorize.adapt(textTrain);
  const vocabulary = vectorize.vocabularySize;
  const spamShare = yTest.cast('float32').mean().item();
  log(`Spam subjects: ${textTrain.length} training and ${textTest.length} test subjects (${(100 * spamShare).toFixed(1)} % spam), a vocabulary of ${vocabulary} words (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = spamModel(vocabulary);
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'binaryCrossentropy', metrics: ['accuracy', 'precision', 'recall'] });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  await model.fit(vectorize.apply(textTrain), yTrain.reshape([-1, 1]), { epochs, batchSize: 32, verbose });
  const seconds = (performance.now() - started) / 1000;
  const xTest = vectorize.apply(textTest);
  const scores = await model.evaluate(xTest, yTest.reshape([-1, 1]));
  const { accuracy, precision, recall } = scores;
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Test accuracy ${(100 * accuracy).toFixed(1)} % (always "ham": ${(100 * (1 - spamShare)).toFixed(1)} %), spam precision ${(100 * precision).toFixed(1)} %, recall ${(100 * recall).toFixed(1)} %`);
  const examples = ['Re: meeting notes for tomorrow', 'FREE VIAGRA - lowest prices online!!!', 'Your mortgage approval is waiting', '[ILUG] kernel compile question'];
  const probabilities = model.predict(vectorize.apply(examples)).dataSync();
  examples.forEach((subject, i) => log(`  ${probabilities[i] >= 0.5 ? 'spam' : 'ham '} ${(100 * probabilities[i]).toFixed(0).padStart(3)} %  ${subject}`));
  let reload: SpamResult['reload'] = 'not saved';
  if (saveDirectory !== undefined) {
    await model.save(saveDirectory);
    // The vocabulary belongs with the model: ids mean nothing without it.
    mkdirSync(saveDirectory, { recursive: true });
    writeFileSync(join(saveDirectory, 'vectorizer.json'), JSON.stringify(vectorize.getConfig()));
    const loaded = await dn.loadModel(saveDirectory);
    const loadedVectorize = dn.data.textVectorization(JSON.parse(readFileSync(join(saveDirectory, 'vectorizer.json'), 'utf8')));
    const before = model.predict(xTest).dataSync();
    const after = loaded.predict(loadedVectorize.apply(textTest)).dataSync();
    reload = before.every((v, i) => v === after[i]) ? 'same' : 'different';
    log(`Saved to ${saveDirectory} with its vectorizer (vectorizer.json); reloaded, they classify the test subjects ${reload === 'same' ? 'exactly the same' : 'differently'}`);
  }
  return { testAccuracy: accuracy, precision, recall, spamShare, reload, seconds };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runSpam();
}
