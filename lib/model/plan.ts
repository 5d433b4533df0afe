/**
 * Inference plans: a model's program written as the steps of `binding.forwardPlan`, so that
 * `predictAsync` runs natively on a worker thread over a copy of the weights (see async-inference.ts).
 *
 * A plan computes exactly what `predict` computes: each step is the kernel call the layer makes at
 * inference (a Dense layer's fused GEMM with bias and activation, then an in-place softmax for a
 * softmax activation; an activation layer's unary or softmax kernel), and no kernel's result for a
 * row depends on how many rows are in the call or on the thread count. Layers that do nothing to the
 * data at inference (dropout, and flatten/reshape of contiguous rows) add no step. Anything else (a
 * custom layer or activation, a Dense layer on inputs of rank > 2, a softmax over another axis) has
 * no plan, and `predictAsync` runs on the main thread instead.
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

const LINEAR = binding.opCodes.unary.linear;

/** The steps, and the shape of one output sample (without the batch dimension). */
export interface InferencePlan {
  steps: ForwardStep[];
  outputSampleShape: number[];
}

/** Exactly this class: a subclass may override `call`, so it gets no plan. */
function isExactly(layer: AnyLayer, type: { prototype: object }): boolean {
  return Object.getPrototypeOf(layer) === type.prototype;
}

/** The float32 values of a weight as one contiguous array of exactly its size. */
function values(t: Tensor): Float32Array {
  const source = t.isContiguous ? t : contiguous(t.detach());
  return source.storage as Float32Array;
}

/**
 * The steps of an activation applied to samples of `sampleShape`, or null if it has no plan. A
 * softmax must be over the last axis of 2-D rows (the binding's softmax step works on whole rows).
 */
function activationSteps(activation: Activation, sampleShape: readonly number[]): ForwardStep[] | null {
  if (activation.name === 'linear') return [];
  if ((activation.name === 'softmax' || activation.name === 'logSoftmax') && activation.unaryCode === null) {
    const axis = activation.getConfig().axis;
    const rank = sampleShape.length + 1;
    const lastAxis = axis === undefined || axis === -1 || axis === rank - 1;
    return lastAxis && sampleShape.length === 1 ? [{ kind: 'softmax', log: activation.name === 'logSoftmax' }] : null;
  }
  if (activation.unaryCode === null) return null;
  return [{ kind: 'unary', activation: activation.unaryCode, param: activation.param }];
}

/**
 * The layers of a program that is one path (one input, one output, each step reading the value the
 * step before wrote), or null for any other graph.
 */
function onePath(program: Program): AnyLayer[] | null {
  if (program.inputs.length !== 1 || program.outputs.length !== 1) return null;
  let slot = program.inputs[0];
  for (const step of program.steps) {
    if (step.listInput || step.listOutput || step.inputs[0] !== slot) return null;
    slot = step.outputs[0];
  }
  return slot === program.outputs[0] ? program.steps.map((step) => step.layer) : null;
}

/**
 * The plan of a model's program (its layers built) for inputs whose samples have shape
 * `sampleShape`, or null when a layer cannot be expressed as forwardPlan steps. The weights are
 * referenced, not copied: `binding.forwardPlan` copies them, so call it right after building the plan.
 */
export function inferencePlan(program: Program, sampleShape: readonly number[]): InferencePlan | null {
  const layers = onePath(program);
  if (layers === null) return null;
  const steps: ForwardStep[] = [];
  let shape = sampleShape.slice();
  for (const layer of layers) {
    if (!layer.built) return null;
    if (isExactly(layer, Dense)) {
      const dense = layer as Dense;
      const kernel = dense.kernel!.value;
      const inputs = kernel.shape[0];
      if (shape.length !== 1 || shape[0] !== inputs || kernel.dtype !== 'float32') return null;
      const bias = dense.bias === null ? null : dense.bias.value;
      if (bias !== null && bias.dtype !== 'float32') return null;
      const activation = dense.activation;
      // As Dense.call at inference: an elementwise activation in the GEMM epilogue, a softmax after it.
      const fused = activation.unaryCode !== null;
      const after = fused ? [] : activationSteps(activation, [dense.units]);
      if (after === null) return null;
      steps.push({
        kind: 'dense', kernel: values(kernel), bias: bias === null ? null : values(bias), inputs, units: dense.units,
        activation: fused ? activation.unaryCode! : LINEAR, param: fused ? activation.param : 0,
      });
      steps.push(...after);
      shape = [dense.units];
    } else if (isExactly(layer, ActivationLayer)) {
      const after = activationSteps((layer as ActivationLayer).activation, shape);
      if (after === null) return null;
      steps.push(...after);
    } else if (isExactly(layer, Dropout)) {
      // The identity at inference.
    } else if (isExactly(layer, Flatten) || isExactly(layer, Reshape)) {
      // Rows are contiguous: only the shape of a sample changes.
      shape = (layer.computeOutputShape([null, ...shape]) as number[]).slice(1);
    } else {
      return null;
    }
  }
  return { steps, outputSampleShape: shape };
}
