/**
 * The native kernels as the ops call them, and their op codes (from native/include/dendrite/ops.def,
 * exported by the addon, so TypeScript never hard-codes a number).
 */
import { binding, type NativeBinding } from '../native.js';

/** The raw binding with every kernel present (each op validates before calling one). */
export const kernels = binding as Required<NativeBinding>;

/** Op codes of the `unary` / `unaryGrad` kernels, by name (relu, sigmoid, exp, ...). */
export const unaryCodes = binding.opCodes.unary;
/** Op codes of the `binary` kernel, by name (add, sub, mul, div, maximum, minimum, pow). */
export const binaryCodes = binding.opCodes.binary;
/** Op codes of the `reduce` kernel, by name (sum, mean, max, min). */
export const reduceCodes = binding.opCodes.reduce;
