/**
 * Weights trained elsewhere onto a Dendrite model: a PyTorch `state_dict` saved as safetensors
 * (`safetensors.torch.save_file(model.state_dict(), 'model.safetensors')`), mapped layer by layer by
 * name, each tensor turned into Dendrite's (Keras') layout.
 */
import { SerializationError, ShapeError, ValueError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor.js';
import { checkBoolean, checkObject, checkOptions, checkString, formatShape, typeError } from '../validate.js';
import { Model, type AnyModel } from '../model/training.js';
import type { AnyLayer, LayerVariable } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { Conv } from '../layers/conv/conv.js';
import { DepthwiseConv2D } from '../layers/conv/depthwise-conv2d.js';
import { BatchNormalization } from '../layers/normalization/batch-normalization.js';
import { LayerNormalization } from '../layers/layerNormalization.js';
import { Embedding } from '../layers/embedding.js';
import { RNN } from '../layers/recurrent/rnn.js';
import { decodeSafetensors, type SafetensorsFile } from './safetensors.js';
import { fileBytes, oihwToHwio, transpose2d } from './layouts.js';

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * Dendrite layer name → the PyTorch module path of its weights (`{ dense_1: 'classifier.0' }`); a layer
   * not named here is looked up under its own name (name layers as the modules: `dense({ name: 'fc1' })`).
   */
  mapping?: Record<string, string>;
  /** The file's layout. Only `'pytorch'` (a state_dict) for now. Default `'pytorch'`. */
  format?: 'pytorch';
  /** Throw when a layer with weights finds none in the file. Default true; false leaves those weights as they are. */
  strict?: boolean;
}

/** One Dendrite weight set from the file. */
export interface MatchedWeight {
  /** The Dendrite weight (`dense_1/kernel`). */
  weight: string;
  /** The file's tensor(s) it came from (`fc1.weight`; an LSTM bias from `bias_ih_l0 + bias_hh_l0`). */
  source: string;
  /** How the layout was converted: 'as is', 'transposed', 'OIHW → HWIO', ... */
  conversion: string;
}

/** What {@link loadWeights} did. */
export interface LoadWeightsReport {
  /** Every weight set, with where it came from. */
  matched: MatchedWeight[];
  /** Dendrite weights left as they were (nothing in the file for them; only with `strict: false`). */
  missing: string[];
  /** Tensors of the file no layer used (`num_batches_tracked` counters among them). */
  unused: string[];
}

/** Gate blocks of a [G·units, ...] tensor reordered: block k of the result is block order[k] of the source. */
function reorderGates(values: Float32Array, order: readonly number[]): Float32Array {
  const block = values.length / order.length;
  const out = new Float32Array(values.length);
  order.forEach((source, k) => out.set(values.subarray(source * block, (source + 1) * block), k * block));
  return out;
}

/** PyTorch's GRU gates r, z, n in Keras' order z, r, h. */
const GRU_TORCH_TO_KERAS = [1, 0, 2];

class WeightLoader {
  readonly report: LoadWeightsReport = { matched: [], missing: [], unused: [] };
  readonly used = new Set<string>();

  constructor(readonly where: string, readonly file: SafetensorsFile) {}

  has(name: string): boolean {
    return this.file.entries.has(name);
  }

  tensor(name: string, shape: readonly number[] | null, layer: AnyLayer): Float32Array {
    const t = this.file.readFloat32(name);
    if (shape !== null && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`${this.where}: layer '${layer.name}' expects '${name}' of shape ${formatShape(shape)}, the file has ${formatShape(t.shape)}`);
    }
    this.used.add(name);
    return t.data;
  }

  set(variable: LayerVariable | null, values: Float32Array, source: string, conversion: string): void {
    if (variable === null) return;
    variable.assign(makeTensor(values, variable.shape.slice()));
    this.report.matched.push({ weight: variable.name, source, conversion });
  }

  /** Loads one layer's weights from the tensors under `prefix`; false when the file has none. */
  layer(layer: AnyLayer, prefix: string): boolean {
    const p = (suffix: string) => `${prefix}.${suffix}`;
    if (layer instanceof Dense) {
      if (!this.has(p('weight'))) return false;
      const [inputs, units] = layer.kernel!.shape;
      this.set(layer.kernel, transpose2d(this.tensor(p('weight'), [units, inputs], layer), units, inputs), p('weight'), 'transposed ([out, in] → [in, out])');
      if (layer.bias !== null) this.set(layer.bias, this.tensor(p('bias'), [units], layer), p('bias'), 'as is');
      return true;
    }
    if (layer instanceof DepthwiseConv2D) {
      if (!this.has(p('weight'))) return false;
      const [kh, kw, c, m] = layer.depthwiseKernel!.shape;
      // [c·m, 1, kh, kw] → [kh, kw, 1, c·m], which is [kh, kw, c, m] in memory.
      this.set(layer.depthwiseKernel, oihwToHwio(this.tensor(p('weight'), [c * m, 1, kh, kw], layer), [c * m, 1, kh, kw]), p('weight'), 'OIHW → HWIO (depthwise)');
      if (layer.bias !== null) this.set(layer.bias, this.tensor(p('bias'), [c * m], layer), p('bias'), 'as is');
      return true;
    }
    if (layer instanceof Conv) {
      if (!this.has(p('weight'))) return false;
      const shape = layer.kernel!.shape;
      const torchShape = [shape[shape.length - 1], shape[shape.length - 2], ...shape.slice(0, -2)];
      this.set(layer.kernel, oihwToHwio(this.tensor(p('weight'), torchShape, layer), torchShape), p('weight'), layer.rank === 2 ? 'OIHW → HWIO' : 'OIW → WIO');
      if (layer.bias !== null) this.set(layer.bias, this.tensor(p('bias'), [shape[shape.length - 1]], layer), p('bias'), 'as is');
      return true;
    }
    if (layer instanceof BatchNormalization) {
      if (!this.has(p('running_mean'))) return false;
      const c = layer.movingMean!.shape[0];
      if (layer.gamma !== null) this.set(layer.gamma, this.tensor(p('weight'), [c], layer), p('weight'), 'as is');
      if (layer.beta !== null) this.set(layer.beta, this.tensor(p('bias'), [c], layer), p('bias'), 'as is');
      this.set(layer.movingMean, this.tensor(p('running_mean'), [c], layer), p('running_mean'), 'as is');
      this.set(layer.movingVariance, this.tensor(p('running_var'), [c], layer), p('running_var'), 'as is');
      return true;
    }
    if (layer instanceof LayerNormalization) {
      if (!this.has(p('weight')) && !this.has(p('bias'))) return false;
      if (layer.gamma !== null) this.set(layer.gamma, this.tensor(p('weight'), layer.gamma.shape, layer), p('weight'), 'as is');
      if (layer.beta !== null) this.set(layer.beta, this.tensor(p('bias'), layer.beta.shape, layer), p('bias'), 'as is');
      return true;
    }
    if (layer instanceof Embedding) {
      if (!this.has(p('weight'))) return false;
      this.set(layer.embeddings, this.tensor(p('weight'), layer.embeddings!.shape, layer), p('weight'), 'as is');
      return true;
    }
    if (layer instanceof RNN) return this.recurrent(layer as RNN<Tensor | Tensor[]>, prefix);
    if (layer.weights.length > 0) throw new ValueError(`${this.where}: layer '${layer.name}' (${layer.className}) has no PyTorch counterpart to load from`);
    return true;
  }

  /** nn.RNN / nn.LSTM / nn.GRU (one layer, one direction): weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0. */
  private recurrent(layer: RNN<Tensor | Tensor[]>, prefix: string): boolean {
    const p = (suffix: string) => `${prefix}.${suffix}`;
    if (!this.has(p('weight_ih_l0'))) return false;
    const units = layer.units;
    const [inputs, width] = layer.kernel!.shape;
    const gates = width / units;
    // PyTorch's LSTM gates i, f, g, o are Keras' i, f, c, o; its GRU's r, z, n are Keras' z, r, h reordered.
    const order = layer.cell === 'gru' ? GRU_TORCH_TO_KERAS : Array.from({ length: gates }, (_, i) => i);
    const ih = reorderGates(this.tensor(p('weight_ih_l0'), [width, inputs], layer), order);
    const hh = reorderGates(this.tensor(p('weight_hh_l0'), [width, units], layer), order);
    const kind = layer.cell === 'gru' ? ' (gates r, z, n → z, r, h)' : layer.cell === 'lstm' ? ' (gates i, f, g, o as Keras i, f, c, o)' : '';
    this.set(layer.kernel, transpose2d(ih, width, inputs), p('weight_ih_l0'), `transposed${kind}`);
    this.set(layer.recurrentKernel, transpose2d(hh, width, units), p('weight_hh_l0'), `transposed${kind}`);
    if (layer.bias !== null) {
      const bi = reorderGates(this.tensor(p('bias_ih_l0'), [width], layer), order);
      const bh = reorderGates(this.tensor(p('bias_hh_l0'), [width], layer), order);
      if (layer.bias.shape.length === 2) {
        this.set(layer.bias, Float32Array.from([...bi, ...bh]), `${p('bias_ih_l0')}, ${p('bias_hh_l0')}`, `stacked [input; recurrent]${kind}`);
      } else if (layer.cell === 'gru') {
        throw new ValueError(`${this.where}: layer '${layer.name}': PyTorch's GRU applies the reset gate after the recurrent product; build the GRU with resetAfter: true`);
      } else {
        this.set(layer.bias, Float32Array.from(bi, (v, i) => v + bh[i]), `${p('bias_ih_l0')} + ${p('bias_hh_l0')}`, `summed${kind}`);
      }
    }
    return true;
  }
}

/** The layers of a model with weights, nested models opened. */
function layersWithWeights(model: AnyModel): AnyLayer[] {
  const out: AnyLayer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof Model) out.push(...layersWithWeights(layer as AnyModel));
    else if (layer.weights.length > 0) out.push(layer);
  }
  return out;
}

/**
 * Loads weights trained in PyTorch into a built Dendrite model: a `state_dict` saved as safetensors,
 * matched layer by layer by name (each Dendrite layer reads the tensors under its own name, or under
 * the module path `mapping` gives it), each converted to Dendrite's layout: a Linear weight transposed,
 * a Conv2d's OIHW as HWIO (Conv1d's OIW as WIO), an LSTM's gates i, f, g, o as Keras' i, f, c, o (its
 * two biases summed), a GRU's r, z, n as z, r, h (a GRU with `resetAfter: true`: its two biases stacked),
 * BatchNorm's running statistics as moving ones, LayerNorm and Embedding as they are.
 *
 * ```ts
 * const model = dn.sequential({ layers: [
 *   dn.layers.dense({ units: 64, activation: 'relu', inputShape: [4], name: 'fc1' }),
 *   dn.layers.dense({ units: 3, name: 'fc2' }),
 * ] });
 * const report = await dn.io.loadWeights(model, 'model.safetensors');
 * // or with other names: { mapping: { dense_1: 'classifier.0' } }
 * console.log(report.matched, report.unused);
 * ```
 *
 * @param model A built model.
 * @param file A path to a .safetensors file, or its bytes.
 * @param options `mapping`, `strict` (default true: every layer with weights must find them), `format`.
 * @returns What matched (with each conversion), what was missing, and what in the file went unused.
 */
export async function loadWeights(model: AnyModel, file: string | Uint8Array, options: LoadWeightsOptions = {}): Promise<LoadWeightsReport> {
  const where = 'io.loadWeights';
  if (!(model instanceof Model)) typeError(where, 'model', 'a Dendrite model', model);
  const o = checkOptions<LoadWeightsOptions>(where, checkObject(where, 'options', options), ['mapping', 'format', 'strict']);
  if (o.format !== undefined && o.format !== 'pytorch') throw new ValueError(`${where}: format must be 'pytorch', got ${JSON.stringify(o.format)}`);
  const strict = o.strict === undefined ? true : checkBoolean(where, 'strict', o.strict);
  const mapping = new Map<string, string>();
  if (o.mapping !== undefined) {
    for (const [key, value] of Object.entries(checkObject(where, 'mapping', o.mapping))) mapping.set(key, checkString(where, `mapping.${key}`, value));
  }
  if (!model.built) throw new ValueError(`${where}: the model is not built: give its first layer an inputShape, or call build/predict once`);
  const { bytes, label } = await fileBytes(where, 'file', file, 'a .safetensors file');
  let decoded: SafetensorsFile;
  try {
    decoded = decodeSafetensors(bytes, { foreign: true });
  } catch (error) {
    throw new SerializationError(`${where}: ${label}: ${(error as Error).message}`, { cause: error });
  }
  const layers = layersWithWeights(model);
  const names = new Set(layers.map((l) => l.name));
  for (const key of mapping.keys()) if (!names.has(key)) throw new ValueError(`${where}: mapping names layer '${key}', which the model does not have (layers with weights: ${[...names].join(', ')})`);
  const loader = new WeightLoader(where, decoded);
  const absent: string[] = [];
  for (const layer of layers) {
    const prefix = mapping.get(layer.name) ?? layer.name;
    if (!loader.layer(layer, prefix)) {
      absent.push(`${layer.name} (looked for '${prefix}.*')`);
      loader.report.missing.push(...layer.weights.map((w) => w.name));
    }
  }
  if (strict && absent.length > 0) {
    const available = [...new Set([...decoded.entries.keys()].map((n) => n.slice(0, Math.max(0, n.lastIndexOf('.')))))].slice(0, 20);
    throw new ValueError(`${where}: no weights in ${label} for ${absent.join(', ')}; the file's modules: ${available.join(', ')}. Name the layers as the modules or give a mapping`);
  }
  loader.report.unused.push(...[...decoded.entries.keys()].filter((n) => !loader.used.has(n)));
  return loader.report;
}
