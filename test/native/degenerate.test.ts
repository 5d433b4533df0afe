// Regression tests for raw-binding calls the fuzz test (test/fuzz.test.ts) found hanging or crashing.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, NativeError, ValueError } from '../../lib/errors.js';
import { binding, type ForwardStep } from '../../lib/native.js';

const HUGE = 2 ** 40; // the largest size the binding accepts
const empty = new Float32Array(0);

describe('calls with no output element and a huge other size', () => {
  // Each used to walk 2^40 empty rows (hours) on some ISA: they must return at once, on every ISA.
  it('return without work on every ISA', () => {
    const defaultIsa = binding.backendInfo().isa;
    for (const isa of binding.backendInfo().isas) {
      binding.setIsa(isa);
      binding.reduce(binding.opCodes.reduce.sum, empty, HUGE, 3, 0, empty);
      binding.argmax(empty, HUGE, 3, 0, new Int32Array(0));
      binding.softmax(empty, empty, HUGE, 0, false);
      binding.softmaxGrad(empty, empty, empty, HUGE, 0, false);
      binding.sgemm(false, false, 1, 0, 1, 1, new Float32Array(1), 1, new Float32Array(1), 1, 0, empty, 1, null, 0, 0, HUGE, 0, 0, 0);
      binding.sgemm(false, false, 0, 1, 1, 1, new Float32Array(1), 1, new Float32Array(1), 1, 0, empty, 1, null, 0, 0, HUGE, 0, 0, 0);
    }
    binding.setIsa(defaultIsa);
  });

  it('still compute what an empty axis gives (sum 0, mean NaN)', () => {
    const out = new Float32Array([7, 7]);
    binding.reduce(binding.opCodes.reduce.sum, empty, 2, 0, 1, out);
    expect(Array.from(out)).toEqual([0, 0]);
    binding.reduce(binding.opCodes.reduce.mean, empty, 2, 0, 1, out);
    expect(Array.from(out)).toEqual([Number.NaN, Number.NaN]);
  });
});

describe('forwardPlan: malformed steps', () => {
  it('rejects a sparse steps array without sizing an allocation by its length (used to abort the process)', () => {
    expect(() => binding.forwardPlan(new Array(2 ** 32 - 1), 1)).toThrow(ArgumentTypeError);
    expect(() => binding.forwardPlan(new Array(2 ** 32 - 1), 1)).toThrow(/steps\[0\] must be an object/);
  });

  it('checks integers before converting them (NaN, infinite, huge)', () => {
    for (const activation of [Number.NaN, Infinity, -Infinity, 2 ** 64, -(2 ** 64), 1.5]) {
      const steps = [{ kind: 'unary', activation, param: 0 } as ForwardStep];
      expect(() => binding.forwardPlan(steps, 1)).toThrow(ValueError);
    }
  });

  it('refuses a batch whose widest layer would not fit, before allocating', () => {
    const plan = binding.forwardPlan([{ kind: 'dense', kernel: new Float32Array(2 ** 20), bias: null, inputs: 1, units: 2 ** 20, activation: 0, param: 0 }], 1);
    expect(() => binding.forwardAsync(plan, new Float32Array(2 ** 21), 2 ** 21, 256)).toThrow(/too large/);
  });
});

describe('setErrorClasses', () => {
  it('changes nothing when one argument is wrong', () => {
    expect(() => (binding.setErrorClasses as (...a: unknown[]) => void)(class Other extends Error {}, 'x', NativeError)).toThrow(ArgumentTypeError);
    // The classes are still Dendrite's: a bad size is still a ValueError.
    expect(() => binding.sumSquares(empty, 1)).toThrow(ValueError);
  });
});
