/**
 * `dn.data.audioDatasetFromDirectory` (Keras 3 `keras.utils.audio_dataset_from_directory`): a dataset of
 * WAV clips from a folder with one subfolder per class, streamed through the dataset pipeline (files are
 * read when a batch is drawn, each epoch anew).
 *
 * ```
 * dir/yes/a.wav, dir/yes/b.wav, dir/no/c.wav   ->  classNames ['no', 'yes'], labels 1, 1, 0
 * ```
 * Class names are the subfolder names, sorted; every `.wav` file under a class folder (its subfolders too)
 * is a sample, in sorted path order. The list is shuffled once with `seed` (when `shuffle`), then split
 * (`validationSplit`: the last fraction is the validation subset, as Keras), and the pipeline shuffles again
 * each epoch with a buffer of 8 batches (Keras' buffer). A clip is read with `dn.audio.readWav`, resampled with
 * `dn.audio.resample` when its rate differs from `sampleRate`, then cut or zero-padded at its end to
 * `outputSequenceLength`; without it a batch is zero-padded to its longest clip.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ShapeError, ValueError } from '../errors.js';
import { allocateStorage, makeTensor, type Tensor } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { Generator } from '../random.js';
import { readWav } from '../audio/wav.js';
import { resample } from '../audio/resample.js';
import { checkBoolean, checkChoice, checkInteger, checkOptions, checkPositiveInteger, checkRange, checkString } from '../validate.js';
import { array, type Dataset } from './dataset.js';

/** Options of {@link audioDatasetFromDirectory}. */
export interface AudioDatasetOptions {
  /**
   * 'int' (default: int32 labels `[batch]`), 'categorical' (one-hot float32 `[batch, classes]`), 'binary'
   * (float32 0/1 `[batch, 1]`, two classes only) or null (the dataset yields the audio only).
   */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** The class folders to use, in label order (default: every subfolder, sorted). */
  classNames?: readonly string[];
  /** Clips per batch (default 32); null yields single clips `[samples, channels]`. */
  batchSize?: number | null;
  /** Resample every clip to this rate (samples per second); default: the clips' own rate, which must then be one rate. */
  sampleRate?: number;
  /** Cut or zero-pad every clip to this many samples; default: pad each batch to its longest clip. */
  outputSequenceLength?: number;
  /** Shuffle the files (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles; needed with `validationSplit` when shuffling, so both subsets agree. */
  seed?: number;
  /** The fraction of the files held out for validation, in (0, 1). */
  validationSplit?: number;
  /** With `validationSplit`: 'training', 'validation', or 'both' ([training, validation]). */
  subset?: 'training' | 'validation' | 'both';
}

/** An element: clips `xs` `[batch, samples, channels]` and labels `ys`. */
export interface AudioBatch {
  xs: Tensor;
  ys: Tensor;
}

/** The dataset and its class names (Keras' `class_names` attribute). */
export type AudioDataset<T> = Dataset<T> & { readonly classNames: string[]; readonly sampleRate: number | null };

const WHERE = 'audioDatasetFromDirectory';
const LABEL_MODES = ['int', 'categorical', 'binary'] as const;
type LabelMode = (typeof LABEL_MODES)[number];
const SUBSETS = ['training', 'validation', 'both'] as const;

/** Every .wav file under `folder`, sorted by path. */
function wavFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...wavFiles(path));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.wav')) out.push(path);
  }
  return out;
}

/**
 * A dataset of the WAV clips under `directory`, one subfolder per class (see the file comment). Elements are
 * `{ xs, ys }` (`xs` float32 `[batch, samples, channels]`), ready for `model.fit`; with `labelMode: null`, the
 * clips alone. The result carries `classNames`.
 * ```ts
 * const train = dn.data.audioDatasetFromDirectory('data/commands', {
 *   batchSize: 16, sampleRate: 16000, outputSequenceLength: 16000, validationSplit: 0.2, subset: 'training', seed: 1,
 * });
 * ```
 */
export function audioDatasetFromDirectory(directory: string, options: AudioDatasetOptions & { subset: 'both'; labelMode: null }): [AudioDataset<Tensor>, AudioDataset<Tensor>];
export function audioDatasetFromDirectory(directory: string, options: AudioDatasetOptions & { subset: 'both'; labelMode?: LabelMode }): [AudioDataset<AudioBatch>, AudioDataset<AudioBatch>];
export function audioDatasetFromDirectory(directory: string, options: AudioDatasetOptions & { labelMode: null; subset?: 'training' | 'validation' }): AudioDataset<Tensor>;
export function audioDatasetFromDirectory(directory: string, options?: AudioDatasetOptions & { labelMode?: LabelMode; subset?: 'training' | 'validation' }): AudioDataset<AudioBatch>;
export function audioDatasetFromDirectory(
  directory: string, options?: AudioDatasetOptions,
): AudioDataset<AudioBatch | Tensor> | [AudioDataset<AudioBatch | Tensor>, AudioDataset<AudioBatch | Tensor>];
export function audioDatasetFromDirectory(
  directory: string, options: AudioDatasetOptions = {},
): AudioDataset<AudioBatch | Tensor> | [AudioDataset<AudioBatch | Tensor>, AudioDataset<AudioBatch | Tensor>] {
  checkString(WHERE, 'directory', directory);
  const o = checkOptions<AudioDatasetOptions>(WHERE, options, [
    'labelMode', 'classNames', 'batchSize', 'sampleRate', 'outputSequenceLength', 'shuffle', 'seed', 'validationSplit', 'subset',
  ]);
  const labelMode = o.labelMode === null ? null : o.labelMode === undefined ? 'int' : checkChoice(WHERE, 'labelMode', o.labelMode, LABEL_MODES);
  const batchSize = o.batchSize === null ? null : o.batchSize === undefined ? 32 : checkPositiveInteger(WHERE, 'batchSize', o.batchSize);
  const sampleRate = o.sampleRate === undefined ? null : checkPositiveInteger(WHERE, 'sampleRate', o.sampleRate);
  const length = o.outputSequenceLength === undefined ? null : checkPositiveInteger(WHERE, 'outputSequenceLength', o.outputSequenceLength);
  const shuffle = o.shuffle === undefined ? true : checkBoolean(WHERE, 'shuffle', o.shuffle);
  const seed = o.seed === undefined ? null : checkInteger(WHERE, 'seed', o.seed, 0, 2 ** 32 - 1);
  const split = o.validationSplit === undefined ? null : checkRange(WHERE, 'validationSplit', o.validationSplit, 0, 1, { minExclusive: true, maxExclusive: true });
  const subset = o.subset === undefined ? null : checkChoice(WHERE, 'subset', o.subset, SUBSETS);
  if ((split === null) !== (subset === null)) {
    throw new ValueError(`${WHERE}: validationSplit and subset go together, got ${split === null ? 'subset without validationSplit' : 'validationSplit without subset'}`);
  }
  if (split !== null && shuffle && seed === null) {
    throw new ValueError(`${WHERE}: with validationSplit and shuffle, give a seed, so the training and validation subsets do not overlap`);
  }

  let isFolder = false;
  try {
    isFolder = statSync(directory).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) throw new ValueError(`${WHERE}: directory '${directory}' is not a folder`);
  const folders = readdirSync(directory, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  let classNames: string[];
  if (o.classNames === undefined) {
    classNames = folders;
  } else {
    if (!Array.isArray(o.classNames)) throw new ValueError(`${WHERE}: classNames must be an array of subfolder names`);
    classNames = o.classNames.map((name, i) => checkString(WHERE, `classNames[${i}]`, name));
    const missing = classNames.find((name) => !folders.includes(name));
    if (missing !== undefined) throw new ValueError(`${WHERE}: classNames names '${missing}', which is not a subfolder of '${directory}' (its subfolders: ${folders.join(', ') || 'none'})`);
  }
  if (labelMode === 'binary' && classNames.length !== 2) {
    throw new ValueError(`${WHERE}: labelMode 'binary' needs exactly 2 classes, got ${classNames.length} (${classNames.join(', ')})`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  classNames.forEach((name, label) => {
    for (const file of wavFiles(join(directory, name))) {
      files.push(file);
      labels.push(label);
    }
  });
  if (files.length === 0) throw new ValueError(`${WHERE}: no .wav files found in the class folders of '${directory}' (${classNames.join(', ') || 'no subfolders'})`);

  let order = Array.from(files, (_, i) => i);
  if (shuffle) {
    const permutation = new Generator(seed ?? Math.floor(Math.random() * 2 ** 32)).permutation(files.length);
    order = Array.from(permutation);
  }
  const validationCount = split === null ? 0 : Math.floor(split * files.length);
  const make = (indices: number[]): AudioDataset<AudioBatch | Tensor> => {
    const reader = new ClipReader(files, sampleRate, length);
    let dataset = array(indices) as Dataset<number>;
    if (shuffle) dataset = dataset.shuffle((batchSize ?? 1) * 8, seed === null ? undefined : { seed });
    const element = (batch: number[]): AudioBatch | Tensor => {
      const xs = reader.read(batch);
      if (labelMode === null) return xs;
      return { xs, ys: labelTensor(batch.map((i) => labels[i]), labelMode, classNames.length) };
    };
    const result = batchSize === null
      ? dataset.map((i) => {
        const one = element([i]);
        return one instanceof Object && 'xs' in one ? { xs: squeezeFirst(one.xs), ys: squeezeFirst(one.ys) } : squeezeFirst(one as Tensor);
      })
      : dataset.batch(batchSize).map((batch) => element(Array.from(contiguous(batch as unknown as Tensor).storage)));
    return Object.assign(result, { classNames: classNames.slice(), sampleRate });
  };
  const training = order.slice(0, order.length - validationCount);
  const validation = order.slice(order.length - validationCount);
  if (subset === 'both') return [make(training), make(validation)];
  return make(subset === 'validation' ? validation : training);
}

/** The first (size-1) axis dropped. */
function squeezeFirst(t: Tensor): Tensor {
  return makeTensor(contiguous(t).storage, t.shape.slice(1));
}

/** Labels as Keras gives them: int32 `[n]`, one-hot float32 `[n, classes]`, or float32 `[n, 1]`. */
function labelTensor(labels: number[], mode: 'int' | 'categorical' | 'binary', classes: number): Tensor {
  const n = labels.length;
  if (mode === 'int') return makeTensor(Int32Array.from(labels), [n]);
  if (mode === 'binary') return makeTensor(Float32Array.from(labels), [n, 1]);
  const oneHot = allocateStorage('float32', n * classes) as Float32Array;
  labels.forEach((label, i) => {
    oneHot[i * classes + label] = 1;
  });
  return makeTensor(oneHot, [n, classes]);
}

/** Reads clips into `[batch, samples, channels]`: resampled, cut or padded; one rate and channel count throughout. */
class ClipReader {
  /** The rate of the clips read so far (without `resampleTo`). */
  private rate: number | null = null;
  private channels: number | null = null;

  constructor(private readonly files: readonly string[], private readonly resampleTo: number | null, private readonly length: number | null) {}

  read(indices: readonly number[]): Tensor {
    const clips = indices.map((i) => this.clip(this.files[i]));
    const samples = this.length ?? Math.max(...clips.map((c) => c.shape[0]));
    const channels = this.channels ?? 1;
    const out = allocateStorage('float32', indices.length * samples * channels) as Float32Array;
    clips.forEach((clip, b) => {
      const values = contiguous(clip).storage as Float32Array;
      const kept = Math.min(clip.shape[0], samples) * channels;
      out.set(values.subarray(0, kept), b * samples * channels);
    });
    return makeTensor(out, [indices.length, samples, channels]);
  }

  private clip(file: string): Tensor {
    const decoded = readWav(file);
    const sampleRate = decoded.sampleRate;
    let audio = decoded.audio;
    if (this.channels === null) this.channels = audio.shape[1];
    if (audio.shape[1] !== this.channels) {
      throw new ShapeError(`${WHERE}: '${file}' has ${audio.shape[1]} channel(s), the clips before it ${this.channels}`);
    }
    if (this.resampleTo !== null) {
      if (sampleRate !== this.resampleTo) audio = resample(audio, sampleRate, this.resampleTo);
    } else if (this.rate === null) {
      this.rate = sampleRate;
    } else if (sampleRate !== this.rate) {
      throw new ValueError(`${WHERE}: '${file}' is sampled at ${sampleRate} Hz, the clips before it at ${this.rate} Hz; give sampleRate to resample them all to one rate`);
    }
    return audio;
  }
}
