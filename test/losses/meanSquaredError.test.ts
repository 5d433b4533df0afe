// Mean squared error: errors, Keras' documented values, reductions, sample weights, gradient.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[0, 1], [0, 0]]);
const yPred = dn.tensor([[1, 1], [1, 0]]);

describe('meanSquaredError: should throw', () => {
  it('rejects mismatched shapes, naming both', () => {
    expect(() => dn.losses.meanSquaredError(dn.zeros([4, 2]), dn.zeros([4, 3]))).toThrow(ShapeError);
    expect(() => dn.losses.meanSquaredError(dn.zeros([4, 2]), dn.zeros([4, 3]))).toThrow(
      'meanSquaredError: yTrue and yPred must have the same shape, got yTrue [4, 2] and yPred [4, 3]',
    );
  });

  it('rejects bad options, dtypes and sample weights', () => {
    expect(() => new dn.losses.MeanSquaredError({ reduction: 'avg' as never })).toThrow(/unknown reduction 'avg'/);
    expect(() => new dn.losses.MeanSquaredError({ fromLogits: true } as never)).toThrow(/unknown option 'fromLogits'/);
    expect(() => dn.losses.meanSquaredError(yTrue, dn.zeros([2, 2], 'int32'))).toThrow(DTypeError);
    expect(() => dn.losses.meanSquaredError(yTrue, yPred, { sampleWeight: dn.tensor([1, 2, 3]) })).toThrow(/one weight per sample \(shape \[2\]\)/);
    expect(() => dn.losses.meanSquaredError('a' as never, yPred)).toThrow(ArgumentTypeError);
    expect(() => dn.losses.meanSquaredError(yTrue, yPred, { reduction: 'none', sampleWeight: [1, 1], extra: 1 } as never)).toThrow(ValueError);
  });
});

describe('meanSquaredError', () => {
  it('gives the values of the Keras documentation', () => {
    expect(dn.losses.meanSquaredError(yTrue, yPred).item()).toBeCloseTo(0.5, 6);
    expect(dn.losses.mse(yTrue, yPred, { sampleWeight: dn.tensor([0.7, 0.3]) }).item()).toBeCloseTo(0.25, 6);
    expect(dn.losses.meanSquaredError(yTrue, yPred, { reduction: 'sum' }).item()).toBeCloseTo(1.0, 6);
    expect(dn.losses.meanSquaredError(yTrue, yPred, { reduction: 'none' }).toArray()).toEqual([0.5, 0.5]);
  });

  it("gives Keras 3's values: losses_test.py › MeanSquaredErrorTest (scalar, per-sample, per-timestep and zero weights)", () => {
    const t = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
    const p = dn.tensor([[4, 8, 12], [8, 1, 3]]);
    expect(dn.losses.meanSquaredError(t, p).item()).toBeCloseTo(49.5, 4); // test_unweighted
    expect(dn.losses.meanSquaredError(t, p, { sampleWeight: 2.3 }).item()).toBeCloseTo(113.85, 3); // test_scalar_weighted
    expect(dn.losses.meanSquaredError(t, p, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(767.8 / 6, 3); // test_sample_weighted
    expect(dn.losses.meanSquaredError(t, p, { sampleWeight: 0 }).item()).toBe(0); // test_zero_weighted
    // test_no_reduction (Keras' reduction None is 'none') and test_sum_reduction, both with sample_weight 2.3.
    const none = dn.losses.meanSquaredError(t, p, { reduction: 'none', sampleWeight: 2.3 }).toArray() as number[];
    expect(none[0]).toBeCloseTo(84.3333, 3);
    expect(none[1]).toBeCloseTo(143.3666, 3);
    expect(dn.losses.meanSquaredError(t, p, { reduction: 'sum', sampleWeight: 2.3 }).item()).toBeCloseTo(227.69998, 3);
    // test_timestep_weighted: [2, 3, 1] sequences, one weight per timestep ([2, 3]).
    const weights = dn.tensor([[3, 6, 5], [0, 4, 2]]);
    expect(dn.losses.meanSquaredError(t.reshape([2, 3, 1]), p.reshape([2, 3, 1]), { sampleWeight: weights }).item()).toBeCloseTo(97.833336, 4);
  });

  it('treats a [batch] vector like a [batch, 1] column', () => {
    const a = dn.losses.meanSquaredError(dn.tensor([1, 2, 3]), dn.tensor([[1.5], [2], [2]])).item();
    expect(a).toBeCloseTo((0.25 + 0 + 1) / 3, 6);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = randomTensor([4, 3], { seed: 1 });
    gradcheck((p) => dn.losses.meanSquaredError(t, p), [randomTensor([4, 3], { seed: 2 })]);
    gradcheck((p) => dn.losses.meanSquaredError(t, p, { sampleWeight: dn.tensor([0.5, 2, 0, 1]) }), [randomTensor([4, 3], { seed: 3 })]);
    gradcheck((p) => dn.losses.meanSquaredError(t, p, { reduction: 'none' }), [randomTensor([4, 3], { seed: 4 })]);
    gradcheck((p) => dn.losses.meanSquaredError(t, p, { reduction: 'sum' }).mul(3), [randomTensor([4, 3], { seed: 5 })]);
  });

  it('takes rank-3 predictions (one loss per position, weights per sample)', () => {
    const t = dn.zeros([2, 3, 2]);
    const p = dn.ones([2, 3, 2]);
    expect(dn.losses.meanSquaredError(t, p, { reduction: 'none' }).shape).toEqual([2, 3]);
    expect(dn.losses.meanSquaredError(t, p, { sampleWeight: dn.tensor([1, 0]) }).item()).toBeCloseTo(0.5, 6);
  });
});
