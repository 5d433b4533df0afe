// Fuzz of binding.fft (native/bindings/signal_binding.cc): valid calls with one argument replaced by a wrong
// type, a bad size or a short buffer end in a result or a Dendrite error, never a crash or another error.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/native.js';
import { fuzzBindingGroup } from '../helpers/binding-fuzz.js';
import { Rng } from '../helpers/rng.js';

/** A valid call: 0-20 rows, lengths of every plan kind (Bluestein at 67), zero-padded signals. */
function valid(r: Rng): { fn: string; args: unknown[] } {
  const rows = r.int(0, 20), n = r.pick([1, 2, 3, 7, 16, 67, 100, 256]);
  const spectrum = new Float32Array(rows * 2 * (Math.floor(n / 2) + 1));
  if (r.chance(0.5)) {
    const samples = r.int(0, n);
    return { fn: 'realFft', args: [new Float32Array(rows * samples).fill(0.25), rows, samples, n, spectrum] };
  }
  return { fn: 'inverseRealFft', args: [spectrum.fill(0.5), rows, n, new Float32Array(rows * n)] };
}

describe('binding.fft fuzz', () => {
  it('2000 valid and malformed calls end in a result or a Dendrite error', () => {
    const { failures, seen } = fuzzBindingGroup(binding.fft, new Rng(20), 2000, valid);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(seen).toEqual(Object.keys(binding.fft).sort());
  });
});
