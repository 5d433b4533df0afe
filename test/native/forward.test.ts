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
    } else if (step.kind === 'softmax') {
      binding.softmax(current, current, rows, width, step.log);
    } else {
      throw new Error(`forwardSync: no ${step.kind} steps here`);
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
    expect(() => binding.forwardPlan([{ kind: 'conv' } as unknown as ForwardStep], 12)).toThrow(/kind must be 'dense', 'int8Dense', 'conv2d', 'pool2d', 'affine', 'reduce', 'unary', 'softmax', 'binary', 'sum' or 'concat'/);
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

describe('forwardPlan over a graph of slots', () => {
  const { add, mul, div, maximum } = binding.opCodes.binary;
  const square = binding.opCodes.unary.square;

  /** Two inputs (widths 3 and 2): dense each to 4, multiply, a column (sum of rows), broadcast, concatenate. */
  function graph(): ForwardStep[] {
    return [
      { kind: 'dense', from: 0, kernel: random(3 * 4, 20), bias: random(4, 21), inputs: 3, units: 4, activation: tanh, param: 0 }, // slot 2
      { kind: 'dense', from: 1, kernel: random(2 * 4, 22), bias: null, inputs: 2, units: 4, activation: linear, param: 0 },     // slot 3
      { kind: 'binary', op: mul, from: [2, 3] },                                                                                 // slot 4
      { kind: 'sum', from: 4 },                                                                                                  // slot 5: [rows, 1]
      { kind: 'binary', op: add, from: [5, 2] },                                                                                 // slot 6: column + row
      { kind: 'binary', op: maximum, from: [6], constant: 0.25 },                                                                // slot 7
      { kind: 'unary', from: 7, activation: square, param: 0 },                                                                  // slot 8
      { kind: 'concat', from: [8, 5, 0] },                                                                                       // slot 9: widths 4 + 1 + 3
      { kind: 'binary', op: div, from: [9], constant: 3 },                                                                       // slot 10
    ];
  }

  /** The same on the main thread, with the same kernels and broadcasting layouts. */
  function graphSync(steps: ForwardStep[], a: Float32Array, b: Float32Array, rows: number): Float32Array[] {
    const slots: { data: Float32Array; width: number }[] = [{ data: a, width: 3 }, { data: b, width: 2 }];
    const layoutOf = (width: number, aWidth: number, bWidth: number | null): Float64Array => Float64Array.from([
      2, rows, width, aWidth, aWidth === 1 ? 0 : 1, bWidth ?? 0, bWidth === null || bWidth === 1 ? 0 : 1,
    ]);
    for (const step of steps) {
      const from: readonly number[] = typeof step.from === 'number' ? [step.from] : (step.from as readonly number[]);
      const x = slots[from[0]];
      if (step.kind === 'dense') {
        const out = new Float32Array(rows * step.units);
        binding.sgemm(false, false, rows, step.units, step.inputs, 1, x.data, step.inputs, step.kernel, step.units, 0, out, step.units, step.bias, step.activation, step.param, 1, 0, 0, 0);
        slots.push({ data: out, width: step.units });
      } else if (step.kind === 'unary') {
        const out = new Float32Array(x.data.length);
        binding.unary(step.activation, step.param, x.data, out, out.length);
        slots.push({ data: out, width: x.width });
      } else if (step.kind === 'binary') {
        const other = step.constant === undefined ? slots[from[1]] : { data: Float32Array.of(step.constant), width: null };
        const width = Math.max(x.width, other.width ?? 1);
        const out = new Float32Array(rows * width);
        binding.binary(step.op, x.data, other.data, out, layoutOf(width, x.width, other.width));
        slots.push({ data: out, width });
      } else if (step.kind === 'sum') {
        const out = new Float32Array(rows);
        binding.reduce(binding.opCodes.reduce.sum, x.data, rows, x.width, 1, out);
        slots.push({ data: out, width: 1 });
      } else if (step.kind === 'concat') {
        const width = from.reduce((w, s) => w + slots[s].width, 0);
        const out = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) {
          let column = 0;
          for (const s of from) {
            out.set(slots[s].data.subarray(r * slots[s].width, (r + 1) * slots[s].width), r * width + column);
            column += slots[s].width;
          }
        }
        slots.push({ data: out, width });
      }
    }
    return slots.map((s) => s.data);
  }

  it('computes each slot as the synchronous kernels do, with the inputs and outputs side by side in each row', async () => {
    const rows = 11;
    const a = random(rows * 3, 23);
    const b = random(rows * 2, 24);
    const x = new Float32Array(rows * 5);
    for (let r = 0; r < rows; r++) {
      x.set(a.subarray(r * 3, r * 3 + 3), r * 5);
      x.set(b.subarray(r * 2, r * 2 + 2), r * 5 + 3);
    }
    const slots = graphSync(graph(), a, b, rows);
    const plan = binding.forwardPlan(graph(), [3, 2], null, [10, 5, 1]);
    expect(plan).toMatchObject({ inputWidth: 5, outputWidth: 8 + 1 + 2 });
    const expected = new Float32Array(rows * 11);
    for (let r = 0; r < rows; r++) {
      expected.set(slots[10].subarray(r * 8, r * 8 + 8), r * 11);
      expected[r * 11 + 8] = slots[5][r];
      expected.set(slots[1].subarray(r * 2, r * 2 + 2), r * 11 + 9);
    }
    for (const chunkRows of [1, 4, 256]) expect(await binding.forwardAsync(plan, x, rows, chunkRows)).toEqual(expected);
    // Without outputs: the last slot.
    expect(binding.forwardPlan(graph(), [3, 2]).outputWidth).toBe(8);
  });

  it('checks every slot number, width and output, naming the step', () => {
    const bad = (edit: (steps: ForwardStep[]) => void, widths: number | number[] = [3, 2], outputs?: number[]): (() => unknown) => () => {
      const steps = graph();
      edit(steps);
      return binding.forwardPlan(steps, widths, null, outputs);
    };
    expect(bad((s) => { (s[2] as { from: unknown }).from = [2, 9]; })).toThrow('forwardPlan: steps[2].from[1] must be a slot made before this step (0 to 3)');
    expect(bad((s) => { (s[2] as { from: unknown }).from = [2]; })).toThrow(/steps\[2\]\.from must list 2 slots, got 1/);
    expect(bad((s) => { (s[7] as { from: unknown }).from = [8]; })).toThrow(/steps\[7\]\.from must list at least 2 slots, got 1/);
    expect(bad((s) => { (s[2] as { from: unknown }).from = [2, 0]; })).toThrow('forwardPlan: steps[2]: slots of widths 4 and 3 cannot be combined');
    expect(bad((s) => { (s[0] as { inputs: number }).inputs = 2; })).toThrow(/steps\[0\]\.inputs must be an integer from 3 to 3/);
    expect(bad((s) => { (s[5] as { constant: unknown }).constant = 'x'; })).toThrow(ArgumentTypeError);
    expect(bad((s) => { (s[4] as { from: unknown }).from = 'four'; })).toThrow(ArgumentTypeError);
    expect(bad(() => {}, [3, 0])).toThrow(/widths\[1\] must be an integer from 1/);
    expect(bad(() => {}, [])).toThrow(/widths must list 1 to 1024 input widths/);
    expect(bad(() => {}, [3, 2], [11])).toThrow('forwardPlan: outputs[0] must be a slot from 0 to 10');
    expect(bad(() => {}, [3, 2], [])).toThrow(/outputs must list 1 to 1024 slots/);
    expect(() => binding.forwardPlan(graph(), [3, 2], null, 'all' as never)).toThrow(ArgumentTypeError);
  });
});

describe('forwardPlan: image steps', () => {
  const conv = Int32Array.of(0, 6, 5, 3, 6, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
  const pool = Int32Array.of(0, 6, 5, 4, 3, 2, 2, 2, 2, 2, 0, 0, 0, 0);
  const steps = (): ForwardStep[] => [
    { kind: 'conv2d', geometry: conv, kernel: random(3 * 3 * 3 * 4, 5), bias: random(4, 6), scale: random(4, 7), shift: random(4, 8), activation: relu, param: 0, transpose: false },
    { kind: 'pool2d', pool: binding.opCodes.pool.max, geometry: pool },
    { kind: 'affine', scale: random(4, 9), shift: random(4, 10), channels: 4 },
    { kind: 'reduce', op: binding.opCodes.reduce.mean, inner: 4 },
  ];

  it('rejects steps that do not fit, naming them', () => {
    const wrong = steps();
    (wrong[1] as { geometry: Int32Array }).geometry = Int32Array.of(0, 6, 5, 5, 3, 2, 2, 2, 2, 2, 0, 0, 0, 0);
    expect(() => binding.forwardPlan(wrong, 90)).toThrow('forwardPlan: steps[1]: the geometry takes 150 values per row, the slot it reads holds 120');
    expect(() => binding.forwardPlan(steps(), 91)).toThrow(ValueError);
    const noShift = steps();
    (noShift[0] as { shift: Float32Array | null }).shift = null;
    expect(() => binding.forwardPlan(noShift, 90)).toThrow(/scale and shift must be given together/);
    const badAffine = steps();
    (badAffine[2] as { channels: number }).channels = 7;
    expect(() => binding.forwardPlan(badAffine, 90)).toThrow(/steps\[2\]\.channels \(7\) must divide the row's 24 values/);
    const badGeometry = steps();
    (badGeometry[0] as { geometry: Int32Array }).geometry = Int32Array.of(0, 6, 5, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    expect(() => binding.forwardPlan(badGeometry, 90)).toThrow(/steps\[0\]\.geometry: the padded input gives an output of 6 x 5, got outH 7/);
    expect(() => binding.forwardPlan([{ ...(steps()[0] as Extract<ForwardStep, { kind: 'conv2d' }>), geometry: [1, 2] as never }], 90)).toThrow(/geometry must be an Int32Array/);
  });

  it('gives the synchronous kernels\' results bit for bit, in any chunks', async () => {
    const rows = 3;
    const x = random(rows * 90, 12);
    const [c, , a] = steps() as [Extract<ForwardStep, { kind: 'conv2d' }>, unknown, Extract<ForwardStep, { kind: 'affine' }>];
    const g = conv.slice();
    g[0] = rows;
    const y = new Float32Array(rows * 120);
    binding.conv2d(g, x, c.kernel, y, c.bias, c.scale, c.shift, relu, 0);
    const pg = pool.slice();
    pg[0] = rows;
    const z = new Float32Array(rows * 24);
    binding.pool2d(binding.opCodes.pool.max, pg, y, z, null);
    binding.channelAffine(z, rows * 6, 4, a.scale, a.shift, z);
    const expected = new Float32Array(rows * 4);
    binding.reduce(binding.opCodes.reduce.mean, z, rows, 6, 4, expected);
    const plan = binding.forwardPlan(steps(), 90);
    expect(plan).toMatchObject({ inputWidth: 90, outputWidth: 4 });
    for (const chunkRows of [1, 2, 256]) {
      const got = await binding.forwardAsync(plan, x, rows, chunkRows);
      expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
  });
});
