// Pieces every JS engine runner shares: seeded random numbers, Glorot-uniform weights, the digits
// CSV files, and a spot check of GEMM results against a double-precision product.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const compareRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(compareRoot, '../..');

/** A small seeded generator (mulberry32), so every engine's inputs come from the same recipe. */
export function makeRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Uniform in [low, high). */
    fill(length, low = -1, high = 1) {
      const out = new Float32Array(length);
      for (let i = 0; i < length; i++) out[i] = low + (high - low) * next();
      return out;
    },
    integers(length, below) {
      const out = new Int32Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * below);
      return out;
    },
  };
}

/** Glorot-uniform kernel [inputs, units] and zero bias, as Keras initialises a Dense layer. */
export function glorotDense(random, inputs, units) {
  const limit = Math.sqrt(6 / (inputs + units));
  return { inputs, units, kernel: random.fill(inputs * units, -limit, limit), bias: new Float32Array(units) };
}

export function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, row) => {
    out[row * classes + label] = 1;
  });
  return out;
}

/** Index of the largest value in each row. */
export function argmaxRows(values, rows, cols) {
  const out = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let col = 1; col < cols; col++) if (values[row * cols + col] > values[row * cols + best]) best = col;
    out[row] = best;
  }
  return out;
}

export function accuracy(predicted, labels) {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}

/**
 * The digits protocol's data: the project's data/digits_{train,test}.csv (header p0..p63,label),
 * pixels scaled by 1/16.
 */
export function loadDigits() {
  const read = (name) => {
    const rows = readFileSync(resolve(repoRoot, 'data', name), 'utf8').trim().split('\n').slice(1);
    const x = new Float32Array(rows.length * 64);
    const y = new Int32Array(rows.length);
    rows.forEach((row, r) => {
      const cells = row.split(',');
      for (let c = 0; c < 64; c++) x[r * 64 + c] = Number(cells[c]) / 16;
      y[r] = Number(cells[64]);
    });
    return { x, y, rows: rows.length };
  };
  return { train: read('digits_train.csv'), test: read('digits_test.csv'), features: 64, classes: 10 };
}

/**
 * Checks a few entries of C = op(A)·op(B) (row-major, A stored [m,k] or [k,m] if transA, B stored
 * [k,n] or [n,k] if transB) against a double-precision dot product. Returns an error message or null.
 * Tolerance: 1e-4 of sum |a|·|b| per entry, far above float32 rounding for these k and far below any
 * wrong transpose or layout.
 */
export function checkGemm(c, a, b, m, n, k, transA, transB) {
  const random = makeRandom(7);
  for (let probe = 0; probe < 8; probe++) {
    const i = Math.floor(random.next() * m);
    const j = Math.floor(random.next() * n);
    let exact = 0;
    let magnitude = 0;
    for (let p = 0; p < k; p++) {
      const av = transA ? a[p * m + i] : a[i * k + p];
      const bv = transB ? b[j * k + p] : b[p * n + j];
      exact += av * bv;
      magnitude += Math.abs(av * bv);
    }
    if (!(Math.abs(c[i * n + j] - exact) <= 1e-4 * magnitude + 1e-6)) {
      return `C[${i},${j}] = ${c[i * n + j]}, expected ${exact}`;
    }
  }
  return null;
}
