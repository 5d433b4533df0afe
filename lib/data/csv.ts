/**
 * CSV loading: `dn.data.readCsv(pathOrText, options)` parses RFC 4180 CSV (quoted fields, doubled
 * quotes, CRLF) into a float32 feature matrix and, optionally, a label vector. Every error names
 * the line (1-based, as an editor shows it) and the column.
 *
 * ```ts
 * const { x, y, featureNames } = dn.data.readCsv('measurements.csv', { labelColumn: 'species', labelDtype: 'category' });
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { arrayItems, checkBoolean, checkChoice, checkEach, checkInteger, checkOptions, checkString, describe, didYouMean, typeError } from '../validate.js';
import { ownEntry } from '../aliases.js';

/** A column given by name (from the header or `columnNames`) or by 0-based index. */
export type ColumnRef = string | number;

/** Options of {@link readCsv}. */
export interface ReadCsvOptions {
  /** Whether the first line holds the column names. Default true. */
  header?: boolean;
  /**
   * Column names: required to refer to columns by name when there is no header; with a header,
   * they replace its names. Default without a header: `column0`, `column1`, ...
   */
  columnNames?: string[];
  /** The field separator: one character. Default ','. */
  delimiter?: string;
  /** The column holding the labels (returned as `y`, left out of `x`). Default: none. */
  labelColumn?: ColumnRef;
  /**
   * How to read the labels: 'int32' class indices (default), 'float32' numbers (regression
   * targets), or 'category' text mapped to indices in sorted order (the names in `classNames`).
   */
  labelDtype?: 'int32' | 'float32' | 'category';
  /** The columns of `x`, in this order. Default: every column that is neither the label nor a string column. */
  featureColumns?: ColumnRef[];
  /** Columns kept as text in `strings` (not parsed, not in `x`): ids, names, a train/test flag... */
  stringColumns?: ColumnRef[];
  /** An empty numeric field: 'error' (default) or 'nan' (read as NaN, e.g. to impute later). */
  missing?: 'error' | 'nan';
}

/** What {@link readCsv} returns. */
export interface CsvData {
  /** Every column's name, in file order. */
  columnNames: string[];
  /** The names of the columns of `x`, in order. */
  featureNames: string[];
  /** The features: float32 `[rows, features]`. */
  x: Tensor;
  /** The labels, `[rows]` (int32 indices or float32 values), or null without `labelColumn`. */
  y: Tensor | null;
  /** The label column's name, or null. */
  labelName: string | null;
  /** With `labelDtype: 'category'`: the label texts, index i naming class i. Else null. */
  classNames: string[] | null;
  /** The `stringColumns`, by name: one string per row. */
  strings: Record<string, string[]>;
  /** The number of data rows. */
  rowCount: number;
}

const OPTION_NAMES = ['header', 'columnNames', 'delimiter', 'labelColumn', 'labelDtype', 'featureColumns', 'stringColumns', 'missing'];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_NUMBERS: Record<string, number> = {
  nan: Number.NaN, NaN: Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity,
  Infinity, '+Infinity': Infinity, '-Infinity': -Infinity,
};

/** One parsed record: its fields and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Splits CSV text into records (RFC 4180: fields may be quoted; a quote inside a quoted field is
 * doubled; quoted fields may hold delimiters and line breaks). Blank lines are skipped.
 */
export function parseCsvRecords(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  scanCsvRecords('readCsv', text, delimiter, text.charCodeAt(0) === 0xfeff ? 1 : 0, 1, true, records);
  return records;
}

/** Where {@link scanCsvRecords} stopped: the offset of the first unread character and its line. */
export interface CsvScanPosition {
  next: number;
  line: number;
}

/**
 * Appends the records of `text` from `start` (on line `line`) to `records`, until it holds
 * `maxRecords`. With `final` false the text is a prefix of a longer stream: a record that could
 * continue in text not yet read (no line break after it, an open quote, a quote or carriage return
 * as the last character) is left unread. The returned position says where to resume.
 */
export function scanCsvRecords(
  where: string, text: string, delimiter: string, start: number, line: number, final: boolean, records: CsvRecord[], maxRecords = Infinity,
): CsvScanPosition {
  const n = text.length;
  let i = start;
  while (i < n && records.length < maxRecords) {
    const newline = text.indexOf('\n', i);
    const end = newline < 0 ? n : newline;
    const lineEnd = end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const lineText = text.slice(i, lineEnd);
    // The common case, a whole line without quotes or stray carriage returns, is one native split.
    // (Without a line break after it, a line read from a stream may go on in the next chunk.)
    if ((newline >= 0 || final) && lineText.indexOf('"') < 0 && lineText.indexOf('\r') < 0) {
      if (lineText !== '') records.push({ fields: lineText.split(delimiter), line });
      i = end + 1;
      line++;
      continue;
    }
    const parsed = parseRecordAt(where, text, i, line, delimiter, final);
    if (parsed === null) break;
    if (parsed.fields !== null) records.push({ fields: parsed.fields, line });
    i = parsed.next;
    line = parsed.line;
  }
  return { next: Math.min(i, n), line };
}

/**
 * Parses the record starting at `start` field by field (quotes, doubled quotes, line breaks inside
 * quotes, a lone carriage return as a line break). Returns its fields (null for a blank line), where
 * the next record starts and its line number; or null when `final` is false and the record may
 * continue past the end of `text`.
 */
function parseRecordAt(
  where: string, text: string, start: number, startLine: number, delimiter: string, final: boolean,
): { fields: string[] | null; next: number; line: number } | null {
  const n = text.length;
  const fields: string[] = [];
  let line = startLine;
  let quoted = false;
  let i = start;
  for (;;) {
    let field: string;
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
    if (j < n && text[j] === '"') {
      quoted = true;
      const quoteLine = line;
      let value = '';
      let from = j + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        // A closing quote not yet read, or one that may be the first of a doubled pair.
        if (!final && (close < 0 || close + 1 >= n)) return null;
        if (close < 0) throw new ValueError(`${where}: line ${quoteLine}: a quoted field is never closed`);
        const segment = text.slice(from, close);
        for (let k = segment.indexOf('\n'); k >= 0; k = segment.indexOf('\n', k + 1)) line++;
        value += segment;
        if (text[close + 1] === '"') {
          value += '"';
          from = close + 2;
        } else {
          j = close + 1;
          break;
        }
      }
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') {
        throw new ValueError(`${where}: line ${line}: unexpected ${describe(text[j])} after a closing quote; a quoted field must end at a delimiter or the end of the line`);
      }
      field = value;
    } else {
      j = i;
      while (j < n) {
        const c = text[j];
        if (c === delimiter || c === '\n' || c === '\r') break;
        if (c === '"') {
          throw new ValueError(`${where}: line ${line}: a quote inside an unquoted field (${describe(text.slice(i, j + 1))}); quote the whole field and double inner quotes`);
        }
        j++;
      }
      field = text.slice(i, j);
    }
    fields.push(field);
    if (j < n && text[j] === delimiter) {
      i = j + 1;
      continue;
    }
    // The record may go on, or a carriage return may be the first half of a CRLF.
    if (!final && (j >= n || (text[j] === '\r' && j + 1 >= n))) return null;
    const next = j >= n ? n : text[j] === '\r' && text[j + 1] === '\n' ? j + 2 : j + 1;
    const blank = fields.length === 1 && fields[0] === '' && !quoted;
    return { fields: blank ? null : fields, next, line: line + 1 };
  }
}

/** Reads the source: text with a line break, a path or file URL, or the bytes of a file. */
function loadText(where: string, source: unknown): string {
  if (source instanceof URL) return readText(where, fileURLToPath(source));
  if (source instanceof Uint8Array) return new TextDecoder('utf-8').decode(source);
  if (typeof source !== 'string') typeError(where, 'source', 'a path, CSV text, a file URL or a Uint8Array', source);
  if (/[\r\n]/.test(source)) return source;
  return readText(where, source);
}

function readText(where: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ValueError(`${where}: no file at ${describe(path)} (CSV text, as opposed to a path, must contain a line break)`);
    }
    throw new ValueError(`${where}: cannot read ${describe(path)}: ${(error as Error).message}`);
  }
}

/** Resolves a column reference to its index. */
export function columnIndex(where: string, option: string, ref: unknown, names: readonly string[]): number {
  if (typeof ref === 'number') return checkInteger(where, option, ref, 0, names.length - 1);
  if (typeof ref !== 'string') typeError(where, option, 'a column name or a 0-based column index', ref);
  const index = names.indexOf(ref);
  if (index < 0) {
    const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')}, ... (${names.length} columns)` : names.join(', ');
    throw new ValueError(`${where}: ${option}: no column named '${ref}'${didYouMean(ref, names)}; the columns are ${shown}`);
  }
  return index;
}

/** Resolves a list of distinct column references to their indices. */
export function columnList(where: string, option: string, refs: unknown, names: readonly string[]): number[] {
  if (!Array.isArray(refs)) typeError(where, option, 'an array of column names or indices', refs);
  // No more entries than columns (each column once): a huge array is refused before it is read.
  const indices = checkEach(arrayItems(where, option, refs, names.length, 'columns'), (ref, i) => columnIndex(where, `${option}[${i}]`, ref, names));
  const seen = new Set<number>();
  for (const index of indices) {
    if (seen.has(index)) throw new ValueError(`${where}: ${option} lists column '${names[index]}' twice`);
    seen.add(index);
  }
  return indices;
}

/** Parses one numeric field; null when it is not a number. */
export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  const special = ownEntry(SPECIAL_NUMBERS, trimmed);
  return special === undefined ? null : special;
}

/** The field delimiter option: one character other than a quote or a line break (default ','). */
export function checkDelimiter(where: string, value: unknown): string {
  const delimiter = value === undefined ? ',' : checkString(where, 'delimiter', value);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ValueError(`${where}: delimiter must be one character other than a quote or a line break, got ${describe(delimiter)}`);
  }
  return delimiter;
}

/**
 * The column names: `columnNames` if given (one per field of the first record), else the header's
 * (blank ones become `column<i>`), else `column0`, `column1`, ... Names must be distinct.
 */
export function csvColumnNames(where: string, first: CsvRecord, header: boolean, columnNames: unknown): string[] {
  const width = first.fields.length;
  let names: string[];
  if (columnNames !== undefined) {
    if (!Array.isArray(columnNames)) typeError(where, 'columnNames', 'an array of strings', columnNames);
    names = checkEach(columnNames, (name, i) => checkString(where, `columnNames[${i}]`, name));
    if (names.length !== width) {
      throw new ValueError(`${where}: columnNames has ${names.length} names, the ${header ? 'header' : 'first line'} (line ${first.line}) has ${width} fields`);
    }
  } else if (header) {
    names = first.fields.map((name, i) => name.trim() || `column${i}`);
  } else {
    names = Array.from({ length: width }, (_, i) => `column${i}`);
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) throw new ValueError(`${where}: the column name '${duplicate}' appears twice; give distinct columnNames`);
  return names;
}

/** Throws when a record does not have `width` fields. */
export function checkRecordWidth(where: string, record: CsvRecord, width: number, header: boolean): void {
  if (record.fields.length !== width) {
    throw new ValueError(`${where}: line ${record.line} has ${record.fields.length} fields, expected ${width} (as ${header ? 'in the header' : 'on the first line'})`);
  }
}

/**
 * The number in field `column` of `record`: an empty field is NaN with `missing: 'nan'`; anything
 * else that is not a number throws, naming the line and the column (`role`: 'column' for a
 * feature, 'label column' for the label).
 */
export function numericField(where: string, names: readonly string[], record: CsvRecord, column: number, missing: 'error' | 'nan', role: 'column' | 'label column'): number {
  const text = record.fields[column];
  const value = parseNumber(text);
  if (value !== null) return value;
  const isEmpty = text.trim() === '';
  if (isEmpty && missing === 'nan') return Number.NaN;
  throw new ValueError(
    `${where}: line ${record.line}, ${role} '${names[column]}' (column ${column + 1}): ` +
      (isEmpty ? `the value is missing (pass missing: 'nan' to read empty fields as NaN)` : `expected a number, got ${describe(text)}`) +
      (role === 'column' && !isEmpty ? ` (list it in stringColumns to keep it as text)` : ''),
  );
}

/** A numeric label: a number for 'float32', an integer class index for 'int32'. */
export function numericLabel(where: string, names: readonly string[], record: CsvRecord, column: number, labelDtype: 'int32' | 'float32'): number {
  const text = record.fields[column];
  if (parseNumber(text) === null && text.trim() !== '') {
    throw new ValueError(
      `${where}: line ${record.line}, label column '${names[column]}': expected a number, got ${describe(text)} (use labelDtype: 'category' for text labels)`,
    );
  }
  const number = numericField(where, names, record, column, 'error', 'label column');
  if (labelDtype === 'int32' && (!Number.isInteger(number) || number < -(2 ** 31) || number > 2 ** 31 - 1)) {
    throw new ValueError(
      `${where}: line ${record.line}, label column '${names[column]}': expected an integer class index, got ${describe(text.trim())} (use labelDtype: 'float32' for regression targets)`,
    );
  }
  return number;
}

/** A text label (for labelDtype 'category'); an empty one throws. */
export function categoryLabel(where: string, names: readonly string[], record: CsvRecord, column: number): string {
  const text = record.fields[column].trim();
  if (text === '') throw new ValueError(`${where}: line ${record.line}, label column '${names[column]}': the label is missing`);
  return text;
}

/**
 * Reads a CSV file (or text) into a float32 feature matrix `x` and, with `labelColumn`, labels `y`.
 *
 * @param source a path, a `file:` URL, the bytes of a file, or the CSV text itself (a string with
 *   a line break is taken as text, any other string as a path)
 * @param options see {@link ReadCsvOptions}
 *
 * ```ts
 * const iris = dn.data.readCsv('iris.csv', { labelColumn: 'label', stringColumns: ['split'] });
 * iris.x.shape;               // [150, 4]
 * iris.strings.split[0];      // 'train'
 * ```
 */
export function readCsv(source: string | URL | Uint8Array, options?: ReadCsvOptions): CsvData {
  const where = 'readCsv';
  const o = checkOptions<ReadCsvOptions>(where, options, OPTION_NAMES);
  const header = o.header === undefined ? true : checkBoolean(where, 'header', o.header);
  const delimiter = checkDelimiter(where, o.delimiter);
  const labelDtype = o.labelDtype === undefined ? 'int32' : checkChoice(where, 'labelDtype', o.labelDtype, ['int32', 'float32', 'category'] as const);
  const missing = o.missing === undefined ? 'error' : checkChoice(where, 'missing', o.missing, ['error', 'nan'] as const);

  const records = parseCsvRecords(loadText(where, source), delimiter);
  if (records.length === 0) throw new ValueError(`${where}: the CSV is empty`);
  const names = csvColumnNames(where, records[0], header, o.columnNames);
  const rows = header ? records.slice(1) : records;
  for (const record of rows) checkRecordWidth(where, record, names.length, header);

  const label = o.labelColumn === undefined ? -1 : columnIndex(where, 'labelColumn', o.labelColumn, names);
  const stringColumns = o.stringColumns === undefined ? [] : columnList(where, 'stringColumns', o.stringColumns, names);
  if (label >= 0 && stringColumns.includes(label)) {
    throw new ValueError(`${where}: column '${names[label]}' cannot be both the labelColumn and a string column (use labelDtype: 'category' for text labels)`);
  }
  let features: number[];
  if (o.featureColumns !== undefined) {
    features = columnList(where, 'featureColumns', o.featureColumns, names);
    for (const index of features) {
      if (index === label) throw new ValueError(`${where}: column '${names[index]}' cannot be both the labelColumn and a feature column`);
      if (stringColumns.includes(index)) throw new ValueError(`${where}: column '${names[index]}' cannot be both a string column and a feature column`);
    }
  } else {
    features = names.map((_, i) => i).filter((i) => i !== label && !stringColumns.includes(i));
  }

  const rowCount = rows.length;
  const featureCount = features.length;
  const x = new Float32Array(rowCount * featureCount);
  const labelValues: number[] = [];
  const labelTexts: string[] = [];
  const strings: Record<string, string[]> = {};
  for (const index of stringColumns) strings[names[index]] = new Array<string>(rowCount);

  for (let r = 0; r < rowCount; r++) {
    const record = rows[r];
    for (let j = 0; j < featureCount; j++) x[r * featureCount + j] = numericField(where, names, record, features[j], missing, 'column');
    for (const index of stringColumns) strings[names[index]][r] = record.fields[index];
    if (label < 0) continue;
    if (labelDtype === 'category') labelTexts.push(categoryLabel(where, names, record, label));
    else labelValues.push(numericLabel(where, names, record, label, labelDtype));
  }

  let y: Tensor | null = null;
  let classNames: string[] | null = null;
  if (label >= 0) {
    if (labelDtype === 'category') {
      classNames = [...new Set(labelTexts)].sort();
      const indexOf = new Map(classNames.map((name, i) => [name, i]));
      y = makeTensor(Int32Array.from(labelTexts, (text) => indexOf.get(text)!), [rowCount]);
    } else {
      y = makeTensor(labelDtype === 'int32' ? Int32Array.from(labelValues) : Float32Array.from(labelValues), [rowCount]);
    }
  }
  return {
    columnNames: names,
    featureNames: features.map((i) => names[i]),
    x: makeTensor(x, [rowCount, featureCount]),
    y,
    labelName: label >= 0 ? names[label] : null,
    classNames,
    strings,
    rowCount,
  };
}
