// Custom training loops over a functional model: the PyTorch style (model.apply, loss.backward(),
// optimizer.step(model.trainableWeights)) and the functional style (dn.valueAndGrad, dn.grad,
// optimizer.applyGradients).
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';

/** A 4-8-1 regressor with a residual-free graph; the same weights every call. */
function regressor(): dn.Functional<dn.Tensor> {
  const input = dn.input({ shape: [4], name: 'x' });
  const hidden = dn.layers.dense({ units: 8, activation: 'tanh', name: 'hidden', kernelInitializer: dn.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const output = dn.layers.dense({ units: 1, name: 'out', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }).apply(hidden);
  return dn.model({ inputs: input, outputs: output });
}

const x = dn.rand([32, 4], { seed: 3 });
const y = x.sum(1, true).mul(0.5);
const lossOf = (model: dn.Model): dn.Tensor => dn.losses.meanSquaredError(y, model.apply(x, { training: true }));
const values = (model: dn.Model): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('custom loops: should throw', () => {
  it('valueAndGrad and grad check fn, its value and the variables', () => {
    const model = regressor();
    expect(() => dn.valueAndGrad('loss' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.valueAndGrad(() => model.apply(x))).toThrow('valueAndGrad: fn must return a one-element float32 tensor (a loss), got float32 of shape [32, 1]');
    expect(() => dn.valueAndGrad(() => 3 as never)).toThrow(/the value of fn must be a Tensor, got 3/);
    expect(() => dn.valueAndGrad((async () => lossOf(model)) as never)).toThrow(/fn returned a Promise/);
    expect(() => dn.valueAndGrad(() => dn.tensor([1, 2]).sum())).toThrow(/the value depends on no weight of a trainable layer \(nothing it was computed from requires gradients\)/);
    const w = dn.ones([2], { requiresGrad: true });
    expect(() => dn.valueAndGrad(() => w.sum(), { w: w.mul(2) })).toThrow("valueAndGrad: variables['w'] must be a leaf tensor (a weight), not one computed by the op 'mul'");
    expect(() => dn.valueAndGrad(() => w.sum(), [{ value: w }] as never)).toThrow(ArgumentTypeError);
    expect(() => dn.grad(() => w.sum(), 'w' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.grad(() => w.sum(), [{ name: 'w', value: w }, { name: 'w', value: w }])).toThrow(/two variables are named 'w'/);
  });

  it('applyGradients checks the names and shapes it is given', () => {
    const model = regressor();
    const optimizer = dn.optimizers.sgd(0.1);
    expect(() => optimizer.applyGradients({})).toThrow(/the optimizer has no variables yet/);
    const grads = dn.grad(() => lossOf(model));
    expect(() => optimizer.applyGradients({ ...grads, 'hiden/kernel': dn.zeros([4, 8]) }, model.trainableWeights)).toThrow(
      "SGD.applyGradients: grads has 'hiden/kernel', which is not a variable this optimizer updates (did you mean 'hidden/kernel'?); it updates hidden/kernel, hidden/bias, out/kernel, out/bias",
    );
    expect(() => optimizer.applyGradients({ 'out/bias': dn.zeros([2]) })).toThrow(ShapeError);
    expect(() => optimizer.applyGradients({ 'out/bias': 1 as never })).toThrow(ArgumentTypeError);
  });
});

describe('custom loops', () => {
  it('PyTorch style: apply, backward, optimizer.step(model.trainableWeights) trains a functional model as trainOnBatch does', () => {
    const custom = regressor();
    const builtIn = regressor();
    builtIn.compile({ optimizer: dn.optimizers.sgd(0.05), loss: 'mse' });
    const optimizer = dn.optimizers.sgd(0.05);
    const first = lossOf(custom).item();
    let last = first;
    for (let step = 0; step < 50; step++) {
      const loss = lossOf(custom);
      loss.backward();
      optimizer.step(custom.trainableWeights);
      last = loss.item();
      builtIn.trainOnBatch(x, y);
    }
    expect(last).toBeLessThan(first / 3);
    const a = values(custom);
    values(builtIn).forEach((w, k) => w.forEach((v, i) => expect(a[k][i]).toBeCloseTo(v, 5)));
  });

  it('functional style: valueAndGrad gives the value and the gradients by weight name, and applyGradients makes the same step', () => {
    const torchStyle = regressor();
    const functional = regressor();
    const sgdA = dn.optimizers.sgd(0.05);
    const sgdB = dn.optimizers.sgd(0.05);
    for (let step = 0; step < 10; step++) {
      const loss = lossOf(torchStyle);
      loss.backward();
      sgdA.step(torchStyle.trainableWeights);
      const { value, grads } = dn.valueAndGrad(() => lossOf(functional));
      expect(Object.keys(grads)).toEqual(['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
      expect(value.item()).toBe(loss.item());
      expect(value.requiresGrad).toBe(false);
      sgdB.applyGradients(grads, functional.trainableWeights);
    }
    expect(values(functional)).toEqual(values(torchStyle));
  });

  it('valueAndGrad leaves every .grad as it was (the optimizer\'s buffer too), and leaves out frozen layers', () => {
    const model = regressor();
    model.compile({ optimizer: 'adam', loss: 'mse' });
    model.trainOnBatch(x, y);
    const hidden = model.getLayer<dn.layers.Dense>('hidden');
    const before = model.weights.map((v) => (v.value.grad === null ? null : Array.from(v.value.grad.dataSync())));
    const gradTensors = model.weights.map((v) => v.value.grad);
    const { grads } = dn.valueAndGrad(() => lossOf(model));
    expect(model.weights.map((v) => v.value.grad)).toEqual(gradTensors);
    expect(model.weights.map((v) => (v.value.grad === null ? null : Array.from(v.value.grad.dataSync())))).toEqual(before);
    // The gradient equals what backward() puts in .grad.
    const loss = lossOf(model);
    model.weights.forEach((v) => v.value.zeroGrad());
    loss.backward();
    expect(Array.from(grads['hidden/kernel'].dataSync())).toEqual(Array.from(hidden.kernel!.value.grad!.dataSync()));
    hidden.trainable = false;
    expect(Object.keys(dn.grad(() => lossOf(model)))).toEqual(['out/kernel', 'out/bias']);
  });

  it('differentiates with respect to tensors of your own, by name, with zeros for an unused one', () => {
    const w = dn.tensor([1, 2, 3]);
    const unused = dn.tensor([5]);
    const { value, grads } = dn.valueAndGrad(() => w.square().sum(), { w, unused });
    expect(value.item()).toBe(14);
    expect(grads.w.toArray()).toEqual([2, 4, 6]);
    expect(grads.unused.toArray()).toEqual([0]);
    expect(w.requiresGrad).toBe(false);
    expect(dn.noGrad(() => dn.grad(() => w.mul(3).sum(), { w }).w.toArray())).toEqual([3, 3, 3]);
  });
});
