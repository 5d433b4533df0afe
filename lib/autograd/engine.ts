/**
 * Reverse-mode automatic differentiation.
 *
 * Every differentiable op computes its output eagerly and, when gradients are being recorded,
 * attaches a {@link GradNode} to it with {@link recordOp}: the op's inputs and its backward
 * function, written right beside the forward in the op's own file. `tensor.backward()` walks the
 * recorded graph from the output in reverse topological order, calls each backward function once
 * with the gradient gathered for its output, and adds the results into the leaves' `.grad`.
 */
import { ShapeError, ValueError } from '../errors.js';
import { checkBoolean, checkFunction, checkOptions, formatShape, typeError } from '../validate.js';
import { allocateUninitialized, checkFloat, emptyTensor, makeTensor, sameShape, Tensor, toTensor } from '../tensor.js';
import { add } from '../ops/elementwise.js';
import { contiguous } from '../ops/shape.js';

/**
 * An op's backward: given the gradient of its output, returns the gradient of each input, in the
 * order of `inputs` (each of the input's shape), or null for an input that needs none.
 * `needsInputGrad[i]` tells whether input i needs a gradient, so work for the others can be skipped.
 * It runs with recording off.
 */
export type BackwardFn = (grad: Tensor, needsInputGrad: readonly boolean[]) => ReadonlyArray<Tensor | null | undefined>;

/** The record of one op in the graph, attached to its output. */
export interface GradNode {
  /** The op's name, for messages and `tensor.gradFn`. */
  readonly name: string;
  /** The op's tensor inputs; emptied when the graph is released. */
  inputs: readonly Tensor[];
  /** Which inputs need a gradient. */
  readonly needs: readonly boolean[];
  /** Null once backward() has released the graph. */
  backward: BackwardFn | null;
}

/** Options of `tensor.backward()`. */
export interface BackwardOptions {
  /** Keep the recorded graph so backward() can run through it again (default false). */
  retainGraph?: boolean;
}

let gradEnabled = true;

/** Whether ops are currently recorded for gradients (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Turns recording on or off; returns the previous setting. Prefer {@link noGrad}. */
export function setGradEnabled(enabled: boolean): boolean {
  checkBoolean('setGradEnabled', 'enabled', enabled);
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/**
 * Runs `fn` without recording gradients (inference, optimizer updates, metrics) and returns its
 * result. `fn` must be synchronous: recording cannot follow an async function across `await`.
 *
 * ```ts
 * const prediction = dn.noGrad(() => model(x));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  const previous = gradEnabled;
  gradEnabled = false;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new ValueError(
      'noGrad: fn returned a Promise; recording cannot be switched off across await. Call noGrad inside the async function around its synchronous part',
    );
  }
  return result;
}

/** Whether an op with these inputs must be recorded: recording is on and one of them requires grad. */
export function needsGrad(a: Tensor, b?: Tensor | number | null, c?: Tensor | number | null): boolean {
  return (
    gradEnabled &&
    (a._requiresGrad || (b instanceof Tensor && b._requiresGrad) || (c instanceof Tensor && c._requiresGrad))
  );
}

/**
 * Records that `output` was computed from `inputs` by the op `name`, so `backward()` can call
 * `backward` to send the output's gradient to the inputs. Does nothing (and returns `output`) when
 * recording is off or no input requires gradients. This is how every op — and any fused op of a
 * layer or loss — joins the graph:
 *
 * ```ts
 * const y = emptyTensor([m, n]);
 * binding.sgemm(...);                                // the fused forward
 * return recordOp('dense', y, [x, kernel, bias], (dy, needs) => [
 *   needs[0] ? ... : null,                           // dx
 *   needs[1] ? ... : null,                           // dKernel
 *   needs[2] ? ... : null,                           // dBias
 * ]);
 * ```
 */
export function recordOp(name: string, output: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!gradEnabled) return output;
  let any = false;
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]._requiresGrad) {
      any = true;
      break;
    }
  }
  if (!any) return output;
  if (!(output instanceof Tensor)) typeError(`recordOp(${name})`, 'output', 'a Tensor', output);
  if (typeof backward !== 'function') typeError(`recordOp(${name})`, 'backward', 'a function', backward);
  if (output._node !== null || output._requiresGrad) {
    throw new ValueError(`recordOp(${name}): the output is already part of the graph; an op must return a new tensor`);
  }
  checkFloat(`recordOp(${name})`, 'output', output);
  const needs = new Array<boolean>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if (!(input instanceof Tensor)) typeError(`recordOp(${name})`, `inputs[${i}]`, 'a Tensor', input);
    if (input === output) throw new ValueError(`recordOp(${name}): the output cannot be one of the inputs`);
    needs[i] = input._requiresGrad;
  }
  output._node = { name, inputs, needs, backward };
  output._requiresGrad = true;
  return output;
}

let pass = 0;

/** Tensors reachable from `root` through recorded inputs that need gradients, inputs before users. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visit = ++pass;
  root._visitedBy = visit;
  const stack: Tensor[] = [root];
  const nextInput: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const tensor = stack[top];
    const node = tensor._node;
    const i = nextInput[top];
    if (node !== null && i < node.inputs.length) {
      nextInput[top] = i + 1;
      const input = node.inputs[i];
      if (node.needs[i] && input._visitedBy !== visit) {
        input._visitedBy = visit;
        stack.push(input);
        nextInput.push(0);
      }
    } else {
      stack.pop();
      nextInput.pop();
      order.push(tensor);
    }
  }
  return order;
}

/** Adds `grad` into `tensor.grad`, copying the first time so `.grad` never aliases another tensor. */
function accumulateGrad(tensor: Tensor, grad: Tensor): void {
  const current = tensor.grad;
  if (current === null) {
    const source = contiguous(grad);
    const storage = allocateUninitialized('float32', source.size);
    storage.set(source.storage);
    tensor.grad = makeTensor(storage, tensor.shape);
    tensor._gradZeroed = false;
    return;
  }
  if (!(current instanceof Tensor) || !sameShape(current.shape, tensor.shape)) {
    throw new ShapeError(
      `backward: the existing .grad (${current instanceof Tensor ? `shape ${formatShape(current.shape)}` : 'not a Tensor'}) does not match the tensor's shape ${formatShape(tensor.shape)}; set .grad = null first`,
    );
  }
  const writable = current._strides === null && current.dtype === 'float32' && current._node === null && !current._requiresGrad;
  if (writable && tensor._gradZeroed) {
    // Zeros plus grad is grad: copy (a memcpy) instead of a kernel call.
    const source = contiguous(grad);
    current.storage.set(source.storage);
  } else if (writable) {
    add(current, grad, { out: current });
  } else {
    tensor.grad = add(current, grad);
  }
  tensor._gradZeroed = false;
}

function isOptionsObject(value: unknown): value is BackwardOptions {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Tensor);
}

/**
 * Backpropagates from `root` (see `Tensor.backward`). `grad` is the upstream gradient (default:
 * 1 for a one-element root); `options.retainGraph` keeps the graph for another pass.
 */
export function backward(root: Tensor, grad?: unknown, options?: BackwardOptions): void {
  const where = 'backward';
  if (isOptionsObject(grad)) {
    if (options !== undefined) typeError(where, 'grad', 'a Tensor or an array', grad);
    options = grad;
    grad = undefined;
  }
  const { retainGraph = false } = checkOptions<BackwardOptions>(where, options, ['retainGraph']);
  checkBoolean(where, 'retainGraph', retainGraph);
  if (!root._requiresGrad) {
    throw new ValueError(
      `${where}: this tensor does not require gradients: no input had requiresGrad set, or it was computed inside noGrad()`,
    );
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ValueError(
        `${where}: the gradient can be implied only for a one-element tensor (a loss), got shape ${formatShape(root.shape)}; pass the upstream gradient: y.backward(dy)`,
      );
    }
    seed = emptyTensor(root.shape);
    seed.storage[0] = 1;
  } else {
    seed = checkFloat(where, 'grad', toTensor(where, 'grad', grad));
    if (!sameShape(seed.shape, root.shape)) {
      throw new ShapeError(`${where}: grad has shape ${formatShape(seed.shape)}, the tensor has shape ${formatShape(root.shape)}`);
    }
  }

  const order = topologicalOrder(root);
  const previous = gradEnabled;
  gradEnabled = false;
  root._pendingGrad = seed;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const tensor = order[k];
      const g = tensor._pendingGrad;
      tensor._pendingGrad = null;
      if (g === null) continue;
      const node = tensor._node;
      if (node === null) {
        if (tensor._requiresGrad) accumulateGrad(tensor, g);
        continue;
      }
      if (tensor._retainsGrad) accumulateGrad(tensor, g);
      const backwardFn = node.backward;
      if (backwardFn === null) {
        throw new ValueError(
          `${where}: the graph through '${node.name}' was released by an earlier backward(); pass {retainGraph: true} to the first backward() to go through it again`,
        );
      }
      const inputGrads = backwardFn(g, node.needs);
      const { inputs, needs } = node;
      for (let i = 0; i < inputs.length; i++) {
        if (!needs[i]) continue;
        const inputGrad = inputGrads[i];
        if (inputGrad === null || inputGrad === undefined) continue;
        const input = inputs[i];
        if (!(inputGrad instanceof Tensor)) typeError(`backward of '${node.name}'`, `gradient ${i}`, 'a Tensor', inputGrad);
        if (!sameShape(inputGrad.shape, input.shape)) {
          throw new ShapeError(
            `backward of '${node.name}': the gradient of input ${i} has shape ${formatShape(inputGrad.shape)}, the input has shape ${formatShape(input.shape)}`,
          );
        }
        checkFloat(`backward of '${node.name}'`, `gradient ${i}`, inputGrad);
        input._pendingGrad = input._pendingGrad === null ? inputGrad : add(input._pendingGrad, inputGrad);
      }
      if (!retainGraph) {
        node.backward = null;
        node.inputs = [];
      }
    }
  } finally {
    gradEnabled = previous;
    for (let k = 0; k < order.length; k++) order[k]._pendingGrad = null;
  }
}
