// Raw binding of the recurrent driver: bad specs first (types, sizes, buffer lengths, cell states for a cell
// without one), then every ISA against the scalar reference for each cell and option, and the workspace
// sizes.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding, type RecurrentSpec } from '../../lib/native.js';

const isas = binding.backendInfo().isas;
const startIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(startIsa));
const cells = binding.opCodes.cell;
const unary = binding.opCodes.unary;

function random(seed: number): (n: number, scale?: number) => Float32Array {
  let state = seed >>> 0;
  return (n, scale = 1) => {
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      values[i] = ((state / 4294967296) * 2 - 1) * scale;
    }
    return values;
  };
}

interface Case {
  cell: 'lstm' | 'gru' | 'simpleRnn';
  resetAfter?: boolean;
  masked?: boolean;
  dropout?: boolean;
  backwards?: boolean;
  activation?: string;
}

/** Forward and backward of one case on the current ISA; every output and gradient, in order. */
function run(c: Case, batch = 5, steps = 4, inputs = 3, units = 6): Float32Array[] {
  const next = random(batch * 31 + units);
  const gates = { lstm: 4, gru: 3, simpleRnn: 1 }[c.cell] * units;
  const lstm = c.cell === 'lstm';
  const spec: RecurrentSpec = {
    cell: cells[c.cell], batch, steps, inputs, units, activation: unary[c.activation ?? 'tanh'], recurrentActivation: unary.sigmoid,
    resetAfter: c.resetAfter ?? true, goBackwards: c.backwards ?? false, zeroMaskedOutputs: c.backwards ?? false,
  };
  const mask = c.masked ? Float32Array.from({ length: batch * steps }, (_, i) => (i % steps < steps - (Math.floor(i / steps) % 3) ? 1 : 0)) : null;
  const buffers = {
    kernel: next(inputs * gates, 0.5), recurrentKernel: next(units * gates, 0.5), mask,
    inputDropout: c.dropout ? next(batch * inputs).map((v) => (v > 0 ? 1.25 : 0)) : null,
    recurrentDropout: c.dropout ? next(batch * units).map((v) => (v > -0.5 ? 1.5 : 0)) : null,
  };
  const sizes = binding.recurrentSizes({ ...spec, masked: mask !== null, recurrentDropout: c.dropout ?? false });
  const cache = new Float32Array(sizes.cache);
  const state = batch * units;
  const out = { sequence: new Float32Array(batch * steps * units), lastOutput: new Float32Array(state), stateH: new Float32Array(state), stateC: lstm ? new Float32Array(state) : null };
  binding.recurrentForward({
    ...spec, ...buffers, cache, x: next(batch * steps * inputs), bias: next(c.cell === 'gru' && spec.resetAfter ? 2 * gates : gates, 0.5),
    h0: next(state), c0: lstm ? next(state) : null, ...out,
  });
  const grads = {
    dx: new Float32Array(batch * steps * inputs), dh0: new Float32Array(state), dc0: lstm ? new Float32Array(state) : null,
    dKernel: new Float32Array(inputs * gates), dRecurrentKernel: new Float32Array(units * gates),
    dBias: new Float32Array(c.cell === 'gru' && spec.resetAfter ? 2 * gates : gates),
  };
  binding.recurrentBackward({
    ...spec, ...buffers, cache, scratch: new Float32Array(sizes.scratch), dSequence: next(batch * steps * units), dLastOutput: next(state),
    dStateH: next(state), dStateC: lstm ? next(state) : null, ...grads, accumulate: false,
  });
  return [out.sequence, out.lastOutput, out.stateH, ...(out.stateC ? [out.stateC] : []), grads.dx, grads.dh0, ...(grads.dc0 ? [grads.dc0] : []),
    grads.dKernel, grads.dRecurrentKernel, grads.dBias];
}

const base = (): Record<string, unknown> => ({
  cell: cells.gru, batch: 2, steps: 3, inputs: 2, units: 2, activation: unary.tanh, recurrentActivation: unary.sigmoid, resetAfter: true,
});

describe('recurrent binding: should throw', () => {
  it('rejects bad specs with typed errors naming the field', () => {
    expect(() => (binding.recurrentSizes as (...a: unknown[]) => unknown)()).toThrow(ArgumentTypeError);
    expect(() => binding.recurrentSizes(7 as never)).toThrow(/recurrentSizes: spec must be an object/);
    expect(() => binding.recurrentSizes({ ...base(), cell: 3 } as never)).toThrow(/spec.cell must be an integer from 0 to 2/);
    expect(() => binding.recurrentSizes({ ...base(), units: -1 } as never)).toThrow(ValueError);
    expect(() => binding.recurrentSizes({ ...base(), batch: '2' } as never)).toThrow(/spec.batch must be a number/);
    expect(() => binding.recurrentSizes({ ...base(), activation: 99 } as never)).toThrow(/spec.activation must be an integer/);
    expect(() => binding.recurrentSizes({ ...base(), batch: 2 ** 40, steps: 2 ** 40 } as never)).toThrow(ValueError);
    expect(() => binding.recurrentSizes({ ...base(), goBackwards: 1 } as never)).toThrow(/spec.goBackwards must be a boolean/);
  });

  it('checks every buffer against the sizes before running', () => {
    const spec = base();
    const sizes = binding.recurrentSizes(spec as never);
    const forward = {
      ...spec, x: new Float32Array(12), kernel: new Float32Array(12), recurrentKernel: new Float32Array(12), bias: new Float32Array(12),
      cache: new Float32Array(sizes.cache), lastOutput: new Float32Array(4),
    };
    expect(() => binding.recurrentForward(forward as never)).not.toThrow();
    expect(() => binding.recurrentForward({ ...forward, x: new Float32Array(11) } as never)).toThrow(/recurrentForward: spec.x needs at least 12 elements, got 11/);
    expect(() => binding.recurrentForward({ ...forward, bias: new Float32Array(6) } as never)).toThrow(/spec.bias needs at least 12 elements/);
    expect(() => binding.recurrentForward({ ...forward, cache: new Float32Array(sizes.cache - 1) } as never)).toThrow(/spec.cache needs at least/);
    expect(() => binding.recurrentForward({ ...forward, kernel: new Float64Array(12) } as never)).toThrow(ArgumentTypeError);
    expect(() => binding.recurrentForward({ ...forward, c0: new Float32Array(4) } as never)).toThrow(/spec.c0 must be null: only an LSTM has a cell state/);
    expect(() => binding.recurrentForward({ ...forward, mask: new Float32Array(6) } as never)).toThrow(/spec.cache needs at least/);
    const backward = { ...spec, kernel: new Float32Array(12), recurrentKernel: new Float32Array(12), cache: new Float32Array(sizes.cache), scratch: new Float32Array(sizes.scratch) };
    expect(() => binding.recurrentBackward(backward as never)).not.toThrow();
    expect(() => binding.recurrentBackward({ ...backward, scratch: new Float32Array(1) } as never)).toThrow(/spec.scratch needs at least/);
    expect(() => binding.recurrentBackward({ ...backward, dBias: new Float32Array(11) } as never)).toThrow(/spec.dBias needs at least 12/);
    expect(() => binding.recurrentBackward({ ...backward, dStateC: new Float32Array(4) } as never)).toThrow(/spec.dStateC must be null/);
  });
});

describe('recurrent binding', () => {
  it('sizes its workspaces from the cell and options', () => {
    const lstm = binding.recurrentSizes({ ...base(), cell: cells.lstm } as never);
    const masked = binding.recurrentSizes({ ...base(), cell: cells.lstm, masked: true, recurrentDropout: true } as never);
    // Masks (T x B) and the dropped hidden states (T x B x u) add to the cache.
    expect(masked.cache - lstm.cache).toBe(3 * 2 + 3 * 2 * 2);
    // gelu's gradient needs its input: the pre-activations are kept (T x B x 4u more).
    const gelu = binding.recurrentSizes({ ...base(), cell: cells.lstm, activation: unary.gelu } as never);
    expect(gelu.cache - lstm.cache).toBe(3 * 2 * 8);
  });

  const cases: Case[] = [
    { cell: 'lstm' }, { cell: 'lstm', masked: true, dropout: true, backwards: true }, { cell: 'lstm', activation: 'gelu', masked: true },
    { cell: 'gru', masked: true }, { cell: 'gru', resetAfter: false, dropout: true, backwards: true }, { cell: 'simpleRnn', masked: true, activation: 'relu' },
  ];
  for (const c of cases) {
    it(`every ISA matches the scalar reference: ${JSON.stringify(c)}`, () => {
      binding.setIsa('scalar');
      const reference = run(c);
      for (const isa of isas) {
        binding.setIsa(isa);
        const got = run(c);
        got.forEach((values, k) => {
          for (let i = 0; i < values.length; i++) {
            const want = reference[k][i];
            if (!(Math.abs(values[i] - want) <= 1e-4 * (1 + Math.abs(want)))) expect.fail(`${isa} output ${k} index ${i}: ${values[i]} vs ${want}`);
          }
        });
      }
      binding.setIsa(startIsa);
    });
  }
});
