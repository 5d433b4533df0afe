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

/** numpy's assert_allclose (what Keras' assertAllClose calls): |actual - expected| <= atol + rtol * |expected|. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

/**
 * The protocol of Keras 3's `test_correctness_with_golden` (keras/src/optimizers/*_test.py):
 * x = ones(10); one step with gradients full(10, 0.01); then five times: record x (what the test
 * compares with its golden row), step with gradients arange(0.1, 1.1, 0.1). Returns the five records.
 */
export function kerasGoldenRun(optimizer: Optimizer): number[][] {
  const ramp = Array.from({ length: 10 }, (_, i) => (i + 1) / 10);
  return runSteps(optimizer, new Array<number>(10).fill(1), [new Array<number>(10).fill(0.01), ramp, ramp, ramp, ramp]);
}

/**
 * The protocol of TensorFlow.js's optimizer tests (tfjs-core/src/optimizers/*_test.ts): `optimizer.minimize(f)`
 * with f = sum(x^2), `steps` times. Returns each step's cost (f before the update, what minimize returns) and x after it.
 */
export function minimizeSumOfSquares(optimizer: Optimizer, initial: number[], steps: number): { cost: number; x: number[] }[] {
  const x = variable('x', initial);
  optimizer.build([x]);
  const out: { cost: number; x: number[] }[] = [];
  for (let s = 0; s < steps; s++) {
    const cost = x.value.square().sum();
    cost.backward();
    optimizer.step();
    out.push({ cost: cost.item(), x: Array.from(x.value.dataSync()) });
  }
  return out;
}

/**
 * The protocol of Keras 3's `test_weight_decay` for var1 (keras/src/optimizers/*_test.py): a scalar 2.0
 * with zero gradients stepped once by each of three fresh optimizers made with learning rate 1 and
 * weight decay 0.004. Returns its final value (Keras expects 1.9760959). The test's other variables
 * check exclude_from_weight_decay, which Dendrite does not have.
 */
export function kerasWeightDecayRun(make: (options: { learningRate: number; weightDecay: number }) => Optimizer): number {
  let value = [2];
  for (let k = 0; k < 3; k++) [value] = runSteps(make({ learningRate: 1, weightDecay: 0.004 }), value, [[0]]);
  return value[0];
}
