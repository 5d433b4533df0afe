import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';
import { expectClose } from '../helpers/close.js';

describe('atan2: should throw', () => {
  it('names the argument, and refuses shapes that do not broadcast', () => {
    expect(() => dn.atan2('y' as never, dn.ones([2]))).toThrow(/atan2/);
    expect(() => dn.atan2(dn.ones([2, 3]), dn.ones([4]))).toThrow(dn.ShapeError);
    expect(() => dn.atan2(dn.tensor([1], [1], 'int32'), dn.ones([1]))).toThrow(/atan2/);
  });
});

describe('atan2', () => {
  it("is C's atan2 in every quadrant, on the axes, at signed zeros and infinities", () => {
    const y = [1, 1, -1, -1, 0, -0, 0, -0, 1, -1, Infinity, -Infinity, Infinity, Infinity, 3, 1e-30, NaN, 2];
    const x = [1, -1, -1, 1, -1, -1, 0, 0, 0, 0, Infinity, Infinity, -Infinity, 2, Infinity, -5, 1, NaN];
    const got = dn.atan2(dn.tensor(y), dn.tensor(x)).dataSync();
    const want = y.map((v, i) => Math.fround(Math.atan2(v, x[i])));
    for (let i = 0; i < y.length; i++) {
      if (Number.isNaN(want[i])) expect(got[i], `atan2(${y[i]}, ${x[i]})`).toBeNaN();
      else expect(Math.abs(got[i] - want[i]), `atan2(${y[i]}, ${x[i]}) = ${got[i]}`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(want[i])));
      if (want[i] === 0) expect(Object.is(got[i], want[i]), `sign of atan2(${y[i]}, ${x[i]})`).toBe(true);
    }
  });

  it('broadcasts (tf.atan2(a, b)) and matches Math.atan2 over random points', () => {
    const a = randomTensor([3, 1, 5], { seed: 1 });
    const b = randomTensor([4, 1], { seed: 2 });
    const out = dn.atan2(a, b);
    expect(out.shape).toEqual([3, 4, 5]);
    const av = a.dataSync(), bv = b.dataSync();
    const want: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) want.push(Math.atan2(av[i * 5 + k], bv[j]));
    expectClose(out.dataSync(), want, 1e-6);
  });

  it('gradient: b / (a^2 + b^2) and -a / (a^2 + b^2) (finite differences), summed over broadcast axes', () => {
    gradcheck(dn.atan2, [randomTensor([3, 4], { seed: 5 }), randomTensor([3, 4], { seed: 6 })]);
    gradcheck(dn.atan2, [randomTensor([2, 3], { seed: 7 }), randomTensor([3], { seed: 8 })]);
  });
});
