import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ValueError } from '../lib/errors.js';

/** An independent xoshiro128** in BigInt arithmetic, to check the Number implementation against. */
function referenceXoshiro(state: bigint[], count: number): number[] {
  const mask = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & mask;
  const s = [...state];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & mask, 7n) * 9n) & mask));
    const t = (s[1] << 9n) & mask;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

describe('random: should throw', () => {
  it('on bad seeds', () => {
    expect(() => dn.seed(1.5)).toThrow(ValueError);
    expect(() => dn.seed('1' as never)).toThrow(ArgumentTypeError);
    expect(() => new dn.Generator(2 ** 60)).toThrow(ValueError);
  });
  it('on bad states', () => {
    const g = new dn.Generator(1);
    expect(() => g.setState([0, 0, 0, 0, NaN])).toThrow(ValueError);
    expect(() => g.setState([1, 2, 3])).toThrow(ArgumentTypeError);
    expect(() => g.setState([1, 2, 3, 2 ** 32, NaN])).toThrow(ValueError);
  });
  it('on bad ranges', () => {
    const g = new dn.Generator(1);
    expect(() => g.fillUniform(new Float32Array(2), 1, 0)).toThrow(ValueError);
    expect(() => g.fillIntegers(new Int32Array(2), 3, 3)).toThrow(ValueError);
    expect(() => g.permutation(-1)).toThrow(ValueError);
  });
});

describe('random: Generator', () => {
  it('is xoshiro128** (checked against an independent BigInt implementation)', () => {
    const g = new dn.Generator(0).setState([1, 2, 3, 4, NaN]);
    const values = Array.from({ length: 8 }, () => g.nextUint32());
    expect(values).toEqual(referenceXoshiro([1n, 2n, 3n, 4n], 8));
    expect(values[0]).toBe(11520);
  });
  it('gives the same numbers for the same seed on every run (golden values)', () => {
    const g = new dn.Generator(42);
    // Recorded once; any change to seeding or the generator changes them and breaks saved experiments.
    expect(Array.from({ length: 4 }, () => g.nextUint32())).toEqual(GOLDEN_42);
    expect(new dn.Generator(42).nextUint32()).toBe(GOLDEN_42[0]);
    expect(new dn.Generator(43).nextUint32()).not.toBe(GOLDEN_42[0]);
    expect(new dn.Generator(-42).nextUint32()).not.toBe(GOLDEN_42[0]);
  });
  it('restores a saved state', () => {
    const g = new dn.Generator(5);
    g.normal();
    const state = g.getState();
    const a = [g.normal(), g.uniform(), g.nextUint32()];
    g.setState(state);
    expect([g.normal(), g.uniform(), g.nextUint32()]).toEqual(a);
  });
  it('draws uniforms in range with the right moments', () => {
    const g = new dn.Generator(3);
    const values = g.fillUniform(new Float64Array(20000), -2, 4);
    let total = 0;
    let low = Infinity;
    let high = -Infinity;
    for (const v of values) {
      total += v;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    expect(low).toBeGreaterThanOrEqual(-2);
    expect(high).toBeLessThan(4);
    // Mean 1, std sqrt(3) / sqrt(20000) ~ 0.012: 0.05 is four standard errors.
    expect(Math.abs(total / values.length - 1)).toBeLessThan(0.05);
  });
  it('draws normals with mean ~0 and std ~1', () => {
    const g = new dn.Generator(4);
    const values = g.fillNormal(new Float64Array(20000));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    // Standard errors: 0.007 for the mean, 0.005 for the std; bounds are ~4 of them.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
  });
  it('truncates normals at two standard deviations', () => {
    const values = new dn.Generator(6).fillTruncatedNormal(new Float64Array(5000), 1, 0.5);
    expect(Math.max(...values.map((v) => Math.abs(v - 1)))).toBeLessThanOrEqual(1);
  });
  it('draws unbiased integers in [low, high)', () => {
    const counts = new Array(6).fill(0);
    const values = new dn.Generator(8).fillIntegers(new Int32Array(6000), -3, 3);
    for (const v of values) counts[v + 3]++;
    // Expected 1000 each, std ~29: every bucket within 150.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
  it('shuffles and permutes', () => {
    const p = new dn.Generator(9).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const items = ['a', 'b', 'c', 'd'];
    new dn.Generator(9).shuffle(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
  it('forks an independent stream', () => {
    const g = new dn.Generator(10);
    const child = g.fork();
    expect(child.nextUint32()).not.toBe(g.nextUint32());
  });
});

describe('random: tensors', () => {
  it('dn.seed makes the global draws reproducible', () => {
    dn.seed(123);
    const a = dn.randn([3, 4]).dataSync().slice();
    const r = dn.rand([5]).dataSync().slice();
    dn.seed(123);
    expect(dn.randn([3, 4]).dataSync()).toEqual(a);
    expect(dn.rand([5]).dataSync()).toEqual(r);
    expect(dn.random).toBeInstanceOf(dn.Generator);
  });
  it('a per-call seed does not depend on other draws', () => {
    const a = dn.randn([4], { seed: 7 }).dataSync().slice();
    dn.rand([100]);
    expect(dn.randn([4], { seed: 7 }).dataSync()).toEqual(a);
    const g = new dn.Generator(7);
    expect(dn.randn([4], { generator: g }).dataSync()).toEqual(a);
  });
  it('randint gives int32 values in range', () => {
    const t = dn.randint(5, 9, [1000], { seed: 1 });
    expect(t.dtype).toBe('int32');
    const seen = new Set(t.dataSync());
    expect([...seen].sort()).toEqual([5, 6, 7, 8]);
  });
});

const GOLDEN_42 = [2837322924, 544945897, 479756282, 3500138142];
