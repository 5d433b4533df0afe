/**
 * Subtract layer: subtracts its second input from its first, elementwise: exactly two inputs.
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** Subtracts its second input from its first, elementwise: exactly two inputs. */
export class Subtract extends ElementwiseMerge {
  readonly className = 'Subtract';
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;

  constructor(options?: MergeOptions) {
    super('subtract', options, 'Subtract');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.sub(b);
  }
}

/**
 * Subtracts its second input from its first, elementwise: exactly two inputs.
 * ```ts
 * const difference = dn.layers.subtract().apply([a, b]);
 * ```
 */
export function subtract(options?: MergeOptions): Subtract {
  return new Subtract(options);
}

registerLayer('Subtract', Subtract);
