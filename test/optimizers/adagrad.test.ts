// Adagrad against hand-computed Keras updates (float64 replay), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Adagrad, adagrad } from '../../lib/optimizers/index.js';
import { expectClose, GRADIENTS, INITIAL, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/** Keras Adagrad: acc starts at initialAccumulatorValue; acc += g^2; p -= lr * g / sqrt(acc + eps). */
function kerasAdagrad(lr: number, initial: number, eps: number): number[][] {
  const p = [...INITIAL];
  const acc = p.map(() => initial);
  return GRADIENTS.map((g) => {
    for (let i = 0; i < p.length; i++) {
      acc[i] += g[i] * g[i];
      p[i] -= (lr * g[i]) / Math.sqrt(acc[i] + eps);
    }
    return [...p];
  });
}

describe('adagrad: should throw', () => {
  it('rejects bad options', () => {
    expect(() => adagrad({ initialAccumulatorValue: -0.1 })).toThrow(ValueError);
    expect(() => adagrad({ epsilon: Number.POSITIVE_INFINITY })).toThrow(ValueError);
    expect(() => adagrad({ learningRate: [0.1] as never })).toThrow(ArgumentTypeError);
    expect(() => adagrad({ initialAccumulator: 0.1 } as never)).toThrow(/did you mean 'initialAccumulatorValue'/);
  });
});

describe('adagrad: Keras updates', () => {
  it('has the Keras defaults and starts its accumulator at initialAccumulatorValue', () => {
    const a = adagrad();
    expect(a).toBeInstanceOf(Adagrad);
    expect([a.learningRate, a.initialAccumulatorValue, a.epsilon]).toEqual([0.001, 0.1, 1e-7]);
    runSteps(a, [1, 1], [[0, 2]]);
    expectClose(a.getWeights()[1].tensor.dataSync(), [0.1, 4.1], 1e-7);
  });

  for (const isa of isas) {
    it(`matches Keras (${isa}; relative tolerance 1e-6)`, () => {
      binding.setIsa(isa);
      expectClose(runSteps(adagrad({ learningRate: 0.1 }), INITIAL, GRADIENTS).flat(), kerasAdagrad(0.1, 0.1, 1e-7).flat(), 1e-6);
      expectClose(
        runSteps(adagrad({ learningRate: 0.5, initialAccumulatorValue: 1 }), INITIAL, GRADIENTS).flat(),
        kerasAdagrad(0.5, 1, 1e-7).flat(),
        1e-6,
      );
    });
  }
});
