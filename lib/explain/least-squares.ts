/**
 * Weighted linear least squares in float64, for the surrogate models of KernelSHAP and LIME
 * (a handful to a few dozen features: normal equations solved by Gaussian elimination suffice).
 */

/**
 * Coefficients c minimising Σ_r w_r (y_r − Σ_j X[r, j] c_j)² + ridge · Σ_j c_j², with X row-major
 * [rows, columns]. A ridge of 0 on a singular problem leaves the unresolved directions at 0.
 */
export function weightedLeastSquares(
  features: Float64Array, targets: Float64Array, weights: Float64Array, columns: number, ridge = 0,
): Float64Array {
  const rows = targets.length;
  const a = new Float64Array(columns * columns);
  const b = new Float64Array(columns);
  for (let r = 0; r < rows; r++) {
    const w = weights[r];
    if (w === 0) continue;
    const row = r * columns;
    for (let i = 0; i < columns; i++) {
      const wi = w * features[row + i];
      if (wi === 0) continue;
      b[i] += wi * targets[r];
      for (let j = i; j < columns; j++) a[i * columns + j] += wi * features[row + j];
    }
  }
  for (let i = 0; i < columns; i++) {
    a[i * columns + i] += ridge;
    for (let j = 0; j < i; j++) a[i * columns + j] = a[j * columns + i];
  }
  return solve(a, b, columns);
}

/** Solves A c = b (A square, n × n) by Gaussian elimination with partial pivoting; A and b are overwritten. */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  const tiny = scale * 1e-12;
  const pivotOf = new Int32Array(n).fill(-1);
  for (let column = 0, row = 0; column < n && row < n; column++) {
    let best = row;
    for (let r = row + 1; r < n; r++) if (Math.abs(a[r * n + column]) > Math.abs(a[best * n + column])) best = r;
    if (Math.abs(a[best * n + column]) <= tiny) continue;
    if (best !== row) {
      for (let j = 0; j < n; j++) [a[row * n + j], a[best * n + j]] = [a[best * n + j], a[row * n + j]];
      [b[row], b[best]] = [b[best], b[row]];
    }
    for (let r = 0; r < n; r++) {
      if (r === row) continue;
      const factor = a[r * n + column] / a[row * n + column];
      if (factor === 0) continue;
      for (let j = column; j < n; j++) a[r * n + j] -= factor * a[row * n + j];
      b[r] -= factor * b[row];
    }
    pivotOf[column] = row++;
  }
  const solution = new Float64Array(n);
  for (let column = 0; column < n; column++) {
    const row = pivotOf[column];
    if (row >= 0) solution[column] = b[row] / a[row * n + column];
  }
  return solution;
}
