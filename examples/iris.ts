// Iris: three species from four flower measurements.
//
//   npx tsx examples/iris.ts
//
// Standardizes the features (fitted on the training set only, then applied to the test set), trains
// a 4-8-3 MLP with softmax output and prints the test accuracy per species.
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface IrisOptions {
  /** Default 100. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Default 0 (quiet); 1 shows the progress. */
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

export async function runIris(options: IrisOptions = {}): Promise<{ testAccuracy: number }> {
  const { epochs = 100, seed = 0, verbose = 0, log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest, classNames } = dn.datasets.iris();
  const scaler = dn.data.standardScaler().fit(xTrain);

  dn.seed(seed);
  const model = dn.sequential({
    layers: [dn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), dn.layers.dense({ units: 3, activation: 'softmax' })],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-2 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(scaler.transform(xTrain), yTrain, { epochs, batchSize: 16, verbose });

  const predicted = model.predict(scaler.transform(xTest)).argmax(-1).dataSync();
  const actual = yTest.dataSync();
  const correct = classNames.map(() => 0);
  const total = classNames.map(() => 0);
  for (let i = 0; i < actual.length; i++) {
    total[actual[i]]++;
    if (predicted[i] === actual[i]) correct[actual[i]]++;
  }
  const testAccuracy = correct.reduce((a, b) => a + b) / actual.length;
  log(`Iris: test accuracy ${(100 * testAccuracy).toFixed(1)} % after ${epochs} epochs (reference MLP: 96.7 %)`);
  classNames.forEach((name, c) => log(`  ${name.padEnd(11)} ${correct[c]} of ${total[c]}`));
  return { testAccuracy };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runIris({ verbose: 1 });
}
