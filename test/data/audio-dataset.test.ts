// audioDatasetFromDirectory on a few generated WAV files: class folders, batching, padding and cutting,
// resampling, label modes, validation splits, fit, and bad arguments.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
const fromDirectory = dn.data.audioDatasetFromDirectory;

let root = '';
/** Clip values: file k holds (k + 1) / 10 in every sample, so a batch row tells its file. */
const clips = [
  { folder: 'no', name: 'a.wav', samples: 60, rate: 8000 },
  { folder: 'no', name: 'b.wav', samples: 120, rate: 8000 },
  { folder: 'yes', name: 'c.wav', samples: 80, rate: 8000 },
  { folder: 'yes', name: 'd.wav', samples: 100, rate: 8000 },
  { folder: 'yes/more', name: 'e.WAV', samples: 200, rate: 16000 },
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dendrite-audio-dataset-'));
  clips.forEach((clip, k) => {
    mkdirSync(join(root, clip.folder), { recursive: true });
    dn.audio.writeWav(join(root, clip.folder, clip.name), dn.full([clip.samples, 1], (k + 1) / 10), clip.rate, { sampleFormat: 'float', bitDepth: 32 });
  });
  mkdirSync(join(root, 'empty'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Which clip (0-based) a row of xs holds, from a sample inside every clip (away from a resampled clip's edges). */
const clipOf = (xs: dn.Tensor, row: number): number => Math.round(xs.dataSync()[row * xs.shape[1] * xs.shape[2] + 20] * 10) - 1;

describe('audioDatasetFromDirectory', () => {
  it('reads one class per folder, batches, cuts or pads to outputSequenceLength and resamples', async () => {
    const ds = fromDirectory(root, { classNames: ['no', 'yes'], batchSize: 2, sampleRate: 8000, outputSequenceLength: 90, shuffle: false });
    expect(ds.classNames).toEqual(['no', 'yes']);
    const batches = await ds.toArray();
    expect(batches.map((b) => b.xs.shape)).toEqual([[2, 90, 1], [2, 90, 1], [1, 90, 1]]);
    expect(batches.flatMap((b) => [...b.ys.dataSync()])).toEqual([0, 0, 1, 1, 1]);
    expect(batches[0].ys.dtype).toBe('int32');
    const first = batches[0].xs.dataSync();
    expect(first[59]).toBeCloseTo(0.1, 6);
    expect(first[60]).toBe(0); // a 60-sample clip padded with zeros
    expect(first[90 + 89]).toBeCloseTo(0.2, 6); // a 120-sample clip cut to 90
    // e.wav (16 kHz, 200 samples) resampled to 8 kHz: 100 samples of 0.5, cut to 90.
    const resampled = batches[2].xs.dataSync();
    expect(resampled[50]).toBeCloseTo(0.5, 2);
  });

  it('pads each batch to its longest clip without outputSequenceLength, and needs one rate without sampleRate', async () => {
    const ds = fromDirectory(root, { classNames: ['no'], batchSize: 8, shuffle: false });
    const [batch] = await ds.toArray();
    expect(batch.xs.shape).toEqual([2, 120, 1]);
    // 80 and 100 samples at 8 kHz, and 200 at 16 kHz resampled to 100.
    const [yes] = await fromDirectory(root, { classNames: ['yes'], batchSize: 8, sampleRate: 8000, shuffle: false }).toArray();
    expect(yes.xs.shape).toEqual([3, 100, 1]);
    await expect(fromDirectory(root, { batchSize: 8, shuffle: false }).toArray()).rejects.toThrow(/e\.WAV' is sampled at 16000 Hz, the clips before it at 8000 Hz; give sampleRate/);
  });

  it('gives categorical, binary or no labels, and single clips with batchSize null', async () => {
    const options = { classNames: ['no', 'yes'], sampleRate: 8000, outputSequenceLength: 50, shuffle: false } as const;
    const [categorical] = await fromDirectory(root, { ...options, labelMode: 'categorical', batchSize: 5 }).toArray();
    expect(categorical.ys.shape).toEqual([5, 2]);
    expect([...categorical.ys.dataSync()]).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
    const [binary] = await fromDirectory(root, { ...options, labelMode: 'binary', batchSize: 5 }).toArray();
    expect(binary.ys.shape).toEqual([5, 1]);
    const [clipsOnly] = await fromDirectory(root, { ...options, labelMode: null, batchSize: 5 }).toArray();
    expect((clipsOnly as dn.Tensor).shape).toEqual([5, 50, 1]);
    const singles = await fromDirectory(root, { ...options, batchSize: null }).toArray();
    expect(singles.map((s) => [s.xs.shape, s.ys.shape])).toEqual(new Array(5).fill([[50, 1], []]));
  });

  it('splits the files by validationSplit with a seed: disjoint subsets covering every file, the same for both calls', async () => {
    const options = { classNames: ['no', 'yes'], sampleRate: 8000, outputSequenceLength: 40, batchSize: 1, validationSplit: 0.4, seed: 3 } as const;
    const rows = async (ds: dn.data.Dataset<{ xs: dn.Tensor; ys: dn.Tensor }>): Promise<number[]> => (await ds.toArray()).map((b) => clipOf(b.xs, 0));
    const training = await rows(fromDirectory(root, { ...options, subset: 'training' }));
    const validation = await rows(fromDirectory(root, { ...options, subset: 'validation' }));
    expect(training).toHaveLength(3);
    expect(validation).toHaveLength(2);
    expect([...training, ...validation].sort()).toEqual([0, 1, 2, 3, 4]);
    const [t, v] = fromDirectory(root, { ...options, subset: 'both' });
    expect((await rows(t)).sort()).toEqual([...training].sort());
    expect((await rows(v)).sort()).toEqual([...validation].sort());
  });

  it('feeds model.fit through the dataset pipeline', async () => {
    const ds = fromDirectory(root, { classNames: ['no', 'yes'], sampleRate: 8000, outputSequenceLength: 32, batchSize: 2, seed: 1 });
    const model = dn.sequential({ layers: [dn.layers.flatten({ inputShape: [32, 1] }), dn.layers.dense({ units: 2 })] });
    model.compile({ optimizer: 'sgd', loss: dn.losses.get('sparseCategoricalCrossentropy', { fromLogits: true }) });
    const history = await model.fit(ds, { epochs: 2, verbose: 0 });
    expect(history.history.loss).toHaveLength(2);
  });

  it('rejects bad arguments naming them', () => {
    expect(() => fromDirectory(join(root, 'missing'))).toThrow(/directory '.*missing' is not a folder/);
    expect(() => fromDirectory(root, { validationSplit: 0.2 })).toThrow(/validationSplit and subset go together/);
    expect(() => fromDirectory(root, { validationSplit: 0.2, subset: 'training' })).toThrow(/give a seed/);
    expect(() => fromDirectory(root, { validationSplit: 1.5, subset: 'training', seed: 1 })).toThrow(/validationSplit/);
    expect(() => fromDirectory(root, { labelMode: 'binary' })).toThrow(/labelMode 'binary' needs exactly 2 classes, got 3/);
    expect(() => fromDirectory(root, { classNames: ['maybe'] })).toThrow(/'maybe', which is not a subfolder/);
    expect(() => fromDirectory(root, { classNames: ['empty'] })).toThrow(/no \.wav files/);
    expect(() => fromDirectory(root, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => fromDirectory(root, { labelMode: 'sparse' as never })).toThrow(/labelMode/);
    expect(() => fromDirectory(root, { sampleRates: 8000 } as never)).toThrow(/sampleRates/);
  });
});
