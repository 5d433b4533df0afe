// Mean absolute percentage error: errors, the peers' expected values, scalar, per-sample and per-timestep
// weights, gradients.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const yTrue = dn.tensor([[1, 9, 2], [-5, -2, 6]]);
const yPred = dn.tensor([[4, 8, 12], [8, 1, 3]]);

describe('meanAbsolutePercentageError: should throw', () => {
  it('rejects mismatched shapes, bad weights and options', () => {
    expect(() => dn.losses.meanAbsolutePercentageError(dn.zeros([2, 3]), dn.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => dn.losses.meanAbsolutePercentageError(yTrue, yPred, { sampleWeight: dn.ones([3]) })).toThrow(
      'meanAbsolutePercentageError: sampleWeight must be a scalar, hold one weight per sample (shape [2]) or broadcast to the per-row losses (shape [2]), got shape [3]',
    );
    expect(() => dn.losses.get('mape', { reduction: 'avg' })).toThrow(ValueError);
    expect(() => dn.losses.get('mape', { delta: 1 })).toThrow(/unknown option 'delta'/);
  });
});

describe('meanAbsolutePercentageError', () => {
  it('gives the peers\' values', () => {
    // Keras 3 losses_test.py › MeanAbsolutePercentageErrorTest (3 places, as there).
    expect(dn.losses.meanAbsolutePercentageError(yTrue, yPred).item()).toBeCloseTo(211.8518, 3);
    expect(dn.losses.meanAbsolutePercentageError(yTrue, yTrue).item()).toBe(0);
    expect(dn.losses.meanAbsolutePercentageError(yTrue, yPred, { sampleWeight: 2.3 }).item()).toBeCloseTo(487.259, 2);
    expect(dn.losses.meanAbsolutePercentageError(yTrue, yPred, { sampleWeight: dn.tensor([[1.2], [3.4]]) }).item()).toBeCloseTo(422.8888, 3);
    expect(dn.losses.meanAbsolutePercentageError(yTrue, yPred, { sampleWeight: 0 }).item()).toBe(0);
    const none = dn.losses.meanAbsolutePercentageError(yTrue, yPred, { reduction: 'none', sampleWeight: 2.3 }).toArray() as number[];
    expect(none[0]).toBeCloseTo(621.8518, 3);
    expect(none[1]).toBeCloseTo(352.6666, 3);
    // test_timestep_weighted: one weight per timestep of [2, 3, 1] sequences.
    const timestepWeights = dn.tensor([[3, 6, 5], [0, 4, 2]]);
    expect(dn.losses.meanAbsolutePercentageError(yTrue.reshape([2, 3, 1]), yPred.reshape([2, 3, 1]), { sampleWeight: timestepWeights }).item())
      .toBeCloseTo(694.4444, 3);
    // tfjs-layers losses_test.ts › meanAbsolutePercentageError › '2D'.
    const tfjs = dn.losses.meanAbsolutePercentageError(dn.tensor([[-1, -2], [-3, -4]]), dn.zeros([2, 2]), { reduction: 'none' });
    expect(Array.from(tfjs.dataSync())).toEqual([100, 100]);
  });

  it('has the gradient of its value (finite differences, default tolerance)', () => {
    const t = randomTensor([3, 4], { seed: 31 });
    gradcheck((p) => dn.losses.meanAbsolutePercentageError(t, p), [randomTensor([3, 4], { seed: 32 })], { atol: 5e-2 });
    gradcheck((p) => dn.losses.meanAbsolutePercentageError(t.reshape([3, 2, 2]), p, { reduction: 'none', sampleWeight: dn.tensor([[1, 2], [0, 1], [3, 1]]) }), [randomTensor([3, 2, 2], { seed: 33 })], { atol: 5e-2 });
  });
});
