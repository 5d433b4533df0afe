/**
 * TensorFlow.js's memory calls, `tidy`, `keep` and `dispose`, so that programs written for it run
 * unchanged. Dendrite's tensors are freed by the garbage collector once unreachable (tfjs-node's are
 * not, hence these calls there): `tidy(fn)` runs `fn` and returns its result, `keep(t)` returns `t`,
 * and `dispose(container)` checks that it holds tensors and frees nothing early (a tensor used after
 * `dispose` still works, where tfjs would throw).
 */
import { Tensor } from '../index.js';
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
