/**
 * TensorFlow.js's gradient functions, `tf.grad`, `tf.grads`, `tf.valueAndGrad`, `tf.valueAndGrads`
 * and `tf.variableGrads`, on Dendrite's autograd (`dn.valueAndGrad`). As in tfjs, `f` may return a
 * tensor of any shape: the gradient is that of `sum(f(x) * dy)`, `dy` being ones unless given.
 */
import { Tensor, ShapeError, ValueError, mul, sum, valueAndGrad as dendriteValueAndGrad } from '../index.js';
import { checkFunction, formatShape, typeError } from '../validate.js';
import { registeredVariables, Variable } from './variables.js';
import { modelWeights } from './model-weights.js';

/** How many gradient computations of this module are running `f` now (`predict` records inside them, as tfjs). */
let recordingDepth = 0;

/** Whether a `grad`/`grads`/`valueAndGrad(s)`/`variableGrads`/`minimize` function is running. */
export function isRecording(): boolean {
  return recordingDepth > 0;
}

/** Runs `f` counted as recording. */
function recorded<T>(f: () => T): T {
  recordingDepth++;
  try {
    return f();
  } finally {
    recordingDepth--;
  }
}

/** Checks `f`'s result and reduces it to the scalar whose gradient is wanted: sum(y * dy). */
function weighted(where: string, y: unknown, dy: Tensor | undefined): Tensor {
  if (!(y instanceof Tensor)) typeError(where, 'the value of f', 'a Tensor', y);
  if (dy === undefined) return sum(y);
  if (dy.shape.length !== y.shape.length || dy.shape.some((d, i) => d !== y.shape[i])) {
    throw new ShapeError(`${where}: dy has shape ${formatShape(dy.shape)}, f(x) has shape ${formatShape(y.shape)}; they must match`);
  }
  return sum(mul(y, dy));
}

/** Runs `f(...args)` with gradients recorded; returns its value and the gradient of sum(value * dy) with respect to each arg. */
function differentiate(where: string, f: (...xs: Tensor[]) => unknown, args: readonly unknown[], dy: unknown): { value: Tensor; grads: Tensor[] } {
  if (dy !== undefined && dy !== null && !(dy instanceof Tensor)) typeError(where, 'dy', 'a Tensor', dy);
  // Detached copies are what f sees: the caller's tensors keep their flags, and a computed tensor works as a leaf.
  const inputs = args.map((x, i) => {
    if (!(x instanceof Tensor)) typeError(where, args.length === 1 ? 'x' : `args[${i}]`, 'a Tensor', x);
    return x.detach();
  });
  const named: Record<string, Tensor> = {};
  inputs.forEach((x, i) => (named[`x${i}`] = x));
  let y: Tensor | undefined;
  const { grads } = dendriteValueAndGrad(() => {
    const value = recorded(() => f(...inputs));
    const scalar = weighted(where, value, (dy ?? undefined) as Tensor | undefined);
    y = value as Tensor;
    return scalar;
  }, named);
  return { value: y!.detach(), grads: inputs.map((_, i) => grads[`x${i}`]) };
}

/**
 * `tf.grad(f)`: a function `(x, dy?)` returning the gradient of `f` at `x` (of `sum(f(x) * dy)`).
 * ```ts
 * const g = tf.grad((x) => x.square());
 * g(tf.tensor1d([2, 3]));   // [4, 6]
 * ```
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction('grad', 'f', f);
  return (x, dy) => differentiate('grad', f as (...xs: Tensor[]) => unknown, [x], dy).grads[0];
}

/** `tf.grads(f)`: a function `(args, dy?)` returning the gradient of `f` with respect to each of `args`. */
export function grads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction('grads', 'f', f);
  return (args, dy) => differentiate('grads', f, checkArgs('grads', args), dy).grads;
}

/** `tf.valueAndGrad(f)`: like {@link grad}, returning `{ value: f(x), grad }`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction('valueAndGrad', 'f', f);
  return (x, dy) => {
    const { value, grads: [gradient] } = differentiate('valueAndGrad', f as (...xs: Tensor[]) => unknown, [x], dy);
    return { value, grad: gradient };
  };
}

/** `tf.valueAndGrads(f)`: like {@link grads}, returning `{ value: f(...args), grads }`. */
export function valueAndGrads(f: (...args: Tensor[]) => Tensor): (args: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrads', 'f', f);
  return (args, dy) => differentiate('valueAndGrads', f, checkArgs('valueAndGrads', args), dy);
}

function checkArgs(where: string, args: unknown): Tensor[] {
  if (!Array.isArray(args) || args.length === 0) typeError(where, 'args', 'a non-empty array of Tensors', args);
  return args as Tensor[];
}

/** The tensors among `targets` that `root` was computed from through recorded ops. */
function reachedFrom(root: Tensor, targets: ReadonlySet<Tensor>): Set<Tensor> {
  const reached = new Set<Tensor>();
  const seen = new Set<Tensor>([root]);
  const pending = [root];
  while (pending.length > 0) {
    const t = pending.pop()!;
    if (targets.has(t)) reached.add(t);
    for (const input of t._node?.inputs ?? []) {
      if (!seen.has(input)) {
        seen.add(input);
        pending.push(input);
      }
    }
  }
  return reached;
}

/** What {@link variableGrads} returns: the value of `f` and the gradients by variable name. */
export interface VariableGrads {
  value: Tensor;
  /** By variable name; a variable `f` does not depend on is left out, a non-trainable one given in `varList` is null. */
  grads: Record<string, Tensor | null>;
}

/**
 * `tf.variableGrads(f, varList?)`: the value of `f` (a scalar) and its gradient with respect to each
 * trainable variable of `varList` (by default every live trainable variable and every trainable
 * weight of the models made through `dendrite/tfjs`, as tfjs registers those), keyed by variable name.
 * As in tfjs, a variable `f` does not depend on gets no entry, a non-trainable one in `varList` gets
 * null, and `f` depending on none of them is a ValueError.
 * ```ts
 * const a = tf.variable(tf.scalar(3));
 * const { value, grads } = tf.variableGrads(() => a.square());   // grads[a.name]: 6
 * ```
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): VariableGrads {
  const where = 'variableGrads';
  checkFunction(where, 'f', f);
  if (varList !== undefined && varList !== null) {
    if (!Array.isArray(varList)) typeError(where, 'varList', 'an array of Variables', varList);
    varList.forEach((v, i) => {
      if (!(v instanceof Variable)) typeError(where, `varList[${i}]`, 'a Variable (from tf.variable)', v);
    });
  }
  // By default every live trainable variable that can have a gradient (float32), and the weights of
  // the models made through dendrite/tfjs (tfjs registers those as variables too).
  const candidates = varList ?? registeredVariables().filter((v) => v.dtype === 'float32');
  const trainable: { name: string; tensor: Tensor }[] = candidates.filter((v) => v.trainable).map((v) => ({ name: v.name, tensor: v }));
  if (varList === undefined || varList === null) for (const w of modelWeights()) trainable.push({ name: w.name, tensor: w.value });
  if (trainable.length === 0) {
    throw new ValueError(`${where}: expects at least one trainable variable, but none of the ${candidates.length} variables is trainable`);
  }
  // Keyed by position: two models loaded from one file have weights of the same names.
  const named: Record<string, Tensor> = {};
  trainable.forEach((t, i) => (named[`v${i}`] = t.tensor));
  let connected = new Set<Tensor>();
  const result = dendriteValueAndGrad(() => {
    const value = recorded(f);
    if (!(value instanceof Tensor)) typeError(where, 'the value of f', 'a Tensor', value);
    if (value.rank !== 0) throw new ValueError(`${where}: f must return a scalar (rank 0), got a tensor of shape ${formatShape(value.shape)}`);
    connected = reachedFrom(value, new Set(trainable.map((t) => t.tensor)));
    return value;
  }, named);
  if (connected.size === 0) {
    throw new ValueError(`${where}: the value of f depends on none of the variables; compute the loss from them inside f`);
  }
  const out: Record<string, Tensor | null> = {};
  trainable.forEach(({ name, tensor }, i) => {
    if (!connected.has(tensor)) return;
    if (name in out) throw new ValueError(`${where}: f depends on two variables named '${name}' (two models with the same layer names); pass varList or rename the layers`);
    out[name] = result.grads[`v${i}`];
  });
  if (varList !== undefined && varList !== null) for (const v of varList) if (!v.trainable) out[v.name] = null;
  return { value: result.value, grads: out };
}
