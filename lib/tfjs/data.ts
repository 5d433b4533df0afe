/**
 * `tf.data` of `dendrite/tfjs`: Dendrite's datasets (`dn.data`: `array`, `generator`, `zip`, and a
 * Dataset's `map`, `filter`, `batch`, `shuffle`, `take`, `skip`, `repeat`, `prefetch`,
 * `concatenate`, `forEachAsync`, `toArray`, `iterator`), which follow tf.data already, plus tfjs's
 * `csv` (elements as tfjs makes them) and the `mapAsync` method. Datasets of `{ xs, ys }` batches
 * feed `model.fitDataset`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { data, tensor, ValueError, type Tensor } from '../index.js';
import { checkBoolean, checkChoice, checkEach, checkObject, checkString, describe, typeError } from '../validate.js';

/** Dendrite's Dataset class (tfjs `tf.data.Dataset`); the datasets this module makes have the methods of {@link Dataset}. */
export const Dataset = data.Dataset;

/** A dataset of `dendrite/tfjs` (tfjs `tf.data.Dataset`): Dendrite's Dataset with tfjs's `batch` and `shuffle`. */
export interface Dataset<T> {
  /** Batches of `batchSize` elements, an array of numbers stacked into one tensor; `smallLastBatch` false drops a short last batch. */
  batch(batchSize: number, smallLastBatch?: boolean): Dataset<TensorContainer>;
  /** The elements in an order shuffled within a window of `bufferSize`; `seed` (a string or a number) repeats it. */
  shuffle(bufferSize: number, seed?: string | number | null, reshuffleEachIteration?: boolean): Dataset<T>;
  map<U>(fn: (element: T) => U | Promise<U>): Dataset<U>;
  mapAsync<U>(fn: (element: T) => Promise<U>): Dataset<U>;
  filter(predicate: (element: T) => boolean | Promise<boolean>): Dataset<T>;
  take(count: number): Dataset<T>;
  skip(count: number): Dataset<T>;
  repeat(count?: number): Dataset<T>;
  prefetch(bufferSize: number): Dataset<T>;
  concatenate(other: Dataset<T>): Dataset<T>;
  forEachAsync(fn: (element: T) => void | Promise<void>): Promise<void>;
  toArray(): Promise<T[]>;
  iterator(): Promise<AsyncIterator<T>>;
  /** The number of elements when known, else null. */
  readonly size: number | null;
}

/** A batched element: tensors, or arrays and objects of them (tfjs `TensorContainer`). */
export type TensorContainer = Tensor | TensorContainer[] | { [key: string]: TensorContainer } | number | string | undefined;

/** Whether `value` is an array of numbers (or of such arrays): what tfjs's batching makes one tensor of. */
function isNumericArray(value: unknown): value is NestedNumbers {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' || isNumericArray(v));
}
type NestedNumbers = number | NestedNumbers[];

/** An element with its numeric arrays as tensors, so that batching stacks them as tfjs does. */
function tensorified(element: unknown): unknown {
  if (isNumericArray(element)) return tensor(element as number[]);
  if (Array.isArray(element)) return element.map(tensorified);
  if (element !== null && typeof element === 'object' && Object.getPrototypeOf(element) === Object.prototype) {
    return Object.fromEntries(Object.entries(element).map(([key, value]) => [key, tensorified(value)]));
  }
  return element;
}

/** A string seed as tfjs takes it, turned into Dendrite's integer seed (FNV-1a). */
function integerSeed(seed: string | number): number {
  if (typeof seed === 'number') return seed;
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

const CHAINED = ['map', 'mapAsync', 'filter', 'take', 'skip', 'repeat', 'prefetch', 'concatenate'] as const;

/**
 * `dataset` with tfjs's behaviour in the methods that differ, kept by the datasets made from it:
 * `batch(batchSize, smallLastBatch = true)` stacks an array of numbers into one tensor (Dendrite's
 * `batch` keeps arrays as structures), `shuffle(bufferSize, seed, reshuffleEachIteration)` takes
 * tfjs's positional (string) seed.
 */
function tfjsDataset<T>(dataset: data.Dataset<T>): Dataset<T> {
  const proto = data.Dataset.prototype as unknown as Record<string, (...args: unknown[]) => data.Dataset<unknown>>;
  const define = (name: string, method: (...args: unknown[]) => unknown): void => {
    Object.defineProperty(dataset, name, { value: method, writable: true, configurable: true, enumerable: false });
  };
  for (const name of CHAINED) define(name, (...args) => tfjsDataset(proto[name].apply(dataset, args)));
  define('batch', (batchSize, smallLastBatch) => {
    if (smallLastBatch !== undefined) checkBoolean('Dataset.batch', 'smallLastBatch', smallLastBatch);
    const elements = proto.map.call(dataset, tensorified);
    return tfjsDataset(proto.batch.call(elements, batchSize, smallLastBatch === false ? { dropRemainder: true } : {}));
  });
  define('shuffle', (bufferSize, seed, reshuffleEachIteration) => {
    const options: { seed?: number; reshuffleEachIteration?: boolean } = {};
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== 'string' && typeof seed !== 'number') typeError('Dataset.shuffle', 'seed', 'a string or a number', seed);
      options.seed = integerSeed(seed);
    }
    if (reshuffleEachIteration !== undefined) options.reshuffleEachIteration = checkBoolean('Dataset.shuffle', 'reshuffleEachIteration', reshuffleEachIteration);
    return tfjsDataset(proto.shuffle.call(dataset, bufferSize, options));
  });
  return dataset as unknown as Dataset<T>;
}

/** A dataset of `items` as they are (tfjs `tf.data.array`), batching as tfjs. */
export function array<T>(items: readonly T[]): Dataset<T> {
  return tfjsDataset(data.array(items));
}

/** A dataset of what a generator function yields, called afresh for each pass (tfjs `tf.data.generator`), batching as tfjs. */
export function generator<T>(fn: Parameters<typeof data.generator<T>>[0]): Dataset<T> {
  return tfjsDataset(data.generator(fn));
}

/** A dataset of tuples or objects of the elements of several datasets (tfjs `tf.data.zip`), batching as tfjs. */
export function zip<T>(datasets: readonly Dataset<unknown>[] | { [key: string]: Dataset<unknown> }): Dataset<T> {
  return tfjsDataset(data.zip(datasets as never) as data.Dataset<T>);
}

declare module '../data/dataset.js' {
  interface Dataset<T> {
    /** Applies an async `fn` to every element (tfjs `mapAsync`; Dendrite's `map` takes async functions too). */
    mapAsync<U>(fn: (element: T) => Promise<U>): Dataset<U>;
  }
}

if (!('mapAsync' in data.Dataset.prototype)) {
  Object.defineProperty(data.Dataset.prototype, 'mapAsync', {
    value: function mapAsync<T, U>(this: data.Dataset<T>, fn: (element: T) => Promise<U>) {
      return this.map(fn);
    },
    writable: true, configurable: true, enumerable: false,
  });
}

/** tfjs's per-column settings of `tf.data.csv`. */
export interface ColumnConfig {
  /** An empty value is an error. */
  required?: boolean;
  /** How a numeric value is read: float32 as is, int32 floored, bool 1 for '1' or 'true' and 0 otherwise. */
  dtype?: 'float32' | 'int32' | 'bool';
  /** The value of an empty field. */
  default?: number | string;
  /** The column goes to `ys` (the elements become `{ xs, ys }`). */
  isLabel?: boolean;
}

/** tfjs's `CSVConfig`. */
export interface CSVConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** The column names (required without a header; must match the header's count with one). */
  columnNames?: string[];
  columnConfigs?: { [name: string]: ColumnConfig };
  /** Only the columns of `columnConfigs` are read. */
  configuredColumnsOnly?: boolean;
  /** The field separator (default ','). */
  delimiter?: string;
  /** Fields are separated by runs of spaces or tabs. */
  delimWhitespace?: boolean;
}

/** A dataset of CSV rows, with tfjs's `columnNames()`. */
export type CSVDataset = Dataset<Record<string, unknown>> & { columnNames(): Promise<string[]> };

/** Splits a line into fields as tfjs's `parseRow` (quotes group a field; a doubled quote is one). */
function parseRow(line: string, delimiter: string, whitespace: boolean): string[] {
  if (whitespace) return line.trim().split(/[ \t]+/);
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (line.startsWith(delimiter, i)) {
      fields.push(field);
      field = '';
      i += delimiter.length - 1;
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** One field as tfjs reads it: a number when it parses as one (by the column's dtype), else the text. */
function fieldValue(value: string, config: ColumnConfig | undefined, key: string, line: number): unknown {
  if (value === '') {
    if (config?.default !== undefined) return config.default;
    if (config?.required === true || config?.isLabel === true) throw new ValueError(`data.csv: the required column '${key}' is empty on line ${line}`);
    return undefined;
  }
  const asBoolean = (): number => (value === '1' || value.toLowerCase() === 'true' ? 1 : 0);
  const number = Number(value);
  if (Number.isNaN(number)) return config?.dtype === 'bool' ? asBoolean() : value;
  if (config?.dtype === 'int32') return Math.floor(number);
  if (config?.dtype === 'bool') return asBoolean();
  return number;
}

function checkConfig(where: string, config: unknown): CSVConfig {
  const o = checkObject(where, 'csvConfig', config ?? {});
  for (const key of Object.keys(o)) checkChoice(where, 'csvConfig option', key, ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'] as const);
  if (o.hasHeader !== undefined) checkBoolean(where, 'hasHeader', o.hasHeader);
  if (o.configuredColumnsOnly !== undefined) checkBoolean(where, 'configuredColumnsOnly', o.configuredColumnsOnly);
  if (o.delimWhitespace !== undefined) checkBoolean(where, 'delimWhitespace', o.delimWhitespace);
  if (o.delimiter !== undefined && checkString(where, 'delimiter', o.delimiter).length === 0) throw new ValueError(`${where}: delimiter must not be empty`);
  if (o.columnNames !== undefined) {
    if (!Array.isArray(o.columnNames)) typeError(where, 'columnNames', 'an array of strings', o.columnNames);
    checkEach(o.columnNames, (name, i) => checkString(where, `columnNames[${i}]`, name));
  }
  if (o.columnConfigs !== undefined) {
    for (const [name, column] of Object.entries(checkObject(where, 'columnConfigs', o.columnConfigs))) {
      const c = checkObject(where, `columnConfigs['${name}']`, column);
      for (const key of Object.keys(c)) checkChoice(where, `columnConfigs['${name}'] option`, key, ['required', 'dtype', 'default', 'isLabel'] as const);
      if (c.dtype !== undefined) checkChoice(where, `columnConfigs['${name}'].dtype`, c.dtype, ['float32', 'int32', 'bool'] as const);
    }
  }
  return o as CSVConfig;
}

/**
 * tfjs's `tf.data.csv(source, csvConfig)`: a file (a path or a `file://` URL) read as rows. Each
 * element is an object of the row's values by column name (numbers where they parse as numbers, the
 * text otherwise), or `{ xs, ys }` of two such objects when some column `isLabel`. The file is read
 * when a pass starts.
 */
export function csv(source: string, csvConfig?: CSVConfig): CSVDataset {
  const where = 'data.csv';
  checkString(where, 'source', source);
  const config = checkConfig(where, csvConfig);
  const hasHeader = config.hasHeader ?? true;
  const delimiter = config.delimiter ?? ',';
  const whitespace = config.delimWhitespace ?? false;
  const configs = config.columnConfigs ?? {};
  if (!hasHeader && config.columnNames === undefined) throw new ValueError(`${where}: columnNames must be given when the file has no header line (hasHeader: false)`);
  const path = source.startsWith('file://') ? (source.startsWith('file:///') ? fileURLToPath(source) : source.slice('file://'.length)) : source;

  /** The lines (blank ones dropped) and the column names, checked against the header and the configs. */
  const read = async (): Promise<{ lines: { text: string; line: number }[]; names: string[] }> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ValueError(`${where}: cannot read ${describe(source)}: ${(error as Error).message}`);
    }
    const lines = text.split(/\r?\n/).map((t, i) => ({ text: t, line: i + 1 })).filter((l) => l.text.trim() !== '');
    let names = config.columnNames;
    if (hasHeader) {
      const header = lines.shift();
      if (header === undefined) throw new ValueError(`${where}: ${describe(source)} has no lines`);
      const fromFile = parseRow(header.text, delimiter, whitespace);
      if (names !== undefined && names.length !== fromFile.length) {
        throw new ValueError(`${where}: columnNames has ${names.length} names, the header line of ${describe(source)} ${fromFile.length}`);
      }
      names ??= fromFile;
    }
    const duplicate = names!.find((n, i) => names!.indexOf(n) !== i);
    if (duplicate !== undefined) throw new ValueError(`${where}: the column name '${duplicate}' appears twice`);
    for (const key of Object.keys(configs)) {
      if (!names!.includes(key)) throw new ValueError(`${where}: columnConfigs has '${key}', which is not a column (${names!.join(', ')})`);
    }
    return { lines, names: names! };
  };

  const rows = generator(async function* rowsOf() {
    const { lines, names } = await read();
    for (const { text, line } of lines) {
      const values = parseRow(text, delimiter, whitespace);
      if (values.length !== names.length) throw new ValueError(`${where}: line ${line} has ${values.length} fields, expected ${names.length}`);
      const features: Record<string, unknown> = {};
      const labels: Record<string, unknown> = {};
      names.forEach((key, i) => {
        const column = configs[key];
        if (config.configuredColumnsOnly === true && column === undefined) return;
        (column?.isLabel === true ? labels : features)[key] = fieldValue(values[i], column, key, line);
      });
      yield Object.keys(labels).length === 0 ? features : { xs: features, ys: labels };
    }
  }) as unknown as CSVDataset;
  Object.defineProperty(rows, 'columnNames', { value: async () => (await read()).names, enumerable: false });
  return rows;
}
