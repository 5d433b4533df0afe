/**
 * ONNX: export Dendrite models for onnxruntime and the other ONNX engines, and load ONNX graphs as
 * Dendrite models. See {@link exportModel}.
 */
export { exportModel, DEFAULT_OPSET } from './export.js';
export type { ExportOptions, ExportTarget } from './export.js';
export { loadModel, SUPPORTED_OPS } from './import.js';
export type { OnnxLoadOptions } from './import.js';
