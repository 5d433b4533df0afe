// Activations by name or object: lookup, errors, forward values, op codes for fused epilogues.
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ValueError } from '../lib/errors.js';
import { binding } from '../lib/native.js';
import { ACTIVATION_NAMES, getActivation, serializeActivation } from '../lib/activations.js';

describe('activations: should throw', () => {
  it('lists the valid names for an unknown one', () => {
    expect(() => getActivation('tanhh' as never)).toThrow(ValueError);
    expect(() => getActivation('tanhh' as never)).toThrow(
      "getActivation: unknown activation 'tanhh' (did you mean 'tanh'?); expected one of 'linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'swish', 'softplus', an activation object or a function",
    );
    expect(() => getActivation(5 as never)).toThrow(ArgumentTypeError);
    expect(() => getActivation({ className: 'nope', config: {} })).toThrow(ValueError);
  });

  it('validates factory options', () => {
    expect(() => dn.activations.leakyRelu({ slope: 0.1 } as never)).toThrow(/leakyRelu: unknown option 'slope'/);
    expect(() => dn.activations.elu({ alpha: Number.NaN })).toThrow(ValueError);
    expect(() => dn.activations.gelu({ approximate: 'tanh' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.activations.softmax({ axis: 0.5 })).toThrow(ValueError);
  });
});

describe('activations', () => {
  const x = dn.tensor([-2, -0.5, 0, 0.5, 2]);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const expected: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(v, 0),
    leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
    elu: (v) => (v > 0 ? v : Math.expm1(v)),
    sigmoid,
    tanh: Math.tanh,
    swish: (v) => v * sigmoid(v),
    softplus: (v) => Math.log1p(Math.exp(v)),
    // Reference values of x * Phi(x) at the points above.
    gelu: (v) => ({ [-2]: -0.045500263896, [-0.5]: -0.154268769363, 0: 0, 0.5: 0.345731230637, 2: 1.954499736 })[v]!,
  };

  for (const name of ACTIVATION_NAMES.filter((n) => n !== 'softmax')) {
    it(`${name} by name computes its function (to 6 decimals)`, () => {
      const values = getActivation(name).apply(x).dataSync();
      x.dataSync().forEach((v, i) => expect(values[i]).toBeCloseTo(expected[name](v), 6));
    });
  }

  it('softmax normalizes along the last axis', () => {
    const y = getActivation('softmax').apply(dn.tensor([[1, 2, 3], [0, 0, 0]]));
    const rows = y.toArray() as number[][];
    rows.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6));
    expect(rows[1][0]).toBeCloseTo(1 / 3, 6);
  });

  it('carries the native op code of elementwise activations (for the GEMM epilogue)', () => {
    expect(getActivation('relu').unaryCode).toBe(binding.opCodes.unary.relu);
    expect(getActivation('swish').unaryCode).toBe(binding.opCodes.unary.silu);
    expect(dn.activations.gelu({ approximate: true }).unaryCode).toBe(binding.opCodes.unary.geluTanh);
    expect(getActivation('softmax').unaryCode).toBeNull();
    expect(dn.activations.leakyRelu({ alpha: 0.1 }).param).toBe(0.1);
    expect(getActivation('relu').gradFromOutput).toBe(true);
    expect(getActivation('gelu').gradFromOutput).toBe(false);
  });

  it('accepts aliases, objects, functions and serialized forms', () => {
    expect(getActivation('silu').name).toBe('swish');
    const object = dn.activations.elu({ alpha: 0.5 });
    expect(getActivation(object)).toBe(object);
    expect(serializeActivation(object)).toEqual({ className: 'elu', config: { alpha: 0.5 } });
    expect(serializeActivation(getActivation('relu'))).toBe('relu');
    expect(getActivation({ className: 'elu', config: { alpha: 0.5 } }).apply(dn.tensor([-1])).item()).toBeCloseTo(0.5 * Math.expm1(-1), 6);
    const custom = getActivation((t: dn.Tensor) => t.mul(3));
    expect(custom.apply(dn.tensor([2])).item()).toBe(6);
    expect(serializeActivation(custom)).toBeNull();
  });
});
