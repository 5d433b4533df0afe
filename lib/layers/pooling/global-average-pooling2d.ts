/**
 * GlobalAveragePooling2D: the mean of each channel over the image (Keras' names and defaults).
 */
import { registerLayer } from '../registry.js';
import { GlobalPooling, type GlobalPoolingOptions } from './base-global-pooling.js';

/** Global pooling: the mean of each channel over the image. */
export class GlobalAveragePooling2D extends GlobalPooling {
  readonly className = 'GlobalAveragePooling2D';

  constructor(options?: GlobalPoolingOptions) {
    super('globalAveragePooling2d', options, 'GlobalAveragePooling2D', 2, 'avg');
  }
}

/**
 * A layer that keeps the mean of each channel over the image.
 * ```ts
 * dn.layers.globalAveragePooling2d();   // [batch, h, w, c] -> [batch, c]
 * ```
 */
export function globalAveragePooling2d(options?: GlobalPoolingOptions): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(options);
}

registerLayer('GlobalAveragePooling2D', GlobalAveragePooling2D);
