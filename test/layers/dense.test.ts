// Dense: validation, the fused forward (one sgemm with bias + activation) against composite ops,
// gradient checks of the fused backward for every activation, weights, config.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { Dense } from '../../lib/layers/dense.js';
import { Workspace } from '../../lib/layers/layer.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const ACTIVATIONS = [
  'linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'swish', 'softplus',
  'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish', 'exponential', 'logSoftmax',
] as const;

/** The same layer computed with separate ops (matmul, add, activation): an independent reference. */
function reference(x: dn.Tensor, kernel: dn.Tensor, bias: dn.Tensor | null, activation: string): dn.Tensor {
  let z = dn.matmul(x, kernel);
  if (bias !== null) z = dn.add(z, bias);
  switch (activation) {
    case 'linear': return z;
    case 'relu': return dn.relu(z);
    case 'leakyRelu': return dn.leakyRelu(z, 0.2);
    case 'elu': return dn.elu(z, 1);
    case 'sigmoid': return dn.sigmoid(z);
    case 'tanh': return dn.tanh(z);
    case 'softmax': return dn.softmax(z);
    case 'gelu': return dn.gelu(z);
    case 'swish': return dn.silu(z);
    case 'softplus': return dn.softplus(z);
    case 'selu': return dn.selu(z);
    case 'softsign': return dn.softsign(z);
    case 'hardSigmoid': return dn.hardSigmoid(z);
    case 'hardSwish': return dn.hardSwish(z);
    case 'relu6': return dn.relu6(z);
    case 'mish': return dn.mish(z);
    case 'exponential': return dn.exp(z);
    case 'logSoftmax': return dn.logSoftmax(z);
    default: throw new Error(activation);
  }
}

function built(options: Partial<dn.layers.DenseOptions> & { units: number }, inputDim: number): Dense {
  const layer = dn.layers.dense({ kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }), biasInitializer: dn.initializers.randomNormal({ seed: 4 }), ...options });
  layer.build([null, inputDim]);
  return layer;
}

describe('dense: should throw', () => {
  it('rejects missing or bad units', () => {
    expect(() => dn.layers.dense({} as never)).toThrow(/dense: units is required/);
    expect(() => dn.layers.dense({ units: -1 })).toThrow(ValueError);
    expect(() => dn.layers.dense({ units: -1 })).toThrow(/dense: units must be an integer from 1 to 2147483647, got -1/);
    expect(() => dn.layers.dense({ units: 1.5 })).toThrow(ValueError);
    expect(() => dn.layers.dense({ units: '3' as never })).toThrow(ArgumentTypeError);
  });

  it('rejects unknown options with a suggestion', () => {
    expect(() => dn.layers.dense({ unit: 3 } as never)).toThrow(/dense: unknown option 'unit' \(did you mean 'units'\?\)/);
    expect(() => dn.layers.dense({ units: 3, activaton: 'relu' } as never)).toThrow(/did you mean 'activation'/);
  });

  it('rejects unknown activations, listing the valid ones', () => {
    expect(() => dn.layers.dense({ units: 3, activation: 'relux' as never })).toThrow(ValueError);
    expect(() => dn.layers.dense({ units: 3, activation: 'relux' as never })).toThrow(
      /dense: unknown activation 'relux' \(did you mean 'relu'\?\); expected one of 'linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'swish', 'softplus', 'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish', 'exponential', 'logSoftmax'/,
    );
    expect(() => dn.layers.dense({ units: 3, activation: 42 as never })).toThrow(ArgumentTypeError);
  });

  it('rejects bad initializer names, inputDim with inputShape, bad useBias', () => {
    expect(() => dn.layers.dense({ units: 3, kernelInitializer: 'glorotUniformm' })).toThrow(/unknown initializer 'glorotUniformm'/);
    expect(() => dn.layers.dense({ units: 3, inputDim: 4, inputShape: [4] })).toThrow(/give inputDim or inputShape/);
    expect(() => dn.layers.dense({ units: 3, useBias: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dense({ units: 3, inputShape: [0] })).toThrow(ValueError);
    expect(() => dn.layers.dense({ units: 3, name: 'has space' })).toThrow(ValueError);
  });

  it('names the layer and both shapes when the input does not fit', () => {
    const layer = dn.layers.dense({ units: 3, name: 'dense_fit', inputShape: [64] });
    expect(() => layer.apply(dn.zeros([32, 10]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([32, 10]))).toThrow('dense_fit: expected input with shape [null, 64], got shape [32, 10]');
    const free = built({ units: 3, name: 'dense_built' }, 64);
    expect(() => free.apply(dn.zeros([32, 10]))).toThrow('dense_built: expected input with last dimension 64, got shape [32, 10]');
    expect(() => free.apply(dn.zeros([64]))).toThrow(/dense_built: expected input of rank at least 2/);
    expect(() => free.apply(dn.zeros([2, 64], 'int32'))).toThrow(DTypeError);
    expect(() => free.apply(dn.zeros([2, 64]), { train: true } as never)).toThrow(/unknown option 'train'/);
  });

  it('rejects weights of the wrong count or shape, and counting before build', () => {
    const layer = built({ units: 3, name: 'dense_w' }, 4);
    expect(() => layer.setWeights([dn.zeros([4, 3])])).toThrow(/dense_w.setWeights: expected 2 weights \(dense_w\/kernel \[4, 3\], dense_w\/bias \[3\]\), got 1/);
    expect(() => layer.setWeights([dn.zeros([3, 4]), dn.zeros([3])])).toThrow(/weights\[0\] \(dense_w\/kernel\) must have shape \[4, 3\], got shape \[3, 4\]/);
    expect(() => layer.setWeights('x' as never)).toThrow(ArgumentTypeError);
    expect(() => dn.layers.dense({ units: 2 }).countParams()).toThrow(/not built yet/);
  });
});

describe('dense: forward', () => {
  for (const activation of ACTIVATIONS) {
    it(`matches matmul + bias + ${activation} (tolerance 2e-5 + 2e-5 relative)`, () => {
      const layer = built({ units: 5, activation }, 4);
      const x = randomTensor([6, 4], { seed: 9 });
      const y = layer.apply(x);
      const expected = reference(x, layer.kernel!.value, layer.bias!.value, activation);
      expect(y.shape).toEqual([6, 5]);
      const want = expected.dataSync();
      // Recording (the kernel requires grad) and inference (noGrad) take different fused paths.
      for (const got of [y.dataSync(), dn.noGrad(() => layer.apply(x)).dataSync()]) {
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2e-5 + 2e-5 * Math.abs(want[i]));
      }
    });
  }

  it('applies to the last axis of a rank-3 input, and works without a bias', () => {
    const layer = built({ units: 3, activation: 'tanh', useBias: false }, 4);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`]);
    const x = randomTensor([2, 5, 4], { seed: 2 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 5, 3]);
    const want = reference(x.reshape([10, 4]), layer.kernel!.value, null, 'tanh').dataSync();
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it('takes a transposed (non-contiguous) input and an empty batch', () => {
    const layer = built({ units: 2, activation: 'relu' }, 3);
    const xt = randomTensor([3, 4], { seed: 5 }).transpose();
    const want = layer.apply(xt.contiguous()).dataSync();
    expect(Array.from(layer.apply(xt).dataSync())).toEqual(Array.from(want));
    expect(layer.apply(dn.zeros([0, 3])).shape).toEqual([0, 2]);
  });

  it('builds from the first input and then keeps its input dimension', () => {
    const layer = dn.layers.dense({ units: 2 });
    expect(layer.built).toBe(false);
    layer.apply(dn.ones([1, 7]));
    expect(layer.built).toBe(true);
    expect(layer.inputShape).toEqual([null, 7]);
    expect(layer.outputShape).toEqual([null, 2]);
    expect(layer.countParams()).toBe(16);
  });

  it('returns the logits when the model folds the activation into the loss', () => {
    const layer = built({ units: 4, activation: 'softmax' }, 3);
    const x = randomTensor([2, 3], { seed: 1 });
    const logits = layer.call(x, { training: false, workspace: null, logits: true, losses: null });
    const want = reference(x, layer.kernel!.value, layer.bias!.value, 'linear').dataSync();
    logits.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
});

describe('dense: backward (finite differences, tolerance 5e-3 + 5e-3 relative)', () => {
  for (const activation of ACTIVATIONS) {
    it(`gives the gradients of x, kernel and bias through ${activation}`, () => {
      const layer = built({ units: 3, activation }, 4);
      const x = randomTensor([5, 4], { seed: 21, low: 0.05, high: 1 });
      const kernel = randomTensor([4, 3], { seed: 22, low: 0.05, high: 1 });
      const bias = randomTensor([3], { seed: 23, low: 0.05, high: 0.5 });
      gradcheck((xs, w, b) => {
        layer.kernel!.value = w;
        layer.bias!.value = b;
        return layer.apply(xs);
      }, [x, kernel, bias]);
    });
  }

  it('keeps the pre-activation for leakyRelu with a negative slope', () => {
    const layer = built({ units: 3, activation: dn.activations.leakyRelu({ alpha: -0.3 }) }, 2);
    gradcheck((xs, w, b) => {
      layer.kernel!.value = w;
      layer.bias!.value = b;
      return layer.apply(xs);
    }, [randomTensor([3, 2], { seed: 31 }), randomTensor([2, 3], { seed: 32 }), randomTensor([3], { seed: 33 })]);
  });

  it('gives the same gradients when writing into a workspace', () => {
    const layer = built({ units: 3, activation: 'gelu' }, 4);
    const x = randomTensor([5, 4], { seed: 41 });
    const run = (workspace: Workspace | null): Float32Array[] => {
      const input = dn.tensor(x.dataSync().slice(), { shape: [5, 4], requiresGrad: true });
      layer.kernel!.value.grad = null;
      layer.bias!.value.grad = null;
      const y = layer.call(input, { training: true, workspace, logits: false, losses: null });
      y.sum().backward();
      return [input.grad!.dataSync().slice(), layer.kernel!.value.grad!.dataSync().slice(), layer.bias!.value.grad!.dataSync().slice()] as Float32Array[];
    };
    const fresh = run(null);
    const workspace = new Workspace();
    run(workspace);
    const reused = run(workspace);
    for (let i = 0; i < 3; i++) expect(Array.from(reused[i])).toEqual(Array.from(fresh[i]));
  });

  it('adds weight gradients into existing .grad buffers in place', () => {
    const layer = built({ units: 2, activation: 'relu' }, 3);
    const x = randomTensor([4, 3], { seed: 51, positive: true });
    layer.apply(x).sum().backward();
    const first = layer.kernel!.value.grad!;
    const once = first.dataSync().slice();
    const biasOnce = layer.bias!.value.grad!.dataSync().slice();
    layer.apply(x).sum().backward();
    expect(layer.kernel!.value.grad).toBe(first);
    first.dataSync().forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 5));
    layer.bias!.value.grad!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(2 * biasOnce[i], 5));
  });

  it('computes no weight gradients for a frozen kernel', () => {
    const layer = built({ units: 2 }, 3);
    layer.kernel!.value.requiresGrad = false;
    const x = dn.tensor([[1, 2, 3]], { requiresGrad: true });
    layer.apply(x).sum().backward();
    expect(layer.kernel!.value.grad).toBeNull();
    expect(layer.bias!.value.grad!.toArray()).toEqual([1, 1]);
    // dL/dx = kernel summed over the outputs.
    const k = layer.kernel!.value.toArray() as number[][];
    (x.grad!.toArray() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo(k[i][0] + k[i][1], 6));
  });
});

describe('dense: weights and config', () => {
  it('gets copies and sets values in place', () => {
    const layer = built({ units: 2, name: 'dense_copy' }, 2);
    const [kernel, bias] = layer.getWeights();
    kernel.dataSync()[0] = 99;
    expect(layer.kernel!.value.dataSync()[0]).not.toBe(99);
    const storage = layer.kernel!.value.storage;
    layer.setWeights([[[1, 2], [3, 4]], [0.5, -0.5]]);
    expect(layer.kernel!.value.storage).toBe(storage);
    expect(layer.apply(dn.tensor([[1, 1]])).toArray()).toEqual([[4.5, 5.5]]);
    expect(bias.shape).toEqual([2]);
    expect(layer.countParams()).toBe(6);
  });

  it('freezes its weights with trainable = false', () => {
    const layer = built({ units: 2 }, 2);
    expect(layer.trainableWeights.length).toBe(2);
    layer.trainable = false;
    expect(layer.trainableWeights).toEqual([]);
    expect(layer.nonTrainableWeights.length).toBe(2);
    expect(() => (layer.trainable = 'no' as never)).toThrow(ArgumentTypeError);
  });

  it('round-trips through getConfig and the registry', () => {
    const layer = dn.layers.dense({
      units: 7, activation: dn.activations.leakyRelu({ alpha: 0.1 }), inputShape: [3], useBias: false, name: 'dense_cfg',
      kernelRegularizer: dn.regularizers.l2({ l2: 0.01 }), kernelInitializer: dn.initializers.heNormal({ seed: 5 }),
    });
    const config = serializeLayer(layer);
    expect(config.className).toBe('Dense');
    expect(config.config).toMatchObject({
      name: 'dense_cfg', units: 7, useBias: false, batchInputShape: [null, 3], activation: { className: 'leakyRelu', config: { alpha: 0.1 } },
      kernelRegularizer: { className: 'L2', config: { l2: 0.01 } }, trainable: true,
    });
    const copy = deserializeLayer(JSON.parse(JSON.stringify(config))) as Dense;
    expect(copy).toBeInstanceOf(Dense);
    expect(copy.getConfig()).toEqual(layer.getConfig());
    // A seeded initializer is a function of the shape: both build the same kernel.
    layer.build([null, 3]);
    copy.build([null, 3]);
    expect(copy.getWeights()[0].toArray()).toEqual(layer.getWeights()[0].toArray());
  });

  it('cannot rebuild a custom activation function from a config', () => {
    const layer = dn.layers.dense({ units: 2, activation: (x: dn.Tensor) => x.mul(2), name: 'dense_fn' });
    expect(layer.getConfig().activation).toBeNull();
    expect(() => Dense.fromConfig(layer.getConfig())).toThrow(/custom activation function/);
  });

  it('applies a custom activation function with autograd', () => {
    const layer = built({ units: 2, activation: (x: dn.Tensor) => x.square() }, 2);
    gradcheck((xs, w, b) => {
      layer.kernel!.value = w;
      layer.bias!.value = b;
      return layer.apply(xs);
    }, [randomTensor([3, 2], { seed: 61 }), randomTensor([2, 2], { seed: 62 }), randomTensor([2], { seed: 63 })]);
  });
});
