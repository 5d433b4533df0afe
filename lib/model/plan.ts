/**
 * Inference plans: a model's program written as the steps of `binding.forwardPlan`, so that
 * `predictAsync` runs natively on a worker thread over a copy of the weights (see async-inference.ts).
 *
 * The native network is a graph over value slots, as the model's program is: the model's inputs are
 * slots 0..n-1 and each step writes the next slot, reading the slots it names. A plan computes
 * exactly what `predict` computes: each step is the kernel call the layer makes at inference (a
 * Dense layer's fused GEMM with bias and activation, then a softmax for a softmax activation; an
 * activation layer's unary or softmax kernel; a merge layer's elementwise ops, row sums and
 * concatenation, in the order its `call` makes them), and no kernel's result for a row depends on
 * how many rows are in the call or on the thread count. Layers that do nothing to the data at
 * inference (dropout, and flatten/reshape of contiguous rows) add no step; a model used as a layer
 * adds its own program's steps. Anything else (a custom layer or activation, a Dense layer on inputs
 * of rank > 2, a softmax over another axis, a merge of inputs of rank > 2) has no plan, and
 * `predictAsync` runs on the main thread instead.
 */
import { binding, type ForwardStep } from '../native.js';
import type { Activation } from '../activations.js';
import { contiguous } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import type { AnyLayer } from '../layers/layer.js';
import type { Program } from './program.js';
import { Dense } from '../layers/dense.js';
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

const LINEAR = binding.opCodes.unary.linear;
const { add: ADD, sub: SUB, mul: MUL, div: DIV, maximum: MAXIMUM, minimum: MINIMUM } = binding.opCodes.binary;
const { square: SQUARE, sqrt: SQRT } = binding.opCodes.unary;

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
    if (isExactly(layer, ActivationLayer)) {
      const out = this.activation((layer as ActivationLayer).activation, x);
      return out === null ? null : [out];
    }
    if (isExactly(layer, Dropout)) return [x];
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
  return {
    steps: builder.steps,
    inputWidths: sampleShapes.map((shape) => shape.reduce((a, b) => a * b, 1)),
    outputs: outputs.map((v) => v.slot),
    outputSampleShapes: outputs.map((v) => v.shape),
  };
}
