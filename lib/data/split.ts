/**
 * Splitting rows into training and test sets (seeded, optionally stratified), and one-hot labels.
 */
import { ShapeError, ValueError } from '../errors.js';
import { makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { contiguous, oneHot as oneHotOp } from '../ops/shape.js';
import { type Generator, pickGenerator } from '../random.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, formatShape, typeError, valueError } from '../validate.js';

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * The test set's size: a fraction in (0, 1) of the rows (rounded up, as scikit-learn does), or a
   * row count (an integer >= 1). Default 0.25.
   */
  testSize?: number;
  /** Shuffle before splitting (default true). Without it, the last rows are the test set. */
  shuffle?: boolean;
  /**
   * Keep each class's share in both sets: `true` stratifies by `y` (integer labels, or one-hot
   * rows), or give the labels to stratify by. Needs `shuffle`.
   */
  stratify?: boolean | TensorLike;
  /** Seed of the shuffle (reproducible split). */
  seed?: number;
  /** Draw the shuffle from this generator instead (default: the global one). */
  generator?: Generator;
}

/** What {@link trainTestSplit} returns (`yTrain`/`yTest` are null without `y`). */
export interface TrainTestSplit {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Tensor | null;
  yTest: Tensor | null;
}

/** Rows `indices` of `t` (along axis 0), as a new contiguous tensor of the same dtype. */
export function takeRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const source = contiguous(t.detach()).storage;
  const rowSize = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const out = source instanceof Float32Array ? new Float32Array(indices.length * rowSize) : new Int32Array(indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] * rowSize;
    out.set(source.subarray(from, from + rowSize), i * rowSize);
  }
  return makeTensor(out, [indices.length, ...t.shape.slice(1)]);
}

/** Class index per row: integer labels [n] (or [n, 1]), or the argmax of one-hot rows [n, k]. */
function classesOf(where: string, labels: Tensor, rows: number): Int32Array {
  if (labels.rank === 0 || labels.shape[0] !== rows) {
    throw new ShapeError(`${where}: stratify labels have shape ${formatShape(labels.shape)}, expected ${rows} rows like x`);
  }
  const values = contiguous(labels.detach()).storage;
  const width = rows === 0 ? 1 : labels.size / rows;
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      const v = values[r];
      if (!Number.isInteger(v)) throw new ValueError(`${where}: stratify needs integer class labels, got ${v} in row ${r}`);
      classes[r] = v;
    } else {
      let best = 0;
      for (let c = 1; c < width; c++) if (values[r * width + c] > values[r * width + best]) best = c;
      classes[r] = best;
    }
  }
  return classes;
}

/**
 * Splits rows (axis 0) of `x` and `y` into a training and a test set, like scikit-learn's
 * `train_test_split`: shuffled with a seedable generator, optionally stratified so that every
 * class keeps its share in both sets (each class's test count is its share of the test size,
 * the rounding remainders going to the classes with the largest fractional parts).
 *
 * ```ts
 * const { xTrain, xTest, yTrain, yTest } = dn.data.trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed: 0 });
 * ```
 */
export function trainTestSplit(x: TensorLike, y?: TensorLike | null, options?: TrainTestSplitOptions): TrainTestSplit {
  const where = 'trainTestSplit';
  const o = checkOptions<TrainTestSplitOptions>(where, options, ['testSize', 'shuffle', 'stratify', 'seed', 'generator']);
  if (x === undefined || x === null) typeError(where, 'x', 'a Tensor or an array', x);
  const xs = toTensor(where, 'x', x);
  if (xs.rank === 0) throw new ShapeError(`${where}: x must have at least one dimension (rows), got a scalar`);
  const rows = xs.shape[0];
  const ys = y === undefined || y === null ? null : toTensor(where, 'y', y);
  if (ys !== null && (ys.rank === 0 || ys.shape[0] !== rows)) {
    throw new ShapeError(`${where}: x has ${rows} rows (shape ${formatShape(xs.shape)}), y has shape ${formatShape(ys.shape)}; they must have the same number of rows`);
  }
  const shuffle = o.shuffle === undefined ? true : checkBoolean(where, 'shuffle', o.shuffle);
  const testCount = testSizeOf(where, o.testSize === undefined ? 0.25 : o.testSize, rows);

  let stratifyBy: Tensor | null = null;
  if (o.stratify !== undefined && o.stratify !== false) {
    if (o.stratify === true) {
      if (ys === null) throw new ValueError(`${where}: stratify: true needs y (or pass the labels to stratify by)`);
      stratifyBy = ys;
    } else {
      stratifyBy = toTensor(where, 'stratify', o.stratify);
    }
    if (!shuffle) throw new ValueError(`${where}: stratify needs shuffle: true (a stratified split draws from each class)`);
  }
  if (!shuffle && (o.seed !== undefined || o.generator !== undefined)) {
    throw new ValueError(`${where}: seed and generator only matter with shuffle: true`);
  }

  let trainIndices: Int32Array;
  let testIndices: Int32Array;
  if (!shuffle) {
    trainIndices = Int32Array.from({ length: rows - testCount }, (_, i) => i);
    testIndices = Int32Array.from({ length: testCount }, (_, i) => rows - testCount + i);
  } else {
    const generator = pickGenerator(where, o);
    if (stratifyBy === null) {
      const order = generator.permutation(rows);
      testIndices = order.slice(0, testCount);
      trainIndices = order.slice(testCount);
    } else {
      [trainIndices, testIndices] = stratifiedIndices(where, classesOf(where, stratifyBy, rows), testCount, generator);
    }
  }
  return {
    xTrain: takeRows(xs, trainIndices),
    xTest: takeRows(xs, testIndices),
    yTrain: ys === null ? null : takeRows(ys, trainIndices),
    yTest: ys === null ? null : takeRows(ys, testIndices),
  };
}

function testSizeOf(where: string, testSize: unknown, rows: number): number {
  const size = checkNumber(where, 'testSize', testSize);
  if (!(size > 0 && size < 1) && !(Number.isInteger(size) && size >= 1)) {
    valueError(where, 'testSize', 'a fraction in (0, 1) or a row count (an integer >= 1)', size);
  }
  const count = size < 1 ? Math.ceil(size * rows) : size;
  if (count >= rows) {
    throw new ValueError(`${where}: testSize ${size} leaves no training rows out of ${rows}; use a smaller fraction or count`);
  }
  return count;
}

/** Test indices drawn per class in proportion, the rest for training; both in shuffled order. */
function stratifiedIndices(where: string, classes: Int32Array, testCount: number, generator: Generator): [Int32Array, Int32Array] {
  const rows = classes.length;
  const members = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const list = members.get(classes[r]);
    if (list === undefined) members.set(classes[r], [r]);
    else list.push(r);
  }
  const labels = [...members.keys()].sort((a, b) => a - b);
  for (const label of labels) {
    if (members.get(label)!.length < 2) {
      throw new ValueError(`${where}: class ${label} has only 1 row; stratifying needs at least 2 per class (or split without stratify)`);
    }
  }
  if (testCount < labels.length) {
    throw new ValueError(`${where}: a stratified test set of ${testCount} rows cannot hold one of each of the ${labels.length} classes; use a larger testSize`);
  }
  if (rows - testCount < labels.length) {
    throw new ValueError(`${where}: a stratified training set of ${rows - testCount} rows cannot hold one of each of the ${labels.length} classes; use a smaller testSize`);
  }
  // Largest-remainder allocation of the test rows; ties broken by a seeded draw so no class is favoured.
  const shares = labels.map((label) => (members.get(label)!.length * testCount) / rows);
  const counts = shares.map(Math.floor);
  let left = testCount - counts.reduce((a, b) => a + b, 0);
  const tieBreak = labels.map(() => generator.uniform());
  const order = labels.map((_, i) => i).sort((a, b) => shares[b] - counts[b] - (shares[a] - counts[a]) || tieBreak[a] - tieBreak[b]);
  for (let k = 0; left > 0; k = (k + 1) % order.length) {
    const i = order[k];
    if (counts[i] < members.get(labels[i])!.length - 1) {
      counts[i]++;
      left--;
    }
  }
  const test: number[] = [];
  const train: number[] = [];
  labels.forEach((label, i) => {
    const list = generator.shuffle([...members.get(label)!]);
    test.push(...list.slice(0, counts[i]));
    train.push(...list.slice(counts[i]));
  });
  return [Int32Array.from(generator.shuffle(train)), Int32Array.from(generator.shuffle(test))];
}

/**
 * One-hot rows from integer class labels: `[n]` labels in [0, numClasses) give float32 `[n, numClasses]`.
 * `numClasses` defaults to the largest label + 1. Float labels holding integers are accepted.
 *
 * ```ts
 * dn.data.oneHot([0, 2, 1]); // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 * ```
 */
export function oneHot(labels: TensorLike, numClasses?: number): Tensor {
  const where = 'oneHot';
  if (labels === undefined || labels === null) typeError(where, 'labels', 'an int32 Tensor or an array of integers', labels);
  let indices = labels instanceof Tensor ? labels : toTensor(where, 'labels', labels);
  if (indices.dtype !== 'int32') {
    const values = contiguous(indices.detach()).storage;
    const ints = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i])) throw new ValueError(`${where}: labels must be integers, got ${values[i]} at index ${i}`);
      ints[i] = values[i];
    }
    indices = makeTensor(ints, indices.shape);
  }
  const values = contiguous(indices.detach()).storage;
  let largest = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0) throw new ValueError(`${where}: labels must be >= 0, got ${values[i]} at index ${i}`);
    if (values[i] > largest) largest = values[i];
  }
  const depth = numClasses === undefined ? largest + 1 : checkInteger(where, 'numClasses', numClasses, 1);
  if (depth < 1) throw new ValueError(`${where}: there are no labels to infer numClasses from; pass numClasses`);
  if (largest >= depth) throw new ValueError(`${where}: label ${largest} is out of range for numClasses ${depth}`);
  return oneHotOp(indices, depth);
}
