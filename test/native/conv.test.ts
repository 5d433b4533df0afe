import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const unary = binding.opCodes.unary;
const pool = binding.opCodes.pool;
const isas = binding.backendInfo().isas;
const initial = binding.backendInfo();

afterAll(() => {
  binding.setIsa(initial.isa);
  binding.setNumThreads(initial.threads);
});

/** A geometry from sizes; the output size follows from the padded input. */
function geometry(o: { n: number; h: number; w: number; c: number; oc: number; kh: number; kw: number; s?: number[]; d?: number[]; p?: number[]; g?: number }): Int32Array {
  const [sh, sw] = o.s ?? [1, 1];
  const [dh, dw] = o.d ?? [1, 1];
  const [pt, pb, pl, pr] = o.p ?? [0, 0, 0, 0];
  const oh = Math.floor((o.h + pt + pb - ((o.kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((o.w + pl + pr - ((o.kw - 1) * dw + 1)) / sw) + 1;
  return Int32Array.of(o.n, o.h, o.w, o.c, oh, ow, o.oc, o.kh, o.kw, sh, sw, dh, dw, pt, pb, pl, pr, o.g ?? 1);
}

function random(n: number, seed: number): Float32Array {
  const values = new Float32Array(n);
  let state = seed;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    values[i] = (state >>> 8) / 2 ** 23 - 1;
  }
  return values;
}

const g0 = geometry({ n: 2, h: 5, w: 5, c: 3, oc: 4, kh: 3, kw: 3, p: [1, 1, 1, 1] });
const size = (g: Int32Array) => ({ x: g[0] * g[1] * g[2] * g[3], y: g[0] * g[4] * g[5] * g[6], f: g[7] * g[8] * (g[3] / g[17]) * g[6] });

describe('conv2d bindings: bad arguments', () => {
  const s = size(g0);
  const x = new Float32Array(s.x);
  const f = new Float32Array(s.f);
  const y = new Float32Array(s.y);
  const conv = binding.conv2d as (...a: unknown[]) => void;

  it('accepts the valid baseline call', () => {
    expect(() => binding.conv2d(g0, x, f, y, null, null, null, unary.linear, 0)).not.toThrow();
  });

  it('rejects wrong types and counts with ArgumentTypeError', () => {
    expect(() => conv(g0, x, f, y)).toThrow(ArgumentTypeError);
    expect(() => conv([...g0], x, f, y, null, null, null, 0, 0)).toThrow(/conv2d: geometry must be an Int32Array/);
    expect(() => conv(g0, new Float64Array(s.x), f, y, null, null, null, 0, 0)).toThrow(/conv2d: x must be a Float32Array/);
    expect(() => conv(g0, x, f, y, new Int32Array(4), null, null, 0, 0)).toThrow(/bias must be a Float32Array/);
    expect(() => conv(g0, x, f, y, null, null, null, 'relu', 0)).toThrow(ArgumentTypeError);
  });

  it('rejects short buffers and inconsistent geometries with ValueError', () => {
    expect(() => binding.conv2d(g0, x.subarray(1), f, y, null, null, null, 0, 0)).toThrow(/conv2d: x needs at least 150 elements, got 149/);
    expect(() => binding.conv2d(g0, x, f, y.subarray(1), null, null, null, 0, 0)).toThrow(/y needs at least/);
    expect(() => binding.conv2d(g0, x, f.subarray(1), y, null, null, null, 0, 0)).toThrow(/filter needs at least/);
    expect(() => binding.conv2d(g0, x, f, y, new Float32Array(3), null, null, 0, 0)).toThrow(/bias needs at least 4/);
    expect(() => binding.conv2d(g0, x, f, y, null, new Float32Array(4), null, 0, 0)).toThrow(/scale and shift must be given together/);
    const wrongOut = g0.slice();
    wrongOut[4] = 6;
    expect(() => binding.conv2d(wrongOut, x, f, new Float32Array(1000), null, null, null, 0, 0)).toThrow(/the padded input gives an output of 5 x 5, got outH 6/);
    const zeroStride = g0.slice();
    zeroStride[9] = 0;
    expect(() => binding.conv2d(zeroStride, x, f, y, null, null, null, 0, 0)).toThrow(/strideH must be at least 1, got 0/);
    const groups = g0.slice();
    groups[17] = 2;
    expect(() => binding.conv2d(groups, x, f, y, null, null, null, 0, 0)).toThrow(/must be multiples of groups/);
    const big = g0.slice();
    big[7] = 9;
    expect(() => binding.conv2d(big, x, new Float32Array(1000), y, null, null, null, 0, 0)).toThrow(/larger than the padded input/);
    expect(() => binding.conv2d(g0.subarray(1), x, f, y, null, null, null, 0, 0)).toThrow(ValueError);
    const huge = Int32Array.of(2 ** 30, 2 ** 30, 2 ** 30, 1, 2 ** 30, 2 ** 30, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1);
    expect(() => binding.conv2d(huge, x, f, y, null, null, null, 0, 0)).toThrow(/would hold more than/);
    expect(() => binding.conv2dBackwardFilter(g0, x, y, f, 1 as never)).toThrow(ArgumentTypeError);
    expect(() => binding.conv2dBackwardData(g0, y, f, x.subarray(2), null, null, null, 0, 0)).toThrow(/dx needs at least/);
  });

  it('rejects bad pooling and normalization calls', () => {
    const pg = Int32Array.of(1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0);
    const px = new Float32Array(32);
    const py = new Float32Array(8);
    expect(() => binding.pool2d(pool.max, pg, px, py, new Int32Array(8))).not.toThrow();
    expect(() => binding.pool2d(pool.avg, pg, px, py, new Int32Array(8))).toThrow(/argmax is for max pooling only/);
    expect(() => binding.pool2d(7, pg, px, py, null)).toThrow(/kind must be an integer from 0 to 1/);
    expect(() => binding.pool2dBackward(pool.max, pg, py, null, px)).toThrow(/argmax \(from pool2d\) is required/);
    const padded = pg.slice();
    padded[10] = 2;
    expect(() => binding.pool2d(pool.max, padded, px, py, null)).toThrow(/each padding must be smaller than the window/);
    const wrong = pg.slice();
    wrong[4] = 3;
    expect(() => binding.pool2d(pool.max, wrong, px, new Float32Array(12), null)).toThrow(/gives an output of 2 x 2/);
    expect(() => binding.batchNormStatistics(px, 17, 2, new Float32Array(2), new Float32Array(2))).toThrow(/x needs at least 34/);
    expect(() => binding.channelAffine(px, 16, 2, new Float32Array(1), new Float32Array(2), px)).toThrow(/scale needs at least 2/);
    expect(() => binding.batchNormBackward(px, px, 16, 2, new Float32Array(2), new Float32Array(2), null, null, new Float32Array(1), new Float32Array(2))).toThrow(/sumDy needs at least 2/);
  });
});

describe('conv2d bindings: every ISA against the reference', () => {
  const geometries = [
    geometry({ n: 3, h: 12, w: 11, c: 16, oc: 20, kh: 3, kw: 3, p: [1, 1, 1, 1] }),
    geometry({ n: 2, h: 13, w: 9, c: 5, oc: 33, kh: 5, kw: 3, s: [2, 2], p: [2, 2, 1, 1] }),
    geometry({ n: 1, h: 10, w: 10, c: 12, oc: 12, kh: 3, kw: 3, d: [2, 2], p: [2, 2, 2, 2], g: 12 }),
    geometry({ n: 4, h: 6, w: 6, c: 40, oc: 17, kh: 1, kw: 1 }),
  ];

  function run(g: Int32Array) {
    const s = size(g);
    const x = random(s.x, 1);
    const f = random(s.f, 2);
    const dy = random(s.y, 3);
    const bias = random(g[6], 4);
    const y = new Float32Array(s.y);
    const dx = new Float32Array(s.x);
    const df = new Float32Array(s.f);
    binding.conv2d(g, x, f, y, bias, null, null, unary.relu, 0);
    binding.conv2dBackwardData(g, dy, f, dx, null, null, null, unary.linear, 0);
    binding.conv2dBackwardFilter(g, x, dy, df, false);
    return { y, dx, df };
  }

  it('gives the scalar results within rounding, and the same bits on 1 and 2 threads', () => {
    binding.setIsa('scalar');
    const expected = geometries.map(run);
    for (const isa of isas) {
      binding.setIsa(isa);
      geometries.forEach((g, index) => {
        binding.setNumThreads(1);
        const one = run(g);
        binding.setNumThreads(2);
        const two = run(g);
        for (const key of ['y', 'dx', 'df'] as const) {
          expect(Buffer.from(two[key].buffer).equals(Buffer.from(one[key].buffer)), `${isa} ${key} geometry ${index}: 1 vs 2 threads`).toBe(true);
          const want = expected[index][key];
          let worst = 0;
          one[key].forEach((v, i) => { worst = Math.max(worst, Math.abs(v - want[i]) / (1 + Math.abs(want[i]))); });
          expect(worst, `${isa} ${key} geometry ${index}`).toBeLessThan(1e-4);
        }
      });
    }
  });
});
