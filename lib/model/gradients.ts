/**
 * Gradients of a function's value with respect to named variables, for training loops written in a
 * functional style (TensorFlow.js `tf.variableGrads`; Keras's `GradientTape` over `trainable_weights`):
 *
 * ```ts
 * const { value, grads } = dn.valueAndGrad(() => dn.losses.meanSquaredError(y, model.apply(x, { training: true })));
 * optimizer.applyGradients(grads);          // { 'dense_1/kernel': Tensor, 'dense_1/bias': Tensor, ... }
 * ```
 *
 * Nothing else changes: the variables' own `.grad` (which an optimizer points at its flat buffer)
 * are left exactly as they were, and the recorded graph is released.
 */
import { ValueError } from '../errors.js';
import { setGradEnabled } from '../autograd/engine.js';
import { emptyTensor, Tensor } from '../tensor.js';
import { checkFunction, formatShape, typeError } from '../validate.js';
import { variableOf } from '../layers/layer.js';

/** A tensor with a name: a layer's weight (`model.trainableWeights`), an optimizer variable, or your own. */
export interface NamedVariable {
  readonly name: string;
  readonly value: Tensor;
}

/** What {@link valueAndGrad} returns. */
export interface ValueAndGrads {
  /** The function's value (detached from the graph). */
  value: Tensor;
  /** The gradient of the value with respect to each variable, by name. */
  grads: Record<string, Tensor>;
}

/** The named leaf tensors to differentiate with respect to, checked. */
function targetsOf(where: string, variables: unknown): { name: string; tensor: Tensor }[] {
  const entries: [string, unknown][] = Array.isArray(variables)
    ? variables.map((v, i) => {
      const item = v as { name?: unknown; value?: unknown } | null;
      if (item === null || typeof item !== 'object' || typeof item.name !== 'string') typeError(where, `variables[${i}]`, 'a named variable { name, value } (e.g. from model.trainableWeights)', v);
      return [item.name, item.value];
    })
    : variables !== null && typeof variables === 'object' ? Object.entries(variables) : typeError(where, 'variables', 'an array of named variables or an object { name: tensor }', variables);
  const seen = new Set<string>();
  return entries.map(([name, tensor]) => {
    if (!(tensor instanceof Tensor)) typeError(where, `variables['${name}']`, 'a Tensor', tensor);
    if (tensor.dtype !== 'float32') throw new ValueError(`${where}: variables['${name}'] must be a float32 tensor, got ${tensor.dtype}`);
    if (tensor._node !== null) throw new ValueError(`${where}: variables['${name}'] must be a leaf tensor (a weight), not one computed by the op '${tensor._node.name}'`);
    if (seen.has(name)) throw new ValueError(`${where}: two variables are named '${name}'`);
    seen.add(name);
    return { name, tensor };
  });
}

/** The leaf tensors `root` depends on through recorded ops (those that require gradients). */
function leavesOf(root: Tensor): Tensor[] {
  const leaves = new Set<Tensor>();
  const seen = new Set<Tensor>([root]);
  const pending = [root];
  while (pending.length > 0) {
    const t = pending.pop()!;
    const node = t._node;
    if (node === null) {
      if (t._requiresGrad) leaves.add(t);
      continue;
    }
    node.inputs.forEach((input, i) => {
      if (node.needs[i] && !seen.has(input)) {
        seen.add(input);
        pending.push(input);
      }
    });
  }
  return [...leaves];
}

/**
 * Runs `fn` with gradients recorded and returns its value (a scalar tensor, a loss) and the
 * gradient of that value with respect to each of `variables`, by name — as TensorFlow.js's
 * `tf.variableGrads`. Without `variables`, the gradients are those of every weight of a trainable
 * layer that the value depends on (a frozen layer's weights are left out), named as the weights
 * are (`dense_1/kernel`). A variable the value does not depend on gets a gradient of zeros.
 *
 * ```ts
 * const { value, grads } = dn.valueAndGrad(() => dn.losses.meanSquaredError(y, model.apply(x, { training: true })));
 * optimizer.applyGradients(grads);
 * const named = dn.valueAndGrad(() => w.square().sum(), { w });   // your own tensors, by name
 * ```
 * Nothing is left behind: every tensor's `.grad` is as it was before the call.
 * @param fn synchronous; returns a one-element float32 tensor
 * @param variables named variables (`model.trainableWeights`) or an object `{ name: tensor }` of leaf tensors
 */
export function valueAndGrad(fn: () => Tensor, variables?: readonly NamedVariable[] | Readonly<Record<string, Tensor>>): ValueAndGrads {
  const where = 'valueAndGrad';
  checkFunction(where, 'fn', fn);
  const explicit = variables === undefined ? null : targetsOf(where, variables);
  // Explicit variables record their use during fn even if they were not set to require gradients
  // (and keep requiring them through the backward pass, which accumulates only into leaves that do).
  const required = explicit === null ? [] : explicit.map(({ tensor }) => tensor._requiresGrad);
  if (explicit !== null) for (const { tensor } of explicit) tensor._requiresGrad = true;
  try {
    let value: unknown;
    const recording = setGradEnabled(true);
    try {
      value = fn();
    } finally {
      setGradEnabled(recording);
    }
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
      throw new ValueError(`${where}: fn returned a Promise; it must compute its value synchronously`);
    }
    if (!(value instanceof Tensor)) typeError(where, 'the value of fn', 'a Tensor', value);
    if (value.size !== 1 || value.dtype !== 'float32') {
      throw new ValueError(`${where}: fn must return a one-element float32 tensor (a loss), got ${value.dtype} of shape ${formatShape(value.shape)}`);
    }
    const leaves = value._requiresGrad ? leavesOf(value) : [];
    let targets = explicit;
    if (targets === null) {
      // In the order the weights were made: a layer's kernel before its bias, earlier layers first.
      const found = leaves.map((leaf) => ({ leaf, owner: variableOf(leaf) }))
        .filter(({ owner }) => owner !== null && owner.variable.trainable && (owner.layer === null || owner.layer.trainable))
        .sort((p, q) => p.owner!.order - q.owner!.order);
      targets = found.map(({ leaf, owner }) => ({ name: owner!.variable.name, tensor: leaf }));
      if (targets.length === 0) {
        throw new ValueError(`${where}: the value depends on no weight of a trainable layer${leaves.length === 0 ? ' (nothing it was computed from requires gradients)' : ''}; pass the variables to differentiate with respect to`);
      }
    }
    // Every leaf the backward pass reaches gets its gradient in a fresh .grad, read and then put back.
    const touched = [...new Set([...leaves, ...targets.map((t) => t.tensor)])];
    const saved = touched.map((t) => ({ grad: t._grad, zeroed: t._gradZeroed }));
    const grads: Record<string, Tensor> = {};
    try {
      for (const t of touched) t._grad = null;
      if (value._requiresGrad) value.backward();
      for (const { name, tensor } of targets) grads[name] = tensor._grad ?? emptyTensor(tensor.shape);
    } finally {
      touched.forEach((t, i) => {
        t._grad = saved[i].grad;
        t._gradZeroed = saved[i].zeroed;
      });
    }
    return { value: value.detach(), grads };
  } finally {
    if (explicit !== null) explicit.forEach(({ tensor }, i) => (tensor._requiresGrad = required[i]));
  }
}

/**
 * The gradients of `fn`'s value with respect to `variables` by name (see {@link valueAndGrad}),
 * without the value.
 * ```ts
 * const grads = dn.grad(() => loss(model.apply(x, { training: true }), y), model.trainableWeights);
 * ```
 */
export function grad(fn: () => Tensor, variables?: readonly NamedVariable[] | Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return valueAndGrad(fn, variables).grads;
}
