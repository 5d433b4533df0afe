// dendrite/tfjs tf.data: csv elements as tfjs makes them (numbers, labels in ys, column dtypes,
// defaults), batching numeric arrays into one tensor, tfjs's positional batch/shuffle arguments,
// and model.save writing the tfjs format with tfjs's SaveResult.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

const work = mkdtempSync(join(tmpdir(), 'dendrite-tfjs-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function csvFile(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

describe('tf.data.csv', () => {
  const path = csvFile('rows.csv', 'kind,size,count,flag,label\nF,0.5,2.7,true,1\n"M, big",1.25,,0,0\n\nI,2,4,1,1\n');

  it('reads rows as objects, numbers where they parse, labels under ys, column dtypes and defaults as tfjs', async () => {
    const rows = await tf.data.csv('file://' + path, {
      columnConfigs: { label: { isLabel: true }, count: { dtype: 'int32', default: -1 }, flag: { dtype: 'bool' } },
    }).toArray();
    expect(rows).toEqual([
      { xs: { kind: 'F', size: 0.5, count: 2, flag: 1 }, ys: { label: 1 } },
      { xs: { kind: 'M, big', size: 1.25, count: -1, flag: 0 }, ys: { label: 0 } },
      { xs: { kind: 'I', size: 2, count: 4, flag: 1 }, ys: { label: 1 } },
    ]);
    expect(await tf.data.csv(path).columnNames()).toEqual(['kind', 'size', 'count', 'flag', 'label']);
    expect((await tf.data.csv(path).take(1).toArray())[0]).toEqual({ kind: 'F', size: 0.5, count: 2.7, flag: 'true', label: 1 });
    const only = await tf.data.csv(path, { columnConfigs: { size: {} }, configuredColumnsOnly: true }).toArray();
    expect(only.map((r) => r.size)).toEqual([0.5, 1.25, 2]);
    expect(Object.keys(only[0])).toEqual(['size']);
  });

  it('takes columnNames without a header, and names bad files and configs', async () => {
    const bare = csvFile('bare.csv', '1 2\n3   4\n');
    expect(await tf.data.csv(bare, { hasHeader: false, columnNames: ['a', 'b'], delimWhitespace: true }).toArray()).toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    expect(() => tf.data.csv(bare, { hasHeader: false })).toThrow(/columnNames/);
    expect(() => tf.data.csv(bare, { columnConfigs: { a: { dtype: 'string' as never } } })).toThrow(/dtype/);
    expect(() => tf.data.csv(bare, { header: true } as never)).toThrow(/header/);
    await expect(tf.data.csv(path, { columnConfigs: { nope: {} } }).toArray()).rejects.toThrow(/nope/);
    await expect(tf.data.csv(path, { columnConfigs: { count: { required: true } } }).toArray()).rejects.toThrow(/count.*line 3/);
    await expect(tf.data.csv(join(work, 'missing.csv')).toArray()).rejects.toThrow(dn.ValueError);
    const ragged = csvFile('ragged.csv', 'a,b\n1,2\n3\n');
    await expect(tf.data.csv(ragged).toArray()).rejects.toThrow(/line 3 has 1 fields, expected 2/);
  });
});

describe('datasets batch and shuffle as tfjs', () => {
  it('batch stacks numeric arrays into one tensor, also after map and zip; smallLastBatch false drops the rest', async () => {
    const rows = tf.data.array([{ xs: [1, 2, 3], ys: [0] }, { xs: [4, 5, 6], ys: [1] }, { xs: [7, 8, 9], ys: [1] }]);
    const [first, last] = await rows.map((r) => r).batch(2).toArray() as { xs: dn.Tensor; ys: dn.Tensor }[];
    expect(first.xs.shape).toEqual([2, 3]);
    expect(first.ys.toArray()).toEqual([[0], [1]]);
    expect(last.xs.shape).toEqual([1, 3]);
    expect(await rows.batch(2, false).toArray()).toHaveLength(1);
    const zipped = tf.data.zip({ xs: tf.data.array([[1, 2], [3, 4]]), ys: tf.data.array([1, 0]) });
    const [batch] = await zipped.batch(4).toArray() as { xs: dn.Tensor; ys: dn.Tensor }[];
    expect(batch.xs.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(batch.ys.toArray()).toEqual([1, 0]);
    // Dendrite's own datasets keep arrays as structures.
    const [own] = await dn.data.array([{ xs: [1, 2] }]).batch(1).toArray() as { xs: dn.Tensor[] }[];
    expect(Array.isArray(own.xs)).toBe(true);
  });

  it('shuffle takes tfjs\'s string seed (the same seed, the same order) and mapAsync maps with a promise', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = await tf.data.array(items).shuffle(20, 'seed-a').toArray();
    const b = await tf.data.array(items).shuffle(20, 'seed-a').toArray();
    const c = await tf.data.array(items).shuffle(20, 'seed-b').toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(await tf.data.array([1, 2]).mapAsync(async (x) => x * 10).toArray()).toEqual([10, 20]);
    expect(() => tf.data.array([1]).shuffle(2, {} as never)).toThrow(/seed/);
  });
});

describe('model.save in the tfjs entry', () => {
  it('writes the tfjs layers-model format and resolves to tfjs\'s SaveResult', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const result = await model.save('file://' + join(work, 'saved'));
    const json = JSON.parse(readFileSync(join(work, 'saved', 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 2 + 2) * 4);
    expect(result.modelArtifactsInfo.dateSaved).toBeInstanceOf(Date);
    const loaded = await tf.loadLayersModel('file://' + join(work, 'saved', 'model.json'));
    const x = tf.tensor2d([[1, 2, 3]]);
    expect((loaded.predict(x) as dn.Tensor).toArray()).toEqual((model.predict(x) as dn.Tensor).toArray());
    await expect(model.save(join(work, 'other'), { includeOptimizer: true })).rejects.toThrow(/includeOptimizer/);
    await expect(model.save(join(work, 'other'), { trainable: true } as never)).rejects.toThrow(/trainable/);
  });
});
