// Handwritten digits with a small convolutional network.
//
//   npx tsx examples/digits-cnn.ts
//
// The bundled UCI digits as 8x8 images (the classic first-1437 / last-360 split), the protocol of the
// data README: Conv2D(16, 3x3, valid)-ReLU-MaxPool 2-Flatten-Dense(10, softmax), inputs x/16, Adam 1e-3,
// batch 32, 50 epochs, Glorot-uniform initialization. PyTorch 1.13 reaches 0.911 on it (mean of 3 seeds).
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runDigitsCnn} (the test runs it with fewer epochs). */
export interface DigitsCnnOptions {
  /** Default 50 (the protocol). */
  epochs?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** 1: progress bar (one line per epoch when not a terminal); 0: quiet. Default 1. */
  verbose?: 0 | 1;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

export interface DigitsCnnResult {
  testAccuracy: number;
  seconds: number;
}

/** The network of the protocol: Conv2D(16, 3x3)-ReLU-MaxPool-Flatten-Dense(10). */
export function digitsCnn(): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      dn.layers.maxPooling2d({ poolSize: 2 }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export async function runDigitsCnn(options: DigitsCnnOptions = {}): Promise<DigitsCnnResult> {
  const { epochs = 50, seed = 0, verbose = 1, log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.digits({ shape: 'image' });
  log(`Digits as images: ${xTrain.shape[0]} training and ${xTest.shape[0]} test images of 8x8x1 (${dn.backendInfo().isa} kernels)`);
  dn.seed(seed);
  const model = digitsCnn();
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary({ printFn: log });
  const started = performance.now();
  await model.fit(xTrain.div(16), yTrain, { epochs, batchSize: 32, verbose });
  const seconds = (performance.now() - started) / 1000;
  const { accuracy } = await model.evaluate(xTest.div(16), yTest);
  log(`Trained ${epochs} epochs in ${seconds.toFixed(1)} s. Test accuracy: ${(100 * accuracy).toFixed(1)} % (PyTorch 1.13 with this protocol: 91.1 %)`);
  return { testAccuracy: accuracy, seconds };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runDigitsCnn();
}
