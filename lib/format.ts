/**
 * Text form of a tensor for `toString()` and `util.inspect`: a header with shape and dtype, then
 * the values laid out as nested brackets. Tensors above a threshold show only their first and last
 * few entries along each axis, with `...` between, so printing a large tensor stays cheap.
 */

/** Tensors with more elements than this print elided. */
export const ELIDE_ABOVE = 1000;
/** Entries kept at each end of an axis when eliding. */
const EDGE_ITEMS = 3;

/** What the formatter needs to know about a tensor. */
export interface FormatInput {
  values: ArrayLike<number>; // contiguous, row-major
  shape: readonly number[];
  dtype: string;
  requiresGrad: boolean;
  gradFn: string | null;
}

/** The indices shown along an axis of `length` entries; -1 marks the elision. */
function shownIndices(length: number, elide: boolean): number[] {
  if (!elide || length <= 2 * EDGE_ITEMS) return Array.from({ length }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => length - EDGE_ITEMS + i);
  return [...head, -1, ...tail];
}

/** Collects the flat indices of every element that will be printed. */
function collectShown(shape: readonly number[], elide: boolean): number[] {
  let flat = [0];
  for (const length of shape) {
    const shown = shownIndices(length, elide).filter((i) => i >= 0);
    const next: number[] = [];
    for (const base of flat) for (const i of shown) next.push(base * length + i);
    flat = next;
  }
  return flat;
}

/** One number formatter for the whole tensor, so columns line up. */
function makeNumberFormat(values: ArrayLike<number>, shown: number[], dtype: string): (v: number) => string {
  if (dtype === 'int32') return (v) => String(v);
  let maxAbs = 0;
  let minAbs = Infinity;
  let allIntegers = true;
  for (const i of shown) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const abs = Math.abs(v);
    if (abs > maxAbs) maxAbs = abs;
    if (abs !== 0 && abs < minAbs) minAbs = abs;
    if (!Number.isInteger(v)) allIntegers = false;
  }
  const special = (v: number): string | undefined =>
    Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : undefined;
  if (allIntegers && maxAbs < 1e9) return (v) => special(v) ?? String(v);
  if (maxAbs >= 1e6 || minAbs < 1e-4) return (v) => special(v) ?? v.toExponential(4);
  return (v) => special(v) ?? v.toFixed(4);
}

/** Formats a tensor as text. */
export function formatTensor(input: FormatInput): string {
  const { values, shape, dtype } = input;
  const size = values.length;
  const elide = size > ELIDE_ABOVE;
  const header = `Tensor(shape=[${shape.join(', ')}], dtype=${dtype}${input.requiresGrad ? ', requiresGrad=true' : ''}${
    input.gradFn ? `, gradFn=${input.gradFn}` : ''
  })`;
  if (size === 0) return `${header}\n${'['.repeat(Math.max(shape.length, 1))}${']'.repeat(Math.max(shape.length, 1))}`;
  const shown = collectShown(shape, elide);
  const format = makeNumberFormat(values, shown, dtype);
  let width = 0;
  for (const i of shown) width = Math.max(width, format(values[i]).length);
  const cell = (v: number): string => format(v).padStart(width);
  if (shape.length === 0) return `${header}\n${format(values[0])}`;

  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  const block = (dim: number, offset: number, indent: number): string => {
    const indices = shownIndices(shape[dim], elide);
    if (dim === shape.length - 1) {
      return `[${indices.map((i) => (i < 0 ? '...' : cell(values[offset + i]))).join(', ')}]`;
    }
    const separator = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + 1)}`;
    const parts = indices.map((i) => (i < 0 ? '...' : block(dim + 1, offset + i * strides[dim], indent + 1)));
    return `[${parts.join(separator)}]`;
  };
  return `${header}\n${block(0, 0, 0)}`;
}
