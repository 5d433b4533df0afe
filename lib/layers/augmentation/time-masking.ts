/**
 * TimeMasking (SpecAugment; torchaudio.transforms.TimeMasking's arguments): while training, sets a band
 * of consecutive time steps of a spectrogram to `maskValue` (0 by default); identity at inference. The
 * band's width is drawn uniformly from [0, min(timeMaskParam, p * steps)) and its start uniformly over the
 * steps that leave it inside, then both ends are truncated to whole steps (see {@link AxisMasking}). The time axis is the last by default: the layout
 * `[batch, ..., frequency, time]` of torchaudio and of Keras' (and `dn.layers.melSpectrogram`'s)
 * `[batch, melBins, frames]`; give `axis: 1` for `[batch, frames, bins]`.
 */
import { ValueError } from '../../errors.js';
import { checkOptions } from '../../validate.js';
import { LAYER_OPTION_NAMES } from '../layer.js';
import { registerLayer } from '../registry.js';
import { AxisMasking, checkMaskFraction, checkMaskingOptions, type AxisMaskingOptions } from './axis-masking.js';

/** Options of {@link timeMasking}. */
export interface TimeMaskingOptions extends AxisMaskingOptions {
  /** The widest band, in steps (torchaudio's `time_mask_param`). Required. */
  timeMaskParam: number;
  /** The band covers at most this fraction of the steps (torchaudio's `p`, default 1). */
  p?: number;
}

/** Masks a random band of time steps while training. */
export class TimeMasking extends AxisMasking {
  readonly className = 'TimeMasking';

  constructor(options: TimeMaskingOptions) {
    const where = 'timeMasking';
    const o = checkOptions<TimeMaskingOptions>(where, options, [...LAYER_OPTION_NAMES, 'timeMaskParam', 'p', 'iidMasks', 'maskValue', 'axis', 'seed']);
    if (o.timeMaskParam === undefined) throw new ValueError(`${where}: timeMaskParam is required, e.g. ${where}({ timeMaskParam: 20 })`);
    super(where, o, 'TimeMasking', { ...checkMaskingOptions(where, o, 'timeMaskParam', o.timeMaskParam, -1), p: checkMaskFraction(where, o.p) });
  }

  /** The widest band. */
  get timeMaskParam(): number {
    return this.maskParam;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), timeMaskParam: this.maskParam, p: this.p };
  }
}

/**
 * A layer that masks a random band of at most `timeMaskParam` time steps of each example while training
 * (SpecAugment's time masking); the identity at inference.
 * ```ts
 * dn.layers.timeMasking({ timeMaskParam: 20 });               // input [batch, melBins, frames]
 * dn.layers.timeMasking({ timeMaskParam: 20, axis: 1, p: 0.2 }); // input [batch, frames, bins]
 * ```
 */
export function timeMasking(options: TimeMaskingOptions): TimeMasking {
  return new TimeMasking(options);
}

registerLayer('TimeMasking', TimeMasking);
