/** `tf.serialization` of `dendrite/tfjs`. */
export { registerClass } from './registry.js';
export type { SerializableConstructor } from './registry.js';
