import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding, type ForwardStep } from '../../lib/native.js';

const relu = binding.opCodes.unary.relu;
const linear = binding.opCodes.unary.linear;
const tanh = binding.opCodes.unary.tanh;

function random(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** The same network on the main thread through the synchronous kernels. */
function forwardSync(steps: ForwardStep[], x: Float32Array, rows: number, width: number): Float32Array {
  let current = Float32Array.from(x);
  for (const step of steps) {
    if (step.kind === 'dense') {
      const next = new Float32Array(rows * step.units);
      binding.sgemm(false, false, rows, step.units, step.inputs, 1, current, step.inputs, step.kernel, step.units, 0, next, step.units,
        step.bias, step.activation, step.param, 1, 0, 0, 0);
      current = next;
      width = step.units;
    } else if (step.kind === 'unary') {
      binding.unary(step.activation, step.param, current, current, current.length);
    } else {
      binding.softmax(current, current, rows, width, step.log);
    }
  }
  return current;
}

function mlp(): ForwardStep[] {
  return [
    { kind: 'dense', kernel: random(12 * 16, 1), bias: random(16, 2), inputs: 12, units: 16, activation: relu, param: 0 },
    { kind: 'unary', activation: tanh, param: 0 },
    { kind: 'dense', kernel: random(16 * 5, 3), bias: null, inputs: 16, units: 5, activation: linear, param: 0 },
    { kind: 'softmax', log: false },
  ];
}

describe('forwardPlan / forwardAsync: bad arguments', () => {
  it('rejects wrong types and sizes synchronously, naming the step', () => {
    const x = random(24, 4);
    expect(() => binding.forwardPlan('steps' as unknown as ForwardStep[], 12)).toThrow(ArgumentTypeError);
    expect(() => binding.forwardAsync(binding.forwardPlan(mlp(), 12), x, 3, 256)).toThrow(/forwardAsync: x must hold 36 elements, got 24/);
    const wrongInputs = mlp();
    (wrongInputs[2] as { inputs: number }).inputs = 15;
    expect(() => binding.forwardPlan(wrongInputs, 12)).toThrow(/steps\[2\]\.inputs must be an integer from 16 to 16/);
    const shortKernel = mlp();
    (shortKernel[0] as { kernel: Float32Array }).kernel = new Float32Array(10);
    expect(() => binding.forwardPlan(shortKernel, 12)).toThrow(ValueError);
    expect(() => binding.forwardPlan([{ kind: 'conv' } as unknown as ForwardStep], 12)).toThrow(/kind must be 'dense', 'unary' or 'softmax'/);
    expect(() => binding.forwardPlan([{ kind: 'unary', activation: 99, param: 0 }], 12)).toThrow(/activation must be an integer from 0/);
    expect(() => binding.forwardAsync(binding.forwardPlan(mlp(), 12), x, 2, 0)).toThrow(/chunkRows/);
  });

  it('takes only a plan forwardPlan made', () => {
    const plan = binding.forwardPlan(mlp(), 12);
    const x = random(24, 4);
    for (const fake of [{}, { ...plan }, Object.create(plan), new Proxy(plan, {}), mlp(), null, 12]) {
      expect(() => binding.forwardAsync(fake as never, x, 2, 256)).toThrow(ArgumentTypeError);
    }
  });
});

describe('forwardAsync', () => {
  it('gives exactly the synchronous result, off the main thread, whatever the pass size', async () => {
    for (const rows of [0, 1, 7, 64]) {
      const x = random(rows * 12, 10 + rows);
      const expected = forwardSync(mlp(), x, rows, 12);
      const plan = binding.forwardPlan(mlp(), 12);
      expect(plan).toMatchObject({ inputWidth: 12, outputWidth: 5, bytes: 4 * (12 * 16 + 16 + 16 * 5) });
      for (const chunkRows of [1, 3, 64, 2 ** 40]) {
        expect(await binding.forwardAsync(plan, x, rows, chunkRows)).toEqual(expected);
      }
    }
  });

  it('runs on the snapshot forwardPlan took, and copies the input at the call', async () => {
    const steps = mlp();
    const x = random(32 * 12, 5);
    const expected = forwardSync(steps, x, 32, 12);
    const plan = binding.forwardPlan(steps, 12);
    // Changing the weights after the snapshot, and the input after the call, must not affect the result.
    (steps[0] as { kernel: Float32Array }).kernel.fill(0);
    const pending = binding.forwardAsync(plan, x, 32, 8);
    x.fill(Number.NaN);
    expect(await pending).toEqual(expected);
  });

  it('runs many requests concurrently on one snapshot', async () => {
    const x = random(8 * 12, 6);
    const expected = forwardSync(mlp(), x, 8, 12);
    const plan = binding.forwardPlan(mlp(), 12);
    const results = await Promise.all(Array.from({ length: 16 }, () => binding.forwardAsync(plan, x, 8, 3)));
    for (const result of results) expect(result).toEqual(expected);
  });

  it('copies a new snapshot into the memory of a previous one only when no call uses it', async () => {
    const x = random(8 * 12, 7);
    const steps = mlp();
    const plan = binding.forwardPlan(steps, 12);
    const expected = forwardSync(steps, x, 8, 12);
    // Queued on: not reused, and both still run.
    const pending = binding.forwardAsync(plan, x, 8, 4);
    const changed = mlp();
    (changed[0] as { kernel: Float32Array }).kernel.fill(0.5);
    const other = binding.forwardPlan(changed, 12, plan);
    expect(await pending).toEqual(expected);
    expect(await binding.forwardAsync(plan, x, 8, 4)).toEqual(expected);
    expect(await binding.forwardAsync(other, x, 8, 4)).toEqual(forwardSync(changed, x, 8, 12));
    // Idle: its memory is taken, and it can no longer be run.
    const reused = binding.forwardPlan(changed, 12, plan);
    expect(await binding.forwardAsync(reused, x, 8, 4)).toEqual(forwardSync(changed, x, 8, 12));
    expect(() => binding.forwardAsync(plan, x, 8, 4)).toThrow(ArgumentTypeError);
    // A failed copy into it leaves nothing runnable behind, and the caller's previous plan is unusable only if taken.
    expect(() => binding.forwardPlan([{ kind: 'conv' } as unknown as ForwardStep], 12, reused)).toThrow(ValueError);
    expect(() => binding.forwardAsync(reused, x, 8, 4)).toThrow(ArgumentTypeError);
    expect(() => binding.forwardPlan(mlp(), 12, {} as never)).toThrow(ArgumentTypeError);
  });
});
