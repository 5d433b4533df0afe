// tf.node.tensorBoard / summaryFileWriter: the event files are read back here with a TFRecord and
// protocol-buffer reader written for the test (CRC-32C checked against its published check value),
// and hold what tfjs-node writes: the file version, then epoch_/batch_ scalars in train/ and val/.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';
import { crc32c } from '../../lib/tfjs/tensorboard.js';

const work = mkdtempSync(join(tmpdir(), 'dendrite-tfjs-tensorboard-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Event { wallTime: number; step: number; fileVersion?: string; tag?: string; value?: number }

function masked(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** Reads varint at `at`; returns [value, next offset]. */
function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, at];
  }
}

/** The fields of one protocol-buffer message: field number → raw values (numbers or byte slices). */
function fields(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    const [key, next] = varint(bytes, at);
    at = next;
    const field = Math.floor(key / 8);
    let value: number | Uint8Array;
    switch (key & 7) {
      case 0: [value, at] = varint(bytes, at); break;
      case 1: value = view.getFloat64(at, true); at += 8; break;
      case 5: value = view.getFloat32(at, true); at += 4; break;
      case 2: { const [length, start] = varint(bytes, at); value = bytes.subarray(start, start + length); at = start + length; break; }
      default: throw new Error(`wire type ${key & 7}`);
    }
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

function readEvents(dir: string): Event[] {
  const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  const bytes = new Uint8Array(readFileSync(join(dir, files[0])));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: Event[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = Number(view.getBigUint64(at, true));
    expect(view.getUint32(at + 8, true)).toBe(masked(crc32c(bytes.subarray(at, at + 8))));
    const data = bytes.subarray(at + 12, at + 12 + length);
    expect(view.getUint32(at + 12 + length, true)).toBe(masked(crc32c(data)));
    at += 16 + length;
    const f = fields(data);
    const event: Event = { wallTime: f.get(1)![0] as number, step: (f.get(2)?.[0] as number) ?? 0 };
    if (f.has(3)) event.fileVersion = new TextDecoder().decode(f.get(3)![0] as Uint8Array);
    if (f.has(5)) {
      const value = fields(fields(f.get(5)![0] as Uint8Array).get(1)![0] as Uint8Array);
      event.tag = new TextDecoder().decode(value.get(1)![0] as Uint8Array);
      event.value = value.get(2)![0] as number;
    }
    events.push(event);
  }
  return events;
}

describe('TensorBoard event files', () => {
  it('CRC-32C gives the published check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('summaryFileWriter writes the file version, then each scalar with its step; one writer per directory', () => {
    const dir = join(work, 'writer');
    const writer = tf.node.summaryFileWriter(dir);
    expect(tf.node.summaryFileWriter(dir)).toBe(writer);
    writer.scalar('loss', 0.25, 3);
    writer.scalar('acc', tf.scalar(0.5), 4);
    writer.flush();
    const events = readEvents(dir);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    expect(events.slice(1).map(({ tag, value, step }) => ({ tag, value, step }))).toEqual([{ tag: 'loss', value: 0.25, step: 3 }, { tag: 'acc', value: 0.5, step: 4 }]);
    expect(Math.abs(events[1].wallTime - Date.now() / 1000)).toBeLessThan(600);
    expect(() => writer.scalar('x', 1, 1.5)).toThrow(/step/);
    expect(() => writer.scalar('x', '1' as never, 1)).toThrow(dn.ArgumentTypeError);
    expect(() => writer.scalar('x', tf.tensor1d([1, 2]), 1)).toThrow(/one element/);
  });

  it('tensorBoard logs epochs to train/ and val/ as tfjs-node, batches too with updateFreq batch', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const xs = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [1, 0.2]]);
    const ys = tf.tensor2d([[0], [1], [1], [1], [1], [1]]);
    const logdir = join(work, 'fit');
    const history = await model.fit(xs, ys, { epochs: 3, batchSize: 2, validationSplit: 0.34, verbose: 0, callbacks: tf.node.tensorBoard(logdir, { updateFreq: 'batch' }) });
    const train = readEvents(join(logdir, 'train')).slice(1);
    const epochLoss = train.filter((e) => e.tag === 'epoch_loss');
    expect(epochLoss.map((e) => e.step)).toEqual([1, 2, 3]);
    epochLoss.forEach((e, i) => expect(e.value).toBeCloseTo(history.history.loss[i], 6));
    expect(train.filter((e) => e.tag === 'batch_loss').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(train.some((e) => e.tag === 'epoch_acc')).toBe(true);
    const val = readEvents(join(logdir, 'val')).slice(1);
    const valLoss = val.filter((e) => e.tag === 'epoch_loss');
    valLoss.forEach((e, i) => expect(e.value).toBeCloseTo(history.history.val_loss[i], 6));
    expect(val.every((e) => !e.tag!.startsWith('val_'))).toBe(true);
    expect(() => tf.node.tensorBoard(logdir, { updateFreq: 'step' as never })).toThrow(/updateFreq/);
    expect(() => tf.node.tensorBoard(3 as never)).toThrow(dn.ArgumentTypeError);
  });
});
