/**
 * Dendrite's own seedable random number generator: xoshiro128** (Blackman & Vigna) over 32-bit
 * integer arithmetic, seeded through splitmix32. It uses only integer operations, `+ - * /`,
 * `Math.sqrt` and `Math.log` (V8's is an fdlibm port), so a seed gives the same numbers on every
 * run, platform and Node version — unlike `Math.random`, which cannot be seeded.
 */
import { randomBytes } from 'node:crypto';
import { checkInteger, checkNumber, typeError, valueError } from './validate.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

/** splitmix32 step: spreads a seed over the state so nearby seeds give unrelated streams. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A seed from the operating system, for generators created without one. */
function entropySeed(): number {
  return randomBytes(6).readUIntLE(0, 6);
}

/**
 * A seedable pseudo-random generator (xoshiro128**). Deterministic on every platform: the same
 * seed always yields the same sequence. Initializers, dropout and data shuffling draw from a
 * Generator — {@link random} (the global one) unless they are given their own.
 *
 * ```ts
 * const g = new dn.Generator(42);
 * g.uniform();          // a double in [0, 1)
 * g.normal(0, 1);       // a standard normal draw
 * g.shuffle([1, 2, 3]); // in place
 * ```
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The second value of the last polar-method pair, or NaN when none is waiting. */
  private spareNormal = Number.NaN;

  /** @param seed a safe integer; without one, the generator is seeded from the operating system. */
  constructor(seed?: number) {
    this.seed(seed === undefined ? entropySeed() : seed);
  }

  /** Restarts the sequence from `seed` (a safe integer, negative allowed). Returns this generator. */
  seed(seed: number): this {
    checkInteger('Generator.seed', 'seed', seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) | 0;
    let state = (low ^ Math.imul(high, 0x9e3779b1)) | 0;
    let out: number;
    [state, out] = splitmix32(state);
    this.s0 = out | 0;
    [state, out] = splitmix32(state ^ high);
    this.s1 = out | 0;
    [state, out] = splitmix32(state);
    this.s2 = out | 0;
    [state, out] = splitmix32(state);
    this.s3 = out | 0;
    // xoshiro's only forbidden state; splitmix32 makes it practically unreachable, but not provably.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = Number.NaN;
    return this;
  }

  /** The generator's full state, for checkpoints; restore it with {@link Generator.setState}. */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal];
  }

  /** Restores a state returned by {@link Generator.getState}. */
  setState(state: readonly number[]): this {
    if (!Array.isArray(state) || state.length !== 5) typeError('Generator.setState', 'state', 'an array from getState()', state);
    for (let i = 0; i < 4; i++) checkInteger('Generator.setState', `state[${i}]`, state[i], 0, TWO_POW_32 - 1);
    if (typeof state[4] !== 'number') typeError('Generator.setState', 'state[4]', 'a number', state[4]);
    if ((state[0] | state[1] | state[2] | state[3]) === 0) valueError('Generator.setState', 'state', 'not all zero', state);
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    this.spareNormal = state[4];
    return this;
  }

  /** A new generator seeded from this one: an independent stream that does not disturb this one's future. */
  fork(): Generator {
    const seed = (this.nextUint32() * 2097152 + (this.nextUint32() >>> 11)) % Number.MAX_SAFE_INTEGER;
    return new Generator(seed);
  }

  /** The next 32 random bits, as an integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);
    return result >>> 0;
  }

  /** A double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A double in [low, high). */
  uniform(low: number, high: number): number;
  uniform(low = 0, high = 1): number {
    const u = ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) * TWO_POW_MINUS_53;
    if (low === 0 && high === 1) return u;
    const value = low + (high - low) * u;
    return value < high ? value : low;
  }

  /** A float32-exact value in [0, 1): 24 random bits, so every value is representable in a Float32Array. */
  uniformFloat32(): number {
    return (this.nextUint32() >>> 8) * TWO_POW_MINUS_24;
  }

  /** A normal draw (Marsaglia's polar method, which needs only sqrt and log). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return mean + std * spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return mean + std * (u * factor);
  }

  /** An integer in [low, high), without modulo bias. `high - low` may be up to 2^32. */
  integer(low: number, high: number): number {
    const range = high - low;
    if (range <= 0) return low;
    if (range > TWO_POW_32) valueError('Generator.integer', 'high - low', 'at most 2^32', range);
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return low + (x % range);
  }

  /** Fills `array` with uniform values in [low, high) and returns it. */
  fillUniform<T extends Float32Array | Float64Array | number[]>(array: T, low = 0, high = 1): T {
    checkFillRange('fillUniform', low, high);
    const float32 = array instanceof Float32Array;
    const scale = high - low;
    for (let i = 0; i < array.length; i++) {
      let value: number;
      do {
        value = float32 ? Math.fround(low + scale * this.uniformFloat32()) : low + scale * this.uniform();
      } while (value >= high && scale > 0);
      array[i] = value;
    }
    return array;
  }

  /** Fills `array` with normal draws and returns it. */
  fillNormal<T extends Float32Array | Float64Array | number[]>(array: T, mean = 0, std = 1): T {
    checkNumber('fillNormal', 'mean', mean);
    checkNumber('fillNormal', 'std', std);
    for (let i = 0; i < array.length; i++) array[i] = this.normal(mean, std);
    return array;
  }

  /**
   * Fills `array` with normal draws, redrawing any that fall more than two standard deviations
   * from the mean (the truncated normal of Keras and TensorFlow.js initializers).
   */
  fillTruncatedNormal<T extends Float32Array | Float64Array | number[]>(array: T, mean = 0, std = 1): T {
    checkNumber('fillTruncatedNormal', 'mean', mean);
    checkNumber('fillTruncatedNormal', 'std', std);
    for (let i = 0; i < array.length; i++) {
      let z: number;
      do z = this.normal();
      while (z < -2 || z > 2);
      array[i] = mean + std * z;
    }
    return array;
  }

  /** Fills `array` with integers in [low, high) and returns it. */
  fillIntegers<T extends Int32Array | number[]>(array: T, low: number, high: number): T {
    checkInteger('fillIntegers', 'low', low, -(2 ** 31), 2 ** 31 - 1);
    checkInteger('fillIntegers', 'high', high, low + 1, 2 ** 31);
    for (let i = 0; i < array.length; i++) array[i] = this.integer(low, high);
    return array;
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const held = array[i];
      array[i] = array[j];
      array[j] = held;
    }
    return array;
  }

  /** A random permutation of 0 .. n-1. */
  permutation(n: number): Int32Array {
    checkInteger('permutation', 'n', n, 0, 2 ** 31 - 1);
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) indices[i] = i;
    return this.shuffle(indices);
  }
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

function checkFillRange(where: string, low: number, high: number): void {
  checkNumber(where, 'low', low);
  checkNumber(where, 'high', high);
  if (!(high >= low)) valueError(where, 'high', `>= low (${low})`, high);
}

/**
 * The global generator: `dn.rand`, `dn.randn`, initializers and shuffling draw from it unless
 * given a `seed` or a `generator`. Seeded from the operating system until {@link seed} is called.
 */
export const random = new Generator();

/** Seeds the global generator so every random draw that follows is reproducible. */
export function seed(value: number): void {
  checkInteger('seed', 'seed', value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  random.seed(value);
}

/**
 * The generator a random op should use: its own from `seed`, the given `generator`, else the
 * global one. Both at once is an error.
 */
export function pickGenerator(where: string, options: { seed?: unknown; generator?: unknown }): Generator {
  if (options.seed !== undefined && options.generator !== undefined) {
    valueError(where, 'options', 'either seed or generator, not both', options);
  }
  if (options.seed !== undefined) {
    return new Generator(checkInteger(where, 'seed', options.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  }
  if (options.generator !== undefined) {
    if (!(options.generator instanceof Generator)) typeError(where, 'generator', 'a dn.Generator', options.generator);
    return options.generator;
  }
  return random;
}
