/**
 * Simple RNN layer (Keras `SimpleRNN`): `h' = tanh(x·kernel + h·recurrent_kernel + bias)` with `kernel`
 * [inputs, units], `recurrent_kernel` [units, units] and `bias` [units].
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { recurrentOptionsFromConfig, RECURRENT_OPTION_NAMES, RNN, type RecurrentLayerOptions } from './rnn.js';

/** Options of {@link simpleRNN}. */
export type SimpleRNNOptions = RecurrentLayerOptions;

/** A fully connected recurrent layer. Create one with `dn.layers.simpleRNN({ units })`. */
export class SimpleRNN<Out extends Tensor | Tensor[] = Tensor> extends RNN<Out> {
  readonly className = 'SimpleRNN';
  readonly cell = 'simpleRnn';

  constructor(options: SimpleRNNOptions) {
    super('simpleRNN', options, 'SimpleRNN', 'simpleRnn', RECURRENT_OPTION_NAMES);
  }

  /** Rebuilds a SimpleRNN from {@link SimpleRNN.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): SimpleRNN<Tensor | Tensor[]> {
    return new SimpleRNN(recurrentOptionsFromConfig<SimpleRNNOptions>('SimpleRNN', config));
  }
}

/**
 * A fully connected recurrent layer (Keras `SimpleRNN`): `h' = tanh(x·W + h·R + b)`.
 * ```ts
 * dn.layers.simpleRNN({ units: 16, returnSequences: true, inputShape: [10, 4] });
 * ```
 * With `returnState: true` the layer returns `[output, h]`.
 */
export function simpleRNN(options: SimpleRNNOptions & { returnState: true }): SimpleRNN<Tensor[]>;
export function simpleRNN(options: SimpleRNNOptions): SimpleRNN;
export function simpleRNN(options: SimpleRNNOptions): SimpleRNN<Tensor | Tensor[]> {
  return new SimpleRNN(options);
}

registerLayer('SimpleRNN', SimpleRNN);
