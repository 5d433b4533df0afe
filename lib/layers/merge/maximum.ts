/**
 * Maximum layer: the elementwise maximum of its inputs (at a tie the gradient is shared evenly, as `dn.maximum`).
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** The elementwise maximum of its inputs (at a tie the gradient is shared evenly, as `dn.maximum`). */
export class Maximum extends ElementwiseMerge {
  readonly className = 'Maximum';

  constructor(options?: MergeOptions) {
    super('maximum', options, 'Maximum');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.maximum(b);
  }
}

/**
 * The elementwise maximum of its inputs (at a tie the gradient is shared evenly, as `dn.maximum`).
 * ```ts
 * const larger = dn.layers.maximum().apply([a, b]);
 * ```
 */
export function maximum(options?: MergeOptions): Maximum {
  return new Maximum(options);
}

registerLayer('Maximum', Maximum);
