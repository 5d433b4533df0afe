/** `tf.io` of `dendrite/tfjs`: `listModels` (models on disk load by path with `tf.loadLayersModel`). */
export { listModels } from './registry.js';
