/**
 * TensorFlow.js's memory calls, `tidy`, `keep` and `dispose`, so that programs written for it run
 * unchanged. Dendrite's tensors are freed by the garbage collector once unreachable (tfjs-node's are
 * not, hence these calls there): `tidy(fn)` runs `fn` and returns its result, `keep(t)` returns `t`,
 * and `dispose(container)` checks that it holds tensors and frees nothing early (a tensor used after
 * `dispose` still works, where tfjs would throw). `memory()` is Dendrite's `dn.memory()` under tfjs's
 * field names.
 */
import { Tensor, memory as dendriteMemory } from '../index.js';
import { checkFunction, checkString, typeError } from '../validate.js';

/** What `tidy`'s function may return: a tensor, or arrays and objects of them (or nothing). */
export type TensorContainer = void | Tensor | string | number | boolean | null | TensorContainer[] | { [key: string]: TensorContainer } | Float32Array | Int32Array | Uint8Array;

/** Runs `fn` and returns its result, as `tf.tidy(fn)` or `tf.tidy(name, fn)`. `fn` must not be async (as in tfjs). */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const where = 'tidy';
  let run: () => T;
  if (typeof nameOrFn === 'string') {
    checkString(where, 'name', nameOrFn);
    run = checkFunction(where, 'fn', fn) as () => T;
  } else {
    run = checkFunction(where, 'fn', nameOrFn) as () => T;
  }
  const result = run();
  if (result instanceof Promise) typeError(where, 'fn', 'a synchronous function (tidy cannot run an async function, as in TensorFlow.js)', result);
  return result;
}

/** Returns `tensor` (in tfjs it survives the enclosing `tidy`; here every reachable tensor does). */
export function keep<T extends Tensor>(tensor: T): T {
  if (!(tensor instanceof Tensor)) typeError('keep', 'tensor', 'a Tensor', tensor);
  return tensor;
}

/** Checks that `container` is a tensor or arrays/objects holding tensors (other values are skipped, as in tfjs). */
export function dispose(container: TensorContainer): void {
  if (container === undefined || container === null) return;
  if (container instanceof Tensor || typeof container !== 'object' || ArrayBuffer.isView(container)) return;
  for (const value of Array.isArray(container) ? container : Object.values(container)) dispose(value);
}

/** What `tf.memory()` reports, with TensorFlow.js's field names. */
export interface MemoryInfo {
  /** Tensors alive (views count as tensors), counted after a full garbage collection; 0 where the runtime cannot count them (`unreliable` then says so). */
  numTensors: number;
  /** Distinct data buffers: counted as tensors (views sharing a buffer are counted once each; `reasons` says so). */
  numDataBuffers: number;
  /** Bytes of ArrayBuffer memory alive: tensor storage and every other typed array or Buffer of the process. */
  numBytes: number;
  /** Always true here, as in tfjs-node: the figures are approximate. */
  unreliable: boolean;
  /** Why the figures are approximate. */
  reasons: string[];
}

/**
 * `tf.memory()`: Dendrite's `dn.memory()` with tfjs's fields. It runs a full garbage collection to
 * count the live tensors, so it is slow: call it to check for leaks, not in a training loop.
 * ```ts
 * const { numTensors, numBytes } = tf.memory();
 * ```
 */
export function memory(): MemoryInfo {
  const info = dendriteMemory();
  const reasons = [
    ...info.reasons,
    'numBytes counts every ArrayBuffer of the process, not only tensor storage',
    'numDataBuffers counts tensors: views that share a buffer are not told apart',
  ];
  const numTensors = info.numTensors ?? 0;
  return { numTensors, numDataBuffers: numTensors, numBytes: info.numBytes, unreliable: true, reasons };
}
