// Raw binding of the reductions: reduce (sum/mean/max/min over the middle axis of [outer, axis, inner]),
// argmax, columnSum. Bad arguments first; then the scalar reference against double-precision sums, and
// every ISA the CPU has against the scalar reference.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const isas = binding.backendInfo().isas;
const startIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(startIsa));
const ops = binding.opCodes.reduce;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function onIsa<T>(isa: string, run: () => T): T {
  binding.setIsa(isa);
  try {
    return run();
  } finally {
    binding.setIsa(startIsa);
  }
}

/** Within rel * (scale + |want|); NaN only matches NaN. */
function close(got: number, want: number, rel: number, scale: number): boolean {
  return Number.isNaN(want) ? Number.isNaN(got) : Math.abs(got - want) <= rel * (scale + Math.abs(want));
}

type Shape = [outer: number, axis: number, inner: number];
const SHAPES: Shape[] = [
  [1, 1, 1], [3, 0, 2], [0, 4, 3], [2, 1, 5], [1, 15, 1], [2, 16, 1], [3, 17, 1], [1, 33, 1], [2, 7, 15], [1, 9, 16],
  [2, 5, 17], [1, 3, 33], [2, 40, 65], [1, 1000, 1], [1, 300, 3], [4, 2, 100], [1, 513, 31],
];

/** Double-precision reductions of x viewed as [outer, axis, inner]. */
function reduceDouble(op: string, x: Float32Array, [outer, axis, inner]: Shape): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let sum = 0, max = -Infinity, min = Infinity, nan = false;
      for (let a = 0; a < axis; a++) {
        const v = x[(o * axis + a) * inner + i];
        sum += v;
        nan ||= Number.isNaN(v);
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      out[o * inner + i] = op === 'sum' ? sum : op === 'mean' ? sum / axis : nan ? NaN : op === 'max' ? max : min;
    }
  }
  return out;
}

describe('reduction bindings: bad arguments', () => {
  const f = (n: number) => new Float32Array(n);
  it('reduce checks the op, types, sizes and lengths', () => {
    const reduce = binding.reduce as (...a: unknown[]) => void;
    expect(() => reduce('sum', f(6), 1, 6, 1, f(1))).toThrow(ArgumentTypeError);
    expect(() => reduce(ops.sum, [1, 2], 1, 2, 1, f(1))).toThrow(/reduce: x must be a Float32Array, got an array/);
    expect(() => reduce(ops.sum, f(6), 1, 6, 1, new Int32Array(1))).toThrow(ArgumentTypeError);
    expect(() => binding.reduce(4, f(6), 1, 6, 1, f(1))).toThrow(/reduce: op must be an integer from 0 to 3, got 4/);
    expect(() => binding.reduce(ops.sum, f(5), 1, 6, 1, f(1))).toThrow(/reduce: x needs at least 6 elements, got 5/);
    expect(() => binding.reduce(ops.sum, f(12), 2, 3, 2, f(3))).toThrow(/reduce: out needs at least 4 elements, got 3/);
    expect(() => binding.reduce(ops.max, f(0), 2, 0, 2, f(4))).toThrow(/axis must be at least 1 for max/);
    expect(() => binding.reduce(ops.min, f(0), 2, 0, 2, f(4))).toThrow(ValueError);
    expect(() => binding.reduce(ops.sum, f(6), 2 ** 30, 2 ** 20, 2 ** 20, f(1))).toThrow(/must be at most/);
    expect(() => binding.reduce(ops.sum, f(6), 1, -1, 1, f(1))).toThrow(ValueError);
  });

  it('argmax and columnSum check types, sizes and lengths', () => {
    expect(() => (binding.argmax as (...a: unknown[]) => void)(f(6), 1, 6, 1, f(1))).toThrow(/argmax: out must be a Int32Array/);
    expect(() => binding.argmax(f(6), 1, 6, 1, new Int32Array(0))).toThrow(/out needs at least 1 elements/);
    expect(() => binding.argmax(f(0), 2, 0, 1, new Int32Array(2))).toThrow(/axis must be at least 1/);
    expect(() => binding.argmax(f(6), 1, 2 ** 31, 1, new Int32Array(1))).toThrow(/axis must be an integer from 0 to 2147483647/);
    expect(() => (binding.columnSum as (...a: unknown[]) => void)(f(6), 2, 3, f(3), 1)).toThrow(/columnSum: accumulate must be a boolean/);
    expect(() => binding.columnSum(f(6), 2, 3, f(2), false)).toThrow(/columnSum: out needs at least 3 elements, got 2/);
    expect(() => binding.columnSum(f(5), 2, 3, f(3), false)).toThrow(ValueError);
  });

  it('accepts empty inputs: a sum over nothing is 0, a mean NaN', () => {
    const out = Float32Array.from([7, 7]);
    binding.reduce(ops.sum, f(0), 1, 0, 2, out);
    expect([...out]).toEqual([0, 0]);
    binding.reduce(ops.mean, f(0), 1, 0, 2, out);
    expect(out.every(Number.isNaN)).toBe(true);
    binding.argmax(f(0), 0, 3, 4, new Int32Array(0));
    const sums = Float32Array.from([1, 2]);
    binding.columnSum(f(0), 0, 2, sums, true);
    expect([...sums]).toEqual([1, 2]);
  });
});

describe('reduce', () => {
  it('scalar reference matches double sums (pairwise float) and exact extremes', () => {
    onIsa('scalar', () => {
      const next = random(1);
      for (const shape of SHAPES) {
        const [outer, axis, inner] = shape;
        const x = Float32Array.from({ length: outer * axis * inner }, () => next() * 20 - 10);
        for (const [op, code] of Object.entries(ops)) {
          if ((op === 'max' || op === 'min') && axis === 0) continue;
          const out = new Float32Array(outer * inner);
          binding.reduce(code, x, outer, axis, inner, out);
          const want = reduceDouble(op, x, shape);
          for (let k = 0; k < out.length; k++) {
            // Tolerance: pairwise float sums of |x| <= 10: 1e-6 * (10 + axis) relative; extremes exact.
            const ok = op === 'max' || op === 'min' ? out[k] === want[k] : close(out[k], want[k], 1e-6, 10 + axis);
            if (!ok) expect.fail(`${op} [${shape}] index ${k}: got ${out[k]}, want ${want[k]}`);
          }
        }
      }
    });
  });

  it('every ISA matches the scalar reference (bitwise where it vectorises across inner)', () => {
    const next = random(2);
    for (const shape of SHAPES) {
      const [outer, axis, inner] = shape;
      const x = Float32Array.from({ length: outer * axis * inner }, () => next() * 20 - 10);
      for (const [op, code] of Object.entries(ops)) {
        if ((op === 'max' || op === 'min') && axis === 0) continue;
        const want = new Float32Array(outer * inner);
        onIsa('scalar', () => binding.reduce(code, x, outer, axis, inner, want));
        for (const isa of isas) {
          onIsa(isa, () => {
            const got = new Float32Array(outer * inner).fill(-7);
            binding.reduce(code, x, outer, axis, inner, got);
            for (let k = 0; k < got.length; k++) {
              // inner > 1 sums each column in the reference's pairwise order: bitwise equal; a contiguous axis
              // (inner == 1) sums lane-parallel: within 1e-6 * (10 + axis).
              const exact = inner > 1 || op === 'max' || op === 'min';
              const ok = exact ? Object.is(got[k], want[k]) || got[k] === want[k] : close(got[k], want[k], 1e-6, 10 + axis);
              if (!ok) expect.fail(`${isa} ${op} [${shape}] index ${k}: got ${got[k]}, want ${want[k]}`);
            }
          });
        }
      }
    }
  });

  it('max and min propagate NaN on every ISA', () => {
    for (const isa of isas) {
      onIsa(isa, () => {
        for (const n of [1, 5, 16, 17, 40]) {
          for (const at of [0, n - 1, Math.floor(n / 2)]) {
            const row = Float32Array.from({ length: n }, (_, i) => i);
            row[at] = NaN;
            const out = new Float32Array(1);
            binding.reduce(ops.max, row, 1, n, 1, out);
            expect(out[0], `${isa} max n ${n} NaN at ${at}`).toBeNaN();
            binding.reduce(ops.min, row, 1, n, 1, out);
            expect(out[0], `${isa} min n ${n} NaN at ${at}`).toBeNaN();
            // The same column strided: [1, n, 3] with the NaN in column 1 only.
            const strided = new Float32Array(n * 3).map((_, k) => k);
            strided[at * 3 + 1] = NaN;
            const three = new Float32Array(3);
            binding.reduce(ops.max, strided, 1, n, 3, three);
            expect([Number.isNaN(three[0]), Number.isNaN(three[1]), Number.isNaN(three[2])]).toEqual([false, true, false]);
          }
        }
      });
    }
  });
});

describe('argmax', () => {
  /** First index of the maximum; the first NaN wins. */
  function argmaxDouble(x: Float32Array, [outer, axis, inner]: Shape): Int32Array {
    const out = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let a = 0; a < axis; a++) {
          const v = x[(o * axis + a) * inner + i];
          if (Number.isNaN(v)) {
            best = a;
            break;
          }
          if (v > x[(o * axis + best) * inner + i]) best = a;
        }
        out[o * inner + i] = best;
      }
    }
    return out;
  }

  it('takes the first maximum (ties, NaN, -inf) on every ISA', () => {
    const next = random(3);
    for (const shape of SHAPES) {
      const [outer, axis, inner] = shape;
      if (axis === 0) continue;
      for (const variant of ['ties', 'nan', 'minusInfinity']) {
        // Few distinct values, so ties are common.
        const x = Float32Array.from({ length: outer * axis * inner }, () => Math.floor(next() * 4));
        if (variant === 'nan') for (let k = 0; k < x.length; k += 7) x[k] = NaN;
        if (variant === 'minusInfinity') x.fill(-Infinity);
        const want = argmaxDouble(x, shape);
        for (const isa of isas) {
          onIsa(isa, () => {
            const got = new Int32Array(want.length).fill(-1);
            binding.argmax(x, outer, axis, inner, got);
            expect(got, `${isa} ${variant} [${shape}]`).toEqual(want);
          });
        }
      }
    }
  });
});

describe('columnSum', () => {
  it('matches double column sums, accumulates, and every ISA matches the reference', () => {
    const next = random(4);
    for (const rows of [0, 1, 3, 16, 17, 100]) {
      for (const cols of [1, 2, 15, 16, 17, 33, 130]) {
        const x = Float32Array.from({ length: rows * cols }, () => next() * 2 - 1);
        const start = Float32Array.from({ length: cols }, () => next() * 2 - 1);
        const want = new Float32Array(cols);
        onIsa('scalar', () => binding.columnSum(x, rows, cols, want, false));
        for (let c = 0; c < cols; c++) {
          let sum = 0;
          for (let r = 0; r < rows; r++) sum += x[r * cols + c];
          // Tolerance: 1e-6 * (1 + rows).
          expect(close(want[c], sum, 1e-6, 1 + rows), `rows ${rows} cols ${cols} column ${c}`).toBe(true);
        }
        for (const isa of isas) {
          onIsa(isa, () => {
            const got = new Float32Array(cols).fill(5);
            const accumulated = start.slice();
            binding.columnSum(x, rows, cols, got, false);
            binding.columnSum(x, rows, cols, accumulated, true);
            for (let c = 0; c < cols; c++) {
              // cols > 1: the reference's order, bitwise; cols == 1 is a contiguous lane-parallel sum.
              const ok = cols > 1 ? got[c] === want[c] : close(got[c], want[c], 1e-6, 1 + rows);
              if (!ok) expect.fail(`${isa} rows ${rows} cols ${cols} column ${c}: got ${got[c]}, want ${want[c]}`);
              expect(accumulated[c]).toBe(Math.fround(start[c] + got[c]));
            }
          });
        }
      }
    }
  });
});
