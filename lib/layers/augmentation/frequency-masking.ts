/**
 * FrequencyMasking (SpecAugment; torchaudio.transforms.FrequencyMasking's arguments): while training,
 * sets a band of consecutive frequency bins of a spectrogram to `maskValue` (0 by default); identity at
 * inference. The band's width is drawn uniformly from [0, freqMaskParam) and its start uniformly over
 * the bins that leave it inside, then both ends are truncated to whole bins (see {@link AxisMasking}). The frequency axis is the second last by default:
 * the layout `[batch, ..., frequency, time]` of torchaudio and of Keras' (and `dn.layers.melSpectrogram`'s)
 * `[batch, melBins, frames]`; give `axis: -1` for `[batch, frames, bins]`.
 */
import { ValueError } from '../../errors.js';
import { checkOptions } from '../../validate.js';
import { LAYER_OPTION_NAMES } from '../layer.js';
import { registerLayer } from '../registry.js';
import { AxisMasking, checkMaskingOptions, type AxisMaskingOptions } from './axis-masking.js';

/** Options of {@link frequencyMasking}. */
export interface FrequencyMaskingOptions extends AxisMaskingOptions {
  /** The widest band, in bins (torchaudio's `freq_mask_param`). Required. */
  freqMaskParam: number;
}

/** Masks a random band of frequency bins while training. */
export class FrequencyMasking extends AxisMasking {
  readonly className = 'FrequencyMasking';

  constructor(options: FrequencyMaskingOptions) {
    const where = 'frequencyMasking';
    const o = checkOptions<FrequencyMaskingOptions>(where, options, [...LAYER_OPTION_NAMES, 'freqMaskParam', 'iidMasks', 'maskValue', 'axis', 'seed']);
    if (o.freqMaskParam === undefined) throw new ValueError(`${where}: freqMaskParam is required, e.g. ${where}({ freqMaskParam: 8 })`);
    super(where, o, 'FrequencyMasking', { ...checkMaskingOptions(where, o, 'freqMaskParam', o.freqMaskParam, -2), p: 1 });
  }

  /** The widest band. */
  get freqMaskParam(): number {
    return this.maskParam;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), freqMaskParam: this.maskParam };
  }
}

/**
 * A layer that masks a random band of at most `freqMaskParam` frequency bins of each example while training
 * (SpecAugment's frequency masking); the identity at inference.
 * ```ts
 * dn.layers.frequencyMasking({ freqMaskParam: 8 });            // input [batch, melBins, frames]
 * dn.layers.frequencyMasking({ freqMaskParam: 8, axis: -1 });  // input [batch, frames, bins]
 * ```
 */
export function frequencyMasking(options: FrequencyMaskingOptions): FrequencyMasking {
  return new FrequencyMasking(options);
}

registerLayer('FrequencyMasking', FrequencyMasking);
