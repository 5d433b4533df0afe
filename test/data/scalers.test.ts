// Scalers: scikit-learn's statistics, fit on train / apply to test, inverse, constant features.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { tensor } from '../../lib/tensor.js';
import { MinMaxScaler, minMaxScaler, StandardScaler, standardScaler } from '../../lib/data/index.js';

const TRAIN = [[1, 10, 5], [2, 20, 5], [3, 60, 5], [6, 30, 5]];
const TEST = [[0, 40, 7], [4, 10, 5]];

describe('scalers: should throw', () => {
  it('rejects unknown options and bad ranges', () => {
    expect(() => standardScaler({ withMeans: false } as never)).toThrow(/standardScaler: unknown option 'withMeans' \(did you mean 'withMean'\?\)/);
    expect(() => standardScaler({ withStd: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => minMaxScaler({ featureRang: [0, 1] } as never)).toThrow(/did you mean 'featureRange'/);
    expect(() => minMaxScaler({ featureRange: [1, 1] })).toThrow(/min < max, got \[1, 1\]/);
    expect(() => minMaxScaler({ featureRange: [0] as never })).toThrow(ArgumentTypeError);
  });

  it('refuses to transform before fit, and data of the wrong width or rank', () => {
    expect(() => standardScaler().transform(TRAIN)).toThrow(/StandardScaler.transform: the scaler is not fitted yet; call fit\(xTrain\) first/);
    const scaler = standardScaler().fit(TRAIN);
    expect(() => scaler.transform([[1, 2]])).toThrow(ShapeError);
    expect(() => scaler.transform([[1, 2]])).toThrow(/x has 2 features \(shape \[1, 2\]\), the scaler was fitted on 3/);
    expect(() => scaler.transform([1, 2, 3])).toThrow(/x must be 2-D \[rows, features\], got shape \[3\] \(reshape a single feature to \[rows, 1\]\)/);
    expect(() => scaler.transform('x' as never)).toThrow(ArgumentTypeError);
    expect(() => standardScaler().fit(tensor([], [0, 3]))).toThrow(/x has no rows/);
    expect(() => minMaxScaler().fit([[1, Number.NaN]])).toThrow(/x\[0\]\[1\] is NaN; fit needs finite values/);
  });
});

describe('standardScaler', () => {
  it('learns per-column mean and population std on train, and applies them unchanged to test', () => {
    const scaler = standardScaler();
    expect(scaler).toBeInstanceOf(StandardScaler);
    const trainScaled = scaler.fitTransform(TRAIN);
    expect(Array.from(scaler.mean!.dataSync())).toEqual([3, 30, 5]);
    // Population std (ddof 0): sqrt(mean of squared deviations); the constant column keeps scale 1.
    const std = [Math.sqrt((4 + 1 + 0 + 9) / 4), Math.sqrt((400 + 100 + 900 + 0) / 4), 1];
    Array.from(scaler.std!.dataSync()).forEach((s, c) => expect(s).toBeCloseTo(std[c], 5));
    // Train columns now have mean 0 and std 1 (the constant one is 0).
    const t = trainScaled.dataSync();
    for (let c = 0; c < 2; c++) {
      const column = [0, 1, 2, 3].map((r) => t[r * 3 + c]);
      const mean = column.reduce((a, b) => a + b) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4)).toBeCloseTo(1, 6);
    }
    expect([0, 1, 2, 3].map((r) => t[r * 3 + 2])).toEqual([0, 0, 0, 0]);
    // Test uses the training statistics.
    const testScaled = scaler.transform(TEST).dataSync();
    expect(testScaled[0]).toBeCloseTo((0 - 3) / std[0], 6);
    expect(testScaled[1]).toBeCloseTo((40 - 30) / std[1], 6);
    expect(testScaled[2]).toBeCloseTo(2, 6);
  });

  it('inverts its transform; withMean/withStd switch the steps off', () => {
    const scaler = standardScaler().fit(TRAIN);
    const back = scaler.inverseTransform(scaler.transform(TEST)).dataSync();
    TEST.flat().forEach((v, i) => expect(back[i]).toBeCloseTo(v, 5));
    const centerOnly = standardScaler({ withStd: false }).fit(TRAIN).transform([[3, 30, 5]]);
    expect(Array.from(centerOnly.dataSync())).toEqual([0, 0, 0]);
    const scaleOnly = standardScaler({ withMean: false }).fit(TRAIN).transform([[0, 0, 5]]);
    expect(Array.from(scaleOnly.dataSync())).toEqual([0, 0, 5]);
  });
});

describe('minMaxScaler', () => {
  it('maps the training range onto [0, 1] (test values may fall outside)', () => {
    const scaler = minMaxScaler();
    expect(scaler).toBeInstanceOf(MinMaxScaler);
    scaler.fit(TRAIN);
    expect(Array.from(scaler.dataMin!.dataSync())).toEqual([1, 10, 5]);
    expect(Array.from(scaler.dataMax!.dataSync())).toEqual([6, 60, 5]);
    const train = scaler.transform(TRAIN).dataSync();
    expect([0, 1, 2, 3].map((r) => train[r * 3])).toEqual([0, 0.2, 0.4, 1].map((v) => expect.closeTo(v, 6)));
    const test = Array.from(scaler.transform(TEST).dataSync());
    [-0.2, 0.6, 2, 0.6, 0, 0].forEach((v, i) => expect(test[i]).toBeCloseTo(v, 6));
  });

  it('honours featureRange and inverts', () => {
    const scaler = minMaxScaler({ featureRange: [-1, 1] }).fit(TRAIN);
    const train = scaler.transform(TRAIN).dataSync();
    expect([0, 1, 2, 3].map((r) => train[r * 3 + 1])).toEqual([-1, -0.6, 1, -0.2].map((v) => expect.closeTo(v, 6)));
    const back = scaler.inverseTransform(scaler.transform(TEST)).dataSync();
    TEST.flat().forEach((v, i) => expect(back[i]).toBeCloseTo(v, 5));
  });
});
