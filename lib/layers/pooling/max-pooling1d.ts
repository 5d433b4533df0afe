/**
 * MaxPooling1D: 1-D max pooling over `[batch, steps, channels]`: the maximum of each window (Keras' names and defaults: poolSize 2, strides = poolSize, 'valid').
 */
import { registerLayer } from '../registry.js';
import { Pooling, type PoolingOptions } from './base-pooling.js';

/** 1-D max pooling over `[batch, steps, channels]`: the maximum of each window. */
export class MaxPooling1D extends Pooling {
  readonly className = 'MaxPooling1D';

  constructor(options?: PoolingOptions) {
    super('maxPooling1d', options, 'MaxPooling1D', 1, 'max');
  }
}

/**
 * A layer of 1-D max pooling over `[batch, steps, channels]`: the maximum of each window.
 * ```ts
 * dn.layers.maxPooling1d({ poolSize: 2 });   // [batch, 100, c] -> [batch, 50, c]
 * ```
 */
export function maxPooling1d(options?: PoolingOptions): MaxPooling1D {
  return new MaxPooling1D(options);
}

registerLayer('MaxPooling1D', MaxPooling1D);
