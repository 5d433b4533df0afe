// Fuzz of binding.bf16 (native/bindings/bf16_binding.cc): valid calls with one argument replaced by a wrong
// type, a bad size or a short buffer end in a result or a Dendrite error, never a crash or another error.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/native.js';
import { fuzzBindingGroup } from '../helpers/binding-fuzz.js';
import { Rng } from '../helpers/rng.js';

function valid(r: Rng): { fn: string; args: unknown[] } {
  const m = r.int(0, 6), n = r.int(0, 40), k = r.int(0, 70);
  const packed = new Uint16Array(binding.bf16.packedLength(k, n));
  const bias = r.chance(0.5) ? new Float32Array(n) : null;
  const activation = r.int(0, 21);
  switch (r.int(0, 5)) {
    case 5: return r.chance(0.5)
      ? { fn: 'benchPeak', args: [r.pick([0, -1, 2 ** 40, Number.NaN]), r.pick([0, -1, 61, Number.NaN, 0.001])] }
      : { fn: 'benchGemm', args: [r.pick([0, 8193, -1, Number.NaN]), 4, 4, r.pick([0, 1, -1]), 1] };
    case 0: return { fn: 'packWeights', args: [new Float32Array(k * n), k, n, packed] };
    case 1: return { fn: 'packedLength', args: [k, n] };
    case 2: return { fn: 'convert', args: [new Float32Array(m * k), m * k, new Uint16Array(m * k)] };
    case 3: return { fn: 'gemm', args: [m, n, k, new Uint16Array(m * k), k, packed, bias, activation, 0, new Float32Array(m * n), n] };
    default: return { fn: 'dense', args: [new Float32Array(m * k).fill(0.5), m, k, n, packed, bias, activation, 0, new Float32Array(m * n)] };
  }
}

describe('binding.bf16 fuzz', () => {
  it('2000 valid and malformed calls end in a result or a Dendrite error', () => {
    const { failures, seen } = fuzzBindingGroup(binding.bf16, new Rng(16), 2000, valid);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(seen).toEqual(Object.keys(binding.bf16).sort());
  });
});
