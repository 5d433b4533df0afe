// Initializers: Keras fan rules and defaults, statistics of the draws, orthogonality, seeding.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, DTypeError, ValueError } from '../lib/errors.js';
import { Generator, seed } from '../lib/random.js';
import type { Tensor } from '../lib/tensor.js';
import {
  computeFans, constant, deserializeInitializer, getInitializer, glorotNormal, glorotUniform, heNormal, heUniform, identity, Identity, lecunNormal,
  lecunUniform, ones, orthogonal, randomNormal, randomUniform, serializeInitializer, truncatedNormal, varianceScaling, zeros,
  INITIALIZER_NAMES,
} from '../lib/initializers.js';

function stats(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  const values = t.dataSync();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, variance: squares / values.length, min, max };
}

/** Product of a [rows, cols] matrix's transpose with itself when `columns`, else with its transpose. */
function gram(t: Tensor, columns: boolean): number[][] {
  const [rows, cols] = [t.size / t.shape[t.shape.length - 1], t.shape[t.shape.length - 1]];
  const a = t.dataSync();
  const n = columns ? cols : rows;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      if (columns) for (let r = 0; r < rows; r++) dot += a[r * cols + i] * a[r * cols + j];
      else for (let c = 0; c < cols; c++) dot += a[i * cols + c] * a[j * cols + c];
      out[i][j] = dot;
    }
  }
  return out;
}

function expectIdentity(matrix: number[][], scale: number, tolerance: number): void {
  for (let i = 0; i < matrix.length; i++) {
    for (let j = 0; j < matrix.length; j++) {
      expect(Math.abs(matrix[i][j] - (i === j ? scale : 0))).toBeLessThan(tolerance);
    }
  }
}

describe('initializers: should throw', () => {
  it('rejects unknown options with a suggestion', () => {
    expect(() => glorotUniform({ sed: 1 } as never)).toThrow(/glorotUniform: unknown option 'sed' \(did you mean 'seed'\?\); known options: seed, generator/);
    expect(() => randomNormal({ std: 0.1 } as never)).toThrow(/unknown option 'std'/);
    expect(() => randomUniform({ minVal: 0 } as never)).toThrow(/did you mean 'minval'/);
    expect(() => constant({ val: 1 } as never)).toThrow(/did you mean 'value'/);
    expect(() => orthogonal({ gian: 2 } as never)).toThrow(/did you mean 'gain'/);
  });

  it('rejects bad seeds, generators and ranges', () => {
    expect(() => heNormal({ seed: 1.5 })).toThrow(ValueError);
    expect(() => heNormal({ seed: '1' as never })).toThrow(ArgumentTypeError);
    expect(() => heNormal({ generator: {} as never })).toThrow(/generator must be a dn.Generator/);
    expect(() => heNormal({ seed: 1, generator: new Generator(1) })).toThrow(/either seed or generator, not both/);
    expect(() => randomNormal({ stddev: -1 })).toThrow(ValueError);
    expect(() => randomUniform({ minval: 1, maxval: 0 })).toThrow(/maxval must be >= minval \(1\)/);
    expect(() => varianceScaling({ mode: 'fan_in' as never })).toThrow(/unknown mode 'fan_in' \(did you mean 'fanIn'\?\); expected one of 'fanIn', 'fanOut', 'fanAvg'/);
    expect(() => varianceScaling({ distribution: 'normal' as never })).toThrow(/expected one of 'truncatedNormal', 'untruncatedNormal', 'uniform'/);
    expect(() => varianceScaling({ scale: 0 })).toThrow(ValueError);
    expect(() => constant({ value: Number.NaN })).toThrow(ValueError);
  });

  it('rejects bad shapes and dtypes in apply', () => {
    expect(() => glorotUniform().apply([2, -1])).toThrow(/shape\[1\] must be a non-negative integer, got -1/);
    expect(() => glorotUniform().apply('3' as never)).toThrow(ArgumentTypeError);
    expect(() => glorotUniform().apply([2, 2], 'int32')).toThrow(DTypeError);
    expect(() => zeros().apply([2], 'float64' as never)).toThrow(/unknown dtype 'float64'/);
    expect(() => constant({ value: 0.5 }).apply([2], 'int32')).toThrow(/an integer for an int32 tensor/);
    expect(() => orthogonal().apply([5])).toThrow(/at least 2 dimensions/);
  });

  it('names the valid initializers for an unknown name', () => {
    expect(() => getInitializer('glorotUnifrom')).toThrow(/unknown initializer 'glorotUnifrom' \(did you mean 'glorotUniform'\?\); known initializers: zeros, ones/);
    expect(() => getInitializer('xavier')).toThrow(ValueError);
    expect(() => getInitializer(3 as never)).toThrow(ArgumentTypeError);
    expect(() => deserializeInitializer({ className: 'HeNormall', config: {} })).toThrow(/did you mean 'HeNormal'/);
  });
});

describe('initializers: Keras fan rules', () => {
  it('computes fans for vectors, dense and convolution kernels', () => {
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(computeFans([64, 128])).toEqual({ fanIn: 64, fanOut: 128 });
    // Conv2D kernel [kh, kw, inChannels, outChannels]: receptive field 3*3 = 9.
    expect(computeFans([3, 3, 2, 8])).toEqual({ fanIn: 18, fanOut: 72 });
  });

  it('scales each named initializer by its fan (limits and variances within 4% on 120,000 draws)', () => {
    const shape = [300, 400];
    const fanIn = 300;
    const fanAvg = 350;
    const cases: Array<[string, Tensor, number, number]> = [
      // name, tensor, expected variance, bound on |x|
      ['glorotUniform', glorotUniform({ seed: 1 }).apply(shape), 1 / fanAvg, Math.sqrt(3 / fanAvg)],
      ['glorotNormal', glorotNormal({ seed: 2 }).apply(shape), 1 / fanAvg, (2 * Math.sqrt(1 / fanAvg)) / 0.87962566103423978],
      ['heUniform', heUniform({ seed: 3 }).apply(shape), 2 / fanIn, Math.sqrt(6 / fanIn)],
      ['heNormal', heNormal({ seed: 4 }).apply(shape), 2 / fanIn, (2 * Math.sqrt(2 / fanIn)) / 0.87962566103423978],
      ['lecunNormal', lecunNormal({ seed: 5 }).apply(shape), 1 / fanIn, (2 * Math.sqrt(1 / fanIn)) / 0.87962566103423978],
      ['lecunUniform', lecunUniform({ seed: 6 }).apply(shape), 1 / fanIn, Math.sqrt(3 / fanIn)],
      ['untruncated', varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 7 }).apply(shape), 2 / 400, Infinity],
    ];
    for (const [name, t, variance, bound] of cases) {
      const s = stats(t);
      expect(t.shape, name).toEqual(shape);
      expect(t.dtype, name).toBe('float32');
      expect(Math.abs(s.mean), name).toBeLessThan(0.05 * Math.sqrt(variance));
      expect(s.variance / variance, name).toBeGreaterThan(0.96);
      expect(s.variance / variance, name).toBeLessThan(1.04);
      expect(Math.max(-s.min, s.max), name).toBeLessThanOrEqual(bound * (1 + 1e-6));
    }
  });

  it('has the Keras defaults for randomNormal, randomUniform, truncatedNormal', () => {
    const normal = stats(randomNormal({ seed: 1 }).apply([100_000]));
    expect(normal.mean).toBeCloseTo(0, 3);
    expect(Math.sqrt(normal.variance)).toBeCloseTo(0.05, 3);
    const uniform = stats(randomUniform({ seed: 1 }).apply([100_000]));
    expect(uniform.min).toBeGreaterThanOrEqual(-0.05);
    expect(uniform.max).toBeLessThan(0.05);
    expect(uniform.variance).toBeCloseTo(0.1 ** 2 / 12, 5);
    const truncated = stats(truncatedNormal({ mean: 1, stddev: 0.1, seed: 1 }).apply([100_000]));
    expect(truncated.min).toBeGreaterThanOrEqual(0.8 - 1e-6);
    expect(truncated.max).toBeLessThanOrEqual(1.2 + 1e-6);
    expect(truncated.mean).toBeCloseTo(1, 3);
  });

  it('fills constants', () => {
    expect(Array.from(zeros().apply([2, 2]).dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones().apply([3]).dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(constant({ value: 0.5 }).apply([2]).dataSync())).toEqual([0.5, 0.5]);
    const ints = constant({ value: 7 }).apply([2], 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([7, 7]);
  });
});

describe('initializers: identity', () => {
  it('rejects what it cannot make, naming it', () => {
    expect(() => identity({ gian: 2 } as never)).toThrow(/identity: unknown option 'gian' \(did you mean 'gain'\?\)/);
    expect(() => identity({ gain: '2' } as never)).toThrow(ArgumentTypeError);
    expect(() => identity({ gain: Number.NaN })).toThrow(ValueError);
    // TensorFlow.js initializers_test.ts, Identity initializer '1D' (and Keras: "can only be used for 2D matrices").
    expect(() => getInitializer({ className: 'Identity', config: { gain: 5 } }).apply([4])).toThrow(/Identity.apply: .*expected a shape of 2 dimensions, got \[4\]/);
    expect(() => identity().apply([2, 2, 2])).toThrow(ValueError);
    expect(() => identity({ gain: 0.5 }).apply([2, 2], 'int32')).toThrow(/gain must be an integer for an int32 tensor/);
  });

  it("gives gain times the identity (Keras constant_initializers_test.py test_identity_initializer, TensorFlow.js '2D')", () => {
    // Keras: Identity(gain=2) on (3, 3) is np.eye(3) * 2; its config round-trips; 'IdentityInitializer' is an alias.
    const keras = identity({ gain: 2 });
    expect(Array.from(keras.apply([3, 3]).dataSync())).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
    expect(serializeInitializer(keras)).toEqual({ className: 'Identity', config: { gain: 2 } });
    expect(getInitializer(JSON.parse(JSON.stringify(serializeInitializer(keras)))).getConfig()).toEqual({ gain: 2 });
    expect(getInitializer('IdentityInitializer')).toBeInstanceOf(Identity);
    expect(getInitializer('Identity')).toBeInstanceOf(Identity);
    // TensorFlow.js: {className: 'Identity', config: {gain: 5}} on [2, 2] is [[5, 0], [0, 5]], float32.
    const tfjs = getInitializer({ className: 'Identity', config: { gain: 5 } }).apply([2, 2], 'float32');
    expect(tfjs.shape).toEqual([2, 2]);
    expect(tfjs.dtype).toBe('float32');
    expect(Array.from(tfjs.dataSync())).toEqual([5, 0, 0, 5]);
    // The default gain is 1, by name too; int32 works for an integer gain.
    expect(Array.from(getInitializer('identity').apply([2, 2]).dataSync())).toEqual([1, 0, 0, 1]);
    expect(Array.from(identity({ gain: 3 }).apply([2, 2], 'int32').dataSync())).toEqual([3, 0, 0, 3]);
  });

  it('puts the diagonal of the leading square in a non-square matrix, as Keras 3 (np.eye(rows, cols))', () => {
    expect(Array.from(identity().apply([2, 3]).dataSync())).toEqual([1, 0, 0, 0, 1, 0]);
    expect(Array.from(identity().apply([3, 2]).dataSync())).toEqual([1, 0, 0, 1, 0, 0]);
    expect(identity().apply([0, 3]).shape).toEqual([0, 3]);
  });
});

describe('initializers: orthogonal', () => {
  it('gives orthonormal columns (tall), rows (wide), times the gain (Gram matrices within 1e-5)', () => {
    expectIdentity(gram(orthogonal({ seed: 1 }).apply([50, 20]), true), 1, 1e-5);
    expectIdentity(gram(orthogonal({ seed: 2 }).apply([20, 50]), false), 1, 1e-5);
    expectIdentity(gram(orthogonal({ seed: 3 }).apply([16, 16]), true), 1, 1e-5);
    expectIdentity(gram(orthogonal({ seed: 4, gain: 2 }).apply([30, 10]), true), 4, 4e-5);
    // A convolution kernel is flattened to [3*3*4, 8].
    const conv = orthogonal({ seed: 5 }).apply([3, 3, 4, 8]);
    expect(conv.shape).toEqual([3, 3, 4, 8]);
    expectIdentity(gram(conv, true), 1, 1e-5);
  });

  it('is not a signed permutation of the identity (it is random)', () => {
    const q = orthogonal({ seed: 9 }).apply([8, 8]).dataSync();
    const large = Array.from(q).filter((v) => Math.abs(v) > 0.999).length;
    expect(large).toBe(0);
  });
});

describe('initializers: seeding through the project generator', () => {
  it('a seeded initializer returns the same values on every call; other seeds differ', () => {
    const init = heNormal({ seed: 42 });
    const a = Array.from(init.apply([10, 10]).dataSync());
    expect(Array.from(init.apply([10, 10]).dataSync())).toEqual(a);
    expect(Array.from(heNormal({ seed: 42 }).apply([10, 10]).dataSync())).toEqual(a);
    expect(Array.from(heNormal({ seed: 43 }).apply([10, 10]).dataSync())).not.toEqual(a);
  });

  it('without a seed, draws from the global generator (reproducible after dn.seed)', () => {
    const init = glorotUniform();
    seed(7);
    const first = Array.from(init.apply([4, 4]).dataSync());
    const second = Array.from(init.apply([4, 4]).dataSync());
    expect(second).not.toEqual(first);
    seed(7);
    expect(Array.from(init.apply([4, 4]).dataSync())).toEqual(first);
  });

  it('draws from a given generator, advancing it', () => {
    const init = randomNormal({ generator: new Generator(3) });
    const first = Array.from(init.apply([5]).dataSync());
    expect(Array.from(init.apply([5]).dataSync())).not.toEqual(first);
    expect(Array.from(randomNormal({ generator: new Generator(3) }).apply([5]).dataSync())).toEqual(first);
  });

  it('orthogonal is seeded too', () => {
    expect(Array.from(orthogonal({ seed: 1 }).apply([6, 4]).dataSync())).toEqual(Array.from(orthogonal({ seed: 1 }).apply([6, 4]).dataSync()));
  });
});

describe('initializers: by name and config', () => {
  it('finds every name and Keras class name; round-trips configs', () => {
    expect(INITIALIZER_NAMES).toEqual(expect.arrayContaining([
      'zeros', 'ones', 'constant', 'randomNormal', 'randomUniform', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal',
      'lecunNormal', 'orthogonal', 'identity',
    ]));
    expect(getInitializer('heNormal').className).toBe('HeNormal');
    expect(getInitializer('GlorotUniform').className).toBe('GlorotUniform');
    const object = orthogonal({ gain: 2, seed: 3 });
    expect(getInitializer(object)).toBe(object);
    for (const init of [glorotUniform({ seed: 1 }), randomUniform({ minval: -1, maxval: 2 }), constant({ value: 3 }), orthogonal({ gain: 2, seed: 3 }), zeros(),
      varianceScaling({ scale: 3, mode: 'fanAvg', distribution: 'uniform', seed: 4 })]) {
      const config = JSON.parse(JSON.stringify(serializeInitializer(init)));
      const rebuilt = getInitializer(config);
      expect(rebuilt.className).toBe(init.className);
      expect(rebuilt.getConfig()).toEqual(init.getConfig());
    }
    expect(serializeInitializer(glorotUniform({ seed: 5 }))).toEqual({ className: 'GlorotUniform', config: { seed: 5 } });
    expect(serializeInitializer(glorotUniform())).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    // A seeded config rebuilds the same weights.
    const rebuilt = deserializeInitializer(serializeInitializer(heUniform({ seed: 11 })));
    expect(Array.from(rebuilt.apply([3, 3]).dataSync())).toEqual(Array.from(heUniform({ seed: 11 }).apply([3, 3]).dataSync()));
  });
});
