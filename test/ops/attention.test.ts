import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const threads = dn.backendInfo().threads;
afterAll(() => dn.setNumThreads(threads));

/**
 * Attention in float64 from the definition, over [..., len, dim] tensors with shared leading axes; `allowed`
 * says whether query i of problem p may attend to key j. Rows with no allowed key give 0.
 */
function reference(q: dn.Tensor, k: dn.Tensor, v: dn.Tensor, scale: number, allowed: (p: number, i: number, j: number) => boolean) {
  const r = q.rank;
  const [lq, d] = q.shape.slice(r - 2);
  const lk = k.shape[r - 2];
  const dv = v.shape[r - 1];
  const problems = q.size / (lq * d);
  const qv = q.dataSync(), kv = k.dataSync(), vv = v.dataSync();
  const out: number[] = [], scores: number[] = [];
  for (let p = 0; p < problems; p++) {
    for (let i = 0; i < lq; i++) {
      const s: number[] = [];
      for (let j = 0; j < lk; j++) {
        let dot = 0;
        for (let e = 0; e < d; e++) dot += qv[(p * lq + i) * d + e] * kv[(p * lk + j) * d + e];
        s.push(allowed(p, i, j) ? dot * scale : -Infinity);
      }
      const max = Math.max(...s);
      const w = s.map((x) => (max === -Infinity ? 0 : Math.exp(x - max)));
      const total = w.reduce((a, b) => a + b, 0);
      const probs = w.map((x) => (total === 0 ? 0 : x / total));
      scores.push(...probs);
      for (let e = 0; e < dv; e++) out.push(probs.reduce((acc, pj, j) => acc + pj * vv[(p * lk + j) * dv + e], 0));
    }
  }
  return { out, scores };
}

function expectClose(got: ArrayLike<number>, want: readonly number[], tolerance = 2e-5): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= tolerance * Math.max(1, Math.abs(w)))) throw new Error(`element ${i}: got ${got[i]}, expected ${w}`);
  });
}

describe('scaledDotProductAttention: bad arguments', () => {
  const q = dn.zeros([2, 3, 4]);
  const k = dn.zeros([2, 5, 4]);
  const v = dn.zeros([2, 5, 6]);
  it('rejects shapes that do not fit together', () => {
    expect(() => dn.scaledDotProductAttention(dn.zeros([4]), dn.zeros([4]), dn.zeros([4]))).toThrow(/q must have rank at least 2/);
    expect(() => dn.scaledDotProductAttention(q, dn.zeros([5, 4]), v)).toThrow(/same rank/);
    expect(() => dn.scaledDotProductAttention(q, dn.zeros([3, 5, 4]), dn.zeros([3, 5, 6]))).toThrow(/share their leading \(batch\) axes/);
    expect(() => dn.scaledDotProductAttention(q, dn.zeros([2, 5, 3]), v)).toThrow(/k must have q's last dimension \(4\)/);
    expect(() => dn.scaledDotProductAttention(q, k, dn.zeros([2, 4, 6]))).toThrow(/v must have as many rows \(keys\) as k \(5\)/);
    expect(() => dn.scaledDotProductAttention(q, k, v)).not.toThrow();
  });

  it('rejects a mask of the wrong shape, bad options and integer inputs', () => {
    expect(() => dn.scaledDotProductAttention(q, k, v, { mask: dn.ones([2, 3, 4]) })).toThrow(ShapeError);
    expect(() => dn.scaledDotProductAttention(q, k, v, { mask: dn.ones([2, 3, 4]) })).toThrow(/mask must broadcast to the attention scores' shape \[2, 3, 5\], got shape \[2, 3, 4\]/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { mask: dn.ones([1, 2, 3, 5]) })).toThrow(/mask must broadcast/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { mask: dn.ones([2, 1, 5]) })).not.toThrow();
    expect(() => dn.scaledDotProductAttention(q, k, v, { dropout: 1 })).toThrow(ValueError);
    expect(() => dn.scaledDotProductAttention(q, k, v, { dropout: -0.1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { scale: Infinity })).toThrow(/scale/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { causalOffset: 2 })).toThrow(/give causal: true too/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { causal: 1 as never })).toThrow(/causal/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { dropout: 0.5, seed: 1, generator: new dn.Generator(1) })).toThrow(/either seed or generator/);
    expect(() => dn.scaledDotProductAttention(q, k, v, { maks: null } as never)).toThrow(/unknown option 'maks'/);
    expect(() => dn.scaledDotProductAttention(dn.zeros([2, 3, 4], 'int32'), k, v)).toThrow(DTypeError);
  });
});

describe('scaledDotProductAttention', () => {
  it('computes softmax(q kᵀ / sqrt(d)) v, with a key padding mask and causally', () => {
    const q = randomTensor([2, 3, 7, 8], { seed: 1 });
    const k = randomTensor([2, 3, 9, 8], { seed: 2 });
    const v = randomTensor([2, 3, 9, 5], { seed: 3 });
    const scale = 1 / Math.sqrt(8);
    expectClose(dn.scaledDotProductAttention(q, k, v).dataSync(), reference(q, k, v, scale, () => true).out);
    // Key padding: batch 0 keeps 4 keys, batch 1 keeps 9, as a [batch, 1, 1, kvLen] mask.
    const lengths = [4, 9];
    const mask = dn.tensor(Array.from({ length: 18 }, (_, n) => (n % 9 < lengths[Math.floor(n / 9)] ? 1 : 0)), [2, 1, 1, 9]);
    const padded = dn.scaledDotProductAttention(q, k, v, { mask });
    expectClose(padded.dataSync(), reference(q, k, v, scale, (p, _i, j) => j < lengths[Math.floor(p / 3)]).out);
    const causal = dn.scaledDotProductAttention(q, k, v, { causal: true, scale: 0.5 });
    expectClose(causal.dataSync(), reference(q, k, v, 0.5, (_p, i, j) => j <= i).out);
    const shifted = dn.scaledDotProductAttention(q, k, v, { causal: true, causalOffset: 2, mask });
    expectClose(shifted.dataSync(), reference(q, k, v, scale, (p, i, j) => j <= i + 2 && j < lengths[Math.floor(p / 3)]).out);
  });

  it('covers several blocks of queries and keys, and rows that may attend to nothing (zeros)', () => {
    const q = randomTensor([1, 70, 16], { seed: 4 });
    const k = randomTensor([1, 140, 16], { seed: 5 });
    const v = randomTensor([1, 140, 12], { seed: 6 });
    const keep = (i: number, j: number) => i !== 3 && (i * 7 + j * 3) % 5 !== 0;
    const mask = dn.tensor(Array.from({ length: 70 * 140 }, (_, n) => (keep(Math.floor(n / 140), n % 140) ? 1 : 0)), [70, 140]);
    const { output, scores } = dn.scaledDotProductAttention(q, k, v, { mask, returnScores: true });
    const want = reference(q, k, v, 0.25, (_p, i, j) => keep(i, j));
    expectClose(output.dataSync(), want.out);
    expectClose(scores.dataSync(), want.scores);
    expect(scores.shape).toEqual([1, 70, 140]);
    expect(Array.from(output.dataSync().slice(3 * 12, 4 * 12))).toEqual(new Array(12).fill(0));
  });

  it('reads views in place: a [batch, length, heads, dim] projection transposed to heads first', () => {
    const x = randomTensor([2, 6, 3, 4], { seed: 7 });
    const view = x.transpose([0, 2, 1, 3]);
    expect(view.isContiguous).toBe(false);
    const copy = dn.tensor(view.dataSync().slice(), [2, 3, 6, 4]);
    const a = dn.scaledDotProductAttention(view, view, view, { causal: true });
    const b = dn.scaledDotProductAttention(copy, copy, copy, { causal: true });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    // Rank 2 and rank 5 (leading axes folded into the batch) give the same numbers as rank 3.
    const q = randomTensor([2, 1, 3, 5, 4], { seed: 8 });
    const five = dn.scaledDotProductAttention(q, q, q);
    const three = dn.scaledDotProductAttention(q.reshape([6, 5, 4]), q.reshape([6, 5, 4]), q.reshape([6, 5, 4]));
    expect(Array.from(five.dataSync())).toEqual(Array.from(three.dataSync()));
    const two = dn.scaledDotProductAttention(q.reshape([30, 4]).slice([0, 0], [5, 4]), q.reshape([30, 4]).slice([0, 0], [5, 4]), q.reshape([30, 4]).slice([0, 0], [5, 4]));
    expect(Array.from(two.dataSync())).toEqual(Array.from(three.dataSync().slice(0, 20)));
  });

  it('passes finite-difference gradient checks (mask, causal, several heads, dropout with a fixed seed)', () => {
    const q = randomTensor([2, 2, 5, 3], { seed: 9 });
    const k = randomTensor([2, 2, 6, 3], { seed: 10 });
    const v = randomTensor([2, 2, 6, 4], { seed: 11 });
    const mask = dn.tensor([1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1], [2, 1, 1, 6]);
    gradcheck((a: dn.Tensor, b: dn.Tensor, c: dn.Tensor) => dn.scaledDotProductAttention(a, b, c, { mask }), [q, k, v]);
    gradcheck((a: dn.Tensor, b: dn.Tensor, c: dn.Tensor) => dn.scaledDotProductAttention(a, b, c, { causal: true, causalOffset: 1 }), [q, k, v]);
    gradcheck((a: dn.Tensor, b: dn.Tensor, c: dn.Tensor) => dn.scaledDotProductAttention(a, b, c, { dropout: 0.3, seed: 5 }), [q, k, v]);
    // Through a view and with q, k, v the same tensor (self-attention).
    gradcheck((x: dn.Tensor) => {
      const heads = x.reshape([1, 4, 2, 3]).transpose([0, 2, 1, 3]);
      return dn.scaledDotProductAttention(heads, heads, heads, { causal: true });
    }, [randomTensor([4, 6], { seed: 12 })]);
  });

  it('drops weights reproducibly under a seed and keeps the expected fraction', () => {
    const q = randomTensor([1, 64, 8], { seed: 13 });
    const v = dn.ones([1, 64, 1]);
    const a = dn.scaledDotProductAttention(q, q, v, { dropout: 0.25, seed: 3 }).dataSync();
    const b = dn.scaledDotProductAttention(q, q, v, { dropout: 0.25, seed: 3 }).dataSync();
    const c = dn.scaledDotProductAttention(q, q, v, { dropout: 0.25, seed: 4 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // With v = 1 each output is the kept weights' sum / 0.75: 1 on average.
    const mean = Array.from(a).reduce((s, x) => s + x, 0) / a.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.1);
  });

  it('gives the same results and gradients on 1 and 2 threads', () => {
    const run = (count: number) => {
      dn.setNumThreads(count);
      const q = randomTensor([3, 4, 40, 16], { seed: 14 });
      const k = randomTensor([3, 4, 70, 16], { seed: 15 });
      const v = randomTensor([3, 4, 70, 16], { seed: 16 });
      for (const t of [q, k, v]) t.requiresGrad = true;
      const y = dn.scaledDotProductAttention(q, k, v, { causal: true, causalOffset: 30, dropout: 0.1, seed: 1 });
      y.square().sum().backward();
      return [y, q.grad!, k.grad!, v.grad!].map((t) => Array.from(t.dataSync()));
    };
    expect(run(2)).toEqual(run(1));
  });
});
