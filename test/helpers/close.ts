/** Element-wise comparison with one absolute tolerance, reporting the worst difference. */
import { expect } from 'vitest';

/** Same length, and max |actual[i] - expected[i]| <= tolerance. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}
