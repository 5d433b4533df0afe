import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor, unaryShapes } from '../helpers/gradcheck.js';

const values = (t: dn.Tensor) => Array.from(t.dataSync());
const expectClose = (actual: number[], expected: number[], digits = 5) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// erf by Abramowitz-Stegun 7.1.26 is only 1e-7 accurate; use the series, exact to double here.
const erf = (x: number) => {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

describe('activations: should throw', () => {
  it('on bad parameters', () => {
    expect(() => dn.leakyRelu(dn.zeros([1]), '0.1' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.elu(dn.zeros([1]), NaN)).toThrow(ValueError);
    expect(() => dn.gelu(dn.zeros([1]), { approximate: 'fast' } as never)).toThrow(/unknown approximate 'fast'/);
    expect(() => dn.gelu(dn.zeros([1]), { aproximate: 'tanh' } as never)).toThrow(/unknown option 'aproximate'/);
  });
  it('on int32 input', () => {
    expect(() => dn.relu(dn.zeros([1], 'int32'))).toThrow(DTypeError);
    expect(() => dn.softmax(dn.zeros([1], 'int32'))).toThrow(DTypeError);
  });
  it('softmax: on a bad axis or a rank-0 tensor', () => {
    expect(() => dn.softmax(dn.zeros([2, 3]), 2)).toThrow('softmax: axis must be an integer from -2 to 1, got 2');
    expect(() => dn.logSoftmax(dn.tensor(1))).toThrow(/at least one axis/);
  });
});

describe('activations: values', () => {
  const x = [-2, -0.5, 0, 0.5, 2];
  const t = () => dn.tensor(x);
  it('match their formulas', () => {
    expectClose(values(dn.relu(t())), x.map((v) => Math.max(v, 0)));
    expectClose(values(dn.leakyRelu(t())), x.map((v) => (v > 0 ? v : 0.2 * v)));
    expectClose(values(t().leakyRelu(0.01)), x.map((v) => (v > 0 ? v : 0.01 * v)));
    expectClose(values(dn.elu(t(), 0.5)), x.map((v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1))));
    expectClose(values(dn.sigmoid(t())), x.map(sigmoid));
    expectClose(values(dn.tanh(t())), x.map(Math.tanh));
    expectClose(values(dn.gelu(t())), x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    const geluTanh = x.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    expectClose(values(dn.geluTanh(t())), geluTanh);
    expectClose(values(dn.gelu(t(), { approximate: 'tanh' })), geluTanh);
    expectClose(values(dn.softplus(t())), x.map((v) => Math.log1p(Math.exp(v))));
    expectClose(values(dn.silu(t())), x.map((v) => v * sigmoid(v)));
    expectClose(values(t().swish()), x.map((v) => v * sigmoid(v)));
  });
  it('selu, softsign, hardSigmoid, hardSwish, relu6, mish match their formulas, as functions and methods', () => {
    const wide = [-7, -3, -2, -0.5, 0, 0.5, 2, 3, 5, 6, 8];
    const w = () => dn.tensor(wide);
    const scale = 1.0507009873554805, alpha = 1.6732632423543772;
    const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
    const cases: Array<[string, (t: dn.Tensor) => dn.Tensor, (t: dn.Tensor) => dn.Tensor, (v: number) => number]> = [
      ['selu', dn.selu, (t) => t.selu(), (v) => scale * (v > 0 ? v : alpha * Math.expm1(v))],
      ['softsign', dn.softsign, (t) => t.softsign(), (v) => v / (1 + Math.abs(v))],
      ['hardSigmoid', dn.hardSigmoid, (t) => t.hardSigmoid(), (v) => Math.min(Math.max(v / 6 + 0.5, 0), 1)],
      ['hardSwish', dn.hardSwish, (t) => t.hardSwish(), (v) => (v * relu6(v + 3)) / 6],
      ['relu6', dn.relu6, (t) => t.relu6(), relu6],
      ['mish', dn.mish, (t) => t.mish(), (v) => v * Math.tanh(Math.log1p(Math.exp(v)))],
    ];
    for (const [name, op, method, formula] of cases) {
      expect(values(op(w())), name).toEqual(values(method(w())));
      values(op(w())).forEach((v, i) => expect(v, `${name}(${wide[i]})`).toBeCloseTo(formula(wide[i]), 6));
    }
    // Exact where the formulas are: relu6 clamps; the hard ones are 0 or 1 (or x) past the ramp.
    expect(values(dn.relu6(w()))).toEqual(wide.map(relu6));
    expect(values(dn.hardSigmoid(dn.tensor([-3, -9, 3, 9])))).toEqual([0, 0, 1, 1]);
    expect(values(dn.hardSwish(dn.tensor([-3, -9, 3, 9])))).toEqual([-0, -0, 3, 9]);
    // Into an existing tensor.
    const out = dn.zeros([wide.length]);
    expect(dn.mish(w(), { out })).toBe(out);
    expect(values(out)).toEqual(values(dn.mish(w())));
  });
  it('softmax and logSoftmax along the last or another axis', () => {
    const logits = dn.tensor([[1, 2, 3], [1, 1, 1]]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    expectClose(values(dn.softmax(logits)), [e[0] / s, e[1] / s, e[2] / s, 1 / 3, 1 / 3, 1 / 3]);
    expectClose(values(logits.logSoftmax()), [1 - Math.log(s), 2 - Math.log(s), 3 - Math.log(s), ...[1, 1, 1].map(() => -Math.log(3))]);
    const columns = dn.softmax(logits, 0);
    expect(columns.shape).toEqual([2, 3]);
    expectClose(values(columns.sum(0)), [1, 1, 1]);
    expect(columns.toArray()).toEqual(dn.softmax(logits.transpose()).transpose().toArray());
    expectClose(values(dn.softmax(dn.tensor([1000, 1000]))), [0.5, 0.5]);
    expect(dn.softmax(dn.zeros([0, 3])).shape).toEqual([0, 3]);
  });
});

describe('activations: gradients (central differences, see helpers/gradcheck.ts for tolerances)', () => {
  // Values at least 0.1 from zero, so relu-like kinks stay outside the finite-difference step.
  const r = (shape: number[], seed = 1) => randomTensor(shape, { seed });
  it.each(unaryShapes)('elementwise activations on shape %j', (...shape) => {
    gradcheck(dn.relu, [r(shape)]);
    gradcheck((x) => dn.leakyRelu(x, 0.1), [r(shape)]);
    gradcheck((x) => dn.elu(x, 0.7), [r(shape)]);
    gradcheck(dn.sigmoid, [r(shape)]);
    gradcheck(dn.tanh, [r(shape)]);
    gradcheck(dn.gelu, [r(shape)]);
    gradcheck(dn.geluTanh, [r(shape)]);
    gradcheck(dn.softplus, [r(shape)]);
    gradcheck(dn.silu, [r(shape)]);
    gradcheck(dn.selu, [r(shape)]);
    gradcheck(dn.softsign, [r(shape)]);
    gradcheck(dn.hardSigmoid, [r(shape)]);
    gradcheck(dn.hardSwish, [r(shape)]);
    gradcheck(dn.relu6, [r(shape)]);
    gradcheck(dn.mish, [r(shape)]);
  });
  it('relu6, hardSigmoid and hardSwish on every piece of their ramps (points away from the kinks)', () => {
    gradcheck(dn.relu6, [dn.tensor([-3, -0.5, 0.3, 2.5, 5.5, 6.5, 9])]);
    const around = dn.tensor([-8, -3.5, -2.5, -1.5, -0.4, 0.7, 2.5, 3.5, 8]);
    gradcheck(dn.hardSigmoid, [around]);
    gradcheck(dn.hardSwish, [around]);
    gradcheck(dn.selu, [dn.tensor([-12, -4, -1, -0.2, 0.2, 1, 30])]);
    gradcheck(dn.softsign, [dn.tensor([-50, -3, -0.3, 0.3, 3, 50])]);
    gradcheck(dn.mish, [dn.tensor([-30, -8, -3, -1.2, -0.3, 0.3, 1.2, 3, 8, 30])]);
  });
  it('takes the flat side at the ends of a ramp (TensorFlow relu6, Keras hard_silu by autodiff)', () => {
    const slope = (op: (t: dn.Tensor) => dn.Tensor, points: number[]) => {
      const leaf = dn.tensor(points);
      leaf.requiresGrad = true;
      op(leaf).sum().backward();
      return values(leaf.grad!);
    };
    expect(slope(dn.relu6, [0, 6, 3, -1, 7])).toEqual([0, 0, 1, 0, 0]);
    expect(slope(dn.hardSwish, [-3, 3, 0, -1.5, -4, 4])).toEqual([0, 1, 0.5, 0, 0, 1]);
    expect(slope(dn.hardSigmoid, [-3, 3, 0, -4, 4])).toEqual([0, 0, Math.fround(1 / 6), 0, 0]);
  });
  it('softmax and logSoftmax over each axis', () => {
    gradcheck((x) => dn.softmax(x), [r([3, 4])]);
    gradcheck((x) => dn.logSoftmax(x), [r([3, 4])]);
    gradcheck((x) => dn.softmax(x, 0), [r([3, 2])]);
    gradcheck((x) => dn.logSoftmax(x, 1), [r([2, 3, 2])]);
    gradcheck((x) => dn.softmax(x), [r([1])]);
    gradcheck((x) => dn.softmax(x.transpose()), [r([3, 2])]);
    gradcheck((x) => dn.softmax(x), [r([0, 2])]);
  });
});
