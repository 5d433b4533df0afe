/**
 * LSTM layer (Keras `LSTM`): gates i, f, c, o (Keras' order) over `kernel` [inputs, 4·units],
 * `recurrent_kernel` [units, 4·units] and `bias` [4·units]; `c' = f c + i tanh(g)`, `h' = o tanh(c')`.
 * With `unitForgetBias` (default) the forget gate's bias starts at 1 (Jozefowicz et al. 2015).
 */
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkOptions } from '../../validate.js';
import type { ActivationIdentifier } from '../../activations.js';
import { ones, type Initializer } from '../../initializers.js';
import { registerLayer } from '../registry.js';
import { concatInitializer, recurrentOptionsFromConfig, RECURRENT_OPTION_NAMES, RNN, type RecurrentLayerOptions } from './rnn.js';

/** Options of {@link lstm}. */
export interface LSTMOptions extends RecurrentLayerOptions {
  /** The gates' activation. Default 'sigmoid'. */
  recurrentActivation?: ActivationIdentifier;
  /** Start the forget gate's bias at 1 (the rest from biasInitializer). Default true. */
  unitForgetBias?: boolean;
}

const LSTM_OPTION_NAMES = [...RECURRENT_OPTION_NAMES, 'recurrentActivation', 'unitForgetBias'];

/** Long short-term memory. Create one with `dn.layers.lstm({ units })`. */
export class LSTM<Out extends Tensor | Tensor[] = Tensor> extends RNN<Out> {
  readonly className = 'LSTM';
  readonly cell = 'lstm';
  /** Whether the forget gate's bias starts at 1. */
  readonly unitForgetBias: boolean;

  constructor(options: LSTMOptions) {
    super('lstm', options, 'LSTM', 'lstm', LSTM_OPTION_NAMES);
    const o = checkOptions<LSTMOptions>('lstm', options, LSTM_OPTION_NAMES);
    this.unitForgetBias = o.unitForgetBias === undefined ? true : checkBoolean('lstm', 'unitForgetBias', o.unitForgetBias);
  }

  /** Keras' unit forget bias: [biasInit(units), ones(units), biasInit(2 units)]. */
  protected override biasInitializerForBuild(): Initializer {
    if (!this.unitForgetBias) return this.biasInitializer;
    const u = this.units;
    return concatInitializer(
      [{ size: u, initializer: this.biasInitializer }, { size: u, initializer: ones() }, { size: 2 * u, initializer: this.biasInitializer }],
      'UnitForgetBias',
    );
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }

  /** Rebuilds an LSTM from {@link LSTM.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): LSTM<Tensor | Tensor[]> {
    return new LSTM(recurrentOptionsFromConfig<LSTMOptions>('LSTM', config));
  }
}

/**
 * A long short-term memory layer (Keras `LSTM`, with its defaults and weight layout, so Keras weights load
 * with `setWeights([kernel, recurrentKernel, bias])`).
 * ```ts
 * const model = dn.sequential({ layers: [
 *   dn.layers.lstm({ units: 32, inputShape: [null, 8] }),         // sequences of any length, 8 features
 *   dn.layers.dense({ units: 1, activation: 'sigmoid' }),
 * ] });
 * ```
 * With `returnState: true` the layer returns `[output, h, c]`.
 */
export function lstm(options: LSTMOptions & { returnState: true }): LSTM<Tensor[]>;
export function lstm(options: LSTMOptions): LSTM;
export function lstm(options: LSTMOptions): LSTM<Tensor | Tensor[]> {
  return new LSTM(options);
}

registerLayer('LSTM', LSTM);
