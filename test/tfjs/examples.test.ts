// tensorflow/tfjs-examples Node programs run through dendrite/tfjs. Each program is written from the
// published example with only its import changed (`require('@tensorflow/tfjs-node')` becomes this
// entry); what it downloads is generated here instead, and it runs for fewer epochs.
import assert from 'node:assert';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as util from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';
import { emulated } from '../helpers/emulation.js';

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

  it('trains from the CSV, saves in the tfjs format, reloads and predicts', { timeout: 60_000 }, async () => {
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

describe('baseball-node pitch type (tf.data.csv pipeline, fitDataset with onEpochEnd, positional evaluate, save)', () => {
  // The pitch CSVs the example downloads: a header and rows of 7 measurements, the pitcher's hand and
  // the pitch class, grouped by class (the example's per-class evaluation counts on that). Generated:
  // each class has its own mean speed and spin.
  function writePitchCsv(path: string, rows: number, seed: number): void {
    const random = new dn.Generator(seed);
    const lines = ['vx0,vy0,vz0,ax,ay,az,start_speed,left_handed_pitcher,pitch_code'];
    const perClass = rows / 7;
    for (let pitch = 0; pitch < 7; pitch++) {
      for (let i = 0; i < perClass; i++) {
        const noise = (): number => random.normal();
        const speed = 70 + pitch * 4 + noise();
        const values = [pitch * 4 - 12 + noise(), -90 - pitch * 8 + noise(), pitch * 2 - 8 + noise(), pitch * 9 - 40 + noise(),
          15 + pitch * 4 + noise(), -45 + pitch * 6 + noise(), speed, i % 2, pitch];
        lines.push(values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(3))).join(','));
      }
    }
    writeFileSync(path, lines.join('\n'));
  }

  // --- baseball-node/utils.js ---
  function normalize(value: number, min?: number, max?: number) {
    if (min === undefined || max === undefined) {
      return value;
    }
    return (value - min) / (max - min);
  }

  // --- baseball-node/pitch_type.js (its module body; the data paths are local files here) ---
  function pitchType(TRAIN_DATA_PATH: string, TEST_DATA_PATH: string) {
    const VX0_MIN = -18.885;
    const VX0_MAX = 18.065;
    const VY0_MIN = -152.463;
    const VY0_MAX = -86.374;
    const VZ0_MIN = -15.5146078412997;
    const VZ0_MAX = 9.974;
    const AX_MIN = -48.0287647107959;
    const AX_MAX = 30.592;
    const AY_MIN = 9.397;
    const AY_MAX = 49.18;
    const AZ_MIN = -49.339;
    const AZ_MAX = 2.95522851438373;
    const START_SPEED_MIN = 59;
    const START_SPEED_MAX = 104.4;
    const NUM_PITCH_CLASSES = 7;
    const TRAINING_DATA_LENGTH = 7000;
    const TEST_DATA_LENGTH = 700;
    const csvTransform =
      ({ xs, ys }: any) => {
        const values = [
          normalize(xs.vx0, VX0_MIN, VX0_MAX),
          normalize(xs.vy0, VY0_MIN, VY0_MAX),
          normalize(xs.vz0, VZ0_MIN, VZ0_MAX), normalize(xs.ax, AX_MIN, AX_MAX),
          normalize(xs.ay, AY_MIN, AY_MAX), normalize(xs.az, AZ_MIN, AZ_MAX),
          normalize(xs.start_speed, START_SPEED_MIN, START_SPEED_MAX),
          xs.left_handed_pitcher,
        ];
        return { xs: values, ys: ys.pitch_code };
      };
    const trainingData =
      tf.data.csv(TRAIN_DATA_PATH, { columnConfigs: { pitch_code: { isLabel: true } } })
        .map(csvTransform)
        .shuffle(TRAINING_DATA_LENGTH)
        .batch(100);
    const testValidationData =
      tf.data.csv(TEST_DATA_PATH, { columnConfigs: { pitch_code: { isLabel: true } } })
        .map(csvTransform)
        .batch(TEST_DATA_LENGTH);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 250, activation: 'relu', inputShape: [8] }));
    model.add(tf.layers.dense({ units: 175, activation: 'relu' }));
    model.add(tf.layers.dense({ units: 150, activation: 'relu' }));
    model.add(tf.layers.dense({ units: NUM_PITCH_CLASSES, activation: 'softmax' }));
    model.compile({
      optimizer: tf.train.adam(),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    return { model, trainingData, testValidationData, TEST_DATA_LENGTH };
  }

  // --- baseball-node/train_pitch_type.js, run() ---
  async function run(pitch_type: ReturnType<typeof pitchType>, epochCount: number, savePath: string | null) {
    pitch_type.model.summary();
    await pitch_type.model.fitDataset(pitch_type.trainingData, {
      epochs: epochCount,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          console.log(`Epoch: ${epoch} - loss: ${logs.loss.toFixed(3)}`);
        },
      },
      verbose: 0,
    });
    // Eval against test data:
    await pitch_type.testValidationData.forEachAsync((data: any) => {
      const evalOutput = pitch_type.model.evaluate(
        data.xs, data.ys, pitch_type.TEST_DATA_LENGTH) as tf.Tensor[];
      console.log(
        `\nEvaluation result:\n` +
        `  Loss = ${evalOutput[0].dataSync()[0].toFixed(3)}; ` +
        `Accuracy = ${evalOutput[1].dataSync()[0].toFixed(3)}`);
    });
    if (savePath !== null) {
      await pitch_type.model.save(`file://${savePath}`);
      console.log(`Saved model to path: ${savePath}`);
    }
  }

  it.runIf(!emulated)('trains for two epochs, evaluates the test pitches and saves', { timeout: 60_000 }, async () => {
    const train = join(work, 'pitch_type_training_data.csv');
    const test = join(work, 'pitch_type_test_data.csv');
    writePitchCsv(train, 7000, 11);
    writePitchCsv(test, 700, 12);
    dn.seed(2);
    const savePath = join(work, 'pitch-model');
    const lines = await printed(() => run(pitchType(train, test), 2, savePath));
    const epochs = lines.filter((l) => l.startsWith('Epoch: '));
    expect(epochs).toHaveLength(2);
    const evaluation = lines.find((l) => l.includes('Evaluation result'))!;
    const accuracy = Number(/Accuracy = ([\d.]+)/.exec(evaluation)![1]);
    expect(accuracy).toBeGreaterThan(0.5); // 7 separable classes: chance is 0.14
    expect(lines[lines.length - 1]).toBe(`Saved model to path: ${savePath}`);
    expect((await tf.loadLayersModel(`file://${savePath}/model.json`)).layers).toHaveLength(4);
  });
});

describe('quantization/train_housing (tf.data.csv iterator, tf.moments, tf.util.shuffle, gather, fit, evaluate to a Scalar, save)', () => {
  const featureColumns = [
    'longitude', 'latitude', 'housing_median_age', 'total_rooms',
    'total_bedrooms', 'population', 'households', 'median_income'];
  const labelColumn = 'median_house_value';

  // california_housing_train_10k.csv as downloaded, generated: 2000 districts, the value grows with income.
  function writeHousingCsv(path: string): void {
    const random = new dn.Generator(5);
    const lines = [[...featureColumns, labelColumn].join(',')];
    for (let i = 0; i < 2000; i++) {
      const income = 1 + 8 * random.uniform();
      const rooms = 500 + 3000 * random.uniform();
      const row = [-124 + 10 * random.uniform(), 32 + 9 * random.uniform(), Math.round(1 + 50 * random.uniform()), rooms, rooms / 5,
        rooms * 1.2, rooms / 4, income, 40000 * income + 20000 * random.normal()];
      lines.push(row.map((v) => v.toFixed(4)).join(','));
    }
    writeFileSync(path, lines.join('\n'));
  }

  // --- quantization/data_housing.js (HOUSING_CSV_URL is the local file here) ---
  async function getDatasetStats(HOUSING_CSV_URL: string) {
    const featureValues: Record<string, number[]> = {};
    featureColumns.forEach(feature => {
      featureValues[feature] = [];
    });
    const labelValues: number[] = [];
    const dataset = tf.data.csv(HOUSING_CSV_URL, {
      columnConfigs: {
        [labelColumn]: {
          isLabel: true,
        },
      },
    });
    const iterator = await dataset.iterator();
    let count = 0;
    while (true) {
      const item: any = await iterator.next();
      if (item.done) {
        break;
      }
      featureColumns.forEach(feature => {
        if (item.value.xs[feature] == null) {
          throw new Error(`item #{count} lacks feature ${feature}`);
        }
        featureValues[feature].push(item.value.xs[feature]);
      });
      labelValues.push(item.value.ys[labelColumn]);
      count++;
    }
    return tf.tidy(() => {
      const featureMeans: Record<string, number> = {};
      const featureStddevs: Record<string, number> = {};
      featureColumns.forEach(feature => {
        const { mean, variance } = tf.moments(featureValues[feature]);
        featureMeans[feature] = mean.arraySync() as number;
        featureStddevs[feature] = tf.sqrt(variance).arraySync() as number;
      });
      const moments = tf.moments(labelValues);
      const labelMean = moments.mean.arraySync() as number;
      const labelStddev = tf.sqrt(moments.variance).arraySync() as number;
      return {
        count,
        featureMeans,
        featureStddevs,
        labelMean,
        labelStddev,
      };
    });
  }

  async function getNormalizedDatasets(
    HOUSING_CSV_URL: string, count: number, featureMeans: Record<string, number>, featureStddevs: Record<string, number>,
    labelMean: number, labelStddev: number, validationSplit: number, evaluationSplit: number) {
    tf.util.assert(
      validationSplit > 0 && validationSplit < 1,
      () => `validationSplit is expected to be >0 and <1, ` +
            `but got ${validationSplit}`);
    tf.util.assert(
      evaluationSplit > 0 && evaluationSplit < 1,
      () => `evaluationSplit is expected to be >0 and <1, ` +
            `but got ${evaluationSplit}`);
    tf.util.assert(
      validationSplit + evaluationSplit < 1,
      () => `The sum of validationSplit and evaluationSplit exceeds 1`);
    const dataset = tf.data.csv(HOUSING_CSV_URL, {
      columnConfigs: {
        [labelColumn]: {
          isLabel: true,
        },
      },
    });
    const featureValues: number[] = [];
    const labelValues: number[] = [];
    const indices: number[] = [];
    const iterator = await dataset.iterator();
    for (let i = 0; i < count; ++i) {
      const { value, done }: any = await iterator.next();
      if (done) {
        break;
      }
      featureColumns.map(feature => {
        featureValues.push(
          (value.xs[feature] - featureMeans[feature]) /
          featureStddevs[feature]);
      });
      labelValues.push((value.ys[labelColumn] - labelMean) / labelStddev);
      indices.push(i);
    }
    const xs = tf.tensor2d(featureValues, [count, featureColumns.length]);
    const ys = tf.tensor2d(labelValues, [count, 1]);
    // Set random seed to fix shuffling order and therefore to fix the
    // training, validation, and evaluation splits.
    // (The example calls Math.seedrandom('1337') from the seedrandom package here; dn.seed plays its part.)
    dn.seed(1337);
    tf.util.shuffle(indices);
    const numTrain = Math.round(count * (1 - validationSplit - evaluationSplit));
    const numVal = Math.round(count * validationSplit);
    const trainXs = xs.gather(indices.slice(0, numTrain));
    const trainYs = ys.gather(indices.slice(0, numTrain));
    const valXs = xs.gather(indices.slice(numTrain, numTrain + numVal));
    const valYs = ys.gather(indices.slice(numTrain, numTrain + numVal));
    const evalXs = xs.gather(indices.slice(numTrain + numVal));
    const evalYs = ys.gather(indices.slice(numTrain + numVal));
    return { trainXs, trainYs, valXs, valYs, evalXs, evalYs };
  }

  // --- quantization/model_housing.js ---
  function createModel() {
    const model = tf.sequential();
    model.add(tf.layers.dense({
      units: 80,
      activation: 'relu',
      inputShape: [featureColumns.length],
    }));
    model.add(tf.layers.dropout({ rate: 0.2 }));
    model.add(tf.layers.dense({
      units: 120,
      activation: 'relu',
    }));
    model.add(tf.layers.dropout({ rate: 0.1 }));
    model.add(tf.layers.dense({
      units: 20,
      activation: 'relu',
    }));
    model.add(tf.layers.dropout({ rate: 0.1 }));
    model.add(tf.layers.dense({
      units: 10,
      activation: 'relu',
    }));
    model.add(tf.layers.dropout({ rate: 0.1 }));
    model.add(tf.layers.dense({ units: 1 }));
    compileModel(model);
    return model;
  }

  function compileModel(model: tf.TfjsLayersModel<dn.Sequential>) {
    model.compile({
      loss: 'meanAbsoluteError',
      optimizer: 'adam',
    });
  }

  // --- quantization/train_housing.js, main() (its arguments as parsed defaults, fewer epochs) ---
  async function main(csv: string, args: { epochs: number; batchSize: number; validationSplit: number; evaluationSplit: number; modelSavePath: string }) {
    const { count, featureMeans, featureStddevs, labelMean, labelStddev } =
      await getDatasetStats(csv);
    const { trainXs, trainYs, valXs, valYs, evalXs, evalYs } =
      await getNormalizedDatasets(
        csv, count, featureMeans, featureStddevs, labelMean, labelStddev,
        args.validationSplit, args.evaluationSplit);
    const model = createModel();
    model.summary();
    await model.fit(trainXs, trainYs, {
      epochs: args.epochs,
      batchSize: args.batchSize,
      validationData: [valXs, valYs],
      verbose: 0,
    });
    const evalOutput = model.evaluate(evalXs, evalYs) as tf.Tensor;
    console.log(
      `\nEvaluation result:\n` +
      `  Loss = ${evalOutput.dataSync()[0].toFixed(6)}`);
    if (args.modelSavePath != null) {
      await model.save(`file://${args.modelSavePath}`);
      console.log(`Saved model to path: ${args.modelSavePath}`);
    }
  }

  it('normalizes the CSV, trains, evaluates to one Scalar below the mean predictor, and saves', { timeout: 60_000 }, async () => {
    const csv = join(work, 'california_housing_train_10k.csv');
    writeHousingCsv(csv);
    const modelSavePath = join(work, 'models', 'housing', 'original');
    const lines = await printed(() => main(csv, { epochs: 8, batchSize: 128, validationSplit: 0.2, evaluationSplit: 0.1, modelSavePath }));
    const loss = Number(/Loss = ([\d.]+)/.exec(lines.find((l) => l.includes('Evaluation result'))!)![1]);
    expect(loss).toBeLessThan(0.75); // mean absolute error in standard deviations; predicting the mean gives about 0.8
    expect(lines[lines.length - 1]).toBe(`Saved model to path: ${modelSavePath}`);
  });
});

describe('mnist-node (idx files, conv2d/maxPooling2d/dropout, fit with validationSplit, evaluate, save)', () => {
  const IMAGE_HEADER_MAGIC_NUM = 2051;
  const IMAGE_HEADER_BYTES = 16;
  const IMAGE_HEIGHT = 28;
  const IMAGE_WIDTH = 28;
  const IMAGE_FLAT_SIZE = IMAGE_HEIGHT * IMAGE_WIDTH;
  const LABEL_HEADER_MAGIC_NUM = 2049;
  const LABEL_HEADER_BYTES = 8;
  const LABEL_RECORD_BYTE = 1;
  const LABEL_FLAT_SIZE = 10;
  // The unzipped idx files the example keeps after downloading (in the test's folder here).
  const TRAIN_IMAGES_FILE = join(work, 'train-images-idx3-ubyte');
  const TRAIN_LABELS_FILE = join(work, 'train-labels-idx1-ubyte');
  const TEST_IMAGES_FILE = join(work, 't10k-images-idx3-ubyte');
  const TEST_LABELS_FILE = join(work, 't10k-labels-idx1-ubyte');

  /** Generated digits: class k is a bright 7x7 block at the k-th of ten places, on faint noise. */
  function writeIdx(imagesFile: string, labelsFile: string, count: number, seed: number): void {
    const random = new dn.Generator(seed);
    const images = Buffer.alloc(IMAGE_HEADER_BYTES + count * IMAGE_FLAT_SIZE);
    const labels = Buffer.alloc(LABEL_HEADER_BYTES + count);
    [IMAGE_HEADER_MAGIC_NUM, count, IMAGE_HEIGHT, IMAGE_WIDTH].forEach((v, i) => images.writeUInt32BE(v, i * 4));
    [LABEL_HEADER_MAGIC_NUM, count].forEach((v, i) => labels.writeUInt32BE(v, i * 4));
    for (let n = 0; n < count; n++) {
      const label = n % 10;
      labels.writeUInt8(label, LABEL_HEADER_BYTES + n);
      const top = 2 + 12 * Math.floor(label / 5);
      const left = 1 + 5 * (label % 5);
      for (let y = 0; y < IMAGE_HEIGHT; y++) {
        for (let x = 0; x < IMAGE_WIDTH; x++) {
          const inBlock = y >= top && y < top + 7 && x >= left && x < left + 7;
          images.writeUInt8(Math.min(255, Math.floor((inBlock ? 200 : 0) + 40 * random.uniform())), IMAGE_HEADER_BYTES + n * IMAGE_FLAT_SIZE + y * IMAGE_WIDTH + x);
        }
      }
    }
    writeFileSync(imagesFile, images);
    writeFileSync(labelsFile, labels);
  }

  // --- mnist-node/data.js (the files exist, so nothing is downloaded) ---
  const readFile = util.promisify(fs.readFile);
  async function fetchOnceAndSaveToDiskWithBuffer(filename: string): Promise<Buffer> {
    return new Promise(resolve => {
      if (fs.existsSync(filename)) {
        resolve(readFile(filename));
        return;
      }
      throw new Error(`no network here: ${filename} must be generated first`);
    });
  }
  function loadHeaderValues(buffer: Buffer, headerLength: number) {
    const headerValues: number[] = [];
    for (let i = 0; i < headerLength / 4; i++) {
      // Header data is stored in-order (aka big-endian)
      headerValues[i] = buffer.readUInt32BE(i * 4);
    }
    return headerValues;
  }
  async function loadImages(filename: string) {
    const buffer = await fetchOnceAndSaveToDiskWithBuffer(filename);
    const headerBytes = IMAGE_HEADER_BYTES;
    const recordBytes = IMAGE_HEIGHT * IMAGE_WIDTH;
    const headerValues = loadHeaderValues(buffer, headerBytes);
    assert.equal(headerValues[0], IMAGE_HEADER_MAGIC_NUM);
    assert.equal(headerValues[2], IMAGE_HEIGHT);
    assert.equal(headerValues[3], IMAGE_WIDTH);
    const images: Float32Array[] = [];
    let index = headerBytes;
    while (index < buffer.byteLength) {
      const array = new Float32Array(recordBytes);
      for (let i = 0; i < recordBytes; i++) {
        // Normalize the pixel values into the 0-1 interval, from
        // the original 0-255 interval.
        array[i] = buffer.readUInt8(index++) / 255;
      }
      images.push(array);
    }
    assert.equal(images.length, headerValues[1]);
    return images;
  }
  async function loadLabels(filename: string) {
    const buffer = await fetchOnceAndSaveToDiskWithBuffer(filename);
    const headerBytes = LABEL_HEADER_BYTES;
    const recordBytes = LABEL_RECORD_BYTE;
    const headerValues = loadHeaderValues(buffer, headerBytes);
    assert.equal(headerValues[0], LABEL_HEADER_MAGIC_NUM);
    const labels: Int32Array[] = [];
    let index = headerBytes;
    while (index < buffer.byteLength) {
      const array = new Int32Array(recordBytes);
      for (let i = 0; i < recordBytes; i++) {
        array[i] = buffer.readUInt8(index++);
      }
      labels.push(array);
    }
    assert.equal(labels.length, headerValues[1]);
    return labels;
  }
  class MnistDataset {
    dataset: any[] | null = null;
    trainSize = 0;
    testSize = 0;
    async loadData() {
      this.dataset = await Promise.all([
        loadImages(TRAIN_IMAGES_FILE), loadLabels(TRAIN_LABELS_FILE),
        loadImages(TEST_IMAGES_FILE), loadLabels(TEST_LABELS_FILE),
      ]);
      this.trainSize = this.dataset[0].length;
      this.testSize = this.dataset[2].length;
    }
    getTrainData() {
      return this.getData_(true);
    }
    getTestData() {
      return this.getData_(false);
    }
    getData_(isTrainingData: boolean) {
      let imagesIndex;
      let labelsIndex;
      if (isTrainingData) {
        imagesIndex = 0;
        labelsIndex = 1;
      } else {
        imagesIndex = 2;
        labelsIndex = 3;
      }
      const size = this.dataset![imagesIndex].length;
      tf.util.assert(
        this.dataset![labelsIndex].length === size,
        `Mismatch in the number of images (${size}) and ` +
            `the number of labels (${this.dataset![labelsIndex].length})`);
      // Only create one big array to hold batch of images.
      const imagesShape: [number, number, number, number] = [size, IMAGE_HEIGHT, IMAGE_WIDTH, 1];
      const images = new Float32Array(tf.util.sizeFromShape(imagesShape));
      const labels = new Int32Array(tf.util.sizeFromShape([size, 1]));
      let imageOffset = 0;
      let labelOffset = 0;
      for (let i = 0; i < size; ++i) {
        images.set(this.dataset![imagesIndex][i], imageOffset);
        labels.set(this.dataset![labelsIndex][i], labelOffset);
        imageOffset += IMAGE_FLAT_SIZE;
        labelOffset += 1;
      }
      return {
        images: tf.tensor4d(images, imagesShape),
        labels: tf.oneHot(tf.tensor1d(labels, 'int32'), LABEL_FLAT_SIZE).toFloat(),
      };
    }
  }

  // --- mnist-node/model.js ---
  function mnistModel() {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
    }));
    model.add(tf.layers.conv2d({
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
    }));
    model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
    model.add(tf.layers.conv2d({
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
    }));
    model.add(tf.layers.conv2d({
      filters: 64,
      kernelSize: 3,
      activation: 'relu',
    }));
    model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dropout({ rate: 0.25 }));
    model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.5 }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    const optimizer = 'rmsprop';
    model.compile({
      optimizer: optimizer,
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    return model;
  }

  // --- mnist-node/main.js, run() ---
  async function run(data: MnistDataset, model: ReturnType<typeof mnistModel>, epochs: number, batchSize: number, modelSavePath: string | null) {
    await data.loadData();
    const { images: trainImages, labels: trainLabels } = data.getTrainData();
    model.summary();
    const validationSplit = 0.15;
    await model.fit(trainImages, trainLabels, {
      epochs,
      batchSize,
      validationSplit,
      verbose: 0,
    });
    const { images: testImages, labels: testLabels } = data.getTestData();
    const evalOutput = model.evaluate(testImages, testLabels) as tf.Tensor[];
    console.log(
      `\nEvaluation result:\n` +
      `  Loss = ${evalOutput[0].dataSync()[0].toFixed(3)}; ` +
      `Accuracy = ${evalOutput[1].dataSync()[0].toFixed(3)}`);
    if (modelSavePath != null) {
      await model.save(`file://${modelSavePath}`);
      console.log(`Saved model to path: ${modelSavePath}`);
    }
  }

  it.runIf(!emulated)('reads the idx files, trains the convnet for 2 epochs, evaluates far above chance and saves', { timeout: 120_000 }, async () => {
    writeIdx(TRAIN_IMAGES_FILE, TRAIN_LABELS_FILE, 400, 21);
    writeIdx(TEST_IMAGES_FILE, TEST_LABELS_FILE, 100, 22);
    dn.seed(4);
    const modelSavePath = join(work, 'mnist-model');
    const lines = await printed(() => run(new MnistDataset(), mnistModel(), 2, 64, modelSavePath));
    const accuracy = Number(/Accuracy = ([\d.]+)/.exec(lines.find((l) => l.includes('Evaluation result'))!)![1]);
    expect(accuracy).toBeGreaterThan(0.5); // ten classes: chance is 0.1
    expect(lines[lines.length - 1]).toBe(`Saved model to path: ${modelSavePath}`);
  });
});

describe('lstm-text-generation train_node (TensorBuffer, lstm, rmsprop, fit per epoch with hooks, multinomial sampling, save)', () => {
  // --- lstm-text-generation/data.js, TextData (the text is a file written here, not a download) ---
  class TextData {
    dataIdentifier_: string; textString_: string; textLen_: number; sampleLen_: number; sampleStep_: number;
    charSet_: string[] = []; charSetSize_ = 0; indices_: Uint16Array = new Uint16Array(0);
    exampleBeginIndices_: number[] = []; examplePosition_ = 0;
    constructor(dataIdentifier: string, textString: string, sampleLen: number, sampleStep: number) {
      tf.util.assert(
        sampleLen > 0,
        `Expected sampleLen to be a positive integer, but got ${sampleLen}`);
      tf.util.assert(
        sampleStep > 0,
        `Expected sampleStep to be a positive integer, but got ${sampleStep}`);
      if (!dataIdentifier) {
        throw new Error('Model identifier is not provided.');
      }
      this.dataIdentifier_ = dataIdentifier;
      this.textString_ = textString;
      this.textLen_ = textString.length;
      this.sampleLen_ = sampleLen;
      this.sampleStep_ = sampleStep;
      this.getCharSet_();
      this.convertAllTextToIndices_();
    }
    sampleLen() {
      return this.sampleLen_;
    }
    charSetSize() {
      return this.charSetSize_;
    }
    nextDataEpoch(numExamples: number) {
      this.generateExampleBeginIndices_();
      if (numExamples == null) {
        numExamples = this.exampleBeginIndices_.length;
      }
      const xsBuffer = new tf.TensorBuffer([
        numExamples, this.sampleLen_, this.charSetSize_]);
      const ysBuffer = new tf.TensorBuffer([numExamples, this.charSetSize_]);
      for (let i = 0; i < numExamples; ++i) {
        const beginIndex = this.exampleBeginIndices_[
          this.examplePosition_ % this.exampleBeginIndices_.length];
        for (let j = 0; j < this.sampleLen_; ++j) {
          xsBuffer.set(1, i, j, this.indices_[beginIndex + j]);
        }
        ysBuffer.set(1, i, this.indices_[beginIndex + this.sampleLen_]);
        this.examplePosition_++;
      }
      return [xsBuffer.toTensor(), ysBuffer.toTensor()];
    }
    getFromCharSet(index: number) {
      return this.charSet_[index];
    }
    textToIndices(text: string) {
      const indices: number[] = [];
      for (let i = 0; i < text.length; ++i) {
        indices.push(this.charSet_.indexOf(text[i]));
      }
      return indices;
    }
    getRandomSlice(): [string, number[]] {
      const startIndex =
        Math.round(Math.random() * (this.textLen_ - this.sampleLen_ - 1));
      const textSlice = this.slice_(startIndex, startIndex + this.sampleLen_);
      return [textSlice, this.textToIndices(textSlice)];
    }
    slice_(startIndex: number, endIndex: number) {
      return this.textString_.slice(startIndex, endIndex);
    }
    getCharSet_() {
      this.charSet_ = [];
      for (let i = 0; i < this.textLen_; ++i) {
        if (this.charSet_.indexOf(this.textString_[i]) === -1) {
          this.charSet_.push(this.textString_[i]);
        }
      }
      this.charSetSize_ = this.charSet_.length;
    }
    convertAllTextToIndices_() {
      this.indices_ = new Uint16Array(this.textToIndices(this.textString_));
    }
    generateExampleBeginIndices_() {
      this.exampleBeginIndices_ = [];
      for (let i = 0;
        i < this.textLen_ - this.sampleLen_ - 1;
        i += this.sampleStep_) {
        this.exampleBeginIndices_.push(i);
      }
      tf.util.shuffle(this.exampleBeginIndices_);
      this.examplePosition_ = 0;
    }
  }

  // --- lstm-text-generation/model.js ---
  function createModel(sampleLen: number, charSetSize: number, lstmLayerSizes: number | number[]) {
    if (!Array.isArray(lstmLayerSizes)) {
      lstmLayerSizes = [lstmLayerSizes];
    }
    const model = tf.sequential();
    for (let i = 0; i < lstmLayerSizes.length; ++i) {
      const lstmLayerSize = lstmLayerSizes[i];
      model.add(tf.layers.lstm({
        units: lstmLayerSize,
        returnSequences: i < lstmLayerSizes.length - 1,
        inputShape: i === 0 ? [sampleLen, charSetSize] : undefined,
      }));
    }
    model.add(
      tf.layers.dense({ units: charSetSize, activation: 'softmax' }));
    return model;
  }
  function compileModel(model: ReturnType<typeof createModel>, learningRate: number) {
    const optimizer = tf.train.rmsprop(learningRate);
    model.compile({ optimizer: optimizer, loss: 'categoricalCrossentropy' });
    console.log(`Compiled model with learning rate ${learningRate}`);
    model.summary();
  }
  async function fitModel(
    model: ReturnType<typeof createModel>, textData: TextData, numEpochs: number, examplesPerEpoch: number, batchSize: number,
    validationSplit: number, callbacks: tf.CustomCallbackArgs) {
    for (let i = 0; i < numEpochs; ++i) {
      const [xs, ys] = textData.nextDataEpoch(examplesPerEpoch);
      await model.fit(xs, ys, {
        epochs: 1,
        batchSize: batchSize,
        validationSplit,
        callbacks,
        verbose: 0,
      });
      xs.dispose();
      ys.dispose();
    }
  }
  async function generateText(
    model: ReturnType<typeof createModel>, textData: TextData, sentenceIndices: number[], length: number, temperature: number,
    onTextGenerationChar?: (c: string) => Promise<void>) {
    const sampleLen = model.inputs[0].shape[1] as number;
    const charSetSize = model.inputs[0].shape[2] as number;
    sentenceIndices = sentenceIndices.slice();
    let generated = '';
    while (generated.length < length) {
      const inputBuffer =
        new tf.TensorBuffer([1, sampleLen, charSetSize]);
      for (let i = 0; i < sampleLen; ++i) {
        inputBuffer.set(1, 0, i, sentenceIndices[i]);
      }
      const input = inputBuffer.toTensor();
      const output = model.predict(input) as tf.Tensor;
      const winnerIndex = sample(tf.squeeze(output), temperature);
      const winnerChar = textData.getFromCharSet(winnerIndex);
      if (onTextGenerationChar != null) {
        await onTextGenerationChar(winnerChar);
      }
      generated += winnerChar;
      sentenceIndices = sentenceIndices.slice(1);
      sentenceIndices.push(winnerIndex);
      input.dispose();
      output.dispose();
    }
    return generated;
  }
  function sample(probs: tf.Tensor, temperature: number) {
    return tf.tidy(() => {
      const logits = tf.div(tf.log(probs), Math.max(temperature, 1e-6));
      const isNormalized = false;
      return tf.multinomial(logits, 1, null, isNormalized).dataSync()[0];
    });
  }

  // --- lstm-text-generation/train_node.js, main() (its arguments given here, smaller) ---
  async function main(args: {
    textDatasetPath: string; sampleLen: number; sampleStep: number; learningRate: number; epochs: number; examplesPerEpoch: number;
    batchSize: number; validationSplit: number; displayLength: number; savePath: string; lstmLayerSize: string;
  }) {
    const localTextDataPath = args.textDatasetPath;
    const text = fs.readFileSync(localTextDataPath, { encoding: 'utf-8' });
    const textData =
      new TextData('text-data', text, args.sampleLen, args.sampleStep);
    const lstmLayerSize = args.lstmLayerSize.indexOf(',') === -1 ?
      Number.parseInt(args.lstmLayerSize) :
      args.lstmLayerSize.split(',').map(x => Number.parseInt(x));
    const model = createModel(
      textData.sampleLen(), textData.charSetSize(), lstmLayerSize);
    compileModel(model, args.learningRate);
    const [seed, seedIndices] = textData.getRandomSlice();
    console.log(`Seed text:\n"${seed}"\n`);
    const DISPLAY_TEMPERATURES = [0, 0.25, 0.5, 0.75];
    let epochCount = 0;
    await fitModel(
      model, textData, args.epochs, args.examplesPerEpoch, args.batchSize,
      args.validationSplit, {
        onTrainBegin: async () => {
          epochCount++;
          console.log(`Epoch ${epochCount} of ${args.epochs}:`);
        },
        onTrainEnd: async () => {
          DISPLAY_TEMPERATURES.forEach(async temperature => {
            const generated = await generateText(
              model, textData, seedIndices, args.displayLength, temperature);
            console.log(
              `Generated text (temperature=${temperature}):\n` +
              `"${generated}"\n`);
          });
        },
      });
    if (args.savePath != null && args.savePath.length > 0) {
      await model.save(`file://${args.savePath}`);
      console.log(`Saved model to ${args.savePath}`);
    }
  }

  it.runIf(!emulated)('trains two epochs on a text file, prints samples at four temperatures and saves', { timeout: 120_000 }, async () => {
    const textDatasetPath = join(work, 'text.txt');
    writeFileSync(textDatasetPath, 'the quick brown fox jumps over the lazy dog. '.repeat(60));
    dn.seed(8);
    const savePath = join(work, 'lstm-model');
    const lines = await printed(() => main({
      textDatasetPath, sampleLen: 20, sampleStep: 3, learningRate: 1e-2, epochs: 2, examplesPerEpoch: 256, batchSize: 64,
      validationSplit: 0.0625, displayLength: 30, savePath, lstmLayerSize: '32',
    }));
    expect(lines.filter((l) => /^Epoch \d of 2:$/.test(l))).toHaveLength(2);
    const samples = lines.filter((l) => l.startsWith('Generated text'));
    expect(samples).toHaveLength(8); // four temperatures after each of the two epochs
    for (const line of samples) {
      const generated = /"(.*)"/s.exec(line)![1];
      expect(generated).toHaveLength(30);
      expect([...generated].every((c) => 'the quick brown fox jumps over the lazy dog. '.includes(c))).toBe(true);
    }
    expect(lines[lines.length - 1]).toBe(`Saved model to ${savePath}`);
  });
});
