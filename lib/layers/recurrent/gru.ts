/**
 * GRU layer (Keras `GRU`): gates z (update), r (reset), h (candidate) over `kernel` [inputs, 3·units]
 * and `recurrent_kernel` [units, 3·units]; `h' = z h + (1 - z) hh`. With `resetAfter` (Keras' default,
 * cuDNN's form) the reset gate multiplies the recurrent product, `hh = tanh(x·W_h + b_h + r (h·R_h +
 * b'_h))`, and `bias` is [2, 3·units] (an input row and a recurrent row); without it (Keras 2's old
 * default) `hh = tanh(x·W_h + (r h)·R_h + b_h)` and `bias` is [3·units].
 */
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkOptions } from '../../validate.js';
import type { ActivationIdentifier } from '../../activations.js';
import { registerLayer } from '../registry.js';
import { recurrentOptionsFromConfig, RECURRENT_OPTION_NAMES, RNN, type RecurrentLayerOptions } from './rnn.js';

/** Options of {@link gru}. */
export interface GRUOptions extends RecurrentLayerOptions {
  /** The gates' activation. Default 'sigmoid'. */
  recurrentActivation?: ActivationIdentifier;
  /** Apply the reset gate after the recurrent product (bias [2, 3·units]). Default true. */
  resetAfter?: boolean;
}

const GRU_OPTION_NAMES = [...RECURRENT_OPTION_NAMES, 'recurrentActivation', 'resetAfter'];

/** Gated recurrent unit. Create one with `dn.layers.gru({ units })`. */
export class GRU<Out extends Tensor | Tensor[] = Tensor> extends RNN<Out> {
  readonly className = 'GRU';
  readonly cell = 'gru';
  private readonly resetAfterFlag: boolean;

  constructor(options: GRUOptions) {
    super('gru', options, 'GRU', 'gru', GRU_OPTION_NAMES);
    const o = checkOptions<GRUOptions>('gru', options, GRU_OPTION_NAMES);
    this.resetAfterFlag = o.resetAfter === undefined ? true : checkBoolean('gru', 'resetAfter', o.resetAfter);
  }

  /** Whether the reset gate applies after the recurrent product. */
  protected override get resetAfter(): boolean {
    return this.resetAfterFlag;
  }

  protected override biasShape(): number[] {
    return this.resetAfterFlag ? [2, 3 * this.units] : [3 * this.units];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfterFlag };
  }

  /** Rebuilds a GRU from {@link GRU.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): GRU<Tensor | Tensor[]> {
    return new GRU(recurrentOptionsFromConfig<GRUOptions>('GRU', config));
  }
}

/**
 * A gated recurrent unit layer (Keras `GRU`, with its defaults and weight layout).
 * ```ts
 * dn.layers.gru({ units: 32, inputShape: [null, 27] });   // h' = z h + (1 - z) tanh(...)
 * ```
 * With `returnState: true` the layer returns `[output, h]`.
 */
export function gru(options: GRUOptions & { returnState: true }): GRU<Tensor[]>;
export function gru(options: GRUOptions): GRU;
export function gru(options: GRUOptions): GRU<Tensor | Tensor[]> {
  return new GRU(options);
}

registerLayer('GRU', GRU);
