// XOR: why a network needs a hidden layer.
//
//   npx tsx examples/xor.ts
//
// First a single Dense(1, sigmoid) neuron — logistic regression — trained 1000 epochs with Adam and
// binary cross-entropy. It cannot get all four points right: XOR is not linearly separable (no line
// puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other), so at most 3 of 4 (0.75) are
// ever correct, and its loss settles near ln 2 = 0.693, the loss of answering 0.5 everywhere.
// Then a 2-4-1 network (tanh hidden layer, sigmoid output) bends the boundary and reaches 100 %.
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runXor} (the test runs it with fewer epochs). */
export interface XorOptions {
  /** Epochs of the single-neuron model. Default 1000. */
  linearEpochs?: number;
  /** Epochs of the 2-4-1 model. Default 300. */
  hiddenEpochs?: number;
  /** Seed of the weights. Default 1. */
  seed?: number;
  /** Where lines go (default console.log; the test collects them). */
  log?: (line: string) => void;
}

export interface XorResult {
  linearAccuracy: number;
  linearLoss: number;
  hiddenAccuracy: number;
  hiddenLoss: number;
  hiddenPredictions: number[];
}

const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const TARGETS = [0, 1, 1, 0];

/** The fraction of the four points whose prediction lands on the right side of 0.5. */
export function xorAccuracy(predictions: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < TARGETS.length; i++) if ((predictions[i] >= 0.5 ? 1 : 0) === TARGETS[i]) correct++;
  return correct / TARGETS.length;
}

/** The final binary cross-entropy of the predictions (computed here, independent of the model's report). */
function crossEntropy(predictions: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < TARGETS.length; i++) {
    const p = Math.min(Math.max(predictions[i], 1e-7), 1 - 1e-7);
    sum -= TARGETS[i] * Math.log(p) + (1 - TARGETS[i]) * Math.log(1 - p);
  }
  return sum / TARGETS.length;
}

/** The 2-4-1 model (tanh hidden layer, sigmoid output), compiled with Adam at `learningRate`. */
export function xorModel(learningRate = 0.1): dn.Sequential {
  const model = dn.sequential({
    layers: [dn.layers.dense({ units: 4, activation: 'tanh', inputShape: [2] }), dn.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

export async function runXor(options: XorOptions = {}): Promise<XorResult> {
  const { linearEpochs = 1000, hiddenEpochs = 300, seed = 1, log = console.log } = options;
  const x = dn.tensor(INPUTS);
  const y = dn.tensor(TARGETS, [4, 1]);

  log('1. One neuron: Dense(1, sigmoid), Adam, binary cross-entropy');
  dn.seed(seed);
  const linear = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
  linear.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await linear.fit(x, y, { epochs: linearEpochs, batchSize: 4, verbose: 0 });
  const linearPredictions = linear.predict(x).dataSync();
  const linearAccuracy = xorAccuracy(linearPredictions);
  const linearLoss = crossEntropy(linearPredictions);
  log(`   after ${linearEpochs} epochs: accuracy ${linearAccuracy.toFixed(2)}, loss ${linearLoss.toFixed(4)} (ln 2 = 0.6931)`);
  log('   It cannot exceed 0.75: XOR is not linearly separable, and one neuron draws a single straight boundary.');

  log('2. A hidden layer: Dense(4, tanh) -> Dense(1, sigmoid), Adam (learning rate 0.1)');
  dn.seed(seed);
  const hidden = xorModel();
  await hidden.fit(x, y, { epochs: hiddenEpochs, batchSize: 4, verbose: 0 });
  const hiddenPredictions = Array.from(hidden.predict(x).dataSync());
  const hiddenAccuracy = xorAccuracy(hiddenPredictions);
  const hiddenLoss = crossEntropy(hiddenPredictions);
  log(`   after ${hiddenEpochs} epochs: accuracy ${hiddenAccuracy.toFixed(2)}, loss ${hiddenLoss.toFixed(4)}`);
  INPUTS.forEach(([a, b], i) => log(`   ${a} xor ${b} = ${TARGETS[i]}   predicted ${hiddenPredictions[i].toFixed(3)}`));
  return { linearAccuracy, linearLoss, hiddenAccuracy, hiddenLoss, hiddenPredictions };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runXor();
}
