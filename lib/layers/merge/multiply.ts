/**
 * Multiply layer: multiplies its inputs elementwise (a gate: `multiply.apply([values, sigmoidGate])`).
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** Multiplies its inputs elementwise (a gate: `multiply.apply([values, sigmoidGate])`). */
export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';

  constructor(options?: MergeOptions) {
    super('multiply', options, 'Multiply');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.mul(b);
  }
}

/**
 * Multiplies its inputs elementwise (a gate: `multiply.apply([values, sigmoidGate])`).
 * ```ts
 * const gated = dn.layers.multiply().apply([values, gate]);
 * ```
 */
export function multiply(options?: MergeOptions): Multiply {
  return new Multiply(options);
}

registerLayer('Multiply', Multiply);
