/**
 * Loads the native addon (one place) and declares the raw binding (one type).
 *
 * The binding is positional and unchecked beyond what C++ needs to stay in bounds: it checks
 * every argument's type and every buffer's length, and throws ArgumentTypeError / ValueError /
 * NativeError. The public API in the rest of lib/ validates first, with friendlier messages.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentTypeError, NativeError, ValueError } from './errors.js';

/** Op codes exported by the addon from native/include/dendrite/ops.def. */
export interface OpCodes {
  unary: Record<string, number>;
  binary: Record<string, number>;
  reduce: Record<string, number>;
  optimizer: Record<string, number>;
  loss: Record<string, number>;
  pool: Record<string, number>;
  /** Recurrent cells of the sequence driver: simpleRnn, lstm, gru. */
  cell: Record<string, number>;
}

export interface RawBackendInfo {
  isa: string;
  isas: string[];
  threads: number;
  defaultThreads: number;
}

/** The real-input FFT of the binding (`binding.fft`, native/bindings/signal_binding.cc). */
export interface FftBinding {
  /**
   * Real-input FFT (dendrite/fft.h, kernel `real_fft`): each of `rows` rows of `signal` (`samples` <= n values,
   * zero-padded to n) gives bins 0 .. n/2 in `spectrum` `[rows, 2 * (n/2 + 1)]`, each row its real parts then its
   * imaginary parts; unnormalised (numpy.fft.rfft). Plans are cached per length.
   */
  realFft(signal: Float32Array, rows: number, samples: number, n: number, spectrum: Float32Array): void;
  /**
   * The inverse of realFft (kernel `inverse_real_fft`): `spectrum` `[rows, 2 * (n/2 + 1)]` as realFft writes it
   * gives `signal` `[rows, n]`, scaled by 1 / n; the imaginary parts of bin 0 and (even n) bin n/2 are ignored
   * (numpy.fft.irfft).
   */
  inverseRealFft(spectrum: Float32Array, rows: number, n: number, signal: Float32Array): void;
}

/** The int8 inference functions of the binding (`binding.int8`). */
export interface Int8Binding {
  /**
   * Packs s8 weights `[k, n]` (row-major) once into the int8 GEMM's panel layout (`packed`, packedLength(k, n)
   * bytes) and their column sums (`columnSums`, n), which correct for the activations' zero point. k <= 32768.
   */
  packWeights(weights: Int8Array, k: number, n: number, packed: Int8Array, columnSums: Int32Array): void;
  /** Bytes of packWeights' `packed` for k x n weights. */
  packedLength(k: number, n: number): number;
  /** q[i] = clamp(round(x[i] / scale) + zeroPoint, 0, 255) for the first n elements (ties to even, NaN to 0). */
  quantizeU8(x: Float32Array, n: number, scale: number, zeroPoint: number, q: Uint8Array): void;
  /**
   * int8 GEMM (kernel `int8_gemm`): c[i, j] = act(fma(float(sum_p a[i, p] * w[p, j] - aZeroPoint * columnSums[j]),
   * aScale * scales[j], bias[j])) with a u8 [m, k] (lda >= k), w the packed s8 weights; exact int32 sums, so every
   * ISA returns the same bits (activations past leakyRelu / relu6 are the ISA's unary kernel, as in sgemm).
   */
  gemm(
    m: number, n: number, k: number, a: Uint8Array, lda: number, aZeroPoint: number, aScale: number,
    packed: Int8Array, columnSums: Int32Array, scales: Float32Array, bias: Float32Array | null,
    activation: number, activationParam: number, c: Float32Array, ldc: number,
  ): void;
  /**
   * An int8 Dense layer on float rows: x [rows, inputs] is quantised to u8 with aScale / aZeroPoint (aScale 0:
   * from the rows' range, widened to hold 0), then gemm into y [rows, units].
   */
  dense(
    x: Float32Array, rows: number, inputs: number, units: number, packed: Int8Array, columnSums: Int32Array,
    scales: Float32Array, bias: Float32Array | null, activation: number, activationParam: number,
    aScale: number, aZeroPoint: number, y: Float32Array,
  ): void;
  /**
   * Benchmark probe: GOP/s (2 per u8 x s8 product) of independent vpdpbusd chains on `threads` threads for about
   * `seconds`, the int8 GEMM's ceiling; gops 0 and instruction 'none' without AVX512_VNNI.
   */
  benchPeak(threads: number, seconds: number): { gops: number; instruction: string };
  /**
   * An int8 convolution (groups 1) on a float NHWC batch x: quantised to u8 (aScale / aZeroPoint; aScale 0:
   * dynamic, over the whole batch), patches gathered with the zero point as padding, the int8 GEMM by the filter
   * [kh, kw, inC, outC] packed as [kh * kw * inC, outC] (packWeights), the same epilogue as `dense`; y NHWC.
   */
  conv2d(
    x: Float32Array, geometry: Int32Array, packed: Int8Array, columnSums: Int32Array, scales: Float32Array, bias: Float32Array | null,
    activation: number, activationParam: number, aScale: number, aZeroPoint: number, y: Float32Array,
  ): void;
  /** Benchmark helper: median seconds of one int8 GEMM call (m, n, k <= 8192) of the current kernel table. */
  benchGemm(m: number, n: number, k: number, threads: number, reps: number): number;
}

/**
 * The bfloat16 inference functions of the binding (`binding.bf16`). bf16 values are Uint16Arrays of their bit
 * patterns (the upper half of a float32's bits).
 */
export interface Bf16Binding {
  /** Converts float32 weights `[k, n]` (row-major) to bf16 and packs them once into the bf16 GEMM's panel layout. */
  packWeights(weights: Float32Array, k: number, n: number, packed: Uint16Array): void;
  /** Elements of packWeights' `packed` for k x n weights. */
  packedLength(k: number, n: number): number;
  /**
   * y[i] = bf16(x[i]) for the first n elements: round to nearest even; subnormals become a zero of their sign
   * (as vcvtneps2bf16 treats them); NaN stays NaN (quiet).
   */
  convert(x: Float32Array, n: number, y: Uint16Array): void;
  /**
   * bf16 GEMM (kernel `bf16_gemm`): c[i, j] = act(sum_p a[i, p] * w[p, j] + bias[j]) with a bf16 [m, k] (lda >= k)
   * and w the packed weights, accumulated in float32 in a fixed order (vdpbf16ps's: each depth pair's odd product
   * first, subnormal sums flushed to zero), so every ISA returns the same bits.
   */
  gemm(
    m: number, n: number, k: number, a: Uint16Array, lda: number, packed: Uint16Array, bias: Float32Array | null,
    activation: number, activationParam: number, c: Float32Array, ldc: number,
  ): void;
  /** A bf16 Dense layer on float rows: x [rows, inputs] converted to bf16, then gemm into y [rows, units]. */
  dense(
    x: Float32Array, rows: number, inputs: number, units: number, packed: Uint16Array, bias: Float32Array | null,
    activation: number, activationParam: number, y: Float32Array,
  ): void;
  /**
   * Benchmark probe: GFLOP/s (2 per bf16 product) of independent vdpbf16ps chains on `threads` threads for about
   * `seconds`, the bf16 GEMM's ceiling; gflops 0 and instruction 'none' without AVX512_BF16.
   */
  benchPeak(threads: number, seconds: number): { gflops: number; instruction: string };
  /** Benchmark helper: median seconds of one bf16 GEMM call (m, n, k <= 8192) of the current kernel table. */
  benchGemm(m: number, n: number, k: number, threads: number, reps: number): number;
}

/** The raw binding. Sizes are element counts; every array must hold at least what the sizes imply. */
export interface NativeBinding {
  /** Hands Dendrite's error classes to C++, so it throws them. Called once at load. */
  setErrorClasses(valueError: unknown, argumentTypeError: unknown, nativeError: unknown): void;
  backendInfo(): RawBackendInfo;
  setNumThreads(threads: number): void;
  /** Switches to another ISA's kernel table (for tests comparing paths); users set DENDRITE_ISA. */
  setIsa(isa: string): void;
  readonly opCodes: OpCodes;

  /**
   * Configures the C allocator as the cache of tensor storage (native/include/dendrite/memory_cache.h):
   * enabled, blocks up to 32 MiB come from its heap and up to limitBytes of freed memory stays at its top;
   * disabled, its defaults. Process-wide. Returns false where the allocator cannot be configured (not glibc).
   */
  configureMemoryCache(enabled: boolean, limitBytes: number): boolean;
  /** Gives the allocator's free pages back to the operating system; returns whether any were. */
  trimMemoryCache(): boolean;
  /** The allocator's free bytes (held for reuse) and heap bytes; available is false where it cannot be configured. */
  memoryCacheStats(): { available: boolean; freeBytes: number; heapBytes: number };

  /** sum(x[i]^2) over the first n elements, accumulated in double (kernel `sum_squares`). */
  sumSquares(x: Float32Array, n: number): number;

  /**
   * C = alpha*op(A)*op(B) + beta*C, + bias per column, then activation (kernel `sgemm`). Row-major;
   * op(A) is m x k (A stored m x k with lda >= k, or transposed k x m with lda >= m), op(B) k x n
   * likewise, C m x n with ldc >= n. beta = 0 never reads C. `activation` is an opCodes.unary code
   * (activationParam = alpha of leakyRelu / elu). `batch` products, their operands strideA/B/C
   * elements apart (a stride of 0 shares an operand); the outputs must not overlap.
   */
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    bias: Float32Array | null, activation: number, activationParam: number,
    batch: number, strideA: number, strideB: number, strideC: number,
  ): void;

  /** int8 inference (native/bindings/int8_binding.cc). */
  readonly int8: Int8Binding;
  /** bfloat16 inference (native/bindings/bf16_binding.cc). */
  readonly bf16: Bf16Binding;
  readonly fft: FftBinding;

  /**
   * Benchmark helper: median seconds of one `sgemm` call of the current kernel table on contiguous
   * random operands (m, n, k <= 8192), timed in C++ over `reps` calls after a warm-up call.
   * threads = 0 keeps the pool's thread count; otherwise the pool is resized for the call and restored.
   */
  benchSgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, threads: number, reps: number): number;
  /**
   * Benchmark helper: median seconds of one conv2d (kind 0), conv2dBackwardData (1) or conv2dBackwardFilter (2)
   * call of the current kernel table on random operands of `geometry` (as conv2d takes it; each operand at most
   * 2^28 elements), timed in C++ over `reps` calls after a warm-up call. threads = 0 keeps the pool's count.
   */
  benchConv(kind: number, geometry: Int32Array, threads: number, reps: number): number;
  /** Benchmark probe: GFLOP/s of independent FMAs on the CPU's best vector ISA, on `threads` threads for ~`seconds`. */
  benchFmaPeak(threads: number, seconds: number): { gflops: number; isa: string };
  /** Benchmark probe: triad a[i] = b[i] + s*c[i] bandwidth in GB/s over three `megabytes` MiB arrays, best of 5 runs. */
  benchTriad(threads: number, megabytes: number): number;
  /**
   * y = op(x) over n elements (kernel `unary`; op from opCodes.unary, param = alpha of leakyRelu / elu,
   * ignored otherwise). y may be x. Within a few ulp of the exact result (relative error <= 1e-6 unless
   * |result| < 1e-30) over the whole float range; relu, leakyRelu, linear, neg, abs are exact, and relu /
   * leakyRelu are `x < 0 ? alpha*x : x` as sgemm's fused activation applies them (-0 and NaN pass through).
   * gelu is the erf form x*Phi(x), geluTanh x*sigmoid(2*sqrt(2/pi)*(x + 0.044715x^3)). NaN in gives NaN out;
   * exp overflows to inf and underflows gradually; log(0) = -inf, log(<0) = NaN, sqrt(-0) = -0.
   */
  unary(op: number, param: number, x: Float32Array, y: Float32Array, n: number): void;
  /**
   * dx = dy * op'(.) over n elements (kernel `unary_grad`); dx may be dy. Pass the forward input x and output
   * y when you have them (null otherwise); each op reads only what it needs, and a missing one is a ValueError:
   * linear, neg: neither; relu, leakyRelu, elu: x, or y alone (then leakyRelu / elu need alpha >= 0; elu's
   * slope is y + alpha); sigmoid y(1-y), tanh (1-y)(1+y), exp y, sqrt 1/(2y): y; log, abs, square, softplus,
   * silu, gelu, geluTanh: x. Kinks take the slope for x <= 0 (relu'(0) = 0, leakyRelu'(0) = alpha, abs'(0) = 0).
   */
  unaryGrad(op: number, param: number, x: Float32Array | null, y: Float32Array | null, dy: Float32Array, dx: Float32Array, n: number): void;
  /**
   * out = a op b with broadcasting resolved to strides (kernel `binary`; op from opCodes.binary). layout =
   * [rank, shape..., aStrides..., bStrides...] (rank <= 8, whole numbers >= 0; stride 0 on broadcast dims);
   * out is contiguous with prod(shape) elements; a and b must hold every offset their strides reach.
   * out may be a or b only where that input has out's own layout. maximum / minimum propagate NaN
   * (equal values give a); pow follows C's pow for zeros, infinities, NaN and negative bases.
   */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, layout: Float64Array): void;
  /**
   * y = x*scale + shift, fused (one rounding) (kernel `affine`); y may be x. scale 0 fills y with shift
   * without reading x (inf or NaN in x do not matter); scale 1 with shift 0 is an exact copy.
   */
  affine(x: Float32Array, scale: number, shift: number, y: Float32Array, n: number): void;
  /**
   * Softmax (or log-softmax) over the last axis of a rows x cols matrix; y may be x (kernel `softmax`).
   * Each row subtracts its maximum first, so large logits are safe; -inf entries get probability 0;
   * a row that is all -inf (or holds +inf or NaN) gives NaN, as in PyTorch.
   */
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean): void;
  /** dx from the softmax (or log-softmax) output y and dy (kernel `softmax_grad`). */
  softmaxGrad(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, log: boolean): void;
  /**
   * Fused softmax + cross-entropy over rows x cols logits (kernel `softmax_cross_entropy`). Give exactly one of
   * `labels` (rows class indices, each in [0, cols), else ValueError naming the row) or `probs` (rows x cols
   * targets; classes with target 0 contribute nothing, so masked -inf logits do not give NaN). Writes the per-row
   * loss -sum_c t_c log_softmax(x)_c, and if `grad` is given (it may be `logits`), (softmax(x) - t) * gradScale.
   */
  softmaxCrossEntropy(
    logits: Float32Array, labels: Int32Array | null, probs: Float32Array | null, rows: number, cols: number,
    rowLoss: Float32Array, grad: Float32Array | null, gradScale: number,
  ): void;
  /**
   * CTC loss (dendrite/ctc.h): for each of `batch` sequences of logits `[time, classes]` (log-softmax taken
   * inside), writes -log p(labels | logits) into `loss[b]` and, if `grad` is given, d loss[b] / d logits
   * times `gradScale[b]` (1 when null). Labels are `[batch, maxLabel]`, the first `labelLengths[b]` of row b
   * used; an infeasible labelling gives Infinity (NaN gradient), or 0 (0 gradient) with `zeroInfinity`.
   */
  ctcLoss(
    logits: Float32Array, labels: Int32Array, inputLengths: Int32Array, labelLengths: Int32Array,
    batch: number, time: number, classes: number, maxLabel: number, blank: number, zeroInfinity: boolean,
    loss: Float32Array, grad: Float32Array | null, gradScale: Float32Array | null,
  ): void;
  /**
   * Sigmoid + binary cross-entropy from logits, elementwise: loss = max(x, 0) - x*t + log1p(exp(-|x|)); if `grad`
   * is given, (sigmoid(x) - t) * gradScale (kernel `sigmoid_cross_entropy`).
   */
  sigmoidCrossEntropy(logits: Float32Array, targets: Float32Array, n: number, loss: Float32Array, grad: Float32Array | null, gradScale: number): void;
  /**
   * Regression loss `kind` (opCodes.loss: mse, mae, huber; param = huber's delta > 0, Keras' default 1.0):
   * returns the sum of the elementwise losses (double, fixed order); writes d(loss_i)/d(pred_i) * gradScale
   * if `grad` is given (MAE's gradient at 0 is 0) (kernel `regression_loss`).
   */
  regressionLoss(kind: number, param: number, pred: Float32Array, target: Float32Array, n: number, grad: Float32Array | null, gradScale: number): number;
  /**
   * Reduces the middle axis of an [outer, axis, inner] tensor into out[outer, inner] (kernel `reduce`; op from
   * opCodes.reduce). Sums are pairwise in float (deterministic); mean of an empty axis is NaN; max/min propagate
   * NaN and need axis >= 1.
   */
  reduce(op: number, x: Float32Array, outer: number, axis: number, inner: number, out: Float32Array): void;
  /** Index of the first maximum along the middle axis; NaN counts as the maximum; axis >= 1 (kernel `argmax`). */
  argmax(x: Float32Array, outer: number, axis: number, inner: number, out: Int32Array): void;
  /** out[c] = sum_r x[r, c] (or out[c] += it with accumulate): the bias gradient (kernel `column_sum`). */
  columnSum(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void;
  /**
   * One optimizer step over n parameters, in place (kernel `optimizer_update`; kind from opCodes.optimizer).
   * hyper = [learningRate, momentum, nesterov(0/1), beta1, beta2, epsilon, weightDecay, decoupled(0/1), clipValue,
   * gradScale, step, amsgrad(0/1), centered(0/1)]: all finite; learningRate, momentum, epsilon, weightDecay,
   * clipValue >= 0; step an integer >= 1 (the bias corrections); adam, adamax and nadam need beta1, beta2 in [0, 1),
   * rmsprop and adadelta beta2 (their rho) in [0, 1); nesterov needs sgd with momentum > 0, amsgrad adam, centered
   * rmsprop. Per element: g = grad * gradScale, clamped to +-clipValue if clipValue > 0; weight decay p -= lr*wd*p
   * first if decoupled (AdamW), else g += wd*p; then the rule:
   * sgd v = momentum*v + g, p -= lr*(nesterov ? g + momentum*v : v) (or p -= lr*g without momentum);
   * adam p -= lr*mhat/(sqrt(vhat) + eps) (amsgrad: vhat from vmax = max(vmax, v));
   * rmsprop v = beta2*v + (1-beta2)*g^2 (centered: mg = beta2*mg + (1-beta2)*g, variance max(v - mg^2, 0) for v),
   * step = lr*g/(sqrt(v) + eps) (with momentum: mom = momentum*mom + step), p -= step;
   * adagrad acc += g^2, p -= lr*g/(sqrt(acc) + eps);
   * adamax m = beta1*m + (1-beta1)*g, u = max(beta2*u, |g|), p -= lr*mhat/(u + eps);
   * adadelta acc = beta2*acc + (1-beta2)*g^2, delta = g*sqrt(accDelta + eps)/sqrt(acc + eps),
   * accDelta = beta2*accDelta + (1-beta2)*delta^2, p -= lr*delta;
   * nadam adam's m and v with Keras' Nesterov estimate of m (momentum schedule beta1*(1 - 0.5*0.96^t)).
   * State buffers must be given exactly when the rule keeps them, else ValueError: sgd state1 = v iff momentum != 0;
   * adam state1 = m, state2 = v, state3 = vmax iff amsgrad; rmsprop state1 = mean square, state2 = momentum buffer
   * iff momentum != 0, state3 = mean gradient iff centered; adagrad state1 = accumulator; adamax state1 = m,
   * state2 = u; adadelta state1 = acc, state2 = accDelta; nadam state1 = m, state2 = v.
   */
  optimizerUpdate(
    kind: number, hyper: Float64Array, param: Float32Array, grad: Float32Array,
    state1: Float32Array | null, state2: Float32Array | null, state3: Float32Array | null, n: number,
  ): void;

  /**
   * 2-D convolution in NHWC (kernel `conv2d`). `geometry` is an Int32Array of the 18 fields of the native
   * ConvGeometry, in order: batch, inH, inW, inC, outH, outW, outC, kernelH, kernelW, strideH, strideW,
   * dilationH, dilationW, padTop, padBottom, padLeft, padRight, groups (inC and outC multiples of groups;
   * outH = (inH + padTop + padBottom - ((kernelH - 1) * dilationH + 1)) / strideH + 1, likewise outW; a
   * window larger than the padded input is a ValueError). x [batch, inH, inW, inC], filter [kernelH, kernelW,
   * inC / groups, outC], y [batch, outH, outW, outC]. The epilogue, per output channel c: + bias[c], then
   * * scale[c] + shift[c] (both or neither), then `activation` (an opCodes.unary code). y must not overlap
   * the inputs.
   */
  conv2d(
    geometry: Int32Array, x: Float32Array, filter: Float32Array, y: Float32Array, bias: Float32Array | null,
    scale: Float32Array | null, shift: Float32Array | null, activation: number, activationParam: number,
  ): void;
  /**
   * The gradient of conv2d's input from dy (kernel `conv2d_backward_data`), with the same epilogue over
   * the inC channels of dx (with bias and an activation: a transposed convolution's forward pass).
   */
  conv2dBackwardData(
    geometry: Int32Array, dy: Float32Array, filter: Float32Array, dx: Float32Array, bias: Float32Array | null,
    scale: Float32Array | null, shift: Float32Array | null, activation: number, activationParam: number,
  ): void;
  /** The gradient of conv2d's filter, written into dfilter or, with `accumulate`, added to it (kernel `conv2d_backward_filter`). */
  conv2dBackwardFilter(geometry: Int32Array, x: Float32Array, dy: Float32Array, dfilter: Float32Array, accumulate: boolean): void;
  /**
   * 2-D pooling in NHWC (kernel `pool2d`; kind from opCodes.pool). `geometry` holds the 14 fields of the
   * native PoolGeometry: batch, inH, inW, channels, outH, outW, windowH, windowW, strideH, strideW, padTop,
   * padBottom, padLeft, padRight (each padding smaller than the window; outH = (inH + padTop + padBottom -
   * windowH) / strideH + 1). Windows are clipped to the image. For max pooling, `argmax` (or null) receives
   * each window's first maximum as ih * inW + iw (NaN counts as the maximum); it must be null for average.
   */
  pool2d(kind: number, geometry: Int32Array, x: Float32Array, y: Float32Array, argmax: Int32Array | null): void;
  /** dx (overwritten) from dy: to the argmax (max; required) or spread over the window (average) (kernel `pool2d_backward`). */
  pool2dBackward(kind: number, geometry: Int32Array, dy: Float32Array, argmax: Int32Array | null, dx: Float32Array): void;
  /** Per-channel mean and biased variance of a [rows, channels] matrix, summed in double (kernel `batch_norm_statistics`); NaN when rows is 0. */
  batchNormStatistics(x: Float32Array, rows: number, channels: number, mean: Float32Array, variance: Float32Array): void;
  /**
   * Per channel: sumDy = sum dy, sumDyXhat = sum dy * (x - mean) * invStd; with dx, also the gradient through
   * the batch statistics dx = gamma * invStd * (dy - sumDy / rows - xhat * sumDyXhat / rows) (gamma null: 1)
   * (kernel `batch_norm_backward`).
   */
  batchNormBackward(
    x: Float32Array, dy: Float32Array, rows: number, channels: number, mean: Float32Array, invStd: Float32Array,
    gamma: Float32Array | null, dx: Float32Array | null, sumDy: Float32Array, sumDyXhat: Float32Array,
  ): void;
  /** y = x * scale[c] + shift[c] per channel of a [rows, channels] matrix; y may be x (kernel `channel_affine`). */
  channelAffine(x: Float32Array, rows: number, channels: number, scale: Float32Array, shift: Float32Array, y: Float32Array): void;

  /**
   * Layer normalization over the last axis of a rows x cols matrix (kernel `layer_norm`): per row, the mean
   * and biased variance, y = (x - mean) / sqrt(variance + epsilon) * gamma + beta (gamma, beta null: 1, 0;
   * each cols floats); `mean` and `invStd` (rows floats, or null) receive the row statistics the backward
   * pass reads. y may be x. epsilon must be finite and >= 0.
   */
  layerNorm(
    x: Float32Array, rows: number, cols: number, gamma: Float32Array | null, beta: Float32Array | null, epsilon: number,
    y: Float32Array, mean: Float32Array | null, invStd: Float32Array | null,
  ): void;
  /**
   * The gradients of layerNorm from dy and its statistics (kernel `layer_norm_backward`): dx (or null), and
   * per column dgamma = sum dy * xhat, dbeta = sum dy (each or null; written, or added to what is there with
   * `accumulate`). dx must not overlap x or dy.
   */
  layerNormBackward(
    x: Float32Array, dy: Float32Array, rows: number, cols: number, gamma: Float32Array | null, mean: Float32Array,
    invStd: Float32Array, dx: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null, accumulate: boolean,
  ): void;
  /**
   * Scaled dot-product attention over batch x heads problems, blocked (memory linear in the lengths)
   * (kernel `attention_forward`). `geometry` is an Int32Array of 24 entries: batch, heads, qLen, kvLen,
   * headDim, valueDim; the (batch, head, row) strides of q, k, v and out (3 each; the last axis is
   * contiguous); the (batch, head, query, key) strides of the mask (0 broadcasts); causal (0 or 1);
   * causalOffset (with causal, query i sees keys j <= i + causalOffset). Strides are >= 0, every tensor
   * must hold every element they reach, and out's must not make elements overlap. mask (or null): nonzero
   * where the query may attend to the key. Query rows that may attend to nothing output 0. logsumexp (or
   * null) receives [batch, heads, qLen] row logsumexps for the backward pass; probs (or null) the softmax
   * weights [batch, heads, qLen, kvLen] before dropout. dropoutRate in [0, 1) drops weights by a hash of
   * dropoutSeed (an integer < 2^53) and each weight's index.
   */
  attentionForward(
    geometry: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, mask: Float32Array | null,
    logsumexp: Float32Array | null, probs: Float32Array | null, scale: number, dropoutRate: number, dropoutSeed: number,
  ): void;
  /**
   * The gradients of attentionForward (kernel `attention_backward`): dQ, dK, dV (overwritten) from dOut, the
   * forward pass's out and logsumexp, and its other arguments. `geometry` holds 36 entries: the forward
   * pass's 24, then the (batch, head, row) strides of dOut, dQ, dK and dV (3 each; the gradients' must not
   * make elements overlap).
   */
  attentionBackward(
    geometry: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, mask: Float32Array | null,
    logsumexp: Float32Array, dOut: Float32Array, dQ: Float32Array, dK: Float32Array, dV: Float32Array, scale: number,
    dropoutRate: number, dropoutSeed: number,
  ): void;

  /**
   * A snapshot of a network for {@link NativeBinding.forwardAsync}: the steps with a native copy of
   * their weights, made once and never changed, so later changes to the arrays (a training step)
   * cannot affect what runs on it. The network is a graph over value slots: the inputs are slots
   * 0..n-1 (`widths`: a number for one input, or each input's row length) and step s writes slot
   * n + s, reading the slots in its `from` (by default the slot written just before it: a list of
   * steps without `from` is a chain). A dense step's `inputs` must equal the width of the slot it
   * reads; a binary step combines slots of equal widths, or stretches one of width 1 (or its
   * `constant`) across the other. `outputs` lists the slots returned, side by side in each row
   * (default: the last). Its memory is freed with the object (reported to V8 as external memory
   * meanwhile). With `previous` (a snapshot no call is queued on), the copy goes into its memory when
   * no worker holds it any more, and `previous` can no longer be run.
   */
  forwardPlan(steps: ForwardStep[], widths: number | readonly number[], previous?: ForwardPlan | null, outputs?: readonly number[]): ForwardPlan;

  /**
   * Inference of `rows` rows of `x` (rows x plan.inputWidth floats: each row holds the inputs side by
   * side; copied at the call) through a snapshot, off the main thread (Napi::AsyncWorker), `chunkRows`
   * rows at a time (the scratch memory is chunkRows x every slot's width; the result does not depend
   * on it). Resolves with rows x plan.outputWidth floats (the outputs side by side in each row).
   * Calls run one at a time, each on one thread.
   */
  forwardAsync(plan: ForwardPlan, x: Float32Array, rows: number, chunkRows: number): Promise<Float32Array>;

  /**
   * Floats of the recurrent driver's forward cache (kept from recurrentForward to recurrentBackward) and of
   * recurrentBackward's scratch, for a spec's sizes, cell, activations and the flags `masked` and
   * `recurrentDropout` (whether those buffers will be given).
   */
  recurrentSizes(spec: RecurrentSpec & { masked?: boolean; recurrentDropout?: boolean }): { cache: number; scratch: number };
  /**
   * A recurrent layer's forward pass over all steps (native/include/dendrite/recurrent.h): the input projection
   * of every step as one GEMM, then per step the recurrent GEMM and the fused cell kernel, batch slices on the
   * pool's threads (results do not depend on the thread count). Writes the outputs given (sequence
   * [batch, steps, units] in processing order, lastOutput, stateH, stateC for an LSTM) and the cache.
   */
  recurrentForward(spec: RecurrentForwardSpec): void;
  /**
   * Backpropagation through time from the gradients of the outputs (each null or given), with the cache of the
   * forward call of the same spec: writes dx, dh0, dc0 (those given) and adds into (accumulate) or overwrites the
   * weight gradients given.
   */
  recurrentBackward(spec: RecurrentBackwardSpec): void;
  /** out[i, :] = table[indices[i], :] for `count` rows of `width`; each index must be in [0, tableRows) (ValueError). */
  gatherRows(table: Float32Array, tableRows: number, width: number, indices: Int32Array, count: number, out: Float32Array): void;
  /** tableGrad[indices[i], :] += grad[i, :] in order of i; each index must be in [0, tableRows). */
  scatterAddRows(grad: Float32Array, width: number, indices: Int32Array, count: number, tableGrad: Float32Array, tableRows: number): void;

  /**
   * Takes an exclusive advisory lock on an open file (flock; LockFileEx on Windows) without waiting:
   * true when taken, false when another open file holds it. The operating system releases it when
   * the file is closed or the process ends, however it ends.
   */
  tryLockFile(fd: number): boolean;
  /** Releases the lock tryLockFile took. */
  unlockFile(fd: number): void;
}

/** What {@link NativeBinding.forwardPlan} returns: an opaque snapshot, with its widths and size. */
export interface ForwardPlan {
  /** The inputs' widths summed: a row of x. */
  readonly inputWidth: number;
  /** The outputs' widths summed: a row of the result. */
  readonly outputWidth: number;
  /** Bytes of weights the snapshot holds. */
  readonly bytes: number;
}

/**
 * What every recurrent driver call reads: `cell` from opCodes.cell; sizes; activations as opCodes.unary codes
 * with their parameters; a GRU's `resetAfter`; the step order and whether masked steps output 0.
 */
export interface RecurrentSpec {
  cell: number;
  batch: number;
  steps: number;
  inputs: number;
  units: number;
  activation: number;
  activationParam?: number;
  recurrentActivation: number;
  recurrentParam?: number;
  resetAfter?: boolean;
  goBackwards?: boolean;
  zeroMaskedOutputs?: boolean;
}

/** Buffers of a recurrent driver call (batch-major). */
export interface RecurrentBuffers {
  /** [inputs, G * units], G = 1 (simpleRnn), 4 (lstm), 3 (gru). */
  kernel: Float32Array;
  /** [units, G * units]. */
  recurrentKernel: Float32Array;
  /** [batch, steps] of 0/1, or null. */
  mask?: Float32Array | null;
  /** [batch, inputs] scaled keep mask (0 or 1 / (1 - rate)), or null. */
  inputDropout?: Float32Array | null;
  /** [batch, units] scaled keep mask, or null. */
  recurrentDropout?: Float32Array | null;
  cache: Float32Array;
}

export interface RecurrentForwardSpec extends RecurrentSpec, RecurrentBuffers {
  /** [batch, steps, inputs]. */
  x: Float32Array;
  /** [G * units], a GRU with resetAfter [2, 3 * units], or null. */
  bias?: Float32Array | null;
  h0?: Float32Array | null;
  c0?: Float32Array | null;
  sequence?: Float32Array | null;
  lastOutput?: Float32Array | null;
  stateH?: Float32Array | null;
  stateC?: Float32Array | null;
}

export interface RecurrentBackwardSpec extends RecurrentSpec, RecurrentBuffers {
  scratch: Float32Array;
  dSequence?: Float32Array | null;
  dLastOutput?: Float32Array | null;
  dStateH?: Float32Array | null;
  dStateC?: Float32Array | null;
  dx?: Float32Array | null;
  dh0?: Float32Array | null;
  dc0?: Float32Array | null;
  dKernel?: Float32Array | null;
  dRecurrentKernel?: Float32Array | null;
  dBias?: Float32Array | null;
  accumulate?: boolean;
}

/**
 * One step of {@link NativeBinding.forwardPlan}: it writes the next slot from the slots in `from`
 * (by default the slot written just before it). `activation` is a unary op code, `op` a binary one;
 * `sum` sums each row into one value, `concat` puts its slots side by side.
 */
export type ForwardStep =
  | { kind: 'dense'; from?: number; kernel: Float32Array; bias: Float32Array | null; inputs: number; units: number; activation: number; param: number }
  /**
   * An int8 Dense layer (as `int8.dense`): `packed` and `columnSums` from `int8.packWeights`, `scales` the
   * per-channel weight scales, `aScale` / `aZeroPoint` the input's static quantisation (aScale 0: dynamic, from
   * each pass of `chunkRows` rows).
   */
  | {
    kind: 'int8Dense'; from?: number; packed: Int8Array; columnSums: Int32Array; scales: Float32Array; bias: Float32Array | null;
    inputs: number; units: number; activation: number; param: number; aScale: number; aZeroPoint: number;
  }
  /**
   * A convolution of each row as one NHWC sample (`geometry` as conv2d takes it; its batch is ignored)
   * with its epilogue; `transpose`: the transposed convolution (conv2dBackwardData), taking the
   * geometry's output per row and giving its input.
   */
  | {
    kind: 'conv2d'; from?: number; geometry: Int32Array; kernel: Float32Array; bias: Float32Array | null; scale: Float32Array | null;
    shift: Float32Array | null; activation: number; param: number; transpose: boolean;
  }
  /** Pooling of each row as one NHWC sample (`pool` from opCodes.pool; `geometry` as pool2d takes it). */
  | { kind: 'pool2d'; from?: number; pool: number; geometry: Int32Array }
  /** y = x * scale[c] + shift[c] over the row's values as `[..., channels]` (a batch normalization). */
  | { kind: 'affine'; from?: number; scale: Float32Array; shift: Float32Array; channels: number }
  /** Reduces each row as `[width / inner, inner]` over its first axis (opCodes.reduce `op`): global pooling. */
  | { kind: 'reduce'; from?: number; op: number; inner: number }
  | { kind: 'unary'; from?: number; activation: number; param: number }
  | { kind: 'softmax'; from?: number; log: boolean }
  | { kind: 'binary'; from: number | readonly number[]; op: number; constant?: number }
  | { kind: 'sum'; from?: number }
  | { kind: 'concat'; from: readonly number[] };

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: lib/ (sources, run by tsx/vitest) or dist/ and dist/cjs/ (built) sit below it. */
export const packageRoot = [resolve(here, '..'), resolve(here, '../..')].find((dir) =>
  existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp')),
) ?? resolve(here, '..');

export const version: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

/** What builds the addon once the install script is allowed (the README says the same). */
const BUILD_COMMANDS = ['npm install-scripts approve dendrite', 'npm rebuild dendrite'];

/** @internal The message of the NativeError thrown when the addon does not load, given the loader's error. */
export function loadFailureMessage(cause: string, explicit: string | undefined): string {
  const platform = `${process.platform}-${process.arch}`;
  if (explicit === undefined && /No native build was found/.test(cause)) {
    // No binary at all: no prebuilt one for this platform, and the install script that builds one did not run
    // (a failed build fails the install itself). Package managers now ask before running a dependency's script.
    return [
      `Dendrite's native addon is not built for ${platform} (Node ${process.version}): no prebuilt binary ships for this`,
      "platform, and dendrite's install script, which builds one, did not run (package managers now ask before running",
      "a dependency's install script; --ignore-scripts skips it). Approve it and build the addon (needs a C++17 compiler,",
      'make and python3):',
      ...BUILD_COMMANDS.map((command) => `  ${command}`),
      'With pnpm: pnpm approve-builds, then pnpm rebuild dendrite. If node_modules came from another platform, install again here.',
      `Cause: ${cause.trim()}`,
    ].join('\n');
  }
  return [
    `Could not load the Dendrite native addon for ${platform} (Node ${process.version}, Node-API ${process.versions.napi}).`,
    `Cause: ${cause}`,
    'Possible solutions:',
    '- Reinstall dendrite: its package carries prebuilt binaries (prebuilds/<platform>-<arch>); other platforms build from source at install',
    `- Build from source: install a C++17 compiler (g++ >= 9 or clang >= 10), python3 and make, then run \`${BUILD_COMMANDS.join(' && ')}\``,
    '- Make sure node_modules was not copied from another platform',
    explicit ? `- DENDRITE_BINARY is set to ${explicit}: unset it or point it at a built dendrite.node` : '',
  ].filter(Boolean).join('\n');
}

function loadBinding(): NativeBinding {
  const require = createRequire(join(packageRoot, 'package.json'));
  const explicit = process.env.DENDRITE_BINARY;
  try {
    // DENDRITE_BINARY points at a specific build (the sanitizer build in CI, a custom build).
    const binding = (explicit ? require(resolve(explicit)) : require('node-gyp-build')(packageRoot)) as NativeBinding;
    binding.setErrorClasses(ValueError, ArgumentTypeError, NativeError);
    return binding;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    if (/DENDRITE_(ISA|NUM_THREADS)/.test(cause)) throw new ValueError(cause);
    throw new NativeError(loadFailureMessage(cause, explicit));
  }
}

/** The raw binding, loaded once per thread (each worker_thread gets its own addon instance). */
export const binding: NativeBinding = loadBinding();
