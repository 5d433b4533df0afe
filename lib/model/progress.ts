/**
 * The progress display of `fit`: on a terminal, a bar per epoch with the running loss and metrics,
 * samples per second and the time left; elsewhere (a pipe, a log file, CI) one line per epoch;
 * nothing with `verbose: 0`.
 */
import { checkInteger, checkObject, checkOptions } from '../validate.js';
import { Callback, type Logs } from './callbacks.js';

/** Where progress goes: anything with `write` (and `isTTY` to say it is a terminal). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Options of {@link ProgressLogger}. */
export interface ProgressOptions {
  /** 1: a bar on a terminal, a line per epoch elsewhere; 2: a line per epoch always; 0: nothing. Default 1. */
  verbose?: number;
  /** Where to write. Default: process.stdout. */
  stream?: ProgressStream;
  /** Minimum milliseconds between two redraws of the bar. Default 100. */
  refreshMs?: number;
}

const BAR_WIDTH = 30;

/** Formats a logged value as Keras does: 4 decimals, or scientific notation when small. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && magnitude < 1e-3 ? value.toExponential(4) : value.toFixed(4);
}

/** Formats seconds: `850ms`, `12.3s`, `2m 05s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return `${minutes}m ${String(rest).padStart(2, '0')}s`;
}

function formatRate(samplesPerSecond: number): string {
  if (!Number.isFinite(samplesPerSecond)) return '';
  return `${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s`;
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([key]) => key !== 'batch' && key !== 'size')
    .map(([key, value]) => `${key}: ${formatValue(value)}`)
    .join(' - ');
}

/** The progress callback `fit` adds for `verbose` 1 or 2. */
export class ProgressLogger extends Callback {
  readonly verbose: number;
  private readonly stream: ProgressStream;
  private readonly refreshMs: number;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = 0;
  private samplesSeen = 0;
  private batchesSeen = 0;
  /** Batches per epoch when the data did not say (a dataset): learnt from the first epoch, as Keras does. */
  private learntSteps: number | null = null;

  constructor(options: ProgressOptions = {}) {
    super();
    const where = 'ProgressLogger';
    const o = checkOptions<ProgressOptions>(where, options, ['verbose', 'stream', 'refreshMs']);
    this.verbose = o.verbose === undefined ? 1 : checkInteger(where, 'verbose', o.verbose, 0, 2);
    this.stream = o.stream === undefined ? process.stdout : (checkObject(where, 'stream', o.stream) as unknown as ProgressStream);
    this.refreshMs = o.refreshMs === undefined ? 100 : checkInteger(where, 'refreshMs', o.refreshMs, 0);
  }

  private get bar(): boolean {
    return this.verbose === 1 && this.stream.isTTY === true;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.samplesSeen = 0;
    this.batchesSeen = 0;
    if (this.verbose !== 0 && this.bar) this.stream.write(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.batchesSeen = batch + 1;
    this.samplesSeen += logs.size ?? 0;
    if (!this.bar) return;
    const now = performance.now();
    const steps = this.steps();
    if ((steps === null || this.batchesSeen < steps) && now - this.lastDraw < this.refreshMs) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const eta = this.batchesSeen === 0 || steps === null ? Number.NaN : (elapsed / this.batchesSeen) * (steps - this.batchesSeen);
    const parts = [this.barText(this.batchesSeen, steps), steps === null ? formatDuration(elapsed) : `ETA ${formatDuration(eta)}`, formatLogs(logs), formatRate(this.samplesSeen / elapsed)];
    this.stream.write(`\r${parts.filter(Boolean).join(' - ')}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const rate = formatRate(this.samplesSeen / elapsed);
    if (this.params?.steps === null) this.learntSteps ??= this.batchesSeen;
    if (this.bar) {
      const steps = this.steps() ?? this.batchesSeen;
      const parts = [this.barText(this.batchesSeen, steps), formatDuration(elapsed), formatLogs(logs), rate];
      this.stream.write(`\r${parts.filter(Boolean).join(' - ')}\x1b[K\n`);
    } else {
      const parts = [`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'}`, formatDuration(elapsed), formatLogs(logs), rate];
      this.stream.write(`${parts.filter(Boolean).join(' - ')}\n`);
    }
  }

  /** Batches per epoch, if known. */
  private steps(): number | null {
    return this.params?.steps ?? this.learntSteps;
  }

  /** `12/40 [====>.....]`, or `12/?` while the number of batches is unknown. */
  private barText(done: number, steps: number | null): string {
    if (steps === null) return `${done}/?`;
    const width = String(steps).length;
    const filled = steps === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((done / steps) * BAR_WIDTH));
    const bar = done >= steps ? '='.repeat(BAR_WIDTH) : `${'='.repeat(Math.max(filled - 1, 0))}>${'.'.repeat(BAR_WIDTH - Math.max(filled, 1))}`;
    return `${String(done).padStart(width)}/${steps} [${bar}]`;
  }
}
