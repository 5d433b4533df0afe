/**
 * Dendrite's typed errors. Every error extends {@link DendriteError} and carries a `.code`;
 * messages name the op, layer or argument, what was expected and what was received.
 */

/** Base class of every error Dendrite throws on purpose. */
export class DendriteError extends Error {
  /** A stable, machine-readable code such as `ERR_DENDRITE_SHAPE`. */
  readonly code: string;
  constructor(message: string, code = 'ERR_DENDRITE', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Incompatible shapes: `matmul: cannot multiply [32, 10] by [64, 16]: ...`. */
export class ShapeError extends DendriteError {
  constructor(message: string) {
    super(message, 'ERR_DENDRITE_SHAPE');
  }
}

/** An argument of the right type with a value out of range or otherwise invalid. */
export class ValueError extends DendriteError {
  constructor(message: string) {
    super(message, 'ERR_DENDRITE_VALUE');
  }
}

/** A tensor of the wrong dtype (float32 where int32 labels are needed, ...). */
export class DTypeError extends DendriteError {
  constructor(message: string) {
    super(message, 'ERR_DENDRITE_DTYPE');
  }
}

/**
 * A saved model or weights file that cannot be read (truncated, corrupted, wrong version, refused),
 * or a model that cannot be saved; a file-system error is its `cause`.
 */
export class SerializationError extends DendriteError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_DENDRITE_SERIALIZATION', options);
  }
}

/**
 * Something valid that Dendrite cannot do: a layer with no ONNX form in an export, ONNX operators an
 * import does not know. `items` lists what was refused (layer names, operator types).
 */
export class UnsupportedError extends DendriteError {
  /** What was refused: layer names or operator types. */
  readonly items: readonly string[];
  constructor(message: string, items: readonly string[] = []) {
    super(message, 'ERR_DENDRITE_UNSUPPORTED');
    this.items = Object.freeze(items.slice());
  }
}

/** The native addon failed (could not load, or a kernel reported a failure). */
export class NativeError extends DendriteError {
  constructor(message: string) {
    super(message, 'ERR_DENDRITE_NATIVE');
  }
}

/** An argument of the wrong type. Also `instanceof TypeError`. */
export class ArgumentTypeError extends TypeError {
  readonly code = 'ERR_DENDRITE_ARGUMENT_TYPE';
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentTypeError';
  }
}
// ArgumentTypeError must extend TypeError (what Node users check for a wrong type), so it
// cannot also extend DendriteError; `instanceof DendriteError` is taught to accept it.
const dendriteHasInstance = Function.prototype[Symbol.hasInstance];
Object.defineProperty(DendriteError, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    if (this === DendriteError && value instanceof ArgumentTypeError) return true;
    return dendriteHasInstance.call(this, value);
  },
});

/** A cancelled operation (an AbortSignal fired); `cause` is the signal's reason. */
export class AbortError extends DendriteError {
  constructor(message = 'The operation was aborted', options?: ErrorOptions) {
    super(message, 'ABORT_ERR', options);
  }
}
