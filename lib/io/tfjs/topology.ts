/**
 * A TensorFlow.js / Keras 2 `modelTopology` and Dendrite's architecture, each turned into the other.
 *
 * The two are the same Keras structure spelled differently: tfjs writes Python's spelling
 * (`class_name`, `use_bias`, `batch_input_shape`, `inbound_nodes`, `'fan_avg'`, `'hard_sigmoid'`),
 * Dendrite its TypeScript one (`className`, `useBias`, `batchInputShape`, `inboundNodes`, `'fanAvg'`,
 * `'hardSigmoid'`). Keys and string values are converted as tfjs itself converts them
 * (serialization_utils.ts), except a layer's name and class names. What tfjs stores that Dendrite's layers have no option for is dropped when it holds the
 * default (`dtype: 'float32'`, `sparse: false`, null constraints); anything else reaches the layer,
 * whose options check names it. Layer classes Dendrite lacks are listed in one SerializationError.
 */
import { SerializationError } from '../../errors.js';
import { describe } from '../../validate.js';
import { registeredLayers } from '../../layers/registry.js';
import { isObject } from './weights.js';

/** `use_bias` → `useBias`. */
export function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `useBias` → `use_bias`. */
export function toSnake(name: string): string {
  return tfjsSnake(name);
}

/** tfjs's camel-casing of a Python identifier (`fan_avg` → `fanAvg`; names without `_` unchanged). */
function tfjsCamel(identifier: string): string {
  return identifier.includes('_') ? identifier.replace(/_+(\w|$)/g, (_, c: string) => c.toUpperCase()) : identifier;
}

/** tfjs's snake-casing (`hardSigmoid` → `hard_sigmoid`, `GlorotUniform` → `glorot_uniform`). */
function tfjsSnake(name: string): string {
  return name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * tfjs's (and Keras 2's) hard sigmoid, `clip(0.2x + 0.5, 0, 1)`, in Dendrite's terms: Dendrite's
 * `'hardSigmoid'` alone is Keras 3's slope 1/6, which a tfjs file cannot hold.
 */
const TFJS_HARD_SIGMOID = { className: 'hardSigmoid', config: { slope: 0.2 } };
const HARD_SIGMOID_1_6 = "Dendrite's hardSigmoid is relu6(x + 3) / 6 (Keras 3's slope 1/6) and TensorFlow.js's hard_sigmoid is clip(0.2x + 0.5, 0, 1): a tfjs file cannot hold it (hardSigmoid({ slope: 0.2 }) can be saved)";

/** Layer config keys tfjs writes that Dendrite's layers have no option for, with the value that means "as Dendrite does". */
const DEFAULTED_KEYS: Readonly<Record<string, (value: unknown) => boolean>> = {
  dtype: (v) => v === 'float32' || v === null,
  sparse: (v) => v === false || v === null,
  ragged: (v) => v === false || v === null,
  kernelConstraint: (v) => v === null,
  biasConstraint: (v) => v === null,
  recurrentConstraint: (v) => v === null,
  embeddingsConstraint: (v) => v === null,
  inputDtype: (v) => v === 'float32' || v === null,
  // Recurrent layers: tfjs writes these with their defaults (and `implementation`, a speed choice).
  stateful: (v) => v === false || v === null,
  unroll: (v) => v === false || v === null,
  implementation: () => true,
};

/**
 * A tfjs config value in Dendrite's spelling, converted as tfjs converts it (serialization_utils):
 * keys and string values camel-cased, except the value of a `name` and class names.
 */
function fromPython(value: unknown, key: string | null): unknown {
  if (Array.isArray(value)) return value.map((v) => fromPython(v, key));
  if (isObject(value)) {
    if ('class_name' in value) {
      // A nested serialized object: an initializer, regularizer or activation.
      const config = isObject(value.config) ? fromPython(value.config, null) : value.config;
      // tfjs's and Keras 2's VarianceScaling 'normal' draws from a truncated normal.
      if (value.class_name === 'VarianceScaling' && isObject(config) && config.distribution === 'normal') config.distribution = 'truncatedNormal';
      return { className: value.class_name, config };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const camel = toCamel(k);
      out[camel] = k === 'name' && typeof v === 'string' ? v : fromPython(v, camel);
    }
    return out;
  }
  if (typeof value === 'string') return tfjsCamel(value);
  return value;
}

/** A Dendrite config value in tfjs's spelling (keys and string values snake-cased, names kept). */
function toPython(value: unknown, key: string | null): unknown {
  if (Array.isArray(value)) return value.map((v) => toPython(v, key));
  if (isObject(value)) {
    if ('className' in value && 'config' in value && Object.keys(value).length === 2) {
      return { class_name: value.className, config: isObject(value.config) ? toPython(value.config, null) : value.config };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[toSnake(k)] = k === 'name' && typeof v === 'string' ? v : toPython(v, k);
    return out;
  }
  if (typeof value === 'string') return tfjsSnake(value);
  return value;
}

/** A layer `{ class_name, config }` of a topology in Dendrite's `{ className, config }` form. */
function layerFromPython(where: string, value: unknown, index: number): { className: string; config: Record<string, unknown>; name?: string; inboundNodes?: unknown } {
  if (!isObject(value) || typeof value.class_name !== 'string' || !isObject(value.config)) {
    throw new SerializationError(`${where}: layer ${index} must be an object { class_name, config }, got ${describe(value)}`);
  }
  const config = fromPython(value.config, null) as Record<string, unknown>;
  cleanLayerConfig(`${where}: layer ${index}`, value.class_name, config);
  const layer: { className: string; config: Record<string, unknown>; name?: string; inboundNodes?: unknown } = { className: value.class_name, config };
  if (typeof value.name === 'string') layer.name = value.name;
  if (value.inbound_nodes !== undefined) layer.inboundNodes = value.inbound_nodes;
  return layer;
}

/**
 * A layer's config (already in Dendrite's spelling) made ready for Dendrite's layer, in place: the
 * keys tfjs writes with their default dropped, and the same for a wrapped layer (Bidirectional,
 * TimeDistributed).
 */
function cleanLayerConfig(where: string, className: string, config: Record<string, unknown>): void {
  for (const [key, isDefault] of Object.entries(DEFAULTED_KEYS)) {
    if (!(key in config)) continue;
    if (className === 'InputLayer' && key === 'dtype') continue;
    if (isDefault(config[key])) delete config[key];
  }
  for (const key of ['activation', 'recurrentActivation']) {
    if (config[key] === 'hardSigmoid') config[key] = TFJS_HARD_SIGMOID;
  }
  // Keras 3 names an input's shape batch_shape.
  if (config.batchShape !== undefined && config.batchInputShape === undefined) {
    config.batchInputShape = config.batchShape;
    delete config.batchShape;
  }
  // tfjs writes an Embedding's inputLength beside the batchInputShape it made from it: one is enough.
  if (className === 'Embedding' && config.inputLength !== undefined && config.batchInputShape !== undefined) delete config.inputLength;
  const wrapped = config.layer;
  if (isObject(wrapped) && typeof wrapped.className === 'string' && isObject(wrapped.config)) {
    cleanLayerConfig(`${where}${typeof config.name === 'string' ? ` '${config.name}'` : ''}: wrapped layer`, wrapped.className, wrapped.config);
  }
}

/** The class names of a topology's layers (nested models' too) that Dendrite has no layer for. */
function missingClasses(layers: readonly unknown[], known: ReadonlySet<string>, into: Set<string>): Set<string> {
  for (const layer of layers) {
    if (!isObject(layer) || typeof layer.class_name !== 'string') continue;
    const name = layer.class_name;
    if (name === 'Sequential' || name === 'Model' || name === 'Functional') {
      const config = layer.config;
      const inner = isObject(config) ? config.layers : config;
      if (Array.isArray(inner)) missingClasses(inner, known, into);
    } else if (!known.has(name)) {
      into.add(name);
    }
  }
  return into;
}

/**
 * A tfjs `modelTopology` (the object, or Keras's `{ model_config, ... }` wrapper) as Dendrite's
 * architecture `{ className, config, buildInputShape? }`. SerializationError when it is not a model
 * Dendrite can build, listing every layer class Dendrite lacks.
 */
export function architectureFromTopology(where: string, topology: unknown): Record<string, unknown> {
  let model = topology;
  if (isObject(model) && isObject(model.model_config)) model = model.model_config;
  if (!isObject(model) || typeof model.class_name !== 'string') {
    throw new SerializationError(`${where}: modelTopology must be an object { class_name, config }, got ${describe(model)}`);
  }
  const className = model.class_name;
  // tfjs before 1.0 wrote a Sequential's config as the array of its layers.
  const config = Array.isArray(model.config) ? { layers: model.config } : model.config;
  if (!isObject(config) || !Array.isArray(config.layers)) {
    throw new SerializationError(`${where}: modelTopology.config.layers must be an array of layers`);
  }
  const missing = missingClasses(config.layers, new Set(registeredLayers()), new Set());
  if (missing.size > 0) {
    throw new SerializationError(
      `${where}: the model uses layer class${missing.size === 1 ? '' : 'es'} Dendrite does not have: ${[...missing].join(', ')}`,
    );
  }
  const name = typeof config.name === 'string' ? { name: config.name } : {};
  if (className === 'Sequential') {
    const layers = config.layers.map((layer, i) => nested(where, layer, i));
    // Keras 2.13+ puts an InputLayer first in a Sequential: its shape goes to the first real layer.
    if (layers.length > 1 && layers[0].className === 'InputLayer') {
      const input = layers.shift()!;
      const shape = input.config.batchInputShape ?? input.config.batchShape;
      if (shape !== undefined && layers[0].config.batchInputShape === undefined && layers[0].config.inputShape === undefined) {
        layers[0].config.batchInputShape = shape;
      }
    }
    return { className: 'Sequential', config: { ...name, layers } };
  }
  if (className === 'Model' || className === 'Functional') {
    return {
      className: 'Functional',
      config: {
        ...name,
        layers: config.layers.map((layer, i) => nested(where, layer, i)),
        // tfjs lists even one input or output ([[name, 0, 0]]) and its model then takes and returns one
        // tensor; Dendrite writes a single one bare (as Keras 3), meaning the same.
        inputLayers: singleTensorKey(config.input_layers),
        outputLayers: singleTensorKey(config.output_layers),
      },
    };
  }
  throw new SerializationError(`${where}: modelTopology class ${describe(className)} is not a model Dendrite can load (Sequential, Model, Functional)`);
}

/** One layer of a topology, a nested model turned into Dendrite's architecture form. */
function nested(where: string, value: unknown, index: number): { className: string; config: Record<string, unknown>; name?: string; inboundNodes?: unknown } {
  if (isObject(value) && (value.class_name === 'Sequential' || value.class_name === 'Model' || value.class_name === 'Functional')) {
    const inner = architectureFromTopology(`${where}: layer ${index}`, value);
    const out: { className: string; config: Record<string, unknown>; name?: string; inboundNodes?: unknown } = {
      className: inner.className as string, config: inner.config as Record<string, unknown>,
    };
    if (typeof value.name === 'string') out.name = value.name;
    if (value.inbound_nodes !== undefined) out.inboundNodes = value.inbound_nodes;
    return out;
  }
  return layerFromPython(where, value, index);
}

/**
 * A layer's config (and its wrapped layer's) with the hard sigmoid of slope 0.2 as tfjs's
 * `'hardSigmoid'`; Dendrite's default one (slope 1/6) has no tfjs spelling.
 */
function hardSigmoidForTfjs(config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  for (const key of ['activation', 'recurrentActivation']) {
    const activation = out[key];
    if (activation === 'hardSigmoid') throw new SerializationError(`layer '${String(config.name)}': ${HARD_SIGMOID_1_6}`);
    if (isObject(activation) && activation.className === 'hardSigmoid' && isObject(activation.config) && Math.fround(Number(activation.config.slope)) === Math.fround(0.2)) out[key] = 'hardSigmoid';
  }
  const wrapped = out.layer;
  if (isObject(wrapped) && isObject(wrapped.config)) out.layer = { ...wrapped, config: hardSigmoidForTfjs(wrapped.config) };
  return out;
}

/** Dendrite's architecture (a model's `className` and `getConfig()`) as a tfjs `modelTopology`. */
export function topologyFromArchitecture(className: string, config: Record<string, unknown>, kerasVersion: string): Record<string, unknown> {
  return { class_name: className === 'Functional' ? 'Model' : className, config: modelConfigToPython(className, config), keras_version: kerasVersion, backend: 'tensor_flow.js' };
}

function modelConfigToPython(className: string, config: Record<string, unknown>): Record<string, unknown> {
  const layers = (config.layers as Record<string, unknown>[]).map((layer) => {
    const layerConfig = hardSigmoidForTfjs(layer.config as Record<string, unknown>);
    const inner = layer.className === 'Sequential' || layer.className === 'Functional';
    const out: Record<string, unknown> = inner
      ? { class_name: layer.className === 'Functional' ? 'Model' : layer.className, config: modelConfigToPython(layer.className as string, layer.config as Record<string, unknown>) }
      : { class_name: layer.className, config: toPython(layerConfig, null) };
    if (typeof layer.name === 'string') out.name = layer.name;
    if (layer.inboundNodes !== undefined) out.inbound_nodes = layer.inboundNodes;
    return out;
  });
  const out: Record<string, unknown> = { name: config.name, layers };
  if (className === 'Functional') {
    out.input_layers = tensorKeyList(config.inputLayers);
    out.output_layers = tensorKeyList(config.outputLayers);
  }
  return out;
}

/** `[[name, node, tensor]]` as the bare `[name, node, tensor]`; anything else as it is. */
function singleTensorKey(keys: unknown): unknown {
  return Array.isArray(keys) && keys.length === 1 && Array.isArray(keys[0]) && typeof keys[0][0] === 'string' ? keys[0] : keys;
}

/**
 * A model's inputs or outputs as tfjs lists them, always a list of `[layerName, nodeIndex, tensorIndex]`:
 * Dendrite (as Keras 3) writes a model's single input as the bare triple, which tfjs cannot read.
 */
function tensorKeyList(keys: unknown): unknown {
  return Array.isArray(keys) && typeof keys[0] === 'string' ? [keys] : keys;
}

/**
 * Where tfjs and Dendrite name a wrapper's weights differently, as `[tfjs prefix, Dendrite prefix]`
 * pairs, from an architecture in Dendrite's form: tfjs puts a Bidirectional's weights under the
 * wrapper (`bidi/forward_lstm/kernel`, Dendrite `forward_lstm/kernel`) and a TimeDistributed's under
 * the wrapper's name (`td/kernel`, Dendrite under the wrapped layer's, `dense/kernel`).
 */
export function wrapperWeightPrefixes(architecture: Record<string, unknown>): [string, string][] {
  const pairs: [string, string][] = [];
  const visit = (layers: unknown): void => {
    if (!Array.isArray(layers)) return;
    for (const layer of layers) {
      if (!isObject(layer) || !isObject(layer.config)) continue;
      const config = layer.config;
      if (layer.className === 'Sequential' || layer.className === 'Functional') {
        visit(config.layers);
        continue;
      }
      const wrapped = isObject(config.layer) && isObject(config.layer.config) ? config.layer.config.name : undefined;
      if (typeof config.name !== 'string' || typeof wrapped !== 'string') continue;
      if (layer.className === 'TimeDistributed') {
        pairs.push([`${config.name}/`, `${wrapped}/`]);
      } else if (layer.className === 'Bidirectional') {
        const backward = isObject(config.backwardLayer) && isObject(config.backwardLayer.config) && typeof config.backwardLayer.config.name === 'string'
          ? config.backwardLayer.config.name : `backward_${wrapped.replace(/^backward_/, '')}`;
        for (const inner of [`forward_${wrapped.replace(/^forward_/, '')}`, backward]) pairs.push([`${config.name}/${inner}/`, `${inner}/`]);
      }
    }
  };
  visit((architecture.config as Record<string, unknown> | undefined)?.layers);
  return pairs;
}

/** `name` with the first matching prefix of `pairs` swapped (`from` 0: tfjs to Dendrite; 1: back). */
export function renameWeight(name: string, pairs: readonly [string, string][], from: 0 | 1): string {
  for (const pair of pairs) if (name.startsWith(pair[from])) return pair[1 - from] + name.slice(pair[from].length);
  return name;
}
