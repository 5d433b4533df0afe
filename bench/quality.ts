/**
 * Quality targets of the model layer (issue 5), checked with the library end to end:
 *
 * - digits: the protocol of data/README.md — MLP 64-128(relu)-10, inputs x/16, softmax
 *   cross-entropy, Adam 1e-3, batch 32, 50 epochs, Glorot-uniform init — mean test accuracy over
 *   3 seeds must be within 1.5 points of PyTorch 1.13's 0.910;
 * - digits CNN (issue 12): the same data as 8x8x1 images, Conv2D(16, 3x3)-ReLU-MaxPool 2-Flatten-
 *   Dense(10) with the same training protocol (examples/digits-cnn.ts) — mean test accuracy over 3 seeds
 *   within 1.5 points of PyTorch 1.13's 0.911;
 * - names GRU (issue 13): dn.datasets.names() with each character one-hot, GRU(32)-Dense(1, sigmoid),
 *   Adam 1e-3, batch 32, 20 epochs (examples/names-gru.ts) — mean test accuracy over 3 seeds within 1.5
 *   points of PyTorch 1.13's 0.829;
 * - compression (issue 15, examples/compress.ts on the digits MLP of the first case, seeds 0, 1, 2): pruning
 *   to 80 % while fine-tuning 10 epochs must end within 1 point of the float32 model's mean test accuracy,
 *   and the distilled 64-32-10 student (a quarter of the parameters; T 4, alpha 0.1, 50 epochs) must beat
 *   the same student trained without the teacher, on the mean of the seeds;
 * - XOR: the 2-4-1 tanh/sigmoid model (Adam 0.1, full batch) must get all four points right for
 *   at least 9 of 10 seeds (within 300 epochs); the median epoch at which it first does is
 *   printed beside PyTorch's 19.
 *
 * Accuracy, not speed: no machine probe is needed (the seconds are printed for information only).
 * Prints a table; `npm run bench:quality -- --write` also replaces bench/results/quality.json.
 */
import { performance } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { xorAccuracy, xorModel } from '../examples/xor.js';
import { runDigitsCnn } from '../examples/digits-cnn.js';
import { runNamesGru } from '../examples/names-gru.js';
import { runCompress } from '../examples/compress.js';
import { publishResults } from './results.js';

const DIGITS_SEEDS = [0, 1, 2];
const DIGITS_REFERENCE = 0.91;
const DIGITS_TOLERANCE = 0.015;
const DIGITS_CNN_REFERENCE = 0.911;
const NAMES_GRU_REFERENCE = 0.829;
/** Pruning may cost at most this much mean test accuracy (1 point). */
const PRUNING_TOLERANCE = 0.01;
const XOR_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const XOR_EPOCHS = 300;
const XOR_REQUIRED = 9;

async function digitsAccuracy(seed: number): Promise<number> {
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.digits();
  dn.seed(seed);
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 128, activation: 'relu', inputShape: [64], kernelInitializer: 'glorotUniform' }),
      dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' }),
    ],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(xTrain.div(16), yTrain, { epochs: 50, batchSize: 32, verbose: 0 });
  const predicted = model.predict(xTest.div(16)).argmax(-1).dataSync();
  const actual = yTest.dataSync();
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  return correct / actual.length;
}

/** The first epoch (1-based) after which all four XOR points are right, or null within the budget. */
async function xorEpochsToSolve(seed: number): Promise<number | null> {
  const x = dn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = dn.tensor([0, 1, 1, 0], [4, 1]);
  dn.seed(seed);
  const model = xorModel(0.1);
  let solvedAt: number | null = null;
  await model.fit(x, y, {
    epochs: XOR_EPOCHS,
    batchSize: 4,
    verbose: 0,
    callbacks: [{
      onEpochEnd: (epoch: number) => {
        if (solvedAt === null && xorAccuracy(model.predict(x).dataSync()) === 1) solvedAt = epoch + 1;
      },
    }],
  });
  // Solved means solved at the end, not only at some epoch on the way.
  return xorAccuracy(model.predict(x).dataSync()) === 1 ? solvedAt : null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const started = performance.now();
const digits: number[] = [];
for (const seed of DIGITS_SEEDS) digits.push(await digitsAccuracy(seed));
const digitsSeconds = (performance.now() - started) / 1000;
const digitsMean = digits.reduce((a, b) => a + b) / digits.length;
const digitsPass = Math.abs(digitsMean - DIGITS_REFERENCE) <= DIGITS_TOLERANCE;

const cnnStarted = performance.now();
const digitsCnn: number[] = [];
for (const seed of DIGITS_SEEDS) digitsCnn.push((await runDigitsCnn({ seed, verbose: 0, log: () => {} })).testAccuracy);
const digitsCnnSeconds = (performance.now() - cnnStarted) / 1000;
const digitsCnnMean = digitsCnn.reduce((a, b) => a + b) / digitsCnn.length;
const digitsCnnPass = Math.abs(digitsCnnMean - DIGITS_CNN_REFERENCE) <= DIGITS_TOLERANCE;

const namesStarted = performance.now();
const namesGru: number[] = [];
for (const seed of DIGITS_SEEDS) namesGru.push((await runNamesGru({ seed, verbose: 0, log: () => {} })).testAccuracy);
const namesGruSeconds = (performance.now() - namesStarted) / 1000;
const namesGruMean = namesGru.reduce((a, b) => a + b) / namesGru.length;
const namesGruPass = Math.abs(namesGruMean - NAMES_GRU_REFERENCE) <= DIGITS_TOLERANCE;

const compressStarted = performance.now();
const compression = [];
for (const seed of DIGITS_SEEDS) compression.push(await runCompress({ seed, timingRuns: 1, log: () => {} }));
const compressSeconds = (performance.now() - compressStarted) / 1000;
const meanOf = (values: number[]): number => values.reduce((a, b) => a + b) / values.length;
const floatMean = meanOf(compression.map((r) => r.float32.accuracy));
const prunedMean = meanOf(compression.map((r) => r.pruned.accuracy));
const distilledMean = meanOf(compression.map((r) => r.distilled.accuracy));
const undistilledMean = meanOf(compression.map((r) => r.undistilled.accuracy));
const prunedPass = prunedMean >= floatMean - PRUNING_TOLERANCE;
const distilledPass = distilledMean > undistilledMean;
const seedsOf = (values: number[]): string => values.map((a) => a.toFixed(4)).join(', ');

const xorStarted = performance.now();
const xorEpochs: (number | null)[] = [];
for (const seed of XOR_SEEDS) xorEpochs.push(await xorEpochsToSolve(seed));
const xorSeconds = (performance.now() - xorStarted) / 1000;
const solved = xorEpochs.filter((e): e is number => e !== null);
const xorPass = solved.length >= XOR_REQUIRED;

const info = dn.backendInfo();
console.log(`Quality targets (issues 5, 12, 13 and 15) — ${info.isa} kernels, ${info.threads} threads`);
console.log('');
console.log('| task | protocol | Dendrite | reference | target | result |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| digits | 64-128-10 MLP, x/16, Adam 1e-3, batch 32, 50 epochs, mean of seeds ${DIGITS_SEEDS.join(', ')} | ` +
    `${digitsMean.toFixed(4)} (${digits.map((a) => a.toFixed(4)).join(', ')}) | 0.910 ± 0.003 (PyTorch 1.13) | within ±${DIGITS_TOLERANCE} | ${digitsPass ? 'PASS' : 'FAIL'} |`,
);
console.log(
  `| digits CNN | 8x8x1 images, Conv2D(16, 3x3)-ReLU-MaxPool 2-Flatten-Dense(10), same training, mean of seeds ${DIGITS_SEEDS.join(', ')} | ` +
    `${digitsCnnMean.toFixed(4)} (${digitsCnn.map((a) => a.toFixed(4)).join(', ')}) | 0.911 (PyTorch 1.13) | within ±${DIGITS_TOLERANCE} | ${digitsCnnPass ? 'PASS' : 'FAIL'} |`,
);
console.log(
  `| names GRU | characters one-hot, GRU(32)-Dense(1, sigmoid), BCE, Adam 1e-3, batch 32, 20 epochs, mean of seeds ${DIGITS_SEEDS.join(', ')} | ` +
    `${namesGruMean.toFixed(4)} (${namesGru.map((a) => a.toFixed(4)).join(', ')}) | 0.829 ± 0.003 (PyTorch 1.13) | within ±${DIGITS_TOLERANCE} | ${namesGruPass ? 'PASS' : 'FAIL'} |`,
);
console.log(
  `| pruning 80 % | the digits MLP pruned to 80 % while fine-tuning 10 epochs (polynomial 0.5 -> 0.8), mean of seeds ${DIGITS_SEEDS.join(', ')} | ` +
    `${prunedMean.toFixed(4)} (${seedsOf(compression.map((r) => r.pruned.accuracy))}) | ${floatMean.toFixed(4)} float32 (${seedsOf(compression.map((r) => r.float32.accuracy))}) | within ${PRUNING_TOLERANCE} below | ${prunedPass ? 'PASS' : 'FAIL'} |`,
);
console.log(
  `| distillation | 64-32-10 student (2410 parameters, the MLP's quarter) distilled from the MLP, T 4, alpha 0.1, 50 epochs, mean of seeds ${DIGITS_SEEDS.join(', ')} | ` +
    `${distilledMean.toFixed(4)} (${seedsOf(compression.map((r) => r.distilled.accuracy))}) | ${undistilledMean.toFixed(4)} without the teacher (${seedsOf(compression.map((r) => r.undistilled.accuracy))}) | above | ${distilledPass ? 'PASS' : 'FAIL'} |`,
);
console.log(
  `| XOR | 2-4(tanh)-1(sigmoid), BCE, Adam 0.1, full batch, ${XOR_EPOCHS} epochs | solved ${solved.length}/${XOR_SEEDS.length} seeds, ` +
    `median ${solved.length ? median(solved) : '-'} epochs | median 19 epochs (PyTorch, 20 seeds) | >= ${XOR_REQUIRED}/10 | ${xorPass ? 'PASS' : 'FAIL'} |`,
);
console.log('');
console.log(`(${digitsSeconds.toFixed(1)} s for the digits runs, ${digitsCnnSeconds.toFixed(1)} s for the digits CNN, ${namesGruSeconds.toFixed(1)} s for the names GRU, ${compressSeconds.toFixed(1)} s for compression, ${xorSeconds.toFixed(1)} s for XOR; epochs to solve XOR per seed: ${xorEpochs.map((e) => e ?? 'unsolved').join(', ')})`);

const results = {
  date: new Date().toISOString(),
  backend: info,
  digits: { seeds: DIGITS_SEEDS, accuracies: digits, mean: digitsMean, reference: DIGITS_REFERENCE, tolerance: DIGITS_TOLERANCE, pass: digitsPass, seconds: digitsSeconds },
  digitsCnn: { seeds: DIGITS_SEEDS, accuracies: digitsCnn, mean: digitsCnnMean, reference: DIGITS_CNN_REFERENCE, tolerance: DIGITS_TOLERANCE, pass: digitsCnnPass, seconds: digitsCnnSeconds },
  namesGru: { seeds: DIGITS_SEEDS, accuracies: namesGru, mean: namesGruMean, reference: NAMES_GRU_REFERENCE, tolerance: DIGITS_TOLERANCE, pass: namesGruPass, seconds: namesGruSeconds },
  compression: {
    seeds: DIGITS_SEEDS, float32: compression.map((r) => r.float32.accuracy), pruned: compression.map((r) => r.pruned.accuracy),
    distilled: compression.map((r) => r.distilled.accuracy), undistilled: compression.map((r) => r.undistilled.accuracy),
    pruningTolerance: PRUNING_TOLERANCE, prunedPass, distilledPass, seconds: compressSeconds,
  },
  xor: { seeds: XOR_SEEDS, epochBudget: XOR_EPOCHS, epochsToSolve: xorEpochs, solved: solved.length, required: XOR_REQUIRED, pass: xorPass, seconds: xorSeconds },
};
publishResults('quality', results);
if (!digitsPass || !digitsCnnPass || !namesGruPass || !prunedPass || !distilledPass || !xorPass) process.exitCode = 1;
