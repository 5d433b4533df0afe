/**
 * The one set of argument checks. Every public function validates through these helpers, so
 * messages read the same everywhere: `<where>: expected <what>, got <received>`.
 */
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from './errors.js';

/** A short, readable description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` ${value.name}` : ''}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Throws an ArgumentTypeError: `where: name must be expected, got <value>`. */
export function typeError(where: string, name: string, expected: string, value: unknown): never {
  throw new ArgumentTypeError(`${where}: ${name} must be ${expected}, got ${describe(value)}`);
}

/** Throws a ValueError: `where: name must be expected, got <value>`. */
export function valueError(where: string, name: string, expected: string, value: unknown): never {
  throw new ValueError(`${where}: ${name} must be ${expected}, got ${describe(value)}`);
}

export function checkNumber(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') typeError(where, name, 'a number', value);
  if (!Number.isFinite(value)) valueError(where, name, 'a finite number', value);
  return value;
}

/** A number that may be infinite (an open end of a range) but not NaN. */
export function checkNumberOrInfinity(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') typeError(where, name, 'a number', value);
  if (Number.isNaN(value)) valueError(where, name, 'a number (not NaN)', value);
  return value;
}

export function checkInteger(where: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number') typeError(where, name, 'an integer', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity ? '' : max === Infinity ? ` >= ${min}` : min === -Infinity ? ` <= ${max}` : ` from ${min} to ${max}`;
    valueError(where, name, `an integer${range}`, value);
  }
  return value;
}

export function checkPositiveInteger(where: string, name: string, value: unknown): number {
  return checkInteger(where, name, value, 1, Number.MAX_SAFE_INTEGER);
}

/** A finite number in [min, max] (inclusive unless told otherwise). */
export function checkRange(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  { minExclusive = false, maxExclusive = false } = {},
): number {
  checkNumber(where, name, value);
  const v = value as number;
  if ((minExclusive ? v <= min : v < min) || (maxExclusive ? v >= max : v > max)) {
    valueError(where, name, `a number in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`, value);
  }
  return v;
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') typeError(where, name, 'a boolean', value);
  return value;
}

export function checkString(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string') typeError(where, name, 'a string', value);
  return value;
}

export function checkFunction(where: string, name: string, value: unknown): (...args: never[]) => unknown {
  if (typeof value !== 'function') typeError(where, name, 'a function', value);
  return value as (...args: never[]) => unknown;
}

export function checkObject(where: string, name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) typeError(where, name, 'an object', value);
  return value as Record<string, unknown>;
}

/** Edit distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The closest of `choices` to `name` ignoring case (ties go to the closest in case, then to the
 * first), if it is close enough to be a likely typo.
 */
function suggest(name: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestCaseDistance = Infinity;
  for (const choice of choices) {
    const distance = editDistance(name.toLowerCase(), choice.toLowerCase());
    if (distance > bestDistance) continue;
    const caseDistance = editDistance(name, choice);
    if (distance < bestDistance || caseDistance < bestCaseDistance) {
      best = choice;
      bestDistance = distance;
      bestCaseDistance = caseDistance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ` (did you mean 'x'?)` naming the closest of `choices` to a mistyped `name`, or '' if none is close. */
export function didYouMean(name: string, choices: readonly string[]): string {
  const hint = suggest(name, choices);
  return hint === undefined ? '' : ` (did you mean '${hint}'?)`;
}

/** One of a fixed set of names; the error lists them all and suggests the closest. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string') typeError(where, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  if (!(choices as readonly string[]).includes(value)) {
    throw new ValueError(
      `${where}: unknown ${name} '${value}'${didYouMean(value, choices)}; expected one of ${choices.map((c) => `'${c}'`).join(', ')}`,
    );
  }
  return value as T;
}

/** Throws the ValueError for an unknown option name, with a "did you mean" suggestion. */
export function unknownOption(where: string, key: string, known: readonly string[]): never {
  throw new ValueError(`${where}: unknown option '${key}'${didYouMean(key, known)}; known options: ${known.join(', ')}`);
}

/**
 * Checks an options object: it must be a plain object (or undefined) whose keys are all known.
 * An unknown key is an error with a "did you mean" suggestion.
 */
export function checkOptions<T extends object>(where: string, options: unknown, known: readonly string[]): Partial<T> {
  if (options === undefined) return {};
  const object = checkObject(where, 'options', options);
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) unknownOption(where, key, known);
  }
  return object as Partial<T>;
}

/** How many items of a list a message shows at most (a hostile list may be huge). */
const LISTED_ITEMS = 12;

/**
 * Formats a list of numbers (a shape, axes) for messages: `[32, 10]`. A long list shows its first
 * and last items and its length, so a message stays short whatever it is given.
 */
export function formatList(values: ArrayLike<unknown>): string {
  const shown = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => describe(values[from + i])).join(', ');
  if (values.length <= LISTED_ITEMS) return `[${shown(0, values.length)}]`;
  return `[${shown(0, LISTED_ITEMS - 2)}, ..., ${shown(values.length - 1, values.length)}] (${values.length} items)`;
}

/** Formats a shape for messages: `[32, 10]` (bounded as {@link formatList}). */
export function formatShape(shape: readonly number[]): string {
  return formatList(shape);
}

/** Throws a ShapeError; `message` names the op and the shapes involved. */
export function shapeError(where: string, message: string): never {
  throw new ShapeError(`${where}: ${message}`);
}

/** Throws a DTypeError: `where: name must be a float32 tensor, got int32`. */
export function dtypeError(where: string, name: string, expected: string, actual: string, hint = ''): never {
  throw new DTypeError(`${where}: ${name} must be a ${expected} tensor, got ${actual}${hint ? ` (${hint})` : ''}`);
}

/** The largest number of elements (and the largest dimension) a tensor may have. */
export const MAX_TENSOR_SIZE = 2 ** 31 - 1;

/** The most axes a tensor may have (NumPy's limit): longer shapes are refused before they are read. */
export const MAX_RANK = 64;

/**
 * The items of an array argument as a plain array of its own: the length read once (a Proxy may
 * give another at each read) and refused above `maxLength` before any item is read; a hole read
 * as undefined. Check the copy, never the argument again.
 */
export function arrayItems(where: string, name: string, value: readonly unknown[], maxLength: number, what = 'items'): unknown[] {
  const length = value.length;
  if (!(length <= maxLength)) throw new ValueError(`${where}: ${name} may have at most ${maxLength} ${what}, got ${length}`);
  const items = new Array<unknown>(length);
  for (let i = 0; i < length; i++) items[i] = value[i];
  return items;
}

/**
 * `check` applied to every item of an array argument, by index: a hole is passed as undefined
 * (and so refused) where `map` or `every` would skip it. The length is read once.
 */
export function checkEach<T>(value: readonly unknown[], check: (item: unknown, index: number) => T): T[] {
  const length = value.length;
  const items = new Array<T>(length);
  for (let i = 0; i < length; i++) items[i] = check(value[i], i);
  return items;
}

/**
 * A shape: an array of non-negative integers (a single integer means a 1-D shape). Returns a
 * fresh array the caller may keep. The product must not exceed {@link MAX_TENSOR_SIZE}.
 */
export function checkShape(where: string, name: string, value: unknown): number[] {
  if (typeof value === 'number') value = [value];
  if (!Array.isArray(value)) typeError(where, name, 'an array of non-negative integers', value);
  const dims = arrayItems(where, name, value, MAX_RANK, 'dimensions');
  const shape = new Array<number>(dims.length);
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const dim: unknown = dims[i];
    if (typeof dim !== 'number') typeError(where, `${name}[${i}]`, 'a non-negative integer', dim);
    if (!Number.isInteger(dim) || dim < 0 || dim > MAX_TENSOR_SIZE) {
      valueError(where, `${name}[${i}]`, 'a non-negative integer', dim);
    }
    shape[i] = dim;
    size *= dim;
  }
  if (size > MAX_TENSOR_SIZE) {
    throw new ValueError(`${where}: ${name} ${formatShape(shape)} has ${size} elements, more than the ${MAX_TENSOR_SIZE} a tensor may hold`);
  }
  return shape;
}

/** An axis in [-rank, rank), normalised to [0, rank). */
export function checkAxis(where: string, name: string, value: unknown, rank: number): number {
  if (rank === 0) {
    if (typeof value !== 'number') typeError(where, name, 'an integer', value);
    throw new ValueError(`${where}: ${name} ${describe(value)} is out of range for a rank-0 tensor (it has no axes)`);
  }
  const axis = checkInteger(where, name, value, -rank, rank - 1);
  return axis < 0 ? axis + rank : axis;
}

/**
 * One axis or a list of distinct axes, each in [-rank, rank); returns them normalised and sorted.
 * `null`/`undefined` means every axis.
 */
export function checkAxes(where: string, name: string, value: unknown, rank: number): number[] {
  if (value === undefined || value === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof value === 'number') return [checkAxis(where, name, value, rank)];
  if (!Array.isArray(value)) typeError(where, name, 'an integer or an array of integers', value);
  const items = arrayItems(where, name, value, rank, 'axes (one per axis of the tensor)');
  const axes = checkEach(items, (axis, i) => checkAxis(where, `${name}[${i}]`, axis, rank));
  axes.sort((x, y) => x - y);
  for (let i = 1; i < axes.length; i++) {
    if (axes[i] === axes[i - 1]) throw new ValueError(`${where}: ${name} lists axis ${axes[i]} twice, got ${formatList(items)}`);
  }
  return axes;
}

/** The most items an array of integers (sizes, indices, features) may have unless its check says fewer. */
export const MAX_LIST_ITEMS = 2 ** 20;

/**
 * An array of integers (indices, sizes, paddings) each in [min, max], of at most `maxLength` items
 * (checked first). Every index is read: a hole in the array is an error, not an item skipped.
 */
export function checkIntegerArray(where: string, name: string, value: unknown, min = -Infinity, max = Infinity, maxLength = MAX_LIST_ITEMS): number[] {
  if (!Array.isArray(value)) typeError(where, name, 'an array of integers', value);
  return checkEach(arrayItems(where, name, value, maxLength), (item, i) => checkInteger(where, `${name}[${i}]`, item, min, max));
}
