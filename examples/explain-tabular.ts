// Which measurements drive a breast-cancer classifier? Permutation importance, KernelSHAP and LIME.
//
//   npx tsx examples/explain-tabular.ts
//
// Trains the 30-16-1 MLP of examples/breast-cancer.ts on standardized features, then asks three
// questions and draws a bar chart for each (PNG):
// - globally, which features its test predictions depend on most (permutation importance, by log loss);
// - for one patient, how much each feature pushed the predicted probability of "benign" away from
//   the average over 50 training patients (KernelSHAP: the values add up exactly to that difference);
// - for the same patient, a weighted linear model of the network around them (LIME).
// It prints the leading features of each and checks that the two local methods broadly agree (rank
// correlation of SHAP values and LIME contributions, and the overlap of their five leading features).
//
// In your own code: `import * as dn from 'dendrite'`.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface ExplainTabularOptions {
  /** Training epochs (default 100). */
  epochs?: number;
  /** The test patient explained (a row of the test set; default: the one the model is least sure about). */
  patient?: number;
  /** Shuffles per feature for permutation importance (default 10). */
  repeats?: number;
  /** Coalitions sampled by KernelSHAP (default 2048). */
  shapSamples?: number;
  /** Perturbations drawn by LIME (default 2000). */
  limeSamples?: number;
  /** Seed of the weights and of every random draw (default 0). */
  seed?: number;
  /** Where the pictures go (default examples/output). */
  outputDirectory?: string;
  log?: (line: string) => void;
}

export interface ExplainTabularResult {
  testAccuracy: number;
  /** Feature names, most important first, by each method. */
  permutationRanking: string[];
  shapRanking: string[];
  limeRanking: string[];
  /** f(x) − E[f(background)] minus the sum of the SHAP values (0 up to rounding). */
  shapSumError: number;
  /** Spearman rank correlation between the SHAP values and the LIME contributions over the 30 features. */
  localAgreement: number;
  /** Features shared by the five leading ones of KernelSHAP and of LIME. */
  topFiveOverlap: number;
  files: string[];
}

/** Spearman's rank correlation (ties get their mean rank). */
export function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  const ranks = (values: readonly number[]): number[] => {
    const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const result = new Array<number>(values.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      for (let k = i; k <= j; k++) result[order[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return result;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (ra.length - 1) / 2;
  let covariance = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < ra.length; i++) {
    covariance += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) ** 2;
    vb += (rb[i] - mean) ** 2;
  }
  return covariance / Math.sqrt(va * vb);
}

function byMagnitude(values: readonly number[], names: readonly string[]): string[] {
  return values.map((v, j) => [Math.abs(v), j] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).map(([, j]) => names[j]);
}

export async function runExplainTabular(options: ExplainTabularOptions = {}): Promise<ExplainTabularResult> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const {
    epochs = 100, patient: chosenPatient, repeats = 10, shapSamples = 2048, limeSamples = 2000, seed = 0,
    outputDirectory = join(here, 'output'), log = console.log,
  } = options;
  mkdirSync(outputDirectory, { recursive: true });
  const { xTrain, yTrain, xTest, yTest, featureNames } = dn.datasets.breastCancer();
  const scaler = dn.data.standardScaler().fit(xTrain);
  const trainInputs = scaler.transform(xTrain);
  const testInputs = scaler.transform(xTest);
  dn.seed(seed);
  const model = dn.sequential({
    layers: [dn.layers.dense({ units: 16, activation: 'relu', inputShape: [30] }), dn.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await model.fit(trainInputs, yTrain.cast('float32').reshape([-1, 1]), { epochs, batchSize: 32, verbose: 0 });
  const { accuracy: testAccuracy } = await model.evaluate(testInputs, yTest.cast('float32').reshape([-1, 1])) as { accuracy: number };
  log(`Breast cancer MLP: test accuracy ${(100 * testAccuracy).toFixed(1)} % after ${epochs} epochs (output: probability of benign)`);
  const files: string[] = [];
  const top = (ranking: readonly string[]): string => ranking.slice(0, 5).join(', ');

  // Globally: how much worse the test predictions get when each feature's column is shuffled. The
  // log loss, not the accuracy: on 114 test patients the accuracy moves in steps of 0.9 %, and a few
  // flipped predictions say little; the loss sees every probability move.
  const logLoss = (yTrue: dn.Tensor, yPred: dn.Tensor): number => dn.losses.binaryCrossentropy(yTrue.reshape([-1, 1]), yPred).dataSync()[0];
  const importance = dn.explain.permutationImportance(model, testInputs, yTest, { metric: logLoss, higherIsBetter: false, repeats, seed });
  const permutationRanking = importance.ranking.map((j) => featureNames[j]);
  log(`Permutation importance (test log loss ${importance.baselineScore.toFixed(3)}, ${repeats} shuffles each): ${top(permutationRanking)}`);
  files.push(join(outputDirectory, 'explain-tabular-permutation.png'));
  dn.plot.featureImportance(importance, {
    featureNames, top: 12, file: files[0], title: 'Permutation importance (test set)', xLabel: 'rise of the test log loss when shuffled',
  });

  // Locally, one patient: by default the one whose probability is nearest 0.5 (a saturated output
  // leaves little for a local method to explain).
  const probabilities = Array.from(model.predict(testInputs).dataSync());
  const patient = chosenPatient ?? probabilities.reduce((best, p, i) => (Math.abs(p - 0.5) < Math.abs(probabilities[best] - 0.5) ? i : best), 0);
  const x = testInputs.slice([patient, 0], [1, 30]);
  const actual = yTest.dataSync()[patient] === 1 ? 'benign' : 'malignant';
  // The background: 50 training patients drawn at random (the file lists the classes in blocks).
  const background = trainInputs.gather(dn.tensor(new dn.Generator(seed).permutation(trainInputs.shape[0]).slice(0, 50), undefined, 'int32'));
  const shap = dn.explain.kernelShap(model, x, { background, nSamples: shapSamples, seed });
  const shapValues = Array.from(shap.values.dataSync());
  const shapSumError = shap.prediction[0] - shap.expectedValue[0] - shapValues.reduce((a, b) => a + b, 0);
  const shapRanking = byMagnitude(shapValues, featureNames);
  log(`Patient ${patient} (${actual}${chosenPatient === undefined ? ', the one the model is least sure about' : ''}): P(benign) = ${shap.prediction[0].toFixed(3)}, average over the background ${shap.expectedValue[0].toFixed(3)}`);
  log(`  KernelSHAP (${shapSamples} coalitions; the values sum to the difference, off by ${Math.abs(shapSumError).toExponential(1)}): ${top(shapRanking)}`);
  files.push(join(outputDirectory, 'explain-tabular-shap.png'));
  dn.plot.featureImportance(shap, { featureNames, top: 12, file: files[1], title: `KernelSHAP, patient ${patient} (${actual})` });

  const local = dn.explain.lime(model, x, { background: trainInputs, nSamples: limeSamples, seed });
  // The inputs are standardized, so a LIME coefficient (per standard deviation) times the patient's
  // standardized value is that feature's contribution relative to an average patient: SHAP's scale.
  const patientValues = x.dataSync();
  const limeContributions = Array.from(local.coefficients.dataSync(), (c, j) => c * patientValues[j]);
  const limeRanking = byMagnitude(limeContributions, featureNames);
  log(`  LIME (${limeSamples} perturbations, surrogate R² ${local.score[0].toFixed(2)}): ${top(limeRanking)}`);
  files.push(join(outputDirectory, 'explain-tabular-lime.png'));
  dn.plot.featureImportance(limeContributions, {
    featureNames, top: 12, file: files[2], title: `LIME, patient ${patient} (${actual})`, xLabel: 'coefficient × standardized value',
  });

  const localAgreement = rankCorrelation(shapValues, limeContributions);
  const topFiveOverlap = shapRanking.slice(0, 5).filter((name) => limeRanking.slice(0, 5).includes(name)).length;
  log(`KernelSHAP and LIME for this patient: rank correlation ${localAgreement.toFixed(2)}, ${topFiveOverlap} of their 5 leading features shared`);
  log(`Pictures: ${files.join(', ')}`);
  return { testAccuracy, permutationRanking, shapRanking, limeRanking, shapSumError, localAgreement, topFiveOverlap, files };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runExplainTabular();
}
