/**
 * Brute-force CTC for tests: every alignment (path of classes over the steps) of tiny inputs enumerated,
 * collapsed (repeats merged, blanks dropped) and its probability added to its labelling's.
 */

/** log-softmax of each row of `logits` ([steps, classes] flattened), in float64. */
export function logSoftmaxRows(logits: ArrayLike<number>, steps: number, classes: number): Float64Array {
  const out = new Float64Array(steps * classes);
  for (let t = 0; t < steps; t++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[t * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[t * classes + c] - max);
    for (let c = 0; c < classes; c++) out[t * classes + c] = logits[t * classes + c] - max - Math.log(sum);
  }
  return out;
}

/** The labelling of an alignment: adjacent repeats merged, then blanks removed. */
export function collapse(path: readonly number[], blank: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < path.length; t++) if (path[t] !== blank && (t === 0 || path[t] !== path[t - 1])) out.push(path[t]);
  return out;
}

/** Calls visit(path, probability) for every alignment of the first `steps` rows of `logits` [time, classes]. */
export function forEachAlignment(
  logits: ArrayLike<number>, steps: number, classes: number, visit: (path: number[], probability: number) => void,
): void {
  const lp = logSoftmaxRows(logits, steps, classes);
  const path = new Array<number>(steps).fill(0);
  const count = classes ** steps;
  for (let index = 0; index < count; index++) {
    let rest = index;
    let logP = 0;
    for (let t = 0; t < steps; t++) {
      path[t] = rest % classes;
      rest = Math.floor(rest / classes);
      logP += lp[t * classes + path[t]];
    }
    visit(path, Math.exp(logP));
  }
}

/** -log p(labels) and its gradient with respect to the logits ([time, classes], zero past `steps`). */
export function bruteForceCtc(
  logits: ArrayLike<number>, time: number, steps: number, classes: number, labels: readonly number[], blank: number,
): { loss: number; grad: Float64Array } {
  const occupancy = new Float64Array(time * classes);
  let total = 0;
  const key = labels.join(',');
  forEachAlignment(logits, steps, classes, (path, p) => {
    if (collapse(path, blank).join(',') !== key) return;
    total += p;
    for (let t = 0; t < steps; t++) occupancy[t * classes + path[t]] += p;
  });
  const lp = logSoftmaxRows(logits, steps, classes);
  const grad = new Float64Array(time * classes);
  for (let i = 0; i < steps * classes; i++) grad[i] = Math.exp(lp[i]) - occupancy[i] / total;
  return { loss: -Math.log(total), grad };
}

/** The probability of every labelling of the first `steps` rows, by labelling ('1,2'). */
export function labellingProbabilities(logits: ArrayLike<number>, steps: number, classes: number, blank: number): Map<string, number> {
  const result = new Map<string, number>();
  forEachAlignment(logits, steps, classes, (path, p) => {
    const key = collapse(path, blank).join(',');
    result.set(key, (result.get(key) ?? 0) + p);
  });
  return result;
}
