import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../lib/errors.js';
import { emptyTensor, floats } from '../lib/tensor.js';
import { gradcheck, randomTensor } from './helpers/gradcheck.js';

const leaf = (values: number[] | number[][]) => dn.tensor(values, { requiresGrad: true });

describe('autograd: should throw', () => {
  it('backward on a tensor that does not require gradients', () => {
    expect(() => dn.tensor([1]).backward()).toThrow(/does not require gradients/);
    const x = leaf([1, 2]);
    expect(() => dn.noGrad(() => x.mul(2)).sum().backward()).toThrow(ValueError);
  });
  it('backward without a gradient on a tensor of several elements', () => {
    expect(() => leaf([1, 2]).mul(2).backward()).toThrow(
      'backward: the gradient can be implied only for a one-element tensor (a loss), got shape [2]; pass the upstream gradient: y.backward(dy)',
    );
  });
  it('backward with a gradient of the wrong shape, dtype or type', () => {
    const y = leaf([1, 2]).mul(2);
    expect(() => y.backward(dn.ones([3]))).toThrow('backward: grad has shape [3], the tensor has shape [2]');
    expect(() => y.backward(dn.ones([2], 'int32'))).toThrow(DTypeError);
    expect(() => y.backward('1' as never)).toThrow(ArgumentTypeError);
    expect(() => y.backward({ retain: true } as never)).toThrow(/unknown option 'retain'/);
    expect(() => y.backward(undefined, { retainGraph: 1 } as never)).toThrow(ArgumentTypeError);
  });
  it('a second backward through a released graph', () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/graph through 'sum' was released .*retainGraph: true/);
  });
  it('noGrad with a non-function or an async function', () => {
    expect(() => dn.noGrad(1 as never)).toThrow(ArgumentTypeError);
    expect(() => dn.noGrad(async () => 1)).toThrow(/returned a Promise/);
    expect(dn.isGradEnabled()).toBe(true);
  });
  it('a custom op whose backward returns a wrong shape', () => {
    const broken = (x: dn.Tensor) => dn.recordOp('broken', x.mul(1).detach(), [x], () => [dn.ones([5])]);
    expect(() => broken(leaf([1, 2])).sum().backward()).toThrow(ShapeError);
    expect(() => broken(leaf([1, 2])).sum().backward()).toThrow(
      "backward of 'broken': the gradient of input 0 has shape [5], the input has shape [2]",
    );
  });
  it('recordOp misuse', () => {
    const x = leaf([1]);
    expect(() => dn.recordOp('identity', x, [x], (g) => [g])).toThrow(/already part of the graph/);
    const y = dn.tensor([1]);
    expect(() => dn.recordOp('bad', y, [x], 'nope' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.recordOp('bad', dn.tensor([1], undefined, 'int32'), [x], (g) => [g])).toThrow(DTypeError);
  });
  it('retainGrad on a tensor outside the graph', () => {
    expect(() => dn.tensor([1]).retainGrad()).toThrow(ValueError);
  });
});

describe('autograd: engine', () => {
  it('computes gradients of a scalar and of an explicit upstream gradient', () => {
    const x = leaf([1, 2, 3]);
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    const z = leaf([1, 2]);
    z.mul(3).backward(dn.tensor([1, -1]));
    expect(z.grad!.toArray()).toEqual([3, -3]);
    const w = leaf([[1, 2]]);
    w.mul(2).backward([[1, 1]]);
    expect(w.grad!.toArray()).toEqual([[2, 2]]);
  });
  it('accumulates .grad across backward calls until zeroGrad (in place)', () => {
    const x = leaf([1, 2]);
    x.mul(2).sum().backward();
    const first = x.grad!;
    x.mul(3).sum().backward();
    expect(x.grad).toBe(first);
    expect(x.grad!.toArray()).toEqual([5, 5]);
    x.zeroGrad();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    x.mul(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });
  it('sums the gradients of a tensor used several times (fan-out)', () => {
    const x = leaf([2]);
    const y = x.mul(x).add(x.mul(3)).add(x.exp());
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(2 * 2 + 3 + Math.exp(2), 4);
  });
  it('does not let a leaf .grad alias the upstream gradient', () => {
    const x = leaf([1, 2]);
    const upstream = dn.tensor([1, 1]);
    x.add(0).backward(upstream);
    x.add(0).backward(upstream);
    expect(upstream.toArray()).toEqual([1, 1]);
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
  it('releases the graph after backward, unless retainGraph', () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    expect(y.gradFn).toBe('sum');
  });
  it('detach and noGrad stop recording; noGrad restores the mode after a throw', () => {
    const x = leaf([1, 2]);
    expect(x.detach().mul(2).requiresGrad).toBe(false);
    expect(dn.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(() =>
      dn.noGrad(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(dn.isGradEnabled()).toBe(true);
    const y = x.mul(x.detach()).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([1, 2]);
    const previous = dn.setGradEnabled(false);
    expect(x.mul(2).requiresGrad).toBe(false);
    dn.setGradEnabled(previous);
  });
  it('keeps .grad of an intermediate tensor with retainGrad', () => {
    const x = leaf([1, 2]);
    const h = x.mul(2).retainGrad();
    h.square().sum().backward();
    expect(h.grad!.toArray()).toEqual([4, 8]);
    expect(x.grad!.toArray()).toEqual([8, 16]);
    expect(x.mul(2).grad).toBeNull();
  });
  it('marks results of recorded ops as non-leaves requiring grad', () => {
    const x = leaf([1]);
    const y = x.add(1);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn).toBe('add');
    expect(dn.tensor([1]).add(1).requiresGrad).toBe(false);
  });
  it('flows through views: transpose, slice, reshape, broadcastTo', () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const y = x.transpose().slice([1, 0], [2, 2]).reshape([4]).mul(dn.tensor([1, 2, 3, 4]));
    y.sum().backward();
    // y = [x01*1, x11*2, x02*3, x12*4]
    expect(x.grad!.toArray()).toEqual([[0, 1, 3], [0, 2, 4]]);
    const b = leaf([1, 2]);
    b.broadcastTo([3, 2]).sum().backward();
    expect(b.grad!.toArray()).toEqual([3, 3]);
  });
  it('lets an integer input pass through a custom op', () => {
    const x = leaf([[1, 2], [3, 4]]);
    x.gather(dn.tensor([1, 1], undefined, 'int32')).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0], [2, 2]]);
  });
});

describe('autograd: custom ops with recordOp', () => {
  /** A fused op written on the raw kernels: y = x * x * scale, with its backward beside it. */
  function scaledSquare(x: dn.Tensor, scale: number): dn.Tensor {
    const y = emptyTensor(x.shape);
    const xs = floats(x.contiguous().detach());
    const ys = floats(y);
    for (let i = 0; i < ys.length; i++) ys[i] = xs[i] * xs[i] * scale;
    return dn.recordOp('scaledSquare', y, [x], (dy, needs) => [needs[0] ? dy.mul(x).mul(2 * scale) : null]);
  }
  it('joins the graph and passes a gradient check', () => {
    const y = scaledSquare(leaf([1, 2]), 3);
    expect(y.gradFn).toBe('scaledSquare');
    gradcheck((x) => scaledSquare(x, 0.5), [randomTensor([2, 3])]);
  });
  it('records nothing when no input requires gradients', () => {
    expect(scaledSquare(dn.tensor([1, 2]), 3).requiresGrad).toBe(false);
  });
  it('gradcheck catches a wrong backward', () => {
    const wrong = (x: dn.Tensor) => dn.recordOp('wrong', dn.noGrad(() => x.square()), [x], (dy) => [dy.mul(x)]);
    expect(() => gradcheck(wrong, [randomTensor([3])])).toThrow(/gradcheck: input 0/);
  });
});

describe('autograd: a small MLP written with raw ops', () => {
  const x = dn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = dn.tensor([[0], [1], [1], [0]]);
  const forward = (input: dn.Tensor, w1: dn.Tensor, b1: dn.Tensor, w2: dn.Tensor, b2: dn.Tensor) =>
    input.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sigmoid();
  const loss = (prediction: dn.Tensor) => prediction.sub(y).square().mean();

  it('has the gradients of finite differences for every parameter', () => {
    const params = [randomTensor([2, 4], { seed: 1 }), randomTensor([4], { seed: 2 }), randomTensor([4, 1], { seed: 3 }), randomTensor([1], { seed: 4 })];
    gradcheck((w1, b1, w2, b2) => loss(forward(x, w1, b1, w2, b2)), params);
    gradcheck((input, w1, b1, w2, b2) => forward(input, w1, b1, w2, b2), [randomTensor([4, 2], { seed: 5 }), ...params]);
  });
  it('learns XOR with plain gradient descent (updating parameters in place)', () => {
    const w1 = dn.randn([2, 8], { seed: 1, requiresGrad: true });
    const b1 = dn.zeros([8], { requiresGrad: true });
    const w2 = dn.randn([8, 1], { seed: 2, requiresGrad: true });
    const b2 = dn.zeros([1], { requiresGrad: true });
    const params = [w1, b1, w2, b2];
    let first = 0;
    let last = 0;
    for (let step = 0; step < 300; step++) {
      const value = loss(forward(x, w1, b1, w2, b2));
      if (step === 0) first = value.item();
      last = value.item();
      for (const p of params) p.zeroGrad();
      value.backward();
      dn.noGrad(() => {
        for (const p of params) p.sub(p.grad!.mul(2), { out: p });
      });
    }
    expect(first).toBeGreaterThan(0.2);
    expect(last).toBeLessThan(0.02);
    const predicted = dn.noGrad(() => forward(x, w1, b1, w2, b2)).greater(0.5);
    expect(predicted.toArray()).toEqual([[0], [1], [1], [0]]);
  });
});
