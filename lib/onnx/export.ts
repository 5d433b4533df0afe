/**
 * ONNX export: a Sequential or graph (functional) model as an ONNX ModelProto that onnxruntime and
 * other ONNX engines run, with the same outputs as `model.predict` (float32 rounding aside).
 *
 * The graph follows the model's program (its layer calls in order); each layer becomes a few standard
 * ONNX nodes, its weights initializers. Dendrite's layouts are kept at every layer boundary: images
 * stay NHWC (channels last) between layers, and a convolution or pooling layer wraps the ONNX op (which
 * takes NCHW) in two Transpose nodes, NHWC → NCHW → NHWC; onnxruntime's optimizer removes the pairs
 * that cancel. Kernels are turned into ONNX's layouts (Conv OIHW from HWIO; recurrent weights with
 * their gates reordered: Keras' LSTM i, f, c, o is ONNX's i, o, f, c; the GRU's z, r, h is ONNX's
 * z, r, h, with `linear_before_reset` for `resetAfter`).
 *
 * Inference only: dropout (and the other noise layers) become Identity; batch normalization uses its
 * moving statistics. Masks are not exported: a model with `masking` or `embedding({ maskZero: true })`
 * is refused, as is any layer with no ONNX form here (an {@link UnsupportedError} naming the layers).
 */
import { SerializationError, UnsupportedError, ValueError } from '../errors.js';
import type { Activation } from '../activations.js';
import { Model, type AnyModel } from '../model/training.js';
import { Sequential } from '../model/sequential.js';
import { Functional } from '../model/functional.js';
import type { AnyLayer, Shape } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { Dense } from '../layers/dense.js';
import { ActivationLayer } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { Reshape } from '../layers/reshape.js';
import { Conv } from '../layers/conv/conv.js';
import { DepthwiseConv2D } from '../layers/conv/depthwise-conv2d.js';
import { Pooling } from '../layers/pooling/base-pooling.js';
import { GlobalPooling } from '../layers/pooling/base-global-pooling.js';
import { BatchNormalization } from '../layers/normalization/batch-normalization.js';
import { ZeroPadding2D } from '../layers/reshaping/zero-padding2d.js';
import { UpSampling2D } from '../layers/reshaping/up-sampling2d.js';
import { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate } from '../layers/merge/index.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNormalization } from '../layers/layerNormalization.js';
import { RNN } from '../layers/recurrent/rnn.js';
import { Bidirectional } from '../layers/bidirectional.js';
import type { LayerVariable } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';

/** A recurrent layer of any output form. */
type AnyRnn = RNN<Tensor | Tensor[]>;
import { checkBoolean, checkInteger, checkObject, checkOptions, checkString, typeError } from '../validate.js';
import { writeFileAtomic } from '../io/atomic.js';
import { hwioToOihw } from '../io/layouts.js';
import { float, GraphBuilder, int, ints, str, strs, type Attribute } from './graph-builder.js';
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from './proto.js';

/** The opsets {@link exportModel} writes, with the IR version each goes with. */
const IR_VERSION_OF_OPSET: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };
/** The default opset: 17 (onnxruntime 1.13 and later). */
export const DEFAULT_OPSET = 17;

/** Options of {@link exportModel}. */
export interface ExportOptions {
  /** The ONNX opset, 17 to 21. Default 17. */
  opset?: number;
  /**
   * A symbolic batch dimension (`'batch'`), so the model runs on any batch size. Default true; false
   * fixes it to `batchSize`.
   */
  dynamicBatch?: boolean;
  /** The batch size written when `dynamicBatch` is false. Default 1. */
  batchSize?: number;
  /** The graph's name in the file. Default the model's name. */
  graphName?: string;
}

/** Where {@link exportModel} writes: a file path, or `{ toBuffer: true }` for the bytes. */
export type ExportTarget = string | { toBuffer: true };

/** A value of the graph: its name and its shape in Dendrite's layout (batch `null`). */
interface Value {
  name: string;
  shape: Shape;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
const NWC_TO_NCW = [0, 2, 1];

/** A variable's current value as float32 data (a copy). */
function data(variable: LayerVariable): Float32Array {
  return variable.read().storage as Float32Array;
}

/** Gate blocks of a [rows, G·units] matrix reordered (`order[k]` is the source block of block k) and transposed to [G·units, rows]. */
function gatesToOnnx(values: Float32Array, rows: number, units: number, order: readonly number[]): Float32Array {
  const width = order.length * units;
  const out = new Float32Array(values.length);
  order.forEach((source, block) => {
    for (let u = 0; u < units; u++) {
      for (let r = 0; r < rows; r++) out[(block * units + u) * rows + r] = values[r * width + source * units + u];
    }
  });
  return out;
}

/** A bias of G·units reordered by gate blocks. */
function biasToOnnx(values: Float32Array, units: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * units);
  order.forEach((source, block) => out.set(values.subarray(source * units, (source + 1) * units), block * units));
  return out;
}

/** Keras' LSTM gates i, f, c, o taken in ONNX's order i, o, f, c. */
export const LSTM_KERAS_TO_ONNX = [0, 3, 1, 2];
/** Keras' GRU gates z, r, h are ONNX's order already. */
export const GRU_KERAS_TO_ONNX = [0, 1, 2];

/** The ONNX names of the activations a recurrent cell may use. */
const RECURRENT_ACTIVATIONS: Record<string, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu' };

class Exporter {
  readonly b = new GraphBuilder();
  readonly unsupported: string[] = [];

  constructor(readonly opset: number) {}

  private refuse(layer: AnyLayer, why: string): never {
    throw new UnsupportedError(`onnx.exportModel: layer '${layer.name}' (${layer.className}) cannot be exported: ${why}`, [layer.name]);
  }

  transpose(x: string, perm: readonly number[], base: string): string {
    return this.b.op('Transpose', [x], base, { perm: ints(perm) });
  }

  /** Applies a Dendrite activation to value `x` (its last axis the features); returns the result's name. */
  activation(layer: AnyLayer, act: Activation, x: string, base: string): string {
    const b = this.b;
    const config = act.getConfig();
    switch (act.name) {
      case 'linear': return x;
      case 'relu': return b.op('Relu', [x], base);
      case 'leakyRelu': return b.op('LeakyRelu', [x], base, { alpha: float(act.param) });
      case 'elu': return b.op('Elu', [x], base, { alpha: float(act.param) });
      case 'sigmoid': return b.op('Sigmoid', [x], base);
      case 'tanh': return b.op('Tanh', [x], base);
      case 'softplus': return b.op('Softplus', [x], base);
      case 'softsign': return b.op('Softsign', [x], base);
      case 'selu': return b.op('Selu', [x], base, { alpha: float(1.6732632423543772), gamma: float(1.0507009873554805) });
      case 'exponential': return b.op('Exp', [x], base);
      case 'hardSigmoid': return b.op('HardSigmoid', [x], base, { alpha: float((config.slope as number | undefined) ?? 1 / 6), beta: float(0.5) });
      case 'hardSwish': return b.op('HardSwish', [x], base);
      case 'relu6': return b.op('Clip', [x, b.scalar(`${base}_min`, 0), b.scalar(`${base}_max`, 6)], base);
      case 'softmax':
      case 'logSoftmax': {
        const axis = typeof config.axis === 'number' ? config.axis : -1;
        return b.op(act.name === 'softmax' ? 'Softmax' : 'LogSoftmax', [x], base, { axis: int(axis) });
      }
      case 'swish': return b.op('Mul', [x, b.op('Sigmoid', [x], `${base}_sigmoid`)], base);
      case 'mish': {
        const softplus = b.op('Softplus', [x], `${base}_softplus`);
        return b.op('Mul', [x, b.op('Tanh', [softplus], `${base}_tanh`)], base);
      }
      case 'gelu': {
        // 0.5 x (1 + erf(x / √2)), or with `approximate` 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
        let inner: string;
        if (config.approximate === true) {
          const cube = b.op('Mul', [x, b.op('Mul', [x, x], `${base}_square`)], `${base}_cube`);
          const sum = b.op('Add', [x, b.op('Mul', [cube, b.scalar(`${base}_c`, 0.044715)], `${base}_scaled_cube`)], `${base}_sum`);
          inner = b.op('Tanh', [b.op('Mul', [sum, b.scalar(`${base}_k`, Math.sqrt(2 / Math.PI))], `${base}_arg`)], `${base}_tanh`);
        } else {
          inner = b.op('Erf', [b.op('Mul', [x, b.scalar(`${base}_rsqrt2`, Math.SQRT1_2)], `${base}_arg`)], `${base}_erf`);
        }
        const onePlus = b.op('Add', [inner, b.scalar(`${base}_one`, 1)], `${base}_one_plus`);
        return b.op('Mul', [b.op('Mul', [x, b.scalar(`${base}_half`, 0.5)], `${base}_half_x`), onePlus], base);
      }
      default:
        return this.refuse(layer, `its activation '${act.name}' has no ONNX form (custom functions cannot be exported)`);
    }
  }

  /** Exports one layer call; returns its outputs. */
  layer(layer: AnyLayer, inputs: Value[], listInput: boolean): Value[] {
    const shapes = inputs.map((v) => v.shape);
    const outShape = layer.computeOutputShape(listInput ? shapes : shapes[0]);
    const outShapes = outShape.length > 0 && Array.isArray(outShape[0]) ? (outShape as Shape[]) : [outShape as Shape];
    const names = this.layerNodes(layer, inputs);
    return names.map((name, i) => ({ name, shape: outShapes[i] }));
  }

  private layerNodes(layer: AnyLayer, inputs: Value[]): string[] {
    const b = this.b;
    const base = layer.name;
    const x = inputs[0];
    if (layer instanceof Dense) {
      const kernel = layer.kernel!;
      let y = b.op('MatMul', [x.name, b.floatTensor(`${base}/kernel`, kernel.shape, data(kernel))], `${base}_matmul`);
      if (layer.bias !== null) y = b.op('Add', [y, b.floatTensor(`${base}/bias`, layer.bias.shape, data(layer.bias))], `${base}_bias`);
      return [this.activation(layer, layer.activation, y, base)];
    }
    if (layer instanceof ActivationLayer) return [this.activation(layer, layer.activation, x.name, base)];
    if (layer instanceof Dropout) return [b.op('Identity', [x.name], base)];
    if (layer instanceof Flatten) {
      if (layer.dataFormat === 'channelsFirst' && x.shape.length > 2) {
        // Keras flattens channels-first data in channels-last order.
        const perm = [0, ...Array.from({ length: x.shape.length - 2 }, (_, i) => i + 2), 1];
        return [b.op('Flatten', [this.transpose(x.name, perm, `${base}_channels_last`)], base, { axis: int(1) })];
      }
      return [b.op('Flatten', [x.name], base, { axis: int(1) })];
    }
    if (layer instanceof Reshape) {
      return [b.op('Reshape', [x.name, b.int64Tensor(`${base}/shape`, [0, ...layer.targetShape])], base)];
    }
    if (layer instanceof Conv || layer instanceof DepthwiseConv2D) return [this.convolution(layer, x)];
    if (layer instanceof Pooling) return [this.pooling(layer, x)];
    if (layer instanceof GlobalPooling) return [this.globalPooling(layer, x)];
    if (layer instanceof BatchNormalization) return [this.batchNorm(layer, x)];
    if (layer instanceof ZeroPadding2D) {
      const [[top, bottom], [left, right]] = layer.padding;
      const pads = layer.dataFormat === 'channelsLast' ? [0, top, left, 0, 0, bottom, right, 0] : [0, 0, top, left, 0, 0, bottom, right];
      return [b.op('Pad', [x.name, b.int64Tensor(`${base}/pads`, pads)], base)];
    }
    if (layer instanceof UpSampling2D) {
      // Nearest by whole factors: output pixel i reads input pixel floor(i / size) (asymmetric, floor).
      const last = layer.dataFormat === 'channelsLast';
      const input = last ? this.transpose(x.name, NHWC_TO_NCHW, `${base}_nchw`) : x.name;
      const scales = new Float32Array([1, 1, layer.size[0], layer.size[1]]);
      const resized = b.op('Resize', [input, '', b.floatTensor(`${base}/scales`, [4], scales)], last ? `${base}_resize` : base, {
        mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor'),
      });
      return [last ? this.transpose(resized, NCHW_TO_NHWC, base) : resized];
    }
    if (layer instanceof Add) return [b.op('Sum', inputs.map((v) => v.name), base)];
    if (layer instanceof Subtract) return [b.op('Sub', [inputs[0].name, inputs[1].name], base)];
    if (layer instanceof Multiply) {
      return [inputs.slice(1).reduce((product, v, i) => b.op('Mul', [product, v.name], i === inputs.length - 2 ? base : `${base}_${i}`), inputs[0].name)];
    }
    if (layer instanceof Average) return [b.op('Mean', inputs.map((v) => v.name), base)];
    if (layer instanceof Maximum) return [b.op('Max', inputs.map((v) => v.name), base)];
    if (layer instanceof Minimum) return [b.op('Min', inputs.map((v) => v.name), base)];
    if (layer instanceof Concatenate) {
      const rank = x.shape.length;
      return [b.op('Concat', inputs.map((v) => v.name), base, { axis: int(layer.axis < 0 ? layer.axis + rank : layer.axis) })];
    }
    if (layer instanceof Embedding) {
      if (layer.maskZero) this.refuse(layer, 'masks are not exported (maskZero: true)');
      const table = layer.embeddings!;
      return [b.op('Gather', [b.floatTensor(`${base}/embeddings`, table.shape, data(table)), this.indices(x.name, base)], base, { axis: int(0) })];
    }
    if (layer instanceof LayerNormalization) return [this.layerNorm(layer, x)];
    if (layer instanceof RNN) {
      if (inputs.length > 1) this.refuse(layer, 'initial states are not exported');
      return this.recurrent(layer as AnyRnn, x);
    }
    if (layer instanceof Bidirectional) return this.bidirectional(layer, inputs);
    if (layer instanceof Model) return this.nested(layer, inputs);
    return this.refuse(layer, 'no ONNX form for this layer type');
  }

  /** Token ids for Gather: int32 data is taken as is; float32 ids are cast to int64. */
  private indices(name: string, base: string): string {
    return this.dtypeOf.get(name) === 'int32' ? name : this.b.op('Cast', [name], `${base}_ids`, { to: int(DataType.INT64) });
  }

  /** Value names whose dtype is int32 (model inputs of token ids). */
  readonly dtypeOf = new Map<string, 'float32' | 'int32'>();

  private convolution(layer: Conv | DepthwiseConv2D, x: Value): string {
    const b = this.b;
    const base = layer.name;
    const last = layer.dataFormat === 'channelsLast';
    const rank = layer.rank;
    const toFirst = rank === 2 ? NHWC_TO_NCHW : NWC_TO_NCW;
    const toLast = rank === 2 ? NCHW_TO_NHWC : NWC_TO_NCW;
    const input = last ? this.transpose(x.name, toFirst, `${base}_nchw`) : x.name;
    let weight: string, group: number;
    if (layer instanceof DepthwiseConv2D) {
      // [kh, kw, c, m] → [c·m, 1, kh, kw]: output channel c·m + j reads input channel c alone.
      const kernel = layer.depthwiseKernel!;
      const [kh, kw, c, m] = kernel.shape;
      weight = b.floatTensor(`${base}/depthwise_kernel`, [c * m, 1, kh, kw], hwioToOihw(data(kernel), [kh, kw, 1, c * m]));
      group = c;
    } else {
      const kernel = layer.kernel!;
      const shape = kernel.shape;
      weight = b.floatTensor(`${base}/kernel`, [shape[shape.length - 1], shape[shape.length - 2], ...shape.slice(0, -2)], hwioToOihw(data(kernel), shape));
      group = layer.groups;
    }
    const attributes: Record<string, Attribute> = {
      kernel_shape: ints(layer.kernelSize), strides: ints(layer.strides), dilations: ints(layer.dilationRate), group: int(group),
    };
    if (layer.padding === 'same') Object.assign(attributes, this.samePadding(layer, x.shape, layer.kernelSize, layer.strides, layer.dilationRate));
    else if (layer.padding === 'causal') attributes.pads = ints([(layer.kernelSize[0] - 1) * layer.dilationRate[0], 0]);
    const bias = layer.bias === null ? [] : [b.floatTensor(`${base}/bias`, layer.bias.shape, data(layer.bias))];
    const conv = b.op('Conv', [input, weight, ...bias], `${base}_conv`, attributes);
    const output = last ? this.transpose(conv, toLast, `${base}_nhwc`) : conv;
    return this.activation(layer, layer.activation, output, base);
  }

  /**
   * 'same' padding as TensorFlow pads (the odd element at the end): explicit pads when the spatial
   * sizes are known, else ONNX's SAME_UPPER (the same rule, which onnxruntime runs without dilation).
   */
  private samePadding(layer: Conv | DepthwiseConv2D | Pooling, shape: Shape, kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): Record<string, Attribute> {
    const spatial = layer.dataFormat === 'channelsLast' ? shape.slice(1, -1) : shape.slice(2);
    if (spatial.some((size) => size === null)) {
      if (dilations.some((d) => d !== 1)) this.refuse(layer, "'same' padding with dilation needs known spatial sizes");
      return { auto_pad: str('SAME_UPPER') };
    }
    const begin: number[] = [], end: number[] = [];
    spatial.forEach((size, i) => {
      const n = size as number;
      const out = Math.ceil(n / strides[i]);
      const total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - n, 0);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    });
    return { pads: ints([...begin, ...end]) };
  }

  private pooling(layer: Pooling, x: Value): string {
    const b = this.b;
    const base = layer.name;
    const last = layer.dataFormat === 'channelsLast';
    const input = last ? this.transpose(x.name, layer.rank === 2 ? NHWC_TO_NCHW : NWC_TO_NCW, `${base}_nchw`) : x.name;
    const attributes: Record<string, Attribute> = { kernel_shape: ints(layer.poolSize), strides: ints(layer.strides) };
    // 'same' pads at the end first (TensorFlow's rule); averages count only the real elements.
    if (layer.padding === 'same') Object.assign(attributes, this.samePadding(layer, x.shape, layer.poolSize, layer.strides, layer.poolSize.map(() => 1)));
    const pooled = b.op(layer.kind === 'max' ? 'MaxPool' : 'AveragePool', [input], `${base}_pool`, attributes);
    return last ? this.transpose(pooled, layer.rank === 2 ? NCHW_TO_NHWC : NWC_TO_NCW, base) : pooled;
  }

  private globalPooling(layer: GlobalPooling, x: Value): string {
    const b = this.b;
    const base = layer.name;
    const last = layer.dataFormat === 'channelsLast';
    const input = last ? this.transpose(x.name, layer.rank === 2 ? NHWC_TO_NCHW : NWC_TO_NCW, `${base}_nchw`) : x.name;
    const pooled = b.op(layer.kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [input], `${base}_pool`);
    if (!layer.keepdims) return b.op('Flatten', [pooled], base, { axis: int(1) });
    return last ? this.transpose(pooled, layer.rank === 2 ? NCHW_TO_NHWC : NWC_TO_NCW, base) : pooled;
  }

  private batchNorm(layer: BatchNormalization, x: Value): string {
    const b = this.b;
    const base = layer.name;
    const rank = x.shape.length;
    const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
    const channels = layer.movingMean!.shape[0];
    const scale = layer.gamma === null ? new Float32Array(channels).fill(1) : data(layer.gamma);
    const shift = layer.beta === null ? new Float32Array(channels) : data(layer.beta);
    // ONNX normalizes axis 1: other axes are moved there and back.
    const perm = Array.from({ length: rank }, (_, i) => i);
    if (axis !== 1) {
      perm.splice(axis, 1);
      perm.splice(1, 0, axis);
    }
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const input = axis === 1 ? x.name : this.transpose(x.name, perm, `${base}_channels_first`);
    const normalized = b.op('BatchNormalization', [
      input,
      b.floatTensor(`${base}/gamma`, [channels], scale),
      b.floatTensor(`${base}/beta`, [channels], shift),
      b.floatTensor(`${base}/moving_mean`, [channels], data(layer.movingMean!)),
      b.floatTensor(`${base}/moving_variance`, [channels], data(layer.movingVariance!)),
    ], axis === 1 ? base : `${base}_normalized`, { epsilon: float(layer.epsilon) });
    return axis === 1 ? normalized : this.transpose(normalized, inverse, base);
  }

  private layerNorm(layer: LayerNormalization, x: Value): string {
    const b = this.b;
    const rank = x.shape.length;
    const axes = layer.axis.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
    if (axes.some((a, i) => a !== rank - axes.length + i)) this.refuse(layer, `ONNX LayerNormalization normalizes trailing axes only, got axis ${JSON.stringify(layer.axis)}`);
    const shape = x.shape.slice(axes[0]) as number[];
    const size = shape.reduce((p, q) => p * q, 1);
    const scale = layer.gamma === null ? new Float32Array(size).fill(1) : data(layer.gamma);
    const inputs = [x.name, b.floatTensor(`${layer.name}/gamma`, shape, scale)];
    if (layer.beta !== null) inputs.push(b.floatTensor(`${layer.name}/beta`, shape, data(layer.beta)));
    return b.op('LayerNormalization', inputs, layer.name, { axis: int(axes[0]), epsilon: float(layer.epsilon) });
  }

  /** The ONNX op, its gate order and attributes for a recurrent layer. */
  private cellOf(layer: AnyRnn): { op: string; order: number[]; activations: string[]; linearBeforeReset: boolean } {
    const name = (act: Activation) => RECURRENT_ACTIVATIONS[act.name] ?? this.refuse(layer, `activation '${act.name}' has no ONNX recurrent form (tanh, sigmoid, relu)`);
    if (layer.cell === 'lstm') return { op: 'LSTM', order: LSTM_KERAS_TO_ONNX, activations: [name(layer.recurrentActivation), name(layer.activation), name(layer.activation)], linearBeforeReset: false };
    if (layer.cell === 'gru') {
      const resetAfter = layer.getConfig().resetAfter === true;
      return { op: 'GRU', order: GRU_KERAS_TO_ONNX, activations: [name(layer.recurrentActivation), name(layer.activation)], linearBeforeReset: resetAfter };
    }
    return { op: 'RNN', order: [0], activations: [name(layer.activation)], linearBeforeReset: false };
  }

  /** W, R and B of one direction ([G·units, inputs], [G·units, units], [2·G·units]). */
  private recurrentWeights(layer: AnyRnn, order: readonly number[]): { w: Float32Array; r: Float32Array; bias: Float32Array } {
    const units = layer.units;
    const gates = order.length;
    const kernel = layer.kernel!;
    const w = gatesToOnnx(data(kernel), kernel.shape[0], units, order);
    const r = gatesToOnnx(data(layer.recurrentKernel!), units, units, order);
    const bias = new Float32Array(2 * gates * units);
    if (layer.bias !== null) {
      const values = data(layer.bias);
      if (layer.bias.shape.length === 2) {
        // A GRU with resetAfter: [input bias; recurrent bias].
        bias.set(biasToOnnx(values.subarray(0, gates * units), units, order), 0);
        bias.set(biasToOnnx(values.subarray(gates * units), units, order), gates * units);
      } else {
        bias.set(biasToOnnx(values, units, order), 0);
      }
    }
    return { w, r, bias };
  }

  private checkRecurrent(layer: AnyRnn): void {
    if (layer.goBackwards) this.refuse(layer, 'goBackwards is not exported');
  }

  /** One ONNX RNN/LSTM/GRU node over `[batch, steps, features]`; `directions` layers run forward then reversed. */
  private recurrentNode(owner: AnyLayer, directions: AnyRnn[], x: Value): { y: string; h: string; c: string | null } {
    const b = this.b;
    const base = owner.name;
    const first = directions[0];
    const cell = this.cellOf(first);
    const units = first.units;
    const parts = directions.map((layer) => this.recurrentWeights(layer, cell.order));
    const join = (pick: (p: (typeof parts)[number]) => Float32Array) => {
      const out = new Float32Array(parts.reduce((n, p) => n + pick(p).length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(pick(p), offset);
        offset += pick(p).length;
      }
      return out;
    };
    const gates = cell.order.length;
    const inputs = first.kernel!.shape[0];
    const d = directions.length;
    const attributes: Record<string, Attribute> = {
      hidden_size: int(units),
      direction: str(d === 2 ? 'bidirectional' : 'forward'),
      activations: strs(d === 2 ? [...cell.activations, ...cell.activations] : cell.activations),
    };
    if (cell.op === 'GRU') attributes.linear_before_reset = int(cell.linearBeforeReset ? 1 : 0);
    const sequence = this.transpose(x.name, [1, 0, 2], `${base}_time_major`);
    const outputs = b.node(cell.op, [
      sequence,
      b.floatTensor(`${base}/W`, [d, gates * units, inputs], join((p) => p.w)),
      b.floatTensor(`${base}/R`, [d, gates * units, units], join((p) => p.r)),
      b.floatTensor(`${base}/B`, [d, 2 * gates * units], join((p) => p.bias)),
    ], `${base}_${cell.op.toLowerCase()}`, attributes, cell.op === 'LSTM' ? 3 : 2);
    return { y: outputs[0], h: outputs[1], c: cell.op === 'LSTM' ? outputs[2] : null };
  }

  private recurrent(layer: AnyRnn, x: Value): string[] {
    const b = this.b;
    const base = layer.name;
    this.checkRecurrent(layer);
    const { y, h, c } = this.recurrentNode(layer, [layer], x);
    let axes0: string | null = null;
    const last = (state: string, name: string) => b.op('Squeeze', [state, (axes0 ??= b.int64Tensor(`${base}/axis0`, [0]))], name);
    let output: string;
    if (layer.returnSequences) {
      // Y [steps, 1, batch, units] → [batch, steps, units].
      const squeezed = b.op('Squeeze', [y, b.int64Tensor(`${base}/axis1`, [1])], `${base}_sequence`);
      output = this.transpose(squeezed, [1, 0, 2], base);
    } else {
      output = last(h, base);
    }
    if (!layer.returnState) return [output];
    const states = [last(h, `${base}_h`)];
    if (c !== null) states.push(last(c, `${base}_c`));
    return [output, ...states];
  }

  private bidirectional(layer: Bidirectional, inputs: Value[]): string[] {
    const b = this.b;
    const base = layer.name;
    const forward = layer.forwardLayer as AnyRnn;
    const backward = layer.backwardLayer as AnyRnn;
    if (inputs.length > 1) this.refuse(layer, 'initial states are not exported');
    if (forward.returnState) this.refuse(layer, 'returnState is not exported');
    if (forward.className !== backward.className || forward.units !== backward.units || backward.goBackwards !== true || forward.goBackwards) {
      this.refuse(layer, 'its backward layer must be the forward layer\'s type and size, reading the sequence backwards');
    }
    const { y, h } = this.recurrentNode(layer, [forward, backward], inputs[0]);
    const mode = layer.mergeMode;
    let both: string, forwardOut: string, backwardOut: string;
    if (forward.returnSequences) {
      // Y [steps, 2, batch, units]: the backward direction's outputs sit at their input steps, as Keras aligns them.
      both = this.transpose(y, [2, 0, 1, 3], `${base}_batch_major`); // [batch, steps, 2, units]
      if (mode === 'concat') return [b.op('Reshape', [both, b.int64Tensor(`${base}/shape`, [0, 0, 2 * forward.units])], base)];
      const parts = b.node('Split', [both, b.int64Tensor(`${base}/split`, [1, 1])], `${base}_direction`, { axis: int(2) }, 2);
      const axis = b.int64Tensor(`${base}/axis2`, [2]);
      forwardOut = b.op('Squeeze', [parts[0], axis], `${base}_forward`);
      backwardOut = b.op('Squeeze', [parts[1], axis], `${base}_backward`);
    } else {
      // Y_h [2, batch, units].
      both = this.transpose(h, [1, 0, 2], `${base}_batch_major`); // [batch, 2, units]
      if (mode === 'concat') return [b.op('Reshape', [both, b.int64Tensor(`${base}/shape`, [0, 2 * forward.units])], base)];
      const parts = b.node('Split', [both, b.int64Tensor(`${base}/split`, [1, 1])], `${base}_direction`, { axis: int(1) }, 2);
      const axis = b.int64Tensor(`${base}/axis1`, [1]);
      forwardOut = b.op('Squeeze', [parts[0], axis], `${base}_forward`);
      backwardOut = b.op('Squeeze', [parts[1], axis], `${base}_backward`);
    }
    switch (mode) {
      case 'sum': return [b.op('Add', [forwardOut, backwardOut], base)];
      case 'mul': return [b.op('Mul', [forwardOut, backwardOut], base)];
      case 'ave': return [b.op('Mul', [b.op('Add', [forwardOut, backwardOut], `${base}_sum`), b.scalar(`${base}_half`, 0.5)], base)];
      default: return this.refuse(layer, `mergeMode ${JSON.stringify(mode)} is not exported (concat, sum, mul, ave)`);
    }
  }

  /** A model used as a layer: its program inlined. */
  private nested(model: AnyModel, inputs: Value[]): string[] {
    return this.program(model, inputs).map((v) => v.name);
  }

  /** Exports a model's program on `inputs`; returns its outputs. */
  program(model: AnyModel, inputs: Value[]): Value[] {
    const program = model.program;
    const slots: (Value | undefined)[] = new Array(program.slots);
    program.inputs.forEach((slot, i) => (slots[slot] = inputs[i]));
    for (const step of program.steps) {
      if (step.layer instanceof InputLayer) continue;
      const values = step.inputs.map((slot) => slots[slot]!);
      const outputs = this.layer(step.layer, values, step.listInput);
      if (outputs.length !== step.outputs.length) throw new ValueError(`onnx.exportModel: layer '${step.layer.name}' gave ${outputs.length} outputs, expected ${step.outputs.length}`);
      step.outputs.forEach((slot, i) => (slots[slot] = outputs[i]));
    }
    return program.outputs.map((slot) => slots[slot]!);
  }
}

/** The input shapes and dtypes of a model (built), batch first. */
function modelInputs(where: string, model: AnyModel): { shape: Shape; dtype: 'float32' | 'int32' }[] {
  if (model instanceof Functional) return model.inputs.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype === 'int32' ? 'int32' : 'float32' }));
  if (model instanceof Sequential) {
    if (!model.built || model.inputShape === null) throw new ValueError(`${where}: the model is not built: give its first layer an inputShape, or call build/predict once`);
    const first = model.layers[0];
    return [{ shape: model.inputShape.slice(), dtype: first.acceptsInputDType('int32') && first instanceof Embedding ? 'int32' : 'float32' }];
  }
  return typeError(where, 'model', 'a Sequential or graph model', model);
}

function valueInfo(name: string, shape: Shape, elemType: number, batch: number | null, prefix: string): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: {
          dim: shape.map((d, i) => {
            if (i === 0) return batch === null ? { dim_param: 'batch' } : { dim_value: batch };
            return d === null ? { dim_param: `${prefix}_dim${i}` } : { dim_value: d };
          }),
        },
      },
    },
  };
}

/** Builds the ModelProto of `model`. */
export function modelProto(where: string, model: AnyModel, options: ExportOptions = {}): ModelProto {
  const o = checkOptions<ExportOptions>(where, options, ['opset', 'dynamicBatch', 'batchSize', 'graphName']);
  const opset = o.opset === undefined ? DEFAULT_OPSET : checkInteger(where, 'opset', o.opset);
  if (IR_VERSION_OF_OPSET[opset] === undefined) throw new ValueError(`${where}: opset must be one of ${Object.keys(IR_VERSION_OF_OPSET).join(', ')}, got ${opset}`);
  const dynamic = o.dynamicBatch === undefined ? true : checkBoolean(where, 'dynamicBatch', o.dynamicBatch);
  const batch = dynamic ? null : o.batchSize === undefined ? 1 : checkInteger(where, 'batchSize', o.batchSize, 1, 2 ** 31 - 1);
  if (dynamic && o.batchSize !== undefined) throw new ValueError(`${where}: batchSize is for dynamicBatch: false`);
  const graphName = o.graphName === undefined ? model.name : checkString(where, 'graphName', o.graphName);
  const ins = modelInputs(where, model);
  const exporter = new Exporter(opset);
  const b = exporter.b;
  const inputNames = model.inputNames;
  const outputNames = model.outputNames;
  const inputs: Value[] = ins.map((input, i) => {
    b.reserve(inputNames[i]);
    exporter.dtypeOf.set(inputNames[i], input.dtype);
    return { name: inputNames[i], shape: input.shape };
  });
  const taken = new Set(inputNames);
  const outNames = outputNames.map((name) => (taken.has(name) ? `${name}_output` : name));
  for (const name of outNames) b.reserve(name);
  const outputs = exporter.program(model, inputs);
  // Each output gets the model's output name through an Identity (the last layer's value may also feed others).
  outputs.forEach((value, i) => b.node('Identity', [value.name], outNames[i], {}, [outNames[i]]));
  return {
    ir_version: IR_VERSION_OF_OPSET[opset],
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'dendrite',
    producer_version: '0.1.0',
    graph: {
      name: graphName,
      node: b.nodes,
      initializer: b.initializers,
      input: ins.map((input, i) => valueInfo(inputNames[i], input.shape, input.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT, batch, inputNames[i])),
      output: outputs.map((value, i) => valueInfo(outNames[i], value.shape, DataType.FLOAT, batch, outNames[i])),
    },
  };
}

/**
 * Exports a Sequential or graph (functional) model to ONNX, for onnxruntime (Node, Python, the
 * browser's onnxruntime-web, mobile) and the other ONNX engines.
 *
 * ```ts
 * await dn.onnx.exportModel(model, 'model.onnx');                          // writes the file
 * const bytes = await dn.onnx.exportModel(model, { toBuffer: true });      // or returns the bytes
 * await dn.onnx.exportModel(model, 'model.onnx', { opset: 18, dynamicBatch: false, batchSize: 8 });
 * ```
 *
 * The graph's inputs and outputs are named as `model.inputNames` and `model.outputNames`; images are
 * NHWC as in Dendrite (a convolution's NCHW op sits between two Transpose nodes). Layers exported:
 * dense, activation (every built-in activation), dropout and spatial dropout (Identity), flatten,
 * reshape, zeroPadding2d, upSampling2d (Resize, nearest), the merge layers (add, subtract, multiply, average, maximum, minimum,
 * concatenate), conv1d and conv2d (with groups, dilation, 'same'/'valid'/'causal' padding),
 * depthwiseConv2d, max/average pooling 1-D and 2-D, global pooling, batchNormalization,
 * layerNormalization (trailing axes), embedding (Gather), simpleRNN, lstm and gru (ONNX RNN, LSTM,
 * GRU, gates reordered), bidirectional over those, and models used as layers. Anything else is an
 * UnsupportedError naming the layer.
 *
 * @param model A built Sequential or graph model.
 * @param target A file path (written atomically), or `{ toBuffer: true }` to get the bytes instead.
 * @param options `opset` (17–21, default 17), `dynamicBatch` (default true), `batchSize`, `graphName`.
 * @returns The ONNX bytes for `{ toBuffer: true }`, else nothing once the file is written.
 */
export async function exportModel(model: AnyModel, target: { toBuffer: true }, options?: ExportOptions): Promise<Uint8Array>;
export async function exportModel(model: AnyModel, target: string, options?: ExportOptions): Promise<void>;
export async function exportModel(model: AnyModel, target: ExportTarget, options: ExportOptions = {}): Promise<Uint8Array | void> {
  const where = 'onnx.exportModel';
  if (!(model instanceof Model)) typeError(where, 'model', 'a Sequential or graph model', model);
  let toBuffer = false;
  if (typeof target === 'string') {
    if (target.length === 0) typeError(where, 'target', 'a file path or { toBuffer: true }', target);
  } else {
    const t = checkObject(where, 'target', target);
    checkOptions(where, t, ['toBuffer']);
    if (t.toBuffer !== true) typeError(where, 'target.toBuffer', 'true', t.toBuffer);
    toBuffer = true;
  }
  const bytes = encodeModel(modelProto(where, model, options));
  if (toBuffer) return bytes;
  try {
    await writeFileAtomic(target as string, bytes);
  } catch (error) {
    throw new SerializationError(`${where}: could not write ${target as string}: ${(error as Error).message}`, { cause: error });
  }
}
