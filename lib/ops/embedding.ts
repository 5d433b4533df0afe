/**
 * Embedding lookups: rows of a table gathered by integer ids, with a scatter-add gradient that touches
 * only the rows looked up. When the table is a trained weight, its gradient lands straight in the
 * optimizer's flat gradient buffer (in place), so a step costs what its batch's tokens cost, not the
 * table's size.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { binding } from '../native.js';
import { allocateStorage, checkFloat, makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { gradTarget } from '../autograd/leaf-grad.js';
import { formatShape } from '../validate.js';
import { contiguous } from './shape.js';

/**
 * The ids of `t` as int32 (an int32 tensor, or a float32 one holding whole numbers), each checked to be
 * in [0, rows); `describeRange` words the limit for messages ("inputDim 10").
 */
export function tokenIds(where: string, name: string, t: Tensor, rows: number, describeRange: string): Int32Array {
  const source = contiguous(t.detach()).storage;
  let ids: Int32Array;
  if (t.dtype === 'int32') {
    ids = source as Int32Array;
  } else {
    ids = allocateStorage('int32', source.length) as Int32Array;
    for (let i = 0; i < source.length; i++) {
      const value = source[i];
      if (!Number.isInteger(value)) {
        throw new ValueError(`${where}: ${name} must hold integer ids, got ${value} at index ${i}; use an int32 tensor or whole numbers`);
      }
      ids[i] = value;
    }
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= rows) {
      throw new ValueError(`${where}: ${name} holds the id ${id} at index ${i}, out of range for ${describeRange} (ids must be in [0, ${rows}))`);
    }
  }
  return ids;
}

/** @internal The lookup of checked ids; `table` is a float32 [rows, width] tensor. */
export function lookupRows(where: string, table: Tensor, ids: Int32Array, idShape: readonly number[]): Tensor {
  const [rows, width] = table.shape;
  const source = table.isContiguous ? table : contiguous(table.detach());
  const count = ids.length;
  const out = allocateStorage('float32', count * width) as Float32Array;
  binding.gatherRows(source.storage as Float32Array, rows, width, ids, count, out);
  const output = makeTensor(out, [...idShape, width]);
  if (!isGradEnabled() || !table.requiresGrad) return output;
  return recordOp(where, output, [table], (grad) => {
    const g = contiguous(grad).storage as Float32Array;
    // Only the looked-up rows of the target are touched (repeated ids add in order).
    const target = gradTarget(table);
    binding.scatterAddRows(g, width, ids, count, target.buffer, rows);
    return [target.finish()];
  });
}

/**
 * Rows of `table` ([rows, width]) picked by integer `ids` of any shape: the result has shape
 * `[...ids.shape, width]`. Differentiable in `table`: its gradient adds each output row's gradient into
 * the row it came from (a scatter-add), touching only the rows looked up.
 * ```ts
 * const table = dn.randn([1000, 16], { requiresGrad: true });
 * const vectors = dn.embeddingLookup(table, dn.tensor([[3, 1, 4]], [1, 3], 'int32'));   // [1, 3, 16]
 * ```
 * @param ids int32, or float32 holding whole numbers; each in [0, rows) (else a ValueError naming it)
 */
export function embeddingLookup(table: TensorLike, ids: TensorLike): Tensor {
  const where = 'embeddingLookup';
  const t = checkFloat(where, 'table', toTensor(where, 'table', table));
  if (t.rank !== 2) throw new ShapeError(`${where}: table must be [rows, width], got shape ${formatShape(t.shape)}`);
  const index = toTensor(where, 'ids', ids);
  if (index.dtype !== 'int32' && index.dtype !== 'float32') throw new DTypeError(`${where}: ids must be int32, got ${index.dtype}`);
  return lookupRows(where, t, tokenIds(where, 'ids', index, t.shape[0], `a table of ${t.shape[0]} rows`), index.shape);
}
