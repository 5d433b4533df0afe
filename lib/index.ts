/**
 * Dendrite: deep learning for Node.js.
 *
 * ```ts
 * import * as dn from 'dendrite';
 * ```
 */
export * from './errors.js';
export { backendInfo, setNumThreads } from './backend.js';
export type { BackendInfo } from './backend.js';

// Tensors, operations and autograd.
export { Tensor, tensor, scalar } from './tensor.js';
export type { DType, TypedStorage, NestedArray, TensorLike, TensorOptions } from './tensor.js';
export { memory, setMemoryOptions, trimMemory } from './memory.js';
export type { MemoryInfo, MemoryOptions } from './memory.js';
export { Generator, random, seed } from './random.js';
export {
  zeros, ones, full, zerosLike, onesLike, fullLike, eye, arange, linspace, rand, randn, truncatedNormal, randint,
} from './ops/creation.js';
export type { CreationOptions, RandomOptions, RandOptions, RandnOptions } from './ops/creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, exp, log, sqrt, square, clip, clipByValue,
} from './ops/elementwise.js';
export type { OutOptions } from './ops/elementwise.js';
export { atan2 } from './ops/atan2.js';
export {
  equal, notEqual, greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, logicalXor, logicalNot, where,
} from './ops/compare.js';
export { floorDiv, mod } from './ops/floor-division.js';
export {
  relu, leakyRelu, elu, sigmoid, tanh, gelu, geluTanh, softplus, silu, swish, softmax, logSoftmax,
  selu, softsign, hardSigmoid, hardSwish, relu6, mish,
} from './ops/activations.js';
export type { GeluOptions } from './ops/activations.js';
export { sum, mean, max, min, variance, argmax, argmin, sumToShape } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { lstmCell, gruCell, rnnCell } from './ops/recurrent.js';
export { embeddingLookup } from './ops/embedding.js';
export type { CellOptions, GruCellOptions } from './ops/recurrent.js';
export type { MatmulOptions } from './ops/matmul.js';
export {
  reshape, flatten, transpose, permute, squeeze, expandDims, broadcastTo, slice, split, concat, stack, pad, gather,
  oneHot, cast, clone,
} from './ops/shape.js';
export { conv1d, conv2d, conv2dTranspose, depthwiseConv2d } from './ops/conv.js';
export type { Conv1dOptions, Conv2dOptions, Conv2dTransposeOptions, DataFormat, Padding, Padding1d } from './ops/conv.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d } from './ops/pool.js';
export type { PoolOptions } from './ops/pool.js';
export { batchNorm, layerNorm } from './ops/normalization.js';
export type { BatchNormOptions, LayerNormOptions } from './ops/normalization.js';
export { scaledDotProductAttention } from './ops/attention.js';
export type { AttentionOptions } from './ops/attention.js';
export { noGrad, isGradEnabled, setGradEnabled, recordOp } from './autograd/engine.js';
export type { BackwardFn, BackwardOptions } from './autograd/engine.js';

// Training parts and data: optimizers (with learning-rate schedules), initializers, regularizers,
// data utilities and the bundled data sets.
export * as optimizers from './optimizers/index.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
export * as data from './data/index.js';
export { datasets } from './data/index.js';
export type { Optimizer, OptimizerVariable, LearningRate, NamedTensor } from './optimizers/index.js';
export type { Initializer } from './initializers.js';
export type { Regularizer } from './regularizers.js';
export type { BundledDataset, CsvData, Dataset, TextDataset } from './data/index.js';

// Models (a stack, or a graph from symbolic inputs), layers, activations, losses, metrics and callbacks.
export { Model, Sequential, sequential, Functional, model, History, ProgressLogger } from './model/index.js';
export type {
  ClassWeight, CompileOptions, EvaluateOptions, EvaluationResult, FitOptions, ModelData, PredictOptions, TestOnBatchOptions, TrainingBatch,
  TrainOnBatchOptions, SequentialOptions, ModelOptions, LossSpec, LossWeightsSpec, MetricsSpec, ProgressOptions, ProgressStream,
  SummaryOptions, Batch, DataAdapter,
} from './model/index.js';
export { input } from './layers/input.js';
export { valueAndGrad, grad } from './model/gradients.js';
export type { NamedVariable, ValueAndGrads } from './model/gradients.js';
export { generate } from './model/generate.js';
export type { GenerateOptions } from './model/generate.js';
export type { InputOptions } from './layers/input.js';
export * as layers from './layers/index.js';
export type { Layer, LayerVariable, SymbolicTensor } from './layers/index.js';
export * as activations from './activations.js';
export type { Activation } from './activations.js';
export * as losses from './losses/index.js';
export { ctcLoss } from './losses/ctc.js';
export type { CtcLossOptions } from './losses/ctc.js';
export { ctcDecode } from './ops/ctcDecode.js';
export type { CtcDecodeOptions, CtcDecoded, CtcDecodedPaths } from './ops/ctcDecode.js';
export type { Loss } from './losses/index.js';
export * as metrics from './metrics.js';
export type { Metric } from './metrics.js';
export * as callbacks from './callbacks.js';
export type { Callback, Logs, ModelCheckpointOptions } from './model/callbacks.js';

// Compressing models: knowledge distillation and pruning.
export { distill, distillationLoss, Distiller } from './compression/distillation.js';
export type { DistillOptions, DistillationOptions } from './compression/distillation.js';
export * as pruning from './compression/pruning/index.js';
// Post-training int8 quantisation.
export { quantize, QuantizedDense } from './compression/quantization/index.js';
export type { QuantizeOptions, QuantizedDenseOptions, QuantizedDenseWeights, ActivationQuantization } from './compression/quantization/index.js';
export { Bf16Dense } from './compression/quantization/index.js';
export type { Bf16DenseOptions, Bf16DenseWeights } from './compression/quantization/index.js';
// Quantisation-aware training and the quantisation helpers (dn.quantization.quantizeAware, ...).
export * as quantization from './compression/quantization/index.js';

// Explaining models: attributions of outputs to inputs.
export * as explain from './explain/index.js';
export * as plot from './plot/index.js';

// Speech: audio files and sample rates; spectra, spectrograms and mel features.
export * as audio from './audio/index.js';
export * as signal from './signal/index.js';

// Saving and loading models.
export { loadModel, loadModelFromBuffer } from './io/load-model.js';
export { loadLayersModel } from './io/tfjs/layers-model.js';
export type { LoadOptions } from './io/load-model.js';
export type { SaveOptions } from './io/save-model.js';

// Interoperability: ONNX export and import, weights from PyTorch.
export * as onnx from './onnx/index.js';
export * as io from './io/public.js';
