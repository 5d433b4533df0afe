/**
 * TensorFlow.js's tensor constructors: `tensor1d` … `tensor6d` (a tensor of a stated rank) and
 * `buffer` (a mutable `TensorBuffer` turned into a tensor with `toTensor()`), over Dendrite's
 * `tensor()`.
 */
import { ShapeError, Tensor, tensor, type DType, type TensorLike } from '../index.js';
import { checkChoice, checkInteger, checkShape, formatShape, typeError } from '../validate.js';

const DTYPES: readonly DType[] = ['float32', 'int32'];

/** `tensor(values, shape, dtype)` that must come out with `rank` dimensions (named `where` in errors). */
function tensorOfRank(where: string, rank: number, values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  if (shape !== undefined && checkShape(where, 'shape', shape).length !== rank) {
    throw new ShapeError(`${where}: shape must have ${rank} dimension${rank === 1 ? '' : 's'}, got ${formatShape(shape)}`);
  }
  const result = tensor(values, shape === undefined ? undefined : [...shape], dtype === undefined ? undefined : checkChoice(where, 'dtype', dtype, DTYPES));
  if (result.rank !== rank) throw new ShapeError(`${where}: values must have ${rank} dimension${rank === 1 ? '' : 's'}, got shape ${formatShape(result.shape)}`);
  return result;
}

/** A 1-D tensor (TensorFlow.js `tf.tensor1d`). */
export function tensor1d(values: TensorLike, dtype?: DType): Tensor {
  return tensorOfRank('tensor1d', 1, values, undefined, dtype);
}
/** A 2-D tensor (TensorFlow.js `tf.tensor2d`): nested values, or flat values with a shape. */
export function tensor2d(values: TensorLike, shape?: readonly [number, number], dtype?: DType): Tensor {
  return tensorOfRank('tensor2d', 2, values, shape, dtype);
}
/** A 3-D tensor (TensorFlow.js `tf.tensor3d`). */
export function tensor3d(values: TensorLike, shape?: readonly [number, number, number], dtype?: DType): Tensor {
  return tensorOfRank('tensor3d', 3, values, shape, dtype);
}
/** A 4-D tensor (TensorFlow.js `tf.tensor4d`). */
export function tensor4d(values: TensorLike, shape?: readonly [number, number, number, number], dtype?: DType): Tensor {
  return tensorOfRank('tensor4d', 4, values, shape, dtype);
}
/** A 5-D tensor (TensorFlow.js `tf.tensor5d`). */
export function tensor5d(values: TensorLike, shape?: readonly [number, number, number, number, number], dtype?: DType): Tensor {
  return tensorOfRank('tensor5d', 5, values, shape, dtype);
}
/** A 6-D tensor (TensorFlow.js `tf.tensor6d`). */
export function tensor6d(values: TensorLike, shape?: readonly [number, number, number, number, number, number], dtype?: DType): Tensor {
  return tensorOfRank('tensor6d', 6, values, shape, dtype);
}

/**
 * A mutable buffer of a shape and dtype (TensorFlow.js `tf.TensorBuffer`): `set(value, ...indices)`,
 * `get(...indices)`, `values`, and `toTensor()` (a tensor holding a copy of the values).
 */
export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  readonly values: Float32Array | Int32Array;
  readonly strides: number[];

  constructor(shape: readonly number[], dtype: DType = 'float32', values?: Float32Array | Int32Array) {
    const where = 'buffer';
    this.shape = checkShape(where, 'shape', shape);
    this.dtype = checkChoice(where, 'dtype', dtype, DTYPES);
    this.size = this.shape.reduce((a, b) => a * b, 1);
    this.strides = this.shape.map((_, i) => this.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    if (values === undefined) {
      this.values = dtype === 'int32' ? new Int32Array(this.size) : new Float32Array(this.size);
    } else {
      const expected = dtype === 'int32' ? Int32Array : Float32Array;
      if (!(values instanceof expected)) typeError(where, 'values', `a ${expected.name} (dtype ${dtype})`, values);
      if (values.length !== this.size) throw new ShapeError(`${where}: values hold ${values.length} elements, shape ${formatShape(this.shape)} needs ${this.size}`);
      this.values = values;
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The flat position of `indices`; ShapeError naming them when out of range. */
  private offset(where: string, indices: readonly number[]): number {
    if (indices.length !== this.shape.length) {
      throw new ShapeError(`${where}: expected ${this.shape.length} indices for shape ${formatShape(this.shape)}, got ${indices.length}`);
    }
    let offset = 0;
    for (let i = 0; i < indices.length; i++) offset += checkInteger(where, `index ${i}`, indices[i], 0, this.shape[i] - 1) * this.strides[i];
    return offset;
  }

  /** Sets the element at `indices` to `value`. */
  set(value: number, ...indices: number[]): void {
    if (typeof value !== 'number') typeError('buffer.set', 'value', 'a number', value);
    this.values[this.offset('buffer.set', indices)] = value;
  }

  /** The element at `indices`. */
  get(...indices: number[]): number {
    return this.values[this.offset('buffer.get', indices)];
  }

  /** A tensor of the buffer's shape, dtype and (copied) values. */
  toTensor(): Tensor {
    return tensor(this.values.slice(), this.shape, this.dtype);
  }
}

/** A {@link TensorBuffer} (TensorFlow.js `tf.buffer(shape, dtype?, values?)`). */
export function buffer(shape: readonly number[], dtype: DType = 'float32', values?: Float32Array | Int32Array): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}
