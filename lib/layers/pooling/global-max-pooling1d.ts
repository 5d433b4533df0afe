/**
 * GlobalMaxPooling1D: the maximum of each channel over the steps (Keras' names and defaults).
 */
import { registerLayer } from '../registry.js';
import { GlobalPooling, type GlobalPoolingOptions } from './base-global-pooling.js';

/** Global pooling: the maximum of each channel over the steps. */
export class GlobalMaxPooling1D extends GlobalPooling {
  readonly className = 'GlobalMaxPooling1D';

  constructor(options?: GlobalPoolingOptions) {
    super('globalMaxPooling1d', options, 'GlobalMaxPooling1D', 1, 'max');
  }
}

/**
 * A layer that keeps the maximum of each channel over the steps.
 * ```ts
 * dn.layers.globalMaxPooling1d();   // [batch, steps, c] -> [batch, c]
 * ```
 */
export function globalMaxPooling1d(options?: GlobalPoolingOptions): GlobalMaxPooling1D {
  return new GlobalMaxPooling1D(options);
}

registerLayer('GlobalMaxPooling1D', GlobalMaxPooling1D);
