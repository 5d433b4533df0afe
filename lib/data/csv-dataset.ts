/**
 * `dn.data.csv(path, options)`: a dataset of the rows of a CSV file, read as a stream, so a file
 * larger than memory trains in constant memory. The parsing rules are readCsv's (RFC 4180 quotes,
 * CRLF, a BOM, blank lines skipped, the same number spellings and the same errors, naming the line
 * and the column).
 *
 * ```ts
 * const rows = dn.data.csv('transactions.csv', { label: 'fraud' });   // { xs: [features], ys: [] }
 * await model.fit(rows.shuffle(10000).batch(256), { epochs: 3 });
 * ```
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../errors.js';
import { allocateStorage, makeTensor, type Tensor } from '../tensor.js';
import { checkBoolean, checkChoice, checkOptions, checkString, describe, typeError } from '../validate.js';
import {
  categoryLabel, checkDelimiter, checkRecordWidth, columnIndex, columnList, csvColumnNames, numericField, numericLabel, scanCsvRecords,
  type ColumnRef, type CsvRecord,
} from './csv.js';
import { CREATE, Dataset } from './dataset.js';

/** Options of {@link csv}. */
export interface CsvDatasetOptions {
  /** The columns of `xs`, in this order (names or 0-based indices). Default: every column but the label. */
  columns?: ColumnRef[];
  /** The column of the labels (`ys`). Without it each element is the features alone. */
  label?: ColumnRef;
  /**
   * How to read the labels: 'int32' class indices (default), 'float32' numbers (regression targets),
   * or 'category' text mapped to the index of its name in `classNames`.
   */
  labelDtype?: 'int32' | 'float32' | 'category';
  /**
   * With `labelDtype: 'category'`: the label texts, index i naming class i. Required, since a
   * stream cannot be read ahead to collect them; a label not in the list is an error.
   */
  classNames?: string[];
  /** Whether the first line holds the column names. Default true. */
  header?: boolean;
  /** Column names (required to name columns of a file without a header; with one, they replace its names). */
  columnNames?: string[];
  /** The field separator: one character. Default ','. */
  delimiter?: string;
  /** An empty numeric field: 'error' (default) or 'nan' (read as NaN). */
  missing?: 'error' | 'nan';
}

const OPTION_NAMES = ['columns', 'label', 'labelDtype', 'classNames', 'header', 'columnNames', 'delimiter', 'missing'];

/** Bytes read per chunk of the stream. */
const CHUNK_BYTES = 1 << 20;

/** Records parsed in one go before they become elements. */
const RECORDS_PER_SCAN = 256;

/** An element of a CSV dataset with a label column. */
export interface CsvExample {
  /** The features: float32 `[features]`. */
  xs: Tensor;
  /** The label: a rank-0 int32 (class index) or float32 (value) tensor. */
  ys: Tensor;
}

/** What a CSV dataset knows of its file once created (the header is read at once, so column errors come early). */
export class CsvDataset<T extends Tensor | CsvExample = Tensor | CsvExample> extends Dataset<T> {
  /** The file read. */
  readonly path: string;
  /** Every column's name, in file order. */
  readonly columnNames: string[];
  /** The names of the columns of `xs`, in order. */
  readonly featureNames: string[];
  /** The label column's name, or null. */
  readonly labelName: string | null;
  /** With `labelDtype: 'category'`: class i's text. Else null. */
  readonly classNames: string[] | null;

  /** @internal */
  constructor(open: () => AsyncIterator<T>, info: { path: string; columnNames: string[]; featureNames: string[]; labelName: string | null; classNames: string[] | null }) {
    super(CREATE, open, null);
    this.path = info.path;
    this.columnNames = info.columnNames;
    this.featureNames = info.featureNames;
    this.labelName = info.labelName;
    this.classNames = info.classNames;
  }
}

/** The path of a file source, which must exist and be a regular file. */
function filePath(where: string, source: unknown): string {
  // Paths are quoted whole in messages (describe() shortens long strings).
  let path: string;
  if (source instanceof URL) {
    if (source.protocol !== 'file:') throw new ValueError(`${where}: path must be a file path or a file: URL, got a ${source.protocol} URL`);
    path = fileURLToPath(source);
  } else {
    path = checkString(where, 'path', source);
  }
  if (/[\r\n]/.test(path)) {
    throw new ValueError(`${where}: path ${describe(path)} contains a line break; dn.data.csv reads a file (for CSV text in memory use dn.data.readCsv)`);
  }
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ValueError(`${where}: no file at ${JSON.stringify(path)}`);
    throw new ValueError(`${where}: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  if (!isFile) throw new ValueError(`${where}: ${JSON.stringify(path)} is not a file`);
  return path;
}

/** The first record of the file, read synchronously (a chunk at a time until one is complete). */
function readFirstRecord(where: string, path: string, delimiter: string): CsvRecord | null {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);
  let text = '';
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ValueError(`${where}: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  try {
    for (;;) {
      const bytes = readSync(fd, buffer, 0, buffer.length, null);
      const final = bytes === 0;
      text += final ? decoder.end() : decoder.write(buffer.subarray(0, bytes));
      const records: CsvRecord[] = [];
      // Stop at the first record: a file of a single huge row is not read whole here.
      scanFirst(where, text, delimiter, final, records);
      if (records.length > 0) return records[0];
      if (final) return null;
    }
  } finally {
    closeSync(fd);
  }
}

/** Scans `text` (the start of the file) for records, skipping a BOM. */
function scanFirst(where: string, text: string, delimiter: string, final: boolean, records: CsvRecord[]): void {
  scanCsvRecords(where, text, delimiter, text.charCodeAt(0) === 0xfeff ? 1 : 0, 1, final, records);
}

/**
 * A dataset of the rows of the CSV file at `path`, read as a stream on every pass (never held
 * whole in memory). With `label`, each element is `{ xs, ys }`: `xs` a float32 `[features]` tensor of
 * the `columns`, `ys` a rank-0 label tensor; without, each element is the features tensor. Batch it
 * for `fit`: `dn.data.csv(path, { label: 'y' }).batch(64)` yields `{ xs: [64, features], ys: [64] }`.
 *
 * The header is read when the dataset is created, so an unknown column name throws at once; the
 * rows are read lazily, and a malformed row throws while iterating, naming its line and column.
 */
export function csv(path: string | URL, options: CsvDatasetOptions & { label: ColumnRef }): CsvDataset<CsvExample>;
export function csv(path: string | URL, options?: CsvDatasetOptions): CsvDataset<Tensor>;
export function csv(path: string | URL, options?: CsvDatasetOptions): CsvDataset<Tensor | CsvExample> {
  const where = 'data.csv';
  const file = filePath(where, path);
  const o = checkOptions<CsvDatasetOptions>(where, options, OPTION_NAMES);
  const header = o.header === undefined ? true : checkBoolean(where, 'header', o.header);
  const delimiter = checkDelimiter(where, o.delimiter);
  const labelDtype = o.labelDtype === undefined ? 'int32' : checkChoice(where, 'labelDtype', o.labelDtype, ['int32', 'float32', 'category'] as const);
  const missing = o.missing === undefined ? 'error' : checkChoice(where, 'missing', o.missing, ['error', 'nan'] as const);
  let classIndex: Map<string, number> | null = null;
  if (o.classNames !== undefined) {
    if (labelDtype !== 'category') throw new ValueError(`${where}: classNames goes with labelDtype: 'category' (got labelDtype '${labelDtype}')`);
    if (!Array.isArray(o.classNames) || o.classNames.length === 0) typeError(where, 'classNames', 'a non-empty array of strings', o.classNames);
    classIndex = new Map();
    for (const [i, name] of o.classNames.entries()) {
      const text = checkString(where, `classNames[${i}]`, name).trim();
      if (classIndex.has(text)) throw new ValueError(`${where}: classNames lists '${text}' twice`);
      classIndex.set(text, i);
    }
  } else if (labelDtype === 'category') {
    throw new ValueError(
      `${where}: labelDtype 'category' needs classNames (the label texts, in class order), since a stream cannot be read ahead to collect them`,
    );
  }

  const first = readFirstRecord(where, file, delimiter);
  if (first === null) throw new ValueError(`${where}: ${JSON.stringify(file)} is empty`);
  const names = csvColumnNames(where, first, header, o.columnNames);
  const label = o.label === undefined ? -1 : columnIndex(where, 'label', o.label, names);
  if (label < 0 && labelDtype === 'category') throw new ValueError(`${where}: labelDtype 'category' needs a label column`);
  let features: number[];
  if (o.columns !== undefined) {
    features = columnList(where, 'columns', o.columns, names);
    if (features.includes(label)) throw new ValueError(`${where}: column '${names[label]}' cannot be both the label and a feature column`);
  } else {
    features = names.map((_, i) => i).filter((i) => i !== label);
  }
  const featureCount = features.length;
  const width = names.length;
  const labelStorage = labelDtype === 'float32' ? 'float32' : 'int32';

  const element = (record: CsvRecord): Tensor | CsvExample => {
    checkRecordWidth(where, record, width, header);
    const storage = allocateStorage('float32', featureCount);
    for (let j = 0; j < featureCount; j++) storage[j] = numericField(where, names, record, features[j], missing, 'column');
    const xs = makeTensor(storage, [featureCount]);
    if (label < 0) return xs;
    const value = allocateStorage(labelStorage, 1);
    if (classIndex !== null) {
      const text = categoryLabel(where, names, record, label);
      const index = classIndex.get(text);
      if (index === undefined) {
        throw new ValueError(`${where}: line ${record.line}, label column '${names[label]}': '${text}' is not in classNames (${[...classIndex.keys()].join(', ')})`);
      }
      value[0] = index;
    } else {
      value[0] = numericLabel(where, names, record, label, labelDtype as 'int32' | 'float32');
    }
    return { xs, ys: makeTensor(value, []) };
  };

  async function* rows(): AsyncGenerator<Tensor | CsvExample> {
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
    let text = '';
    let line = 1;
    let started = false;
    let skipHeader = header;
    const records: CsvRecord[] = [];
    // Records are parsed a few hundred at a time and turned into elements at once, so they die young
    // (a whole chunk's worth parsed ahead would outlive the young generation and cost full GCs).
    const parse = function* (final: boolean): Generator<Tensor | CsvExample> {
      let offset = 0;
      if (!started && text.length > 0) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff) offset = 1;
      }
      for (;;) {
        const position = scanCsvRecords(where, text, delimiter, offset, line, final, records, RECORDS_PER_SCAN);
        offset = position.next;
        line = position.line;
        const complete = records.length < RECORDS_PER_SCAN;
        for (let i = 0; i < records.length; i++) {
          if (skipHeader) skipHeader = false;
          else yield element(records[i]);
        }
        records.length = 0;
        if (complete) break;
      }
      text = text.slice(offset);
    };
    try {
      for await (const chunk of stream) {
        text += chunk as string;
        yield* parse(false);
      }
      yield* parse(true);
    } finally {
      stream.destroy();
    }
  }

  return new CsvDataset(rows, {
    path: file,
    columnNames: names,
    featureNames: features.map((i) => names[i]),
    labelName: label < 0 ? null : names[label],
    classNames: classIndex === null ? null : [...classIndex.keys()],
  });
}
