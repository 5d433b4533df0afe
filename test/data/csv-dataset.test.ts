// dn.data.csv: a CSV file read as a stream, with readCsv's parsing rules, chunk boundaries anywhere, and errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { csv, CsvDataset, parseCsvRecords, readCsv } from '../../lib/data/index.js';
import { scanCsvRecords, type CsvRecord } from '../../lib/data/csv.js';
import { Generator } from '../../lib/random.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-csv-dataset-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let fileCount = 0;
function file(text: string): string {
  const path = join(folder, `data${fileCount++}.csv`);
  writeFileSync(path, text);
  return path;
}

const SIMPLE = 'a,b,label\n1,2,0\n3,4.5,1\n-5e-1,6,2\n';

/** Parses `text` fed in pieces cut at `cuts`, as the stream does, and returns the records. */
function streamed(text: string, cuts: number[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  let pending = '';
  let line = 1;
  let started = false;
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    pending += text.slice(from, cut);
    from = cut;
    let start = 0;
    if (!started && pending.length > 0) {
      started = true;
      if (pending.charCodeAt(0) === 0xfeff) start = 1;
    }
    const position = scanCsvRecords('test', pending, ',', start, line, false, records);
    pending = pending.slice(position.next);
    line = position.line;
  }
  scanCsvRecords('test', pending, ',', 0, line, true, records);
  return records;
}

describe('data.csv: should throw', () => {
  it('rejects bad paths and options at once', () => {
    expect(() => csv(42 as never)).toThrow(ArgumentTypeError);
    expect(() => csv(join(folder, 'nope.csv'))).toThrow(/data.csv: no file at ".*nope.csv"/);
    expect(() => csv(SIMPLE)).toThrow(/contains a line break; dn.data.csv reads a file \(for CSV text in memory use dn.data.readCsv\)/);
    mkdirSync(join(folder, 'a-folder'));
    expect(() => csv(join(folder, 'a-folder'))).toThrow(/is not a file/);
    expect(() => csv(new URL('https://example.invalid/x.csv'))).toThrow(/a file path or a file: URL, got a https: URL/);
    const path = file(SIMPLE);
    expect(() => csv(path, { lable: 'label' } as never)).toThrow(/data.csv: unknown option 'lable' \(did you mean 'label'\?\)/);
    expect(() => csv(path, { label: 'lable' })).toThrow(/label: no column named 'lable' \(did you mean 'label'\?\); the columns are a, b, label/);
    expect(() => csv(path, { columns: ['a', 'zz'] })).toThrow(/columns\[1\]: no column named 'zz'/);
    expect(() => csv(path, { label: 'label', columns: ['a', 'label'] })).toThrow(/column 'label' cannot be both the label and a feature column/);
    expect(() => csv(path, { delimiter: '"' })).toThrow(/delimiter must be one character other than a quote/);
    expect(() => csv(path, { label: 'label', labelDtype: 'category' })).toThrow(/labelDtype 'category' needs classNames/);
    expect(() => csv(path, { label: 'label', classNames: ['x'] })).toThrow(/classNames goes with labelDtype: 'category'/);
    expect(() => csv(path, { label: 'label', labelDtype: 'category', classNames: ['x', 'x'] })).toThrow(/classNames lists 'x' twice/);
    expect(() => csv(path, { labelDtype: 'category', classNames: ['x'] })).toThrow(/needs a label column/);
    expect(() => csv(path, { header: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => csv(file('\n\n'))).toThrow(/is empty/);
    expect(() => csv(file('a,a\n1,2\n'))).toThrow(/the column name 'a' appears twice/);
  });

  it('reports a malformed row while iterating, with its line and column', async () => {
    await expect(csv(file('a,b\n1,2\n3,x\n')).toArray()).rejects.toThrow(/data.csv: line 3, column 'b' \(column 2\): expected a number, got "x"/);
    await expect(csv(file('a,b\n1,2\n3\n')).toArray()).rejects.toThrow(/line 3 has 1 fields, expected 2 \(as in the header\)/);
    await expect(csv(file('a,label\n1,0\n2,1.5\n'), { label: 'label' }).toArray()).rejects.toThrow(/line 3, label column 'label': expected an integer class index/);
    await expect(csv(file('a,b\n1,"2\n3,4\n')).toArray()).rejects.toThrow(/data.csv: line 2: a quoted field is never closed/);
    await expect(csv(file('x,s\n1,cat\n2,dog\n'), { label: 's', labelDtype: 'category', classNames: ['cat'] }).toArray()).rejects.toThrow(
      /line 3, label column 's': 'dog' is not in classNames \(cat\)/,
    );
    await expect(csv(file('a,b\n1,\n')).toArray()).rejects.toThrow(/the value is missing \(pass missing: 'nan'/);
  });
});

describe('data.csv: streaming', () => {
  it('parses a stream cut at every position exactly as the whole text', () => {
    const text = '\uFEFFname,note,v\r\n"Smith, J","said ""hi""\r\nthen left",1\r\n\r\nplain,  spaced  ,2\r"q",,3\nlast,"x",4';
    const whole = parseCsvRecords(text);
    expect(whole.length).toBe(5);
    for (let cut = 0; cut <= text.length; cut++) expect(streamed(text, [cut])).toEqual(whole);
    // And in many small random pieces.
    const generator = new Generator(1);
    for (let trial = 0; trial < 50; trial++) {
      const cuts = Array.from({ length: 6 }, () => generator.integer(0, text.length + 1)).sort((a, b) => a - b);
      expect(streamed(text, cuts)).toEqual(whole);
    }
  });

  it('yields { xs, ys } rows with the header read at creation', async () => {
    const ds = csv(file(SIMPLE), { label: 'label' });
    expect(ds).toBeInstanceOf(CsvDataset);
    expect(ds.size).toBeNull();
    expect(ds.columnNames).toEqual(['a', 'b', 'label']);
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(ds.labelName).toBe('label');
    const rows = await ds.toArray();
    expect(rows.map((r) => Array.from(r.xs.dataSync()))).toEqual([[1, 2], [3, 4.5], [-0.5, 6]]);
    expect(rows.map((r) => [r.ys.dtype, r.ys.shape.length, r.ys.item()])).toEqual([['int32', 0, 0], ['int32', 0, 1], ['int32', 0, 2]]);
    // A second pass reads the file again.
    expect((await ds.toArray()).length).toBe(3);
    const batch = (await ds.batch(2).toArray())[0];
    expect(batch.xs.shape).toEqual([2, 2]);
    expect(Array.from(batch.ys.dataSync())).toEqual([0, 1]);
  });

  it('selects columns, reads float and category labels, files without a header, URLs, and features alone', async () => {
    const path = file('id,x,y,species\n1,0.5,2,setosa\n2,1.5,3,virginica\n');
    const picked = await csv(path, { columns: ['y', 'x'], label: 'species', labelDtype: 'category', classNames: ['setosa', 'versicolor', 'virginica'] }).toArray();
    expect(picked.map((r) => Array.from(r.xs.dataSync()))).toEqual([[2, 0.5], [3, 1.5]]);
    expect(picked.map((r) => r.ys.item())).toEqual([0, 2]);
    const floats = await csv(pathToFileURL(path), { columns: [1], label: 'y', labelDtype: 'float32' }).toArray();
    expect(floats.map((r) => [r.ys.dtype, r.ys.item()])).toEqual([['float32', 2], ['float32', 3]]);
    const noHeader = csv(file('1;2\n3;4\n'), { header: false, delimiter: ';', columnNames: ['p', 'q'], label: 'q' });
    expect((await noHeader.toArray()).map((r) => [r.xs.item(), r.ys.item()])).toEqual([[1, 2], [3, 4]]);
    const features = await csv(file('p,q\n1,2\n'), {}).toArray();
    expect(Array.from(features[0].dataSync())).toEqual([1, 2]);
    const gaps = await csv(file('p,q\n1,\n'), { missing: 'nan' }).toArray();
    expect(Array.from(gaps[0].dataSync())).toEqual([1, Number.NaN]);
  });

  it('reads a file of several chunks (quoted line breaks across chunk edges) row for row as readCsv does', async () => {
    // About 2.5 MB: the stream reads 1 MB chunks, so records straddle chunk edges.
    const generator = new Generator(4);
    const lines = ['id,note,f1,f2,label'];
    for (let i = 0; i < 40000; i++) {
      const note = i % 7 === 0 ? `"a ""quoted"", multi\nline note ${i}"` : `plain note ${i}`;
      lines.push(`${i},${note},${generator.normal().toFixed(6)},${generator.uniform().toFixed(4)},${i % 3}`);
    }
    const text = `${lines.join('\r\n')}\r\n`;
    const path = file(text);
    const reference = readCsv(path, { labelColumn: 'label', stringColumns: ['note'] });
    const rows = await csv(path, { columns: ['id', 'f1', 'f2'], label: 'label' }).batch(4096).toArray();
    const x = rows.flatMap((b) => Array.from(b.xs.dataSync()));
    const y = rows.flatMap((b) => Array.from(b.ys.dataSync()));
    expect(x.length).toBe(40000 * 3);
    const referenceX = reference.x.dataSync();
    const referenceY = reference.y!.dataSync();
    expect(x.filter((v, i) => v !== referenceX[i]).length).toBe(0);
    expect(y.filter((v, i) => v !== referenceY[i]).length).toBe(0);
    expect(y.length).toBe(40000);
    // An error deep in the file names the right line (line breaks inside quotes count).
    const bad = `${lines.slice(0, 30001).join('\n')}\n1,x,oops,2,0\n`;
    const expectedLine = bad.split('\n').length - 1;
    await expect(csv(file(bad), { columns: ['id', 'f1'], label: 'label' }).toArray()).rejects.toThrow(new RegExp(`line ${expectedLine}, column 'f1'`));
  });

  it('stops reading when the consumer stops: take() of a large file', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 100000; i++) lines.push(`${i},${i}`);
    const ds = csv(file(`${lines.join('\n')}\n`));
    const first = await ds.take(3).toArray();
    expect(first.map((t) => t.dataSync()[0])).toEqual([0, 1, 2]);
    const shuffled = await ds.shuffle(100, { seed: 1 }).take(5).toArray();
    for (const t of shuffled) expect(t.dataSync()[0]).toBeLessThan(105);
  });
});
