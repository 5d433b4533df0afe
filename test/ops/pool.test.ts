import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

/** Pooling in float64 from the definition (NHWC; windows clipped to the image). */
function reference(x: dn.Tensor, kind: 'max' | 'avg', window: number[], strides: number[], pads: number[]): { shape: number[]; values: number[] } {
  const [n, h, w, c] = x.shape;
  const [pt, pb, pl, pr] = pads;
  const oh = Math.floor((h + pt + pb - window[0]) / strides[0]) + 1;
  const ow = Math.floor((w + pl + pr - window[1]) / strides[1]) + 1;
  const xv = x.dataSync();
  const values: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let sum = 0;
          let count = 0;
          for (let a = i * strides[0] - pt; a < i * strides[0] - pt + window[0]; a++) {
            for (let d = j * strides[1] - pl; d < j * strides[1] - pl + window[1]; d++) {
              if (a < 0 || a >= h || d < 0 || d >= w) continue;
              const v = xv[((b * h + a) * w + d) * c + ch];
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          }
          values.push(kind === 'max' ? best : sum / count);
        }
      }
    }
  }
  return { shape: [n, oh, ow, c], values };
}

function expectClose(actual: dn.Tensor, expected: { shape: number[]; values: number[] }): void {
  expect(actual.shape).toEqual(expected.shape);
  const got = actual.dataSync();
  expected.values.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
}

describe('pooling: bad arguments', () => {
  const x = dn.zeros([2, 5, 5, 3]);
  it('rejects a wrong rank, a window larger than the input, bad sizes and options', () => {
    expect(() => dn.maxPool2d(dn.zeros([5, 5, 3]), 2)).toThrow(/maxPool2d: x must have rank 4 .* got shape \[5, 5, 3\]/);
    expect(() => dn.avgPool1d(x, 2)).toThrow(/avgPool1d: x must have rank 3/);
    expect(() => dn.maxPool2d(x, 6)).toThrow(ShapeError);
    expect(() => dn.maxPool2d(x, 6)).toThrow(/the height of the pool window \(6\) is larger than the input's \(5\): input \[2, 5, 5, 3\]/);
    expect(() => dn.maxPool2d(x, 6, { padding: 'same' })).not.toThrow();
    expect(() => dn.maxPool2d(x, 0)).toThrow(/maxPool2d: poolSize must be positive integers, got 0/);
    expect(() => dn.avgPool2d(x, 2, { strides: [2, -1] })).toThrow(ValueError);
    expect(() => dn.maxPool2d(x, [2, 2, 2])).toThrow(ArgumentTypeError);
    expect(() => (dn.maxPool2d as (x: unknown) => unknown)(x)).toThrow(/poolSize is required/);
    expect(() => dn.maxPool2d(x, 2, { padding: 'causal' as never })).toThrow(/unknown padding 'causal'/);
    expect(() => dn.maxPool2d(x, 2, { pad: 'same' } as never)).toThrow(/unknown option 'pad'/);
  });
});

describe('maxPool2d / avgPool2d', () => {
  const cases = [
    { name: '2x2 stride 2', window: [2, 2], strides: [2, 2], padding: 'valid' as const, pads: [0, 0, 0, 0], shape: [2, 6, 7, 3] },
    { name: "3x3 stride 2 'same' (odd padding after)", window: [3, 3], strides: [2, 2], padding: 'same' as const, pads: [1, 1, 1, 1], shape: [1, 7, 7, 2] },
    { name: "2x2 stride 2 'same' on an odd input", window: [2, 2], strides: [2, 2], padding: 'same' as const, pads: [0, 1, 0, 1], shape: [1, 5, 5, 2] },
    { name: 'overlapping 3x2 stride 1', window: [3, 2], strides: [1, 1], padding: 'valid' as const, pads: [0, 0, 0, 0], shape: [2, 4, 5, 2] },
    { name: 'window equal to the input', window: [4, 5], strides: [1, 1], padding: 'valid' as const, pads: [0, 0, 0, 0], shape: [3, 4, 5, 2] },
  ];
  for (const c of cases) {
    it(`match the definition: ${c.name}, both data formats`, () => {
      const x = randomTensor(c.shape, { seed: 2 });
      for (const kind of ['max', 'avg'] as const) {
        const op = kind === 'max' ? dn.maxPool2d : dn.avgPool2d;
        const expected = reference(x, kind, c.window, c.strides, c.pads);
        expectClose(op(x, c.window, { strides: c.strides, padding: c.padding }), expected);
        const first = op(x.transpose([0, 3, 1, 2]), c.window, { strides: c.strides, padding: c.padding, dataFormat: 'channelsFirst' });
        expectClose(first.transpose([0, 2, 3, 1]), expected);
      }
    });
  }

  it('default the strides to the pool size; take TensorFlow.js positional arguments', () => {
    const x = randomTensor([1, 4, 4, 1], { seed: 3 });
    expect(dn.maxPool2d(x, 2).shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(dn.maxPool2d(x, 2, 1, 'valid').dataSync())).toEqual(Array.from(dn.maxPool2d(x, 2, { strides: 1 }).dataSync()));
    expect(x.avgPool2d(2).shape).toEqual([1, 2, 2, 1]);
  });

  it('send the max gradient to the first maximum, adding where windows overlap', () => {
    // Every window of a 3x3 input with 2x2 windows at stride 1 has the centre as its maximum.
    const x = dn.tensor([[0, 1, 0], [1, 5, 1], [0, 1, 0]]).reshape([1, 3, 3, 1]);
    x.requiresGrad = true;
    dn.maxPool2d(x, 2, { strides: 1 }).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0, 0, 0, 4, 0, 0, 0, 0]);
    // Ties: the first in the window (row-major) takes it all.
    const ties = dn.ones([1, 2, 2, 1], { requiresGrad: true });
    dn.maxPool2d(ties, 2).sum().backward();
    expect(Array.from(ties.grad!.dataSync())).toEqual([1, 0, 0, 0]);
  });

  it('pass gradient checks in both data formats', () => {
    // Distinct values spaced far apart, so a finite-difference step never changes a window's maximum.
    const values = Float32Array.from({ length: 2 * 5 * 4 * 2 }, (_, i) => ((i * 37) % 80) * 0.1 - 4);
    const x = dn.tensor(values, [2, 5, 4, 2]);
    gradcheck((a) => dn.maxPool2d(a, [2, 3], { strides: [2, 1], padding: 'same' }), [x]);
    gradcheck((a) => dn.avgPool2d(a, 3, { strides: 2, padding: 'same' }), [x]);
    gradcheck((a) => dn.maxPool2d(a, 2, { dataFormat: 'channelsFirst' }), [x.transpose([0, 3, 1, 2]).contiguous()]);
    gradcheck((a) => dn.avgPool2d(a, [2, 1], { strides: 1, dataFormat: 'channelsFirst' }), [x.transpose([0, 3, 1, 2]).contiguous()]);
  });
});

describe('maxPool1d / avgPool1d', () => {
  it('pool one axis, in both data formats, with gradients', () => {
    const x = randomTensor([2, 7, 3], { seed: 4 });
    const expected = reference(x.reshape([2, 1, 7, 3]), 'max', [1, 3], [1, 2], [0, 0, 0, 0]);
    expectClose(dn.maxPool1d(x, 3, { strides: 2 }).reshape([2, 1, 3, 3]), expected);
    const avg = dn.avgPool1d(x.transpose([0, 2, 1]), 2, { padding: 'same', dataFormat: 'channelsFirst' });
    expect(avg.shape).toEqual([2, 3, 4]);
    expectClose(avg.transpose([0, 2, 1]).reshape([2, 1, 4, 3]), reference(x.reshape([2, 1, 7, 3]), 'avg', [1, 2], [1, 2], [0, 0, 0, 1]));
    const values = Float32Array.from({ length: 2 * 7 * 3 }, (_, i) => ((i * 23) % 42) * 0.1 - 2);
    gradcheck((a) => dn.maxPool1d(a, 2, { strides: 1 }), [dn.tensor(values, [2, 7, 3])]);
    gradcheck((a) => dn.avgPool1d(a, 3, { strides: 2, padding: 'same', dataFormat: 'channelsFirst' }), [dn.tensor(values, [2, 3, 7])]);
  });
});
