/**
 * `dn.explain`: attributions of a model's output to its inputs. Gradient methods (saliency,
 * gradient × input, integrated gradients, SmoothGrad, Grad-CAM) differentiate the model with autograd;
 * occlusion, permutation importance, KernelSHAP and LIME only call it, so they explain any function.
 */
export { saliency, gradientTimesInput, smoothGrad } from './saliency.js';
export type { Attributions, SaliencyOptions, SmoothGradOptions } from './saliency.js';
export { integratedGradients } from './integrated-gradients.js';
export type { IntegratedGradientsOptions, IntegratedGradientsResult } from './integrated-gradients.js';
export { occlusion } from './occlusion.js';
export type { OcclusionOptions } from './occlusion.js';
export { gradCam } from './grad-cam.js';
export type { GradCamOptions, GradCamResult } from './grad-cam.js';
export { permutationImportance } from './permutation-importance.js';
export type {
  ImportanceMetricFunction, ImportanceMetricName, PermutationImportanceOptions, PermutationImportanceResult,
} from './permutation-importance.js';
export { kernelShap } from './kernel-shap.js';
export type { KernelShapOptions, KernelShapResult } from './kernel-shap.js';
export { lime } from './lime.js';
export type { LimeOptions, LimeResult } from './lime.js';
export type { ExplainableModel, ExplainOptions, ProgressFunction, TargetOptions } from './common.js';
