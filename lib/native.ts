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
}

export interface RawBackendInfo {
  isa: string;
  isas: string[];
  threads: number;
  defaultThreads: number;
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

  /** sum(x[i]^2) over the first n elements, accumulated in double (kernel `sum_squares`). */
  sumSquares(x: Float32Array, n: number): number;

  /** C = alpha*op(A)*op(B) + beta*C, + bias per column, then activation (kernel `sgemm`). */
  sgemm?(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
    bias: Float32Array | null, activation: number, activationParam: number,
    batch: number, strideA: number, strideB: number, strideC: number,
  ): void;
  /** y = op(x) elementwise over n elements (kernel `unary`). */
  unary?(op: number, param: number, x: Float32Array, y: Float32Array, n: number): void;
  /** dx = dy * op'(x) given forward input x and/or output y (kernel `unary_grad`). */
  unaryGrad?(op: number, param: number, x: Float32Array | null, y: Float32Array | null, dy: Float32Array, dx: Float32Array, n: number): void;
  /** Broadcasting binary op; layout = [rank, shape..., aStrides..., bStrides...] (kernel `binary`). */
  binary?(op: number, a: Float32Array, b: Float32Array, out: Float32Array, layout: Float64Array): void;
  /** y = x*scale + shift (kernel `affine`). */
  affine?(x: Float32Array, scale: number, shift: number, y: Float32Array, n: number): void;
  softmax?(x: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxGrad?(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxCrossEntropy?(
    logits: Float32Array, labels: Int32Array | null, probs: Float32Array | null, rows: number, cols: number,
    rowLoss: Float32Array, grad: Float32Array | null, gradScale: number,
  ): void;
  sigmoidCrossEntropy?(logits: Float32Array, targets: Float32Array, n: number, loss: Float32Array, grad: Float32Array | null, gradScale: number): void;
  /** Returns the sum of the elementwise loss; writes the gradient if `grad` is given. */
  regressionLoss?(kind: number, param: number, pred: Float32Array, target: Float32Array, n: number, grad: Float32Array | null, gradScale: number): number;
  reduce?(op: number, x: Float32Array, outer: number, axis: number, inner: number, out: Float32Array): void;
  argmax?(x: Float32Array, outer: number, axis: number, inner: number, out: Int32Array): void;
  columnSum?(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void;
  /**
   * One optimizer step over n parameters. hyper = [learningRate, momentum, nesterov(0/1), beta1, beta2,
   * epsilon, weightDecay, decoupled(0/1), clipValue, gradScale, step].
   */
  optimizerUpdate?(
    kind: number, hyper: Float64Array, param: Float32Array, grad: Float32Array,
    state1: Float32Array | null, state2: Float32Array | null, n: number,
  ): void;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: lib/ (sources, run by tsx/vitest) or dist/ and dist/cjs/ (built) sit below it. */
export const packageRoot = [resolve(here, '..'), resolve(here, '../..')].find((dir) =>
  existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp')),
) ?? resolve(here, '..');

export const version: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

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
    throw new NativeError(
      [
        `Could not load the Dendrite native addon for ${process.platform}-${process.arch} (Node ${process.version}, Node-API ${process.versions.napi}).`,
        `Cause: ${cause}`,
        'Possible solutions:',
        '- Reinstall dendrite: its package carries prebuilt binaries (prebuilds/<platform>-<arch>); other platforms build from source at install',
        '- Build from source: install a C++17 compiler (g++ >= 9 or clang >= 10), python3 and make, then run `npm rebuild dendrite`',
        '- Make sure install scripts were not skipped (--ignore-scripts) and that node_modules was not copied from another platform',
        explicit ? `- DENDRITE_BINARY is set to ${explicit}: unset it or point it at a built dendrite.node` : '',
      ].filter(Boolean).join('\n'),
    );
  }
}

/** The raw binding, loaded once per thread (each worker_thread gets its own addon instance). */
export const binding: NativeBinding = loadBinding();
