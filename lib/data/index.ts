/**
 * Data utilities (`dn.data.*`): CSV loading, scalers, splits, one-hot labels; and the bundled
 * data sets (`dn.datasets.*`).
 */
export { readCsv, parseCsvRecords } from './csv.js';
export type { ColumnRef, CsvData, ReadCsvOptions } from './csv.js';
export { MinMaxScaler, minMaxScaler, StandardScaler, standardScaler } from './scalers.js';
export type { MinMaxScalerOptions, StandardScalerOptions } from './scalers.js';
export { oneHot, takeRows, trainTestSplit } from './split.js';
export type { TrainTestSplit, TrainTestSplitOptions } from './split.js';
export type { Dataset } from './datasets.js';
import * as datasetFunctions from './datasets.js';

/** The bundled data sets: `dn.datasets.digits()`, `iris()`, `wine()`, `breastCancer()`. */
export const datasets = {
  digits: datasetFunctions.digits,
  iris: datasetFunctions.iris,
  wine: datasetFunctions.wine,
  breastCancer: datasetFunctions.breastCancer,
};
