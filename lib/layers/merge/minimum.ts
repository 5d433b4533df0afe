/**
 * Minimum layer: the elementwise minimum of its inputs (at a tie the gradient is shared evenly, as `dn.minimum`).
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** The elementwise minimum of its inputs (at a tie the gradient is shared evenly, as `dn.minimum`). */
export class Minimum extends ElementwiseMerge {
  readonly className = 'Minimum';

  constructor(options?: MergeOptions) {
    super('minimum', options, 'Minimum');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.minimum(b);
  }
}

/**
 * The elementwise minimum of its inputs (at a tie the gradient is shared evenly, as `dn.minimum`).
 * ```ts
 * const smaller = dn.layers.minimum().apply([a, b]);
 * ```
 */
export function minimum(options?: MergeOptions): Minimum {
  return new Minimum(options);
}

registerLayer('Minimum', Minimum);
