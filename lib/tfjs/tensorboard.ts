/**
 * `tf.node.summaryFileWriter` and `tf.node.tensorBoard` of `dendrite/tfjs`: TensorBoard event files
 * written in TypeScript. An event file is a sequence of TFRecords (the length as a little-endian
 * uint64, its masked CRC-32C, the bytes, their masked CRC-32C), each holding one `Event` protocol
 * buffer: first `file_version: "brain.Event:2"`, then one event per scalar with `wall_time`, `step`
 * and a `Summary` of one value `{ tag, simple_value }`, which is how TensorFlow's scalar writer that
 * tfjs-node calls records them. `tensorboard --logdir <dir>` reads the files.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Tensor, ValueError, callbacks as dnCallbacks, type Logs } from '../index.js';
import { checkChoice, checkInteger, checkObject, checkString, typeError } from '../validate.js';

// --- CRC-32C (Castagnoli), as TFRecord framing uses it -----------------------------------------
const CRC_TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c >>> 0;
}

/** The CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotated right by 15 bits plus a constant. */
function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its masked CRC, the data, its masked CRC. */
function tfRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(12 + data.length + 4);
  const view = new DataView(record.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc(record.subarray(0, 8)), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc(data), true);
  return record;
}

// --- the few protocol-buffer encodings an Event needs ------------------------------------------
function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return bytes;
}

function lengthDelimited(field: number, payload: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(BigInt(payload.length)), ...payload];
}

function fixed(field: number, wireType: 1 | 5, write: (view: DataView) => void, size: 8 | 4): number[] {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return [(field << 3) | wireType, ...bytes];
}

/** `Event { wall_time = 1 (double); step = 2 (int64); file_version = 3 | summary = 5 }`. */
function eventBytes(wallTime: number, step: number, body: { fileVersion: string } | { tag: string; value: number }): Uint8Array {
  const bytes = [...fixed(1, 1, (v) => v.setFloat64(0, wallTime, true), 8), 0x10, ...varint(BigInt(step))];
  if ('fileVersion' in body) bytes.push(...lengthDelimited(3, new TextEncoder().encode(body.fileVersion)));
  else {
    // Summary { value = 1: Value { tag = 1; simple_value = 2 (float) } }
    const value = [...lengthDelimited(1, new TextEncoder().encode(body.tag)), ...fixed(2, 5, (v) => v.setFloat32(0, body.value, true), 4)];
    bytes.push(...lengthDelimited(5, lengthDelimited(1, value)));
  }
  return Uint8Array.from(bytes);
}

let filesMade = 0;

/** Writes scalars to a TensorBoard event file in `logdir` (tfjs-node `SummaryFileWriter`). */
export class SummaryFileWriter {
  private fd: number | null;
  /** The event file this writer appends to. */
  readonly path: string;

  constructor(readonly logdir: string) {
    mkdirSync(logdir, { recursive: true });
    const seconds = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    this.path = join(logdir, `events.out.tfevents.${seconds}.${hostname()}.${process.pid}.${filesMade++}.v2`);
    this.fd = openSync(this.path, 'a');
    this.append(eventBytes(Date.now() / 1000, 0, { fileVersion: 'brain.Event:2' }));
  }

  private append(event: Uint8Array): void {
    if (this.fd === null) throw new ValueError(`SummaryFileWriter: ${this.path} is closed`);
    writeSync(this.fd, tfRecord(event));
  }

  /**
   * Writes the scalar `value` (a number or a one-element tensor) under `name` at `step` (an integer).
   * `description` is accepted as tfjs-node does (which does not write it either).
   */
  scalar(name: string, value: number | Tensor, step: number, description?: string): void {
    const where = 'SummaryFileWriter.scalar';
    checkString(where, 'name', name);
    let number: number;
    if (value instanceof Tensor) {
      if (value.size !== 1) throw new ValueError(`${where}: value must hold one element, got shape [${value.shape.join(', ')}]`);
      number = value.dataSync()[0];
    } else if (typeof value === 'number') number = value; // NaN and infinities too: a diverged loss is worth seeing
    else typeError(where, 'value', 'a number or a one-element tensor', value);
    checkInteger(where, 'step', step, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (description !== undefined) checkString(where, 'description', description);
    this.append(eventBytes(Date.now() / 1000, step, { tag: name, value: number }));
  }

  /** Makes what was written durable (each scalar is written to the file at once). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; later scalars are an error. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

const writers = new Map<string, SummaryFileWriter>();

/** The writer of `logdir`, one per directory for the process (tfjs-node `tf.node.summaryFileWriter`). */
export function summaryFileWriter(logdir: string): SummaryFileWriter {
  const where = 'summaryFileWriter';
  if (checkString(where, 'logdir', logdir).length === 0) throw new ValueError(`${where}: logdir must not be empty`);
  let writer = writers.get(logdir);
  if (writer === undefined) {
    writer = new SummaryFileWriter(logdir);
    writers.set(logdir, writer);
  }
  return writer;
}

/** Options of {@link tensorBoard} (tfjs-node `TensorBoardCallbackArgs`). */
export interface TensorBoardCallbackArgs {
  /** `'epoch'` (default): write each epoch's logs; `'batch'`: each batch's too. */
  updateFreq?: 'batch' | 'epoch';
}

/**
 * The callback of `tf.node.tensorBoard`: the logs as scalars in `logdir/train` (`epoch_loss`,
 * `batch_loss`, ...) and the `val_` ones in `logdir/val` (without the prefix), epochs counted from
 * 1, batches over the whole run, as tfjs-node does.
 */
export class TensorBoardCallback extends dnCallbacks.Callback {
  private batchesSeen = 0;
  private trainWriter: SummaryFileWriter | null = null;
  private valWriter: SummaryFileWriter | null = null;
  private readonly updateFreq: 'batch' | 'epoch';

  constructor(readonly logdir = './logs', args?: TensorBoardCallbackArgs) {
    super();
    const where = 'tensorBoard';
    checkString(where, 'logdir', logdir);
    const o = checkObject(where, 'args', args ?? {});
    for (const key of Object.keys(o)) checkChoice(where, 'args option', key, ['updateFreq'] as const);
    this.updateFreq = o.updateFreq === undefined || o.updateFreq === null ? 'epoch' : checkChoice(where, 'updateFreq', o.updateFreq, ['batch', 'epoch'] as const);
  }

  override onBatchEnd(_batch: number, logs: Logs): void {
    this.batchesSeen++;
    if (this.updateFreq !== 'epoch') this.write(logs, 'batch_', this.batchesSeen);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.write(logs, 'epoch_', epoch + 1);
  }

  override onTrainEnd(): void {
    this.trainWriter?.flush();
    this.valWriter?.flush();
  }

  private write(logs: Logs, prefix: string, step: number): void {
    for (const [key, value] of Object.entries(logs)) {
      if (key === 'batch' || key === 'size' || key === 'num_steps') continue;
      if (key.startsWith('val_')) {
        this.valWriter ??= summaryFileWriter(join(this.logdir, 'val'));
        this.valWriter.scalar(prefix + key.slice('val_'.length), value, step);
      } else {
        this.trainWriter ??= summaryFileWriter(join(this.logdir, 'train'));
        this.trainWriter.scalar(prefix + key, value, step);
      }
    }
  }
}

/**
 * A callback writing the loss and metrics to TensorBoard event files under `logdir` (tfjs-node
 * `tf.node.tensorBoard`): `model.fit(x, y, { callbacks: tf.node.tensorBoard('/tmp/logs') })`, then
 * `tensorboard --logdir /tmp/logs`.
 */
export function tensorBoard(logdir = './logs', args?: TensorBoardCallbackArgs): TensorBoardCallback {
  return new TensorBoardCallback(logdir, args);
}
