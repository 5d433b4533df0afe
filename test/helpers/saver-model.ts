// The model the saver processes save (test/helpers/saver.ts), the same in every process.
import * as dn from '../../lib/index.js';

/** The model every saver saves (the same names), compiled, with every weight `generation`. */
export function saverModel(generation: number): dn.Sequential {
  const model = dn.sequential({
    name: 'raced',
    layers: [
      dn.layers.dense({ name: 'hidden', units: 64, activation: 'relu', inputShape: [64] }),
      dn.layers.dense({ name: 'out', units: 4, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  model.setWeights(model.getWeights().map((w) => dn.fullLike(w, generation)));
  return model;
}
