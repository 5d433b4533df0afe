// Handwritten digits: the main demo (`npm start`).
//
//   npx tsx examples/digits.ts
//
// Trains a 64-128-10 MLP on the bundled UCI digits (8x8 images, the classic first-1437 / last-360
// split) with the progress bar, prints the test accuracy and a confusion matrix, then saves the
// model, reloads it and checks the reloaded model predicts the same. Beside the saved model it draws
// the training curves and the confusion matrix as PNG pictures (dn.plot) and prints their paths.
//
// In your own code: `import * as dn from 'dendrite'`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runDigits} (the test runs it with fewer epochs). */
export interface DigitsOptions {
  /** Default 50 (the reference protocol of data/README.md). */
  epochs?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where the saved model goes. Default examples/output/digits-model (git-ignored; created if needed). */
  saveDirectory?: string;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface DigitsResult {
  testAccuracy: number;
  confusion: number[][];
  /** 'same' when the reloaded model predicted exactly the same. */
  reload: 'same' | 'different';
  /** The pictures written beside the saved model: training curves, then the confusion matrix. */
  pictures: string[];
}

/** counts[actual][predicted]. */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (actual.length !== predicted.length) {
    throw new dn.ValueError(`confusionMatrix: ${actual.length} actual labels but ${predicted.length} predictions`);
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const [a, p] = [actual[i], predicted[i]];
    if (!(a >= 0 && a < classes && p >= 0 && p < classes)) {
      throw new dn.ValueError(`confusionMatrix: entry ${i} (actual ${a}, predicted ${p}) is outside the ${classes} classes`);
    }
    counts[a][p]++;
  }
  return counts;
}

/** The matrix as text: rows are the true digit, columns the predicted one. */
export function formatConfusion(counts: number[][], names: readonly string[]): string[] {
  const width = Math.max(3, ...counts.flat().map((c) => String(c).length)) + 1;
  const cell = (text: string | number) => String(text).padStart(width);
  return [
    `${'true\\pred'.padEnd(10)}${names.map(cell).join('')}`,
    ...counts.map((row, i) => `${names[i].padEnd(10)}${row.map((c) => cell(c === 0 ? '.' : c)).join('')}`),
  ];
}

export async function runDigits(options: DigitsOptions = {}): Promise<DigitsResult> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { epochs = 50, seed = 0, verbose = 1, saveDirectory = join(here, 'output', 'digits-model'), log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest, classNames } = dn.datasets.digits();
  log(`Digits: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images of 8x8 pixels (${dn.backendInfo().isa} kernels)`);

  // Pixels run 0..16; bring them to 0..1.
  const trainInputs = xTrain.div(16);
  const testInputs = xTest.div(16);

  dn.seed(seed);
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 128, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary();
  const started = performance.now();
  // The test set is passed as validation data only to draw its curve: fit never trains on it.
  const history = await model.fit(trainInputs, yTrain, { epochs, batchSize: 32, verbose, validationData: [testInputs, yTest] });
  const seconds = (performance.now() - started) / 1000;

  const predicted = model.predict(testInputs).argmax(-1).dataSync();
  const actual = yTest.dataSync();
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  const testAccuracy = correct / actual.length;
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Test accuracy: ${(100 * testAccuracy).toFixed(1)} % (${correct} of ${actual.length})`);
  log('Confusion matrix (rows: true digit, columns: predicted; "." = 0):');
  const confusion = confusionMatrix(actual, predicted, 10);
  for (const line of formatConfusion(confusion, classNames)) log(`  ${line}`);

  const reload = await saveAndReload(model, testInputs, saveDirectory, log);
  const pictures = [join(dirname(saveDirectory), 'digits-training-curves.png'), join(dirname(saveDirectory), 'digits-confusion-matrix.png')];
  dn.plot.trainingCurves(history, { file: pictures[0], title: 'Digits MLP (validation: the test set)' });
  dn.plot.confusionMatrix(actual, predicted, { classNames, file: pictures[1], title: `Digits MLP on the test set: ${(100 * testAccuracy).toFixed(1)} %` });
  log(`Pictures: ${pictures.join(', ')}`);
  return { testAccuracy, confusion, reload, pictures };
}

/** Saves the model, loads it back with dn.loadModel and checks that it predicts exactly the same. */
async function saveAndReload(model: dn.Model, inputs: dn.Tensor, directory: string, log: (line: string) => void): Promise<DigitsResult['reload']> {
  await model.save(directory);
  const reloaded = await dn.loadModel(directory);
  const before = model.predict(inputs).dataSync();
  const after = reloaded.predict(inputs).dataSync();
  // Bit for bit: the weights round-trip exactly, so every probability must be identical.
  const bits = (values: ArrayLike<number>) => new Uint32Array(Float32Array.from(values).buffer);
  const [a, b] = [bits(before), bits(after)];
  const same = a.length === b.length && a.every((v, i) => v === b[i]);
  log(`Saved to ${directory} (model.json + weights.safetensors); reloaded with dn.loadModel: ${same ? `the reloaded model predicts exactly the same (${a.length} probabilities, bit for bit)` : 'PREDICTIONS DIFFER'}`);
  return same ? 'same' : 'different';
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await runDigits();
  if (result.reload === 'different') process.exitCode = 1;
}
