/**
 * Average layer: averages its inputs elementwise (an ensemble of heads).
 * Inputs broadcast as Keras's merge layers do (see merge.ts).
 */
import type { Tensor } from '../../tensor.js';
import { registerLayer } from '../registry.js';
import { ElementwiseMerge, type MergeOptions } from './merge.js';

/** Averages its inputs elementwise (an ensemble of heads). */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';

  constructor(options?: MergeOptions) {
    super('average', options, 'Average');
  }

  protected override combine(a: Tensor, b: Tensor): Tensor {
    return a.add(b);
  }

  protected override finish(sum: Tensor, count: number): Tensor {
    return sum.div(count);
  }
}

/**
 * Averages its inputs elementwise (an ensemble of heads).
 * ```ts
 * const mean = dn.layers.average().apply([headA, headB, headC]);
 * ```
 */
export function average(options?: MergeOptions): Average {
  return new Average(options);
}

registerLayer('Average', Average);
