import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { broadcastPairs, gradcheck, randomBroadcastPairs, randomTensor, unaryShapes } from '../helpers/gradcheck.js';

const close = (t: dn.Tensor, expected: number[] | number[][], digits = 5) => {
  const actual = t.toArray() as number[] | number[][];
  expect(actual.flat()).toHaveLength(expected.flat().length);
  (actual.flat() as number[]).forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i] as number, digits));
};

describe('elementwise: should throw', () => {
  it('on shapes that do not broadcast, naming the op and both shapes', () => {
    expect(() => dn.add(dn.zeros([2, 3]), dn.zeros([4]))).toThrow(ShapeError);
    expect(() => dn.add(dn.zeros([2, 3]), dn.zeros([4]))).toThrow(
      'add: shapes [2, 3] and [4] cannot be broadcast together: axis -1 is 3 in the first and 4 in the second',
    );
    expect(() => dn.zeros([2, 3]).mul(dn.zeros([3, 3]))).toThrow(/^mul: shapes \[2, 3\] and \[3, 3\]/);
  });
  it('on int32 operands', () => {
    const labels = dn.tensor([1, 2], undefined, 'int32');
    expect(() => dn.add(labels, 1)).toThrow(DTypeError);
    expect(() => dn.add(labels, 1)).toThrow("add: a must be a float32 tensor, got int32 (convert it with .cast('float32'))");
    expect(() => dn.exp(labels)).toThrow(DTypeError);
    expect(() => dn.clip(labels, 0, 1)).toThrow(DTypeError);
  });
  it('on arguments that are not tensors', () => {
    expect(() => dn.add('1' as never, 1)).toThrow(ArgumentTypeError);
    expect(() => dn.add(dn.zeros([1]), {} as never)).toThrow('add: b must be a Tensor, a number or an array, got an object');
    expect(() => dn.relu(undefined as never)).toThrow(TypeError);
  });
  it('on a bad out tensor', () => {
    const a = dn.zeros([2, 3]);
    expect(() => dn.add(a, a, { out: dn.zeros([3, 2]) })).toThrow('add: out has shape [3, 2], the result has shape [2, 3]');
    expect(() => dn.add(a, a, { out: dn.zeros([3, 2]).transpose() })).toThrow(/contiguous/);
    expect(() => dn.add(a, a, { out: dn.zeros([2, 3], 'int32') })).toThrow(DTypeError);
    expect(() => dn.add(a, a, { out: [1] as never })).toThrow(ArgumentTypeError);
    expect(() => dn.add(a, a, { ot: a } as never)).toThrow(/unknown option 'ot'/);
    const big = dn.zeros([4]);
    expect(() => dn.exp(big.slice(0, 3), { out: big.slice(1, 3) })).toThrow(/overlaps an input/);
  });
  it('on out while recording gradients', () => {
    const x = dn.zeros([2], { requiresGrad: true });
    expect(() => dn.mul(x, 2, { out: dn.zeros([2]) })).toThrow(/out cannot be used while gradients are recorded/);
    const y = x.mul(2);
    expect(() => dn.noGrad(() => dn.mul(dn.ones([2]), 2, { out: y }))).toThrow(/out was computed by the recorded op 'mul'/);
    // A leaf parameter may be updated in place outside recording (an optimizer step).
    dn.noGrad(() => dn.add(x, 1, { out: x }));
    expect(x.toArray()).toEqual([1, 1]);
  });
  it('clip: on bad bounds', () => {
    expect(() => dn.clip(dn.zeros([1]), 1, 0)).toThrow('clip: min (1) must not exceed max (0)');
    expect(() => dn.clip(dn.zeros([1]), NaN, 0)).toThrow(ValueError);
    expect(() => dn.clip(dn.zeros([1]), '0' as never, 1)).toThrow(ArgumentTypeError);
  });
});

describe('elementwise: values', () => {
  const a = () => dn.tensor([[1, 2, 3], [4, 5, 6]]);
  it('broadcasts binary ops (NumPy rules)', () => {
    close(dn.add(a(), dn.tensor([10, 20, 30])), [[11, 22, 33], [14, 25, 36]]);
    close(dn.sub(a(), dn.tensor([[1], [2]])), [[0, 1, 2], [2, 3, 4]]);
    close(a().mul(2), [[2, 4, 6], [8, 10, 12]]);
    close(dn.div(1, a()), [[1, 1 / 2, 1 / 3], [1 / 4, 1 / 5, 1 / 6]]);
    close(dn.pow(a(), 2), [[1, 4, 9], [16, 25, 36]]);
    close(dn.maximum(a(), dn.tensor([3])), [[3, 3, 3], [4, 5, 6]]);
    close(dn.minimum(a(), 3), [[1, 2, 3], [3, 3, 3]]);
    expect(dn.add(dn.zeros([3, 1]), dn.zeros([1, 4])).shape).toEqual([3, 4]);
    expect(dn.add(dn.zeros([2, 1, 3]), dn.zeros([4, 1])).shape).toEqual([2, 4, 3]);
    expect(dn.add(dn.zeros([0, 3]), dn.zeros([3])).shape).toEqual([0, 3]);
    expect(dn.add(1, 2).toArray()).toBe(3);
  });
  it('reads transposed and broadcast views without copying them', () => {
    const t = a().transpose();
    close(dn.add(t, dn.tensor([100, 200])), [[101, 204], [102, 205], [103, 206]]);
    close(dn.mul(t, t), [[1, 16], [4, 25], [9, 36]]);
    close(dn.sub(a().slice([0, 1], [2, 2]), dn.tensor([1, 2]).broadcastTo([2, 2])), [[1, 1], [4, 4]]);
  });
  it('computes the unary functions', () => {
    close(dn.neg(dn.tensor([1, -2])), [-1, 2]);
    close(dn.abs(dn.tensor([-1.5, 2])), [1.5, 2]);
    close(dn.exp(dn.tensor([0, 1])), [1, Math.E]);
    close(dn.log(dn.tensor([1, Math.E])), [0, 1]);
    close(dn.sqrt(dn.tensor([4, 9])), [2, 3]);
    close(dn.square(dn.tensor([-3, 0.5])), [9, 0.25]);
    close(dn.tensor([[1, 2], [3, 4]]).transpose().exp(), [[Math.E, Math.exp(3)], [Math.exp(2), Math.exp(4)]]);
    expect(dn.exp(dn.zeros([0])).shape).toEqual([0]);
    expect(dn.exp(dn.tensor(0)).item()).toBe(1);
  });
  it('clips into a range (infinite ends allowed)', () => {
    close(dn.clip(dn.tensor([-2, 0.5, 3]), 0, 1), [0, 0.5, 1]);
    close(dn.tensor([-2, 5]).clip(-Infinity, 1), [-2, 1]);
    close(dn.clipByValue(dn.tensor([[1, 9]]).transpose(), 2, 3), [[2], [3]]);
  });
  it('writes into out and returns it; out may be an input', () => {
    const x = dn.tensor([1, 2, 3]);
    const out = dn.zeros([3]);
    expect(dn.add(x, 1, { out })).toBe(out);
    close(out, [2, 3, 4]);
    x.mul(x, { out: x });
    close(x, [1, 4, 9]);
    dn.sqrt(x, { out: x });
    close(x, [1, 2, 3]);
    dn.clip(x, 1.5, 2.5, { out: x });
    close(x, [1.5, 2, 2.5]);
  });
});

/** a op b by plain index arithmetic over the broadcast shape (the reference for the strided kernel layouts). */
function referenceBinary(a: dn.Tensor, b: dn.Tensor, op: (x: number, y: number) => number): { shape: number[]; values: number[] } {
  const rank = Math.max(a.rank, b.rank);
  const pad = (s: readonly number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]));
  const av = Array.from(dn.clone(a).dataSync());
  const bv = Array.from(dn.clone(b).dataSync());
  const values: number[] = [];
  const size = shape.reduce((p, d) => p * d, 1);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let ia = 0;
    let ib = 0;
    let strideA = 1;
    let strideB = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      ia += (sa[d] === 1 ? 0 : i) * strideA;
      ib += (sb[d] === 1 ? 0 : i) * strideB;
      strideA *= sa[d];
      strideB *= sb[d];
    }
    values.push(Math.fround(op(av[ia], bv[ib])));
  }
  return { shape, values };
}

describe('elementwise: strided layouts against a plain-loop reference', () => {
  it('random views (transposed, sliced, broadcast) of random shapes', () => {
    const g = new dn.Generator(21);
    for (let trial = 0; trial < 60; trial++) {
      const rank = g.integer(1, 5);
      const shape = Array.from({ length: rank }, () => g.integer(1, 5));
      const view = (seed: number): dn.Tensor => {
        const kind = g.integer(0, 4);
        const base = randomTensor(shape, { seed });
        if (kind === 0) return base;
        if (kind === 1) return dn.transpose(randomTensor([...shape].reverse(), { seed }));
        if (kind === 2) {
          const bigger = randomTensor(shape.map((d) => d + 2), { seed });
          return bigger.slice(shape.map(() => 1), shape);
        }
        return dn.broadcastTo(randomTensor(shape.map((d) => (g.uniform() < 0.5 ? 1 : d)), { seed }), shape);
      };
      const a = view(trial);
      // b: a suffix of the shape, with some axes set to 1.
      const bShape = shape.slice(g.integer(0, rank)).map((d) => (g.uniform() < 0.3 ? 1 : d));
      const b = g.uniform() < 0.5 ? randomTensor(bShape, { seed: trial + 100 }) : dn.transpose(randomTensor([...bShape].reverse(), { seed: trial + 100 }));
      const [x, y] = g.uniform() < 0.5 ? [a, b] : [b, a];
      const expected = referenceBinary(x, y, (u, v) => u * v - v);
      const actual = dn.sub(dn.mul(x, y), y);
      expect(actual.shape).toEqual(expected.shape);
      // mul then sub each round once in float32; the reference rounds once at the end: 1e-6 relative.
      const values = actual.dataSync();
      expected.values.forEach((v, i) => expect(Math.abs(values[i] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    }
  });
});

describe('elementwise: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  const pairs = [...broadcastPairs, ...randomBroadcastPairs(8)];
  const r = (shape: number[], seed: number, positive = false, low = 0.1) => randomTensor(shape, { seed, positive, low });
  it.each(pairs)('add, sub, mul, div, maximum, minimum: %j with %j', (sa, sb) => {
    gradcheck(dn.add, [r(sa, 1), r(sb, 2)]);
    gradcheck(dn.sub, [r(sa, 1), r(sb, 2)]);
    gradcheck(dn.mul, [r(sa, 1), r(sb, 2)]);
    gradcheck(dn.div, [r(sa, 1), r(sb, 2, false, 0.5)]);
    gradcheck(dn.maximum, [r(sa, 1), r(sb, 2)]);
    gradcheck(dn.minimum, [r(sa, 1), r(sb, 2)]);
  });
  it.each(pairs)('pow: %j with %j', (sa, sb) => {
    gradcheck(dn.pow, [r(sa, 1, true, 0.5), r(sb, 2)], { rtol: 1e-2 });
  });
  it('binary ops with a number operand', () => {
    gradcheck((x) => dn.sub(1, x), [r([2, 3], 3)]);
    gradcheck((x) => x.pow(3), [r([2, 3], 3)]);
    gradcheck((x) => dn.div(2, x), [r([4], 3, false, 0.5)]);
  });
  it('the same tensor on both sides accumulates both gradients', () => {
    gradcheck((x) => x.mul(x), [r([3], 4)]);
    gradcheck((x) => x.transpose().add(x.transpose()), [r([2, 3], 4)]);
  });
  it.each(unaryShapes)('unary functions on shape %j', (...shape) => {
    gradcheck(dn.neg, [r(shape, 5)]);
    gradcheck(dn.abs, [r(shape, 5)]);
    gradcheck(dn.exp, [r(shape, 5)]);
    gradcheck(dn.log, [r(shape, 5, true, 0.5)]);
    gradcheck(dn.sqrt, [r(shape, 5, true, 0.5)]);
    gradcheck(dn.square, [r(shape, 5)]);
    gradcheck((x) => dn.clip(x, -1, 1), [r(shape, 5)]);
  });
  it('unary functions of a transposed view', () => {
    gradcheck((x) => x.transpose().exp(), [r([2, 3], 6)]);
  });
});
