/**
 * The elements of a dataset and what `batch` does to them. An element is a leaf (a Tensor, a
 * number or a typed array) or a structure of leaves: a plain array or object, nested to any depth
 * (`{ xs: [user, item], ys: rating }`). `batch` stacks each leaf across the elements of a batch,
 * keeping the structure, as TensorFlow.js and tf.data do.
 */
import { ValueError } from '../errors.js';
import { allocateStorage, makeTensor, Tensor, toTensor, type DType } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { describe, formatShape, typeError } from '../validate.js';

/** A leaf of an element: what `batch` stacks. */
export type DatasetLeaf = Tensor | number | Float32Array | Int32Array;

/** An element: a leaf, or an array or plain object of elements. */
export type DatasetElement = DatasetLeaf | readonly DatasetElement[] | { readonly [key: string]: DatasetElement };

/** The structure `T` (arrays and objects, nested) with each leaf of type `Leaf` replaced by a Tensor. */
export type LeavesToTensors<T, Leaf> = T extends Leaf
  ? Tensor
  : T extends readonly unknown[]
    ? { [K in keyof T]: LeavesToTensors<T[K], Leaf> }
    : T extends object
      ? { [K in keyof T]: LeavesToTensors<T[K], Leaf> }
      : never;

/** What `batch` makes of an element type: every leaf becomes a Tensor with a batch dimension. */
export type Batched<T> = LeavesToTensors<T, DatasetLeaf>;

/** Whether `value` is a plain object (a structure), as opposed to a Tensor, array or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A path inside an element for messages: `xs[1]`, `ys`, or 'the element' for the root. */
function pathName(path: string): string {
  return path === '' ? 'the element' : path;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

// ---------------------------------------------------------------------------------------------
// Slicing: a dataset of rows from tensors (tf.data.Dataset.from_tensor_slices).

/** A tensor (or a structure of tensors) whose rows become the elements. */
export type SliceTree = Tensor | readonly SliceTree[] | { readonly [key: string]: SliceTree };

/**
 * Converts a source for slicing into a tree of contiguous tensors of rank >= 1 with the same number
 * of rows; returns the tree and the row count. Arrays whose items are all tensors, arrays of
 * structures, and plain objects are structures; numeric arrays and typed arrays are data.
 */
export function toSliceTree(where: string, source: unknown): { tree: SliceTree; rows: number } {
  let rows = -1;
  let firstPath = '';
  const visit = (value: unknown, path: string): SliceTree => {
    if (isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) throw new ValueError(`${where}: ${pathName(path)} is an empty object; give it the tensors to slice`);
      const tree: Record<string, SliceTree> = {};
      for (const key of keys) tree[key] = visit(value[key], childPath(path, key));
      return tree;
    }
    if (Array.isArray(value) && value.length > 0 && value.every((item) => item instanceof Tensor || isPlainObject(item) || (Array.isArray(item) && item.some((inner) => inner instanceof Tensor)))) {
      return value.map((item, i) => visit(item, childPath(path, i)));
    }
    let t: Tensor;
    if (value instanceof Tensor) t = value;
    else if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) t = toTensor(where, pathName(path), value);
    else typeError(where, path === '' ? 'data' : path, 'a Tensor, an array of numbers, a typed array, or an array or object of tensors', value);
    if (t.rank < 1) throw new ValueError(`${where}: ${pathName(path)} must have at least one dimension to slice into rows, got a rank-0 tensor`);
    if (rows < 0) {
      rows = t.shape[0];
      firstPath = path;
    } else if (t.shape[0] !== rows) {
      throw new ValueError(
        `${where}: ${pathName(path)} has ${t.shape[0]} rows (shape ${formatShape(t.shape)}) but ${pathName(firstPath)} has ${rows}; every part of the data needs one row per sample`,
      );
    }
    return t.isContiguous ? t.detach() : contiguous(t.detach());
  };
  const tree = visit(source, '');
  return { tree, rows };
}

/** Row `index` of every tensor of the tree: views of the rows, not copies. */
export function sliceRow(tree: SliceTree, index: number): DatasetElement {
  if (tree instanceof Tensor) {
    const width = tree.shape[0] === 0 ? 0 : tree.size / tree.shape[0];
    return makeTensor(tree.storage.subarray(index * width, (index + 1) * width), tree.shape.slice(1));
  }
  if (Array.isArray(tree)) return tree.map((child) => sliceRow(child, index));
  const row: Record<string, DatasetElement> = {};
  for (const key of Object.keys(tree)) row[key] = sliceRow((tree as Record<string, SliceTree>)[key], index);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Batching.

/** One leaf as a contiguous tensor (numbers are float32 scalars; typed arrays 1-D). */
function leafTensor(where: string, value: unknown, path: string, elementIndex: number): Tensor {
  if (value instanceof Tensor) return value.isContiguous ? value : contiguous(value.detach());
  if (typeof value === 'number') {
    const storage = allocateStorage('float32', 1);
    storage[0] = value;
    return makeTensor(storage, []);
  }
  if (value instanceof Float32Array || value instanceof Int32Array) return makeTensor(value, [value.length]);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return toTensor(where, pathName(path), value);
  throw new ValueError(
    `${where}: element ${elementIndex} of the batch has ${describe(value)} at ${pathName(path)}; batch stacks tensors, numbers and typed arrays (map the element to those first)`,
  );
}

/**
 * Stacks `elements` (same structure, same leaf shapes and dtypes) into one element whose leaves
 * have a leading batch dimension.
 */
export function batchElements(where: string, elements: readonly unknown[]): unknown {
  const stack = (values: readonly unknown[], path: string): unknown => {
    const first = values[0];
    if (isPlainObject(first)) {
      const keys = Object.keys(first);
      values.forEach((value, i) => {
        if (!isPlainObject(value) || Object.keys(value).length !== keys.length || keys.some((key) => !(key in value))) {
          throw new ValueError(
            `${where}: element ${i} of the batch has ${describe(value)}${isPlainObject(value) ? ` with keys [${Object.keys(value).join(', ')}]` : ''} at ${pathName(path)}, but element 0 has an object with keys [${keys.join(', ')}]; every element must have the same structure`,
          );
        }
      });
      const out: Record<string, unknown> = {};
      for (const key of keys) out[key] = stack(values.map((value) => (value as Record<string, unknown>)[key]), childPath(path, key));
      return out;
    }
    if (Array.isArray(first)) {
      values.forEach((value, i) => {
        if (!Array.isArray(value) || value.length !== first.length) {
          throw new ValueError(
            `${where}: element ${i} of the batch has ${describe(value)} at ${pathName(path)}, but element 0 has an array of length ${first.length}; every element must have the same structure`,
          );
        }
      });
      return first.map((_, k) => stack(values.map((value) => (value as unknown[])[k]), childPath(path, k)));
    }
    const leaves = values.map((value, i) => leafTensor(where, value, path, i));
    const shape = leaves[0].shape;
    const dtype: DType = leaves[0].dtype;
    const size = leaves[0].size;
    leaves.forEach((leaf, i) => {
      if (leaf.dtype !== dtype || leaf.size !== size || leaf.shape.length !== shape.length || leaf.shape.some((d, k) => d !== shape[k])) {
        throw new ValueError(
          `${where}: element ${i} of the batch has ${leaf.dtype} ${formatShape(leaf.shape)} at ${pathName(path)}, but element 0 has ${dtype} ${formatShape(shape)}; a batch stacks values of one shape and dtype`,
        );
      }
    });
    const storage = allocateStorage(dtype, size * leaves.length);
    for (let i = 0; i < leaves.length; i++) {
      const source = leaves[i].storage;
      if (size === 1) storage[i] = source[0];
      else storage.set(source.length === size ? source : source.subarray(0, size), i * size);
    }
    return makeTensor(storage, [leaves.length, ...shape]);
  };
  return stack(elements, '');
}
