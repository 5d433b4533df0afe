// A convolutional autoencoder of the 8x8 digits: convolutions and pooling squeeze each image into
// 2x2x4 = 16 numbers; a transposed convolution and an upsampling layer rebuild the 64 pixels.
//
//   npx tsx examples/autoencoder.ts
//
// Prints the reconstruction error against a baseline that predicts the mean image, and draws a few
// test digits beside their reconstructions in text.
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface AutoencoderOptions {
  /** Default 60. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Test digits drawn (default 4). */
  drawn?: number;
  log?: (line: string) => void;
}

export interface AutoencoderResult {
  /** Mean squared error of the reconstructions of the test images (pixels in 0..1). */
  testError: number;
  /** The same error when every image is predicted as the mean training image. */
  baselineError: number;
}

/** Encoder 8x8x1 -> 2x2x4, decoder back to 8x8x1. */
export function autoencoder(): dn.Sequential {
  return dn.sequential({
    layers: [
      dn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      dn.layers.maxPooling2d(),
      dn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      dn.layers.maxPooling2d(),
      dn.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      dn.layers.upSampling2d({ size: 2 }),
      dn.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    ],
  });
}

/** An 8x8 image in 0..1 as 8 lines of text, darker characters for larger values. */
export function drawImage(pixels: ArrayLike<number>): string[] {
  const shades = ' .:-=+*#%@';
  return Array.from({ length: 8 }, (_, row) => Array.from({ length: 8 }, (_, column) => {
    const value = Math.min(1, Math.max(0, pixels[row * 8 + column]));
    return shades[Math.round(value * (shades.length - 1))].repeat(2);
  }).join(''));
}

export async function runAutoencoder(options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  const { epochs = 60, seed = 0, drawn = 4, log = console.log } = options;
  const { xTrain, xTest } = dn.datasets.digits({ shape: 'image' });
  const train = xTrain.div(16);
  const test = xTest.div(16);
  dn.seed(seed);
  const model = autoencoder();
  model.compile({ optimizer: dn.optimizers.adam(3e-3), loss: 'meanSquaredError' });
  await model.fit(train, train, { epochs, batchSize: 32, verbose: 0, seed });
  const reconstructed = model.predict(test);
  const testError = reconstructed.sub(test).square().mean().item();
  const baselineError = test.sub(train.mean(0)).square().mean().item();
  log(`Reconstruction error (MSE, pixels 0..1) on ${test.shape[0]} test digits: ${testError.toFixed(4)}; predicting the mean image: ${baselineError.toFixed(4)}`);
  const original = test.dataSync();
  const rebuilt = reconstructed.dataSync();
  for (let i = 0; i < drawn; i++) {
    log('');
    log(`test digit ${i}: original${' '.repeat(9)}reconstruction from 16 numbers`);
    const left = drawImage(original.subarray(i * 64, (i + 1) * 64));
    const right = drawImage(rebuilt.subarray(i * 64, (i + 1) * 64));
    left.forEach((line, row) => log(`  ${line}    ${right[row]}`));
  }
  return { testError, baselineError };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runAutoencoder();
}
