import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('batchNorm: bad arguments', () => {
  const x = dn.zeros([4, 3, 3, 2]);
  it('rejects a wrong rank, per-channel shapes that do not match, and bad options', () => {
    expect(() => dn.batchNorm(dn.zeros([5]))).toThrow(/batchNorm: x must have a batch axis and a channel axis/);
    expect(() => dn.batchNorm(x, dn.zeros([3]), dn.ones([3]))).toThrow(ShapeError);
    expect(() => dn.batchNorm(x, dn.zeros([3]), dn.ones([3]))).toThrow(/mean must hold one value per channel \(shape \[2\]\), got shape \[3\]/);
    expect(() => dn.batchNorm(x, { mean: dn.zeros([2]) })).toThrow(/give both mean and variance/);
    expect(() => dn.batchNorm(x, { epsilon: -1 })).toThrow(ValueError);
    expect(() => dn.batchNorm(x, { eps: 1 } as never)).toThrow(/unknown option 'eps'/);
    expect(() => dn.batchNorm(x, { dataFormat: 'NCHW' as never })).toThrow(/dataFormat/);
  });
});

describe('batchNorm', () => {
  it('normalizes each channel with the batch statistics (biased variance)', () => {
    const x = randomTensor([6, 4, 3], { seed: 1 }).mul(3).add(10);
    const gamma = dn.tensor([1, 2, 0.5]);
    const beta = dn.tensor([0, -1, 3]);
    const y = dn.batchNorm(x, { scale: gamma, offset: beta });
    const mean = x.mean([0, 1]);
    const variance = x.variance([0, 1]);
    const expected = x.sub(mean).div(variance.add(0.001).sqrt()).mul(gamma).add(beta);
    const got = y.dataSync();
    expected.dataSync().forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
  });

  it('normalizes with given statistics (TensorFlow.js form) and in channelsFirst', () => {
    const x = randomTensor([2, 3, 4, 4], { seed: 2 });
    const mean = dn.tensor([0.1, -0.2, 0.3]);
    const variance = dn.tensor([1.5, 0.5, 2]);
    const gamma = dn.tensor([2, 1, 0.5]);
    const beta = dn.tensor([0, 1, -1]);
    const last = dn.batchNorm(x.transpose([0, 2, 3, 1]), mean, variance, beta, gamma, 1e-3);
    const first = dn.batchNorm(x, { mean, variance, offset: beta, scale: gamma, dataFormat: 'channelsFirst' });
    expect(first.shape).toEqual([2, 3, 4, 4]);
    const a = first.transpose([0, 2, 3, 1]).dataSync();
    const b = last.dataSync();
    b.forEach((v, i) => expect(a[i]).toBe(v));
    const expected = x.transpose([0, 2, 3, 1]).sub(mean).div(variance.add(1e-3).sqrt()).mul(gamma).add(beta).dataSync();
    expected.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    expect(x.transpose([0, 2, 3, 1]).batchNorm().shape).toEqual([2, 4, 4, 3]);
  });

  it('passes gradient checks through batch statistics and given statistics, in both data formats', () => {
    const x = randomTensor([5, 3, 2], { seed: 3 });
    const gamma = randomTensor([2], { seed: 4 });
    const beta = randomTensor([2], { seed: 5 });
    gradcheck((a, g, b) => dn.batchNorm(a, { scale: g, offset: b }), [x, gamma, beta], { atol: 1e-2 });
    gradcheck((a, g, b) => dn.batchNorm(a, { scale: g, offset: b, dataFormat: 'channelsFirst' }), [x.transpose([0, 2, 1]).contiguous(), gamma, beta], { atol: 1e-2 });
    const variance = randomTensor([2], { seed: 6, positive: true, low: 0.5, high: 2 });
    gradcheck((a, m, v, g, b) => dn.batchNorm(a, m, v, b, g, 0.01), [x, randomTensor([2], { seed: 7 }), variance, gamma, beta]);
  });
});

describe('layerNorm: bad arguments', () => {
  const x = dn.zeros([4, 3, 5]);
  it('rejects scales of the wrong shape, bad axes and options', () => {
    expect(() => dn.layerNorm(x, { scale: dn.ones([3]) })).toThrow(ShapeError);
    expect(() => dn.layerNorm(x, { scale: dn.ones([3]) })).toThrow(/scale must have the normalized axes' shape \[5\], got shape \[3\]/);
    expect(() => dn.layerNorm(x, { axis: [1, 2], offset: dn.ones([5, 3]) })).toThrow(/offset must have the normalized axes' shape \[3, 5\]/);
    expect(() => dn.layerNorm(x, { axis: 3 })).toThrow(/axis/);
    expect(() => dn.layerNorm(x, { axis: [] })).toThrow(/at least one axis/);
    expect(() => dn.layerNorm(x, { axis: [1, 1] })).toThrow(/twice/);
    expect(() => dn.layerNorm(x, { epsilon: -1 })).toThrow(ValueError);
    expect(() => dn.layerNorm(x, { epsilon: Infinity })).toThrow(ValueError);
    expect(() => dn.layerNorm(x, { eps: 1 } as never)).toThrow(/unknown option 'eps'/);
    expect(() => dn.layerNorm(dn.scalar(1))).toThrow(/at least one axis/);
    expect(() => dn.layerNorm(dn.tensor([1, 2], [2], 'int32'))).toThrow(/float32/);
  });
});

describe('layerNorm', () => {
  it('normalizes each sample over the last axis (biased variance), then scales and offsets', () => {
    const x = randomTensor([6, 4, 7], { seed: 3 }).mul(3).add(10);
    const gamma = randomTensor([7], { seed: 4 });
    const beta = randomTensor([7], { seed: 5 });
    const y = dn.layerNorm(x, { scale: gamma, offset: beta, epsilon: 1e-5 });
    const expected = x.sub(x.mean(-1, true)).div(x.variance(-1, true).add(1e-5).sqrt()).mul(gamma).add(beta);
    const got = y.dataSync();
    expected.dataSync().forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
  });

  it('normalizes over several axes, trailing or not, as the same axes moved last', () => {
    const x = randomTensor([3, 4, 5, 2], { seed: 6 });
    const gamma = randomTensor([4, 2], { seed: 7 });
    const got = dn.layerNorm(x, { axis: [1, 3], scale: gamma });
    const moved = dn.layerNorm(x.permute([0, 2, 1, 3]), { axis: [2, 3], scale: gamma }).permute([0, 2, 1, 3]);
    expect(got.shape).toEqual([3, 4, 5, 2]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(moved.dataSync()));
    const whole = dn.layerNorm(x, { axis: [1, 2, 3] });
    const flat = dn.layerNorm(x.reshape([3, 40])).reshape([3, 4, 5, 2]);
    expect(Array.from(whole.dataSync())).toEqual(Array.from(flat.dataSync()));
  });

  it('passes finite-difference gradient checks for x, scale and offset', () => {
    gradcheck((x: dn.Tensor, g: dn.Tensor, b: dn.Tensor) => dn.layerNorm(x, { scale: g, offset: b }), [
      randomTensor([3, 6], { seed: 8 }), randomTensor([6], { seed: 9 }), randomTensor([6], { seed: 10 }),
    ]);
    gradcheck((x: dn.Tensor, g: dn.Tensor) => dn.layerNorm(x, { axis: [0, 2], scale: g, epsilon: 1e-2 }), [
      randomTensor([2, 3, 4], { seed: 11 }), randomTensor([2, 4], { seed: 12 }),
    ]);
    gradcheck((x: dn.Tensor) => dn.layerNorm(x.transpose()), [randomTensor([5, 3], { seed: 13 })]);
  });

  it('gives the same results on 1 and 2 threads', () => {
    const x = randomTensor([300, 96], { seed: 14 });
    const gamma = randomTensor([96], { seed: 15 });
    const run = (threads: number) => {
      dn.setNumThreads(threads);
      const g = dn.tensor(gamma.dataSync().slice(), [96]);
      g.requiresGrad = true;
      const xx = dn.tensor(x.dataSync().slice(), [300, 96]);
      xx.requiresGrad = true;
      const y = dn.layerNorm(xx, { scale: g });
      y.mul(y).sum().backward();
      return [...y.dataSync(), ...xx.grad!.dataSync(), ...g.grad!.dataSync()];
    };
    const threads = dn.backendInfo().threads;
    const one = run(1);
    const two = run(2);
    dn.setNumThreads(threads);
    expect(two).toEqual(one);
  });
});
