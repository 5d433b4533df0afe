// Shared helpers of the optimizer tests: variables over plain tensors, and a float64 replay of
// an update rule so each test states the formula it checks.
import { tensor, type Tensor } from '../../lib/tensor.js';
import type { Optimizer, OptimizerVariable } from '../../lib/optimizers/index.js';

export function variable(name: string, values: number[], shape?: number[], trainable = true): OptimizerVariable {
  return { name, value: tensor(values, shape ?? [values.length]), trainable };
}

/** Runs `optimizer` on one variable with the given gradients (one array per step); returns the parameters after each step. */
export function runSteps(optimizer: Optimizer, initial: number[], gradients: number[][]): number[][] {
  const v = variable('w', initial);
  optimizer.build([v]);
  const history: number[][] = [];
  for (const g of gradients) {
    v.value.grad = tensor(g);
    optimizer.step();
    history.push(Array.from(v.value.dataSync()));
  }
  return history;
}

/** Expects every value of `actual` within `relative` (times max(1, |expected|)) of `expected`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = relative * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

/** The sum of squared distances to `target`, with autograd: the quadratic the optimizers minimise. */
export function quadraticLoss(w: Tensor, target: Tensor): Tensor {
  return w.sub(target).square().sum();
}

/** A few gradients of mixed sign and size, for replaying updates. */
export const GRADIENTS = [
  [0.5, -1.5, 2.0, 0.0],
  [0.25, -0.5, -3.0, 1e-3],
  [-0.75, 1.0, 0.5, -2.0],
];
export const INITIAL = [1.0, -0.5, 0.25, 2.0];
