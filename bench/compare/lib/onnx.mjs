// The ONNX models onnxruntime runs in the comparison: MatMul/Gemm/Add/Relu/Softmax graphs and small CNNs
// (Conv, MaxPool, Transpose, Flatten), built with Dendrite's own ONNX code (dist/onnx: the GraphBuilder
// and the encoder over the official onnx.proto, the code behind dn.onnx.exportModel), from raw weights so
// every engine runs the same numbers. dist/ is built by `npm install` at the repository's root.

import { DataType, encodeModel } from '../../../dist/onnx/proto.js';
import { GraphBuilder, int, ints } from '../../../dist/onnx/graph-builder.js';

/** ValueInfoProto of a float tensor; a string dimension is symbolic (e.g. the batch). */
function valueInfo(name, dims) {
  const dim = dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } };
}

/** The model bytes of a graph: opset 17 (IR version 8). */
function model(name, builder, inputs, outputs) {
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'dendrite-bench-compare',
    producer_version: '0',
    graph: { name, node: builder.nodes, initializer: builder.initializers, input: inputs, output: outputs },
  });
}

const f32 = (values) => (values instanceof Float32Array ? values : Float32Array.from(values));

/** The dense layers y = x·W + b (ReLU between); the last gets `outputActivation` and writes `output`. */
function denseLayers(b, input, layers, outputActivation, output) {
  let current = input;
  layers.forEach((layer, index) => {
    const last = index === layers.length - 1;
    const product = b.op('MatMul', [current, b.floatTensor(`dense${index}_kernel`, [layer.inputs, layer.units], f32(layer.kernel))], `dense${index}_matmul`);
    const bias = b.floatTensor(`dense${index}_bias`, [layer.units], f32(layer.bias));
    if (!last) {
      current = b.op('Relu', [b.op('Add', [product, bias], `dense${index}_add`)], `dense${index}_relu`);
    } else if (outputActivation === 'linear') {
      b.node('Add', [product, bias], `dense${index}_add`, {}, [output]);
    } else {
      b.node('Softmax', [b.op('Add', [product, bias], `dense${index}_add`)], `dense${index}_softmax`, { axis: int(-1) }, [output]);
    }
  });
}

/**
 * A dense MLP: for each layer y = x·W + b (W stored inputs × units, row-major), ReLU between layers
 * and the given output activation ('softmax' or 'linear') at the end. Input "x" [batch, in], output "y".
 * @param {{ kernel: Float32Array, bias: Float32Array, inputs: number, units: number }[]} layers
 */
export function mlpModel(layers, outputActivation = 'softmax') {
  const b = new GraphBuilder();
  b.reserve('x');
  b.reserve('y');
  denseLayers(b, 'x', layers, outputActivation, 'y');
  return model('mlp', b, [valueInfo('x', ['batch', layers[0].inputs])], [valueInfo('y', ['batch', layers[layers.length - 1].units])]);
}

/**
 * One Gemm node: y = op(a)·op(b) with a stored [m, k] (or [k, m] when transA) and b stored [k, n]
 * (or [n, k] when transB), both graph inputs.
 */
export function gemmModel(m, n, k, transA, transB) {
  const b = new GraphBuilder();
  for (const name of ['a', 'b', 'y']) b.reserve(name);
  b.node('Gemm', ['a', 'b'], 'gemm', { transA: int(transA ? 1 : 0), transB: int(transB ? 1 : 0) }, ['y']);
  return model('gemm', b, [valueInfo('a', transA ? [k, m] : [m, k]), valueInfo('b', transB ? [n, k] : [k, n])], [valueInfo('y', [m, n])]);
}

/** One Conv node, stride 1, `pad` on every side: x [n, c, h, w] -> y, the filter OIHW an initializer. */
export function convModel({ batch, height, width, inChannels, outChannels, kernel }, pad, filter) {
  const b = new GraphBuilder();
  b.reserve('x');
  b.reserve('y');
  const w = b.floatTensor('w', [outChannels, inChannels, kernel, kernel], f32(filter));
  b.node('Conv', ['x', w], 'conv', { kernel_shape: ints([kernel, kernel]), pads: ints([pad, pad, pad, pad]), strides: ints([1, 1]) }, ['y']);
  const outH = height + 2 * pad - kernel + 1, outW = width + 2 * pad - kernel + 1;
  return model('conv', b, [valueInfo('x', [batch, inChannels, height, width])], [valueInfo('y', [batch, outChannels, outH, outW])]);
}

/**
 * The LeNet-style network of lib/common.mjs with its weights (filters HWIO, turned OIHW here): input
 * "x" [batch, 1, 28, 28] (one channel, so the same bytes as NHWC), output "y" the softmax. The
 * activations are transposed to NHWC before Flatten so the dense weights mean what they mean in Keras.
 */
export function lenetModel(weights, hwioToOihw) {
  const b = new GraphBuilder();
  b.reserve('x');
  b.reserve('y');
  const conv = (name, input, layer, pad) => {
    const w = b.floatTensor(`${name}_w`, [layer.outChannels, layer.inChannels, layer.k, layer.k], f32(hwioToOihw(layer.filter, layer.k, layer.inChannels, layer.outChannels)));
    const bias = b.floatTensor(`${name}_b`, [layer.outChannels], f32(layer.bias));
    const convolved = b.op('Conv', [input, w, bias], `${name}_conv`, { kernel_shape: ints([layer.k, layer.k]), pads: ints([pad, pad, pad, pad]), strides: ints([1, 1]) });
    return b.op('MaxPool', [b.op('Relu', [convolved], `${name}_relu`)], `${name}_pool`, { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  };
  const features = conv('conv2', conv('conv1', 'x', weights.conv1, 2), weights.conv2, 0);
  const flat = b.op('Flatten', [b.op('Transpose', [features], 'nhwc', { perm: ints([0, 2, 3, 1]) })], 'flat', { axis: int(1) });
  denseLayers(b, flat, weights.dense, 'softmax', 'y');
  return model('lenet', b, [valueInfo('x', ['batch', 1, 28, 28])], [valueInfo('y', ['batch', 10])]);
}
