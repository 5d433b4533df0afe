// The model the save-kill test saves, both in the test and in the child process it kills.
import * as dn from '../../lib/index.js';

/** A compiled 256-256-10 MLP with dropout: ~1 MB per save with Adam's two moments. Explicit names, so every process writes the same tensor names. */
export function killTestModel(): dn.Sequential {
  const model = dn.sequential({
    name: 'killed',
    layers: [
      dn.layers.dense({ name: 'hidden', units: 256, activation: 'relu', inputShape: [256] }),
      dn.layers.dropout({ name: 'drop', rate: 0.1, seed: 1 }),
      dn.layers.dense({ name: 'out', units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Sets every weight to `generation`, so a loaded model says which save wrote it and that it is whole. */
export function fillWeights(model: dn.Model, generation: number): void {
  model.setWeights(model.getWeights().map((w) => dn.fullLike(w, generation)));
}
