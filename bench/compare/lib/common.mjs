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

/** Output size of a stride-1 convolution of `size` pixels with a `kernel`-wide window: 'same' or 'valid'. */
export const convOutputSize = (size, kernel, padding) => (padding === 'same' ? size : size - kernel + 1);

/**
 * Checks a few outputs of a stride-1 2-D convolution (cross-correlation, TensorFlow's 'same' or 'valid')
 * against a double-precision sum. x is NHWC [n, h, w, c], filter HWIO [k, k, c, out]; `outputAt(b, i, j, o)`
 * reads the engine's output in whatever layout it keeps. Same tolerance rule as checkGemm.
 */
export function checkConv(outputAt, x, filter, { batch, height, width, inChannels, outChannels, kernel, padding }) {
  const random = makeRandom(11);
  const outH = convOutputSize(height, kernel, padding), outW = convOutputSize(width, kernel, padding);
  const before = padding === 'same' ? Math.floor((kernel - 1) / 2) : 0;
  for (let probe = 0; probe < 8; probe++) {
    const [b, i, j, o] = [batch, outH, outW, outChannels].map((size) => Math.floor(random.next() * size));
    let exact = 0;
    let magnitude = 0;
    for (let ki = 0; ki < kernel; ki++) {
      for (let kj = 0; kj < kernel; kj++) {
        const row = i + ki - before, col = j + kj - before;
        if (row < 0 || row >= height || col < 0 || col >= width) continue;
        for (let c = 0; c < inChannels; c++) {
          const product = x[((b * height + row) * width + col) * inChannels + c] * filter[((ki * kernel + kj) * inChannels + c) * outChannels + o];
          exact += product;
          magnitude += Math.abs(product);
        }
      }
    }
    const got = outputAt(b, i, j, o);
    if (!(Math.abs(got - exact) <= 1e-4 * magnitude + 1e-6)) return `y[${b},${i},${j},${o}] = ${got}, expected ${exact}`;
  }
  return null;
}

/**
 * Checks a few elements of one gradient of the convolution checkConv checks, against a double-precision
 * sum: pass 'input' reads dx [n, h, w, c] through `gradientAt(b, i, j, c)`, pass 'kernel' the filter
 * gradient [k, k, c, out] through `gradientAt(ki, kj, c, o)`; dy is NHWC [n, outH, outW, out].
 */
export function checkConvGradient(pass, gradientAt, x, filter, dy, { batch, height, width, inChannels, outChannels, kernel, padding }) {
  const random = makeRandom(12);
  const outH = convOutputSize(height, kernel, padding), outW = convOutputSize(width, kernel, padding);
  const before = padding === 'same' ? Math.floor((kernel - 1) / 2) : 0;
  const dyAt = (b, i, j, o) => dy[((b * outH + i) * outW + j) * outChannels + o];
  for (let probe = 0; probe < 8; probe++) {
    const sizes = pass === 'input' ? [batch, height, width, inChannels] : [kernel, kernel, inChannels, outChannels];
    const index = sizes.map((size) => Math.floor(random.next() * size));
    let exact = 0;
    let magnitude = 0;
    const add = (product) => {
      exact += product;
      magnitude += Math.abs(product);
    };
    if (pass === 'input') {
      const [b, row, col, c] = index;
      for (let ki = 0; ki < kernel; ki++) for (let kj = 0; kj < kernel; kj++) {
        const i = row - ki + before, j = col - kj + before;
        if (i < 0 || i >= outH || j < 0 || j >= outW) continue;
        for (let o = 0; o < outChannels; o++) add(dyAt(b, i, j, o) * filter[((ki * kernel + kj) * inChannels + c) * outChannels + o]);
      }
    } else {
      const [ki, kj, c, o] = index;
      for (let b = 0; b < batch; b++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
        const row = i + ki - before, col = j + kj - before;
        if (row < 0 || row >= height || col < 0 || col >= width) continue;
        add(x[((b * height + row) * width + col) * inChannels + c] * dyAt(b, i, j, o));
      }
    }
    const got = gradientAt(...index);
    if (!(Math.abs(got - exact) <= 1e-4 * magnitude + 1e-6)) return `gradient wrt ${pass} [${index.join(',')}] = ${got}, expected ${exact}`;
  }
  return null;
}

/** NHWC [n, h, w, c] values as NCHW [n, c, h, w] (for the engines whose convolutions take NCHW). */
export function nhwcToNchw(values, n, h, w, c) {
  const out = new Float32Array(values.length);
  for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
    out[((b * c + k) * h + i) * w + j] = values[((b * h + i) * w + j) * c + k];
  }
  return out;
}

/** An HWIO filter [k, k, in, out] as PyTorch's and ONNX's OIHW [out, in, k, k]. */
export function hwioToOihw(values, k, inChannels, outChannels) {
  const out = new Float32Array(values.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let c = 0; c < inChannels; c++) for (let o = 0; o < outChannels; o++) {
    out[((o * inChannels + c) * k + i) * k + j] = values[((i * k + j) * inChannels + c) * outChannels + o];
  }
  return out;
}

/**
 * The LeNet-style network of the conv workloads (params.lenet in lib/cases.mjs): 28x28x1 images,
 * conv 6 5x5 'same' + ReLU, max-pool 2, conv 16 5x5 'valid' + ReLU, max-pool 2, flatten (400),
 * dense 120 + ReLU, dense 84 + ReLU, dense 10 + softmax. Glorot-uniform weights from `random`,
 * convolution filters HWIO as Keras, zero biases.
 */
export function lenetWeights(random) {
  const glorotConv = (k, inChannels, outChannels) => {
    const limit = Math.sqrt(6 / (k * k * (inChannels + outChannels)));
    return { k, inChannels, outChannels, filter: random.fill(k * k * inChannels * outChannels, -limit, limit), bias: new Float32Array(outChannels) };
  };
  return {
    conv1: glorotConv(5, 1, 6),
    conv2: glorotConv(5, 6, 16),
    dense: [glorotDense(random, 400, 120), glorotDense(random, 120, 84), glorotDense(random, 84, 10)],
  };
}

/**
 * The LeNet-style network of lenetWeights as a Keras-style sequential model of `api` (Dendrite's `dn` or
 * TF.js' `tf`: the same layer names and options), holding the given weights (kernels HWIO).
 */
export function kerasLenet(api, weights) {
  const model = api.sequential({
    layers: [
      api.layers.conv2d({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
      api.layers.maxPooling2d({ poolSize: 2 }),
      api.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      api.layers.maxPooling2d({ poolSize: 2 }),
      api.layers.flatten(),
      api.layers.dense({ units: 120, activation: 'relu' }),
      api.layers.dense({ units: 84, activation: 'relu' }),
      api.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const { conv1, conv2, dense } = weights;
  model.setWeights([
    api.tensor(conv1.filter, [5, 5, 1, 6]), api.tensor(conv1.bias, [6]),
    api.tensor(conv2.filter, [5, 5, 6, 16]), api.tensor(conv2.bias, [16]),
    ...dense.flatMap((layer) => [api.tensor(layer.kernel, [layer.inputs, layer.units]), api.tensor(layer.bias, [layer.units])]),
  ]);
  return model;
}

/** The LeNet-style network's softmax output for one NHWC 28x28x1 image, in double precision. */
export function lenetReference(weights, image) {
  const conv = (input, size, layer, padding) => {
    const { k, inChannels, outChannels, filter, bias } = layer;
    const outSize = convOutputSize(size, k, padding), before = padding === 'same' ? (k - 1) >> 1 : 0;
    const out = new Float64Array(outSize * outSize * outChannels);
    for (let i = 0; i < outSize; i++) for (let j = 0; j < outSize; j++) for (let o = 0; o < outChannels; o++) {
      let sum = bias[o];
      for (let ki = 0; ki < k; ki++) for (let kj = 0; kj < k; kj++) {
        const row = i + ki - before, col = j + kj - before;
        if (row < 0 || row >= size || col < 0 || col >= size) continue;
        for (let c = 0; c < inChannels; c++) sum += input[(row * size + col) * inChannels + c] * filter[((ki * k + kj) * inChannels + c) * outChannels + o];
      }
      out[(i * outSize + j) * outChannels + o] = Math.max(sum, 0);
    }
    return { values: out, size: outSize };
  };
  const pool = ({ values, size }, channels) => {
    const outSize = size >> 1;
    const out = new Float64Array(outSize * outSize * channels);
    for (let i = 0; i < outSize; i++) for (let j = 0; j < outSize; j++) for (let c = 0; c < channels; c++) {
      let best = -Infinity;
      for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) best = Math.max(best, values[((2 * i + di) * size + 2 * j + dj) * channels + c]);
      out[(i * outSize + j) * channels + c] = best;
    }
    return out;
  };
  let current = pool(conv(image, 28, weights.conv1, 'same'), 6);
  current = pool(conv(current, 14, weights.conv2, 'valid'), 16);
  weights.dense.forEach((layer, index) => {
    const out = new Float64Array(layer.units);
    for (let j = 0; j < layer.units; j++) {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inputs; i++) sum += current[i] * layer.kernel[i * layer.units + j];
      out[j] = index < weights.dense.length - 1 ? Math.max(sum, 0) : sum;
    }
    current = out;
  });
  const max = Math.max(...current);
  const exps = current.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

/** Checks the first row of a batch's softmax output against lenetReference; an error message or null. */
export function checkLenet(output, weights, images) {
  const expected = lenetReference(weights, images.subarray(0, 28 * 28));
  const worst = Math.max(...expected.map((v, j) => Math.abs(v - output[j])));
  return worst < 1e-4 ? null : `the LeNet output disagrees with the reference forward pass by ${worst}`;
}
