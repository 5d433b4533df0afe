/**
 * Inference plans: a model's program written as the steps of `binding.forwardPlan`, so that
 * `predictAsync` runs natively on a worker thread over a copy of the weights (see async-inference.ts).
 *
 * The native network is a graph over value slots, as the model's program is: the model's inputs are
 * slots 0..n-1 and each step writes the next slot, reading the slots it names. A plan computes
 * exactly what `predict` computes: each step is the kernel call the layer makes at inference (a
 * Dense layer's fused GEMM with bias and activation, then a softmax for a softmax activation (an int8
 * QuantizedDense layer's likewise, on the int8 GEMM: in dynamic mode its input range is each batch's, and
 * the worker's batches are predict's); a
 * convolution's fused kernel; a pooling window; a batch normalization's per-channel affine map; a
 * global pooling's reduction; an activation layer's unary or softmax kernel; a merge layer's
 * elementwise ops, row sums and concatenation, in the order its `call` makes them), and no kernel's
 * result for a row depends on how many rows are in the call or on the thread count. Two steps merge
 * where the kernels give the same bits either way and nothing else reads the first one's value: a
 * batch normalization right after a convolution without activation is folded into the convolution's
 * epilogue (its scale and shift, the same float arithmetic as the separate affine pass), and an
 * elementwise activation right after a dense or convolution step without activation becomes that
 * step's epilogue. Layers that do nothing to the data at inference (dropout, spatial dropout, and
 * flatten/reshape of contiguous rows) add no step; a model used as a layer adds its own program's
 * steps. Anything else (a custom layer or activation, a Dense layer on inputs of rank > 2, a softmax
 * over another axis, a merge of inputs of rank > 2, channelsFirst image layers, zero padding,
 * upsampling) has no plan, and `predictAsync` runs on the main thread instead.
 */
import { binding, type ForwardStep } from '../native.js';
import type { Activation } from '../activations.js';
import { contiguous } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import type { AnyLayer } from '../layers/layer.js';
import type { Program } from './program.js';
import { Dense } from '../layers/dense.js';
import { QuantizedDense } from '../compression/quantization/quantized-dense.js';
import { ActivationLayer } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { Reshape } from '../layers/reshape.js';
import { Add } from '../layers/merge/add.js';
import { Subtract } from '../layers/merge/subtract.js';
import { Multiply } from '../layers/merge/multiply.js';
import { Average } from '../layers/merge/average.js';
import { Maximum } from '../layers/merge/maximum.js';
import { Minimum } from '../layers/merge/minimum.js';
import { Concatenate } from '../layers/merge/concatenate.js';
import { Dot, NORM_FLOOR } from '../layers/merge/dot.js';
import { SpatialDropout2D } from '../layers/spatial-dropout2d.js';
import { Conv1D } from '../layers/conv/conv1d.js';
import { Conv2D } from '../layers/conv/conv2d.js';
import { Conv2DTranspose } from '../layers/conv/conv2d-transpose.js';
import { DepthwiseConv2D } from '../layers/conv/depthwise-conv2d.js';
import { SeparableConv2D } from '../layers/conv/separable-conv2d.js';
import type { BaseConv } from '../layers/conv/base-conv.js';
import { Pooling } from '../layers/pooling/base-pooling.js';
import { GlobalPooling } from '../layers/pooling/base-global-pooling.js';
import { MaxPooling1D } from '../layers/pooling/max-pooling1d.js';
import { MaxPooling2D } from '../layers/pooling/max-pooling2d.js';
import { AveragePooling1D } from '../layers/pooling/average-pooling1d.js';
import { AveragePooling2D } from '../layers/pooling/average-pooling2d.js';
import { GlobalAveragePooling1D } from '../layers/pooling/global-average-pooling1d.js';
import { GlobalAveragePooling2D } from '../layers/pooling/global-average-pooling2d.js';
import { GlobalMaxPooling1D } from '../layers/pooling/global-max-pooling1d.js';
import { GlobalMaxPooling2D } from '../layers/pooling/global-max-pooling2d.js';
import { BatchNormalization } from '../layers/normalization/batch-normalization.js';
import { convGeometry, geometryArray, transposeGeometry, type ConvGeometry } from '../ops/conv.js';
import { poolGeometry, poolGeometryArray } from '../ops/pool.js';
import { normalizationAffine } from '../ops/normalization.js';

const LINEAR = binding.opCodes.unary.linear;
const { add: ADD, sub: SUB, mul: MUL, div: DIV, maximum: MAXIMUM, minimum: MINIMUM } = binding.opCodes.binary;
const { square: SQUARE, sqrt: SQRT } = binding.opCodes.unary;
const POOL_CODES = binding.opCodes.pool;
const REDUCE_CODES = binding.opCodes.reduce;

/** The steps, which slots are the outputs, and the shape of one sample of each input and output. */
export interface InferencePlan {
  steps: ForwardStep[];
  /** Elements per sample of each input (slots 0..n-1). */
  inputWidths: number[];
  /** The slot of each model output. */
  outputs: number[];
  /** The shape of one sample of each output (without the batch dimension). */
  outputSampleShapes: number[][];
}

/** A value of the plan: its slot and the shape of one sample. */
interface Value {
  slot: number;
  shape: number[];
}

/** The program of a model used as a layer (so its steps join the plan), or null for any other layer. */
export type NestedProgram = (layer: AnyLayer) => Program | null;

/** Exactly this class: a subclass may override `call`, so it gets no plan. */
function isExactly(layer: AnyLayer, type: { prototype: object }): boolean {
  return Object.getPrototypeOf(layer) === type.prototype;
}

/** The float32 values of a weight as one contiguous array of exactly its size. */
function values(t: Tensor): Float32Array {
  const source = t.isContiguous ? t : contiguous(t.detach());
  return source.storage as Float32Array;
}

/** The elementwise merges and the binary op each combines its inputs with. */
const ELEMENTWISE: [{ prototype: object }, number][] = [[Add, ADD], [Subtract, SUB], [Multiply, MUL], [Average, ADD], [Maximum, MAXIMUM], [Minimum, MINIMUM]];

/** Collects the steps; each step makes the next slot. */
class PlanBuilder {
  readonly steps: ForwardStep[] = [];
  private next: number;

  constructor(inputs: number, private readonly nested: NestedProgram) {
    this.next = inputs;
  }

  /** Adds a step; returns the value it makes. */
  private push(step: ForwardStep, shape: number[]): Value {
    this.steps.push(step);
    return { slot: this.next++, shape };
  }

  /** The values of `program`'s outputs from the values of its inputs, or null when a layer has no plan. */
  program(program: Program, inputs: readonly Value[]): Value[] | null {
    const slots = new Array<Value | undefined>(program.slots);
    program.inputs.forEach((slot, i) => (slots[slot] = inputs[i]));
    for (const step of program.steps) {
      const outputs = this.layer(step.layer, step.inputs.map((slot) => slots[slot]!));
      if (outputs === null || outputs.length !== step.outputs.length) return null;
      step.outputs.forEach((slot, i) => (slots[slot] = outputs[i]));
    }
    return program.outputs.map((slot) => slots[slot]!);
  }

  /** The values a layer makes from `inputs`, or null when it has no plan. */
  private layer(layer: AnyLayer, inputs: Value[]): Value[] | null {
    if (!layer.built) return null;
    const nested = this.nested(layer);
    if (nested !== null) return this.program(nested, inputs);
    const [x] = inputs;
    if (isExactly(layer, Dense)) return this.dense(layer as Dense, x);
    if (isExactly(layer, QuantizedDense)) return this.int8Dense(layer as QuantizedDense, x);
    if (isExactly(layer, ActivationLayer)) {
      const out = this.activation((layer as ActivationLayer).activation, x);
      return out === null ? null : [out];
    }
    if (isExactly(layer, Dropout) || isExactly(layer, SpatialDropout2D)) return [x];
    if (isImageLayer(layer)) {
      const out = this.image(layer, x);
      return out === null ? null : [out];
    }
    if ((isExactly(layer, Flatten) && !(layer as Flatten).transposes(x.shape.length + 1)) || isExactly(layer, Reshape)) {
      // Rows are contiguous: only the shape of a sample changes (a channels-first Flatten of images
      // reorders elements: it has no step, so such a model has no plan).
      return [{ slot: x.slot, shape: (layer.computeOutputShape([null, ...x.shape]) as number[]).slice(1) }];
    }
    // The merges: of 1-D samples (rows) only.
    if (inputs.some((v) => v.shape.length !== 1)) return null;
    const elementwise = ELEMENTWISE.find(([type]) => isExactly(layer, type));
    if (elementwise !== undefined) return [this.elementwise(elementwise[1], inputs, isExactly(layer, Average))];
    if (isExactly(layer, Concatenate)) {
      const axis = (layer as Concatenate).axis;
      if (axis !== -1 && axis !== 1) return null;
      if (inputs.length === 1) return [x];
      return [this.push({ kind: 'concat', from: inputs.map((v) => v.slot) }, [inputs.reduce((sum, v) => sum + v.shape[0], 0)])];
    }
    if (isExactly(layer, Dot)) return [this.dot(layer as Dot, inputs)];
    return null;
  }

  /** As Dense.call at inference: an elementwise activation in the GEMM epilogue, a softmax after it. */
  private dense(dense: Dense, x: Value): Value[] | null {
    const kernel = dense.kernel!.value;
    const inputs = kernel.shape[0];
    if (x.shape.length !== 1 || x.shape[0] !== inputs || kernel.dtype !== 'float32') return null;
    const bias = dense.bias === null ? null : dense.bias.value;
    if (bias !== null && bias.dtype !== 'float32') return null;
    const activation = dense.activation;
    const fused = activation.unaryCode !== null;
    if (!fused && activation.name !== 'linear' && this.activationStep(activation, [dense.units]) === null) return null;
    const out = this.push({
      kind: 'dense', from: x.slot, kernel: values(kernel), bias: bias === null ? null : values(bias), inputs, units: dense.units,
      activation: fused ? activation.unaryCode! : LINEAR, param: fused ? activation.param : 0,
    }, [dense.units]);
    if (fused) return [out];
    const after = this.activation(activation, out);
    return after === null ? null : [after];
  }

  /** As QuantizedDense.call: one int8Dense step (the activation in its epilogue, a softmax after it). */
  private int8Dense(layer: QuantizedDense, x: Value): Value[] | null {
    const weights = layer.quantizedWeights, packed = layer.packedWeights;
    if (weights === null || packed === null || x.shape.length !== 1 || x.shape[0] !== layer.inputDim) return null;
    const activation = layer.activation;
    const fused = activation.unaryCode !== null;
    if (!fused && activation.name !== 'linear' && this.activationStep(activation, [layer.units]) === null) return null;
    const out = this.push({
      kind: 'int8Dense', from: x.slot, packed: packed.packed, columnSums: packed.columnSums, scales: weights.kernelScales, bias: weights.bias,
      inputs: layer.inputDim, units: layer.units, activation: fused ? activation.unaryCode! : LINEAR, param: fused ? activation.param : 0,
      aScale: layer.inputScale, aZeroPoint: layer.inputZeroPoint,
    }, [layer.units]);
    if (fused) return [out];
    const after = this.activation(activation, out);
    return after === null ? null : [after];
  }

  /**
   * The step of an activation applied to samples of `shape` (without its input slot), or null if it
   * has none. A softmax must be over the last axis of 1-D samples (the binding's softmax works on rows).
   */
  private activationStep(activation: Activation, shape: readonly number[]): { kind: 'softmax'; log: boolean } | { kind: 'unary'; activation: number; param: number } | null {
    if ((activation.name === 'softmax' || activation.name === 'logSoftmax') && activation.unaryCode === null) {
      const axis = activation.getConfig().axis;
      const lastAxis = axis === undefined || axis === -1 || axis === shape.length;
      return lastAxis && shape.length === 1 ? { kind: 'softmax', log: activation.name === 'logSoftmax' } : null;
    }
    if (activation.unaryCode === null) return null;
    return { kind: 'unary', activation: activation.unaryCode, param: activation.param };
  }

  private activation(activation: Activation, x: Value): Value | null {
    if (activation.name === 'linear') return x;
    const step = this.activationStep(activation, x.shape);
    return step === null ? null : this.push({ ...step, from: x.slot }, x.shape);
  }

  /** The step of an image layer (channelsLast only) on `x`, or null when it has none. */
  private image(layer: AnyLayer, x: Value): Value | null {
    const shape = x.shape;
    if (layer instanceof BatchNormalization) return this.normalization(layer, x);
    const sample = imageSample(shape);
    if (sample === null || (layer as unknown as { dataFormat: string }).dataFormat !== 'channelsLast') return null;
    const [h, w, c] = sample;
    if (layer instanceof Pooling) {
      if (layer.rank !== shape.length - 1) return null;
      const window = layer.rank === 1 ? [1, layer.poolSize[0]] : layer.poolSize;
      const strides = layer.rank === 1 ? [1, layer.strides[0]] : layer.strides;
      const g = poolGeometry(layer.name, [1, h, w, c], window, strides, layer.padding, () => formatSample(shape));
      return this.push({ kind: 'pool2d', from: x.slot, pool: POOL_CODES[layer.kind], geometry: poolGeometryArray(g) }, sampleOf(shape, g.outH, g.outW, c));
    }
    if (layer instanceof GlobalPooling) {
      if (layer.rank !== shape.length - 1) return null;
      return this.push({ kind: 'reduce', from: x.slot, op: REDUCE_CODES[layer.kind === 'avg' ? 'mean' : 'max'], inner: c },
        layer.keepdims ? sampleOf(shape, 1, 1, c) : [c]);
    }
    const conv = layer as unknown as BaseConv;
    if (conv.rank !== shape.length - 1) return null;
    // As the layer's call: the activation in the epilogue (a softmax over pixels has no step).
    const activation = conv.activation.name === 'linear' ? null : conv.activation;
    if (activation !== null && activation.unaryCode === null) return null;
    const { kernel: window, strides, dilations } = windowsOf(conv);
    if (layer instanceof Conv2DTranspose) {
      const g = transposeGeometry(layer.name, [1, h, w, c], [window[0], window[1], layer.filters, c], strides, dilations, conv.padding, 1, null,
        layer.outputPadding, () => formatSample(shape));
      return this.push(convStep(x.slot, g, layer.kernel!.value, layer.bias?.value ?? null, activation, true), sampleOf(shape, g.inH, g.inW, layer.filters));
    }
    if (layer instanceof DepthwiseConv2D || layer instanceof SeparableConv2D) {
      const multiplier = layer.depthMultiplier;
      const depthwise = convGeometry(layer.name, [1, h, w, c], [window[0], window[1], 1, c * multiplier], strides, dilations, conv.padding, c);
      const depthwiseShape = sampleOf(shape, depthwise.outH, depthwise.outW, c * multiplier);
      if (layer instanceof DepthwiseConv2D) {
        return this.push(convStep(x.slot, depthwise, layer.depthwiseKernel!.value, layer.bias?.value ?? null, activation, false), depthwiseShape);
      }
      const inner = this.push(convStep(x.slot, depthwise, layer.depthwiseKernel!.value, null, null, false), depthwiseShape);
      const pointwise = convGeometry(layer.name, [1, depthwise.outH, depthwise.outW, c * multiplier], [1, 1, c * multiplier, layer.filters], [1, 1], [1, 1], 'valid', 1);
      return this.push(convStep(inner.slot, pointwise, layer.pointwiseKernel!.value, layer.bias?.value ?? null, activation, false),
        sampleOf(shape, pointwise.outH, pointwise.outW, layer.filters));
    }
    const plain = layer as Conv2D | Conv1D;
    const g = convGeometry(layer.name, [1, h, w, c], [window[0], window[1], c / plain.groups, plain.filters], strides, dilations, conv.padding, plain.groups);
    return this.push(convStep(x.slot, g, plain.kernel!.value, plain.bias?.value ?? null, activation, false), sampleOf(shape, g.outH, g.outW, plain.filters));
  }

  /** A batch normalization at inference (channels on the last axis): a per-channel affine step. */
  private normalization(layer: BatchNormalization, x: Value): Value | null {
    const rank = x.shape.length + 1;
    if (layer.axis !== -1 && layer.axis !== rank - 1) return null;
    const { scale, shift } = normalizationAffine(values(layer.movingMean!.value), values(layer.movingVariance!.value),
      layer.gamma === null ? null : values(layer.gamma.value), layer.beta === null ? null : values(layer.beta.value), layer.epsilon);
    return this.push({ kind: 'affine', from: x.slot, scale, shift, channels: x.shape[x.shape.length - 1] }, x.shape);
  }

  /** As ElementwiseMerge.call: the inputs combined left to right (then divided by their count for an average). */
  private elementwise(op: number, inputs: Value[], average: boolean): Value {
    let result = inputs[0];
    for (let i = 1; i < inputs.length; i++) {
      result = this.push({ kind: 'binary', op, from: [result.slot, inputs[i].slot] }, [Math.max(result.shape[0], inputs[i].shape[0])]);
    }
    return average ? this.push({ kind: 'binary', op: DIV, from: [result.slot], constant: inputs.length }, result.shape) : result;
  }

  /** As Dot.call on rows: each input divided by its L2 norm when normalizing, then the row sums of the products. */
  private dot(dot: Dot, inputs: Value[]): Value {
    let [a, b] = inputs;
    if (dot.normalize) [a, b] = [this.normalized(a), this.normalized(b)];
    const product = this.push({ kind: 'binary', op: MUL, from: [a.slot, b.slot] }, a.shape);
    return this.push({ kind: 'sum', from: product.slot }, [1]);
  }

  /** x / sqrt(max(sum(x^2), floor)) along the row, as Dot normalizes. */
  private normalized(x: Value): Value {
    const squares = this.push({ kind: 'unary', activation: SQUARE, param: 0, from: x.slot }, x.shape);
    const sum = this.push({ kind: 'sum', from: squares.slot }, [1]);
    const floored = this.push({ kind: 'binary', op: MAXIMUM, from: [sum.slot], constant: NORM_FLOOR }, [1]);
    const norm = this.push({ kind: 'unary', activation: SQRT, param: 0, from: floored.slot }, [1]);
    return this.push({ kind: 'binary', op: DIV, from: [x.slot, norm.slot] }, x.shape);
  }
}

/**
 * The plan of a model's program (its layers built) for inputs whose samples have the shapes
 * `sampleShapes`, or null when a layer cannot be expressed as forwardPlan steps. `nested` gives the
 * program of a model used as a layer. The weights are referenced, not copied: `binding.forwardPlan`
 * copies them, so call it right after building the plan.
 */
export function inferencePlan(program: Program, sampleShapes: readonly (readonly number[])[], nested: NestedProgram): InferencePlan | null {
  const builder = new PlanBuilder(sampleShapes.length, nested);
  const outputs = builder.program(program, sampleShapes.map((shape, slot) => ({ slot, shape: shape.slice() })));
  if (outputs === null) return null;
  const fused = fuseEpilogues(builder.steps, sampleShapes.length, outputs.map((v) => v.slot));
  return {
    steps: fused.steps,
    inputWidths: sampleShapes.map((shape) => shape.reduce((a, b) => a * b, 1)),
    outputs: fused.outputs,
    outputSampleShapes: outputs.map((v) => v.shape),
  };
}

/** The slots a step reads. */
function readsOf(step: ForwardStep, slot: number): readonly number[] {
  if (step.from === undefined) return [slot - 1];
  return typeof step.from === 'number' ? [step.from] : step.from;
}

/**
 * Whether `next` can become part of `step`'s epilogue with the same bits: an affine map (a batch
 * normalization) into a convolution without activation or folded affine map, an elementwise
 * activation into a dense (float or int8) or convolution step without activation (after its bias and affine map).
 */
function foldable(step: ForwardStep, next: ForwardStep): boolean {
  if (next.kind === 'affine') return step.kind === 'conv2d' && step.activation === LINEAR && step.scale === null;
  if (next.kind === 'unary') return (step.kind === 'conv2d' || step.kind === 'dense' || step.kind === 'int8Dense') && step.activation === LINEAR;
  return false;
}

/**
 * Merges each affine or unary step into the step just before it where `foldable` allows and nothing
 * else (no other step, no output) reads the value in between; renumbers the slots to match.
 */
function fuseEpilogues(steps: readonly ForwardStep[], inputs: number, outputs: readonly number[]): { steps: ForwardStep[]; outputs: number[] } {
  const readers = new Array<number>(inputs + steps.length).fill(0);
  steps.forEach((step, i) => { for (const slot of readsOf(step, inputs + i)) readers[slot]++; });
  for (const slot of outputs) readers[slot]++;
  const kept: ForwardStep[] = [];
  // The new slot of each old one.
  const renumbered = Array.from({ length: inputs }, (_, slot) => slot);
  steps.forEach((step, i) => {
    const slot = inputs + i;
    const reads = readsOf(step, slot);
    const last = kept[kept.length - 1];
    if (last !== undefined && reads.length === 1 && reads[0] === slot - 1 && readers[slot - 1] === 1 && foldable(last, step)) {
      // `last` is this plan's own copy (made below), so it can take the epilogue.
      if (step.kind === 'affine') Object.assign(last, { scale: step.scale, shift: step.shift });
      if (step.kind === 'unary') Object.assign(last, { activation: step.activation, param: step.param });
      renumbered.push(renumbered[slot - 1]);
      return;
    }
    const from = typeof step.from === 'number' ? renumbered[step.from] : step.from === undefined ? renumbered[slot - 1] : step.from.map((s) => renumbered[s]);
    kept.push({ ...step, from } as ForwardStep);
    renumbered.push(inputs + kept.length - 1);
  });
  return { steps: kept, outputs: outputs.map((slot) => renumbered[slot]) };
}

const CONVOLUTIONS = [Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D];
const POOLINGS = [MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D];
const GLOBAL_POOLINGS = [GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D];

function isImageLayer(layer: AnyLayer): boolean {
  return [...CONVOLUTIONS, ...POOLINGS, ...GLOBAL_POOLINGS, BatchNormalization].some((type) => isExactly(layer, type));
}

/**
 * The NHWC sample `[h, w, c]` of a sample shape as the image layers see it (`[steps, c]` is height 1),
 * or null for other ranks.
 */
function imageSample(shape: readonly number[]): [number, number, number] | null {
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [1, shape[0], shape[1]];
  return null;
}

/** A sample shape of the same rank as `like` from NHWC sizes. */
function sampleOf(like: readonly number[], h: number, w: number, c: number): number[] {
  return like.length === 3 ? [h, w, c] : [w, c];
}

/** One convolution step reading `from` (its weights referenced, not copied). */
function convStep(from: number, g: ConvGeometry, kernel: Tensor, bias: Tensor | null, activation: Activation | null, transpose: boolean): ForwardStep {
  return {
    kind: 'conv2d', from, geometry: geometryArray(g), kernel: values(kernel), bias: bias === null ? null : values(bias), scale: null, shift: null,
    activation: activation === null ? LINEAR : activation.unaryCode!, param: activation === null ? 0 : activation.param, transpose,
  };
}

/** A layer's window as the 2-D NHWC geometry takes it. */
function windowsOf(conv: BaseConv): { kernel: number[]; strides: number[]; dilations: number[] } {
  if (conv.rank === 2) return { kernel: conv.kernelSize, strides: conv.strides, dilations: conv.dilationRate };
  return { kernel: [1, conv.kernelSize[0]], strides: [1, conv.strides[0]], dilations: [1, conv.dilationRate[0]] };
}

function formatSample(shape: readonly number[]): string {
  return `samples of shape [${shape.join(', ')}]`;
}
