/**
 * A callback that redraws the training curves at the end of every epoch, so training can be watched
 * in a browser or an image viewer that reloads the file.
 */
import { ValueError } from '../errors.js';
import { Callback, type Logs } from '../model/callbacks.js';
import { checkOptions, checkString } from '../validate.js';
import { PICTURE_OPTIONS } from './picture.js';
import { trainingCurves, type TrainingCurvesOptions } from './training-curves.js';

/** Options of {@link liveCurves}: the file to rewrite, and the options of {@link trainingCurves}. */
export interface LiveCurvesOptions extends TrainingCurvesOptions {
  /** The picture rewritten at each epoch end: `.svg` or `.png`. Required. */
  file: string;
}

/**
 * Rewrites the training-curve picture (see `dn.plot.trainingCurves`) at each epoch's end. The file
 * is replaced whole each time (written aside, then renamed over it), so a viewer never reads half a picture.
 */
export class LiveCurves extends Callback {
  private readonly options: LiveCurvesOptions;
  private logs: Record<string, number[]> = {};

  constructor(options: LiveCurvesOptions) {
    super();
    const where = 'callbacks.liveCurves';
    const o = checkOptions<LiveCurvesOptions>(where, options, [...PICTURE_OPTIONS, 'metrics']);
    if (o.file === undefined) throw new ValueError(`${where}: options.file is required (the .svg or .png to rewrite at each epoch end)`);
    // Checks every option now, not at the first epoch's end.
    trainingCurves({ loss: [1] }, { ...o, file: undefined, metrics: undefined });
    checkString(where, 'file', o.file);
    if (!/\.(svg|png)$/i.test(o.file)) throw new ValueError(`${where}: file must end in .svg or .png, got '${o.file}'`);
    this.options = o as LiveCurvesOptions;
  }

  override onTrainBegin(): void {
    this.logs = {};
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    for (const [name, value] of Object.entries(logs)) (this.logs[name] ??= []).push(value);
    trainingCurves(this.logs, this.options);
  }
}

/**
 * A callback for `fit` that rewrites a training-curve picture at each epoch end.
 * ```ts
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [dn.callbacks.liveCurves({ file: 'training.svg' })] });
 * ```
 */
export function liveCurves(options: LiveCurvesOptions): LiveCurves {
  return new LiveCurves(options);
}
