/**
 * History: what `fit` returns — every logged value (loss, metrics, their `val_` forms) per epoch.
 */
import { Callback, type Logs } from './callbacks.js';

/**
 * The record of a `fit` run (Keras / TensorFlow.js `History`).
 * ```ts
 * const history = await model.fit(x, y, { epochs: 10, validationSplit: 0.2 });
 * history.history.loss;          // [0.69, 0.52, ...] one value per epoch
 * history.history.val_accuracy;  // validation accuracy per epoch
 * ```
 */
export class History extends Callback {
  /** The epochs that ran (0-based). */
  epoch: number[] = [];
  /** Each logged name's value per epoch, in the order of {@link History.epoch}. */
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      (this.history[key] ??= []).push(value);
    }
  }
}
