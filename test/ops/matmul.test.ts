import { afterEach, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { kernels } from '../../lib/ops/kernels.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

/** Reference product in float64: op(a) · op(b) over broadcast batch axes (both rank >= 2). */
function reference(a: dn.Tensor, b: dn.Tensor, transposeA = false, transposeB = false): { shape: number[]; values: number[] } {
  const av = a.dataSync();
  const bv = b.dataSync();
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pad = (s: number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const pa = pad(ba);
  const pb = pad(bb);
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const count = batch.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  for (let index = 0; index < count; index++) {
    let rest = index;
    let offA = 0;
    let offB = 0;
    let strideA = ar * ac;
    let strideB = br * bc;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      offA += (pa[d] === 1 ? 0 : i) * strideA;
      offB += (pb[d] === 1 ? 0 : i) * strideB;
      strideA *= pa[d];
      strideB *= pb[d];
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = transposeA ? av[offA + p * ac + i] : av[offA + i * ac + p];
          const y = transposeB ? bv[offB + j * bc + p] : bv[offB + p * bc + j];
          s += x * y;
        }
        values.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], values };
}

function expectProduct(result: dn.Tensor, expected: { shape: number[]; values: number[] }) {
  expect(result.shape).toEqual(expected.shape);
  const actual = result.dataSync();
  // float32 products of k <= 8 terms of magnitude <= 2: 1e-5 covers the rounding.
  expected.values.forEach((v, i) => expect(Math.abs(actual[i] - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
}

const r = (shape: number[], seed = 1) => randomTensor(shape, { seed });

describe('matmul: should throw', () => {
  it('when the inner dimensions differ, naming both shapes', () => {
    expect(() => dn.matmul(dn.zeros([32, 10]), dn.zeros([64, 16]))).toThrow(ShapeError);
    expect(() => dn.matmul(dn.zeros([32, 10]), dn.zeros([64, 16]))).toThrow(
      'matmul: cannot multiply [32, 10] by [64, 16]: inner dimensions 10 and 64 differ',
    );
    expect(() => dn.matmul(dn.zeros([32, 10]), dn.zeros([16, 64]), { transposeB: true })).toThrow(
      'matmul: cannot multiply [32, 10] by [16, 64] (transposeB): inner dimensions 10 and 64 differ',
    );
    expect(() => dn.matmul(dn.zeros([3]), dn.zeros([4]))).toThrow(/inner dimensions 3 and 4 differ/);
  });
  it('when batch dimensions do not broadcast', () => {
    expect(() => dn.matmul(dn.zeros([2, 3, 4]), dn.zeros([3, 4, 5]))).toThrow(
      'matmul: cannot multiply [2, 3, 4] by [3, 4, 5]: batch dimensions 2 and 3 (axis -3) cannot be broadcast',
    );
  });
  it('on rank-0 operands, transposed vectors, int32 and bad options', () => {
    expect(() => dn.matmul(dn.tensor(1), dn.zeros([1]))).toThrow(/both operands need at least one axis/);
    expect(() => dn.matmul(dn.zeros([3]), dn.zeros([3, 2]), { transposeA: true })).toThrow(ValueError);
    expect(() => dn.matmul(dn.zeros([2, 2], 'int32'), dn.zeros([2, 2]))).toThrow(DTypeError);
    expect(() => dn.matmul(dn.zeros([2, 2]), dn.zeros([2, 2]), { transposeA: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.matmul(dn.zeros([2, 2]), dn.zeros([2, 2]), { transpose: true } as never)).toThrow(/unknown option 'transpose'/);
    expect(() => dn.matmul(dn.zeros([2, 2]), dn.zeros([2, 2]), 'T' as never)).toThrow(ArgumentTypeError);
  });
  it('on a bad out tensor', () => {
    const a = dn.ones([2, 2]);
    expect(() => dn.matmul(a, a, { out: dn.zeros([2, 3]) })).toThrow(ShapeError);
    expect(() => dn.matmul(a, a, { out: a })).toThrow(/must not share memory/);
    expect(() => dn.matmul(dn.ones([2]), a, { out: dn.zeros([2]) })).toThrow(ValueError);
  });
});

describe('matmul: values', () => {
  it('multiplies 2-D matrices in all four transpose cases', () => {
    const a = r([3, 4], 1);
    const b = r([4, 5], 2);
    expectProduct(dn.matmul(a, b), reference(a, b));
    const at = r([4, 3], 3);
    const bt = r([5, 4], 4);
    expectProduct(dn.matmul(at, b, { transposeA: true }), reference(at, b, true));
    expectProduct(dn.matmul(a, bt, { transposeB: true }), reference(a, bt, false, true));
    expectProduct(at.matmul(bt, { transposeA: true, transposeB: true }), reference(at, bt, true, true));
    expect(dn.matmul(dn.tensor([[1, 2], [3, 4]]), dn.tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
  });
  it('folds transposed views and strided slices into the GEMM call', () => {
    const a = r([4, 3], 1);
    const b = r([5, 4], 2);
    expectProduct(dn.matmul(a.transpose(), b.transpose()), reference(a, b, true, true));
    expectProduct(dn.matmul(a.transpose(), b, { transposeB: true }), reference(a, b, true, true));
    expectProduct(dn.matmul(a.transpose(), a.transpose(), { transposeA: true }), reference(a, a, false, true));
    const wide = r([4, 6], 5);
    const columns = wide.slice([0, 1], [4, 3]); // row stride 6 > 3 columns
    expectProduct(dn.matmul(columns.transpose(), wide), reference(dn.clone(columns), wide, true));
  });
  it('batches with broadcast batch axes', () => {
    const cases: Array<[number[], number[]]> = [
      [[2, 3, 4], [2, 4, 5]],
      [[2, 1, 3, 4], [3, 4, 2]],
      [[2, 3, 4], [4, 5]],
      [[3, 4], [2, 4, 5]],
      [[1, 3, 4], [2, 1, 4, 2]],
    ];
    for (const [sa, sb] of cases) {
      const a = r(sa, 1);
      const b = r(sb, 2);
      expectProduct(dn.matmul(a, b), reference(a, b));
    }
    const a = r([2, 4, 3], 3);
    const b = r([2, 5, 4], 4);
    expectProduct(dn.matmul(a, b, { transposeA: true, transposeB: true }), reference(a, b, true, true));
  });
  it('handles batches whose strides do not collapse (permuted batch axes)', () => {
    const base = r([3, 2, 4, 5], 6);
    const a = dn.permute(base, [1, 0, 2, 3]); // batch [2, 3], not collapsible
    const b = r([2, 3, 5, 2], 7);
    expectProduct(dn.matmul(a, b), reference(dn.clone(a), b));
  });
  it('treats 1-D operands as vectors (NumPy)', () => {
    expect(dn.matmul(dn.tensor([1, 2, 3]), dn.tensor([4, 5, 6])).toArray()).toBe(32);
    expect(dn.matmul(dn.tensor([1, 2]), dn.tensor([[1, 2, 3], [4, 5, 6]])).toArray()).toEqual([9, 12, 15]);
    expect(dn.matmul(dn.tensor([[1, 2, 3], [4, 5, 6]]), dn.tensor([1, 0, 1])).toArray()).toEqual([4, 10]);
    expect(dn.matmul(dn.zeros([4, 2, 3]), dn.zeros([3])).shape).toEqual([4, 2]);
    expect(dn.matmul(dn.zeros([3]), dn.zeros([4, 3, 2])).shape).toEqual([4, 2]);
  });
  it('handles empty and zero-length inner dimensions', () => {
    expect(dn.matmul(dn.zeros([0, 3]), dn.zeros([3, 2])).shape).toEqual([0, 2]);
    expect(dn.matmul(dn.ones([2, 0]), dn.ones([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const out = dn.full([2, 3], 7);
    dn.matmul(dn.ones([2, 0]), dn.ones([0, 3]), { out });
    expect(out.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });
  it('writes into out', () => {
    const a = r([3, 4], 1);
    const b = r([4, 2], 2);
    const out = dn.full([3, 2], 99);
    expect(dn.matmul(a, b, { out })).toBe(out);
    expectProduct(out, reference(a, b));
  });
});

describe('matmul: transposes reach the kernel as flags', () => {
  const original = kernels.sgemm;
  afterEach(() => {
    kernels.sgemm = original;
  });
  it('passes a transposed 2-D view as its own storage with transA set', () => {
    const calls: Array<{ transA: boolean; transB: boolean; a: Float32Array; b: Float32Array }> = [];
    kernels.sgemm = (transA, transB, m, n, k, alpha, a, lda, b, ...rest) => {
      calls.push({ transA, transB, a, b });
      return original(transA, transB, m, n, k, alpha, a, lda, b, ...rest);
    };
    const x = r([4, 3], 1);
    const w = r([5, 4], 2);
    dn.matmul(x.transpose(), w.transpose());
    expect(calls).toHaveLength(1);
    expect(calls[0].a).toBe(x.storage);
    expect(calls[0].b).toBe(w.storage);
    expect(calls[0].transA).toBe(true);
    expect(calls[0].transB).toBe(true);
    calls.length = 0;
    dn.matmul(x.transpose(), r([5, 3], 3), { transposeA: true, transposeB: true });
    expect(calls[0]).toMatchObject({ transA: false, transB: true });
  });
});

describe('matmul: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  it('2-D in all four transpose cases', () => {
    gradcheck((a, b) => dn.matmul(a, b), [r([3, 4], 1), r([4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b, { transposeA: true }), [r([4, 3], 1), r([4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b, { transposeB: true }), [r([3, 4], 1), r([2, 4], 2)]);
    gradcheck((a, b) => dn.matmul(a, b, { transposeA: true, transposeB: true }), [r([4, 3], 1), r([2, 4], 2)]);
  });
  it('through transposed views', () => {
    gradcheck((a, b) => dn.matmul(a.transpose(), b), [r([4, 3], 1), r([4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b.transpose(), { transposeB: true }), [r([3, 4], 1), r([4, 2], 2)]);
  });
  it('batched with broadcasting (gradients summed over broadcast batch axes)', () => {
    gradcheck((a, b) => dn.matmul(a, b), [r([2, 3, 4], 1), r([4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b, { transposeB: true }), [r([2, 3, 4], 1), r([2, 4], 2)]);
    gradcheck((a, b) => dn.matmul(a.transpose([1, 0, 2]), b), [r([3, 2, 4], 1), r([4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([2, 3, 0], 1), r([0, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([3, 4], 1), r([2, 4, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([2, 1, 2, 3], 1), r([3, 3, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b, { transposeA: true }), [r([2, 3, 2], 1), r([1, 3, 2], 2)]);
  });
  it('vectors and degenerate sizes', () => {
    gradcheck((a, b) => dn.matmul(a, b), [r([3], 1), r([3], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([3], 1), r([2, 3, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([2, 3], 1), r([3], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([1, 1], 1), r([1, 1], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([0, 3], 1), r([3, 2], 2)]);
    gradcheck((a, b) => dn.matmul(a, b), [r([2, 0], 1), r([0, 2], 2)]);
  });
});
