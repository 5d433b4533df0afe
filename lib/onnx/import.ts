/**
 * ONNX import: an ONNX graph as a Dendrite graph model made of Dendrite's own layers, so it predicts,
 * trains (fine-tuning), saves and exports again like any other model.
 *
 * Each ONNX node becomes a layer (MatMul + Add or Gemm → dense, Conv → conv1d/conv2d, BatchNormalization
 * → batchNormalization, LSTM → lstm, ...). Layouts: a Transpose node makes no layer; the importer keeps,
 * for each ONNX value, the Dendrite tensor it is a permutation of, and the next layer reads the tensor in
 * its own layout (a Conv on a Transpose of NHWC data is a channels-last conv2d; a Conv on NCHW data, as
 * PyTorch exports, is a channels-first one). Weights are copied bit for bit, turned into Dendrite's
 * layouts (kernels transposed, LSTM gates i, o, f, c back to i, f, c, o).
 */
import { SerializationError, UnsupportedError } from '../errors.js';
import { makeTensor } from '../tensor.js';
import { checkObject, checkOptions } from '../validate.js';
import { getActivation, type Activation } from '../activations.js';
import { input } from '../layers/input.js';
import type { AnyLayer, LayerVariable } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { dense } from '../layers/dense.js';
import { activation as activationLayer } from '../layers/activation.js';
import { flatten } from '../layers/flatten.js';
import { reshape } from '../layers/reshape.js';
import { conv1d } from '../layers/conv/conv1d.js';
import { conv2d } from '../layers/conv/conv2d.js';
import { maxPooling1d } from '../layers/pooling/max-pooling1d.js';
import { maxPooling2d } from '../layers/pooling/max-pooling2d.js';
import { averagePooling1d } from '../layers/pooling/average-pooling1d.js';
import { averagePooling2d } from '../layers/pooling/average-pooling2d.js';
import { globalAveragePooling1d } from '../layers/pooling/global-average-pooling1d.js';
import { globalAveragePooling2d } from '../layers/pooling/global-average-pooling2d.js';
import { globalMaxPooling1d } from '../layers/pooling/global-max-pooling1d.js';
import { globalMaxPooling2d } from '../layers/pooling/global-max-pooling2d.js';
import { batchNormalization } from '../layers/normalization/batch-normalization.js';
import { layerNormalization } from '../layers/layerNormalization.js';
import { zeroPadding2d } from '../layers/reshaping/zero-padding2d.js';
import { add, subtract, multiply, average, maximum, minimum, concatenate } from '../layers/merge/index.js';
import { embedding } from '../layers/embedding.js';
import { lstm } from '../layers/recurrent/lstm.js';
import { gru } from '../layers/recurrent/gru.js';
import { simpleRNN } from '../layers/recurrent/simpleRnn.js';
import { model as functionalModel, type Functional } from '../model/functional.js';
import { AttributeType, DataType, decodeModel, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';
import { GRU_KERAS_TO_ONNX, LSTM_KERAS_TO_ONNX } from './export.js';
import { fileBytes, oihwToHwio, transpose2d } from '../io/layouts.js';

/** The ONNX operators {@link loadModel} turns into layers. */
export const SUPPORTED_OPS: readonly string[] = [
  'MatMul', 'Gemm', 'Add', 'Sub', 'Mul', 'Sum', 'Mean', 'Max', 'Min', 'Concat',
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Softplus', 'Softsign', 'HardSigmoid',
  'HardSwish', 'Exp', 'Clip', 'Identity', 'Dropout',
  'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'LayerNormalization',
  'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Pad', 'Gather', 'Cast', 'LSTM', 'GRU', 'RNN',
];

const IDENTITY = (rank: number) => Array.from({ length: rank }, (_, i) => i);
const isIdentity = (perm: readonly number[]) => perm.every((p, i) => p === i);
const samePerm = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/**
 * An ONNX value: a Dendrite tensor read through `perm` (ONNX axis i is the tensor's axis perm[i]), or a
 * recurrent layer's output not made yet (made once its users show which outputs are needed).
 */
interface Value {
  tensor: SymbolicTensor;
  perm: number[];
}

/** A constant (an initializer or a Constant node): float data, or int64 values as numbers. */
interface Constant {
  dims: number[];
  floats: Float32Array | null;
  ints: number[] | null;
}

const ELEMENT_BYTES: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.INT32]: 4, [DataType.INT64]: 8 };

/** The data of an initializer, checked against its dims. */
function readConstant(t: TensorProto, where: string): Constant {
  const name = t.name ?? '(unnamed)';
  const dims = (t.dims ?? []).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new SerializationError(`${where}: initializer '${name}' has invalid dims ${JSON.stringify(t.dims)}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > 2 ** 31) throw new SerializationError(`${where}: initializer '${name}' has ${count} elements, more than a tensor holds`);
  const type = t.data_type ?? 0;
  const raw = t.raw_data;
  const fail = (have: number) => {
    throw new SerializationError(`${where}: initializer '${name}' holds ${have} values for dims [${dims.join(', ')}] (${count}); the file is truncated or corrupted`);
  };
  if (type === DataType.FLOAT) {
    let values: Float32Array;
    if (raw !== undefined && raw.length > 0) {
      if (raw.length !== count * 4) fail(raw.length / 4);
      values = new Float32Array(count);
      new Uint8Array(values.buffer).set(raw);
    } else {
      values = Float32Array.from(t.float_data ?? []);
      if (values.length !== count) fail(values.length);
    }
    return { dims, floats: values, ints: null };
  }
  if (type === DataType.INT64 || type === DataType.INT32) {
    let values: number[];
    if (raw !== undefined && raw.length > 0) {
      const bytes = ELEMENT_BYTES[type];
      if (raw.length !== count * bytes) fail(raw.length / bytes);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Array.from({ length: count }, (_, i) => (bytes === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
    } else {
      values = (type === DataType.INT64 ? t.int64_data : t.int32_data)?.map(Number) ?? [];
      if (values.length !== count) fail(values.length);
    }
    return { dims, floats: null, ints: values };
  }
  throw new UnsupportedError(`${where}: initializer '${name}' has element type ${type}; float32, int32 and int64 are read`, [`data type ${type}`]);
}

/** The attributes of a node by name. */
class Attributes {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(private readonly node: NodeProto, private readonly where: string) {
    for (const a of node.attribute ?? []) this.byName.set(a.name, a);
  }

  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a !== undefined && a.type !== type && a.type !== undefined && a.type !== 0) {
      throw new SerializationError(`${this.where}: node '${this.node.name ?? this.node.op_type}' attribute '${name}' has type ${a.type}, expected ${type}`);
    }
    return a;
  }

  int(name: string, fallback: number): number {
    return Number(this.get(name, AttributeType.INT)?.i ?? fallback);
  }

  float(name: string, fallback: number): number {
    return this.get(name, AttributeType.FLOAT)?.f ?? fallback;
  }

  ints(name: string): number[] | null {
    const a = this.get(name, AttributeType.INTS);
    return a === undefined ? null : (a.ints ?? []).map(Number);
  }

  string(name: string, fallback: string): string {
    const s = this.get(name, AttributeType.STRING)?.s;
    return s === undefined ? fallback : new TextDecoder().decode(s);
  }

  strings(name: string): string[] | null {
    const a = this.get(name, AttributeType.STRINGS);
    return a === undefined ? null : (a.strings ?? []).map((s) => new TextDecoder().decode(s));
  }
}

/** The inverse of a gate reordering. */
function inverseOrder(order: readonly number[]): number[] {
  const inverse = new Array<number>(order.length);
  order.forEach((source, block) => (inverse[source] = block));
  return inverse;
}

/** ONNX [G·units, rows] (gate blocks in ONNX order) as Dendrite [rows, G·units] in Keras order. */
function gatesFromOnnx(values: Float32Array, rows: number, units: number, order: readonly number[]): Float32Array {
  const gates = order.length;
  const width = gates * units;
  const out = new Float32Array(values.length);
  order.forEach((source, block) => {
    for (let u = 0; u < units; u++) for (let r = 0; r < rows; r++) out[r * width + source * units + u] = values[(block * units + u) * rows + r];
  });
  return out;
}

/** The activation named by a one-input ONNX op, or null. */
function activationOf(op: string, attributes: Attributes, constantOf: (name: string) => Constant | null, node: NodeProto): Activation | null | 'identity' {
  switch (op) {
    case 'Relu': return getActivation('relu');
    case 'Sigmoid': return getActivation('sigmoid');
    case 'Tanh': return getActivation('tanh');
    case 'Softplus': return getActivation('softplus');
    case 'Softsign': return getActivation('softsign');
    case 'Exp': return getActivation('exponential');
    case 'HardSwish': return getActivation('hardSwish');
    case 'Selu': return getActivation('selu');
    case 'LeakyRelu': return getActivation({ className: 'leakyRelu', config: { alpha: attributes.float('alpha', 0.01) } });
    case 'Elu': return getActivation({ className: 'elu', config: { alpha: attributes.float('alpha', 1) } });
    case 'HardSigmoid': {
      const alpha = attributes.float('alpha', 0.2), beta = attributes.float('beta', 0.5);
      if (Math.abs(beta - 0.5) > 1e-6 || !(alpha > 0)) return null;
      return getActivation(Math.abs(alpha - 1 / 6) < 1e-6 ? 'hardSigmoid' : { className: 'hardSigmoid', config: { slope: alpha } });
    }
    case 'Clip': {
      const bound = (i: number) => {
        const name = node.input?.[i];
        if (name === undefined || name === '') return null;
        const c = constantOf(name);
        return c?.floats?.length === 1 ? c.floats[0] : undefined;
      };
      const low = bound(1), high = bound(2);
      if (low === 0 && high === 6) return getActivation('relu6');
      if (low === 0 && high === null) return getActivation('relu');
      return null;
    }
    case 'Identity':
    case 'Dropout':
      return 'identity';
    default:
      return null;
  }
}

/** Options of {@link loadModel}. */
export interface OnnxLoadOptions {
  /** The model's name. Default the graph's name. */
  name?: string;
}

class Importer {
  readonly values = new Map<string, Value>();
  readonly constants = new Map<string, Constant>();
  /** How many nodes read each value (a MatMul's product read by one Add alone folds into a dense bias). */
  readonly readers = new Map<string, number>();
  /** Recurrent nodes whose layer waits for its users: output name → the pending node. */
  readonly pendingRecurrent = new Map<string, { node: NodeProto; x: Value; index: number }>();
  readonly made = new Map<NodeProto, (SymbolicTensor | undefined)[]>();

  constructor(readonly where: string, readonly graph: GraphProto) {}

  fail(node: NodeProto, why: string): never {
    throw new UnsupportedError(`${this.where}: node '${node.name || node.output?.[0] || ''}' (${node.op_type}) cannot be imported: ${why}`, [node.op_type ?? '']);
  }

  constant(name: string): Constant | null {
    return this.constants.get(name) ?? null;
  }

  value(node: NodeProto, i: number): Value {
    const name = node.input?.[i];
    if (name === undefined || name === '') throw new SerializationError(`${this.where}: node '${node.name ?? ''}' (${node.op_type}) lacks input ${i}`);
    const pending = this.pendingRecurrent.get(name);
    if (pending !== undefined) this.fail(node, `it reads a recurrent output (${name}) other than through Squeeze`);
    const v = this.values.get(name);
    if (v === undefined) {
      if (this.constants.has(name)) this.fail(node, `input ${i} ('${name}') is a constant, where a layer needs data`);
      throw new SerializationError(`${this.where}: node '${node.name ?? ''}' (${node.op_type}) reads '${name}', which no node or input makes (the graph is corrupted or not in topological order)`);
    }
    return v;
  }

  set(node: NodeProto, i: number, value: Value): void {
    const name = node.output?.[i];
    if (name !== undefined && name !== '') this.values.set(name, value);
  }

  /** Values of the inputs that hold data (constants aside), for merge layers; all must share a layout. */
  mergeInputs(node: NodeProto): { tensors: SymbolicTensor[]; perm: number[] } {
    const inputs = (node.input ?? []).map((_, i) => this.value(node, i));
    const perm = inputs[0].perm;
    if (!inputs.every((v) => samePerm(v.perm, perm))) this.fail(node, 'its inputs are in different layouts');
    return { tensors: inputs.map((v) => v.tensor), perm };
  }

  /** Sets a fresh layer's weights from Float32 data, in the layer's weight order. */
  assign(layer: AnyLayer, values: (Float32Array | null)[]): void {
    const weights: LayerVariable[] = layer.weights;
    weights.forEach((w, i) => {
      const data = values[i];
      if (data === null || data === undefined) return;
      w.assign(makeTensor(data, w.shape.slice()));
    });
  }

  floatConstant(node: NodeProto, i: number): Constant & { floats: Float32Array } {
    const name = node.input?.[i];
    const c = name === undefined || name === '' ? null : this.constant(name);
    if (c === null || c.floats === null) this.fail(node, `input ${i} must be a float initializer`);
    return c as Constant & { floats: Float32Array };
  }

  run(): void {
    for (const node of this.graph.node ?? []) this.node(node);
  }

  node(node: NodeProto): void {
    const op = node.op_type ?? '';
    if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') this.fail(node, `domain '${node.domain}' is not the standard one`);
    const a = new Attributes(node, this.where);
    const act = activationOf(op, a, (n) => this.constant(n), node);
    if (act === 'identity') {
      this.set(node, 0, this.value(node, 0));
      return;
    }
    if (act !== null) {
      const x = this.value(node, 0);
      this.set(node, 0, { tensor: activationLayer({ activation: act }).apply(x.tensor) as SymbolicTensor, perm: x.perm });
      return;
    }
    switch (op) {
      case 'Softmax':
      case 'LogSoftmax': {
        const x = this.value(node, 0);
        const rank = x.perm.length;
        const axis = a.int('axis', -1);
        const actual = x.perm[axis < 0 ? axis + rank : axis];
        const layer = activationLayer({ activation: getActivation({ className: op === 'Softmax' ? 'softmax' : 'logSoftmax', config: { axis: actual === rank - 1 ? -1 : actual } }) });
        this.set(node, 0, { tensor: layer.apply(x.tensor) as SymbolicTensor, perm: x.perm });
        return;
      }
      case 'MatMul':
      case 'Gemm':
        return this.denseNode(node, a);
      case 'Add': {
        if ((node.input ?? []).some((n) => this.constants.has(n))) this.fail(node, 'an Add of a constant is imported only as the bias after MatMul');
        const { tensors, perm } = this.mergeInputs(node);
        this.set(node, 0, { tensor: add().apply(tensors), perm });
        return;
      }
      case 'Sum':
      case 'Sub':
      case 'Mul':
      case 'Mean':
      case 'Max':
      case 'Min': {
        if ((node.input ?? []).some((n) => this.constants.has(n))) this.fail(node, 'an elementwise op with a constant input has no layer');
        const { tensors, perm } = this.mergeInputs(node);
        if (tensors.length === 1) {
          this.set(node, 0, { tensor: tensors[0], perm });
          return;
        }
        const layer = { Sum: add, Sub: subtract, Mul: multiply, Mean: average, Max: maximum, Min: minimum }[op]();
        this.set(node, 0, { tensor: layer.apply(tensors), perm });
        return;
      }
      case 'Concat': {
        const { tensors, perm } = this.mergeInputs(node);
        const rank = perm.length;
        const axis = a.int('axis', 0);
        this.set(node, 0, { tensor: concatenate({ axis: perm[axis < 0 ? axis + rank : axis] }).apply(tensors), perm });
        return;
      }
      case 'Transpose': {
        const x = this.value(node, 0);
        const perm = a.ints('perm') ?? IDENTITY(x.perm.length).reverse();
        if (perm.length !== x.perm.length || !samePerm([...perm].sort((p, q) => p - q), IDENTITY(perm.length))) this.fail(node, `perm ${JSON.stringify(perm)} is not a permutation of ${x.perm.length} axes`);
        this.set(node, 0, { tensor: x.tensor, perm: perm.map((p) => x.perm[p]) });
        return;
      }
      case 'Cast': {
        const x = this.value(node, 0);
        this.set(node, 0, x);
        return;
      }
      case 'Flatten': {
        const x = this.flattenable(node);
        if (a.int('axis', 1) !== 1) this.fail(node, 'only axis 1 (keep the batch) is imported');
        this.set(node, 0, { tensor: x.rank === 2 ? x : (flatten().apply(x) as SymbolicTensor), perm: [0, 1] });
        return;
      }
      case 'Reshape': {
        const x = this.plain(node, 0);
        const shape = this.constant(node.input?.[1] ?? '')?.ints;
        if (!shape) return this.fail(node, 'the shape must be a constant');
        if (shape[0] !== 0 && shape[0] !== -1 && shape.slice(1).includes(-1)) this.fail(node, 'the batch dimension must be kept (0 or -1 first)');
        const target = shape.slice(1);
        if (target.some((d) => d === 0)) this.fail(node, 'copied dimensions (0) past the batch are not imported');
        const y = reshape({ targetShape: target }).apply(x) as SymbolicTensor;
        this.set(node, 0, { tensor: y, perm: IDENTITY(target.length + 1) });
        return;
      }
      case 'Squeeze':
        return this.squeeze(node, a);
      case 'Gather': {
        const table = this.floatConstant(node, 0);
        if (a.int('axis', 0) !== 0 || table.dims.length !== 2) this.fail(node, 'only a [rows, features] table gathered along axis 0 is an embedding');
        const ids = this.plain(node, 1);
        const layer = embedding({ inputDim: table.dims[0], outputDim: table.dims[1] });
        const y = layer.apply(ids) as SymbolicTensor;
        this.assign(layer, [table.floats]);
        this.set(node, 0, { tensor: y, perm: IDENTITY(y.rank) });
        return;
      }
      case 'Conv':
        return this.conv(node, a);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, a);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const { tensor, last, rank } = this.channelsTensor(node);
        const make = op === 'GlobalMaxPool' ? (rank === 1 ? globalMaxPooling1d : globalMaxPooling2d) : rank === 1 ? globalAveragePooling1d : globalAveragePooling2d;
        const y = make({ keepdims: true, dataFormat: last ? 'channelsLast' : 'channelsFirst' }).apply(tensor) as SymbolicTensor;
        this.setChannels(node, y, last);
        return;
      }
      case 'BatchNormalization': {
        const x = this.value(node, 0);
        const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => this.floatConstant(node, i).floats);
        const layer = batchNormalization({ axis: x.perm[1], epsilon: a.float('epsilon', 1e-5), momentum: a.float('momentum', 0.9) });
        const y = layer.apply(x.tensor) as SymbolicTensor;
        this.assign(layer, [gamma, beta, mean, variance]);
        this.set(node, 0, { tensor: y, perm: x.perm });
        return;
      }
      case 'LayerNormalization': {
        const x = this.plain(node, 0);
        const rank = x.rank;
        const axis = a.int('axis', -1);
        const first = axis < 0 ? axis + rank : axis;
        const scale = this.floatConstant(node, 1).floats;
        const hasBias = (node.input?.[2] ?? '') !== '';
        const layer = layerNormalization({ axis: Array.from({ length: rank - first }, (_, i) => first + i), epsilon: a.float('epsilon', 1e-5), center: hasBias });
        const y = layer.apply(x) as SymbolicTensor;
        this.assign(layer, [scale, hasBias ? this.floatConstant(node, 2).floats : null]);
        this.set(node, 0, { tensor: y, perm: IDENTITY(rank) });
        return;
      }
      case 'Pad': {
        const x = this.value(node, 0);
        const pads = this.constant(node.input?.[1] ?? '')?.ints;
        if (!pads || x.perm.length !== 4 || a.string('mode', 'constant') !== 'constant') return this.fail(node, 'only constant zero padding of images with constant pads is imported');
        const value = (node.input?.[2] ?? '') === '' ? 0 : this.floatConstant(node, 2).floats[0];
        if (value !== 0) this.fail(node, 'only zero padding is imported');
        // Pads in the tensor's own axes.
        const begin = new Array<number>(4).fill(0), end = new Array<number>(4).fill(0);
        x.perm.forEach((axis, i) => {
          begin[axis] = pads[i];
          end[axis] = pads[i + 4];
        });
        const channelsLast = begin[3] === 0 && end[3] === 0 && begin[0] === 0 && end[0] === 0;
        const channelsFirst = begin[1] === 0 && end[1] === 0 && begin[0] === 0 && end[0] === 0;
        if (!channelsLast && !channelsFirst) this.fail(node, 'pads must be on the two spatial axes');
        const [h, w] = channelsLast ? [1, 2] : [2, 3];
        const y = zeroPadding2d({ padding: [[begin[h], end[h]], [begin[w], end[w]]], dataFormat: channelsLast ? 'channelsLast' : 'channelsFirst' }).apply(x.tensor) as SymbolicTensor;
        this.set(node, 0, { tensor: y, perm: x.perm });
        return;
      }
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        const x = this.value(node, 0);
        if (!samePerm(x.perm, [1, 0, 2])) this.fail(node, 'the sequence must be batch-major data transposed to [steps, batch, features]');
        if (a.int('layout', 0) !== 0) this.fail(node, 'layout 1 is not imported');
        if ((node.input ?? []).slice(4).some((n) => n !== '')) this.fail(node, 'sequence lengths and initial states are not imported');
        node.output?.forEach((name, index) => {
          if (name !== '') this.pendingRecurrent.set(name, { node, x, index });
        });
        return;
      }
      default:
        this.fail(node, 'no Dendrite layer for this operator');
    }
  }

  /**
   * The tensor of a value about to be flattened: a transposed value flattens to the same data as its
   * tensor when the transpose moves only axes of size 1 (a pooled [batch, 1, 1, channels]).
   */
  flattenable(node: NodeProto): SymbolicTensor {
    const v = this.value(node, 0);
    const moved = v.perm.filter((axis) => axis === 0 || v.tensor.shape[axis] !== 1);
    if (!moved.every((axis, i) => i === 0 || axis > moved[i - 1])) this.fail(node, `input 0 is a transposed value (perm ${JSON.stringify(v.perm)}), which this layer cannot read`);
    return v.tensor;
  }

  /** A value in its plain layout (the tensor itself): layers without a layout option need one. */
  plain(node: NodeProto, i: number): SymbolicTensor {
    const v = this.value(node, i);
    if (!isIdentity(v.perm)) this.fail(node, `input ${i} is a transposed value (perm ${JSON.stringify(v.perm)}), which this layer cannot read`);
    return v.tensor;
  }

  /** The input of a channels-first ONNX op as a Dendrite tensor: NHWC data under a Transpose, or NCHW data as is. */
  channelsTensor(node: NodeProto): { tensor: SymbolicTensor; last: boolean; rank: 1 | 2 } {
    const x = this.value(node, 0);
    const r = x.perm.length - 2;
    if (r !== 1 && r !== 2) this.fail(node, `expected a 1-D or 2-D spatial input, got rank ${x.perm.length}`);
    const last = samePerm(x.perm, r === 2 ? [0, 3, 1, 2] : [0, 2, 1]);
    if (!last && !isIdentity(x.perm)) this.fail(node, `its input is in layout ${JSON.stringify(x.perm)}`);
    return { tensor: x.tensor, last, rank: r as 1 | 2 };
  }

  setChannels(node: NodeProto, y: SymbolicTensor, last: boolean): void {
    const rank = y.rank;
    this.set(node, 0, { tensor: y, perm: last ? (rank === 4 ? [0, 3, 1, 2] : [0, 2, 1]) : IDENTITY(rank) });
  }

  /** 'valid', 'same' or 'causal' from ONNX pads (begin..., end...), or null when none fits. */
  padding(a: Attributes, spatial: (number | null)[], kernel: number[], strides: number[], dilations: number[]): 'valid' | 'same' | 'causal' | null {
    const auto = a.string('auto_pad', 'NOTSET');
    if (auto === 'SAME_UPPER') return 'same';
    if (auto === 'VALID') return 'valid';
    if (auto !== 'NOTSET') return null;
    const pads = a.ints('pads') ?? new Array<number>(2 * kernel.length).fill(0);
    if (pads.every((p) => p === 0)) return 'valid';
    const r = kernel.length;
    if (r === 1 && pads[0] === (kernel[0] - 1) * dilations[0] && pads[1] === 0) return 'causal';
    const same = spatial.every((size, i) => {
      if (size === null) return false;
      const total = Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0);
      return pads[i] === Math.floor(total / 2) && pads[i + r] === total - Math.floor(total / 2);
    });
    return same ? 'same' : null;
  }

  private conv(node: NodeProto, a: Attributes): void {
    const { tensor, last, rank } = this.channelsTensor(node);
    const weight = this.floatConstant(node, 1);
    const values = oihwToHwio(weight.floats, weight.dims);
    const shape = [...weight.dims.slice(2), weight.dims[1], weight.dims[0]];
    const kernel = shape.slice(0, -2);
    const strides = a.ints('strides') ?? kernel.map(() => 1);
    const dilations = a.ints('dilations') ?? kernel.map(() => 1);
    const group = a.int('group', 1);
    const spatial = last ? tensor.shape.slice(1, -1) : tensor.shape.slice(2);
    const padding = this.padding(a, spatial, kernel, strides, dilations);
    if (padding === null || (padding === 'causal' && rank !== 1)) return this.fail(node, `its pads ${JSON.stringify(a.ints('pads'))} are not 'valid', 'same' or 'causal'`);
    const hasBias = (node.input?.[2] ?? '') !== '';
    const options = { filters: shape[shape.length - 1], kernelSize: kernel, strides, dilationRate: dilations, padding, groups: group, useBias: hasBias, dataFormat: last ? 'channelsLast' : 'channelsFirst' } as const;
    const layer = rank === 2 ? conv2d(options as Parameters<typeof conv2d>[0]) : conv1d(options as Parameters<typeof conv1d>[0]);
    const y = layer.apply(tensor) as SymbolicTensor;
    this.assign(layer, [values, hasBias ? this.floatConstant(node, 2).floats : null]);
    this.setChannels(node, y, last);
  }

  private pool(node: NodeProto, a: Attributes): void {
    const { tensor, last, rank } = this.channelsTensor(node);
    const kernel = a.ints('kernel_shape');
    if (kernel === null || kernel.length !== rank) return this.fail(node, 'kernel_shape must give each spatial axis');
    const strides = a.ints('strides') ?? kernel.map(() => 1);
    if ((a.ints('dilations') ?? []).some((d) => d !== 1) || a.int('ceil_mode', 0) !== 0) this.fail(node, 'dilations and ceil_mode are not imported');
    const spatial = last ? tensor.shape.slice(1, -1) : tensor.shape.slice(2);
    const padding = this.padding(a, spatial, kernel, strides, kernel.map(() => 1));
    if (padding === null || padding === 'causal') return this.fail(node, "its pads are not 'valid' or 'same'");
    if (node.op_type === 'AveragePool' && padding === 'same' && a.int('count_include_pad', 0) !== 0) this.fail(node, 'count_include_pad is not imported');
    const max = node.op_type === 'MaxPool';
    const options = { poolSize: kernel, strides, padding, dataFormat: last ? 'channelsLast' : 'channelsFirst' } as const;
    const make = rank === 2 ? (max ? maxPooling2d : averagePooling2d) : max ? maxPooling1d : averagePooling1d;
    this.setChannels(node, make(options as never).apply(tensor) as SymbolicTensor, last);
  }

  private denseNode(node: NodeProto, a: Attributes): void {
    const x = this.plain(node, 0);
    const w = this.floatConstant(node, 1);
    if (w.dims.length !== 2) this.fail(node, 'the weight must be a 2-D initializer');
    let kernel = w.floats;
    let [k, n] = w.dims;
    if (node.op_type === 'Gemm') {
      if (a.int('transA', 0) !== 0 || a.float('alpha', 1) !== 1 || a.float('beta', 1) !== 1) this.fail(node, 'only Gemm with transA 0, alpha 1 and beta 1 is a dense layer');
      if (a.int('transB', 0) === 1) {
        [k, n] = [n, k];
        kernel = transpose2d(w.floats, n, k);
      }
    }
    let bias: Float32Array | null = null;
    let output = node.output?.[0] ?? '';
    if (node.op_type === 'Gemm' && (node.input?.[2] ?? '') !== '') {
      bias = this.floatConstant(node, 2).floats;
    } else if (node.op_type === 'MatMul' && this.readers.get(output) === 1) {
      // MatMul then Add of a [units] constant: one dense layer with its bias.
      const next = (this.graph.node ?? []).find((m) => m.op_type === 'Add' && m.input?.includes(output));
      const other = next?.input?.find((name) => name !== output);
      const c = other === undefined ? null : this.constant(other);
      if (next !== undefined && c?.floats != null && c.floats.length === n && c.dims.length <= 1) {
        bias = c.floats;
        output = next.output?.[0] ?? '';
        this.skipped.add(next);
      }
    }
    if (bias !== null && bias.length !== n) this.fail(node, `the bias has ${bias.length} values for ${n} units`);
    // An activation that alone reads the product is the dense layer's own (one layer, as written).
    const folded = this.foldedActivation(output, x.rank);
    if (folded !== null) output = folded.output;
    const layer = dense({ units: n, useBias: bias !== null, ...(folded === null ? {} : { activation: folded.activation }) });
    const y = layer.apply(x) as SymbolicTensor;
    this.assign(layer, [kernel, bias]);
    this.values.set(output, { tensor: y, perm: IDENTITY(y.rank) });
  }

  /** Nodes folded into an earlier layer (the Add of a dense bias, its activation). */
  readonly skipped = new Set<NodeProto>();

  /** The activation node that is the only reader of `name` (not a model output), marked skipped, or null. */
  foldedActivation(name: string, rank: number): { activation: Activation; output: string } | null {
    if (this.readers.get(name) !== 1) return null;
    const next = (this.graph.node ?? []).find((m) => m.input?.[0] === name);
    if (next === undefined || next.op_type === 'Softmax' || next.op_type === 'LogSoftmax') {
      if (next === undefined) return null;
      const axis = new Attributes(next, this.where).int('axis', -1);
      if (axis !== -1 && axis !== rank - 1) return null;
      this.skipped.add(next);
      return { activation: getActivation(next.op_type === 'Softmax' ? 'softmax' : 'logSoftmax'), output: next.output?.[0] ?? '' };
    }
    const act = activationOf(next.op_type ?? '', new Attributes(next, this.where), (n) => this.constant(n), next);
    if (act === null || act === 'identity') return null;
    this.skipped.add(next);
    return { activation: act, output: next.output?.[0] ?? '' };
  }

  /** Squeeze: of a recurrent output (which makes the recurrent layer), or of size-1 axes (a reshape). */
  private squeeze(node: NodeProto, a: Attributes): void {
    const name = node.input?.[0] ?? '';
    const axes = this.constant(node.input?.[1] ?? '')?.ints ?? a.ints('axes');
    if (axes === null || axes === undefined) return this.fail(node, 'the axes must be constant');
    const pending = this.pendingRecurrent.get(name);
    if (pending === undefined) this.fail(node, 'only the squeeze of a recurrent output is imported');
    const { node: rnnNode, x, index } = pending!;
    if ((index === 0 && !samePerm(axes, [1])) || (index > 0 && !samePerm(axes, [0]))) this.fail(node, 'it must drop the directions axis');
    const outputs = this.recurrentOutputs(rnnNode, x);
    const y = outputs[index];
    if (y === undefined) this.fail(node, 'the recurrent output it reads was not made');
    this.set(node, 0, { tensor: y, perm: index === 0 ? [1, 0, 2] : [0, 1] });
  }

  /** Makes (once) the layer of a recurrent node: its sequence output (if read), last h (and c). */
  private recurrentOutputs(node: NodeProto, x: Value): (SymbolicTensor | undefined)[] {
    const done = this.made.get(node);
    if (done !== undefined) return done;
    const a = new Attributes(node, this.where);
    const op = node.op_type!;
    if (a.string('direction', 'forward') !== 'forward') this.fail(node, 'only forward recurrent nodes are imported');
    if (a.float('clip', 0) !== 0 || a.int('input_forget', 0) !== 0) this.fail(node, 'clip and input_forget are not imported');
    const units = a.int('hidden_size', 0);
    const w = this.floatConstant(node, 1), r = this.floatConstant(node, 2);
    const gates = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
    const inputs = w.dims[2];
    if (w.dims[0] !== 1 || w.dims[1] !== gates * units || r.dims[1] !== gates * units || r.dims[2] !== units) this.fail(node, 'W and R do not fit hidden_size');
    const order = op === 'LSTM' ? LSTM_KERAS_TO_ONNX : op === 'GRU' ? GRU_KERAS_TO_ONNX : [0];
    const names = a.strings('activations') ?? (op === 'RNN' ? ['Tanh'] : op === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Sigmoid', 'Tanh', 'Tanh']);
    const act = (n: string) => {
      const k = ({ Tanh: 'tanh', Sigmoid: 'sigmoid', Relu: 'relu' } as Record<string, 'tanh' | 'sigmoid' | 'relu'>)[n];
      return k ?? this.fail(node, `activation '${n}' is not imported`);
    };
    if (op === 'LSTM' && names[1] !== names[2]) this.fail(node, 'the cell and hidden activations must be the same');
    const biasInput = (node.input?.[3] ?? '') !== '' ? this.floatConstant(node, 3).floats : new Float32Array(2 * gates * units);
    const wb = biasInput.subarray(0, gates * units), rb = biasInput.subarray(gates * units);
    const reorder = (v: Float32Array) => {
      const out = new Float32Array(v.length);
      order.forEach((source, block) => out.set(v.subarray(block * units, (block + 1) * units), source * units));
      return out;
    };
    const linearBeforeReset = a.int('linear_before_reset', 0) === 1;
    let bias: Float32Array;
    if (op === 'GRU' && linearBeforeReset) {
      bias = new Float32Array(2 * gates * units);
      bias.set(reorder(wb), 0);
      bias.set(reorder(rb), gates * units);
    } else {
      // One bias per gate in Keras: ONNX's two add up (outside the reset gate without linear_before_reset).
      bias = reorder(rb.some((v) => v !== 0) ? Float32Array.from(wb, (v, i) => v + rb[i]) : Float32Array.from(wb));
    }
    const returnSequences = (node.output?.[0] ?? '') !== '' && this.readers.has(node.output![0]);
    const returnState = (node.output ?? []).slice(1).some((n) => n !== '' && this.readers.has(n));
    const common = { units, returnSequences, returnState, activation: act(names[op === 'RNN' ? 0 : 1]) };
    const layer = op === 'LSTM'
      ? lstm({ ...common, recurrentActivation: act(names[0]) })
      : op === 'GRU'
        ? gru({ ...common, recurrentActivation: act(names[0]), resetAfter: linearBeforeReset })
        : simpleRNN(common);
    const applied = layer.apply(x.tensor) as SymbolicTensor | SymbolicTensor[];
    const list = Array.isArray(applied) ? applied : [applied];
    this.assign(layer, [gatesFromOnnx(w.floats, inputs, units, order), gatesFromOnnx(r.floats, units, units, order), bias]);
    // Outputs: Y (when returnSequences), Y_h, Y_c.
    const result: (SymbolicTensor | undefined)[] = returnSequences
      ? [list[0], returnState ? list[1] : undefined, returnState ? list[2] : undefined]
      : [undefined, returnState ? list[1] : list[0], returnState ? list[2] : undefined];
    this.made.set(node, result);
    return result;
  }
}

/** The graph's data inputs (initializers listed as inputs, as older files do, aside). */
function graphInputs(graph: GraphProto, constants: ReadonlyMap<string, Constant>): ValueInfoProto[] {
  return (graph.input ?? []).filter((v) => !constants.has(v.name ?? ''));
}

/**
 * Loads an ONNX model as a Dendrite graph model (`dn.model`), made of Dendrite layers: it predicts,
 * trains (fine-tuning), saves and exports like any other.
 *
 * ```ts
 * const model = await dn.onnx.loadModel('model.onnx');        // or a Uint8Array of the file
 * model.predict(x);
 * ```
 *
 * Operators read: MatMul (+ Add of a bias) and Gemm → dense; Relu, LeakyRelu, Elu, Selu, Sigmoid,
 * Tanh, Softmax, LogSoftmax, Softplus, Softsign, HardSigmoid (beta 0.5, any slope), HardSwish, Exp, Clip
 * (0–6) → activations; Add, Sub, Mul, Sum, Mean, Max, Min, Concat → merge layers; Conv (1-D, 2-D,
 * groups, dilation) → conv1d/conv2d; MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool → pooling;
 * BatchNormalization, LayerNormalization; Reshape (constant shape keeping the batch), Flatten, Pad
 * (zeros) → zeroPadding2d; Gather of a table → embedding; LSTM, GRU and RNN (forward) read through
 * Squeeze; Transpose (tracked, no layer), Identity, Dropout and Cast. Anything else is an
 * {@link UnsupportedError} listing every unsupported operator of the graph; a file that is not a
 * valid ONNX model is a SerializationError saying what is wrong.
 *
 * @param source A path to a .onnx file, or its bytes.
 */
export async function loadModel(source: string | Uint8Array, options: OnnxLoadOptions = {}): Promise<Functional> {
  const where = 'onnx.loadModel';
  const { bytes, label } = await fileBytes(where, 'source', source, 'an ONNX file');
  const o = checkOptions<OnnxLoadOptions>(where, checkObject(where, 'options', options), ['name']);
  return modelFromBytes(where, bytes, label, o.name);
}

/**
 * Builds the model from a file's bytes. A graph that decodes but does not fit together (shapes,
 * dangling names: a corrupted file) is a SerializationError too; operators or settings with no
 * Dendrite layer are an UnsupportedError.
 */
export function modelFromBytes(where: string, bytes: Uint8Array, label: string, name?: string): Functional {
  try {
    return buildModel(where, bytes, label, name);
  } catch (error) {
    if (error instanceof SerializationError || error instanceof UnsupportedError) throw error;
    throw new SerializationError(`${where}: ${label}: the graph does not fit together (${(error as Error).message})`, { cause: error });
  }
}

function buildModel(where: string, bytes: Uint8Array, label: string, name?: string): Functional {
  if (bytes.length === 0) throw new SerializationError(`${where}: ${label} is empty, not an ONNX model`);
  const proto = decodeModel(bytes, label);
  const graph = proto.graph;
  if (graph === undefined || (graph.node ?? []).length === 0) throw new SerializationError(`${where}: ${label} has no graph (not an ONNX model, or truncated)`);
  const opset = (proto.opset_import ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new SerializationError(`${where}: ${label} names no opset of the standard domain`);
  if (opset < 7) throw new UnsupportedError(`${where}: ${label} uses opset ${opset}; opsets 7 and later are read`, [`opset ${opset}`]);
  const unknown = [...new Set((graph.node ?? []).map((n) => n.op_type ?? '').filter((op) => !SUPPORTED_OPS.includes(op)))];
  if (unknown.length > 0) {
    throw new UnsupportedError(`${where}: ${label} uses operators Dendrite does not import: ${unknown.join(', ')} (supported: ${SUPPORTED_OPS.join(', ')})`, unknown);
  }
  const importer = new Importer(where, graph);
  for (const t of graph.initializer ?? []) importer.constants.set(t.name ?? '', readConstant(t, `${where}: ${label}`));
  for (const node of graph.node ?? []) {
    if (node.op_type === 'Constant') continue;
    for (const n of node.input ?? []) importer.readers.set(n, (importer.readers.get(n) ?? 0) + 1);
  }
  for (const out of graph.output ?? []) importer.readers.set(out.name ?? '', (importer.readers.get(out.name ?? '') ?? 0) + 1);
  const dataInputs = graphInputs(graph, importer.constants);
  if (dataInputs.length === 0) throw new SerializationError(`${where}: ${label} has no data input`);
  const inputs = dataInputs.map((info) => {
    const type = info.type?.tensor_type;
    const dims = type?.shape?.dim;
    if (type === undefined || dims === undefined || dims.length < 1) throw new SerializationError(`${where}: ${label}: input '${info.name}' has no tensor shape`);
    const shape = dims.slice(1).map((d) => (d.dim_value !== undefined && Number(d.dim_value) > 0 ? Number(d.dim_value) : null));
    const elem = type.elem_type;
    const dtype = elem === DataType.INT32 || elem === DataType.INT64 ? 'int32' : 'float32';
    if (elem !== DataType.FLOAT && dtype === 'float32') throw new UnsupportedError(`${where}: ${label}: input '${info.name}' has element type ${elem}; float32 and integer ids are read`, [`input type ${elem}`]);
    const t = input({ shape, dtype });
    importer.values.set(info.name ?? '', { tensor: t, perm: IDENTITY(dims.length) });
    return t;
  });
  for (const node of graph.node ?? []) if (!importer.skipped.has(node)) importer.node(node);
  const outputs = (graph.output ?? []).map((info) => {
    const v = importer.values.get(info.name ?? '');
    if (v === undefined) throw new SerializationError(`${where}: ${label}: output '${info.name}' is made by no node`);
    if (!isIdentity(v.perm)) throw new UnsupportedError(`${where}: ${label}: output '${info.name}' is a transposed value; Dendrite returns tensors in their own layout`, ['Transpose']);
    return v.tensor;
  });
  if (outputs.length === 0) throw new SerializationError(`${where}: ${label} has no output`);
  const modelName = name ?? (graph.name && /^[A-Za-z0-9_.\-/]+$/.test(graph.name) ? graph.name : undefined);
  return functionalModel({ inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs, ...(modelName === undefined ? {} : { name: modelName }) });
}
