// Mean absolute error: errors, Keras' documented values and losses_test.py's, gradient.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('meanAbsoluteError: should throw', () => {
  it('rejects mismatched shapes and unknown options', () => {
    expect(() => dn.losses.meanAbsoluteError(dn.zeros([3]), dn.zeros([4]))).toThrow(ShapeError);
    expect(() => new dn.losses.MeanAbsoluteError({ delta: 1 } as never)).toThrow(/unknown option 'delta'/);
  });
});

describe('meanAbsoluteError', () => {
  it('gives the values of the Keras documentation', () => {
    const yTrue = dn.tensor([[0, 1], [0, 0]]);
    const yPred = dn.tensor([[1, 1], [1, 0]]);
    expect(dn.losses.meanAbsoluteError(yTrue, yPred).item()).toBeCloseTo(0.5, 6);
    expect(dn.losses.mae(yTrue, yPred, { sampleWeight: dn.tensor([0.7, 0.3]) }).item()).toBeCloseTo(0.25, 6);
    expect(dn.losses.meanAbsoluteError(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(1.0, 6);
  });

  it("gives Keras 3's values: losses_test.py › MeanAbsoluteErrorTest (scalar, per-sample, per-timestep and zero weights)", () => {
    const t = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
    const p = dn.tensor([[4, 8, 12], [8, 1, 3]]);
    expect(dn.losses.meanAbsoluteError(t, p).item()).toBeCloseTo(5.5, 5); // test_unweighted
    expect(dn.losses.meanAbsoluteError(t, p, { sampleWeight: 2.3 }).item()).toBeCloseTo(12.65, 4); // test_scalar_weighted
    expect(dn.losses.meanAbsoluteError(t, p, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(81.4 / 6, 4); // test_sample_weighted
    expect(dn.losses.meanAbsoluteError(t, p, { sampleWeight: 0 }).item()).toBe(0); // test_zero_weighted
    // test_no_reduction and test_sum_reduction, both with sample_weight 2.3.
    const none = dn.losses.meanAbsoluteError(t, p, { reduction: 'none', sampleWeight: 2.3 }).toArray() as number[];
    expect(none[0]).toBeCloseTo(10.7333, 3);
    expect(none[1]).toBeCloseTo(14.5666, 3);
    expect(dn.losses.meanAbsoluteError(t, p, { reduction: 'sum', sampleWeight: 2.3 }).item()).toBeCloseTo(25.29999, 4);
    // test_timestep_weighted: [2, 3, 1] sequences, one weight per timestep ([2, 3]).
    const weights = dn.tensor([[3, 6, 5], [0, 4, 2]]);
    expect(dn.losses.meanAbsoluteError(t.reshape([2, 3, 1]), p.reshape([2, 3, 1]), { sampleWeight: weights }).item()).toBeCloseTo(13.833333, 4);
  });

  it('has the gradient of its value away from the kink (finite differences, default tolerance)', () => {
    const t = randomTensor([3, 4], { seed: 6 });
    gradcheck((p) => dn.losses.meanAbsoluteError(t, p), [t.add(randomTensor([3, 4], { seed: 7, low: 0.1, high: 1 }))]);
  });

  it('has gradient 0 where the prediction equals the target', () => {
    const p = dn.tensor([[1, 2]], { requiresGrad: true });
    dn.losses.meanAbsoluteError(dn.tensor([[1, 3]]), p).backward();
    expect(p.grad!.toArray()).toEqual([[0, -0.5]]);
  });
});
