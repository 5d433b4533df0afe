/**
 * Add layer: adds its inputs elementwise (a residual connection: `add.apply([x, f(x)])`).
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** Adds its inputs elementwise (a residual connection: `add.apply([x, f(x)])`). */
export class Add extends ElementwiseMerge {
  readonly className = 'Add';

  constructor(options?: MergeOptions) {
    super('add', options, 'Add');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.add(b);
  }
}

/**
 * Adds its inputs elementwise (a residual connection: `add.apply([x, f(x)])`).
 * ```ts
 * const sum = dn.layers.add().apply([x, residual]);
 * ```
 */
export function add(options?: MergeOptions): Add {
  return new Add(options);
}

registerLayer('Add', Add);
