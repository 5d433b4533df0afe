/**
 * Activation layer: applies an activation function to its input (`dn.layers.activation({ activation: 'relu' })`).
 * It has no weights. A final softmax or sigmoid layer can be folded into a cross-entropy loss.
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link activation}. */
export interface ActivationLayerOptions extends LayerOptions {
  /** The activation: a name (`'relu'`, `'softmax'`, ...), an activation object or a function. Required. */
  activation: ActivationIdentifier;
}

/** A layer that applies an activation function. */
export class ActivationLayer extends Layer {
  readonly className = 'Activation';
  /** The activation it applies. */
  readonly activation: Activation;

  constructor(options: ActivationLayerOptions) {
    const where = 'activation';
    const o = checkOptions<ActivationLayerOptions>(where, options, [...LAYER_OPTION_NAMES, 'activation']);
    if (o.activation === undefined) throw new ValueError(`${where}: activation is required, e.g. activation({ activation: 'relu' })`);
    super(where, o, 'Activation');
    this.activation = getActivation(o.activation, where);
  }

  /** Inputs of any shape fit (the layer works elementwise): sequences of another length too. */
  override checkInputShape(): void {}

  /** The mask passes through (the layer keeps the time axis). */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return inputShape.slice();
  }

  override call(x: Tensor, context: CallContext): Tensor {
    // The model folds a final softmax/sigmoid into the loss: it asks for the logits.
    if (context.logits) return x;
    return this.activation.apply(x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }

  /** Rebuilds the layer from {@link ActivationLayer.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): ActivationLayer {
    if (config.activation === null) {
      throw new ValueError(`Activation.fromConfig: layer '${String(config.name)}' used a custom activation function, which cannot be rebuilt from a config`);
    }
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    return new ActivationLayer(options as unknown as ActivationLayerOptions);
  }
}

/**
 * A layer applying an activation function to its input.
 * ```ts
 * dn.layers.activation({ activation: 'softmax' });
 * ```
 */
export function activation(options: ActivationLayerOptions): ActivationLayer {
  return new ActivationLayer(options);
}

registerLayer('Activation', ActivationLayer);
