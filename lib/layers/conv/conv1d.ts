/**
 * Conv1D: a 1-D convolution layer over sequences, `activation(conv1d(x, kernel) + bias)` (Keras' names
 * and defaults), with 'causal' padding for models that must not see the future.
 */
import { checkOptions } from '../../validate.js';
import { registerLayer } from '../registry.js';
import { fromConfigWith } from './base-conv.js';
import { Conv, CONV_OPTION_NAMES, type ConvOptions } from './conv.js';

/** Options of {@link conv1d}: `filters` and `kernelSize` are required. */
export interface Conv1dLayerOptions extends Omit<ConvOptions, 'padding'> {
  /** 'valid' (default), 'same', or 'causal' (padding on the left only: output t sees inputs up to t). */
  padding?: 'valid' | 'same' | 'causal';
}

/** A 1-D convolution layer over `[batch, steps, channels]` (or channelsFirst). */
export class Conv1D extends Conv {
  readonly className = 'Conv1D';

  constructor(options: Conv1dLayerOptions) {
    const o = checkOptions<Conv1dLayerOptions>('conv1d', options, CONV_OPTION_NAMES);
    super('conv1d', o, 'Conv1D', 1, ['valid', 'same', 'causal']);
  }

  /** Rebuilds the layer from {@link Conv1D.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Conv1D {
    return fromConfigWith('Conv1D', config, (options) => new Conv1D(options as unknown as Conv1dLayerOptions));
  }
}

/**
 * A 1-D convolution layer.
 * ```ts
 * dn.layers.conv1d({ filters: 32, kernelSize: 5, padding: 'causal', dilationRate: 2, inputShape: [100, 40] });
 * ```
 * The kernel is `[kernelSize, inChannels / groups, filters]`. Output: `[batch, outSteps, filters]`.
 */
export function conv1d(options: Conv1dLayerOptions): Conv1D {
  return new Conv1D(options);
}

registerLayer('Conv1D', Conv1D);
