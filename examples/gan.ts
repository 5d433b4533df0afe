// A generative adversarial network (GAN) that learns to draw 8x8 handwritten digits.
//
//   npx tsx examples/gan.ts            (writes gan-digits.png beside the current folder's files)
//
// The Keras recipe: a generator turns random noise into images, a discriminator tells real images
// from generated ones. Each step trains the discriminator on a batch of real and a batch of
// generated images (trainOnBatch), then trains the generator through a combined model
// (noise -> generator -> discriminator) in which the discriminator is frozen: `trainable = false`
// before the combined model is compiled, so its step moves the generator only, towards images the
// discriminator calls real. The discriminator, compiled on its own before the freeze, keeps training
// in its own steps (a freeze takes effect at the next compile, as in Keras).
//
// Prints the discriminator and generator losses per epoch and writes a grid of generated digits
// as a PNG (dn.plot.imageGrid).
//
// In your own code: `import * as dn from 'dendrite'`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface GanOptions {
  /** Passes over the 1,437 training digits. Default 300. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default 0. */
  seed?: number;
  /** Where to write the grid of generated digits (null: none). Default 'gan-digits.png'. */
  pngPath?: string | null;
  /** Digits per side of the grid. Default 10. */
  gridSize?: number;
  log?: (line: string) => void;
}

export interface GanModels {
  generator: dn.Functional<dn.Tensor>;
  discriminator: dn.Functional<dn.Tensor>;
  /** noise -> generator -> discriminator, with the discriminator frozen. */
  combined: dn.Functional<dn.Tensor>;
}

export interface GanResult extends GanModels {
  /** Per epoch: the discriminator's mean loss (real and generated batches) and the generator's. */
  discriminatorLoss: number[];
  generatorLoss: number[];
  /** The generated grid, as PNG bytes (also written to pngPath). */
  png: Buffer;
}

/** Size of the noise vector the generator starts from. */
export const LATENT_DIM = 32;
const PIXELS = 64;

/** The generator, the discriminator and the combined model, compiled the Keras way. */
export function buildGan(seed = 0): GanModels {
  dn.seed(seed);
  const init = (k: number) => dn.initializers.glorotUniform({ seed: seed * 10 + k });
  const noise = dn.input({ shape: [LATENT_DIM], name: 'noise' });
  let h = dn.layers.dense({ units: 256, activation: 'leakyRelu', kernelInitializer: init(1), name: 'g_dense_1' }).apply(noise);
  h = dn.layers.dense({ units: 256, activation: 'leakyRelu', kernelInitializer: init(2), name: 'g_dense_2' }).apply(h);
  // tanh: pixels in [-1, 1], as the real images are scaled.
  const image = dn.layers.dense({ units: PIXELS, activation: 'tanh', kernelInitializer: init(3), name: 'g_image' }).apply(h);
  const generator = dn.model({ inputs: noise, outputs: image, name: 'generator' });

  const pixels = dn.input({ shape: [PIXELS], name: 'pixels' });
  let d = dn.layers.dense({ units: 128, activation: 'leakyRelu', kernelInitializer: init(4), name: 'd_dense_1' }).apply(pixels);
  d = dn.layers.dropout({ rate: 0.3, name: 'd_dropout' }).apply(d);
  d = dn.layers.dense({ units: 64, activation: 'leakyRelu', kernelInitializer: init(5), name: 'd_dense_2' }).apply(d);
  const verdict = dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(6), name: 'd_real' }).apply(d);
  const discriminator = dn.model({ inputs: pixels, outputs: verdict, name: 'discriminator' });
  discriminator.compile({ optimizer: dn.optimizers.adam({ learningRate: 2e-4, beta1: 0.5 }), loss: 'binaryCrossentropy' });

  // Frozen inside the combined model: its compile captures the generator's weights only.
  discriminator.trainable = false;
  const z = dn.input({ shape: [LATENT_DIM], name: 'z' });
  const combined = dn.model({ inputs: z, outputs: discriminator.apply(generator.apply(z)), name: 'combined' });
  combined.compile({ optimizer: dn.optimizers.adam({ learningRate: 2e-4, beta1: 0.5 }), loss: 'binaryCrossentropy' });
  return { generator, discriminator, combined };
}

/** One GAN step: the discriminator on real and generated images, then the generator through the combined model. */
export function ganStep(models: GanModels, real: dn.Tensor, generator: dn.Generator): { discriminator: number; generator: number } {
  const n = real.shape[0];
  const noise = dn.randn([n, LATENT_DIM], { generator });
  const fake = models.generator.predict(noise);
  // One-sided label smoothing (real = 0.9) keeps the discriminator from becoming overconfident.
  const dReal = models.discriminator.trainOnBatch(real, dn.full([n, 1], 0.9)).loss;
  const dFake = models.discriminator.trainOnBatch(fake, dn.zeros([n, 1])).loss;
  const g = models.combined.trainOnBatch(dn.randn([n, LATENT_DIM], { generator }), dn.ones([n, 1])).loss;
  return { discriminator: (dReal + dFake) / 2, generator: g };
}

/** Digits in [-1, 1], one per row of 64 pixels, as a PNG grid of `cells` per side (dn.plot.imageGrid). */
export function digitGridPng(images: dn.Tensor, cells: number): Buffer {
  const grid = dn.plot.imageGrid(images, { shape: [8, 8], columns: cells, range: [-1, 1], cellSize: 40 });
  return dn.plot.toPng(grid);
}

export async function runGan(options: GanOptions = {}): Promise<GanResult> {
  const { epochs = 300, batchSize = 64, seed = 0, pngPath = 'gan-digits.png', gridSize = 10, log = console.log } = options;
  const models = buildGan(seed);
  const { xTrain } = dn.datasets.digits();
  // Pixels 0..16 to [-1, 1], the generator's tanh range.
  const real = xTrain.div(8).sub(1);
  const noise = new dn.Generator(seed + 1);
  const batches = dn.data.dataset(real).shuffle(real.shape[0], { seed: seed + 2 }).batch(batchSize, { dropRemainder: true });
  const discriminatorLoss: number[] = [];
  const generatorLoss: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let d = 0;
    let g = 0;
    let steps = 0;
    for await (const batch of batches) {
      const losses = ganStep(models, batch, noise);
      d += losses.discriminator;
      g += losses.generator;
      steps++;
    }
    discriminatorLoss.push(d / steps);
    generatorLoss.push(g / steps);
    if (epoch === 0 || (epoch + 1) % Math.max(1, Math.round(epochs / 10)) === 0 || epoch === epochs - 1) {
      log(`epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}: discriminator loss ${(d / steps).toFixed(4)}, generator loss ${(g / steps).toFixed(4)}`);
    }
  }
  const samples = models.generator.predict(dn.randn([gridSize * gridSize, LATENT_DIM], { seed: seed + 3 }));
  const png = digitGridPng(samples, gridSize);
  if (pngPath !== null) {
    writeFileSync(pngPath, png);
    log(`Wrote ${gridSize * gridSize} generated digits to ${pngPath}`);
  }
  return { ...models, discriminatorLoss, generatorLoss, png };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runGan();
}
