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

describe('forwardAsync: bad arguments', () => {
  it('rejects wrong types and sizes synchronously, naming the step', () => {
    const x = random(24, 4);
    expect(() => binding.forwardAsync('steps' as unknown as ForwardStep[], x, 2, 12)).toThrow(ArgumentTypeError);
    expect(() => binding.forwardAsync(mlp(), x, 3, 12)).toThrow(/forwardAsync: x must hold 36 elements, got 24/);
    const wrongInputs = mlp();
    (wrongInputs[2] as { inputs: number }).inputs = 15;
    expect(() => binding.forwardAsync(wrongInputs, x, 2, 12)).toThrow(/steps\[2\]\.inputs must be an integer from 16 to 16/);
    const shortKernel = mlp();
    (shortKernel[0] as { kernel: Float32Array }).kernel = new Float32Array(10);
    expect(() => binding.forwardAsync(shortKernel, x, 2, 12)).toThrow(ValueError);
    expect(() => binding.forwardAsync([{ kind: 'conv' } as unknown as ForwardStep], x, 2, 12)).toThrow(/kind must be 'dense', 'unary' or 'softmax'/);
    expect(() => binding.forwardAsync([{ kind: 'unary', activation: 99, param: 0 }], x, 2, 12)).toThrow(/activation must be an integer from 0/);
  });
});

describe('forwardAsync', () => {
  it('gives exactly the synchronous result, off the main thread', async () => {
    for (const rows of [0, 1, 7, 64]) {
      const x = random(rows * 12, 10 + rows);
      const expected = forwardSync(mlp(), x, rows, 12);
      const got = await binding.forwardAsync(mlp(), x, rows, 12);
      expect(got).toEqual(expected);
    }
  });

  it('uses a snapshot of the weights taken at the call', async () => {
    const steps = mlp();
    const x = random(32 * 12, 5);
    const expected = forwardSync(steps, x, 32, 12);
    const pending = binding.forwardAsync(steps, x, 32, 12);
    // Changing the weights and input after the call must not affect the result.
    (steps[0] as { kernel: Float32Array }).kernel.fill(0);
    x.fill(Number.NaN);
    expect(await pending).toEqual(expected);
  });

  it('runs many requests concurrently', async () => {
    const x = random(8 * 12, 6);
    const expected = forwardSync(mlp(), x, 8, 12);
    const results = await Promise.all(Array.from({ length: 16 }, () => binding.forwardAsync(mlp(), x, 8, 12)));
    for (const result of results) expect(result).toEqual(expected);
  });
});
