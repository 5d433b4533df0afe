/**
 * TensorFlow.js's tensor methods on Dendrite's Tensor, added when `dendrite/tfjs` is imported (a
 * program using `dendrite` alone sees Dendrite's own names only). Each is one of Dendrite's
 * operations: `arraySync()` is `toArray()`, `argMax(axis = 0)` is `argmax` with tfjs's default
 * axis, `as2D(rows, cols)` is `reshape`, `toInt()` is `cast('int32')`. A method Dendrite's Tensor
 * already has under the same name is left as it is.
 */
import { Tensor, ShapeError, type DType, type NestedArray } from '../index.js';
import { checkBoolean, checkEach, checkInteger } from '../validate.js';
import { argMax, argMin, matMul } from './ops.js';
import { TensorBuffer } from './tensors.js';

declare module '../tensor.js' {
  interface Tensor {
    /** The values as nested arrays (tfjs `arraySync`; Dendrite `toArray`). */
    arraySync(): NestedArray;
    /** The values as nested arrays, as a promise (tfjs `array`). */
    array(): Promise<NestedArray>;
    /** Writes the tensor to the console (tfjs `print`). */
    print(verbose?: boolean): void;
    /** Indices of the largest values along `axis` (default 0, as tfjs). */
    argMax(axis?: number): Tensor;
    /** Indices of the smallest values along `axis` (default 0, as tfjs). */
    argMin(axis?: number): Tensor;
    /** This times `b`, either transposed first (tfjs `matMul`). */
    matMul(b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
    /** A one-element tensor as a scalar (rank 0). */
    asScalar(): Tensor;
    /** All values in one dimension. */
    as1D(): Tensor;
    /** Reshaped to `[rows, columns]`. */
    as2D(rows: number, columns: number): Tensor;
    as3D(rows: number, columns: number, depth: number): Tensor;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
    as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor;
    /** Cast to `dtype` (tfjs `asType`). */
    asType(dtype: DType): Tensor;
    /** Cast to int32. */
    toInt(): Tensor;
    /** Cast to float32. */
    toFloat(): Tensor;
    /** A TensorBuffer holding a copy of the values. */
    bufferSync(): TensorBuffer;
    /** A TensorBuffer holding a copy of the values, as a promise. */
    buffer(): Promise<TensorBuffer>;
    /** Frees nothing early: Dendrite's tensors are freed by the garbage collector (see `tf.dispose`). */
    dispose(): void;
  }
}

function reshapedTo(tensor: Tensor, where: string, dims: readonly unknown[]): Tensor {
  const shape = checkEach(dims, (d, i) => checkInteger(where, `dimension ${i}`, d, 0));
  return tensor.reshape(shape);
}

const methods: { [name: string]: (this: Tensor, ...args: never[]) => unknown } = {
  arraySync(this: Tensor) {
    return this.toArray();
  },
  array(this: Tensor) {
    return Promise.resolve(this.toArray());
  },
  print(this: Tensor, verbose?: boolean) {
    if (verbose !== undefined && checkBoolean('print', 'verbose', verbose)) console.log(`Tensor dtype ${this.dtype}, shape [${this.shape.join(', ')}]`);
    console.log(this.toString());
  },
  argMax(this: Tensor, axis?: number) {
    return argMax(this, axis);
  },
  argMin(this: Tensor, axis?: number) {
    return argMin(this, axis);
  },
  matMul(this: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean) {
    return matMul(this, b, transposeA, transposeB);
  },
  asScalar(this: Tensor) {
    if (this.size !== 1) throw new ShapeError(`asScalar: the tensor must hold one element, got shape [${this.shape.join(', ')}]`);
    return this.reshape([]);
  },
  as1D(this: Tensor) {
    return this.reshape([this.size]);
  },
  as2D(this: Tensor, ...dims: number[]) {
    return reshapedTo(this, 'as2D', dims.slice(0, 2));
  },
  as3D(this: Tensor, ...dims: number[]) {
    return reshapedTo(this, 'as3D', dims.slice(0, 3));
  },
  as4D(this: Tensor, ...dims: number[]) {
    return reshapedTo(this, 'as4D', dims.slice(0, 4));
  },
  as5D(this: Tensor, ...dims: number[]) {
    return reshapedTo(this, 'as5D', dims.slice(0, 5));
  },
  asType(this: Tensor, dtype: DType) {
    return this.cast(dtype);
  },
  toInt(this: Tensor) {
    return this.cast('int32');
  },
  toFloat(this: Tensor) {
    return this.cast('float32');
  },
  bufferSync(this: Tensor) {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync().slice() as Float32Array | Int32Array);
  },
  buffer(this: Tensor) {
    return Promise.resolve(new TensorBuffer(this.shape, this.dtype, this.dataSync().slice() as Float32Array | Int32Array));
  },
  dispose() {},
};

for (const [name, method] of Object.entries(methods)) {
  if (name in Tensor.prototype) continue;
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
}
