/**
 * MaxPooling2D: 2-D max pooling: the maximum of each window (Keras' names and defaults: poolSize 2, strides = poolSize, 'valid').
 */
import { registerLayer } from '../registry.js';
import { Pooling, type PoolingOptions } from './base-pooling.js';

/** 2-D max pooling: the maximum of each window. */
export class MaxPooling2D extends Pooling {
  readonly className = 'MaxPooling2D';

  constructor(options?: PoolingOptions) {
    super('maxPooling2d', options, 'MaxPooling2D', 2, 'max');
  }
}

/**
 * A layer of 2-D max pooling: the maximum of each window.
 * ```ts
 * dn.layers.maxPooling2d({ poolSize: 2 });   // [batch, 28, 28, c] -> [batch, 14, 14, c]
 * ```
 */
export function maxPooling2d(options?: PoolingOptions): MaxPooling2D {
  return new MaxPooling2D(options);
}

registerLayer('MaxPooling2D', MaxPooling2D);
