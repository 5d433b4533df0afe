export { quantize, rangeParameters, quantizeKernel } from './quantize.js';
export type { QuantizeOptions } from './quantize.js';
export { QuantizedDense, MAX_INT8_DEPTH } from './quantized-dense.js';
export type { QuantizedDenseOptions, QuantizedDenseWeights, ActivationQuantization } from './quantized-dense.js';
