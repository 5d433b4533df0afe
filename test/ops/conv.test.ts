import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

/**
 * Convolution in float64, straight from the definition: x NHWC, filter HWIO (in / groups), TensorFlow's
 * 'same' rule or explicit padding.
 */
function reference(
  x: dn.Tensor, filter: dn.Tensor, strides: number[], dilations: number[], padding: [number, number, number, number],
  groups = 1,
): { shape: number[]; values: number[] } {
  const [n, h, w, c] = x.shape;
  const [kh, kw, cg, oc] = filter.shape;
  const [pt, pb, pl, pr] = padding;
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dilations[0] + 1)) / strides[0]) + 1;
  const ow = Math.floor((w + pl + pr - ((kw - 1) * dilations[1] + 1)) / strides[1]) + 1;
  const xv = x.dataSync();
  const fv = filter.dataSync();
  const values: number[] = [];
  const og = oc / groups;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let o = 0; o < oc; o++) {
          const g = Math.floor(o / og);
          let s = 0;
          for (let a = 0; a < kh; a++) {
            for (let d = 0; d < kw; d++) {
              const ih = i * strides[0] - pt + a * dilations[0];
              const iw = j * strides[1] - pl + d * dilations[1];
              if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
              for (let q = 0; q < cg; q++) s += xv[((b * h + ih) * w + iw) * c + g * cg + q] * fv[((a * kw + d) * cg + q) * oc + o];
            }
          }
          values.push(s);
        }
      }
    }
  }
  return { shape: [n, oh, ow, oc], values };
}

function expectClose(actual: dn.Tensor, expected: { shape: number[]; values: number[] }, tolerance = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  const got = actual.dataSync();
  expected.values.forEach((v, i) => {
    if (!(Math.abs(got[i] - v) <= tolerance * Math.max(1, Math.abs(v)))) throw new Error(`element ${i}: got ${got[i]}, expected ${v}`);
  });
}

/** sum(a * b) in float64. */
function dot(a: dn.Tensor, b: dn.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let s = 0;
  for (let i = 0; i < av.length; i++) s += av[i] * bv[i];
  return s;
}

const NCHW = [0, 3, 1, 2];
const NHWC = [0, 2, 3, 1];
const OIHW = [3, 2, 0, 1];

describe('conv2d: bad arguments', () => {
  const x = dn.zeros([2, 6, 6, 3]);
  const f = dn.zeros([3, 3, 3, 4]);

  it('rejects a wrong input or filter rank, naming the shapes', () => {
    expect(() => dn.conv2d(dn.zeros([6, 3]), f)).toThrow(ShapeError);
    expect(() => dn.conv2d(dn.zeros([6, 3]), f)).toThrow(/conv2d: x must have rank 4 .* got shape \[6, 3\]/);
    expect(() => dn.conv2d(x, dn.zeros([3, 3, 3]))).toThrow(/conv2d: filter must have rank 4 .* got shape \[3, 3, 3\]/);
  });

  it('rejects a channel count the filter does not take', () => {
    expect(() => dn.conv2d(x, dn.zeros([3, 3, 2, 4]))).toThrow(/conv2d: the input has 3 channels but the filter takes 2: input \[2, 6, 6, 3\], filter \[3, 3, 2, 4\]/);
    expect(() => dn.conv2d(dn.zeros([1, 6, 6, 4]), dn.zeros([3, 3, 2, 3]), { groups: 2 })).toThrow(/output channels are not divisible by groups 2/);
    expect(() => dn.conv2d(x.transpose(NCHW), dn.zeros([4, 2, 3, 3]), { dataFormat: 'channelsFirst' })).toThrow(/3 channels but the filter takes 2/);
  });

  it('rejects a kernel larger than the padded input', () => {
    expect(() => dn.conv2d(x, dn.zeros([7, 3, 3, 4]))).toThrow(/the height of the kernel \(7\) is larger than the padded input's \(6\): input \[2, 6, 6, 3\], filter \[7, 3, 3, 4\]/);
    expect(() => dn.conv2d(x, dn.zeros([3, 3, 3, 4]), { dilations: 3 })).toThrow(/width|height/);
    expect(() => dn.conv2d(x, dn.zeros([7, 7, 3, 4]), { padding: 'same' })).not.toThrow();
    expect(() => dn.conv2d(x, dn.zeros([9, 9, 3, 4]), { padding: 1 })).toThrow(ShapeError);
  });

  it('rejects zero or negative strides and dilations with a ValueError', () => {
    expect(() => dn.conv2d(x, f, { strides: 0 })).toThrow(/conv2d: strides must be positive integers, got 0/);
    expect(() => dn.conv2d(x, f, { strides: [1, -2] })).toThrow(/strides must be positive integers, got \[1, -2\]/);
    expect(() => dn.conv2d(x, f, { dilations: [0, 1] })).toThrow(ValueError);
    expect(() => dn.conv2d(x, f, { strides: 1.5 })).toThrow(ValueError);
    expect(() => dn.conv2d(x, f, { strides: [1, 1, 1] })).toThrow(ArgumentTypeError);
  });

  it('rejects unknown options and bad values', () => {
    expect(() => dn.conv2d(x, f, { stride: 1 } as never)).toThrow(/unknown option 'stride' \(did you mean 'strides'\?\)/);
    expect(() => dn.conv2d(x, f, { padding: 'full' as never })).toThrow(/unknown padding 'full'/);
    expect(() => dn.conv2d(x, f, { padding: 'causal' as never })).toThrow(ValueError);
    expect(() => dn.conv2d(x, f, { dataFormat: 'NHWC' as never })).toThrow(/dataFormat/);
    expect(() => dn.conv2d(x, f, { padding: -1 })).toThrow(ValueError);
    expect(() => dn.conv2d(x, f, { bias: dn.zeros([3]) })).toThrow(/bias must have shape \[4\]/);
    expect(() => dn.conv2d(x.cast('int32'), f)).toThrow(/float32/);
  });
});

describe('conv2d', () => {
  const cases: Array<{ name: string; x: number[]; f: number[]; strides: number[]; dilations: number[]; padding: dn.Padding; pads: [number, number, number, number]; groups?: number }> = [
    { name: "'valid' 3x3", x: [2, 6, 5, 3], f: [3, 3, 3, 4], strides: [1, 1], dilations: [1, 1], padding: 'valid', pads: [0, 0, 0, 0] },
    { name: "'same' 3x3", x: [1, 5, 6, 2], f: [3, 3, 2, 3], strides: [1, 1], dilations: [1, 1], padding: 'same', pads: [1, 1, 1, 1] },
    // TensorFlow's 'same' with stride 2 on an even input: the odd element of padding goes after.
    { name: "'same' with stride 2, even input", x: [1, 6, 6, 2], f: [3, 3, 2, 2], strides: [2, 2], dilations: [1, 1], padding: 'same', pads: [0, 1, 0, 1] },
    { name: "'same' with stride 2, odd input", x: [2, 7, 5, 1], f: [4, 2, 1, 2], strides: [2, 2], dilations: [1, 1], padding: 'same', pads: [1, 2, 0, 1] },
    { name: 'dilation 2', x: [1, 7, 7, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [2, 2], padding: 'valid', pads: [0, 0, 0, 0] },
    { name: 'kernel equal to the input', x: [3, 4, 5, 2], f: [4, 5, 2, 3], strides: [1, 1], dilations: [1, 1], padding: 'valid', pads: [0, 0, 0, 0] },
    { name: 'explicit padding', x: [1, 4, 4, 1], f: [2, 3, 1, 2], strides: [1, 2], dilations: [1, 1], padding: [[2, 0], [1, 3]], pads: [2, 0, 1, 3] },
    { name: 'groups', x: [1, 5, 5, 4], f: [3, 3, 2, 6], strides: [1, 1], dilations: [1, 1], padding: 'same', pads: [1, 1, 1, 1], groups: 2 },
  ];

  for (const c of cases) {
    it(`matches the definition: ${c.name}, both data formats`, () => {
      const x = randomTensor(c.x, { seed: 3 });
      const f = randomTensor(c.f, { seed: 4 });
      const expected = reference(x, f, c.strides, c.dilations, c.pads, c.groups);
      const options = { strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups };
      expectClose(dn.conv2d(x, f, options), expected);
      const first = dn.conv2d(x.transpose(NCHW), f.transpose(OIHW), { ...options, dataFormat: 'channelsFirst' });
      expectClose(first.transpose(NHWC), expected);
    });
  }

  it('adds a bias; accepts TensorFlow.js positional arguments and one unbatched sample', () => {
    const x = randomTensor([2, 4, 4, 2], { seed: 5 });
    const f = randomTensor([3, 3, 2, 3], { seed: 6 });
    const b = dn.tensor([1, -2, 0.5]);
    const plain = dn.conv2d(x, f, { padding: 'same' });
    const biased = dn.conv2d(x, f, { padding: 'same', bias: b });
    const diff = biased.sub(plain).reshape([-1, 3]);
    expect(diff.mean(0).dataSync()[1]).toBeCloseTo(-2, 5);
    expect(Array.from(dn.conv2d(x, f, 1, 'same').dataSync())).toEqual(Array.from(plain.dataSync()));
    expect(Array.from(dn.conv2d(x, f, [1, 1], 'same', 'NHWC', 1).dataSync())).toEqual(Array.from(plain.dataSync()));
    const one = dn.conv2d(x.slice([0], [1]).reshape([4, 4, 2]), f, { padding: 'same' });
    expect(one.shape).toEqual([4, 4, 3]);
    expect(Array.from(one.dataSync())).toEqual(Array.from(plain.slice([0], [1]).dataSync()));
    expect(x.conv2d(f, { padding: 'same' }).shape).toEqual([2, 4, 4, 3]);
  });

  it('passes gradient checks for x, filter and bias in both data formats', () => {
    const x = randomTensor([2, 5, 4, 3], { seed: 7 });
    const f = randomTensor([3, 2, 3, 2], { seed: 8 });
    const b = randomTensor([2], { seed: 9 });
    gradcheck((a, w, c) => dn.conv2d(a, w, { strides: [2, 1], padding: 'same', bias: c }), [x, f, b]);
    gradcheck((a, w, c) => dn.conv2d(a, w, { dilations: [1, 2], padding: [[1, 0], [0, 2]], bias: c, dataFormat: 'channelsFirst' }),
      [x.transpose(NCHW).contiguous(), f.transpose(OIHW).contiguous(), b]);
    gradcheck((a, w) => dn.conv2d(a, w, { groups: 3, padding: 'valid' }), [randomTensor([1, 4, 4, 3], { seed: 10 }), randomTensor([2, 2, 1, 6], { seed: 11 })]);
  });
});

describe('conv1d', () => {
  it('is conv2d over one axis; causal padding sees only the past', () => {
    const x = randomTensor([2, 9, 3], { seed: 12 });
    const f = randomTensor([3, 3, 4], { seed: 13 });
    const y = dn.conv1d(x, f, { padding: 'same', strides: 2 });
    expectClose(y.reshape([2, 1, 5, 4]), reference(x.reshape([2, 1, 9, 3]), f.reshape([1, 3, 3, 4]), [1, 2], [1, 1], [0, 0, 1, 1]));
    const causal = dn.conv1d(x, f, { padding: 'causal', dilations: 2 });
    expect(causal.shape).toEqual([2, 9, 4]);
    // Output t does not change when inputs after t change.
    const changed = x.clone();
    (changed.storage as Float32Array)[5 * 3] += 10;
    const after = dn.conv1d(changed, f, { padding: 'causal', dilations: 2 });
    expect(Array.from(after.slice([0, 0, 0], [1, 5, 4]).dataSync())).toEqual(Array.from(causal.slice([0, 0, 0], [1, 5, 4]).dataSync()));
    expect(() => dn.conv1d(x, dn.zeros([3, 3, 3, 4]))).toThrow(/conv1d: filter must have rank 3/);
    expect(() => dn.conv1d(dn.zeros([2, 9, 3, 1]), f)).toThrow(/conv1d: x must have rank 3/);
    expect(() => dn.conv1d(x, f, { strides: 0 })).toThrow(/conv1d: strides must be positive integers/);
  });

  it('passes gradient checks in both data formats', () => {
    const x = randomTensor([2, 7, 2], { seed: 14 });
    const f = randomTensor([3, 2, 3], { seed: 15 });
    gradcheck((a, w) => dn.conv1d(a, w, { padding: 'causal', dilations: 2 }), [x, f]);
    gradcheck((a, w) => dn.conv1d(a, w, { strides: 2, dataFormat: 'channelsFirst' }), [x.transpose([0, 2, 1]).contiguous(), f.transpose([2, 1, 0]).contiguous()]);
  });
});

describe('depthwiseConv2d', () => {
  it('convolves each channel with its own filters (TensorFlow and PyTorch layouts)', () => {
    const x = randomTensor([2, 5, 5, 3], { seed: 16 });
    const f = randomTensor([3, 3, 3, 2], { seed: 17 });
    const y = dn.depthwiseConv2d(x, f, { padding: 'same', strides: 2 });
    expect(y.shape).toEqual([2, 3, 3, 6]);
    // Channel c * 2 + m is input channel c with filter [:, :, c, m].
    const expected = reference(x, f.reshape([3, 3, 1, 6]), [2, 2], [1, 1], [1, 1, 1, 1], 3);
    expectClose(y, expected);
    const torchFilter = f.reshape([3, 3, 6]).transpose([2, 0, 1]).reshape([6, 1, 3, 3]);
    expectClose(dn.depthwiseConv2d(x.transpose(NCHW), torchFilter, { padding: 'same', strides: 2, dataFormat: 'channelsFirst' }).transpose(NHWC), expected);
    expect(() => dn.depthwiseConv2d(x, dn.zeros([3, 3, 2, 1]))).toThrow(/the input has 3 channels but the filter is for 2/);
  });

  it('passes gradient checks', () => {
    gradcheck((a, w) => dn.depthwiseConv2d(a, w, { padding: 'same' }), [randomTensor([1, 4, 4, 2], { seed: 18 }), randomTensor([3, 3, 2, 2], { seed: 19 })]);
  });
});

describe('conv2dTranspose', () => {
  it("is conv2d's adjoint, with Keras' output sizes", () => {
    for (const [padding, strides, size, kernel] of [['same', 2, 4, 3], ['valid', 2, 4, 3], ['valid', 3, 3, 2], ['same', 1, 5, 3]] as const) {
      const x = randomTensor([2, size, size, 3], { seed: 20 });
      const f = randomTensor([kernel, kernel, 2, 3], { seed: 21 });
      const y = dn.conv2dTranspose(x, f, { strides, padding });
      const expected = padding === 'same' ? size * strides : size * strides + Math.max(kernel - strides, 0);
      expect(y.shape).toEqual([2, expected, expected, 2]);
      // <conv2d(z), x> = <conv2dTranspose(x), z> for any z of the transpose's output shape.
      const z = randomTensor(y.shape, { seed: 22 });
      const forward = dn.conv2d(z, f, { strides, padding });
      expect(forward.shape).toEqual(x.shape);
      expect(dot(forward, x)).toBeCloseTo(dot(y, z), 3);
    }
  });

  it('takes outputSize, a bias and PyTorch layouts', () => {
    const x = randomTensor([1, 3, 3, 2], { seed: 23 });
    const f = randomTensor([3, 3, 4, 2], { seed: 24 });
    expect(dn.conv2dTranspose(x, f, { strides: 2, padding: 'same', outputSize: [5, 6] }).shape).toEqual([1, 5, 6, 4]);
    expect(() => dn.conv2dTranspose(x, f, { strides: 2, padding: 'same', outputSize: [8, 8] })).toThrow(/does not map back/);
    expect(() => dn.conv2dTranspose(x, dn.zeros([3, 3, 4, 3]))).toThrow(/the input has 2 channels but the filter takes 3/);
    const y = dn.conv2dTranspose(x, f, { strides: 2, padding: 'valid' });
    const first = dn.conv2dTranspose(x.transpose(NCHW), f.transpose([3, 2, 0, 1]), { strides: 2, padding: 'valid', dataFormat: 'channelsFirst' });
    expectClose(first.transpose(NHWC), { shape: y.shape.slice(), values: Array.from(y.dataSync()) });
    const biased = dn.conv2dTranspose(x, f, { strides: 2, padding: 'valid', bias: dn.ones([4]) });
    expect(dot(biased.sub(y), dn.ones(y.shape))).toBeCloseTo(y.size, 2);
  });

  it('passes gradient checks in both data formats', () => {
    const x = randomTensor([1, 3, 2, 2], { seed: 25 });
    const f = randomTensor([3, 2, 3, 2], { seed: 26 });
    const b = randomTensor([3], { seed: 27 });
    gradcheck((a, w, c) => dn.conv2dTranspose(a, w, { strides: 2, padding: 'same', bias: c }), [x, f, b]);
    gradcheck((a, w) => dn.conv2dTranspose(a, w, { strides: [1, 2], padding: 'valid', dataFormat: 'channelsFirst' }),
      [x.transpose(NCHW).contiguous(), f.transpose([3, 2, 0, 1]).contiguous()]);
  });
});
