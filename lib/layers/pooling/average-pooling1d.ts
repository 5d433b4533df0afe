/**
 * AveragePooling1D: 1-D average pooling over `[batch, steps, channels]`: the mean of each window (Keras' names and defaults: poolSize 2, strides = poolSize, 'valid').
 */
import { registerLayer } from '../registry.js';
import { Pooling, type PoolingOptions } from './base-pooling.js';

/** 1-D average pooling over `[batch, steps, channels]`: the mean of each window. */
export class AveragePooling1D extends Pooling {
  readonly className = 'AveragePooling1D';

  constructor(options?: PoolingOptions) {
    super('averagePooling1d', options, 'AveragePooling1D', 1, 'avg');
  }
}

/**
 * A layer of 1-D average pooling over `[batch, steps, channels]`: the mean of each window.
 * ```ts
 * dn.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' });
 * ```
 */
export function averagePooling1d(options?: PoolingOptions): AveragePooling1D {
  return new AveragePooling1D(options);
}

registerLayer('AveragePooling1D', AveragePooling1D);
