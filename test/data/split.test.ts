// trainTestSplit (sizes, seeding, stratified proportions, rows kept together) and oneHot.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { Generator } from '../../lib/random.js';
import { tensor } from '../../lib/tensor.js';
import { oneHot, trainTestSplit } from '../../lib/data/index.js';

/** 100 rows: x[i] = [i, 10 i], labels 0 (60 rows), 1 (30 rows), 2 (10 rows). */
const N = 100;
const x = tensor(Array.from({ length: N }, (_, i) => [i, 10 * i]));
const labels = Array.from({ length: N }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
const y = tensor(labels, undefined, 'int32');

function counts(t: ArrayLike<number>): number[] {
  const out = [0, 0, 0];
  for (let i = 0; i < t.length; i++) out[t[i]]++;
  return out;
}

describe('trainTestSplit: should throw', () => {
  it('rejects bad options', () => {
    expect(() => trainTestSplit(x, y, { testSise: 0.2 } as never)).toThrow(/unknown option 'testSise' \(did you mean 'testSize'\?\)/);
    expect(() => trainTestSplit(x, y, { testSize: 0 })).toThrow(/testSize must be a fraction in \(0, 1\) or a row count \(an integer >= 1\), got 0/);
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(ValueError);
    expect(() => trainTestSplit(x, y, { testSize: 100 })).toThrow(/leaves no training rows out of 100/);
    expect(() => trainTestSplit(x, y, { testSize: '0.2' as never })).toThrow(ArgumentTypeError);
    expect(() => trainTestSplit(x, y, { shuffle: false, stratify: true })).toThrow(/stratify needs shuffle: true/);
    expect(() => trainTestSplit(x, y, { shuffle: false, seed: 1 })).toThrow(/only matter with shuffle: true/);
    expect(() => trainTestSplit(x, y, { seed: 1, generator: new Generator(1) })).toThrow(/either seed or generator/);
    expect(() => trainTestSplit(x, null, { stratify: true })).toThrow(/stratify: true needs y/);
  });

  it('rejects mismatched rows and unusable strata', () => {
    expect(() => trainTestSplit(x, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => trainTestSplit(x, tensor([1, 2, 3]))).toThrow(/x has 100 rows \(shape \[100, 2\]\), y has shape \[3\]/);
    expect(() => trainTestSplit(5 as never)).toThrow(/x must have at least one dimension/);
    expect(() => trainTestSplit(tensor([1, 2, 3, 4]), tensor([0, 0, 0, 1], undefined, 'int32'), { stratify: true, seed: 1 })).toThrow(
      /class 1 has only 1 row/,
    );
    expect(() => trainTestSplit(x, y, { stratify: true, testSize: 2 })).toThrow(/cannot hold one of each of the 3 classes/);
    expect(() => trainTestSplit(tensor([1, 2, 3, 4]), tensor([0, 0.5, 1, 1]), { stratify: true })).toThrow(/integer class labels, got 0.5/);
  });
});

describe('trainTestSplit', () => {
  it('splits 75/25 by default (test rounded up), keeping each row with its label', () => {
    const split = trainTestSplit(tensor(Array.from({ length: 10 }, (_, i) => [i, 10 * i])), tensor(Array.from({ length: 10 }, (_, i) => i), undefined, 'int32'), { seed: 0 });
    expect(split.xTrain.shape).toEqual([7, 2]);
    expect(split.xTest.shape).toEqual([3, 2]);
    expect(split.yTest!.dtype).toBe('int32');
    const rows = [...Array.from(split.yTrain!.dataSync()), ...Array.from(split.yTest!.dataSync())];
    expect([...rows].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const xt = split.xTest.dataSync();
    Array.from(split.yTest!.dataSync()).forEach((label, i) => expect([xt[2 * i], xt[2 * i + 1]]).toEqual([label, 10 * label]));
  });

  it('is reproducible with a seed and differs across seeds', () => {
    const a = trainTestSplit(x, y, { testSize: 0.2, seed: 5 });
    const b = trainTestSplit(x, y, { testSize: 0.2, seed: 5 });
    const c = trainTestSplit(x, y, { testSize: 0.2, seed: 6 });
    expect(Array.from(a.xTest.dataSync())).toEqual(Array.from(b.xTest.dataSync()));
    expect(Array.from(a.xTest.dataSync())).not.toEqual(Array.from(c.xTest.dataSync()));
  });

  it('keeps every class at its share in both sets when stratified (exact counts: 60/30/10 -> 12/6/2 test)', () => {
    for (const seed of [0, 1, 2, 3]) {
      const split = trainTestSplit(x, y, { testSize: 0.2, stratify: true, seed });
      expect(counts(split.yTest!.dataSync())).toEqual([12, 6, 2]);
      expect(counts(split.yTrain!.dataSync())).toEqual([48, 24, 8]);
    }
    // An uneven case: 7 test rows of 60/30/10 -> shares 4.2/2.1/0.7 -> floors 4/2/0, the remainder to the class with 0.7.
    const uneven = trainTestSplit(x, y, { testSize: 7, stratify: true, seed: 1 });
    expect(counts(uneven.yTest!.dataSync())).toEqual([4, 2, 1]);
  });

  it('stratifies by given labels or one-hot rows, and without y', () => {
    const byLabels = trainTestSplit(x, null, { testSize: 0.1, stratify: labels, seed: 3 });
    expect(byLabels.yTest).toBeNull();
    const firstColumn = Array.from(byLabels.xTest.dataSync()).filter((_, i) => i % 2 === 0);
    expect(counts(firstColumn.map((i) => labels[i]))).toEqual([6, 3, 1]);
    const oneHotY = oneHot(labels);
    const byOneHot = trainTestSplit(x, oneHotY, { testSize: 0.1, stratify: true, seed: 3 });
    expect(byOneHot.yTest!.shape).toEqual([10, 3]);
    const rows = byOneHot.yTest!.toArray() as number[][];
    expect(counts(rows.map((row) => row.indexOf(1)))).toEqual([6, 3, 1]);
  });

  it('takes the last rows as the test set without shuffling', () => {
    const split = trainTestSplit(x, y, { testSize: 0.1, shuffle: false });
    expect(Array.from(split.xTest.dataSync()).filter((_, i) => i % 2 === 0)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(split.xTrain.shape).toEqual([90, 2]);
  });
});

describe('oneHot', () => {
  it('should throw on bad labels', () => {
    expect(() => oneHot([0, -1])).toThrow(/labels must be >= 0, got -1 at index 1/);
    expect(() => oneHot([0, 1.5])).toThrow(/labels must be integers, got 1.5/);
    expect(() => oneHot([0, 3], 3)).toThrow(/label 3 is out of range for numClasses 3/);
    expect(() => oneHot([0], 0)).toThrow(ValueError);
    expect(() => oneHot('0' as never)).toThrow(ArgumentTypeError);
  });

  it('encodes int32 or float labels, inferring numClasses', () => {
    expect(oneHot([0, 2, 1]).toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    const wide = oneHot(tensor([1, 0], undefined, 'int32'), 4);
    expect(wide.dtype).toBe('float32');
    expect(wide.toArray()).toEqual([[0, 1, 0, 0], [1, 0, 0, 0]]);
  });
});
