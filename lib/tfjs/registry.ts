/**
 * `tf.serialization.registerClass` and `tf.io.listModels` of `dendrite/tfjs`.
 */
import { layers, ValueError } from '../index.js';
import { checkString, typeError } from '../validate.js';

/** A class with tfjs's static `className`, the name its saved configs carry. */
export interface SerializableConstructor {
  readonly className: string;
  new (...args: never[]): unknown;
}

/**
 * Registers a custom layer class under its static `className` (tfjs `registerClass`), so that
 * `loadLayersModel` and Dendrite's `loadModel` rebuild it from a saved config. The class is written
 * against Dendrite's `layers.Layer` (its `build`/`call`/`getConfig`; see "Custom layers"), not tfjs's
 * Layer. Only layer classes can be registered: tfjs's custom initializers, regularizers and
 * constraints are a ValueError.
 */
export function registerClass<T extends SerializableConstructor>(cls: T, pkg?: string, name?: string): T {
  const where = 'serialization.registerClass';
  if (typeof cls !== 'function') typeError(where, 'cls', 'a class', cls);
  const staticName = (cls as { className?: unknown }).className;
  if (typeof staticName !== 'string' || staticName.length === 0) {
    throw new ValueError(`${where}: the class ${cls.name || '(anonymous)'} has no static className; add static className = '${cls.name || 'MyLayer'}'`);
  }
  const className = name === undefined ? staticName : checkString(where, 'name', name);
  if (pkg !== undefined) checkString(where, 'pkg', pkg);
  if (!(cls.prototype instanceof layers.Layer)) {
    throw new ValueError(`${where}: ${className} is not a layer class (a subclass of tf.layers.Layer); Dendrite registers custom layers only (custom initializers, regularizers and constraints are not supported)`);
  }
  // As tfjs: found by its className, and by the registered name 'package>name' (package 'Custom' by default).
  const layerClass = cls as unknown as Parameters<typeof layers.registerLayer>[1];
  layers.registerLayer((cls as { className: string }).className, layerClass);
  layers.registerLayer(`${pkg ?? 'Custom'}>${className}`, layerClass);
  return cls;
}

/**
 * The models in the browser stores tfjs manages (`indexeddb://`, `localstorage://`): none in Node,
 * so `{}`, as tfjs-node resolves (models on disk are loaded by path with `loadLayersModel`).
 */
export async function listModels(): Promise<Record<string, never>> {
  return {};
}
