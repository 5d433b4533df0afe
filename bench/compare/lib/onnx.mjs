// A minimal ONNX writer: just the protobuf messages that MatMul/Gemm/Add/Relu/Softmax graphs and small
// CNNs (Conv, MaxPool, Transpose, Flatten) need,
// so onnxruntime can run the same models as the other engines without a Python toolchain.
// Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ...).

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const TENSOR_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** Protobuf bytes built field by field. */
class Message {
  constructor() {
    this.chunks = [];
  }

  #tag(field, wireType) {
    this.#varint(BigInt((field << 3) | wireType));
  }

  #varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.chunks.push(Uint8Array.from(bytes));
  }

  int(field, value) {
    this.#tag(field, WIRE_VARINT);
    this.#varint(value);
    return this;
  }

  bytes(field, data) {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    this.#varint(data.length);
    this.chunks.push(data);
    return this;
  }

  string(field, text) {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field, child) {
    return this.bytes(field, child.finish());
  }

  finish() {
    const length = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** TensorProto holding float32 values as raw little-endian bytes. */
function floatTensor(name, dims, values) {
  const tensor = new Message();
  for (const dim of dims) tensor.int(1, dim);
  tensor.int(2, TENSOR_FLOAT);
  tensor.string(8, name);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  tensor.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return tensor;
}

/** ValueInfoProto of a float tensor; a string dimension is symbolic (e.g. the batch). */
function valueInfo(name, dims) {
  const shape = new Message();
  for (const dim of dims) {
    const dimension = new Message();
    if (typeof dim === 'string') dimension.string(2, dim);
    else dimension.int(1, dim);
    shape.message(1, dimension);
  }
  const tensorType = new Message().int(1, TENSOR_FLOAT).message(2, shape);
  const type = new Message().message(1, tensorType);
  return new Message().string(1, name).message(2, type);
}

function node(opType, inputs, outputs, name, intAttributes = {}) {
  const message = new Message();
  for (const input of inputs) message.string(1, input);
  for (const output of outputs) message.string(2, output);
  message.string(3, name);
  message.string(4, opType);
  // An integer attribute, or a list of integers (AttributeProto.ints, field 8, one entry per value).
  for (const [attribute, value] of Object.entries(intAttributes)) {
    const entry = new Message().string(1, attribute);
    if (Array.isArray(value)) {
      for (const v of value) entry.int(8, v);
      entry.int(20, ATTRIBUTE_INTS);
    } else {
      entry.int(3, value).int(20, ATTRIBUTE_INT);
    }
    message.message(5, entry);
  }
  return message;
}

function model(graph) {
  const opset = new Message().string(1, '').int(2, 17);
  return new Message()
    .int(1, 8) // IR version 8 goes with opset 17
    .string(2, 'dendrite-bench-compare')
    .string(3, '0')
    .message(7, graph)
    .message(8, opset)
    .finish();
}

/**
 * A dense MLP: for each layer y = x·W + b (W stored inputs × units, row-major), ReLU between layers
 * and the given output activation ('softmax' or 'linear') at the end. Input "x" [batch, in], output "y".
 * @param {{ kernel: Float32Array, bias: Float32Array, inputs: number, units: number }[]} layers
 */
export function mlpModel(layers, outputActivation = 'softmax') {
  const graph = new Message();
  let current = 'x';
  layers.forEach((layer, index) => {
    const last = index === layers.length - 1;
    const product = `dense${index}_matmul`;
    const sum = last && outputActivation === 'linear' ? 'y' : `dense${index}_add`;
    graph.message(1, node('MatMul', [current, `dense${index}_kernel`], [product], `dense${index}/matmul`));
    graph.message(1, node('Add', [product, `dense${index}_bias`], [sum], `dense${index}/add`));
    if (!last) {
      graph.message(1, node('Relu', [sum], [`dense${index}_relu`], `dense${index}/relu`));
      current = `dense${index}_relu`;
    } else if (outputActivation === 'softmax') {
      graph.message(1, node('Softmax', [sum], ['y'], `dense${index}/softmax`, { axis: -1 }));
    }
  });
  graph.string(2, 'mlp');
  layers.forEach((layer, index) => {
    graph.message(5, floatTensor(`dense${index}_kernel`, [layer.inputs, layer.units], layer.kernel));
    graph.message(5, floatTensor(`dense${index}_bias`, [layer.units], layer.bias));
  });
  graph.message(11, valueInfo('x', ['batch', layers[0].inputs]));
  graph.message(12, valueInfo('y', ['batch', layers[layers.length - 1].units]));
  return model(graph);
}

/**
 * One Gemm node: y = op(a)·op(b) with a stored [m, k] (or [k, m] when transA) and b stored [k, n]
 * (or [n, k] when transB), both graph inputs.
 */
export function gemmModel(m, n, k, transA, transB) {
  const graph = new Message();
  graph.message(1, node('Gemm', ['a', 'b'], ['y'], 'gemm', { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }));
  graph.string(2, 'gemm');
  graph.message(11, valueInfo('a', transA ? [k, m] : [m, k]));
  graph.message(11, valueInfo('b', transB ? [n, k] : [k, n]));
  graph.message(12, valueInfo('y', [m, n]));
  return model(graph);
}

/** One Conv node, stride 1, `pad` on every side: x [n, c, h, w] -> y, the filter OIHW an initializer. */
export function convModel({ batch, height, width, inChannels, outChannels, kernel }, pad, filter) {
  const graph = new Message();
  graph.message(1, node('Conv', ['x', 'w'], ['y'], 'conv', { kernel_shape: [kernel, kernel], pads: [pad, pad, pad, pad], strides: [1, 1] }));
  graph.string(2, 'conv');
  graph.message(5, floatTensor('w', [outChannels, inChannels, kernel, kernel], filter));
  const outH = height + 2 * pad - kernel + 1, outW = width + 2 * pad - kernel + 1;
  graph.message(11, valueInfo('x', [batch, inChannels, height, width]));
  graph.message(12, valueInfo('y', [batch, outChannels, outH, outW]));
  return model(graph);
}

/**
 * The LeNet-style network of lib/common.mjs with its weights (filters HWIO, turned OIHW here): input
 * "x" [batch, 1, 28, 28] (one channel, so the same bytes as NHWC), output "y" the softmax. The
 * activations are transposed to NHWC before Flatten so the dense weights mean what they mean in Keras.
 */
export function lenetModel(weights, hwioToOihw) {
  const graph = new Message();
  const conv = (name, input, layer, pad) => {
    graph.message(1, node('Conv', [input, `${name}_w`, `${name}_b`], [`${name}_conv`], name, {
      kernel_shape: [layer.k, layer.k], pads: [pad, pad, pad, pad], strides: [1, 1],
    }));
    graph.message(1, node('Relu', [`${name}_conv`], [`${name}_relu`], `${name}/relu`));
    graph.message(1, node('MaxPool', [`${name}_relu`], [`${name}_pool`], `${name}/pool`, { kernel_shape: [2, 2], strides: [2, 2] }));
    graph.message(5, floatTensor(`${name}_w`, [layer.outChannels, layer.inChannels, layer.k, layer.k], hwioToOihw(layer.filter, layer.k, layer.inChannels, layer.outChannels)));
    graph.message(5, floatTensor(`${name}_b`, [layer.outChannels], layer.bias));
    return `${name}_pool`;
  };
  let current = conv('conv2', conv('conv1', 'x', weights.conv1, 2), weights.conv2, 0);
  graph.message(1, node('Transpose', [current], ['nhwc'], 'to_nhwc', { perm: [0, 2, 3, 1] }));
  graph.message(1, node('Flatten', ['nhwc'], ['flat'], 'flatten', { axis: 1 }));
  current = 'flat';
  weights.dense.forEach((layer, index) => {
    const last = index === weights.dense.length - 1;
    graph.message(1, node('MatMul', [current, `dense${index}_kernel`], [`dense${index}_matmul`], `dense${index}/matmul`));
    graph.message(1, node('Add', [`dense${index}_matmul`, `dense${index}_bias`], [`dense${index}_add`], `dense${index}/add`));
    const activated = last ? 'y' : `dense${index}_relu`;
    graph.message(1, node(last ? 'Softmax' : 'Relu', [`dense${index}_add`], [activated], `dense${index}/activation`, last ? { axis: -1 } : {}));
    graph.message(5, floatTensor(`dense${index}_kernel`, [layer.inputs, layer.units], layer.kernel));
    graph.message(5, floatTensor(`dense${index}_bias`, [layer.units], layer.bias));
    current = activated;
  });
  graph.string(2, 'lenet');
  graph.message(11, valueInfo('x', ['batch', 1, 28, 28]));
  graph.message(12, valueInfo('y', ['batch', 10]));
  return model(graph);
}
