/**
 * Callbacks: code `fit` runs at the start and end of training, of each epoch and of each batch.
 *
 * Pass them as `fit(x, y, { callbacks: [...] })`: objects from the factories
 * (`dn.callbacks.earlyStopping({...})`, `learningRateScheduler`, `terminateOnNaN`, `modelCheckpoint`), instances of
 * your own {@link Callback} subclasses, or plain objects with any of the hooks (`onTrainBegin`,
 * `onTrainEnd`, `onEpochBegin`, `onEpochEnd`, `onBatchBegin`, `onBatchEnd`). A hook may return a
 * Promise; `fit` waits for it. `logs` hold the loss and metrics: in batch hooks their running
 * averages over the epoch so far, in `onEpochEnd` the epoch's values including `val_` ones.
 */
import { ValueError } from '../errors.js';
import { parseModelLocation } from '../io/locations.js';
import type { Tensor } from '../tensor.js';
import {
  checkBoolean, checkChoice, checkFunction, checkInteger, checkNumber, checkObject, checkOptions, checkString, describe,
  didYouMean, typeError,
} from '../validate.js';
import type { AnyModel } from './training.js';

/** Loss and metric values by name (`loss`, `accuracy`, `val_loss`, ...). */
export type Logs = Record<string, number>;

/** What `fit` tells callbacks about the run (Keras' `params`). */
export interface TrainingParams {
  /** The last epoch (exclusive), as given to fit. */
  epochs: number;
  /** The first epoch. */
  initialEpoch: number;
  /** Batches per epoch, or null when only the data knows (a dataset read as a stream). */
  steps: number | null;
  /** Training samples per epoch, or null when only the data knows. */
  samples: number | null;
  /** Samples per batch, or null when the data brings its own batches (a dataset). */
  batchSize: number | null;
  verbose: number;
  /** The names logged each epoch (`loss`, metrics, and their `val_` forms when validating). */
  metrics: string[];
}

/** The hooks a callback may implement. */
export interface CallbackHooks {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

const HOOK_NAMES = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** The base class of callbacks: override the hooks you need. `model` and `params` are set by `fit`. */
export abstract class Callback implements CallbackHooks {
  /** The model being trained (set by fit before onTrainBegin). */
  model: AnyModel | null = null;
  /** The run's parameters (set by fit before onTrainBegin). */
  params: TrainingParams | null = null;

  /** @internal */
  setModel(model: AnyModel): void {
    this.model = model;
  }

  /** @internal */
  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

/** A callback made from a plain object of hooks. */
class HookCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
  }
  override onTrainBegin(logs: Logs): void | Promise<void> {
    return this.hooks.onTrainBegin?.(logs);
  }
  override onTrainEnd(logs: Logs): void | Promise<void> {
    return this.hooks.onTrainEnd?.(logs);
  }
  override onEpochBegin(epoch: number, logs: Logs): void | Promise<void> {
    return this.hooks.onEpochBegin?.(epoch, logs);
  }
  override onEpochEnd(epoch: number, logs: Logs): void | Promise<void> {
    return this.hooks.onEpochEnd?.(epoch, logs);
  }
  override onBatchBegin(batch: number, logs: Logs): void | Promise<void> {
    return this.hooks.onBatchBegin?.(batch, logs);
  }
  override onBatchEnd(batch: number, logs: Logs): void | Promise<void> {
    return this.hooks.onBatchEnd?.(batch, logs);
  }
}

/** What `fit({ callbacks })` accepts for one callback. */
export type CallbackLike = Callback | CallbackHooks;

/** @internal Turns `callbacks` (one or an array; Callback objects or plain hook objects) into Callback objects. */
export function toCallbacks(where: string, value: unknown): Callback[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (item instanceof Callback) return item;
    const object = checkObject(where, `callbacks[${i}]`, item);
    for (const [key, hook] of Object.entries(object)) {
      if (!(HOOK_NAMES as readonly string[]).includes(key)) {
        throw new ValueError(
          `${where}: callbacks[${i}] has an unknown hook '${key}'${didYouMean(key, HOOK_NAMES)}; hooks: ${HOOK_NAMES.join(', ')}`,
        );
      }
      if (typeof hook !== 'function') typeError(where, `callbacks[${i}].${key}`, 'a function', hook);
    }
    return new HookCallback(object as CallbackHooks);
  });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** @internal Runs every callback's hook in order, awaiting the ones that return a Promise. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  setModel(model: AnyModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  /** Calls `hook` on each callback; returns a Promise only if one of them did (keeps the fast path synchronous). */
  private run(call: (c: Callback) => void | Promise<void>): void | Promise<void> {
    const list = this.callbacks;
    for (let i = 0; i < list.length; i++) {
      const result = call(list[i]);
      if (isPromise(result)) return result.then(() => this.runFrom(i + 1, call));
    }
  }

  private async runFrom(start: number, call: (c: Callback) => void | Promise<void>): Promise<void> {
    for (let i = start; i < this.callbacks.length; i++) await call(this.callbacks[i]);
  }

  onTrainBegin(logs: Logs): void | Promise<void> {
    return this.run((c) => c.onTrainBegin(logs));
  }
  onTrainEnd(logs: Logs): void | Promise<void> {
    return this.run((c) => c.onTrainEnd(logs));
  }
  onEpochBegin(epoch: number, logs: Logs): void | Promise<void> {
    return this.run((c) => c.onEpochBegin(epoch, logs));
  }
  onEpochEnd(epoch: number, logs: Logs): void | Promise<void> {
    return this.run((c) => c.onEpochEnd(epoch, logs));
  }
  onBatchBegin(batch: number, logs: Logs): void | Promise<void> {
    return this.run((c) => c.onBatchBegin(batch, logs));
  }
  onBatchEnd(batch: number, logs: Logs): void | Promise<void> {
    return this.run((c) => c.onBatchEnd(batch, logs));
  }
}

/** Says that a monitored quantity is missing from the logs, suggesting the closest name. */
function missingMonitorMessage(where: string, monitor: string, logs: Logs): string {
  const keys = Object.keys(logs);
  const validation = monitor.startsWith('val_') && !keys.some((k) => k.startsWith('val_'))
    ? '; validation metrics need validationData or validationSplit in fit()' : '';
  return `${where}: monitor '${monitor}' is not in the logs${didYouMean(monitor, keys)}; logged: ${keys.join(', ')}${validation}`;
}

/** A ValueError for a monitored quantity missing from the logs. */
function missingMonitor(where: string, monitor: string, logs: Logs): never {
  throw new ValueError(missingMonitorMessage(where, monitor, logs));
}

// --- earlyStopping ------------------------------------------------------------------------------

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** The logged quantity to watch. Default 'val_loss'. */
  monitor?: string;
  /** The smallest change that counts as an improvement, >= 0. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /**
   * 'min' (lower is better), 'max', or 'auto' (default: 'max' for accuracy, AUC, precision and recall,
   * else 'min').
   */
  mode?: 'auto' | 'min' | 'max';
  /** Training stops if the monitored value does not beat this within `patience` epochs. */
  baseline?: number;
  /** At the end of training, restore the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (a warm-up). Default 0. */
  startFromEpoch?: number;
  /** 1: print a line when stopping. Default 0. */
  verbose?: number;
}

/**
 * Stops training when a monitored quantity stops improving (Keras `EarlyStopping`). A monitor missing
 * from the epoch logs (a typo, or `val_loss` without validation data) does not stop training: as in
 * Keras and TensorFlow.js, the callback warns (once per `fit`, through `process.emitWarning` with the
 * code `DENDRITE_MONITOR_MISSING`, naming what was logged) and watches nothing that epoch.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  /** The epoch training stopped at (0 if it ran to the end). */
  stoppedEpoch = 0;
  /** The best monitored value seen. */
  best = Number.POSITIVE_INFINITY;
  /** The epoch of the best value, or -1. */
  bestEpoch = -1;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  private warnedMissing = false;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const where = 'earlyStopping';
    const o = checkOptions<EarlyStoppingOptions>(where, options, [
      'monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch', 'verbose',
    ]);
    this.monitor = o.monitor === undefined ? 'val_loss' : checkString(where, 'monitor', o.monitor);
    this.minDelta = o.minDelta === undefined ? 0 : Math.abs(checkNumber(where, 'minDelta', o.minDelta));
    this.patience = o.patience === undefined ? 0 : checkInteger(where, 'patience', o.patience, 0);
    const mode = o.mode === undefined ? 'auto' : checkChoice(where, 'mode', o.mode, ['auto', 'min', 'max'] as const);
    this.mode = mode !== 'auto' ? mode : /acc|auc|precision|recall/i.test(this.monitor) ? 'max' : 'min';
    this.baseline = o.baseline === undefined ? null : checkNumber(where, 'baseline', o.baseline);
    this.restoreBestWeights = o.restoreBestWeights === undefined ? false : checkBoolean(where, 'restoreBestWeights', o.restoreBestWeights);
    this.startFromEpoch = o.startFromEpoch === undefined ? 0 : checkInteger(where, 'startFromEpoch', o.startFromEpoch, 0);
    this.verbose = o.verbose === undefined ? 0 : checkInteger(where, 'verbose', o.verbose, 0, 2);
  }

  private isImprovement(current: number, reference: number): boolean {
    return this.mode === 'min' ? current < reference - this.minDelta : current > reference + this.minDelta;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.bestEpoch = -1;
    this.bestWeights = null;
    this.warnedMissing = false;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        process.emitWarning(`${missingMonitorMessage('earlyStopping', this.monitor, logs)}; training continues without early stopping`, {
          type: 'DendriteWarning', code: 'DENDRITE_MONITOR_MISSING',
        });
      }
      return;
    }
    if (epoch < this.startFromEpoch || Number.isNaN(current)) return;
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) {
      console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping (best ${this.monitor} ${this.best} at epoch ${this.bestEpoch + 1})`);
    }
    if (this.restoreBestWeights && this.bestWeights !== null) this.model!.setWeights(this.bestWeights);
  }
}

/**
 * Stops training when a monitored quantity has stopped improving.
 * ```ts
 * await model.fit(x, y, { validationSplit: 0.2, epochs: 100,
 *   callbacks: [dn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })] });
 * ```
 */
export function earlyStopping(options?: EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping(options);
}

// --- learningRateScheduler ----------------------------------------------------------------------

/** A function of the epoch (0-based) and the current learning rate returning the rate for that epoch. */
export type EpochSchedule = (epoch: number, learningRate: number) => number;

/**
 * Sets the optimizer's learning rate at the start of each epoch from `schedule(epoch, rate)`
 * (Keras `LearningRateScheduler`), and logs it as `learningRate`.
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: EpochSchedule;
  readonly verbose: number;

  constructor(schedule: EpochSchedule, options: { verbose?: number } = {}) {
    super();
    const where = 'learningRateScheduler';
    this.schedule = checkFunction(where, 'schedule', schedule) as EpochSchedule;
    const o = checkOptions<{ verbose?: number }>(where, options, ['verbose']);
    this.verbose = o.verbose === undefined ? 0 : checkInteger(where, 'verbose', o.verbose, 0, 2);
  }

  private get optimizer(): { learningRate: number } {
    const optimizer = this.model?.optimizer;
    if (optimizer === null || optimizer === undefined) throw new ValueError('learningRateScheduler: the model has no optimizer; compile it first');
    return optimizer as unknown as { learningRate: number };
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.optimizer;
    const rate = this.schedule(epoch, optimizer.learningRate);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
      throw new ValueError(`learningRateScheduler: the schedule returned ${describe(rate)} for epoch ${epoch}; it must return a finite number >= 0`);
    }
    optimizer.learningRate = rate;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: learning rate set to ${rate}`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learningRate = this.optimizer.learningRate;
  }
}

/**
 * Sets the learning rate at the start of each epoch.
 * ```ts
 * dn.callbacks.learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9));
 * ```
 */
export function learningRateScheduler(schedule: EpochSchedule, options?: { verbose?: number }): LearningRateScheduler {
  return new LearningRateScheduler(schedule, options);
}

// --- terminateOnNaN -----------------------------------------------------------------------------

/**
 * Stops training quietly (no error) at the first batch whose loss is NaN or infinite, keeping the
 * weights from before that batch (Keras `TerminateOnNaN`). Without it, fit throws an error naming
 * the epoch and batch.
 */
export class TerminateOnNaN extends Callback {
  /** The batch where the loss became non-finite, or null. */
  terminatedAt: { epoch: number; batch: number } | null = null;
  private epoch = 0;

  override onTrainBegin(): void {
    this.terminatedAt = null;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      this.terminatedAt = { epoch: this.epoch, batch };
      this.model!.stopTraining = true;
    }
  }
}

/** Stops training at the first NaN or infinite loss, without an error. */
export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}

// --- modelCheckpoint ----------------------------------------------------------------------------

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointOptions {
  /**
   * The folder to save into (as `model.save` takes). It may hold placeholders filled at each save, as
   * in Keras: `{epoch}` (1-based; `{epoch:03d}` zero-pads), `{batch}` (1-based, with a numeric
   * `saveFreq`) and any logged value such as `{loss:.4f}`, `{val_loss:.4f}` or `{val_accuracy:.3f}`
   * (format specs `d`, `f`, `e`, an optional width with `0` padding and a precision). `{{` and `}}`
   * are literal braces. Required.
   */
  filepath: string;
  /** The logged quantity that decides the best model (with `saveBestOnly`). Default 'val_loss'. */
  monitor?: string;
  /**
   * Save only when `monitor` improves on the best value so far (a fixed `filepath` then always holds
   * the best model). Default false: save at every `saveFreq`.
   */
  saveBestOnly?: boolean;
  /**
   * 'min' (lower is better), 'max', or 'auto' (default: 'max' for accuracy, AUC, precision and recall,
   * else 'min').
   */
  mode?: 'auto' | 'min' | 'max';
  /** `'epoch'` (default): save at the end of each epoch; a positive integer N: every N batches. */
  saveFreq?: 'epoch' | number;
  /** Also save the optimizer state, so training can resume exactly (see `model.save`). Default false. */
  includeOptimizer?: boolean;
  /** With `saveBestOnly`, a first save needs the monitored value to beat this. */
  initialValueThreshold?: number;
  /** 1: print a line at each save (and each epoch without improvement). Default 0. */
  verbose?: number;
}

/** One piece of a parsed filepath template: literal text, or a placeholder with its format spec. */
type PathPart = string | { key: string; zero: boolean; width: number; precision: number | null; type: 'd' | 'f' | 'e' | null };

/** Parses a Keras-style filepath template (Python format syntax, the subset listed in the options). */
function parsePathTemplate(where: string, template: string): PathPart[] {
  const parts: PathPart[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      text += c;
      i++;
      continue;
    }
    if (c === '}') throw new ValueError(`${where}: filepath has an unmatched '}' at position ${i}; write '}}' for a literal brace`);
    if (c !== '{') {
      text += c;
      continue;
    }
    const close = template.indexOf('}', i);
    if (close < 0) throw new ValueError(`${where}: filepath has an unmatched '{' at position ${i}; write '{{' for a literal brace`);
    const field = template.slice(i + 1, close);
    const [key, spec = ''] = field.split(/:(.*)/s, 2);
    if (!/^[A-Za-z_][\w]*$/.test(key)) {
      throw new ValueError(`${where}: filepath placeholder {${field}} must name a logged value, such as {epoch} or {val_loss:.4f}`);
    }
    const match = /^(0)?(\d+)?(?:\.(\d+))?([dfe])?$/.exec(spec);
    if (match === null || Number(match[3] ?? 0) > 100 || Number(match[2] ?? 0) > 100) {
      throw new ValueError(`${where}: filepath placeholder {${field}} has an unsupported format '${spec}'; use e.g. {epoch:02d}, {loss:.4f} or {loss:.3e}`);
    }
    if (text !== '') parts.push(text);
    text = '';
    parts.push({
      key, zero: match[1] === '0', width: match[2] === undefined ? 0 : Number(match[2]),
      precision: match[3] === undefined ? null : Number(match[3]), type: (match[4] as 'd' | 'f' | 'e' | undefined) ?? null,
    });
    i = close;
  }
  if (text !== '') parts.push(text);
  return parts;
}

/** Formats one value as Python's format() would for the supported specs. */
function formatPlaceholder(where: string, part: Exclude<PathPart, string>, value: number): string {
  const magnitude = Math.abs(value);
  let text: string;
  if (Number.isNaN(value)) text = 'nan';
  else if (!Number.isFinite(value)) text = 'inf';
  else if (part.type === 'd') {
    if (!Number.isInteger(value)) throw new ValueError(`${where}: filepath placeholder {${part.key}} is formatted as an integer (d) but is ${value}; use a format such as .4f`);
    text = String(magnitude);
  } else if (part.type === 'f') text = magnitude.toFixed(part.precision ?? 6);
  // Python writes at least two exponent digits: 1.5e-05.
  else if (part.type === 'e') text = magnitude.toExponential(part.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
  else text = part.precision === null ? String(magnitude) : String(Number(magnitude.toPrecision(Math.max(1, part.precision))));
  const sign = value < 0 ? '-' : '';
  const padding = Math.max(0, part.width - sign.length - text.length);
  return part.zero ? `${sign}${'0'.repeat(padding)}${text}` : `${' '.repeat(padding)}${sign}${text}`;
}

/**
 * Saves the model during training (Keras `ModelCheckpoint`): at the end of every epoch (or every N
 * batches), or only when a monitored quantity improves. Each save goes through `model.save`, so it is
 * crash-safe: a process killed while saving leaves the previous checkpoint intact.
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly saveFreq: 'epoch' | number;
  readonly includeOptimizer: boolean;
  readonly initialValueThreshold: number | null;
  readonly verbose: number;
  /** The best monitored value seen (with saveBestOnly), or ±Infinity before any. */
  best: number;
  /** The folder of the last save, or null. */
  lastSavedPath: string | null = null;
  private readonly template: PathPart[];
  private epoch = 0;
  private batchesSinceSave = 0;

  constructor(options: ModelCheckpointOptions) {
    super();
    const where = 'modelCheckpoint';
    if (options === undefined) throw new ValueError(`${where}: options are required, e.g. modelCheckpoint({ filepath: './checkpoints/best', saveBestOnly: true })`);
    const o = checkOptions<ModelCheckpointOptions>(where, options, [
      'filepath', 'monitor', 'saveBestOnly', 'mode', 'saveFreq', 'includeOptimizer', 'initialValueThreshold', 'verbose',
    ]);
    if (o.filepath === undefined) throw new ValueError(`${where}: filepath is required (the folder to save into), e.g. './checkpoints/epoch-{epoch:02d}'`);
    this.filepath = checkString(where, 'filepath', o.filepath);
    if (this.filepath.length === 0) throw new ValueError(`${where}: filepath must be a folder path, got an empty string`);
    parseModelLocation(where, 'filepath', this.filepath, 'save'); // a scheme that cannot be saved to fails here, not after an epoch
    this.template = parsePathTemplate(where, this.filepath);
    this.monitor = o.monitor === undefined ? 'val_loss' : checkString(where, 'monitor', o.monitor);
    this.saveBestOnly = o.saveBestOnly === undefined ? false : checkBoolean(where, 'saveBestOnly', o.saveBestOnly);
    const mode = o.mode === undefined ? 'auto' : checkChoice(where, 'mode', o.mode, ['auto', 'min', 'max'] as const);
    this.mode = mode !== 'auto' ? mode : /acc|auc|precision|recall/i.test(this.monitor) ? 'max' : 'min';
    if (o.saveFreq === undefined || o.saveFreq === 'epoch') this.saveFreq = 'epoch';
    else if (typeof o.saveFreq === 'number') this.saveFreq = checkInteger(where, 'saveFreq', o.saveFreq, 1, Number.MAX_SAFE_INTEGER);
    else this.saveFreq = checkChoice(where, 'saveFreq', o.saveFreq, ['epoch'] as const);
    this.includeOptimizer = o.includeOptimizer === undefined ? false : checkBoolean(where, 'includeOptimizer', o.includeOptimizer);
    this.initialValueThreshold = o.initialValueThreshold === undefined ? null : checkNumber(where, 'initialValueThreshold', o.initialValueThreshold);
    this.verbose = o.verbose === undefined ? 0 : checkInteger(where, 'verbose', o.verbose, 0, 2);
    this.best = this.initialBest();
  }

  private initialBest(): number {
    if (this.initialValueThreshold !== null) return this.initialValueThreshold;
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** The folder for a save at this epoch (0-based) and batch (0-based, or null at an epoch's end). */
  pathFor(epoch: number, batch: number | null, logs: Logs): string {
    const where = 'modelCheckpoint';
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null) values.batch = batch + 1;
    else delete values.batch;
    return this.template.map((part) => {
      if (typeof part === 'string') return part;
      const value = values[part.key];
      if (value === undefined) {
        const keys = Object.keys(values);
        const validation = part.key.startsWith('val_') && !keys.some((k) => k.startsWith('val_')) ? '; validation values need validationData or validationSplit in fit()' : '';
        throw new ValueError(
          `${where}: filepath placeholder {${part.key}} is not in the logs${didYouMean(part.key, keys)}; available: ${keys.join(', ')}${validation}`,
        );
      }
      return formatPlaceholder(where, part, value);
    }).join('');
  }

  override onTrainBegin(): void {
    this.batchesSinceSave = 0;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave++;
    if (this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.checkpoint(this.epoch, batch, logs);
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.checkpoint(epoch, null, logs);
  }

  private async checkpoint(epoch: number, batch: number | null, logs: Logs): Promise<void> {
    const model = this.model;
    if (model === null) throw new ValueError('modelCheckpoint: no model (pass the callback to fit())');
    const when = `Epoch ${epoch + 1}${batch === null ? '' : `, batch ${batch + 1}`}`;
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) missingMonitor('modelCheckpoint', this.monitor, logs);
      const improved = this.mode === 'min' ? current < this.best : current > this.best;
      if (!improved) {
        if (this.verbose > 0) console.log(`${when}: ${this.monitor} did not improve from ${this.best}`);
        return;
      }
      const path = this.pathFor(epoch, batch, logs);
      if (this.verbose > 0) console.log(`${when}: ${this.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      await model.save(path, { includeOptimizer: this.includeOptimizer });
      this.best = current;
      this.lastSavedPath = path;
      return;
    }
    const path = this.pathFor(epoch, batch, logs);
    if (this.verbose > 0) console.log(`${when}: saving model to ${path}`);
    await model.save(path, { includeOptimizer: this.includeOptimizer });
    this.lastSavedPath = path;
  }
}

/**
 * Saves the model while it trains: every epoch, or only the best one.
 * ```ts
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [
 *   dn.callbacks.modelCheckpoint({ filepath: './checkpoints/best', monitor: 'val_loss', saveBestOnly: true }),
 * ] });
 * const best = await dn.loadModel('./checkpoints/best');
 * ```
 */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}
