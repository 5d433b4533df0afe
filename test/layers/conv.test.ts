// The convolution layers: validation (typed errors naming the layer and the shapes), output shapes,
// the fused forward against the ops, configs, and gradient checks of the fused backward (input,
// kernel, bias) through the shared layer check, in both data formats.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { Workspace } from '../../lib/layers/layer.js';
import { randomTensor } from '../helpers/gradcheck.js';
import { bits, checkLayer } from '../helpers/layers.js';

const init = { kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }), biasInitializer: dn.initializers.randomNormal({ seed: 4 }) };

function close(a: dn.Tensor, b: dn.Tensor, tolerance = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tolerance * (1 + Math.abs(y[i])));
}

describe('convolution layers: should throw', () => {
  it('rejects missing or bad options with typed errors naming the layer type', () => {
    expect(() => dn.layers.conv2d({ kernelSize: 3 } as never)).toThrow(/conv2d: filters is required/);
    expect(() => dn.layers.conv2d({ filters: 4 } as never)).toThrow(/conv2d: kernelSize is required/);
    expect(() => dn.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(ValueError);
    expect(() => dn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 0 })).toThrow(/conv2d: strides must be positive integers, got 0/);
    expect(() => dn.layers.conv2d({ filters: 4, kernelSize: [3, -1] })).toThrow(ValueError);
    expect(() => dn.layers.conv2d({ filters: 4, kernelSize: [3, 3, 3] })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'causal' as never })).toThrow(/unknown padding 'causal'/);
    expect(() => dn.layers.conv2d({ filters: 5, kernelSize: 3, groups: 2 })).toThrow(/filters \(5\) must be a multiple of groups \(2\)/);
    expect(() => dn.layers.conv2d({ filters: 4, kernelSize: 3, kernel_size: 3 } as never)).toThrow(/unknown option 'kernel_size'/);
    expect(() => dn.layers.conv1d({ filters: 4, kernelSize: [3, 3] })).toThrow(ArgumentTypeError);
    expect(() => dn.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, outputPadding: 2 })).toThrow(/outputPadding must be smaller than its stride/);
    expect(() => dn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: -1 })).toThrow(ValueError);
    expect(() => dn.layers.separableConv2d({ kernelSize: 3 } as never)).toThrow(/separableConv2d: filters is required/);
  });

  it('rejects inputs of the wrong rank, channel count or size, naming the layer and the shapes', () => {
    const layer = dn.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c1' });
    expect(() => layer.apply(dn.zeros([2, 5, 5]))).toThrow(/c1: expected input of rank 4 \(\[batch, height, width, channels\]\), got shape \[null, 5, 5\]/);
    expect(() => layer.apply(dn.zeros([2, 2, 5, 3]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 2, 5, 3]))).toThrow(/c1: the height of the kernel \(3\) is larger than the padded input's \(2\): input \[null, 2, 5, 3\], kernel \[3, 3\]/);
    layer.apply(dn.zeros([1, 5, 5, 3]));
    expect(() => layer.apply(dn.zeros([1, 5, 5, 2]))).toThrow(/c1: expected input with 3 channels, got shape \[1, 5, 5, 2\]/);
    const grouped = dn.layers.conv2d({ filters: 4, kernelSize: 1, groups: 2, name: 'g1' });
    expect(() => grouped.apply(dn.zeros([1, 3, 3, 3]))).toThrow(/g1: the input's 3 channels are not divisible by groups 2/);
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, inputShape: [4] })] });
    expect(() => model.add(dn.layers.conv2d({ filters: 2, kernelSize: 2, name: 'c2' }))).toThrow(/c2: expected input of rank 4/);
    expect(() => dn.sequential({ layers: [dn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1], name: 'c3' })] }))
      .toThrow(/c3: the height of the kernel \(5\) is larger than the padded input's \(4\)/);
  });
});

describe('conv2d layer', () => {
  it('computes activation(conv2d(x, kernel) + bias) in both data formats', () => {
    for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
      const layer = dn.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', dataFormat, ...init });
      const x = randomTensor([2, 7, 6, 3], { seed: 5 });
      const input = dataFormat === 'channelsLast' ? x : x.transpose([0, 3, 1, 2]);
      const y = layer.apply(input);
      const kernel = layer.kernel!.value;
      const expected = dn.relu(dn.conv2d(x, kernel, { strides: [2, 1], padding: 'same', bias: layer.bias!.value }));
      close(dataFormat === 'channelsLast' ? y : y.transpose([0, 2, 3, 1]), expected);
      expect(kernel.shape).toEqual([3, 2, 3, 4]);
    }
  });

  it('passes the layer check (config, shapes, gradients) with strides, dilations, groups and activations', () => {
    checkLayer(dn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', ...init }), [2, 5, 4, 3]);
    checkLayer(dn.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, dilationRate: 1, groups: 2, activation: 'gelu', ...init }), [1, 5, 5, 4]);
    checkLayer(dn.layers.conv2d({ filters: 3, kernelSize: [2, 3], dilationRate: [2, 1], useBias: false, dataFormat: 'channelsFirst', ...init }), [2, 2, 6, 5]);
    checkLayer(dn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'softmax', ...init }), [1, 3, 3, 2]);
  });

  it('writes into a workspace with the same results and gradients, and adds activity penalties', () => {
    const layer = dn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', activityRegularizer: dn.regularizers.l2({ l2: 0.1 }), ...init });
    const x = randomTensor([2, 5, 5, 2], { seed: 6 });
    const run = (workspace: Workspace | null) => {
      for (const v of layer.weights) v.value.grad = null;
      const input = dn.tensor(x.dataSync().slice(), { shape: x.shape, requiresGrad: true });
      const losses: dn.Tensor[] = [];
      const y = layer.call(layer.built ? input : (layer.build(input.shape), input), { training: true, workspace, logits: false, losses });
      y.square().sum().add(losses[0]).backward();
      return [bits(y), bits(input.grad!), bits(layer.kernel!.value.grad!), bits(layer.bias!.value.grad!)];
    };
    const fresh = run(null);
    const reused = run(new Workspace());
    fresh.forEach((values, i) => expect(reused[i], `output ${i}`).toEqual(values));
  });
});

describe('conv1d layer', () => {
  it('convolves sequences, with causal padding, in both data formats', () => {
    const layer = dn.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, ...init });
    const x = randomTensor([2, 7, 2], { seed: 7 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 7, 3]);
    close(y, dn.conv1d(x, layer.kernel!.value, { padding: 'causal', dilations: 2, bias: layer.bias!.value }));
    checkLayer(dn.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu', ...init }), [2, 6, 2]);
    checkLayer(dn.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, dataFormat: 'channelsFirst', ...init }), [1, 3, 7]);
  });
});

describe('conv2dTranspose layer', () => {
  it("upsamples with Keras' output sizes and passes the layer check", () => {
    const layer = dn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...init });
    const x = randomTensor([1, 3, 4, 3], { seed: 8 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 6, 8, 2]);
    expect(layer.kernel!.value.shape).toEqual([3, 3, 2, 3]);
    close(y, dn.conv2dTranspose(x, layer.kernel!.value, { strides: 2, padding: 'same', bias: layer.bias!.value }));
    expect(dn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2 }).computeOutputShape([null, 4, 4, 1])).toEqual([null, 9, 9, 1]);
    expect(dn.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, outputPadding: 1, padding: 'same' }).computeOutputShape([null, 4, 4, 1])).toEqual([null, 8, 8, 1]);
    checkLayer(dn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', ...init }), [1, 2, 3, 2]);
    checkLayer(dn.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: [1, 2], dataFormat: 'channelsFirst', ...init }), [2, 2, 3, 2]);
  });
});

describe('depthwiseConv2d and separableConv2d layers', () => {
  it('match the ops and pass the layer check', () => {
    const depthwise = dn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: dn.initializers.glorotUniform({ seed: 9 }) });
    const x = randomTensor([2, 5, 5, 3], { seed: 10 });
    const y = depthwise.apply(x);
    expect(y.shape).toEqual([2, 5, 5, 6]);
    close(y, dn.depthwiseConv2d(x, depthwise.depthwiseKernel!.value, { padding: 'same', bias: depthwise.bias!.value }));
    checkLayer(dn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, activation: 'relu', depthwiseInitializer: dn.initializers.glorotUniform({ seed: 5 }), biasInitializer: 'ones' }), [1, 5, 5, 2]);
    const separable = dn.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', depthMultiplier: 2 });
    const z = separable.apply(x);
    const h = dn.depthwiseConv2d(x, separable.depthwiseKernel!.value, { padding: 'same' });
    close(z, dn.relu(dn.conv2d(h, separable.pointwiseKernel!.value, { bias: separable.bias!.value })));
    expect(separable.weights.map((w) => w.name.split('/')[1])).toEqual(['depthwise_kernel', 'pointwise_kernel', 'bias']);
    checkLayer(dn.layers.separableConv2d({ filters: 3, kernelSize: 2, strides: 2, dataFormat: 'channelsFirst' }), [1, 2, 5, 4]);
  });
});
