// Fraud detection: finding the rare fraudulent card transactions in an imbalanced binary task.
//
//   npx tsx examples/fraud.ts
//
// The transactions are SYNTHETIC (no fraud data set with a licence that allows shipping it is
// available to the project), drawn with a known probability of fraud so the result can be judged:
// - 20,000 transactions, each with 7 features drawn independently: `amount` (log-normal, median
//   e^3.5 ≈ 33), `hour` (0..5 with probability 0.15, otherwise 6..23, uniform within each),
//   `distance_km` from the card holder's home (log-normal, median e^1.5 ≈ 4.5), `card_present`
//   (1 with probability 0.7), `new_merchant` (1 with probability 0.2), `transactions_24h` (Poisson,
//   mean 2) and `account_years` (uniform 0.1..10);
// - a transaction is fraud with probability sigmoid(z), where
//   z = -6 + 1.2 (ln amount - 3.5) + 1.8 night + 0.8 (ln distance - 1.5) + 1.8 (1 - card_present)
//       + 1.5 new_merchant + 0.6 (transactions_24h - 2) - 0.6 ln account_years
//       + 2 night (1 - card_present) new_merchant,   night = hour < 6;
//   about 2.8 % are fraud;
// - the first 60 % train, the next 20 % choose the threshold, the last 20 % test. Everything is
//   drawn from dn.Generator with a fixed seed.
// The class to find is rare, so accuracy says little (calling every transaction legitimate is
// about 97 % accurate and finds nothing). The example:
// - trains a small functional MLP with `classWeight` (each class weighs as much in total), from a
//   shuffled dataset pipeline, watching precision, recall, ROC AUC and PR AUC;
// - picks the decision threshold on validation data (the one with the best F1), not 0.5;
// - reports the test set at both thresholds, and the AUCs against what a random ranking scores (0.5
//   and the base rate) and against the true probabilities (the best any model can do).
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface FraudOptions {
  /** Default 40. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Default 0 (quiet); 1 shows the progress. */
  verbose?: 0 | 1;
  /** Save the trained model here and check that the reloaded one predicts the same (null: no save). */
  saveDirectory?: string | null;
  log?: (line: string) => void;
}

/** Precision, recall and F1 of the fraud class at one threshold. */
export interface Scores {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  /** Frauds found / transactions flagged / frauds present. */
  found: number;
  flagged: number;
  positives: number;
}

export interface FraudResult {
  model: dn.Functional<dn.Tensor>;
  /** The threshold with the best F1 on the validation data. */
  threshold: number;
  testAuc: number;
  testPrAuc: number;
  /** The AUCs of the true probabilities on the test set: the best any model can do. */
  truthRocAuc: number;
  truthPrAuc: number;
  /** The fraction of frauds in the test set: the PR AUC of a random ranking. */
  baseRate: number;
  /** Test scores at 0.5 and at the chosen threshold. */
  atHalf: Scores;
  atChosen: Scores;
  /** 'same' when the reloaded model predicts exactly the same, null without saveDirectory. */
  reload: 'same' | 'different' | null;
}

/** Synthetic transactions with the probability of fraud they were drawn with. */
export interface Transactions {
  /** [n, 7]: the columns of FEATURES. */
  x: dn.Tensor;
  /** [n]: 1 for fraud, 0 for legitimate (int32). */
  y: dn.Tensor;
  /** Per transaction: the true probability of fraud (what a perfect model predicts). */
  truth: Float32Array;
}

export const FEATURES = ['amount', 'hour', 'distance_km', 'card_present', 'new_merchant', 'transactions_24h', 'account_years'] as const;
export const TRANSACTIONS = 20_000;
/** Amounts and distances span orders of magnitude: they are fed as log(1 + x). */
const LOG_COLUMNS = [FEATURES.indexOf('amount'), FEATURES.indexOf('distance_km')];

/** A Poisson draw (Knuth's method: fine for a small mean). */
function poisson(generator: dn.Generator, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let product = generator.uniform(); product > limit; product *= generator.uniform()) k++;
  return k;
}

/** Draws the synthetic transactions described at the top of this file. */
export function syntheticTransactions(seed = 0, n = TRANSACTIONS): Transactions {
  const generator = new dn.Generator(seed);
  const width = FEATURES.length;
  const x = new Float32Array(n * width);
  const y = new Int32Array(n);
  const truth = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const logAmount = generator.normal(3.5, 1);
    const night = generator.uniform() < 0.15;
    const hour = night ? generator.integer(0, 6) : generator.integer(6, 24);
    const logDistance = generator.normal(1.5, 1);
    const cardPresent = generator.uniform() < 0.7 ? 1 : 0;
    const newMerchant = generator.uniform() < 0.2 ? 1 : 0;
    const recent = poisson(generator, 2);
    const accountYears = generator.uniform(0.1, 10);
    const n1 = night ? 1 : 0;
    const z = -6 + 1.2 * (logAmount - 3.5) + 1.8 * n1 + 0.8 * (logDistance - 1.5) + 1.8 * (1 - cardPresent) + 1.5 * newMerchant +
      0.6 * (recent - 2) - 0.6 * Math.log(accountYears) + 2 * n1 * (1 - cardPresent) * newMerchant;
    truth[r] = 1 / (1 + Math.exp(-z));
    y[r] = generator.uniform() < truth[r] ? 1 : 0;
    x.set([Math.exp(logAmount), hour, Math.exp(logDistance), cardPresent, newMerchant, recent, accountYears], r * width);
  }
  return { x: dn.tensor(x, [n, width]), y: dn.tensor(y, [n]), truth };
}

/** Precision, recall and F1 of the positive class when `probabilities >= threshold` flags it. */
export function scoresAt(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Scores {
  let found = 0;
  let flagged = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const flag = probabilities[i] >= threshold;
    if (flag) flagged++;
    if (labels[i] === 1) {
      positives++;
      if (flag) found++;
    }
  }
  const precision = flagged === 0 ? 0 : found / flagged;
  const recall = positives === 0 ? 0 : found / positives;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, precision, recall, f1, found, flagged, positives };
}

/** The threshold in [0.01, 0.99] (steps of 0.01) with the best F1 on (probabilities, labels). */
export function bestThreshold(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Scores {
  let best = scoresAt(probabilities, labels, 0.5);
  for (let step = 1; step < 100; step++) {
    const candidate = scoresAt(probabilities, labels, step / 100);
    if (candidate.f1 > best.f1) best = candidate;
  }
  return best;
}

/** The features with amounts and distances as log(1 + x). */
function transformed(x: dn.Tensor): dn.Tensor {
  const values = x.dataSync().slice();
  const width = x.shape[1];
  for (let r = 0; r < x.shape[0]; r++) for (const c of LOG_COLUMNS) values[r * width + c] = Math.log1p(values[r * width + c]);
  return dn.tensor(values, [x.shape[0], width]);
}

/** A features-32-16-1 MLP: relu, dropout, a sigmoid giving the probability of fraud. */
export function fraudModel(features: number, seed = 0): dn.Functional<dn.Tensor> {
  const input = dn.input({ shape: [features], name: 'transaction' });
  let h = dn.layers.dense({ units: 32, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: seed + 1 }) }).apply(input);
  h = dn.layers.dropout({ rate: 0.2 }).apply(h);
  h = dn.layers.dense({ units: 16, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: seed + 2 }) }).apply(h);
  const fraud = dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 3 }), name: 'fraud' }).apply(h);
  return dn.model({ inputs: input, outputs: fraud, name: 'fraud_detector' });
}

const percent = (v: number): string => `${(100 * v).toFixed(1)} %`;

export async function runFraud(options: FraudOptions = {}): Promise<FraudResult> {
  const { epochs = 40, seed = 0, verbose = 0, saveDirectory = null, log = console.log } = options;
  const data = syntheticTransactions(seed);
  const x = transformed(data.x);
  const n = data.truth.length;
  const trainEnd = Math.floor(0.6 * n);
  const validationEnd = Math.floor(0.8 * n);
  const rows = (start: number, end: number) => Array.from({ length: end - start }, (_, i) => start + i);
  const part = (start: number, end: number) => ({ x: dn.data.takeRows(x, rows(start, end)), y: dn.data.takeRows(data.y, rows(start, end)) });
  // The draws are independent, so consecutive blocks are random samples; the validation block
  // chooses the threshold, never the test block.
  const trainRaw = part(0, trainEnd);
  const validationRaw = part(trainEnd, validationEnd);
  const test = part(validationEnd, n);
  const scaler = dn.data.standardScaler().fit(trainRaw.x);
  const train = { x: scaler.transform(trainRaw.x), y: trainRaw.y };
  const validation = { x: scaler.transform(validationRaw.x), y: validationRaw.y };
  const testX = scaler.transform(test.x);

  // Balanced class weights: each class weighs as much in total.
  const labels = Array.from(train.y.dataSync());
  const frauds = labels.reduce((sum, v) => sum + v, 0);
  const classWeight = { 0: labels.length / (2 * (labels.length - frauds)), 1: labels.length / (2 * frauds) };
  log(`Synthetic card transactions: ${train.y.shape[0]} to train (${frauds} fraud), ${validation.y.shape[0]} to choose the threshold, ${test.y.shape[0]} to test; ` +
    `class weights legitimate ${classWeight[0].toFixed(2)}, fraud ${classWeight[1].toFixed(2)}`);

  dn.seed(seed);
  const model = fraudModel(x.shape[1], seed);
  model.compile({
    optimizer: dn.optimizers.adam(1e-3),
    loss: 'binaryCrossentropy',
    metrics: ['precision', 'recall', 'auc', dn.metrics.auc({ curve: 'PR', name: 'pr_auc' })],
  });
  // Targets [n, 1] for the sigmoid output, as float.
  const column = (y: dn.Tensor) => y.cast('float32').reshape([-1, 1]);
  const batches = dn.data.dataset({ xs: train.x, ys: column(train.y) }).shuffle(train.y.shape[0], { seed }).batch(128);
  const history = await model.fit(batches, { epochs, classWeight, validationData: [validation.x, column(validation.y)], verbose });
  const last = (name: string) => history.history[name][history.history[name].length - 1];
  log(`After ${epochs} epochs: validation ROC AUC ${last('val_auc').toFixed(3)}, PR AUC ${last('val_pr_auc').toFixed(3)}`);

  // The threshold: the best F1 on the validation transactions.
  const chosen = bestThreshold(model.predict(validation.x).dataSync(), validation.y.dataSync());
  log(`Threshold chosen on validation: ${chosen.threshold.toFixed(2)} (F1 ${chosen.f1.toFixed(3)} there)`);

  const evaluation = await model.evaluate(testX, column(test.y));
  const probabilities = model.predict(testX).dataSync();
  const truth = test.y.dataSync();
  const atHalf = scoresAt(probabilities, truth, 0.5);
  const atChosen = scoresAt(probabilities, truth, chosen.threshold);
  const baseRate = atHalf.positives / truth.length;
  // The true probabilities rank the test transactions as well as any model can.
  const truthAuc = (curve: 'ROC' | 'PR') => {
    const metric = dn.metrics.auc({ curve });
    metric.update(column(test.y), dn.tensor(data.truth.slice(validationEnd), [n - validationEnd, 1]));
    return metric.result();
  };
  const truthRocAuc = truthAuc('ROC');
  const truthPrAuc = truthAuc('PR');
  log(`Test: ROC AUC ${evaluation.auc.toFixed(3)} (0.5 is chance, the true probabilities ${truthRocAuc.toFixed(3)}), ` +
    `PR AUC ${evaluation.pr_auc.toFixed(3)} (the base rate ${baseRate.toFixed(3)} is chance, the true probabilities ${truthPrAuc.toFixed(3)})`);
  for (const s of [atHalf, atChosen]) {
    log(`  threshold ${s.threshold.toFixed(2)}: precision ${percent(s.precision)}, recall ${percent(s.recall)} (${s.found} of ${s.positives} frauds found, ${s.flagged} flagged), F1 ${s.f1.toFixed(3)}`);
  }

  let reload: FraudResult['reload'] = null;
  if (saveDirectory !== null) {
    await model.save(saveDirectory);
    const loaded = await dn.loadModel(saveDirectory);
    const again = loaded.predict(testX).dataSync();
    reload = again.every((v, i) => Object.is(v, probabilities[i])) ? 'same' : 'different';
    log(`Saved to ${saveDirectory}; the reloaded model predicts ${reload === 'same' ? 'exactly the same' : 'DIFFERENTLY'}`);
  }
  return { model, threshold: chosen.threshold, testAuc: evaluation.auc, testPrAuc: evaluation.pr_auc, truthRocAuc, truthPrAuc, baseRate, atHalf, atChosen, reload };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runFraud({ verbose: 1 });
}
