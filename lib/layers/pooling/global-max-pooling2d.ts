/**
 * GlobalMaxPooling2D: the maximum of each channel over the image (Keras' names and defaults).
 */
import { registerLayer } from '../registry.js';
import { GlobalPooling, type GlobalPoolingOptions } from './base-global-pooling.js';

/** Global pooling: the maximum of each channel over the image. */
export class GlobalMaxPooling2D extends GlobalPooling {
  readonly className = 'GlobalMaxPooling2D';

  constructor(options?: GlobalPoolingOptions) {
    super('globalMaxPooling2d', options, 'GlobalMaxPooling2D', 2, 'max');
  }
}

/**
 * A layer that keeps the maximum of each channel over the image.
 * ```ts
 * dn.layers.globalMaxPooling2d();   // [batch, h, w, c] -> [batch, c]
 * ```
 */
export function globalMaxPooling2d(options?: GlobalPoolingOptions): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(options);
}

registerLayer('GlobalMaxPooling2D', GlobalMaxPooling2D);
