/** The merge layers: layers applied to an array of inputs that combine them into one output. */
export { Merge, ElementwiseMerge } from './merge.js';
export type { MergeOptions } from './merge.js';
export { Add, add } from './add.js';
export { Subtract, subtract } from './subtract.js';
export { Multiply, multiply } from './multiply.js';
export { Average, average } from './average.js';
export { Maximum, maximum } from './maximum.js';
export { Minimum, minimum } from './minimum.js';
export { Concatenate, concatenate } from './concatenate.js';
export type { ConcatenateOptions } from './concatenate.js';
export { Dot, dot } from './dot.js';
export type { DotOptions } from './dot.js';
