// Raw binding of the loss kernels: softmax, softmaxGrad, softmaxCrossEntropy, sigmoidCrossEntropy,
// regressionLoss. Bad arguments first; then the scalar reference against double-precision formulas, and
// every ISA the CPU has against the scalar reference.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const isas = binding.backendInfo().isas;
const startIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(startIsa));
const loss = binding.opCodes.loss;

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

/** Every element within abs + rel * |want|; NaN only matches NaN, infinities only themselves. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= abs + rel * Math.abs(w);
    if (!ok) expect.fail(`${label}: index ${i}: got ${g}, want ${w} (tolerance ${abs} + ${rel} * |want|)`);
  }
}

function onIsa<T>(isa: string, run: () => T): T {
  binding.setIsa(isa);
  try {
    return run();
  } finally {
    binding.setIsa(startIsa);
  }
}

const COLUMNS = [1, 2, 7, 8, 15, 16, 17, 31, 33, 100];
/** Logits: 0 plain in [-6, 6); 1 large (+-1.2e4: exp overflows without the max shift); 2 with -inf entries. */
function logits(next: () => number, rows: number, cols: number, variant: number): Float32Array {
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (next() * 12 - 6) * (variant === 1 ? 2000 : 1);
  if (variant === 2) {
    for (let i = 0; i < x.length; i += 3) x[i] = -Infinity;
    for (let r = 0; r < rows; r++) x[r * cols + cols - 1] = 1;
  }
  return x;
}

function softmaxDouble(x: Float32Array, rows: number, cols: number, log: boolean): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity, sum = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
    for (let c = 0; c < cols; c++) {
      const shifted = x[r * cols + c] - max;
      y[r * cols + c] = log ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
    }
  }
  return y;
}

describe('loss bindings: bad arguments', () => {
  const f = (n: number) => new Float32Array(n);
  it('softmax / softmaxGrad check types and lengths', () => {
    const softmax = binding.softmax as (...a: unknown[]) => void;
    expect(() => softmax([1, 2], f(2), 1, 2, false)).toThrow(ArgumentTypeError);
    expect(() => softmax(f(2), f(2), 1, 2, 0)).toThrow(/softmax: log must be a boolean/);
    expect(() => softmax(f(2), f(2), 1, 2)).toThrow(ArgumentTypeError);
    expect(() => binding.softmax(f(6), f(5), 2, 3, false)).toThrow(/softmax: y needs at least 6 elements, got 5/);
    expect(() => binding.softmax(f(6), f(6), 2, -3, false)).toThrow(ValueError);
    expect(() => binding.softmax(f(6), f(6), 2 ** 30, 2 ** 30, false)).toThrow(/rows \* cols must be at most/);
    expect(() => binding.softmaxGrad(f(6), f(5), f(6), 2, 3, true)).toThrow(/softmaxGrad: dy needs at least 6/);
    expect(() => (binding.softmaxGrad as (...a: unknown[]) => void)(f(6), f(6), new Float64Array(6), 2, 3, true)).toThrow(ArgumentTypeError);
  });

  it('softmaxCrossEntropy checks targets, labels and sizes', () => {
    const sce = binding.softmaxCrossEntropy as (...a: unknown[]) => void;
    const labels = Int32Array.from([0, 3, 1]);
    expect(() => sce(f(12), f(3), null, 3, 4, f(3), null, 1)).toThrow(ArgumentTypeError);
    expect(() => sce(f(12), [0, 1, 2], null, 3, 4, f(3), null, 1)).toThrow(/labels must be a Int32Array/);
    expect(() => sce(f(12), labels, null, 3, 4, f(3), null, '1')).toThrow(ArgumentTypeError);
    expect(() => binding.softmaxCrossEntropy(f(12), null, null, 3, 4, f(3), null, 1)).toThrow(/exactly one of .* got neither/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, f(12), 3, 4, f(3), null, 1)).toThrow(/got both/);
    expect(() => binding.softmaxCrossEntropy(f(12), Int32Array.from([0, 1, 4]), null, 3, 4, f(3), null, 1))
      .toThrow(/softmaxCrossEntropy: labels\[2\] must be a class index in \[0, 4\), got 4/);
    expect(() => binding.softmaxCrossEntropy(f(12), Int32Array.from([0, -1, 2]), null, 3, 4, f(3), null, 1))
      .toThrow(ValueError);
    expect(() => binding.softmaxCrossEntropy(f(12), Int32Array.from([0, 1]), null, 3, 4, f(3), null, 1)).toThrow(/labels needs at least 3/);
    expect(() => binding.softmaxCrossEntropy(f(12), null, f(11), 3, 4, f(3), null, 1)).toThrow(/probs needs at least 12/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, null, 3, 4, f(2), null, 1)).toThrow(/rowLoss needs at least 3/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, null, 3, 4, f(3), f(11), 1)).toThrow(/grad needs at least 12/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, null, 3, 0, f(3), null, 1)).toThrow(/cols must be an integer from 1/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, null, 3, 4, f(3), null, Number.NaN)).toThrow(/gradScale must be a finite/);
    expect(() => binding.softmaxCrossEntropy(f(12), labels, null, 3, 4, f(3), null, 1e39)).toThrow(ValueError);
  });

  it('sigmoidCrossEntropy and regressionLoss check kinds, params and lengths', () => {
    expect(() => binding.sigmoidCrossEntropy(f(4), f(3), 4, f(4), null, 1)).toThrow(/sigmoidCrossEntropy: targets needs at least 4/);
    expect(() => binding.sigmoidCrossEntropy(f(4), f(4), 4, f(4), f(3), 1)).toThrow(ValueError);
    expect(() => (binding.sigmoidCrossEntropy as (...a: unknown[]) => void)(f(4), f(4), 4, f(4), 'grad', 1)).toThrow(ArgumentTypeError);
    expect(() => binding.regressionLoss(3, 1, f(4), f(4), 4, null, 1)).toThrow(/regressionLoss: kind must be an integer from 0 to 2/);
    expect(() => (binding.regressionLoss as (...a: unknown[]) => number)('mse', 1, f(4), f(4), 4, null, 1)).toThrow(ArgumentTypeError);
    expect(() => binding.regressionLoss(loss.huber, 0, f(4), f(4), 4, null, 1)).toThrow(/huber delta\) must be > 0, got 0/);
    expect(() => binding.regressionLoss(loss.huber, Number.POSITIVE_INFINITY, f(4), f(4), 4, null, 1)).toThrow(ValueError);
    expect(() => binding.regressionLoss(loss.mse, 0, f(4), f(3), 4, null, 1)).toThrow(/target needs at least 4/);
    expect(() => binding.regressionLoss(loss.mse, 0, f(4), f(4), 4, f(2), 1)).toThrow(/grad needs at least 4/);
  });

  it('accepts empty inputs', () => {
    expect(() => binding.softmax(f(0), f(0), 0, 5, false)).not.toThrow();
    expect(() => binding.softmax(f(0), f(0), 3, 0, true)).not.toThrow();
    expect(() => binding.softmaxCrossEntropy(f(0), new Int32Array(0), null, 0, 3, f(0), f(0), 1)).not.toThrow();
    expect(binding.regressionLoss(loss.mae, 0, f(0), f(0), 0, f(0), 1)).toBe(0);
  });
});

describe('softmax and log-softmax', () => {
  it('scalar reference matches the double formula (large logits, -inf entries)', () => {
    onIsa('scalar', () => {
      const next = random(1);
      for (const cols of COLUMNS) {
        for (const variant of [0, 1, 2]) {
          const rows = 3;
          const x = logits(next, rows, cols, variant);
          for (const log of [false, true]) {
            const y = new Float32Array(x.length);
            binding.softmax(x, y, rows, cols, log);
            // Tolerance: softmax 1e-6 + 1e-6 relative; log-softmax 1e-5 + 2e-6 relative (values reach 2.4e4).
            expectClose(y, softmaxDouble(x, rows, cols, log), log ? 1e-5 : 1e-6, log ? 2e-6 : 1e-6, `cols ${cols} variant ${variant} log ${log}`);
            if (!log) for (let i = 0; i < x.length; i++) if (x[i] === -Infinity) expect(y[i]).toBe(0);
          }
        }
      }
    });
  });

  it('gives NaN for a row of all -inf (as PyTorch does) on every ISA', () => {
    for (const isa of isas) {
      onIsa(isa, () => {
        const y = new Float32Array(6);
        binding.softmax(Float32Array.from([-Infinity, -Infinity, -Infinity, 0, 1, -Infinity]), y, 2, 3, false);
        expect([...y.slice(0, 3)].every(Number.isNaN), isa).toBe(true);
        expect(y[5]).toBe(0);
        expect(y[3] + y[4]).toBeCloseTo(1, 6);
      });
    }
  });

  it('softmaxGrad (scalar) matches the double formula', () => {
    onIsa('scalar', () => {
      const next = random(2);
      for (const cols of COLUMNS) {
        const rows = 2;
        const x = logits(next, rows, cols, 0);
        const dy = Float32Array.from({ length: x.length }, () => next() * 2 - 1);
        for (const log of [false, true]) {
          const y = new Float32Array(x.length), dx = new Float32Array(x.length);
          binding.softmax(x, y, rows, cols, log);
          binding.softmaxGrad(y, dy, dx, rows, cols, log);
          const want = new Float64Array(x.length);
          for (let r = 0; r < rows; r++) {
            let total = 0;
            for (let c = 0; c < cols; c++) total += log ? dy[r * cols + c] : dy[r * cols + c] * y[r * cols + c];
            for (let c = 0; c < cols; c++) {
              const k = r * cols + c;
              want[k] = log ? dy[k] - Math.exp(y[k]) * total : y[k] * (dy[k] - total);
            }
          }
          // Tolerance: 1e-6 + 1e-5 relative.
          expectClose(dx, want, 1e-6, 1e-5, `cols ${cols} log ${log}`);
        }
      }
    });
  });

  it('every ISA matches the scalar reference, also in place', () => {
    const next = random(3);
    for (const rows of [1, 4]) {
      for (const cols of COLUMNS) {
        for (const variant of [0, 1, 2]) {
          const x = logits(next, rows, cols, variant);
          const dy = Float32Array.from({ length: x.length }, () => next() * 2 - 1);
          for (const log of [false, true]) {
            const yRef = new Float32Array(x.length), dxRef = new Float32Array(x.length);
            onIsa('scalar', () => {
              binding.softmax(x, yRef, rows, cols, log);
              binding.softmaxGrad(yRef, dy, dxRef, rows, cols, log);
            });
            for (const isa of isas) {
              onIsa(isa, () => {
                const y = new Float32Array(x.length), dx = new Float32Array(x.length);
                binding.softmax(x, y, rows, cols, log);
                binding.softmaxGrad(yRef, dy, dx, rows, cols, log);
                const label = `${isa} rows ${rows} cols ${cols} variant ${variant} log ${log}`;
                // Tolerance: SIMD exp/log are within ~2 ulp and sum lane-parallel in float.
                expectClose(y, yRef, log ? 1e-5 : 1e-6, 4e-6, label);
                expectClose(dx, dxRef, 1e-6, 1e-5, label);
                const inPlace = x.slice();
                binding.softmax(inPlace, inPlace, rows, cols, log);
                expect(inPlace, label).toEqual(y);
              });
            }
          }
        }
      }
    }
  });
});

describe('softmaxCrossEntropy', () => {
  /** Double-precision loss and gradient; t = one-hot(labels) or probs; classes with t = 0 are skipped. */
  function crossEntropyDouble(x: Float32Array, labels: Int32Array | null, probs: Float32Array | null, rows: number, cols: number, scale: number) {
    const rowLoss = new Float64Array(rows), grad = new Float64Array(x.length);
    const logP = softmaxDouble(x, rows, cols, true);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = r * cols + c;
        const t = labels ? (labels[r] === c ? 1 : 0) : probs![k];
        if (t !== 0) rowLoss[r] -= t * logP[k];
        grad[k] = (Math.exp(logP[k]) - t) * scale;
      }
    }
    return { rowLoss, grad };
  }

  it('matches the double formula on every ISA, for labels and probability targets', () => {
    const next = random(4);
    for (const rows of [1, 5]) {
      for (const cols of COLUMNS) {
        for (const variant of [0, 1, 2]) {
          const x = logits(next, rows, cols, variant);
          const labels = Int32Array.from({ length: rows }, (_, r) => (variant === 2 ? cols - 1 : Math.floor(next() * cols)));
          const probs = new Float32Array(x.length);
          for (let r = 0; r < rows; r++) {
            let total = 0;
            for (let c = 0; c < cols; c++) total += probs[r * cols + c] = x[r * cols + c] === -Infinity ? 0 : next();
            for (let c = 0; c < cols; c++) probs[r * cols + c] /= total;
          }
          for (const useLabels of [true, false]) {
            const scale = 0.25;
            const want = crossEntropyDouble(x, useLabels ? labels : null, useLabels ? null : probs, rows, cols, scale);
            for (const isa of ['scalar', ...isas.filter((name) => name !== 'scalar')]) {
              onIsa(isa, () => {
                const rowLoss = new Float32Array(rows), grad = new Float32Array(x.length);
                binding.softmaxCrossEntropy(x, useLabels ? labels : null, useLabels ? null : probs, rows, cols, rowLoss, grad, scale);
                const label = `${isa} rows ${rows} cols ${cols} variant ${variant} labels ${useLabels}`;
                // Tolerance: loss 1e-5 + 1e-5 relative (float sums), gradient 1e-6 + 1e-5 relative.
                expectClose(rowLoss, want.rowLoss, 1e-5, 1e-5, label);
                expectClose(grad, want.grad, 1e-6, 1e-5, label);
                // grad may alias logits; without grad only the loss is written.
                const inPlace = x.slice(), lossOnly = new Float32Array(rows);
                binding.softmaxCrossEntropy(inPlace, useLabels ? labels : null, useLabels ? null : probs, rows, cols, new Float32Array(rows), inPlace, scale);
                expect(inPlace, label).toEqual(grad);
                binding.softmaxCrossEntropy(x, useLabels ? labels : null, useLabels ? null : probs, rows, cols, lossOnly, null, scale);
                expect(lossOnly, label).toEqual(rowLoss);
              });
            }
          }
        }
      }
    }
  });

  it('gives an infinite loss to a -inf logit on the label, and stays finite for large logits', () => {
    for (const isa of isas) {
      onIsa(isa, () => {
        const rowLoss = new Float32Array(2);
        binding.softmaxCrossEntropy(Float32Array.from([-Infinity, 0, 1e4, -1e4]), Int32Array.from([0, 1]), null, 2, 2, rowLoss, null, 1);
        expect(rowLoss[0], isa).toBe(Infinity);
        expect(rowLoss[1], isa).toBeCloseTo(2e4, 0);
      });
    }
  });
});

describe('sigmoidCrossEntropy', () => {
  it('matches the stable double formula on every ISA', () => {
    const next = random(5);
    for (const n of [0, 1, 7, 8, 15, 16, 17, 33, 200]) {
      const x = Float32Array.from({ length: n }, (_, i) => (next() * 40 - 20) * (i % 5 === 0 ? 100 : 1) * (i % 7 === 0 ? 1e-6 : 1));
      const t = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? next() : i % 2));
      const wantLoss = new Float64Array(n), wantGrad = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        wantLoss[i] = Math.max(x[i], 0) - x[i] * t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
        wantGrad[i] = (1 / (1 + Math.exp(-x[i])) - t[i]) * 0.5;
      }
      for (const isa of isas) {
        onIsa(isa, () => {
          const lossValues = new Float32Array(n), grad = new Float32Array(n);
          binding.sigmoidCrossEntropy(x, t, n, lossValues, grad, 0.5);
          // Tolerance: 1e-6 + 2e-6 relative.
          expectClose(lossValues, wantLoss, 1e-6, 2e-6, `${isa} n ${n}`);
          expectClose(grad, wantGrad, 1e-7, 2e-6, `${isa} n ${n}`);
        });
      }
    }
  });
});

describe('regressionLoss', () => {
  it('matches double sums and exact gradients on every ISA, deterministically', () => {
    const next = random(6);
    for (const n of [0, 1, 7, 8, 15, 16, 17, 33, 1000]) {
      const pred = Float32Array.from({ length: n }, () => next() * 6 - 3);
      const target = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? pred[i] : next() * 6 - 3));
      for (const [name, kind] of Object.entries(loss)) {
        const delta = 1.5, scale = 0.125;
        let wantSum = 0;
        const wantGrad = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const d = Math.fround(pred[i] - target[i]);
          const sign = Math.sign(d);
          if (name === 'mse') {
            wantSum += d * d;
            wantGrad[i] = 2 * d * scale;
          } else if (name === 'mae') {
            wantSum += Math.abs(d);
            wantGrad[i] = sign * scale;
          } else {
            const quadratic = Math.abs(d) <= delta;
            wantSum += quadratic ? 0.5 * d * d : delta * Math.abs(d) - 0.5 * delta * delta;
            wantGrad[i] = (quadratic ? d : delta * sign) * scale;
          }
        }
        for (const isa of isas) {
          onIsa(isa, () => {
            const grad = new Float32Array(n);
            const sum = binding.regressionLoss(kind, delta, pred, target, n, grad, scale);
            // Tolerance: 1e-12 relative (double accumulation); gradients are exact float products.
            expect(Math.abs(sum - wantSum), `${isa} ${name} n ${n}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(wantSum)));
            expectClose(grad, wantGrad, 0, 0, `${isa} ${name} n ${n}`);
            expect(binding.regressionLoss(kind, delta, pred, target, n, null, scale)).toBe(sum);
          });
        }
      }
    }
  });

  it('gives MAE a zero gradient where prediction equals target', () => {
    for (const isa of isas) {
      onIsa(isa, () => {
        const grad = new Float32Array(3);
        const sum = binding.regressionLoss(loss.mae, 0, Float32Array.from([1, 2, 3]), Float32Array.from([1, 0, 4]), 3, grad, 1);
        expect(sum).toBe(3);
        expect([...grad]).toEqual([0, 1, -1]);
      });
    }
  });
});
