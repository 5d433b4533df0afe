// dn.lstmCell, dn.gruCell, dn.rnnCell: validation; the native cells against the same step written with ops
// (activations given as functions take that path) and against hand formulas; finite-difference gradient
// checks of every input and weight, on both paths.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const tanh = (x: dn.Tensor): dn.Tensor => dn.tanh(x);
const sigmoid = (x: dn.Tensor): dn.Tensor => dn.sigmoid(x);
/** Activations as functions: the ops path, an independent implementation of the same step. */
const OPS_PATH = { activation: tanh, recurrentActivation: sigmoid };

function expectClose(a: dn.Tensor, b: dn.Tensor, tolerance = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i] - y[i]) <= tolerance * (1 + Math.abs(y[i])))) expect.fail(`index ${i}: ${x[i]} vs ${y[i]}`);
  }
}

const B = 3, I = 4, U = 5;
const lstmArgs = (seed = 1) => [
  randomTensor([B, I], { seed }), randomTensor([B, U], { seed: seed + 1, high: 1 }), randomTensor([B, U], { seed: seed + 2, high: 1 }),
  randomTensor([I, 4 * U], { seed: seed + 3, high: 0.6 }), randomTensor([U, 4 * U], { seed: seed + 4, high: 0.6 }), randomTensor([4 * U], { seed: seed + 5, high: 0.5 }),
] as const;

describe('recurrent cell ops: should throw', () => {
  it('names the argument, the expected and the received shape', () => {
    const [x, h, c, w, r, b] = lstmArgs();
    expect(() => dn.lstmCell(x, h, c, w, r, dn.zeros([3 * U]))).toThrow(ShapeError);
    expect(() => dn.lstmCell(x, h, c, w, r, dn.zeros([3 * U]))).toThrow('lstmCell: bias must have shape [20], got shape [15]');
    expect(() => dn.lstmCell(x, dn.zeros([B, U + 1]), c, w, r, b)).toThrow('lstmCell: h must have shape [3, 5], got shape [3, 6]');
    expect(() => dn.lstmCell(x, h, dn.zeros([2, U]), w, r, b)).toThrow('lstmCell: c must have shape [3, 5], got shape [2, 5]');
    expect(() => dn.lstmCell(dn.zeros([B, 1, I]), h, c, w, r, b)).toThrow('lstmCell: x must be [batch, inputs], got shape [3, 1, 4]');
    expect(() => dn.lstmCell(x, h, c, dn.zeros([I + 1, 4 * U]), r, b)).toThrow('lstmCell: kernel must have shape [4, 20], got shape [5, 20]');
    expect(() => dn.lstmCell(x, h, c, w, dn.zeros([U, 3 * U]), b)).toThrow('lstmCell: recurrentKernel must be [units, 4 * units], got shape [5, 15]');
    expect(() => dn.gruCell(dn.zeros([B, I]), dn.zeros([B, U]), dn.zeros([I, 3 * U]), dn.zeros([U, 3 * U]), dn.zeros([3 * U]))).toThrow(
      'gruCell: bias must have shape [2, 15], got shape [15]',
    );
    expect(() => dn.gruCell(dn.zeros([B, I]), dn.zeros([B, U]), dn.zeros([I, 3 * U]), dn.zeros([U, 3 * U]), dn.zeros([2, 3 * U]), { resetAfter: false })).toThrow(
      'gruCell: bias must have shape [15], got shape [2, 15]',
    );
  });

  it('rejects bad dtypes, options and activations', () => {
    const [x, h, c, w, r, b] = lstmArgs();
    expect(() => dn.lstmCell(x.cast('int32'), h, c, w, r, b)).toThrow(DTypeError);
    expect(() => dn.lstmCell(x, h, c, w, r, b, { activaton: 'relu' } as never)).toThrow(/did you mean 'activation'/);
    expect(() => dn.lstmCell(x, h, c, w, r, b, { activation: 'nope' as never })).toThrow(ValueError);
    expect(() => dn.rnnCell(x, h, w, r, b, { recurrentActivation: 'relu' } as never)).toThrow(/unknown option 'recurrentActivation'/);
    expect(() => dn.gruCell(x, h, w, r, b, { resetAfter: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.lstmCell('x' as never, h, c, w, r, b)).toThrow(ArgumentTypeError);
  });
});

describe('dn.lstmCell', () => {
  it('computes Keras gate order i, f, c, o by hand', () => {
    const x = dn.tensor([[0.5, -1]]);
    const h = dn.tensor([[0.2]]);
    const c = dn.tensor([[-0.3]]);
    const kernel = dn.tensor([[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, -0.7, 0.8]]);
    const recurrent = dn.tensor([[0.9, -1.0, 1.1, -1.2]]);
    const bias = dn.tensor([0.01, 1, -0.02, 0.03]);
    const [h1, c1] = dn.lstmCell(x, h, c, kernel, recurrent, bias);
    const z = [0, 1, 2, 3].map((k) => 0.5 * kernel.dataSync()[k] - 1 * kernel.dataSync()[4 + k] + 0.2 * recurrent.dataSync()[k] + bias.dataSync()[k]);
    const s = (v: number): number => 1 / (1 + Math.exp(-v));
    const cNext = s(z[1]) * -0.3 + s(z[0]) * Math.tanh(z[2]);
    expect(c1.dataSync()[0]).toBeCloseTo(cNext, 6);
    expect(h1.dataSync()[0]).toBeCloseTo(s(z[3]) * Math.tanh(cNext), 6);
  });

  it('matches the step written with ops, values and gradients', () => {
    const args = lstmArgs(11);
    const [hNative, cNative] = dn.lstmCell(...args);
    const [hOps, cOps] = dn.lstmCell(...args, OPS_PATH);
    expectClose(hNative, hOps);
    expectClose(cNative, cOps);
  });

  it('passes finite-difference checks of every input and weight (native and ops paths)', () => {
    const args = lstmArgs(21);
    for (const options of [{}, OPS_PATH]) {
      gradcheck((x, h, c, w, r, b) => {
        const [h1, c1] = dn.lstmCell(x, h, c, w, r, b, options);
        return dn.concat([h1, c1], 1);
      }, [...args]);
    }
  });

  it('takes activations whose gradient needs their input (gelu) and no bias', () => {
    const [x, h, c, w, r] = lstmArgs(31);
    gradcheck((x0, h0, c0, w0, r0) => dn.concat(dn.lstmCell(x0, h0, c0, w0, r0, null, { activation: 'gelu', recurrentActivation: 'hardSigmoid' }), 1), [x, h, c, w, r]);
    const [hNative] = dn.lstmCell(x, h, c, w, r, null, { activation: 'relu' });
    const [hOps] = dn.lstmCell(x, h, c, w, r, null, { activation: (v: dn.Tensor) => dn.relu(v), recurrentActivation: sigmoid });
    expectClose(hNative, hOps);
  });
});

describe('dn.gruCell', () => {
  const gruArgs = (seed: number, resetAfter: boolean) => [
    randomTensor([B, I], { seed }), randomTensor([B, U], { seed: seed + 1, high: 1 }), randomTensor([I, 3 * U], { seed: seed + 2, high: 0.6 }),
    randomTensor([U, 3 * U], { seed: seed + 3, high: 0.6 }), randomTensor(resetAfter ? [2, 3 * U] : [3 * U], { seed: seed + 4, high: 0.5 }),
  ] as const;

  for (const resetAfter of [true, false]) {
    it(`matches hand formulas and the ops path (resetAfter ${resetAfter})`, () => {
      const args = gruArgs(41, resetAfter);
      const h = dn.gruCell(...args, { resetAfter });
      expectClose(h, dn.gruCell(...args, { resetAfter, ...OPS_PATH }));
      // By hand for the first row, unit 0.
      const [x, h0, w, r, b] = args.map((t) => t.dataSync());
      const s = (v: number): number => 1 / (1 + Math.exp(-v));
      const dot = (vec: ArrayLike<number>, offset: number, m: ArrayLike<number>, rows: number, col: number): number => {
        let sum = 0;
        for (let k = 0; k < rows; k++) sum += vec[offset + k] * m[k * 3 * U + col];
        return sum;
      };
      const inBias = (k: number): number => b[k];
      const recBias = (k: number): number => (resetAfter ? b[3 * U + k] : 0);
      const z = s(dot(x, 0, w, I, 0) + inBias(0) + dot(h0, 0, r, U, 0) + recBias(0));
      const reset = s(dot(x, 0, w, I, U) + inBias(U) + dot(h0, 0, r, U, U) + recBias(U));
      let hh: number;
      if (resetAfter) {
        hh = Math.tanh(dot(x, 0, w, I, 2 * U) + inBias(2 * U) + reset * (dot(h0, 0, r, U, 2 * U) + recBias(2 * U)));
      } else {
        const rh = Array.from({ length: U }, (_, k) => s(dot(x, 0, w, I, U + k) + inBias(U + k) + dot(h0, 0, r, U, U + k)) * h0[k]);
        hh = Math.tanh(dot(x, 0, w, I, 2 * U) + inBias(2 * U) + dot(rh, 0, r, U, 2 * U));
      }
      expect(h.dataSync()[0]).toBeCloseTo(z * h0[0] + (1 - z) * hh, 5);
    });

    it(`passes finite-difference checks (resetAfter ${resetAfter}, native and ops paths)`, () => {
      for (const options of [{ resetAfter }, { resetAfter, ...OPS_PATH }]) {
        gradcheck((x, h, w, r, b) => dn.gruCell(x, h, w, r, b, options), [...gruArgs(51, resetAfter)]);
      }
    });
  }
});

describe('dn.rnnCell', () => {
  it('is tanh(x·W + h·R + b), with gradients', () => {
    const args = [randomTensor([B, I], { seed: 61 }), randomTensor([B, U], { seed: 62 }), randomTensor([I, U], { seed: 63, high: 0.6 }), randomTensor([U, U], { seed: 64, high: 0.6 }), randomTensor([U], { seed: 65 })] as const;
    const [x, h, w, r, b] = args;
    expectClose(dn.rnnCell(...args), dn.tanh(dn.add(dn.add(dn.matmul(x, w), dn.matmul(h, r)), b)));
    gradcheck((...t: dn.Tensor[]) => dn.rnnCell(t[0], t[1], t[2], t[3], t[4]), [...args]);
    gradcheck((...t: dn.Tensor[]) => dn.rnnCell(t[0], t[1], t[2], t[3], t[4], { activation: 'selu' }), [...args]);
  });
});
