/**
 * `dn.callbacks`: the training callbacks (lib/model/callbacks.ts) and those that draw pictures
 * (lib/plot), gathered here so that the model code never depends on the picture code.
 */
export * from './model/callbacks.js';
export { LiveCurves, liveCurves } from './plot/live-curves.js';
export type { LiveCurvesOptions } from './plot/live-curves.js';
