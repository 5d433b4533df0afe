/**
 * The Tensor: an n-dimensional array of float32 (data) or int32 (labels, indices) held in a typed
 * array owned by JavaScript and handed to the native kernels without copying. The garbage
 * collector frees it: there is no dispose().
 *
 * A tensor is a `storage` typed array plus a `shape` and, for views, `strides`. Element
 * `[0, 0, ...]` is always `storage[0]`. A contiguous (row-major) tensor has `strides === null`
 * internally and a storage of exactly `size` elements; views made by transpose, slice or
 * broadcastTo share their source's storage with other strides.
 */
import { formatTensor } from './format.js';
import { allocateStorage, allocateUninitialized, registerTensorClass } from './memory.js';
import { DTypeError, ValueError } from './errors.js';
import {
  checkBoolean, checkChoice, checkOptions, checkShape, describe, dtypeError, formatShape, MAX_TENSOR_SIZE, shapeError, typeError,
  valueError,
} from './validate.js';
import type { GradNode } from './autograd/engine.js';
import { backward as runBackward, type BackwardOptions } from './autograd/engine.js';
import * as elementwise from './ops/elementwise.js';
import * as compare from './ops/compare.js';
import * as floorDivision from './ops/floor-division.js';
import * as activations from './ops/activations.js';
import * as reduce from './ops/reduce.js';
import * as matmulOps from './ops/matmul.js';
import * as shapeOps from './ops/shape.js';
import * as convOps from './ops/conv.js';
import * as poolOps from './ops/pool.js';
import * as normalizationOps from './ops/normalization.js';

/** Element types: float32 for data, int32 for labels and indices. */
export type DType = 'float32' | 'int32';
/** Every dtype, for validation and messages. */
export const DTYPES: readonly DType[] = ['float32', 'int32'];
/** The typed array behind a tensor. */
export type TypedStorage = Float32Array | Int32Array;
/** Nested arrays of numbers, as returned by {@link Tensor.toArray}. */
export type NestedArray = number | NestedArray[];
/** Anything {@link tensor} accepts as data. */
export type TensorLike =
  | Tensor
  | number
  | boolean
  | ArrayLike<number>
  | readonly TensorLikeArray[];
type TensorLikeArray = number | boolean | ArrayLike<number> | readonly TensorLikeArray[];

/** Options of {@link tensor}. */
export interface TensorOptions {
  /** The shape; by default inferred from nested arrays (a flat array or typed array is 1-D). */
  shape?: readonly number[];
  /** 'float32' (default, except for an Int32Array) or 'int32'. */
  dtype?: DType;
  /** Record operations on this tensor so `backward()` can compute its gradient. */
  requiresGrad?: boolean;
}

// Storage allocation lives in memory.ts (slabs for small tensors, the allocator cache, no zero-fill
// for storage an op overwrites); these are its entry points for the rest of the library.
export { allocateStorage, allocateUninitialized } from './memory.js';

/** The number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i];
  return size;
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Marks constructor calls from Dendrite's own code, whose arguments are already valid. */
const TRUSTED = Symbol('dendrite.trusted');
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * An n-dimensional array with reverse-mode gradients. Create one with {@link tensor},
 * {@link zeros}, {@link randn}...; every op is available both as a function (`dn.add(a, b)`) and
 * as a method (`a.add(b)`), with the same validation.
 */
export class Tensor {
  /**
   * The typed array holding the elements; element `[0, ..., 0]` is `storage[0]`. For a
   * contiguous tensor it holds exactly `size` elements in row-major order. Views share it.
   */
  readonly storage: TypedStorage;
  /** The dimensions. Shared between tensors: never modify it. */
  readonly shape: readonly number[];
  /** 'float32' or 'int32'. */
  readonly dtype: DType;
  /** The number of elements (product of the shape). */
  readonly size: number;
  /** @internal Element strides of a view; null for a contiguous row-major tensor. */
  _strides: readonly number[] | null;
  /** @internal */
  _requiresGrad: boolean;
  /** @internal */
  _grad: Tensor | null;
  /** @internal The op that produced this tensor, while its graph is recorded. */
  _node: GradNode | null;
  /** @internal Gradient being gathered during a backward pass. */
  _pendingGrad: Tensor | null;
  /** @internal */
  _retainsGrad: boolean;
  /** @internal `grad` holds zeros from zeroGrad(): the next backward copies into it instead of adding. */
  _gradZeroed: boolean;
  /** @internal The backward pass that last visited this tensor (cheaper than a Set per pass). */
  _visitedBy: number;

  /**
   * Wraps a typed array as a tensor (no copy). Prefer {@link tensor}, which also converts arrays.
   * @param storage a Float32Array (float32) or Int32Array (int32)
   * @param shape the dimensions; their product must not exceed the storage's length
   * @param strides element strides for a view over `storage` (default: contiguous row-major)
   * @param trusted internal: leave it out
   */
  constructor(storage: TypedStorage, shape: readonly number[], strides: readonly number[] | null = null, trusted?: unknown) {
    let size: number;
    if (trusted === TRUSTED) {
      size = shapeSize(shape);
    } else {
      if (!(storage instanceof Float32Array) && !(storage instanceof Int32Array)) {
        typeError('Tensor', 'storage', 'a Float32Array or Int32Array', storage);
      }
      shape = checkShape('Tensor', 'shape', shape);
      size = shapeSize(shape);
      if (strides === null || strides === undefined) {
        if (size > storage.length) shapeError('Tensor', `shape ${formatShape(shape)} needs ${size} elements, the storage has ${storage.length}`);
        if (storage.length !== size) storage = storage.subarray(0, size);
        strides = null;
      } else {
        strides = checkShape('Tensor', 'strides', strides);
        if (strides.length !== shape.length) valueError('Tensor', 'strides', `an array of ${shape.length} strides`, strides);
        let last = 0;
        for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * strides[i];
        if (size > 0 && last >= storage.length) shapeError('Tensor', `strides [${strides.join(', ')}] reach element ${last}, the storage has ${storage.length}`);
      }
    }
    this.storage = storage;
    this.shape = shape;
    this.dtype = storage instanceof Float32Array ? 'float32' : 'int32';
    this.size = size;
    this._strides = strides;
    this._requiresGrad = false;
    this._grad = null;
    this._node = null;
    this._pendingGrad = null;
    this._retainsGrad = false;
    this._gradZeroed = false;
    this._visitedBy = 0;
  }

  /** The number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Element strides (row-major strides for a contiguous tensor). */
  get strides(): readonly number[] {
    return this._strides ?? contiguousStrides(this.shape);
  }

  /** True when the elements sit in `storage` in row-major order with nothing between them. */
  get isContiguous(): boolean {
    return this._strides === null;
  }

  /**
   * Whether operations on this tensor are recorded for `backward()`. Settable on leaves
   * (tensors not computed by a recorded op); only float32 tensors can require gradients.
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    checkBoolean('requiresGrad', 'value', value);
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(`requiresGrad: only float32 tensors can require gradients, got ${this.dtype}`);
    }
    if (!value && this._node !== null) {
      throw new ValueError(
        `requiresGrad: cannot turn off gradients of a tensor computed by '${this._node.name}'; use detach() for a tensor outside the graph`,
      );
    }
    this._requiresGrad = value;
  }

  /**
   * The gradient accumulated by `backward()` (for leaves with `requiresGrad`, and for tensors
   * that called {@link Tensor.retainGrad}); null before any. Accumulates across calls until
   * {@link Tensor.zeroGrad}. Settable (to null, or a float32 tensor of this tensor's shape).
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor)) typeError('grad', 'value', 'a Tensor or null', value);
      checkFloat('grad', 'value', value);
      if (!sameShape(value.shape, this.shape)) {
        shapeError('grad', `the gradient has shape ${formatShape(value.shape)}, the tensor has shape ${formatShape(this.shape)}`);
      }
    }
    this._grad = value;
    this._gradZeroed = false;
  }

  /** True when this tensor was not computed by a recorded op (it is where gradients are kept). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** The name of the op that computed this tensor while its graph is recorded, else null. */
  get gradFn(): string | null {
    return this._node?.name ?? null;
  }

  /**
   * The elements as a flat row-major typed array. For a contiguous tensor this is its own
   * storage, without a copy (writing into it changes the tensor); a view returns a copy. Small
   * tensors share an underlying ArrayBuffer with others: use the array, not its `.buffer`
   * (`.slice()` gives an independent copy).
   */
  dataSync(): TypedStorage {
    return this._strides === null ? this.storage : shapeOps.contiguous(this).storage;
  }

  /** Like {@link Tensor.dataSync}, as a Promise (for code written against TensorFlow.js). */
  data(): Promise<TypedStorage> {
    return Promise.resolve(this.dataSync());
  }

  /** The elements as nested arrays (a number for a rank-0 tensor). */
  toArray(): NestedArray {
    const values = this.dataSync();
    if (this.shape.length === 0) return values[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const length = this.shape[dim];
      const inner = stride / Math.max(length, 1);
      const out = new Array<NestedArray>(length);
      for (let i = 0; i < length; i++) {
        out[i] = dim === this.shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(`item: only a tensor with one element has an item, got shape ${formatShape(this.shape)} (${this.size} elements)`);
    }
    return this.storage[0];
  }

  /** A readable text form; large tensors are elided with `...`. */
  toString(): string {
    return formatTensor({
      values: this.dataSync(),
      shape: this.shape,
      dtype: this.dtype,
      requiresGrad: this._requiresGrad,
      gradFn: this.gradFn,
    });
  }

  /** @internal Node's util.inspect (console.log) prints the same text as toString(). */
  [inspectCustom](): string {
    return this.toString();
  }

  // --- autograd -------------------------------------------------------------------------------

  /**
   * Computes the gradients of this tensor with respect to every leaf that requires them, adding
   * them into each leaf's `.grad`. Without `grad`, this tensor must hold one element (a loss);
   * otherwise `grad` is the upstream gradient, of this tensor's shape. The recorded graph is
   * released afterwards unless `retainGraph` is set.
   */
  backward(grad?: TensorLike | BackwardOptions, options?: BackwardOptions): void {
    runBackward(this, grad, options);
  }

  /**
   * Resets the accumulated gradient to zeros in place, so its buffer is reused from step to step
   * (the next backward() writes into it rather than adding to zeros).
   */
  zeroGrad(): void {
    if (this.grad === null) return;
    this.grad.storage.fill(0);
    this._gradZeroed = true;
  }

  /** Keeps `.grad` on this non-leaf tensor during `backward()` (leaves always keep it). */
  retainGrad(): this {
    if (!this._requiresGrad) {
      throw new ValueError('retainGrad: the tensor does not require gradients');
    }
    this._retainsGrad = true;
    return this;
  }

  /** A tensor sharing this one's elements, outside the graph (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this._strides, TRUSTED);
  }

  /** A contiguous copy that shares nothing with this tensor (recorded for gradients). */
  clone(): Tensor {
    return shapeOps.clone(this);
  }

  /** This tensor if contiguous, else a contiguous copy (recorded for gradients). */
  contiguous(): Tensor {
    return shapeOps.contiguous(this);
  }

  /** Converts to another dtype (float32 → int32 truncates toward zero). */
  cast(dtype: DType): Tensor {
    return shapeOps.cast(this, dtype);
  }

  // --- elementwise ----------------------------------------------------------------------------

  /** `this + b` with broadcasting. See {@link add}. */
  add(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.add(this, b, options);
  }
  /** `this - b` with broadcasting. See {@link sub}. */
  sub(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.sub(this, b, options);
  }
  /** `this * b` with broadcasting. See {@link mul}. */
  mul(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.mul(this, b, options);
  }
  /** `this / b` with broadcasting. See {@link div}. */
  div(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.div(this, b, options);
  }
  /** `this ** b` with broadcasting. See {@link pow}. */
  pow(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.pow(this, b, options);
  }
  /** Elementwise maximum with broadcasting. See {@link maximum}. */
  maximum(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.maximum(this, b, options);
  }
  /** Elementwise minimum with broadcasting. See {@link minimum}. */
  minimum(b: TensorLike, options?: elementwise.OutOptions): Tensor {
    return elementwise.minimum(this, b, options);
  }
  /** `-this`. */
  neg(options?: elementwise.OutOptions): Tensor {
    return elementwise.neg(this, options);
  }
  /** `|this|`. */
  abs(options?: elementwise.OutOptions): Tensor {
    return elementwise.abs(this, options);
  }
  /** `e ** this`. */
  exp(options?: elementwise.OutOptions): Tensor {
    return elementwise.exp(this, options);
  }
  /** Natural logarithm. */
  log(options?: elementwise.OutOptions): Tensor {
    return elementwise.log(this, options);
  }
  /** Square root. */
  sqrt(options?: elementwise.OutOptions): Tensor {
    return elementwise.sqrt(this, options);
  }
  /** `this * this`. */
  square(options?: elementwise.OutOptions): Tensor {
    return elementwise.square(this, options);
  }
  /** Clamps every element into [min, max]. See {@link clip}. */
  clip(min: number, max: number, options?: elementwise.OutOptions): Tensor {
    return elementwise.clip(this, min, max, options);
  }

  // --- comparisons and logical operators (float32 masks of 0 and 1), floor division ------------

  /** 1 where `this == b`, else 0. See {@link equal}. */
  equal(b: TensorLike): Tensor {
    return compare.equal(this, b);
  }
  /** 1 where `this != b`, else 0. */
  notEqual(b: TensorLike): Tensor {
    return compare.notEqual(this, b);
  }
  /** 1 where `this > b`, else 0. */
  greater(b: TensorLike): Tensor {
    return compare.greater(this, b);
  }
  /** 1 where `this >= b`, else 0. */
  greaterEqual(b: TensorLike): Tensor {
    return compare.greaterEqual(this, b);
  }
  /** 1 where `this < b`, else 0. */
  less(b: TensorLike): Tensor {
    return compare.less(this, b);
  }
  /** 1 where `this <= b`, else 0. */
  lessEqual(b: TensorLike): Tensor {
    return compare.lessEqual(this, b);
  }
  /** 1 where `this` and `b` are both nonzero, else 0. */
  logicalAnd(b: TensorLike): Tensor {
    return compare.logicalAnd(this, b);
  }
  /** 1 where `this` or `b` is nonzero, else 0. */
  logicalOr(b: TensorLike): Tensor {
    return compare.logicalOr(this, b);
  }
  /** 1 where exactly one of `this` and `b` is nonzero, else 0. */
  logicalXor(b: TensorLike): Tensor {
    return compare.logicalXor(this, b);
  }
  /** 1 where `this` is 0, else 0. */
  logicalNot(): Tensor {
    return compare.logicalNot(this);
  }
  /** `floor(this / b)`. See {@link floorDiv}. */
  floorDiv(b: TensorLike): Tensor {
    return floorDivision.floorDiv(this, b);
  }
  /** The floored remainder of `this / b`, with the sign of `b`. See {@link mod}. */
  mod(b: TensorLike): Tensor {
    return floorDivision.mod(this, b);
  }

  // --- activations ----------------------------------------------------------------------------

  /** `max(this, 0)`. */
  relu(options?: elementwise.OutOptions): Tensor {
    return activations.relu(this, options);
  }
  /** `this` where positive, `alpha * this` elsewhere (default alpha 0.2). */
  leakyRelu(alpha?: number, options?: elementwise.OutOptions): Tensor {
    return activations.leakyRelu(this, alpha, options);
  }
  /** `this` where positive, `alpha * (e^this - 1)` elsewhere (default alpha 1). */
  elu(alpha?: number, options?: elementwise.OutOptions): Tensor {
    return activations.elu(this, alpha, options);
  }
  /** `1 / (1 + e^-this)`. */
  sigmoid(options?: elementwise.OutOptions): Tensor {
    return activations.sigmoid(this, options);
  }
  /** Hyperbolic tangent. */
  tanh(options?: elementwise.OutOptions): Tensor {
    return activations.tanh(this, options);
  }
  /** Gaussian error linear unit (exact erf form, or `{approximate: 'tanh'}`). */
  gelu(options?: activations.GeluOptions): Tensor {
    return activations.gelu(this, options);
  }
  /** GELU, tanh approximation. */
  geluTanh(options?: elementwise.OutOptions): Tensor {
    return activations.geluTanh(this, options);
  }
  /** `log(1 + e^this)`. */
  softplus(options?: elementwise.OutOptions): Tensor {
    return activations.softplus(this, options);
  }
  /** `this * sigmoid(this)`. */
  silu(options?: elementwise.OutOptions): Tensor {
    return activations.silu(this, options);
  }
  /** Same as {@link Tensor.silu}. */
  swish(options?: elementwise.OutOptions): Tensor {
    return activations.silu(this, options);
  }
  /** Scaled ELU with the paper's fixed constants. See {@link selu}. */
  selu(options?: elementwise.OutOptions): Tensor {
    return activations.selu(this, options);
  }
  /** `this / (1 + |this|)`. */
  softsign(options?: elementwise.OutOptions): Tensor {
    return activations.softsign(this, options);
  }
  /** `relu6(this + 3) / 6` (Keras 3's slope 1/6). See {@link hardSigmoid}. */
  hardSigmoid(options?: elementwise.OutOptions): Tensor {
    return activations.hardSigmoid(this, options);
  }
  /** `this * relu6(this + 3) / 6` (MobileNetV3). */
  hardSwish(options?: elementwise.OutOptions): Tensor {
    return activations.hardSwish(this, options);
  }
  /** `min(max(this, 0), 6)`. */
  relu6(options?: elementwise.OutOptions): Tensor {
    return activations.relu6(this, options);
  }
  /** `this * tanh(softplus(this))`. */
  mish(options?: elementwise.OutOptions): Tensor {
    return activations.mish(this, options);
  }
  /** Softmax along an axis (default: the last). */
  softmax(axis?: number): Tensor {
    return activations.softmax(this, axis);
  }
  /** Log-softmax along an axis (default: the last). */
  logSoftmax(axis?: number): Tensor {
    return activations.logSoftmax(this, axis);
  }

  // --- reductions -----------------------------------------------------------------------------

  /** Sum over `axis` (default: all axes). */
  sum(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor {
    return reduce.sum(this, axis, keepDims);
  }
  /** Mean over `axis` (default: all axes). */
  mean(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor {
    return reduce.mean(this, axis, keepDims);
  }
  /** Maximum over `axis` (default: all axes). */
  max(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor {
    return reduce.max(this, axis, keepDims);
  }
  /** Minimum over `axis` (default: all axes). */
  min(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor {
    return reduce.min(this, axis, keepDims);
  }
  /** Population variance over `axis` (default: all axes). */
  variance(axis?: number | readonly number[] | null, keepDims?: boolean): Tensor {
    return reduce.variance(this, axis, keepDims);
  }
  /** Index of the maximum along `axis` (default: over the flattened tensor), as int32. */
  argmax(axis?: number | null, keepDims?: boolean): Tensor {
    return reduce.argmax(this, axis, keepDims);
  }
  /** Index of the minimum along `axis` (default: over the flattened tensor), as int32. */
  argmin(axis?: number | null, keepDims?: boolean): Tensor {
    return reduce.argmin(this, axis, keepDims);
  }

  // --- matrix products ------------------------------------------------------------------------

  /** Matrix product with `b`. See {@link matmul}. */
  matmul(b: TensorLike, options?: matmulOps.MatmulOptions): Tensor {
    return matmulOps.matmul(this, b, options);
  }

  // --- convolution, pooling, normalization ---------------------------------------------------

  /** 2-D convolution of this batch with `filter`. See {@link conv2d}. */
  conv2d(filter: TensorLike, options?: convOps.Conv2dOptions): Tensor {
    return convOps.conv2d(this, filter, options);
  }
  /** 1-D convolution of this batch with `filter`. See {@link conv1d}. */
  conv1d(filter: TensorLike, options?: convOps.Conv1dOptions): Tensor {
    return convOps.conv1d(this, filter, options);
  }
  /** Transposed 2-D convolution. See {@link conv2dTranspose}. */
  conv2dTranspose(filter: TensorLike, options?: convOps.Conv2dTransposeOptions): Tensor {
    return convOps.conv2dTranspose(this, filter, options);
  }
  /** Depthwise 2-D convolution. See {@link depthwiseConv2d}. */
  depthwiseConv2d(filter: TensorLike, options?: Omit<convOps.Conv2dOptions, 'groups'>): Tensor {
    return convOps.depthwiseConv2d(this, filter, options);
  }
  /** 2-D max pooling. See {@link maxPool2d}. */
  maxPool2d(poolSize: number | readonly number[], options?: poolOps.PoolOptions): Tensor {
    return poolOps.maxPool2d(this, poolSize, options);
  }
  /** 2-D average pooling. See {@link avgPool2d}. */
  avgPool2d(poolSize: number | readonly number[], options?: poolOps.PoolOptions): Tensor {
    return poolOps.avgPool2d(this, poolSize, options);
  }
  /** 1-D max pooling. See {@link maxPool1d}. */
  maxPool1d(poolSize: number, options?: poolOps.PoolOptions): Tensor {
    return poolOps.maxPool1d(this, poolSize, options);
  }
  /** 1-D average pooling. See {@link avgPool1d}. */
  avgPool1d(poolSize: number, options?: poolOps.PoolOptions): Tensor {
    return poolOps.avgPool1d(this, poolSize, options);
  }
  /** Batch normalization. See {@link batchNorm}. */
  batchNorm(options?: normalizationOps.BatchNormOptions): Tensor {
    return normalizationOps.batchNorm(this, options);
  }

  // --- shape and data movement ----------------------------------------------------------------

  /** Same elements, new shape (one dimension may be -1). A view when possible. */
  reshape(shape: readonly number[]): Tensor {
    return shapeOps.reshape(this, shape);
  }
  /** Flattens axes `startAxis..endAxis` (default: all) into one. */
  flatten(startAxis?: number, endAxis?: number): Tensor {
    return shapeOps.flatten(this, startAxis, endAxis);
  }
  /** Permutes the axes (default: reverses them). A view. */
  transpose(perm?: readonly number[]): Tensor {
    return shapeOps.transpose(this, perm);
  }
  /** Permutes the axes. A view. */
  permute(perm: readonly number[]): Tensor {
    return shapeOps.permute(this, perm);
  }
  /** Removes size-1 axes (all, or those listed). A view. */
  squeeze(axis?: number | readonly number[]): Tensor {
    return shapeOps.squeeze(this, axis);
  }
  /** Inserts a size-1 axis at `axis` (default 0). A view. */
  expandDims(axis?: number): Tensor {
    return shapeOps.expandDims(this, axis);
  }
  /** Broadcasts to `shape` without copying (a view with zero strides). */
  broadcastTo(shape: readonly number[]): Tensor {
    return shapeOps.broadcastTo(this, shape);
  }
  /** The block starting at `begin` of `size` (-1: to the end). A view. */
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor {
    return shapeOps.slice(this, begin, size);
  }
  /** Splits along `axis` into equal parts or parts of the given sizes (views). */
  split(numOrSizes: number | readonly number[], axis?: number): Tensor[] {
    return shapeOps.split(this, numOrSizes, axis);
  }
  /** Pads with `value` by `[before, after]` per axis. */
  pad(paddings: ReadonlyArray<readonly [number, number]>, value?: number): Tensor {
    return shapeOps.pad(this, paddings, value);
  }
  /** Takes the entries at `indices` along `axis`. */
  gather(indices: TensorLike, axis?: number): Tensor {
    return shapeOps.gather(this, indices, axis);
  }
}

registerTensorClass(Tensor);

/** @internal Constructs without validation: for Dendrite's own code, whose arguments are valid. */
export function makeTensor(storage: TypedStorage, shape: readonly number[], strides: readonly number[] | null = null): Tensor {
  return new Tensor(storage, shape, strides, TRUSTED);
}

/** The storage of a float32 tensor, typed as such (the caller has checked the dtype). */
export function floats(t: Tensor): Float32Array {
  return t.storage as Float32Array;
}

/** A new zero-filled contiguous tensor of `shape` (not validated: for library code). */
export function emptyTensor(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(allocateStorage(dtype, shapeSize(shape)), shape, null, TRUSTED);
}

/**
 * A new contiguous tensor of `shape` whose elements are unspecified: for an op's output that its
 * kernel overwrites entirely (no time goes into zero-filling it). Not validated: for library code.
 */
export function outputTensor(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(allocateUninitialized(dtype, shapeSize(shape)), shape, null, TRUSTED);
}

/**
 * A rank-0 tensor holding `value` (a number; a boolean is 0 or 1), float32 unless `dtype` says
 * 'int32' (then an integer). Anything else (a string, a bigint) is an ArgumentTypeError.
 */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const where = 'scalar';
  if (typeof value !== 'number' && typeof value !== 'boolean') typeError(where, 'value', 'a number', value);
  const storage = toStorage(where, [Number(value)], checkChoice(where, 'dtype', dtype, DTYPES));
  return new Tensor(storage, [], null, TRUSTED);
}

// ---------------------------------------------------------------------------------------------
// tensor(): conversion from JavaScript data.

/** Infers the shape of nested arrays from their first elements. */
function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level) || ArrayBuffer.isView(level)) {
    const array = level as ArrayLike<unknown>;
    shape.push(array.length);
    if (array.length === 0) break;
    level = array[0];
  }
  return shape;
}

/** Writes nested arrays into `out` in row-major order, checking they are regular and numeric. */
function flattenInto(where: string, data: unknown, shape: readonly number[], out: Float64Array | number[]): void {
  let position = 0;
  const visit = (value: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof value === 'number') out[position++] = value;
      else if (typeof value === 'boolean') out[position++] = value ? 1 : 0;
      else typeError(where, `data${path}`, 'a number', value);
      return;
    }
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
      throw new ValueError(`${where}: data is ragged: data${path} is ${describe(value)}, expected an array of length ${shape[dim]}`);
    }
    const array = value as ArrayLike<unknown>;
    if (array.length !== shape[dim]) {
      throw new ValueError(`${where}: data is ragged: data${path} has length ${array.length}, expected ${shape[dim]}`);
    }
    for (let i = 0; i < array.length; i++) visit(array[i], dim + 1, `${path}[${i}]`);
  };
  visit(data, 0, '');
}

/** Copies plain numbers into a new storage of `dtype`, checking int32 values. */
function toStorage(where: string, values: ArrayLike<number>, dtype: DType): TypedStorage {
  const storage = allocateUninitialized(dtype, values.length);
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
        throw new ValueError(`${where}: int32 data must hold integers from -2^31 to 2^31-1, got ${describe(v)} at index ${i}`);
      }
      storage[i] = v;
    }
  } else {
    for (let i = 0; i < values.length; i++) storage[i] = values[i];
  }
  return storage;
}

/**
 * Creates a tensor from a number, nested arrays or a typed array.
 *
 * A Float32Array (float32) or Int32Array (int32) is used as the tensor's storage without a copy:
 * later writes to it show in the tensor. Other data is copied. The dtype is 'float32' unless
 * given, or unless the data is an Int32Array.
 *
 * ```ts
 * dn.tensor([[1, 2], [3, 4]]);                 // shape [2, 2], float32
 * dn.tensor([1, 2, 3, 4], [2, 2]);             // the same
 * dn.tensor([0, 2, 1], undefined, 'int32');    // labels
 * dn.tensor([1, 2], { requiresGrad: true });   // a leaf for autograd
 * ```
 * @param data the values
 * @param shapeOrOptions the shape, or options `{shape, dtype, requiresGrad}`
 * @param dtype 'float32' or 'int32' (when the second argument is a shape)
 */
export function tensor(data: TensorLike, shapeOrOptions?: readonly number[] | TensorOptions, dtype?: DType): Tensor {
  const where = 'tensor';
  let options: TensorOptions;
  if (shapeOrOptions === undefined || Array.isArray(shapeOrOptions)) {
    options = { shape: shapeOrOptions as readonly number[] | undefined, dtype };
  } else {
    options = checkOptions<TensorOptions>(where, shapeOrOptions, ['shape', 'dtype', 'requiresGrad']);
    if (dtype !== undefined) valueError(where, 'dtype', 'given once (in the options object or as the third argument)', dtype);
  }
  const shape = options.shape === undefined ? undefined : checkShape(where, 'shape', options.shape);
  const wanted = options.dtype === undefined ? undefined : checkChoice(where, 'dtype', options.dtype, DTYPES);

  let result: Tensor;
  if (data instanceof Tensor) {
    const source = shapeOps.contiguous(data.detach());
    const targetDtype = wanted ?? data.dtype;
    const storage = targetDtype === data.dtype ? source.storage.slice() : shapeOps.cast(source, targetDtype).storage;
    result = withShape(where, storage, shape ?? data.shape);
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    const storage = toStorage(where, [Number(data)], wanted ?? 'float32');
    result = withShape(where, storage, shape ?? []);
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const typed = data as unknown as ArrayLike<number>;
    const targetDtype = wanted ?? (data instanceof Int32Array ? 'int32' : 'float32');
    let storage: TypedStorage;
    if (targetDtype === 'float32' && data instanceof Float32Array) storage = data;
    else if (targetDtype === 'int32' && data instanceof Int32Array) storage = data;
    else storage = toStorage(where, typed, targetDtype);
    result = withShape(where, storage, shape ?? [storage.length]);
  } else if (Array.isArray(data)) {
    const inferred = inferShape(data);
    const size = shapeSize(inferred);
    if (size > MAX_TENSOR_SIZE) valueError(where, 'data', `at most ${MAX_TENSOR_SIZE} values`, data);
    const flat = new Float64Array(size);
    flattenInto(where, data, inferred, flat);
    const storage = toStorage(where, flat, wanted ?? 'float32');
    result = withShape(where, storage, shape ?? inferred);
  } else {
    typeError(where, 'data', 'a number, an array, a typed array or a Tensor', data);
  }
  if (options.requiresGrad !== undefined) result.requiresGrad = checkBoolean(where, 'requiresGrad', options.requiresGrad);
  return result;
}

function withShape(where: string, storage: TypedStorage, shape: readonly number[]): Tensor {
  const size = shapeSize(shape);
  if (size !== storage.length) {
    shapeError(where, `shape ${formatShape(shape)} needs ${size} values, got ${storage.length}`);
  }
  return new Tensor(storage, shape, null, TRUSTED);
}

/**
 * Converts an op's argument to a tensor: a Tensor as is, a number as a rank-0 float32 tensor,
 * arrays through {@link tensor}. Anything else is an ArgumentTypeError naming `where` and `name`.
 */
export function toTensor(where: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return scalar(value);
  if (typeof value === 'boolean') return scalar(value ? 1 : 0);
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) return tensor(value as TensorLike);
  typeError(where, name, 'a Tensor, a number or an array', value);
}

/** Checks that `t` is float32; a DTypeError names the op and argument otherwise. */
export function checkFloat(where: string, name: string, t: Tensor): Tensor {
  if (t.dtype !== 'float32') dtypeError(where, name, 'float32', t.dtype, `convert it with .cast('float32')`);
  return t;
}
