/**
 * The models `dendrite/tfjs` made (`tf.sequential`, `tf.model`, `tf.loadLayersModel`), held weakly:
 * in tfjs a model's weights are registered variables, so `tf.variableGrads` and
 * `optimizer.minimize` without a `varList` differentiate with respect to them and
 * `optimizer.applyGradients` updates them by name (`dense_Dense1/kernel`). A collected model leaves.
 */
import type { LayerVariable, Model, Tensor } from '../index.js';

const models = new Set<WeakRef<Model<Tensor | Tensor[]>>>();

/** Remembers `model` (weakly) as one whose weights count as tfjs variables. */
export function registerModel(model: Model<Tensor | Tensor[]>): void {
  models.add(new WeakRef(model));
}

/** The trainable weights of every live registered model that has been built. */
export function modelWeights(): LayerVariable[] {
  const weights: LayerVariable[] = [];
  for (const ref of models) {
    const model = ref.deref();
    if (model === undefined) models.delete(ref);
    else if (model.built) weights.push(...model.trainableWeights);
  }
  return [...new Set(weights)];
}

/** The trainable weight of a live registered model named `name`, if there is exactly one. */
export function modelWeight(name: string): LayerVariable | undefined {
  const named = modelWeights().filter((w) => w.name === name);
  return named.length === 1 ? named[0] : undefined;
}
