export { quantize, rangeParameters, quantizeKernel } from './quantize.js';
export type { QuantizeOptions } from './quantize.js';
export { QuantizedDense, MAX_INT8_DEPTH } from './quantized-dense.js';
export type { QuantizedDenseOptions, QuantizedDenseWeights, ActivationQuantization } from './quantized-dense.js';
export { Bf16Dense } from './bf16-dense.js';
export type { Bf16DenseOptions, Bf16DenseWeights } from './bf16-dense.js';
export { quantizeAware, QuantizeAwareDense } from './quantize-aware.js';
export type { QuantizeAwareOptions, QuantizeAwareDenseOptions } from './quantize-aware.js';
export { fakeQuantizeInput, fakeQuantizeKernel } from './fake-quantize.js';
