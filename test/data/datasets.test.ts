// Bundled data sets: shapes, label ranges and class balance of the documented splits, read from the package's data/.
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../lib/errors.js';
import { packageRoot } from '../../lib/native.js';
import { datasets } from '../../lib/data/index.js';
import { dataDirectory } from '../../lib/data/datasets.js';

function classCounts(y: ArrayLike<number>, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) out[y[i]]++;
  return out;
}

describe('datasets: should throw', () => {
  it('rejects options (none exist yet)', () => {
    expect(() => datasets.digits({ normalize: true } as never)).toThrow(/datasets.digits: unknown option 'normalize'/);
    expect(() => datasets.iris(5 as never)).toThrow(TypeError);
    expect(() => datasets.wine({ split: 'test' } as never)).toThrow(ValueError);
  });
});

describe('datasets', () => {
  it("reads from the package's own data/ folder", () => {
    expect(dataDirectory()).toBe(`${packageRoot}/data`);
    expect(dataDirectory()).not.toMatch(/shared/);
  });

  it('digits: the first 1437 / last 360 split of 8x8 images, pixels 0..16, labels 0..9', () => {
    const d = datasets.digits();
    expect(d.xTrain.shape).toEqual([1437, 64]);
    expect(d.xTest.shape).toEqual([360, 64]);
    expect(d.yTrain.shape).toEqual([1437]);
    expect([d.xTrain.dtype, d.yTrain.dtype, d.yTest.dtype]).toEqual(['float32', 'int32', 'int32']);
    const pixels = d.xTrain.dataSync();
    expect(Math.min(...pixels)).toBe(0);
    expect(Math.max(...pixels)).toBe(16);
    expect(classCounts(d.yTrain.dataSync(), 10).every((c) => c > 130)).toBe(true);
    expect(classCounts(d.yTest.dataSync(), 10).every((c) => c > 30)).toBe(true);
    expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(d.featureNames).toHaveLength(64);
    // The first training image of the UCI file is a 0; its first row of pixels is 0 0 5 13 9 1 0 0.
    expect(d.yTrain.dataSync()[0]).toBe(0);
    expect(Array.from(pixels.subarray(0, 8))).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(d.license).toMatch(/CC BY 4.0/);
    expect(d.description).toMatch(/first 1437/);
  });

  it("digits as images: { shape: 'image' } gives [n, 8, 8, 1] with the same pixels", () => {
    const flat = datasets.digits();
    const image = datasets.digits({ shape: 'image' });
    expect(image.xTrain.shape).toEqual([1437, 8, 8, 1]);
    expect(image.xTest.shape).toEqual([360, 8, 8, 1]);
    expect(Buffer.from(image.xTrain.dataSync().buffer).equals(Buffer.from(flat.xTrain.dataSync().buffer))).toBe(true);
    expect(image.xTrain.slice([0, 0, 0, 0], [1, 1, 8, 1]).dataSync()).toEqual(Float32Array.from([0, 0, 5, 13, 9, 1, 0, 0]));
    expect(() => datasets.digits({ shape: 'square' as never })).toThrow(/datasets.digits: unknown shape 'square'/);
  });

  it('iris: 120/30, stratified 40/40/40 and 10/10/10', () => {
    const d = datasets.iris();
    expect(d.xTrain.shape).toEqual([120, 4]);
    expect(d.xTest.shape).toEqual([30, 4]);
    expect(classCounts(d.yTrain.dataSync(), 3)).toEqual([40, 40, 40]);
    expect(classCounts(d.yTest.dataSync(), 3)).toEqual([10, 10, 10]);
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(d.xTrain.dataSync().subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it('wine: 142/36 with 13 features, 3 classes in proportion', () => {
    const d = datasets.wine();
    expect(d.xTrain.shape).toEqual([142, 13]);
    expect(d.xTest.shape).toEqual([36, 13]);
    expect(classCounts(d.yTrain.dataSync(), 3)).toEqual([47, 57, 38]);
    expect(classCounts(d.yTest.dataSync(), 3)).toEqual([12, 14, 10]);
    expect(d.featureNames[12]).toBe('proline');
  });

  it('breastCancer: 455/114 with 30 features, 0 = malignant, 1 = benign', () => {
    const d = datasets.breastCancer();
    expect(d.xTrain.shape).toEqual([455, 30]);
    expect(d.xTest.shape).toEqual([114, 30]);
    expect(classCounts(d.yTrain.dataSync(), 2)).toEqual([170, 285]);
    expect(classCounts(d.yTest.dataSync(), 2)).toEqual([42, 72]);
    expect(d.classNames).toEqual(['malignant', 'benign']);
    expect(d.featureNames).toHaveLength(30);
    expect(d.featureNames[0]).toBe('mean radius');
  });

  it('names: 6402/1601 lower-case first names, 0 = female, 1 = male', () => {
    const d = datasets.names();
    expect([d.textTrain.length, d.textTest.length]).toEqual([6402, 1601]);
    expect(d.yTrain.shape).toEqual([6402]);
    expect(d.yTrain.dtype).toBe('int32');
    expect(classCounts(d.yTrain.dataSync(), 2)).toEqual([3620, 2782]);
    expect(classCounts(d.yTest.dataSync(), 2)).toEqual([905, 696]);
    expect(d.textTrain[0]).toBe('aaren');
    expect([...d.textTrain, ...d.textTest].every((name) => /^[a-z-]+$/.test(name))).toBe(true);
    expect(d.classNames).toEqual(['female', 'male']);
    expect(d.license).toMatch(/Public domain/);
  });

  it('spamSubjects: 4821/1206 subjects kept as written (quotes, commas), 1 = spam', () => {
    const d = datasets.spamSubjects();
    expect([d.textTrain.length, d.textTest.length]).toEqual([4821, 1206]);
    const spam = classCounts(d.yTrain.dataSync(), 2)[1] + classCounts(d.yTest.dataSync(), 2)[1];
    expect(spam).toBe(1883);
    // Stratified: the test split has the same share of spam as the whole (within a subject).
    expect(Math.abs(classCounts(d.yTest.dataSync(), 2)[1] - (1883 * 1206) / 6027)).toBeLessThan(1);
    expect(d.textTrain[0]).toBe('Re: New Sequences Window');
    expect(d.textTest[0]).toBe('[zzzzteana] RE: Alexander');
    expect(d.textTrain).toContain('"Holiday Season" 2002 begins');
    expect(d.classNames).toEqual(['ham', 'spam']);
    expect(() => datasets.spamSubjects({ split: 'test' } as never)).toThrow(/datasets.spamSubjects: unknown option 'split'/);
    // Fresh arrays each call.
    d.textTrain[0] = 'changed';
    expect(datasets.spamSubjects().textTrain[0]).toBe('Re: New Sequences Window');
  });

  it('returns fresh tensors each call (changing one does not change the next)', () => {
    const first = datasets.iris();
    first.xTrain.dataSync()[0] = 999;
    expect(datasets.iris().xTrain.dataSync()[0]).toBeCloseTo(5.1, 5);
  });
});
