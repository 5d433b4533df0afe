/**
 * GlobalAveragePooling1D: the mean of each channel over the steps (Keras' names and defaults).
 */
import { registerLayer } from '../registry.js';
import { GlobalPooling, type GlobalPoolingOptions } from './base-global-pooling.js';

/** Global pooling: the mean of each channel over the steps. */
export class GlobalAveragePooling1D extends GlobalPooling {
  readonly className = 'GlobalAveragePooling1D';

  constructor(options?: GlobalPoolingOptions) {
    super('globalAveragePooling1d', options, 'GlobalAveragePooling1D', 1, 'avg');
  }
}

/**
 * A layer that keeps the mean of each channel over the steps.
 * ```ts
 * dn.layers.globalAveragePooling1d();   // [batch, steps, c] -> [batch, c]
 * ```
 */
export function globalAveragePooling1d(options?: GlobalPoolingOptions): GlobalAveragePooling1D {
  return new GlobalAveragePooling1D(options);
}

registerLayer('GlobalAveragePooling1D', GlobalAveragePooling1D);
