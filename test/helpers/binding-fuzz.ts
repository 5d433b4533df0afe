// The fuzz loop for a group of binding functions (binding.int8, binding.bf16): `valid` makes a valid call, and
// most calls get one argument replaced by a wrong type, a bad size or a short buffer. Every call must end in a
// result or a Dendrite error, never a crash or another error; returns the failures and the functions called.
import { DendriteError } from '../../lib/errors.js';
import type { Rng } from './rng.js';

const BAD = [-1, 0.5, Number.NaN, Infinity, 2 ** 40, 2 ** 53, -0, 1e300, '3', null, undefined, {}, [], true];

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

export function fuzzBindingGroup(group: object, r: Rng, calls: number, valid: (r: Rng) => { fn: string; args: unknown[] }): { failures: string[]; seen: string[] } {
  const failures: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < calls; i++) {
    const { fn, args } = valid(r);
    const change = r.chance(0.8) ? mutate(r, args) : 'valid';
    seen.add(fn);
    try {
      (group as Record<string, (...a: unknown[]) => unknown>)[fn]!(...args);
    } catch (error) {
      if (!(error instanceof DendriteError)) failures.push(`${fn} (${change}): ${String(error)}`);
    }
  }
  return { failures, seen: [...seen].sort() };
}
