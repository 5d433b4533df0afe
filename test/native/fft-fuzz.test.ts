// Fuzz of binding.fft (native/bindings/signal_binding.cc): valid calls with one argument replaced by a wrong
// type, a bad size or a short buffer end in a result or a Dendrite error, never a crash or another error.
import { describe, expect, it } from 'vitest';
import { DendriteError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { Rng } from '../helpers/rng.js';

const BAD = [-1, 0.5, Number.NaN, Infinity, 2 ** 24 + 1, 2 ** 40, 2 ** 53, -0, 1e300, '3', null, undefined, {}, [], true];

function valid(r: Rng): { fn: 'realFft' | 'inverseRealFft'; args: unknown[] } {
  const rows = r.int(0, 20), n = r.pick([1, 2, 3, 7, 16, 67, 100, 256]);
  const spectrum = new Float32Array(rows * 2 * (Math.floor(n / 2) + 1));
  if (r.chance(0.5)) {
    const samples = r.int(0, n);
    return { fn: 'realFft', args: [new Float32Array(rows * samples).fill(0.25), rows, samples, n, spectrum] };
  }
  return { fn: 'inverseRealFft', args: [spectrum.fill(0.5), rows, n, new Float32Array(rows * n)] };
}

function mutate(r: Rng, args: unknown[]): string {
  const index = r.int(0, args.length - 1);
  const value = args[index];
  if (r.chance(0.1)) {
    args.length = r.int(0, args.length + 1);
    return `arity ${args.length}`;
  }
  if (ArrayBuffer.isView(value) && r.chance(0.5)) {
    const array = value as unknown as { length: number; subarray(a: number, b: number): unknown };
    args[index] = r.chance(0.5) ? array.subarray(0, Math.max(0, array.length - r.int(1, 3))) : new Float64Array(array.length);
    return `arg ${index} short or wrong type`;
  }
  args[index] = r.pick(BAD);
  return `arg ${index} = ${String(args[index])}`;
}

describe('binding.fft fuzz', () => {
  it('2000 valid and malformed calls end in a result or a Dendrite error', () => {
    const r = new Rng(20);
    const failures: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { fn, args } = valid(r);
      const change = r.chance(0.8) ? mutate(r, args) : 'valid';
      seen.add(fn);
      try {
        (binding.fft[fn] as (...a: unknown[]) => unknown)(...args);
      } catch (error) {
        if (!(error instanceof DendriteError)) failures.push(`#${i} ${fn} (${change}): ${String(error)}`);
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...seen].sort()).toEqual(Object.keys(binding.fft).sort());
  });
});
