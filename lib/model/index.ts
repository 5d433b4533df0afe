/** Models: `dn.sequential`, the Model base class, History, progress and summary. */
export { Model } from './training.js';
export type { CompileOptions, EvaluateOptions, EvaluationResult, FitOptions, PredictOptions, TrainOnBatchOptions } from './training.js';
export { Sequential, sequential } from './sequential.js';
export type { SequentialOptions } from './sequential.js';
export { History } from './history.js';
export { ProgressLogger, formatValue, formatDuration } from './progress.js';
export type { ProgressOptions, ProgressStream } from './progress.js';
export type { SummaryOptions } from './summary.js';
