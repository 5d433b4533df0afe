// Arguments built to get past the checks: arrays with holes, huge lengths, names of Object.prototype's
// properties, values of the wrong JavaScript type where a number is expected, and a batch too large to
// allocate. Each is a typed error naming the function and the argument, with a short message, and
// never a crash, a hang, a raw TypeError/RangeError or a result of the wrong shape.
// (test/fuzz.test.ts makes such arguments at random.)
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, DendriteError, ShapeError, ValueError } from '../lib/errors.js';

const t = dn.tensor([[1, 2, 3], [4, 5, 6]]);

/** The error `run` throws (failing the test when it throws none or an untyped one). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(error instanceof DendriteError || error instanceof ArgumentTypeError, `not a Dendrite error: ${String(error)}`).toBe(true);
    return error as Error;
  }
  throw new Error('expected an error, got a result');
}

describe('sumToShape', () => {
  it('checks its shape: a size that does not broadcast, fractions, strings, negatives', () => {
    expect(thrown(() => dn.sumToShape(t, [2 ** 31 - 1]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => dn.sumToShape(t, [1.5])).message).toMatch(/sumToShape: shape\[0\] must be a non-negative integer, got 1.5/);
    expect(thrown(() => dn.sumToShape(t, 'x' as never))).toBeInstanceOf(ArgumentTypeError);
    expect(thrown(() => dn.sumToShape(t, -1 as never))).toBeInstanceOf(ValueError);
    expect(thrown(() => dn.sumToShape(t, [2, 3, 1]))).toBeInstanceOf(ShapeError); // more axes than grad
    expect(thrown(() => dn.sumToShape(dn.tensor([1, 2], [2], 'int32'), [1]))).toBeInstanceOf(dn.DTypeError);
  });

  it('sums over the broadcast axes', () => {
    expect(dn.sumToShape(t, [1, 3]).toArray()).toEqual([[5, 7, 9]]);
    expect(dn.sumToShape(t, [3]).toArray()).toEqual([5, 7, 9]);
    expect(dn.sumToShape(t, [2, 1]).toArray()).toEqual([[6], [15]]);
    expect(dn.sumToShape(t, []).toArray()).toBe(21);
  });
});

describe('arrays with holes are refused, not read as shorter', () => {
  const hole = <T>(items: T[], at: number): T[] => {
    const sparse = items.slice();
    delete sparse[at];
    return sparse;
  };
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['transpose', () => dn.transpose(t, hole([1, 0], 1)), /transpose: perm\[1\] must be an integer, got undefined/],
    ['permute', () => dn.permute(t, hole([1, 0], 0)), /permute: perm\[0\]/],
    ['pad', () => dn.pad(t, hole([[1, 1], [0, 0]], 1) as never), /pad: paddings\[1\] must be a \[before, after\] pair, got undefined/],
    ['pad pair', () => dn.pad(t, [[1, 1], hole([0, 0], 0)] as never), /pad: paddings\[1\]\[0\]/],
    ['reshape', () => dn.reshape(t, hole([3, 2], 0)), /reshape: shape\[0\]/],
    ['broadcastTo', () => dn.broadcastTo(t, hole([2, 2, 3], 0)), /broadcastTo: shape\[0\]/],
    ['sum axes', () => dn.sum(t, hole([0, 1], 1)), /sum: axis\[1\]/],
    ['concat', () => dn.concat(hole([t, t, t], 1)), /concat: tensors\[1\]/],
    ['stack', () => dn.stack(hole([t, t], 0)), /stack: tensors\[0\]/],
    ['split sizes', () => dn.split(t, hole([1, 1, 1], 2), 1), /split: numOrSizes\[2\]/],
    ['conv2d strides', () => dn.conv2d(dn.ones([1, 4, 4, 1]), dn.ones([2, 2, 1, 1]), { strides: hole([1, 1], 1) }), /conv2d: strides\[1\]/],
    ['conv2d padding', () => dn.conv2d(dn.ones([1, 4, 4, 1]), dn.ones([2, 2, 1, 1]), { padding: hole([[0, 0], [0, 0]], 0) as never }), /conv2d: padding/],
    ['reshape layer', () => dn.layers.reshape({ targetShape: hole([3, 2], 1) }), /reshape: targetShape\[1\]/],
    ['zeroPadding2d', () => dn.layers.zeroPadding2d({ padding: hole([[1, 1], [1, 1]], 1) as never }), /zeroPadding2d: padding/],
    ['csv columnNames', () => dn.data.readCsv('a,b\n1,2\n', { columnNames: hole(['x', 'y'], 1) }), /columnNames\[1\]/],
    ['schedule values', () => dn.optimizers.schedules.piecewiseConstantDecay({ boundaries: [10], values: hole([0.1, 0.01], 0) }), /values\[0\]/],
    ['schedule boundaries', () => dn.optimizers.schedules.piecewiseConstantDecay({ boundaries: hole([10, 20], 1), values: [0.1, 0.01, 0.001] }), /boundaries\[1\]/],
  ];
  for (const [name, run, message] of cases) {
    it(name, () => expect(thrown(run).message).toMatch(message));
  }

  it('transpose no longer makes a tensor of shape [3, null]', () => {
    expect(() => dn.transpose(t, [1, , ] as never)).toThrow(ArgumentTypeError);
  });
});

describe('huge arrays are refused by their length, at once, with a short message', () => {
  it('a shape of 10^9 holes', () => {
    const error = thrown(() => dn.reshape(t, new Array(1e9)));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(/reshape: shape may have at most 64 items, got 1000000000/);
  });

  it('long lists in messages are cut', () => {
    const ones = new Array<number>(60).fill(1);
    const error = thrown(() => dn.reshape(t, ones));
    expect(error.message).toContain('(60 items)');
    expect(error.message.length).toBeLessThan(300);
    for (const run of [() => dn.zeros(Array.from({ length: 1e5 }, () => 1)), () => dn.transpose(t, new Array(1e7)), () => dn.sum(t, new Array(1e7))]) {
      expect(thrown(run).message.length).toBeLessThan(300);
    }
  });

  it('a tensor may have at most 64 axes', () => {
    expect(dn.zeros(new Array(64).fill(1)).rank).toBe(64);
    expect(thrown(() => dn.zeros(new Array(65).fill(1))).message).toMatch(/zeros: shape may have at most 64 dimensions, got 65/);
  });
});

describe("names are looked up among a registry's own entries, never Object.prototype's", () => {
  const prototypeNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
  const lookups: Array<[string, (name: string) => unknown]> = [
    ['losses.get', (name) => dn.losses.get(name)],
    ['activation', (name) => dn.layers.dense({ units: 2, activation: name as never })],
    ['kernelInitializer', (name) => dn.layers.dense({ units: 2, kernelInitializer: name as never })],
    ['kernelRegularizer', (name) => dn.layers.dense({ units: 2, kernelRegularizer: name as never })],
    ['optimizer', (name) => dn.optimizers.getOptimizer(name)],
    ['compile loss', (name) => dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] }).compile({ optimizer: 'sgd', loss: name as never })],
    ['compile metric', (name) => dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] }).compile({ optimizer: 'sgd', loss: 'mse', metrics: [name as never] })],
    ['deserializeLayer', (name) => dn.layers.deserializeLayer({ className: name, config: {} })],
    ['initializer class', (name) => dn.initializers.deserializeInitializer({ className: name, config: {} })],
    ['regularizer class', (name) => dn.regularizers.deserializeRegularizer({ className: name, config: {} })],
    ['optimizer class', (name) => dn.optimizers.deserializeOptimizer({ className: name, config: {} })],
    ['metric class', (name) => dn.metrics.deserializeMetric({ className: name, config: {} })],
  ];
  for (const [what, lookup] of lookups) {
    it(what, () => {
      for (const name of prototypeNames) {
        const error = thrown(() => lookup(name));
        expect(error, `${what} '${name}'`).toBeInstanceOf(ValueError);
        expect(error.message).toContain(`'${name}'`);
      }
    });
  }

  it('a CSV field named like a prototype property is not a number (it was read as NaN)', () => {
    for (const name of prototypeNames) {
      expect(thrown(() => dn.data.readCsv(`a,b\n1,2\n3,${name}\n`)).message).toContain(`expected a number, got "${name}"`);
    }
    expect(dn.data.readCsv('a,b\n1,2\n3,constructor\n', { stringColumns: ['b'] }).strings.b).toEqual(['2', 'constructor']);
  });

  it('a model input named like a prototype property must still be given', () => {
    const input = dn.input({ shape: [2], name: 'constructor' });
    const other = dn.input({ shape: [2], name: 'other' });
    const m = dn.model({ inputs: [input, other], outputs: dn.layers.add().apply([input, other]) as dn.SymbolicTensor });
    expect(thrown(() => m.predict({ other: dn.ones([1, 2]) } as never)).message).toMatch(/lacks the input 'constructor'/);
  });
});

describe('values of the wrong JavaScript type', () => {
  it('scalar takes a number (or a boolean) only', () => {
    expect(thrown(() => dn.scalar('abc' as never))).toBeInstanceOf(ArgumentTypeError);
    expect(thrown(() => dn.scalar(10n as never)).message).toMatch(/scalar: value must be a number, got 10n/);
    expect(thrown(() => dn.scalar({} as never))).toBeInstanceOf(ArgumentTypeError);
    expect(thrown(() => dn.scalar(1, 'float64' as never))).toBeInstanceOf(ValueError);
    expect(thrown(() => dn.scalar(1.5, 'int32'))).toBeInstanceOf(ValueError);
    expect(dn.scalar(Number.NaN).toArray()).toBeNaN();
    expect(dn.scalar(7, 'int32').dtype).toBe('int32');
    expect(dn.scalar(true as never).toArray()).toBe(1);
  });
});

describe('a batch too large to allocate', () => {
  it('predict throws a ValueError, not a raw RangeError', () => {
    const m = dn.sequential({ layers: [dn.layers.dense({ units: 20_000, inputShape: [8] }), dn.layers.dense({ units: 1 })] });
    const rows = 110_000; // 110,000 x 20,000 activations: more than a tensor may hold
    const error = thrown(() => m.predict(dn.zeros([rows, 8]), { batchSize: rows }));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(/2200000000 elements, more than the 2147483647 a tensor may hold/);
  });
});

describe('an array argument is read once, its length checked before its items', () => {
  /** `items` behind a Proxy whose length reads true once, then 2^32 - 1. */
  const lying = (items: unknown[]): never => {
    let reads = 0;
    return new Proxy(items, { get: (target, key, receiver) => (key === 'length' && reads++ > 0 ? 2 ** 32 - 1 : Reflect.get(target, key, receiver)) }) as never;
  };
  const huge = (): never => {
    const items: unknown[] = ['mae'];
    items.length = 2 ** 32 - 1; // every/forEach/map would visit 4 billion indices
    return items as never;
  };

  it('a Proxy whose length changes is read as the array it was at the first read', () => {
    expect(dn.reshape(t, lying([3, 2])).shape).toEqual([3, 2]);
    expect(dn.sum(t, lying([0])).shape).toEqual([3]);
    expect(dn.zeros(lying([2, 2])).shape).toEqual([2, 2]);
  });

  it('compile refuses lists of 2^32 - 1 metrics or losses at once', () => {
    const m = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
    expect(thrown(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: huge() })).message).toMatch(/compile: metrics may have at most 10000 items, got 4294967295/);
    expect(thrown(() => m.compile({ optimizer: 'sgd', loss: huge() }))).toBeInstanceOf(ValueError);
  });

  it('dn.model refuses 2^32 - 1 inputs or outputs at once, and a hole among them', () => {
    const input = dn.input({ shape: [2] });
    const output = dn.layers.dense({ units: 1 }).apply(input);
    expect(thrown(() => dn.model({ inputs: huge(), outputs: output })).message).toMatch(/model: inputs may have at most 10000 symbolic tensors, got 4294967295/);
    expect(thrown(() => dn.model({ inputs: input, outputs: huge() }))).toBeInstanceOf(ValueError);
    expect(thrown(() => dn.model({ inputs: input, outputs: [output, , output] as never })).message).toMatch(/model: outputs\[1\]/);
  });

  it('readCsv refuses a column list longer than the columns at once', () => {
    expect(thrown(() => dn.data.readCsv('a,b\n1,2\n', { stringColumns: huge() })).message).toMatch(/stringColumns may have at most 2 columns, got 4294967295/);
  });
});

describe('lists of integers have a length limit', () => {
  it('split refuses 2^31 - 1 sizes at once', () => {
    expect(thrown(() => dn.split(t, new Array(2 ** 31 - 1), 1)).message).toMatch(/split: numOrSizes may have at most 1048576 items, got 2147483647/);
  });
});
