/**
 * The layer registry: layer classes by their class name. Each layer file registers its class once;
 * building a layer from a saved config (`{ className, config }`) looks it up here, so the list of
 * layer types exists in one place only. Custom layers register themselves the same way.
 */
import { ValueError } from '../errors.js';
import { checkObject, checkString, didYouMean, typeError } from '../validate.js';
import type { AnyLayer, Layer, LayerConfig } from './layer.js';

/** A layer class as the registry needs it: a constructor from options, or a static fromConfig. */
export interface LayerClass {
  new (options: never): AnyLayer;
  fromConfig?(config: Record<string, unknown>): AnyLayer;
}

const registry = new Map<string, LayerClass>();

/**
 * Registers a layer class under `className` (the name its `getConfig`-based serialization
 * carries). Registering another class under a taken name is an error.
 *
 * ```ts
 * class Scale extends dn.layers.Layer { ... }
 * dn.layers.registerLayer('Scale', Scale);
 * ```
 */
export function registerLayer(className: string, layerClass: LayerClass): void {
  checkString('registerLayer', 'className', className);
  if (typeof layerClass !== 'function') typeError('registerLayer', 'layerClass', 'a layer class', layerClass);
  const existing = registry.get(className);
  if (existing !== undefined && existing !== layerClass) {
    throw new ValueError(`registerLayer: a different class is already registered as '${className}'`);
  }
  registry.set(className, layerClass);
}

/** The registered class names. */
export function registeredLayers(): string[] {
  return [...registry.keys()];
}

/** The class registered under `className`; a ValueError lists the registered names otherwise. */
export function getLayerClass(className: string, where = 'getLayerClass'): LayerClass {
  const layerClass = registry.get(className);
  if (layerClass === undefined) {
    const known = [...registry.keys()];
    throw new ValueError(
      `${where}: unknown layer class '${className}'${didYouMean(className, known)}; registered: ${known.join(', ')} (register custom layers with registerLayer)`,
    );
  }
  return layerClass;
}

/** `{ className, config }` for a layer: what a saved model's architecture holds. */
export function serializeLayer(layer: AnyLayer): LayerConfig {
  return { className: layer.className, config: layer.getConfig() };
}

/**
 * Builds a layer from {@link serializeLayer}'s output through the registry. Typed as a layer with
 * one output unless told otherwise (`deserializeLayer<dn.Functional<dn.Tensor[]>>(config)` for a
 * model returning an array).
 */
export function deserializeLayer<L extends AnyLayer = Layer>(value: unknown): L {
  const where = 'deserializeLayer';
  const object = checkObject(where, 'layer', value);
  const className = checkString(where, 'className', object.className);
  const layerClass = getLayerClass(className, where);
  const config = object.config === undefined ? {} : checkObject(where, 'config', object.config);
  if (typeof layerClass.fromConfig === 'function') return layerClass.fromConfig(config) as L;
  const options: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(config)) if (v !== null) options[key] = v;
  return new layerClass(options as never) as L;
}
