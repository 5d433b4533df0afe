// Mean absolute error: errors, Keras' documented values, gradient.
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
