/**
 * Conv2D: a 2-D convolution layer, `activation(conv2d(x, kernel) + bias)` (Keras' names and defaults).
 * One fused native call forward (the bias and the activation in the kernel's epilogue), three backward.
 */
import { checkOptions } from '../../validate.js';
import { registerLayer } from '../registry.js';
import { fromConfigWith } from './base-conv.js';
import { Conv, CONV_OPTION_NAMES, type ConvOptions } from './conv.js';

/** Options of {@link conv2d}: `filters` and `kernelSize` are required. */
export type Conv2dLayerOptions = ConvOptions;

/** A 2-D convolution layer over `[batch, height, width, channels]` (or channelsFirst). */
export class Conv2D extends Conv {
  readonly className = 'Conv2D';

  constructor(options: Conv2dLayerOptions) {
    const o = checkOptions<Conv2dLayerOptions>('conv2d', options, CONV_OPTION_NAMES);
    super('conv2d', o, 'Conv2D', 2, ['valid', 'same']);
  }

  /** Rebuilds the layer from {@link Conv2D.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Conv2D {
    return fromConfigWith('Conv2D', config, (options) => new Conv2D(options as unknown as Conv2dLayerOptions));
  }
}

/**
 * A 2-D convolution layer.
 * ```ts
 * dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [28, 28, 1] });
 * ```
 * The kernel is `[kernelH, kernelW, inChannels / groups, filters]` (glorotUniform), the bias `[filters]`
 * (zeros). Output: `[batch, outH, outW, filters]`, with TensorFlow's 'same' rule (`ceil(input / stride)`).
 */
export function conv2d(options: Conv2dLayerOptions): Conv2D {
  return new Conv2D(options);
}

registerLayer('Conv2D', Conv2D);
