/**
 * A model's forward pass as a program: the layer calls in an order where every input is computed
 * before it is used, each reading and writing numbered value slots. `dn.model` compiles its graph
 * into one when it is created (a topological sort, once); a Sequential model's program is the
 * one-path case (layer i reads slot i and writes slot i + 1). The same executor runs both, in
 * training and inference; workspaces (reused buffers) and inference plans belong to the steps, so
 * a layer called twice gets two sets of buffers. Masks travel beside the values: each slot may carry
 * the mask its producing layer computed (see the masks section of Layer), which the reading layers get
 * in `context.mask`.
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { describe } from '../validate.js';
import type { AnyLayer, MaskInput, Workspace } from '../layers/layer.js';

/** One call of a layer. */
export interface Step {
  readonly layer: AnyLayer;
  /** The slots it reads, one per input. */
  readonly inputs: readonly number[];
  /** Whether the layer takes an array of tensors (even of one). */
  readonly listInput: boolean;
  /** The slots it writes, one per output. */
  readonly outputs: readonly number[];
  /** Whether the layer returns an array of tensors. */
  readonly listOutput: boolean;
}

/** A model's forward pass. */
export interface Program {
  /** The number of value slots. */
  readonly slots: number;
  /** The slot of each model input. */
  readonly inputs: readonly number[];
  /** The slot of each model output. */
  readonly outputs: readonly number[];
  /** The layer calls, in an order where inputs come before their use. */
  readonly steps: readonly Step[];
  /**
   * For each model output, the step that produces it when nothing else reads that value (so the
   * step may return logits for a loss that folds its final activation), else -1.
   */
  readonly foldableSteps: readonly number[];
}

/** What one run of a program is told. */
export interface RunOptions {
  training: boolean;
  /** False inside a frozen model: every layer then runs frozen (see CallContext.trainable). */
  trainable: boolean | undefined;
  /** The workspace whose nested workspaces (one per step) the layers use, or null to allocate fresh outputs. */
  workspace: Workspace | null;
  /** Per step: 1 where the step returns logits (its final softmax/sigmoid is folded into the loss), or null. */
  logits: Uint8Array | null;
  /** Where layers add activity penalties, or null. */
  losses: Tensor[] | null;
  /** The masks of the model's inputs (a model called as a layer with masked inputs), or absent. */
  inputMasks?: readonly (Tensor | null)[];
  /** Filled with the mask of each model output (or null) when given. */
  outputMasks?: (Tensor | null)[];
  /** Called with each step's index and output as it is made (Grad-CAM reads a layer's feature maps here). */
  onStepOutput?: (step: number, output: Tensor | Tensor[]) => void;
}

/** Completes a program from its steps: finds, for each output, the step a loss may fold. */
export function makeProgram(slots: number, inputs: readonly number[], outputs: readonly number[], steps: readonly Step[]): Program {
  const producer = new Int32Array(slots).fill(-1);
  const readers = new Int32Array(slots);
  steps.forEach((step, i) => {
    for (const slot of step.outputs) producer[slot] = i;
    for (const slot of step.inputs) readers[slot]++;
  });
  for (const slot of outputs) readers[slot]++;
  const foldableSteps = outputs.map((slot) => {
    const step = producer[slot];
    return step >= 0 && readers[slot] === 1 && steps[step].outputs.length === 1 && !steps[step].listOutput ? step : -1;
  });
  return { slots, inputs, outputs, steps, foldableSteps };
}

/** The program of a stack of layers: layer i reads slot i and writes slot i + 1. */
export function linearProgram(layers: readonly AnyLayer[]): Program {
  const steps = layers.map((layer, i): Step => ({ layer, inputs: [i], listInput: false, outputs: [i + 1], listOutput: false }));
  return makeProgram(layers.length + 1, [0], [layers.length], steps);
}

/** Runs `program` on `inputs` (one tensor per model input) and returns one tensor per model output. */
export function runProgram(program: Program, inputs: readonly Tensor[], options: RunOptions): Tensor[] {
  const values = new Array<Tensor | Tensor[] | undefined>(program.slots);
  const inputSlots = program.inputs;
  for (let i = 0; i < inputSlots.length; i++) values[inputSlots[i]] = inputs[i];
  // Masks by slot, made when the first one appears.
  let masks: (Tensor | null)[] | null = null;
  if (options.inputMasks !== undefined && options.inputMasks.some((m) => m !== null)) {
    masks = new Array<Tensor | null>(program.slots).fill(null);
    for (let i = 0; i < inputSlots.length; i++) masks[inputSlots[i]] = options.inputMasks[i] ?? null;
  }
  const { steps } = program;
  const { training, trainable, workspace, logits, losses } = options;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s];
    const layer = step.layer;
    const slots = step.inputs;
    let input: Tensor | Tensor[];
    let mask: MaskInput = null;
    if (step.listInput) {
      input = new Array<Tensor>(slots.length);
      for (let i = 0; i < slots.length; i++) input[i] = values[slots[i]] as Tensor;
      if (masks !== null) {
        const list = slots.map((slot) => masks![slot]);
        if (list.some((m) => m !== null)) mask = list;
      }
    } else {
      input = values[slots[0]] as Tensor;
      if (masks !== null) mask = masks[slots[0]];
    }
    const output = layer.call(input, {
      training,
      trainable: trainable !== false && layer.trainable,
      workspace: workspace === null ? null : workspace.nested(s),
      logits: logits !== null && logits[s] === 1,
      losses,
      mask,
    });
    options.onStepOutput?.(s, output);
    if (layer.supportsMasking) {
      const made = layer.computeMask(input, mask);
      if (made !== null) {
        masks ??= new Array<Tensor | null>(program.slots).fill(null);
        const outputs = step.outputs;
        for (let i = 0; i < outputs.length; i++) masks[outputs[i]] = Array.isArray(made) ? made[i] ?? null : i === 0 ? made : null;
      }
    }
    if (step.listOutput) {
      const list = output as Tensor | Tensor[];
      if (!Array.isArray(list) || list.length !== step.outputs.length) {
        throw new ValueError(`${layer.name}: call must return ${step.outputs.length} tensors (as when it was applied to symbolic inputs), got ${describe(output)}`);
      }
      for (let i = 0; i < step.outputs.length; i++) values[step.outputs[i]] = (list as Tensor[])[i];
    } else {
      values[step.outputs[0]] = output as Tensor;
    }
  }
  const outputSlots = program.outputs;
  const result = new Array<Tensor>(outputSlots.length);
  for (let i = 0; i < outputSlots.length; i++) result[i] = values[outputSlots[i]] as Tensor;
  const outputMasks = options.outputMasks;
  if (outputMasks !== undefined) {
    outputMasks.length = outputSlots.length;
    for (let i = 0; i < outputSlots.length; i++) outputMasks[i] = masks === null ? null : masks[outputSlots[i]];
  }
  return result;
}
