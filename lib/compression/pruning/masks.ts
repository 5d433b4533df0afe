/**
 * Magnitude masks: which weights pruning keeps (1) and which it zeroes (0).
 *
 * Unstructured, as TensorFlow Model Optimization computes it: keep k = max(round(size * (1 - sparsity)),
 * 1) weights, those whose magnitude is at least the k-th largest (so ties at the threshold are all
 * kept). Structured N:M: in every group of M consecutive weights along the kernel's input axis (the
 * second to last: a Dense kernel's rows, a convolution's input channels), keep the N largest, as sparse
 * tensor hardware expects 2:4 groups along the reduction dimension.
 */

/** An N:M structure: keep `n` of every `m` consecutive weights along the input axis. */
export interface NOfM {
  readonly n: number;
  readonly m: number;
}

/** The unstructured magnitude mask of `weights` at `sparsity` (in [0, 1)). */
export function magnitudeMask(weights: Float32Array, sparsity: number): Float32Array {
  const size = weights.length;
  const mask = new Float32Array(size);
  if (size === 0) return mask;
  const keep = Math.max(Math.round(size * (1 - sparsity)), 1);
  const magnitudes = new Float32Array(size);
  for (let i = 0; i < size; i++) magnitudes[i] = Math.abs(weights[i]);
  magnitudes.sort();
  const threshold = magnitudes[size - keep];
  for (let i = 0; i < size; i++) mask[i] = Math.abs(weights[i]) >= threshold ? 1 : 0;
  return mask;
}

/**
 * The N:M mask of a kernel of `shape` (rank >= 2, its input axis divisible by m): in each group of m
 * weights along the input axis the n of largest magnitude are kept (the earlier one on a tie).
 */
export function nOfMMask(weights: Float32Array, shape: readonly number[], { n, m }: NOfM): Float32Array {
  const mask = new Float32Array(weights.length);
  const outer = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const inputs = shape[shape.length - 2];
  const outputs = shape[shape.length - 1];
  const order = new Array<number>(m);
  for (let block = 0; block < outer; block++) {
    const base = block * inputs * outputs;
    for (let o = 0; o < outputs; o++) {
      for (let start = 0; start < inputs; start += m) {
        for (let j = 0; j < m; j++) order[j] = base + (start + j) * outputs + o;
        // Stable: equal magnitudes keep their order, so the earlier weight wins a tie.
        order.sort((a, b) => Math.abs(weights[b]) - Math.abs(weights[a]) || a - b);
        for (let j = 0; j < n; j++) mask[order[j]] = 1;
      }
    }
  }
  return mask;
}

/** The fraction of zeros in `values` (0 for an empty array). */
export function zeroFraction(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  return zeros / values.length;
}
