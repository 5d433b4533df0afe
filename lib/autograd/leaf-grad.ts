/**
 * Where a fused backward (a Dense layer's, a recurrent layer's) writes a weight's gradient: straight
 * into the weight's `.grad` when that is a plain float32 buffer of its shape (the common case: an
 * optimizer's view of its flat gradient buffer, so no gradient is copied), else into a fresh buffer
 * handed to the engine.
 */
import { allocateStorage, makeTensor, sameShape, type Tensor } from '../tensor.js';

/** A buffer to add a gradient into, and what the backward function returns for it once written. */
export interface GradTarget {
  /** Add the gradient into this buffer (it holds zeros when it is not the leaf's own `.grad`). */
  readonly buffer: Float32Array;
  /** Whether `buffer` is the leaf's `.grad` itself. */
  readonly inPlace: boolean;
  /** The gradient for the engine to accumulate, or null when it is already in place. */
  finish(): Tensor | null;
}

/** The target for the gradient of `leaf` (see the module comment). */
export function gradTarget(leaf: Tensor): GradTarget {
  const grad = leaf.grad;
  if (leaf.isLeaf && grad !== null && grad.isContiguous && grad.dtype === 'float32' && grad.isLeaf && !grad.requiresGrad && sameShape(grad.shape, leaf.shape)) {
    return { buffer: grad.storage as Float32Array, inPlace: true, finish: () => null };
  }
  const buffer = allocateStorage('float32', leaf.size) as Float32Array;
  return {
    buffer,
    inPlace: false,
    finish: () => {
      const result = makeTensor(buffer, leaf.shape);
      if (leaf.isLeaf && leaf.grad === null) {
        leaf.grad = result;
        return null;
      }
      return result;
    },
  };
}

/**
 * Adds a weight gradient into `leaf.grad` in place when it can, computing it with `compute(target,
 * beta)` (beta 1 adds to what is there, 0 overwrites a fresh buffer). Returns null when done in place,
 * else the gradient for the engine to accumulate.
 */
export function accumulateInto(leaf: Tensor, compute: (target: Float32Array, beta: number) => void): Tensor | null {
  const target = gradTarget(leaf);
  if (target.buffer.length > 0) compute(target.buffer, target.inPlace ? 1 : 0);
  return target.finish();
}
