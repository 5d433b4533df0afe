/**
 * Weight regularizers (Keras `keras.regularizers`): a penalty computed from a tensor that the
 * model adds to the loss it differentiates and reports. Give one to a layer as
 * `kernelRegularizer`, `biasRegularizer` or `activityRegularizer`.
 *
 * ```ts
 * dn.layers.dense({ units: 64, kernelRegularizer: dn.regularizers.l2({ l2: 1e-4 }) });
 * ```
 */
import { ValueError } from './errors.js';
import { binding } from './native.js';
import { checkFloat, emptyTensor, scalar, Tensor } from './tensor.js';
import { recordOp } from './autograd/engine.js';
import { contiguous } from './ops/shape.js';
import { checkObject, checkOptions, checkRange, didYouMean, typeError } from './validate.js';
import { acceptedNames, resolveName } from './aliases.js';

/** Something that turns a tensor into a scalar penalty. */
export interface Regularizer {
  /** The registered class name ('L1', 'L2', 'L1L2'). */
  readonly className: string;
  /** The penalty: a rank-0 float32 tensor, differentiable with respect to `x`. */
  apply(x: Tensor): Tensor;
  /** The options that rebuild this regularizer (plain JSON). */
  getConfig(): Record<string, unknown>;
}

/** Options of {@link l1l2}. */
export interface L1L2Options {
  /** The factor of `sum(|x|)`, >= 0. */
  l1?: number;
  /** The factor of `sum(x^2)`, >= 0. */
  l2?: number;
}

/**
 * `l1 * sum(|x|) + l2 * sum(x^2)` (Keras `L1L2`). The forward is one pass (the squares summed
 * natively in double), the backward `l1 * sign(x) + 2 * l2 * x` (sign(0) = 0, as in TensorFlow).
 */
export class L1L2 implements Regularizer {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;

  /** Prefer the factories {@link l1}, {@link l2}, {@link l1l2}; the last three arguments are for subclasses. */
  constructor(options: L1L2Options = {}, where = 'l1l2', known: readonly string[] = ['l1', 'l2'], defaults: Required<L1L2Options> = { l1: 0.01, l2: 0.01 }) {
    const o = checkOptions<L1L2Options>(where, options, known);
    this.l1 = o.l1 === undefined ? defaults.l1 : checkRange(where, 'l1', o.l1, 0, Infinity);
    this.l2 = o.l2 === undefined ? defaults.l2 : checkRange(where, 'l2', o.l2, 0, Infinity);
  }

  apply(x: Tensor): Tensor {
    const where = `${this.className}.apply`;
    if (!(x instanceof Tensor)) typeError(where, 'x', 'a Tensor', x);
    checkFloat(where, 'x', x);
    const values = contiguous(x.detach()).storage as Float32Array;
    const n = values.length;
    const { l1, l2 } = this;
    let penalty = 0;
    if (l1 !== 0) {
      let sumAbs = 0;
      for (let i = 0; i < n; i++) sumAbs += Math.abs(values[i]);
      penalty += l1 * sumAbs;
    }
    if (l2 !== 0 && n > 0) penalty += l2 * binding.sumSquares(values, n);
    const out = scalar(penalty);
    return recordOp(this.className.toLowerCase(), out, [x], (grad) => {
      const g = grad.storage[0];
      const dx = emptyTensor(x.shape);
      const d = dx.storage;
      const a = g * l1;
      const b = 2 * g * l2;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        d[i] = (v > 0 ? a : v < 0 ? -a : 0) + b * v;
      }
      return [dx];
    });
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** `l1 * sum(|x|)` (Keras `L1`). */
export class L1 extends L1L2 {
  override readonly className: string = 'L1';
  constructor(options: { l1?: number } = {}) {
    super(options, 'l1', ['l1'], { l1: 0.01, l2: 0 });
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** `l2 * sum(x^2)` (Keras `L2`). */
export class L2 extends L1L2 {
  override readonly className: string = 'L2';
  constructor(options: { l2?: number } = {}) {
    super(options, 'l2', ['l2'], { l1: 0, l2: 0.01 });
  }
  override getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/** An L1 penalty `l1 * sum(|x|)`; `l1` defaults to 0.01 (Keras). */
export function l1(options?: { l1?: number }): L1 {
  return new L1(options);
}

/** An L2 penalty `l2 * sum(x^2)`; `l2` defaults to 0.01 (Keras). Note: no factor 1/2. */
export function l2(options?: { l2?: number }): L2 {
  return new L2(options);
}

/** `l1 * sum(|x|) + l2 * sum(x^2)`; both default to 0.01 (as TensorFlow.js' `l1l2` and tf.keras' `l1_l2`). */
export function l1l2(options?: L1L2Options): L1L2 {
  return new L1L2(options);
}

// ---------------------------------------------------------------------------------------------

/** Factories by their canonical names; class names ('L1L2') and 'l1_l2' are in lib/aliases.ts. */
const factories: Record<string, (options?: never) => Regularizer> = { l1, l2, l1l2 };

/** The canonical names {@link getRegularizer} accepts. */
export const REGULARIZER_NAMES: readonly string[] = Object.keys(factories);

/** The serialized form of a regularizer. */
export interface RegularizerConfig {
  className: string;
  config: Record<string, unknown>;
}

function isRegularizer(value: unknown): value is Regularizer {
  return (
    value !== null && typeof value === 'object' && typeof (value as Regularizer).apply === 'function' &&
    typeof (value as Regularizer).getConfig === 'function' && typeof (value as Regularizer).className === 'string'
  );
}

/**
 * A regularizer from a name with Keras defaults (`'l1'`, `'l2'`, `'l1l2'`; class names `'L1'`,
 * `'L2'`, `'L1L2'` too), a regularizer object (returned as is), or a serialized `{className, config}`.
 */
export function getRegularizer(identifier: string | Regularizer | RegularizerConfig): Regularizer {
  const where = 'getRegularizer';
  if (isRegularizer(identifier)) return identifier;
  if (typeof identifier === 'string') {
    const resolved = resolveName('regularizer', identifier, factories);
    if (resolved === undefined) {
      throw new ValueError(
        `${where}: unknown regularizer '${identifier}'${didYouMean(identifier, acceptedNames('regularizer', factories))}; known regularizers: ${REGULARIZER_NAMES.join(', ')}`,
      );
    }
    return factories[resolved.name]();
  }
  if (identifier !== null && typeof identifier === 'object' && 'className' in identifier) return deserializeRegularizer(identifier);
  return typeError(where, 'regularizer', 'a name or a regularizer object', identifier);
}

/** `{className, config}` for a regularizer. */
export function serializeRegularizer(regularizer: Regularizer): RegularizerConfig {
  if (!isRegularizer(regularizer)) typeError('serializeRegularizer', 'regularizer', 'a regularizer', regularizer);
  return { className: regularizer.className, config: regularizer.getConfig() };
}

/** Rebuilds a regularizer from {@link serializeRegularizer}'s output. */
export function deserializeRegularizer(value: unknown): Regularizer {
  const where = 'deserializeRegularizer';
  const object = checkObject(where, 'regularizer', value);
  const className = object.className;
  if (typeof className !== 'string') typeError(where, 'className', 'a string', className);
  const resolved = resolveName('regularizer', className, factories);
  if (resolved === undefined) {
    throw new ValueError(
      `${where}: unknown regularizer class '${className}'${didYouMean(className, acceptedNames('regularizer', factories))}; known: ${REGULARIZER_NAMES.join(', ')}`,
    );
  }
  return factories[resolved.name]((object.config === undefined ? {} : checkObject(where, 'config', object.config)) as never);
}
