// Fuzz of binding.int8 (native/bindings/int8_binding.cc): valid calls with one argument replaced by a wrong
// type, a bad size or a short buffer end in a result or a Dendrite error, never a crash or another error.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/native.js';
import { fuzzBindingGroup } from '../helpers/binding-fuzz.js';
import { Rng } from '../helpers/rng.js';

function valid(r: Rng): { fn: string; args: unknown[] } {
  const m = r.int(0, 6), n = r.int(0, 40), k = r.int(0, 70);
  const packed = new Int8Array(binding.int8.packedLength(k, n));
  const columnSums = new Int32Array(n);
  const scales = new Float32Array(n).fill(0.01);
  const bias = r.chance(0.5) ? new Float32Array(n) : null;
  const activation = r.int(0, 21);
  switch (r.int(0, 6)) {
    case 6: {
      // conv2d: a batch of b images h x w x c, a kh x kw kernel, stride 1, no padding (18 geometry fields).
      const b = r.int(0, 3), h = r.int(1, 6), w = r.int(1, 6), c = r.int(1, 4), kh = r.int(1, h), kw = r.int(1, w), f = r.int(1, 9);
      const depth = kh * kw * c, outH = h - kh + 1, outW = w - kw + 1;
      const geometry = Int32Array.of(b, h, w, c, outH, outW, f, kh, kw, 1, 1, 1, 1, 0, 0, 0, 0, 1);
      return {
        fn: 'conv2d',
        args: [new Float32Array(b * h * w * c).fill(0.25), geometry, new Int8Array(binding.int8.packedLength(depth, f)), new Int32Array(f),
          new Float32Array(f).fill(0.01), r.chance(0.5) ? new Float32Array(f) : null, activation, 0, r.chance(0.5) ? 0 : 0.1, r.int(0, 255),
          new Float32Array(b * outH * outW * f)],
      };
    }
    case 5: return r.chance(0.5)
      ? { fn: 'benchPeak', args: [r.pick([0, -1, 2 ** 40, Number.NaN]), r.pick([0, -1, 61, Number.NaN, 0.001])] }
      : { fn: 'benchGemm', args: [r.pick([0, 8193, -1, Number.NaN]), 4, 4, r.pick([0, 1, -1]), 1] };
    case 0: return { fn: 'packWeights', args: [new Int8Array(k * n), k, n, packed, columnSums] };
    case 1: return { fn: 'packedLength', args: [k, n] };
    case 2: return { fn: 'quantizeU8', args: [new Float32Array(m * k), m * k, 0.5, r.int(0, 255), new Uint8Array(m * k)] };
    case 3: return {
      fn: 'gemm',
      args: [m, n, k, new Uint8Array(m * k), k, r.int(0, 255), 0.1, packed, columnSums, scales, bias, activation, 0, new Float32Array(m * n), n],
    };
    default: return {
      fn: 'dense',
      args: [new Float32Array(m * k).fill(0.5), m, k, n, packed, columnSums, scales, bias, activation, 0, r.chance(0.5) ? 0 : 0.1, r.int(0, 255), new Float32Array(m * n)],
    };
  }
}

describe('binding.int8 fuzz', () => {
  it('2000 valid and malformed calls end in a result or a Dendrite error', () => {
    const { failures, seen } = fuzzBindingGroup(binding.int8, new Rng(15), 2000, valid);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(seen).toEqual(Object.keys(binding.int8).sort());
  });
});
