/**
 * `dendrite/tfjs`: TensorFlow.js's API for Node programs, mapped onto Dendrite. A program written for
 * `@tensorflow/tfjs-node` changes only its import:
 *
 * ```ts
 * import * as tf from 'dendrite/tfjs';
 * ```
 *
 * It is a thin mapping: each name is Dendrite's own function where tfjs means the same thing, and a
 * small adapter where tfjs spells or orders it differently (README, "Coming from TensorFlow.js").
 * The modules here import only Dendrite's public entry (and its argument checks), so `dendrite` and
 * `dendrite/tfjs` share one set of classes: a tensor or model made by one is used by the other.
 */
export {
  DendriteError, ShapeError, ValueError, DTypeError, SerializationError, NativeError, ArgumentTypeError, AbortError,
} from '../index.js';

// Tensors and ops with tfjs's names and signatures.
export {
  Tensor, tensor, scalar, zeros, ones, zerosLike, onesLike, eye, linspace, log, sqrt, atan2,
  equal, notEqual, greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, logicalXor, logicalNot, where,
  mod, elu, sigmoid, tanh, softplus, selu, softmax, logSoftmax,
  reshape, squeeze, expandDims, broadcastTo, split, concat, stack, gather, cast, clone,
} from '../index.js';
// Arithmetic with tfjs's dtype rules (int32 kept or promoted to float32 as tfjs does).
export {
  add, sub, mul, div, floorDiv, pow, maximum, minimum, squaredDifference, neg, abs, square, relu, exp, sum, mean, max, min,
} from './arithmetic.js';
export type { DType, TensorLike } from '../index.js';
export { tensor1d, tensor2d, tensor3d, tensor4d, tensor5d, tensor6d, buffer, TensorBuffer } from './tensors.js';
export { argMax, argMin, matMul, fill, oneHot, nextFrame, ready } from './ops.js';
export { tidy, keep, dispose, memory } from './memory.js';
export { randomNormal, randomUniform, truncatedNormal, moments, multinomial } from './random.js';
// TensorFlow.js's tensor methods (arraySync, print, argMax, as2D, toInt, ...) on Dendrite's Tensor.
import './tensor-methods.js';
export type { TensorContainer, MemoryInfo } from './memory.js';

// Models and layers: tfjs's and Dendrite's are the same API.
export { input, initializers, regularizers, callbacks } from '../index.js';
export { layers } from './layers.js';
export { Model as LayersModel } from '../index.js';
export { Sequential, sequential, model, loadLayersModel, asLayersModel } from './models.js';
export type {
  LayersModel as TfjsLayersModel, TfjsModelMethods, ModelFitArgs, ModelFitDatasetArgs, ModelEvaluateArgs, ModelEvaluateDatasetArgs,
  CustomCallbackArgs, YieldEveryOptions,
} from './models.js';

export { variable, Variable } from './variables.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './gradients.js';
export type { VariableGrads } from './gradients.js';
export type { TfjsOptimizer, TfjsOptimizerMethods } from './train.js';
export * as train from './train.js';
export * as losses from './losses.js';
export { Reduction } from './losses.js';
export * as metrics from './metrics.js';
export * as util from './util.js';
export * as data from './data.js';
export * as serialization from './serialization.js';
export * as io from './io.js';
export * as node from './node.js';
export type { CSVConfig, ColumnConfig, CSVDataset } from './data.js';
