// Which pixels make the model see a digit? Saliency, integrated gradients and occlusion maps, and
// Grad-CAM for the convolutional network.
//
//   npx tsx examples/explain-digits.ts
//
// Trains the digits MLP, then explains its prediction for one test image of each of a few digits
// with three methods and draws the maps side by side (PNG). It prints how well integrated gradients
// account for each prediction (their completeness: the attributions should add up to
// f(image) − f(blank image)), and checks that the maps mean something: blanking the 8 pixels with
// the largest integrated-gradient attribution lowers the predicted class's probability far more
// than blanking 8 random inked pixels. Then it trains the digits CNN (examples/digits-cnn.ts) and
// draws the Grad-CAM maps of its convolution for the same digits (a second PNG), with how much more
// of the map falls on inked pixels than on the blank ground.
//
// In your own code: `import * as dn from 'dendrite'`.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';
import { digitsCnn } from './digits-cnn.js';

export interface ExplainDigitsOptions {
  /** Training epochs (default 30). */
  epochs?: number;
  /** The digits explained, one test image each (default 0, 2, 3, 5, 7, 8). */
  digits?: readonly number[];
  /** Integration steps of integrated gradients (default 64). */
  steps?: number;
  /** Training epochs of the digits CNN explained by Grad-CAM (default 20). */
  cnnEpochs?: number;
  /** Seed of the weights, the shuffling and the random pixels of the check (default 0). */
  seed?: number;
  /** Where the picture goes (default examples/output). */
  outputDirectory?: string;
  log?: (line: string) => void;
}

export interface ExplainDigitsResult {
  testAccuracy: number;
  /** The worst relative completeness error of integrated gradients over the images. */
  completenessError: number;
  /** Mean drop of the predicted probability when the 8 top-attributed pixels are blanked. */
  topPixelDrop: number;
  /** The same when 8 random inked pixels are blanked (averaged over 20 draws). */
  randomPixelDrop: number;
  file: string;
  /** Test accuracy of the digits CNN. */
  cnnTestAccuracy: number;
  /** The Grad-CAM map's mean on inked pixels (>= 0.5) over its mean on blank ones, over the explained images. */
  gradCamInkRatio: number;
  gradCamFile: string;
}

const BLANKED = 8;

export async function runExplainDigits(options: ExplainDigitsOptions = {}): Promise<ExplainDigitsResult> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { epochs = 30, digits = [0, 2, 3, 5, 7, 8], steps = 64, cnnEpochs = 20, seed = 0, outputDirectory = join(here, 'output'), log = console.log } = options;
  mkdirSync(outputDirectory, { recursive: true });
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.digits();
  const trainInputs = xTrain.div(16);
  const testInputs = xTest.div(16);
  dn.seed(seed);
  const model = dn.sequential({
    layers: [dn.layers.dense({ units: 128, activation: 'relu', inputShape: [64] }), dn.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(trainInputs, yTrain, { epochs, batchSize: 32, verbose: 0 });
  const { accuracy: testAccuracy } = await model.evaluate(testInputs, yTest) as { accuracy: number };
  log(`Digits MLP: test accuracy ${(100 * testAccuracy).toFixed(1)} % after ${epochs} epochs`);

  // The first test image of each chosen digit.
  const labels = Array.from(yTest.dataSync());
  const rows = digits.map((d) => {
    const row = labels.indexOf(d);
    if (row < 0) throw new dn.ValueError(`explain-digits: no test image of the digit ${d}`);
    return row;
  });
  const images = dn.concat(rows.map((r) => testInputs.slice([r, 0], [1, 64])), 0);

  const saliency = dn.explain.saliency(model, images);
  const integrated = dn.explain.integratedGradients(model, images, { steps, baseline: 0 });
  // Occlusion works on the images as 8x8 grids: a 2x2 window sliding one pixel at a time.
  const occlusion = dn.explain.occlusion((x) => model.predict(x.reshape([-1, 64])), images.reshape([-1, 8, 8]), { window: 2, stride: 1 });
  const predicted = saliency.targets;
  log(`Integrated gradients (${steps} steps, blank baseline): the attributions add up to f(x) − f(blank) within ${(100 * integrated.completenessError).toFixed(2)} % (worst image)`);

  // Does the map point at pixels that matter? Blank the top-attributed pixels, then random inked ones.
  const generator = new dn.Generator(seed);
  const values = Float32Array.from(images.dataSync());
  const attributions = integrated.attributions.dataSync();
  let topDrop = 0;
  let randomDrop = 0;
  const probability = (pixels: Float32Array, image: number): number => (model.predict(dn.tensor(pixels, [1, 64])).dataSync())[predicted[image]];
  rows.forEach((_, i) => {
    const image = values.slice(i * 64, (i + 1) * 64);
    const before = probability(image, i);
    const byAttribution = Array.from({ length: 64 }, (_, p) => p).sort((a, b) => attributions[i * 64 + b] - attributions[i * 64 + a]);
    const blanked = image.slice();
    for (const p of byAttribution.slice(0, BLANKED)) blanked[p] = 0;
    topDrop += (before - probability(blanked, i)) / rows.length;
    const inked = Array.from({ length: 64 }, (_, p) => p).filter((p) => image[p] > 0);
    for (let draw = 0; draw < 20; draw++) {
      const order = generator.permutation(inked.length);
      const random = image.slice();
      for (let k = 0; k < Math.min(BLANKED, inked.length); k++) random[inked[order[k]]] = 0;
      randomDrop += (before - probability(random, i)) / (rows.length * 20);
    }
  });
  log(`Blanking the ${BLANKED} pixels with the largest attribution lowers the predicted class's probability by ${topDrop.toFixed(3)} on average; ${BLANKED} random inked pixels: ${randomDrop.toFixed(3)}`);

  const file = join(outputDirectory, 'explain-digits.png');
  dn.plot.attributionMap(images, {
    saliency: saliency.attributions,
    'integrated gradients': integrated.attributions,
    'occlusion (2x2)': occlusion.attributions,
  }, {
    shape: [8, 8], file, title: 'What the digits MLP looks at',
    labels: rows.map((r, i) => `digit ${labels[r]}, predicted ${predicted[i]}`),
  });
  log(`Maps of ${rows.length} test digits (vermillion: evidence for the predicted digit, blue: against) -> ${file}`);

  // Grad-CAM needs feature maps: the digits CNN, on the same digits as 8x8x1 images.
  const imageData = dn.datasets.digits({ shape: 'image' });
  dn.seed(seed);
  const cnn = digitsCnn();
  cnn.compile({ optimizer: dn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await cnn.fit(imageData.xTrain.div(16), imageData.yTrain, { epochs: cnnEpochs, batchSize: 32, verbose: 0, seed });
  const { accuracy: cnnTestAccuracy } = await cnn.evaluate(imageData.xTest.div(16), imageData.yTest) as { accuracy: number };
  log(`Digits CNN: test accuracy ${(100 * cnnTestAccuracy).toFixed(1)} % after ${cnnEpochs} epochs`);
  const pictures = images.reshape([-1, 8, 8, 1]);
  const cam = dn.explain.gradCam(cnn, pictures);
  const cnnSaliency = dn.explain.saliency(cnn, pictures);
  const map = cam.attributions.dataSync();
  let inked = 0;
  let inkedCount = 0;
  let blank = 0;
  let blankCount = 0;
  values.forEach((v, i) => {
    if (v >= 0.5) {
      inked += map[i];
      inkedCount++;
    } else if (v === 0) {
      blank += map[i];
      blankCount++;
    }
  });
  const gradCamInkRatio = (inked / inkedCount) / (blank / blankCount);
  log(`Grad-CAM of layer '${cam.layer}' (${cam.heatmaps.shape.slice(1).join('x')} maps, resized to 8x8): ${gradCamInkRatio.toFixed(1)} times as large on inked pixels as on blank ones`);
  const gradCamFile = join(outputDirectory, 'explain-digits-grad-cam.png');
  dn.plot.attributionMap(pictures, { 'Grad-CAM': cam.attributions, saliency: cnnSaliency.attributions }, {
    file: gradCamFile, title: 'What the digits CNN looks at',
    labels: rows.map((r, i) => `digit ${labels[r]}, predicted ${cam.targets[i]}`),
  });
  log(`Grad-CAM and saliency maps of the CNN -> ${gradCamFile}`);
  return {
    testAccuracy, completenessError: integrated.completenessError, topPixelDrop: topDrop, randomPixelDrop: randomDrop, file,
    cnnTestAccuracy, gradCamInkRatio, gradCamFile,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runExplainDigits();
}
