/**
 * Functional models: any directed acyclic graph of layers, built with the Keras / TensorFlow.js
 * functional API.
 *
 * ```ts
 * const input = dn.input({ shape: [64] });
 * const hidden = dn.layers.dense({ units: 64, activation: 'relu' }).apply(input);
 * const skip = dn.layers.add().apply([input, hidden]);          // a residual connection
 * const output = dn.layers.dense({ units: 10, activation: 'softmax' }).apply(skip);
 * const model = dn.model({ inputs: input, outputs: output });
 * ```
 *
 * `dn.model` walks the recorded layer calls ({@link Node}s) back from the outputs to the inputs,
 * once, and orders them into a program (the order the calls were made in, which always computes a
 * value before its use). A layer called twice is one layer with two calls and one set of weights;
 * a model can itself be called as a layer of another model. The saved form is Keras's: every
 * layer's config with its inbound connections (`inboundNodes`), and the model's `inputLayers` and
 * `outputLayers`.
 */
import { SerializationError, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { arrayItems, checkEach, checkObject, checkOptions, checkString, formatShape, typeError } from '../validate.js';
import { formatLayerShape, isShapeList, shapesFit, type AnyLayer, type Shape, type ShapeLike } from '../layers/layer.js';
import { Node, SymbolicTensor } from '../layers/symbolic.js';
import { InputLayer } from '../layers/input.js';
import { deserializeLayer, registerLayer, serializeLayer } from '../layers/registry.js';
import { Model } from './training.js';
import { makeProgram, type Program, type Step } from './program.js';

/** Options of {@link model}. */
export interface ModelOptions<Outputs extends SymbolicTensor | readonly SymbolicTensor[] = SymbolicTensor | readonly SymbolicTensor[]> {
  /** The model's input(s): symbolic tensors from `dn.input`. Required. */
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  /** The model's output(s): symbolic tensors computed from the inputs. An array makes the model return an array. Required. */
  outputs: Outputs;
  /** The model's name. Default `functional_<n>`. */
  name?: string;
}

/** `[layer name, node index, output index]`: a symbolic tensor in a saved graph (Keras's form). */
type TensorReference = [string, number, number];

/** What a saved graph records of one call: `[layer name, node index, output index, call options]` per input. */
type InboundNode = [string, number, number, Record<string, unknown>][];

function toList<T>(value: T | readonly T[]): T[] {
  return Array.isArray(value) ? value.slice() : [value as T];
}

// The most inputs or outputs a graph model may name (a list is read once, its length checked first).
const MAX_ENDS = 10_000;

/** The nodes the outputs depend on, down to the inputs, in the order they were made (inputs before their use). */
function nodesBetween(where: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Node[] {
  const available = new Set<SymbolicTensor>(inputs);
  const found = new Set<Node>();
  const pending: { tensor: SymbolicTensor; user: AnyLayer | null }[] = outputs.map((tensor) => ({ tensor, user: null }));
  while (pending.length > 0) {
    const { tensor, user } = pending.pop()!;
    if (available.has(tensor) || found.has(tensor.node)) continue;
    const node = tensor.node;
    if (node.layer instanceof InputLayer) {
      throw new ValueError(
        `${where}: the graph is disconnected: ${user === null ? 'an output' : `layer '${user.name}'`} needs input '${tensor.name}', which is not among the model's inputs (${inputs.map((t) => t.name).join(', ')}); add it to inputs`,
      );
    }
    found.add(node);
    for (const input of node.inputs) pending.push({ tensor: input, user: node.layer });
  }
  return [...found].sort((a, b) => a.id - b.id);
}

/** A graph of layers as a model. Create one with `dn.model({ inputs, outputs })`. */
export class Functional<Out extends Tensor | Tensor[] = Tensor | Tensor[]> extends Model<Out> {
  readonly className = 'Functional';
  /** The symbolic inputs, in order. */
  readonly inputs: readonly SymbolicTensor[];
  /** The symbolic outputs, in order. */
  readonly outputs: readonly SymbolicTensor[];
  private readonly inputLayers: InputLayer[];
  private readonly listOutputs: boolean;
  private readonly listInputs: boolean;
  private readonly ownLayers: AnyLayer[];
  /** The graph's calls, in the order they run. */
  private readonly nodes: Node[];
  private readonly inputNameList: readonly string[];
  private readonly outputNameList: readonly string[];

  constructor(options: ModelOptions) {
    const where = 'model';
    const o = checkOptions<ModelOptions>(where, options, ['inputs', 'outputs', 'name']);
    if (o.inputs === undefined || o.outputs === undefined) {
      throw new ValueError(`${where}: inputs and outputs are required, e.g. dn.model({ inputs: input, outputs: output }) with input = dn.input({ shape: [4] })`);
    }
    const ends = (value: unknown, name: string): SymbolicTensor[] => {
      const list = Array.isArray(value) ? arrayItems(where, name, value, MAX_ENDS, 'symbolic tensors') : [value];
      if (list.length === 0) throw new ValueError(`${where}: ${name} must name at least one symbolic tensor`);
      return checkEach(list, (t, i) => {
        if (!(t instanceof SymbolicTensor)) typeError(where, `${name}[${i}]`, 'a symbolic tensor (from dn.input or a layer applied to one)', t);
        return t;
      });
    };
    const inputs = ends(o.inputs, 'inputs');
    const outputs = ends(o.outputs, 'outputs');
    inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer)) {
        throw new ValueError(`${where}: inputs[${i}] (${t.name}) must come from dn.input, not from layer '${t.node.layer.name}'`);
      }
      if (inputs.indexOf(t) !== i) throw new ValueError(`${where}: inputs[${i}] (${t.name}) is given twice`);
    });
    super(where, o.name === undefined ? undefined : checkString(where, 'name', o.name), 'Functional');
    this.inputs = inputs;
    this.outputs = outputs;
    this.listInputs = Array.isArray(o.inputs);
    this.listOutputs = Array.isArray(o.outputs);
    this.inputLayers = inputs.map((t) => t.node.layer as InputLayer);
    this.nodes = nodesBetween(where, inputs, outputs);
    const layers: AnyLayer[] = [...this.inputLayers];
    for (const node of this.nodes) if (!layers.includes(node.layer)) layers.push(node.layer);
    const names = new Set<string>();
    for (const layer of layers) {
      if (names.has(layer.name)) throw new ValueError(`${where}: two layers are named '${layer.name}'; layer names in a model must be unique`);
      names.add(layer.name);
    }
    this.ownLayers = layers;
    // Output names: the layers producing them (Keras), made unique when one layer produces two.
    const seen = new Map<string, number>();
    this.outputNameList = Object.freeze(outputs.map((t) => {
      const base = t.sourceLayer.name;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      return count === 0 ? base : `${base}_${count}`;
    }));
    this.inputNameList = Object.freeze(this.inputLayers.map((layer) => layer.name));
  }

  override get layers(): AnyLayer[] {
    return this.ownLayers.slice();
  }

  override get built(): boolean {
    return true;
  }

  override get inputShape(): Shape | Shape[] {
    const shapes = this.inputs.map((t) => t.shape.slice());
    return this.listInputs ? shapes : shapes[0];
  }

  override get outputShape(): Shape | Shape[] {
    const shapes = this.outputs.map((t) => t.shape.slice());
    return this.listOutputs ? shapes : shapes[0];
  }

  override get inputNames(): readonly string[] {
    return this.inputNameList;
  }

  override get outputNames(): readonly string[] {
    return this.outputNameList;
  }

  override get returnsList(): boolean {
    return this.listOutputs;
  }

  /** A functional model is built when it is made: building checks that `inputShape` fits its inputs. */
  override build(inputShape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(inputShape);
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
    const declared = this.inputShape;
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    const ok = shapes.length === this.inputs.length && shapes.every((s, i) => shapesFit(this.inputs[i].shape, s));
    if (!ok) throw new ShapeError(`${this.name}: expected input with shape ${formatLayerShape(declared)}, got shape ${formatLayerShape(inputShape)}`);
    return this.outputShape;
  }

  override checkInputs(where: string, labels: readonly string[], inputs: readonly Tensor[]): void {
    inputs.forEach((t, i) => {
      const layer = this.inputLayers[i];
      this.checkInputTensor(where, labels[i], t, layer.dtype);
      const shape = this.inputs[i].shape;
      if (!shapesFit(shape, t.shape)) {
        throw new ShapeError(`${layer.name}: expected input with shape ${formatLayerShape(shape)}, got shape ${formatShape(t.shape)}${labels.length > 1 ? ` (${labels[i]})` : ''}`);
      }
    });
  }

  protected override buildProgram(): Program {
    const slots = new Map<SymbolicTensor, number>();
    this.inputs.forEach((t, i) => slots.set(t, i));
    let next = this.inputs.length;
    const steps = this.nodes.map((node): Step => {
      const outputs = node.outputs.map((t) => {
        slots.set(t, next);
        return next++;
      });
      return { layer: node.layer, inputs: node.inputs.map((t) => slots.get(t)!), listInput: node.listInput, outputs, listOutput: node.listOutput };
    });
    return makeProgram(next, this.inputs.map((t) => slots.get(t)!), this.outputs.map((t) => slots.get(t)!), steps);
  }

  /**
   * The layer calls each layer makes in this model: for each layer, its nodes that belong to the
   * graph (a layer may also be called in other models), in order.
   */
  private nodesByLayer(): Map<AnyLayer, Node[]> {
    const byLayer = new Map<AnyLayer, Node[]>();
    for (const layer of this.inputLayers) byLayer.set(layer, [layer.inboundNodes[0]]);
    for (const node of this.nodes) {
      const list = byLayer.get(node.layer);
      if (list === undefined) byLayer.set(node.layer, [node]);
      else list.push(node);
    }
    return byLayer;
  }

  /** `[layer, node, output]` of a symbolic tensor, with the node counted among the layer's calls in this model. */
  private reference(t: SymbolicTensor, byLayer: Map<AnyLayer, Node[]>): TensorReference {
    return [t.sourceLayer.name, byLayer.get(t.sourceLayer)!.indexOf(t.node), t.outputIndex];
  }

  /**
   * @internal For each layer (in layer order), the calls it makes in this model, each as the layers
   * and outputs it reads: what the summary's "Connected to" column shows.
   */
  inboundConnections(): Map<AnyLayer, TensorReference[][]> {
    const byLayer = this.nodesByLayer();
    const result = new Map<AnyLayer, TensorReference[][]>();
    for (const layer of this.ownLayers) {
      result.set(layer, (byLayer.get(layer) ?? []).map((node) => node.inputs.map((t) => this.reference(t, byLayer))));
    }
    return result;
  }

  /**
   * `{ name, layers: [{ className, name, config, inboundNodes }], inputLayers, outputLayers }`: the
   * layers and how they connect (Keras's form), what rebuilds the architecture (weights aside).
   */
  override getConfig(): Record<string, unknown> {
    const byLayer = this.nodesByLayer();
    const layers = this.ownLayers.map((layer) => {
      const nodes = layer instanceof InputLayer ? [] : byLayer.get(layer)!;
      const inboundNodes: InboundNode[] = nodes.map((node) => node.inputs.map((t) => {
        // A call on an array of one tensor is marked, so it is replayed on an array.
        const options = node.listInput && node.inputs.length === 1 ? { list: true } : {};
        return [...this.reference(t, byLayer), options] as [string, number, number, Record<string, unknown>];
      }));
      return { ...serializeLayer(layer), name: layer.name, inboundNodes };
    });
    const references = (list: readonly SymbolicTensor[], asList: boolean): TensorReference | TensorReference[] => {
      const refs = list.map((t) => this.reference(t, byLayer));
      return asList ? refs : refs[0];
    };
    return { name: this.name, layers, inputLayers: references(this.inputs, this.listInputs), outputLayers: references(this.outputs, this.listOutputs) };
  }

  /**
   * Rebuilds a model from {@link Functional.getConfig}'s output: each layer through the layer
   * registry, then its calls replayed on the symbolic tensors they read (Keras's procedure: a call
   * whose inputs are not made yet waits for a later pass).
   */
  static fromConfig(config: Record<string, unknown>): Functional {
    const where = 'Functional.fromConfig';
    checkObject(where, 'config', config);
    if (!Array.isArray(config.layers)) typeError(where, 'config.layers', 'an array of layer configs', config.layers);
    const entries = config.layers.map((entry, i) => {
      const object = checkObject(where, `config.layers[${i}]`, entry);
      const layer = explainedLayer(where, i, (object.config as { name?: unknown } | undefined)?.name ?? object.name, () => deserializeLayer(object));
      const inbound = object.inboundNodes === undefined ? [] : object.inboundNodes;
      if (!Array.isArray(inbound)) typeError(where, `config.layers[${i}].inboundNodes`, 'an array of calls', inbound);
      return { layer, inbound: inbound as unknown[], made: 0 };
    });
    const byName = new Map<string, (typeof entries)[number]>();
    for (const entry of entries) {
      if (byName.has(entry.layer.name)) throw new ValueError(`${where}: two layers are named '${entry.layer.name}'`);
      byName.set(entry.layer.name, entry);
    }
    // The symbolic tensors made so far, per layer and call; an input layer's own call exists already.
    const made = new Map<string, SymbolicTensor[][]>();
    for (const entry of entries) {
      if (entry.layer instanceof InputLayer) made.set(entry.layer.name, [entry.layer.inboundNodes[0].outputs.slice()]);
      else made.set(entry.layer.name, []);
    }
    const resolve = (value: unknown, what: string): SymbolicTensor | null => {
      if (!Array.isArray(value) || value.length < 3 || typeof value[0] !== 'string' || !Number.isInteger(value[1]) || !Number.isInteger(value[2])) {
        typeError(where, what, 'a reference [layer name, node index, output index]', value);
      }
      const [name, node, output] = value as [string, number, number];
      const calls = made.get(name);
      if (calls === undefined) throw new ValueError(`${where}: ${what} names layer '${name}', which the model does not have`);
      const outputs = calls[node];
      if (outputs === undefined) return null;
      const tensor = outputs[output];
      if (tensor === undefined) throw new ValueError(`${where}: ${what} reads output ${output} of '${name}', which has ${outputs.length}`);
      return tensor;
    };
    let pending = entries.reduce((n, e) => n + (e.layer instanceof InputLayer ? 0 : e.inbound.length), 0);
    while (pending > 0) {
      let progress = false;
      for (const entry of entries) {
        if (entry.layer instanceof InputLayer) continue;
        while (entry.made < entry.inbound.length) {
          const what = `layer '${entry.layer.name}' call ${entry.made}`;
          const call = entry.inbound[entry.made];
          if (!Array.isArray(call) || call.length === 0) typeError(where, what, 'an array of input references', call);
          const inputs = call.map((ref, j) => resolve(ref, `${what} input ${j}`));
          if (inputs.some((t) => t === null)) break;
          const options = (call[0] as unknown[])[3];
          const list = call.length > 1 || (options !== null && typeof options === 'object' && (options as { list?: unknown }).list === true);
          const applied = explainedLayer(where, entries.indexOf(entry), entry.layer.name, () => entry.layer.apply(list ? (inputs as SymbolicTensor[]) : inputs[0]!));
          made.get(entry.layer.name)!.push(toList(applied as SymbolicTensor | SymbolicTensor[]));
          entry.made++;
          pending--;
          progress = true;
        }
      }
      if (!progress) {
        const stuck = entries.filter((e) => !(e.layer instanceof InputLayer) && e.made < e.inbound.length).map((e) => `'${e.layer.name}'`);
        throw new ValueError(`${where}: the calls of ${stuck.join(', ')} read tensors no call makes (a cycle, or a missing layer)`);
      }
    }
    const endpoints = (value: unknown, name: string): SymbolicTensor | SymbolicTensor[] => {
      const one = Array.isArray(value) && typeof value[0] === 'string';
      const refs = one ? [value] : value;
      if (!Array.isArray(refs) || refs.length === 0) typeError(where, `config.${name}`, 'a reference [layer, node, output] or an array of them', value);
      const tensors = refs.map((ref, i) => {
        const t = resolve(ref, `config.${name}[${i}]`);
        if (t === null) throw new ValueError(`${where}: config.${name}[${i}] names a call that the saved graph does not make`);
        return t;
      });
      return one ? tensors[0] : tensors;
    };
    return new Functional({
      inputs: endpoints(config.inputLayers, 'inputLayers'), outputs: endpoints(config.outputLayers, 'outputLayers'),
      ...(typeof config.name === 'string' ? { name: config.name } : {}),
    });
  }

  override toString(): string {
    return `Functional(${this.name}: ${this.inputNames.join(', ')} -> ${this.outputNames.join(', ')})`;
  }
}

/** Runs `fn` (building or calling a saved layer); a failure becomes a ValueError naming the layer. */
function explainedLayer<T>(where: string, index: number, name: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new ValueError(`${where}: layer ${index}${typeof name === 'string' ? ` '${name}'` : ''}: ${(error as Error).message}`);
  }
}

/**
 * A model from a graph of layers (the functional API, as Keras `keras.Model(inputs, outputs)` and
 * TensorFlow.js `tf.model`): one or several inputs from `dn.input`, one or several outputs computed
 * from them by applying layers. Given `outputs` as an array, the model returns an array.
 * ```ts
 * const user = dn.input({ shape: [20], name: 'user' });
 * const item = dn.input({ shape: [30], name: 'item' });
 * const u = dn.layers.dense({ units: 8 }).apply(user);
 * const v = dn.layers.dense({ units: 8 }).apply(item);
 * const score = dn.layers.dot({ axes: 1 }).apply([u, v]);
 * const recommender = dn.model({ inputs: [user, item], outputs: score });
 * ```
 */
export function model(options: ModelOptions<SymbolicTensor>): Functional<Tensor>;
export function model(options: ModelOptions<readonly SymbolicTensor[]>): Functional<Tensor[]>;
export function model(options: ModelOptions): Functional;
export function model(options: ModelOptions): Functional {
  return new Functional(options);
}

registerLayer('Functional', Functional);
