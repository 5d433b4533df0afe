/**
 * AveragePooling2D: 2-D average pooling: the mean of each window (pixels inside the image only) (Keras' names and defaults: poolSize 2, strides = poolSize, 'valid').
 */
import { registerLayer } from '../registry.js';
import { Pooling, type PoolingOptions } from './base-pooling.js';

/** 2-D average pooling: the mean of each window (pixels inside the image only). */
export class AveragePooling2D extends Pooling {
  readonly className = 'AveragePooling2D';

  constructor(options?: PoolingOptions) {
    super('averagePooling2d', options, 'AveragePooling2D', 2, 'avg');
  }
}

/**
 * A layer of 2-D average pooling: the mean of each window (pixels inside the image only).
 * ```ts
 * dn.layers.averagePooling2d({ poolSize: 2 });
 * ```
 */
export function averagePooling2d(options?: PoolingOptions): AveragePooling2D {
  return new AveragePooling2D(options);
}

registerLayer('AveragePooling2D', AveragePooling2D);
