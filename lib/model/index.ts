/** Models: `dn.sequential`, `dn.model` (graphs), the Model base class, History, progress and summary. */
export { Model } from './training.js';
export type {
  ClassWeight, CompileOptions, EvaluateOptions, EvaluationResult, FitOptions, ModelData, PredictOptions, TestOnBatchOptions, TrainingBatch,
  TrainOnBatchOptions,
} from './training.js';
export type { LossSpec, LossWeightsSpec, MetricsSpec } from './compile.js';
export type { Batch, DataAdapter } from './data-adapter.js';
export { Sequential, sequential } from './sequential.js';
export { Functional, model } from './functional.js';
export type { ModelOptions } from './functional.js';
export type { SequentialOptions } from './sequential.js';
export { History } from './history.js';
export { ProgressLogger, formatValue, formatDuration } from './progress.js';
export type { ProgressOptions, ProgressStream } from './progress.js';
export type { SummaryOptions } from './summary.js';
