/**
 * Finite-difference gradient checks: one line per op.
 *
 * `gradcheck(fn, inputs)` runs `fn` on copies of the float32 inputs marked requiresGrad, projects
 * the output onto fixed random weights W (so every output element matters: the checked scalar is
 * sum(W * fn(...))), backpropagates W, and compares each input's `.grad` with central differences
 * of that scalar, accumulated in float64 from the float32 outputs.
 *
 * Tolerances: the ops run in float32, so a difference quotient carries rounding noise of about
 * 6e-8 * |f| / h. With h = 1e-3 * max(1, |x|) (relative steps), that is ~1e-4 for outputs of order
 * one; truncation error is O(h^2). The default check is |analytic - numeric| <= 5e-3 + 5e-3 *
 * |numeric| per element; ops with steep outputs pass a looser tolerance explicitly.
 */
import { expect } from 'vitest';
import * as dn from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';

export interface GradcheckOptions {
  /** Relative step (default 1e-3). */
  eps?: number;
  /** Absolute tolerance (default 5e-3). */
  atol?: number;
  /** Relative tolerance (default 5e-3). */
  rtol?: number;
  /** Seed of the projection weights (default 7). */
  seed?: number;
}

/** Random float32 values in ±[low, high) (both signs unless `positive`), seeded. */
export function randomTensor(
  shape: readonly number[],
  { low = 0.1, high = 2, positive = false, seed = 1 }: { low?: number; high?: number; positive?: boolean; seed?: number } = {},
): Tensor {
  const generator = new dn.Generator(seed + shape.reduce((h, d) => h * 31 + d, shape.length));
  const values = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < values.length; i++) {
    const magnitude = low + (high - low) * generator.uniform();
    values[i] = positive || generator.uniform() < 0.5 ? magnitude : -magnitude;
  }
  return dn.tensor(values, shape);
}

/** sum(W * y) in float64. */
function project(y: Tensor, weights: Float64Array): number {
  const values = y.dataSync();
  let total = 0;
  for (let i = 0; i < values.length; i++) total += weights[i] * values[i];
  return total;
}

/**
 * Checks the gradients of `fn` with respect to every float32 input against central differences.
 * Int32 inputs (indices, labels) are passed through unchanged and not checked.
 */
export function gradcheck(op: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options?: GradcheckOptions): void;
export function gradcheck(op: (...inputs: never[]) => Tensor, inputs: readonly Tensor[], options?: GradcheckOptions): void;
export function gradcheck(op: (...inputs: never[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 1e-3, atol = 5e-3, rtol = 5e-3, seed = 7 } = options;
  // Any op taking tensors first (and optional settings after) can be checked directly: gradcheck(dn.relu, [x]).
  const fn = op as unknown as (...inputs: Tensor[]) => Tensor;
  const leaves = inputs.map((x) => {
    if (x.dtype !== 'float32') return x;
    const leaf = dn.tensor(x.dataSync().slice(), [...x.shape]);
    leaf.requiresGrad = true;
    return leaf;
  });
  const output = fn(...leaves);
  const generator = new dn.Generator(seed);
  const weights = new Float64Array(output.size);
  const upstream = new Float32Array(output.size);
  for (let i = 0; i < weights.length; i++) {
    upstream[i] = Math.fround(generator.uniform(-1, 1));
    weights[i] = upstream[i];
  }
  if (output.requiresGrad) output.backward(dn.tensor(upstream, [...output.shape]));

  leaves.forEach((leaf, index) => {
    if (leaf.dtype !== 'float32') return;
    const analytic = leaf.grad === null ? new Float32Array(leaf.size) : leaf.grad.dataSync();
    expect(leaf.grad === null || leaf.grad.shape).toEqual(leaf.grad === null ? true : leaf.shape);
    const values = leaf.storage as Float32Array;
    const probe = dn.tensor(values, [...leaf.shape]); // shares the storage: perturbing values moves probe
    const args = leaves.map((other, j) => (j === index ? probe : other.detach()));
    for (let i = 0; i < values.length; i++) {
      const original = values[i];
      const step = eps * Math.max(1, Math.abs(original));
      values[i] = original + step;
      const up = values[i] - original;
      const fPlus = dn.noGrad(() => project(fn(...args), weights));
      values[i] = original - step;
      const down = original - values[i];
      const fMinus = dn.noGrad(() => project(fn(...args), weights));
      values[i] = original;
      const numeric = (fPlus - fMinus) / (up + down);
      const error = Math.abs(analytic[i] - numeric);
      if (!(error <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheck: input ${index} (shape [${leaf.shape.join(', ')}]) element ${i}: analytic ${analytic[i]}, numeric ${numeric} (|diff| ${error} > ${atol} + ${rtol}*|numeric|)`,
        );
      }
    }
  });
}

/** Shape pairs that broadcast: equal, trailing, size-1 on either side, scalars, empty. */
export const broadcastPairs: Array<[number[], number[]]> = [
  [[3, 4], [3, 4]],
  [[2, 3, 4], [4]],
  [[3, 1], [1, 4]],
  [[2, 1, 3], [4, 1]],
  [[1], [5]],
  [[], [2, 3]],
  [[2, 3], []],
  [[1, 1], [1, 1]],
  [[0, 3], [3]],
  [[2, 0], [2, 1]],
];

/** Random broadcast-compatible shape pairs, seeded. */
export function randomBroadcastPairs(count: number, seed = 11): Array<[number[], number[]]> {
  const generator = new dn.Generator(seed);
  const pairs: Array<[number[], number[]]> = [];
  for (let c = 0; c < count; c++) {
    const rank = generator.integer(0, 4);
    const full = Array.from({ length: rank }, () => generator.integer(1, 4));
    const a = full.map((d) => (generator.uniform() < 0.3 ? 1 : d));
    const b = full.map((d) => (generator.uniform() < 0.3 ? 1 : d)).slice(generator.integer(0, rank + 1));
    pairs.push(generator.uniform() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

/** Shapes for unary ops: vectors, matrices, rank 0, size 1, empty. */
export const unaryShapes: number[][] = [[5], [2, 3], [], [1], [1, 1, 1], [0], [2, 0, 3]];
