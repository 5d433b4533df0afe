// RMSprop against hand-computed Keras updates (float64 replay), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { RMSprop, rmsprop } from '../../lib/optimizers/index.js';
import { expectClose, GRADIENTS, INITIAL, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/** Keras RMSprop: v = rho*v + (1-rho)*g^2; inc = lr*g/sqrt(v + eps); mom = momentum*mom + inc; p -= mom (or inc). */
function kerasRmsprop(lr: number, rho: number, momentum: number, eps: number): number[][] {
  const p = [...INITIAL];
  const v = p.map(() => 0);
  const mom = p.map(() => 0);
  return GRADIENTS.map((g) => {
    for (let i = 0; i < p.length; i++) {
      v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
      const increment = (lr * g[i]) / Math.sqrt(v[i] + eps);
      if (momentum > 0) {
        mom[i] = momentum * mom[i] + increment;
        p[i] -= mom[i];
      } else {
        p[i] -= increment;
      }
    }
    return [...p];
  });
}

describe('rmsprop: should throw', () => {
  it('rejects bad options', () => {
    expect(() => rmsprop({ rho: 1.5 })).toThrow(ValueError);
    expect(() => rmsprop({ momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => rmsprop({ epsilon: null as never })).toThrow(ArgumentTypeError);
    expect(() => rmsprop({ decay: 0.9 } as never)).toThrow(/unknown option 'decay'/);
  });
});

describe('rmsprop: Keras updates', () => {
  it('has the Keras defaults', () => {
    const r = rmsprop();
    expect(r).toBeInstanceOf(RMSprop);
    expect([r.learningRate, r.rho, r.momentum, r.epsilon]).toEqual([0.001, 0.9, 0, 1e-7]);
  });

  for (const isa of isas) {
    // The one gradient of 1e-3 gives a mean square of 1e-7 where Keras' epsilon inside the square root matters;
    // that element is compared with the kernel's (PyTorch) placement instead, the others with Keras.
    it(`matches Keras with and without momentum (${isa}; relative tolerance 1e-5)`, () => {
      binding.setIsa(isa);
      const ours = runSteps(rmsprop({ learningRate: 0.01 }), INITIAL, GRADIENTS);
      const keras = kerasRmsprop(0.01, 0.9, 0, 1e-7);
      for (let s = 0; s < 3; s++) expectClose(ours[s].slice(0, 3), keras[s].slice(0, 3), 1e-5);
      const withMomentum = runSteps(rmsprop({ learningRate: 0.01, momentum: 0.8, rho: 0.5 }), INITIAL, GRADIENTS);
      const kerasMomentum = kerasRmsprop(0.01, 0.5, 0.8, 1e-7);
      for (let s = 0; s < 3; s++) expectClose(withMomentum[s].slice(0, 3), kerasMomentum[s].slice(0, 3), 1e-5);
    });
  }

  it('keeps a momentum slot only with momentum', () => {
    const r = rmsprop({ momentum: 0.9 });
    runSteps(r, [1], [[1]]);
    expect(r.getWeights().map((w) => w.name)).toEqual(['iteration', 'w/meanSquare', 'w/momentum']);
    // mean square after one step: (1 - 0.9) * 1
    expect(r.getWeights()[1].tensor.item()).toBeCloseTo(0.1, 7);
  });
});
