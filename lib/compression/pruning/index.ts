/**
 * `dn.pruning`: magnitude pruning during training (TensorFlow Model Optimization's recipe):
 * {@link pruneLowMagnitude}, the schedules, the {@link updatePruningStep} callback, {@link strip} and
 * {@link sparsityReport}.
 */
export {
  pruneLowMagnitude, updatePruningStep, UpdatePruningStep, strip, sparsityReport,
} from './prune-low-magnitude.js';
export type { PruneOptions, SparsityReport, SparsityRow } from './prune-low-magnitude.js';
export { polynomialDecay, constantSparsity, PolynomialDecay, ConstantSparsity, PruningSchedule } from './schedules.js';
export type { PolynomialDecayOptions, ConstantSparsityOptions, PruningDecision } from './schedules.js';
