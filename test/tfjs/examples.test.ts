// tensorflow/tfjs-examples Node programs run through dendrite/tfjs. Each program is written from the
// published example with only its import changed (`require('@tensorflow/tfjs-node')` becomes this
// entry); what it downloads is generated here instead, and it runs for fewer epochs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

const work = mkdtempSync(join(tmpdir(), 'dendrite-tfjs-examples-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `program` with console.log captured; returns the lines it printed. */
async function printed(program: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  try {
    await program();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('abalone-node (tf.data.csv, fitDataset, save and loadLayersModel)', () => {
  // abalone.csv as the example downloads it: a header and 4177 rows of sex (F/M/I), seven
  // measurements and the rings. Generated: rings grow with the shell weight.
  function writeAbaloneCsv(path: string): void {
    const random = new dn.Generator(7);
    const rows = ['sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings'];
    for (let i = 0; i < 4177; i++) {
      const length = 0.2 + 0.5 * random.uniform();
      const shell = length * length * (0.4 + 0.2 * random.uniform());
      const rings = Math.round(3 + 40 * shell + 2 * random.uniform());
      const values = [length, length * 0.8, length * 0.25, shell * 3, shell * 1.2, shell * 0.7, shell];
      rows.push([['F', 'M', 'I'][i % 3], ...values.map((v) => v.toFixed(4)), rings].join(','));
    }
    writeFileSync(path, rows.join('\n'));
  }

  // --- abalone-node/model.js ---
  function createModel(inputShape: number[]) {
    const model = tf.sequential();
    model.add(tf.layers.dense({
      inputShape: inputShape,
      activation: 'sigmoid',
      units: 50,
    }));
    model.add(tf.layers.dense({
      activation: 'sigmoid',
      units: 50,
    }));
    model.add(tf.layers.dense({
      units: 1,
    }));
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    return model;
  }

  // --- abalone-node/data.js ---
  async function createDataset(csvPath: string) {
    const dataset = tf.data.csv(
      csvPath, { hasHeader: true, columnConfigs: { 'rings': { isLabel: true } } });
    const numOfColumns = (await dataset.columnNames()).length - 1;
    // Convert features and labels.
    return {
      dataset: dataset.map((row: any) => {
        const rawFeatures = row['xs'];
        const rawLabel = row['ys'];
        const convertedFeatures = Object.keys(rawFeatures).map(key => {
          switch (rawFeatures[key]) {
            case 'F':
              return 0;
            case 'M':
              return 1;
            case 'I':
              return 2;
            default:
              return Number(rawFeatures[key]);
          }
        });
        const convertedLabel = [rawLabel['rings']];
        return { xs: convertedFeatures, ys: convertedLabel };
      }),
      numOfColumns: numOfColumns,
    };
  }

  // --- abalone-node/train.js, run() ---
  async function run(csvPath: string, epochs: number, batchSize: number, savePath: string) {
    const datasetObj = await createDataset('file://' + csvPath);
    const model = createModel([datasetObj.numOfColumns]);
    // The dataset has 4177 rows. Split them into 2 groups, one for training and
    // one for validation. Take about 3500 rows as train dataset, and the rest as
    // validation dataset.
    const trainBatches = Math.floor(3500 / batchSize);
    const dataset = datasetObj.dataset.shuffle(1000).batch(batchSize);
    const trainDataset = dataset.take(trainBatches);
    const validationDataset = dataset.skip(trainBatches);

    await model.fitDataset(
      trainDataset, { epochs: epochs, validationData: validationDataset, verbose: 0 });

    await model.save(savePath);

    const loadedModel = await tf.loadLayersModel(savePath + '/model.json');
    const result = loadedModel.predict(
      tf.tensor2d([[0, 0.625, 0.495, 0.165, 1.262, 0.507, 0.318, 0.39]])) as tf.Tensor;
    console.log(
      'The actual test abalone age is 10, the inference result from the model is ' +
      result.dataSync());
  }

  it('trains from the CSV, saves in the tfjs format, reloads and predicts', async () => {
    const csvPath = join(work, 'abalone.csv');
    writeAbaloneCsv(csvPath);
    dn.seed(1);
    const lines = await printed(() => run(csvPath, 3, 500, 'file://' + join(work, 'trainedModel')));
    expect(lines).toHaveLength(1);
    const prediction = Number(lines[0].split('the inference result from the model is ')[1]);
    expect(Number.isFinite(prediction)).toBe(true);
    expect(prediction).toBeGreaterThan(1); // three epochs of sgd move the output toward the rings (about 10)
  });
});
