// Train in Dendrite, run in onnxruntime: the digits CNN exported to ONNX and run side by side.
//
//   npx tsx examples/export-onnx.ts
//
// Trains the small digits CNN (Conv2D-ReLU-MaxPool-Flatten-Dense-softmax on the bundled 8x8 digits),
// exports it with dn.onnx.exportModel, runs the file in onnxruntime-node (a dev dependency here:
// `npm install onnxruntime-node` in your own project) on the test images, and prints both engines'
// probabilities for a few images, the largest difference over all test images, and both accuracies.
// It then loads the ONNX file back with dn.onnx.loadModel and checks that the weights are the same.
//
// In your own code: `import * as dn from 'dendrite'`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import * as dn from '../lib/index.js';
import { digitsCnn } from './digits-cnn.js';

/** Options of {@link runExportOnnx} (the test runs it with fewer epochs). */
export interface ExportOnnxOptions {
  /** Default 20. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Where the .onnx file goes. Default a temporary folder (removed at the end). */
  path?: string;
  log?: (line: string) => void;
}

export interface ExportOnnxResult {
  /** The largest |Dendrite − onnxruntime| over every test probability. */
  maxDifference: number;
  dendriteAccuracy: number;
  onnxAccuracy: number;
  /** Whether the model loaded back from the file has the trained weights bit for bit. */
  weightsRoundTrip: boolean;
}

function accuracy(probabilities: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  return correct / labels.length;
}

export async function runExportOnnx(options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const { epochs = 20, seed = 0, log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.digits({ shape: 'image' });
  dn.seed(seed);
  const model = digitsCnn();
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  await model.fit(xTrain.div(16), yTrain, { epochs, batchSize: 32, verbose: 0 });

  const folder = options.path === undefined ? mkdtempSync(join(tmpdir(), 'dendrite-export-onnx-')) : null;
  const path = options.path ?? join(folder!, 'digits-cnn.onnx');
  try {
    await dn.onnx.exportModel(model, path);
    log(`Exported ${model.layers.map((l) => l.className).join(' → ')} to ${path}`);

    const x = xTest.div(16);
    const ours = model.predict(x).dataSync() as Float32Array;
    const session = await ort.InferenceSession.create(path);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape.slice()) };
    const theirs = (await session.run(feeds))[session.outputNames[0]].data as Float32Array;

    let maxDifference = 0;
    for (let i = 0; i < ours.length; i++) maxDifference = Math.max(maxDifference, Math.abs(ours[i] - theirs[i]));
    const format = (row: Float32Array) => Array.from(row, (p) => p.toFixed(4)).join(' ');
    for (let i = 0; i < 3; i++) {
      log(`image ${i} (a ${yTest.dataSync()[i]}):`);
      log(`  Dendrite     ${format(ours.subarray(i * 10, i * 10 + 10))}`);
      log(`  onnxruntime  ${format(theirs.subarray(i * 10, i * 10 + 10))}`);
    }
    const labels = yTest.dataSync();
    const dendriteAccuracy = accuracy(ours, labels, 10);
    const onnxAccuracy = accuracy(theirs, labels, 10);
    log(`Largest difference over ${xTest.shape[0]} test images × 10 classes: ${maxDifference.toExponential(2)}`);
    log(`Test accuracy: Dendrite ${(100 * dendriteAccuracy).toFixed(1)} %, onnxruntime ${(100 * onnxAccuracy).toFixed(1)} %`);

    const loaded = await dn.onnx.loadModel(path);
    const a = model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    const weightsRoundTrip = JSON.stringify(a) === JSON.stringify(b);
    log(`Loaded back with dn.onnx.loadModel: ${loaded.layers.length} layers, weights ${weightsRoundTrip ? 'identical' : 'DIFFERENT'}`);
    return { maxDifference, dendriteAccuracy, onnxAccuracy, weightsRoundTrip };
  } finally {
    if (folder !== null) rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runExportOnnx();
}
