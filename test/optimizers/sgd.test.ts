// SGD against hand-computed Keras updates (float64 replay of Keras' formulas), on every ISA path.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { SGD, sgd } from '../../lib/optimizers/index.js';
import { expectClose, GRADIENTS, INITIAL, runSteps } from './helpers.js';

const isas = binding.backendInfo().isas;
const defaultIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(defaultIsa));

/** Keras SGD: velocity = momentum * velocity - lr * g; p += velocity (nesterov: p += momentum * velocity - lr * g). */
function kerasSgd(lr: number, momentum: number, nesterov: boolean): number[][] {
  const p = [...INITIAL];
  const velocity = p.map(() => 0);
  return GRADIENTS.map((g) => {
    for (let i = 0; i < p.length; i++) {
      if (momentum === 0) {
        p[i] -= lr * g[i];
        continue;
      }
      velocity[i] = momentum * velocity[i] - lr * g[i];
      p[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
    }
    return [...p];
  });
}

describe('sgd: should throw', () => {
  it('rejects bad options', () => {
    expect(() => sgd({ momentum: -0.1 })).toThrow(ValueError);
    expect(() => sgd({ momentum: '0.9' as never })).toThrow(ArgumentTypeError);
    expect(() => sgd({ nesterov: 'yes' as never })).toThrow(/nesterov must be a boolean/);
    expect(() => sgd({ moment: 0.9 } as never)).toThrow(/did you mean 'momentum'/);
    expect(() => sgd(null as never)).toThrow(ArgumentTypeError);
  });
});

describe('sgd: Keras updates', () => {
  it('has the Keras defaults', () => {
    const optimizer = sgd();
    expect(optimizer).toBeInstanceOf(SGD);
    expect([optimizer.learningRate, optimizer.momentum, optimizer.nesterov]).toEqual([0.01, 0, false]);
  });

  for (const isa of isas) {
    it(`plain, momentum and Nesterov match Keras (${isa}; relative tolerance 1e-6, float32 arithmetic)`, () => {
      binding.setIsa(isa);
      expectClose(runSteps(sgd({ learningRate: 0.1 }), INITIAL, GRADIENTS).flat(), kerasSgd(0.1, 0, false).flat(), 1e-6);
      expectClose(runSteps(sgd({ learningRate: 0.1, momentum: 0.9 }), INITIAL, GRADIENTS).flat(), kerasSgd(0.1, 0.9, false).flat(), 1e-6);
      expectClose(
        runSteps(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), INITIAL, GRADIENTS).flat(),
        kerasSgd(0.1, 0.9, true).flat(),
        1e-6,
      );
      // Nesterov without momentum is plain SGD (Keras allows it; the kernel is not asked for it).
      expectClose(runSteps(sgd({ learningRate: 0.1, nesterov: true }), INITIAL, GRADIENTS).flat(), kerasSgd(0.1, 0, false).flat(), 1e-6);
    });
  }

  it('keeps a velocity slot only with momentum', () => {
    const plain = sgd();
    runSteps(plain, [1], [[1]]);
    expect(plain.getWeights().map((w) => w.name)).toEqual(['iteration']);
    const heavy = sgd({ momentum: 0.5 });
    runSteps(heavy, [1], [[1]]);
    expect(heavy.getWeights().map((w) => w.name)).toEqual(['iteration', 'w/velocity']);
    // velocity after one step = g (PyTorch form; Keras' is -lr * g)
    expect(heavy.getWeights()[1].tensor.item()).toBe(1);
  });
});
