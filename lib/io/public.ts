/**
 * `dn.io`: weights from other libraries. See {@link loadWeights}.
 */
export { loadWeights } from './load-weights.js';
export type { LoadWeightsOptions, LoadWeightsReport, MatchedWeight } from './load-weights.js';
