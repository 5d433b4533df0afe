// Breast cancer diagnosis (malignant or benign) from 30 measurements of cell nuclei.
//
//   npx tsx examples/breast-cancer.ts
//
// Standardizes the features on the training set, trains a 30-16-1 MLP with a sigmoid output and
// binary cross-entropy, and reports accuracy, precision and recall for "malignant" (the class a
// screening test must not miss) on the held-out test set.
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface BreastCancerOptions {
  /** Default 100. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Default 0 (quiet); 1 shows the progress. */
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

export interface BreastCancerResult {
  testAccuracy: number;
  /** Of the tumours predicted malignant, the fraction that are. */
  malignantPrecision: number;
  /** Of the malignant tumours, the fraction found. */
  malignantRecall: number;
}

export async function runBreastCancer(options: BreastCancerOptions = {}): Promise<BreastCancerResult> {
  const { epochs = 100, seed = 0, verbose = 0, log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.breastCancer();
  const scaler = dn.data.standardScaler().fit(xTrain);

  dn.seed(seed);
  const model = dn.sequential({
    layers: [dn.layers.dense({ units: 16, activation: 'relu', inputShape: [30] }), dn.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  // Labels are int32 class indices (1 = benign); a sigmoid output wants float targets of shape [n, 1].
  const targets = yTrain.cast('float32').reshape([-1, 1]);
  await model.fit(scaler.transform(xTrain), targets, { epochs, batchSize: 32, verbose });

  const probabilityBenign = model.predict(scaler.transform(xTest)).dataSync();
  const actual = yTest.dataSync();
  let correct = 0;
  let truePositive = 0; // malignant found
  let predictedMalignant = 0;
  let malignant = 0;
  for (let i = 0; i < actual.length; i++) {
    const predicted = probabilityBenign[i] >= 0.5 ? 1 : 0;
    if (predicted === actual[i]) correct++;
    if (actual[i] === 0) malignant++;
    if (predicted === 0) predictedMalignant++;
    if (predicted === 0 && actual[i] === 0) truePositive++;
  }
  const result = {
    testAccuracy: correct / actual.length,
    malignantPrecision: predictedMalignant === 0 ? 0 : truePositive / predictedMalignant,
    malignantRecall: malignant === 0 ? 0 : truePositive / malignant,
  };
  log(`Breast cancer: test accuracy ${(100 * result.testAccuracy).toFixed(1)} % after ${epochs} epochs (reference MLP: 95.4 %)`);
  log(`  malignant: precision ${(100 * result.malignantPrecision).toFixed(1)} %, recall ${(100 * result.malignantRecall).toFixed(1)} % (${truePositive} of ${malignant} found)`);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runBreastCancer({ verbose: 1 });
}
