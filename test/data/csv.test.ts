// readCsv: parsing (header, quotes, CRLF, delimiters), column selection, labels, and errors with line numbers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { parseCsvRecords, readCsv } from '../../lib/data/index.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-csv-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const SIMPLE = 'a,b,label\n1,2,0\n3,4.5,1\n-5e-1,6,2\n';

describe('readCsv: should throw', () => {
  it('rejects bad arguments and options', () => {
    expect(() => readCsv(42 as never)).toThrow(ArgumentTypeError);
    expect(() => readCsv(SIMPLE, { labelColum: 'label' } as never)).toThrow(/readCsv: unknown option 'labelColum' \(did you mean 'labelColumn'\?\)/);
    expect(() => readCsv(SIMPLE, { delimiter: ';;' })).toThrow(/delimiter must be one character/);
    expect(() => readCsv(SIMPLE, { header: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => readCsv(SIMPLE, { labelDtype: 'int64' as never })).toThrow(/unknown labelDtype 'int64'.*expected one of 'int32', 'float32', 'category'/);
    expect(() => readCsv(SIMPLE, { missing: 'skip' as never })).toThrow(ValueError);
  });

  it('names a missing file and explains how text is told from a path', () => {
    expect(() => readCsv(join(folder, 'nope.csv'))).toThrow(/no file at ".*nope.csv" \(CSV text, as opposed to a path, must contain a line break\)/);
  });

  it('names unknown columns, listing the real ones', () => {
    expect(() => readCsv(SIMPLE, { labelColumn: 'lable' })).toThrow(/labelColumn: no column named 'lable' \(did you mean 'label'\?\); the columns are a, b, label/);
    expect(() => readCsv(SIMPLE, { labelColumn: 3 })).toThrow(/labelColumn must be an integer from 0 to 2, got 3/);
    expect(() => readCsv(SIMPLE, { featureColumns: ['a', 'a'] })).toThrow(/lists column 'a' twice/);
    expect(() => readCsv(SIMPLE, { labelColumn: 'label', featureColumns: ['a', 'label'] })).toThrow(/both the labelColumn and a feature column/);
    expect(() => readCsv(SIMPLE, { stringColumns: 'a' as never })).toThrow(ArgumentTypeError);
  });

  it('reports bad numbers, missing values and ragged rows with their line numbers', () => {
    expect(() => readCsv('a,b\n1,2\n3,x\n')).toThrow(/line 3, column 'b' \(column 2\): expected a number, got "x" \(list it in stringColumns to keep it as text\)/);
    expect(() => readCsv('a,b\n1,2\n\n3,\n')).toThrow(/line 4, column 'b' \(column 2\): the value is missing \(pass missing: 'nan'/);
    expect(() => readCsv('a,b\n1,2\n3\n')).toThrow(/line 3 has 1 fields, expected 2 \(as in the header\)/);
    expect(() => readCsv('a,b\n1,2\n3,4,5\n', { header: false })).toThrow(/line 3 has 3 fields, expected 2 \(as on the first line\)/);
    expect(() => readCsv('a,label\n1,0\n2,1.5\n', { labelColumn: 'label' })).toThrow(
      /line 3, label column 'label': expected an integer class index, got "1.5" \(use labelDtype: 'float32' for regression targets\)/,
    );
    expect(() => readCsv('a,label\n1,cat\n', { labelColumn: 'label' })).toThrow(/expected a number, got "cat" \(use labelDtype: 'category'/);
    expect(() => readCsv('a,b\n1,"2\n3,4\n')).toThrow(/line 2: a quoted field is never closed/);
    expect(() => readCsv('a,b\n1,"2"x\n')).toThrow(/line 2: unexpected "x" after a closing quote/);
    expect(() => readCsv('a,b\n1,2"\n')).toThrow(/line 2: a quote inside an unquoted field/);
    expect(() => readCsv('a,a\n1,2\n')).toThrow(/the column name 'a' appears twice/);
    expect(() => readCsv('\n\n')).toThrow(/the CSV is empty/);
    expect(() => readCsv('a,b\n1,2\n', { columnNames: ['x'] })).toThrow(/columnNames has 1 names, the header \(line 1\) has 2 fields/);
  });
});

describe('readCsv: parsing', () => {
  it('reads a header, features and int32 labels', () => {
    const data = readCsv(SIMPLE, { labelColumn: 'label' });
    expect(data.columnNames).toEqual(['a', 'b', 'label']);
    expect(data.featureNames).toEqual(['a', 'b']);
    expect(data.rowCount).toBe(3);
    expect(data.x.shape).toEqual([3, 2]);
    expect(data.x.dtype).toBe('float32');
    expect(Array.from(data.x.dataSync())).toEqual([1, 2, 3, 4.5, -0.5, 6]);
    expect(data.y!.dtype).toBe('int32');
    expect(Array.from(data.y!.dataSync())).toEqual([0, 1, 2]);
    expect(data.labelName).toBe('label');
    expect(data.classNames).toBeNull();
  });

  it('reads every column into x without a label', () => {
    const data = readCsv(SIMPLE);
    expect(data.x.shape).toEqual([3, 3]);
    expect(data.y).toBeNull();
  });

  it('handles no header, custom names, indices, delimiters, CRLF, a BOM and blank lines', () => {
    const noHeader = readCsv('1;2;0\r\n3;4;1\r\n\r\n', { header: false, delimiter: ';', labelColumn: 2 });
    expect(noHeader.columnNames).toEqual(['column0', 'column1', 'column2']);
    expect(Array.from(noHeader.x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(noHeader.y!.dataSync())).toEqual([0, 1]);
    const named = readCsv('\uFEFF1\t2\n3\t4', { header: false, delimiter: '\t', columnNames: ['p', 'q'], labelColumn: 'q', labelDtype: 'float32' });
    expect(named.featureNames).toEqual(['p']);
    expect(named.y!.dtype).toBe('float32');
    expect(Array.from(named.y!.dataSync())).toEqual([2, 4]);
    // Old Mac line endings (a lone carriage return), and an error line counted across them.
    expect(Array.from(readCsv('a,b\r1,2\r3,4\r').x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(() => readCsv('a,b\r\n1,2\r\n"3",x\r\n')).toThrow(/line 3, column 'b'/);
  });

  it('parses quoted fields with delimiters, doubled quotes and line breaks', () => {
    const records = parseCsvRecords('name,note\n"Smith, J","said ""hi""\nthen left"\nplain,  spaced  \n');
    expect(records.map((r) => r.fields)).toEqual([['name', 'note'], ['Smith, J', 'said "hi"\nthen left'], ['plain', '  spaced  ']]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('keeps string columns as text and selects feature columns in order', () => {
    const data = readCsv('id,x,y,split,label\nr1,1,2,train,0\n"r,2",3,4,test,1\n', {
      labelColumn: 'label', stringColumns: ['id', 'split'], featureColumns: ['y', 'x'],
    });
    expect(data.featureNames).toEqual(['y', 'x']);
    expect(Array.from(data.x.dataSync())).toEqual([2, 1, 4, 3]);
    expect(data.strings).toEqual({ id: ['r1', 'r,2'], split: ['train', 'test'] });
  });

  it("maps text labels to sorted class indices with labelDtype: 'category'", () => {
    const data = readCsv('x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n', { labelColumn: 'species', labelDtype: 'category' });
    expect(data.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(data.y!.dataSync())).toEqual([2, 0, 1, 0]);
  });

  it("reads numbers in every usual spelling, and empty fields as NaN with missing: 'nan'", () => {
    const data = readCsv('v\n1\n-2.5\n.5\n1e3\n+4\n NaN \ninf\n-inf\n', {});
    expect(Array.from(data.x.dataSync())).toEqual([1, -2.5, 0.5, 1000, 4, Number.NaN, Infinity, -Infinity]);
    const gaps = readCsv('a,b\n1,\n,2\n', { missing: 'nan' });
    expect(Array.from(gaps.x.dataSync())).toEqual([1, Number.NaN, Number.NaN, 2]);
    // Hex and other spellings Number() would accept are not numbers in a CSV.
    expect(() => readCsv('v\n0x10\n')).toThrow(/expected a number, got "0x10"/);
  });

  it('reads from a path, a file URL and bytes', () => {
    const path = join(folder, 'data.csv');
    writeFileSync(path, SIMPLE);
    for (const source of [path, pathToFileURL(path), new TextEncoder().encode(SIMPLE)]) {
      const data = readCsv(source, { labelColumn: 'label' });
      expect(Array.from(data.y!.dataSync())).toEqual([0, 1, 2]);
    }
  });
});
