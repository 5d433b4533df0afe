/**
 * The base of every layer, and the variables layers own.
 *
 * A layer follows the Keras life cycle: the constructor validates its settings; `build(inputShape)`
 * creates its weights once the input shape is known; `call(x, context)` computes the output (with
 * autograd, fused native kernels where it pays); `computeOutputShape` infers shapes without data;
 * `getConfig()` returns the options that rebuild it (with the registry in registry.ts, this is what
 * loading a saved model uses).
 *
 * Most layers take one tensor and return one: they write `call(x: Tensor, context): Tensor` and
 * `computeOutputShape(shape): Shape`, nothing more. A layer with several inputs (the merge layers)
 * takes an array of tensors and an array of shapes instead; a layer may also return several outputs.
 * Which form a layer gets is the form it was applied to: `layer.apply(x)` or `layer.apply([a, b])`.
 *
 * Applied to symbolic tensors (`dn.input`), `apply` builds the layer for their shapes and records
 * the call as a {@link Node} of a graph that `dn.model` turns into a model; nothing is computed.
 *
 * Shapes of layers include the batch dimension as `null`: a dense layer's output shape is `[null, 64]`.
 *
 * Masks (Keras' mechanism, for padded sequences): a mask is a float32 tensor of 0 and 1, one entry per
 * position of the batch and time axes (`[batch, steps]` for `[batch, steps, features]` data), 1 where
 * the data is real and 0 where it is padding. A layer makes one in {@link Layer.computeMask}
 * (`embedding({ maskZero: true })` from its token ids, `masking()` from all-`maskValue` steps); the
 * model hands it to the next layers in `context.mask` of their `call`, and each layer's
 * `computeMask(inputs, mask)` says what mask its outputs carry: layers that keep the time axis pass it
 * on ({@link Layer.supportsMasking}: dense, dropout, activation), a recurrent layer passes it on only
 * with `returnSequences`, and a layer that does not support masking drops it. A model's output that
 * carries a mask weights its loss and metrics by it: padded steps do not count. A layer that uses the
 * mask (recurrent layers: padded steps leave the state unchanged; attention: padded keys get no
 * weight) reads `context.mask` (for a layer applied to several inputs, one entry per input, or null).
 * Applied eagerly with `layer.apply(x)`, the output tensor carries its mask ({@link getMask}), and
 * the next `apply` picks it up; `apply(x, { mask })` gives one explicitly.
 */
import { ShapeError, ValueError } from '../errors.js';
import {
  allocateStorage, allocateUninitialized, checkFloat, makeTensor, sameShape, Tensor, toTensor, type DType, type TensorLike,
} from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import {
  arrayItems, checkBoolean, checkEach, checkInteger, checkOptions, checkString, dtypeError, formatShape, MAX_RANK, typeError, valueError,
} from '../validate.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { Regularizer } from '../regularizers.js';
import { Node, SymbolicTensor, symbolicInputs } from './symbolic.js';

/** A shape with the batch dimension (and any dimension not known yet) as `null`. */
export type Shape = (number | null)[];

/** A shape as layers receive it (read-only). */
export type ShapeLike = readonly (number | null)[];

/** Formats a layer shape (or a list of them) for messages and summaries: `[null, 64]`, `[[null, 8], [null, 8]]`. */
export function formatLayerShape(shape: ShapeLike | readonly ShapeLike[]): string {
  if (isShapeList(shape)) return `[${shape.map((s) => formatLayerShape(s)).join(', ')}]`;
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** Whether `shape` is a list of shapes (the input shapes of a layer with several inputs) rather than one shape. */
export function isShapeList(shape: ShapeLike | readonly ShapeLike[]): shape is readonly ShapeLike[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

/** Which variable a tensor is the value of (a value re-homed by an optimizer is registered again). */
const variableOfValue = new WeakMap<Tensor, LayerVariable>();
/** Which layer made a variable. */
const layerOfVariable = new WeakMap<LayerVariable, AnyLayer>();
/** The order variables were made in (a stable order for lists of them). */
const creationOrder = new WeakMap<LayerVariable, number>();
let variablesMade = 0;

/**
 * @internal The layer variable whose current value `t` is, with the layer that made it and its
 * place in the order variables were made in, or null for any other tensor.
 */
export function variableOf(t: Tensor): { variable: LayerVariable; layer: AnyLayer | null; order: number } | null {
  const variable = variableOfValue.get(t);
  if (variable === undefined || variable.value !== t) return null;
  return { variable, layer: layerOfVariable.get(variable) ?? null, order: creationOrder.get(variable)! };
}

/** Masks attached to tensors that layers returned (Keras' `_keras_mask`). */
const attachedMasks = new WeakMap<Tensor, Tensor>();

/**
 * The mask a layer attached to `t` when `layer.apply` returned it (`[batch, steps]` of 0 and 1, 1 for
 * real data), or null. See the masks section of {@link Layer}.
 * ```ts
 * const ids = dn.tensor([[5, 2, 0, 0]], [1, 4], 'int32');
 * const vectors = dn.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true }).apply(ids);
 * dn.layers.getMask(vectors)?.toArray();   // [[1, 1, 0, 0]]
 * ```
 */
export function getMask(t: Tensor): Tensor | null {
  return attachedMasks.get(t) ?? null;
}

/** @internal Attaches `mask` to `t` (or removes it for null). */
export function setMask(t: Tensor, mask: Tensor | null): void {
  if (mask === null) attachedMasks.delete(t);
  else attachedMasks.set(t, mask);
}

/** A mask as layers receive it: one mask (or null), or one per input for a layer applied to several. */
export type MaskInput = Tensor | null | readonly (Tensor | null)[];

/** What {@link Layer.computeMask} returns: one mask (or null), or one per output for a layer with several. */
export type MaskOutput = Tensor | null | (Tensor | null)[];

/**
 * A weight of a layer: a named tensor, trainable or not, with an optional regularizer whose
 * penalty the model adds to the loss.
 *
 * `value` may be replaced: compiling a model hands the trainable variables to the optimizer,
 * which moves every value into one flat buffer and points `value` at a view of its slice. Always
 * read `variable.value`; never keep the tensor.
 */
export class LayerVariable {
  /** `<layer name>/<weight name>`, e.g. `dense_1/kernel`. */
  readonly name: string;
  /** Whether the optimizer updates this weight (a layer's `trainable` can freeze it too). */
  trainable: boolean;
  /** A penalty added to the loss, or undefined. */
  regularizer?: Regularizer;
  /**
   * The pruning mask (one 0/1 entry per element; see `dn.pruning`), or null: every optimizer step keeps
   * the elements where it is 0 at exactly zero.
   */
  mask: Float32Array | null = null;
  private current: Tensor;
  private changes = 0;

  constructor(name: string, value: Tensor, trainable: boolean, regularizer?: Regularizer) {
    this.name = name;
    this.current = value;
    variableOfValue.set(value, this);
    creationOrder.set(this, variablesMade++);
    this.trainable = trainable;
    if (regularizer !== undefined) this.regularizer = regularizer;
    value.requiresGrad = trainable;
  }

  /** The current value (a leaf tensor; `requiresGrad` when trainable). */
  get value(): Tensor {
    return this.current;
  }

  set value(value: Tensor) {
    this.current = value;
    this.changes++;
    variableOfValue.set(value, this);
  }

  /**
   * How many times the value has changed: `assign`, `setWeights`, a new `value` and every optimizer
   * step count. `predictAsync` reuses its copy of the weights until a version changes. Code that
   * writes into `value.storage` itself calls {@link LayerVariable.markChanged} after.
   */
  get version(): number {
    return this.changes;
  }

  /** Counts a change made by writing into the value's storage directly. */
  markChanged(): void {
    this.changes++;
  }

  /** The shape of the value. */
  get shape(): readonly number[] {
    return this.value.shape;
  }

  /** A copy of the value, outside any graph. */
  read(): Tensor {
    const source = contiguous(this.value.detach());
    const storage = allocateUninitialized(source.dtype, source.size);
    storage.set(source.storage);
    return makeTensor(storage, source.shape);
  }

  /** Copies `values` into the variable in place (so an optimizer's flat buffer sees the change). */
  assign(values: Tensor): void {
    const target = this.value;
    if (!sameShape(values.shape, target.shape)) {
      throw new ShapeError(`${this.name}: expected a value of shape ${formatShape(target.shape)}, got shape ${formatShape(values.shape)}`);
    }
    if (values.dtype !== target.dtype) {
      throw new ValueError(`${this.name}: expected a ${target.dtype} value, got ${values.dtype}`);
    }
    const source = contiguous(values.detach()).storage;
    this.changes++;
    if (target.isContiguous) {
      target.storage.set(source);
    } else {
      // Not reachable for variables made by layers (their values are contiguous); kept for safety.
      const replacement = makeTensor(source.slice(), target.shape);
      replacement.requiresGrad = target.requiresGrad;
      this.value = replacement;
    }
  }
}

/**
 * Reusable buffers for one layer, owned by a model. During a training step (or an inference batch)
 * the model hands each layer its workspace so outputs and gradients are written into buffers that
 * are reused from one step to the next instead of allocated (and page-faulted) every time. Only
 * the model passes one, and only where it knows nothing outside the step keeps the result.
 */
export class Workspace {
  private readonly buffers = new Map<string, Float32Array>();
  private readonly indexBuffers = new Map<string, Int32Array>();

  /** A Float32Array of exactly `length` elements kept under `key` (contents are left over from before). */
  floats(key: string, length: number): Float32Array {
    let buffer = this.buffers.get(key);
    if (buffer === undefined || buffer.length !== length) {
      buffer = allocateUninitialized('float32', length) as Float32Array;
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /** An Int32Array of exactly `length` elements kept under `key` (positions, such as max pooling's arg-max). */
  ints(key: string, length: number): Int32Array {
    let buffer = this.indexBuffers.get(key);
    if (buffer === undefined || buffer.length !== length) {
      buffer = allocateStorage('int32', length) as Int32Array;
      this.indexBuffers.set(key, buffer);
    }
    return buffer;
  }

  /**
   * The workspace of step `index` inside this one: a model used as a layer runs its own layers
   * with the workspaces nested in the one its caller gave it.
   */
  nested(index: number): Workspace {
    let children = this.children;
    if (children === null) children = this.children = [];
    return (children[index] ??= new Workspace());
  }

  /** Drops every buffer (the memory goes back to the garbage collector). */
  clear(): void {
    this.buffers.clear();
    this.indexBuffers.clear();
    this.children = null;
  }

  private children: Workspace[] | null = null;
}

/**
 * @internal Where {@link Layer.addWeight} takes a weight's value from instead of running the
 * initializer: set while a saved model is rebuilt, so that each weight is checked against the file
 * (name, shape, dtype) before anything is allocated for it, and made from the file's data once.
 */
export interface WeightSource {
  /** The stored value of weight `name` (`layer/weight`); throws if it is missing or differs. */
  take(name: string, shape: readonly number[], dtype: DType): Tensor;
}

let weightSource: WeightSource | null = null;

/**
 * @internal Runs `build` (which builds layers) with their weights taken from `source`. Building is
 * synchronous, so no other code can build a layer meanwhile.
 */
export function buildingFrom<T>(source: WeightSource, build: () => T): T {
  const previous = weightSource;
  weightSource = source;
  try {
    return build();
  } finally {
    weightSource = previous;
  }
}

/** What a model tells a layer for one call. */
export interface CallContext {
  /** Training mode: dropout drops, and so on. */
  training: boolean;
  /**
   * False when the layer is frozen: its own `trainable` is false, or that of a model around it
   * (absent means true). Training mode still holds (dropout still drops), but a layer that keeps
   * statistics of its inputs (batch normalization) uses its stored statistics and leaves them alone,
   * as in Keras.
   */
  trainable?: boolean;
  /** The layer's reusable buffers, or null (outputs are then freshly allocated). */
  workspace: Workspace | null;
  /**
   * Return the output before a final softmax or sigmoid: the model sets this on its output layer
   * when that activation is folded into a cross-entropy loss computed from logits.
   */
  logits: boolean;
  /** Where layers add penalties (activity regularization) to be added to the loss, or null. */
  losses: Tensor[] | null;
  /**
   * The mask of the input (`[batch, steps]` float32 of 0 and 1), one per input for a layer applied to
   * several (each possibly null), or null/absent when there is none. See the masks section of {@link Layer}.
   */
  mask?: MaskInput;
}

/** Options every layer accepts. */
export interface LayerOptions {
  /** A name unique within the model; default `<type>_<n>` such as `dense_1`. */
  name?: string;
  /** Whether the layer's weights are updated by training (default true). */
  trainable?: boolean;
  /**
   * The shape of one sample (without the batch dimension), for the first layer of a model:
   * `inputShape: [784]`; `null` for a dimension of any size (the steps of variable-length sequences:
   * `inputShape: [null, 8]`).
   */
  inputShape?: readonly (number | null)[];
  /** The input shape with the batch dimension first (`null` for any batch size): `[null, 784]`. */
  batchInputShape?: readonly (number | null)[];
}

/** The option names of {@link LayerOptions}, for validation. */
export const LAYER_OPTION_NAMES = ['name', 'trainable', 'inputShape', 'batchInputShape'] as const;

/** The serialized form of a layer: its registered class name and its getConfig(). */
export interface LayerConfig {
  className: string;
  config: Record<string, unknown>;
}

const nameCounters = new Map<string, number>();

/**
 * `Dense` → `dense`, `LeakyReLU` → `leaky_re_lu`, `Conv2D` → `conv2d`, `MaxPooling2D` → `max_pooling2d`
 * (Keras' to_snake_case: a capital starting a word of lower-case letters or digits, or following a
 * lower-case letter, starts a new word).
 */
function snakeCase(className: string): string {
  return className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The next default name for a layer or model of this class: `dense_1`, `dense_2`, ... */
export function uniqueName(className: string): string {
  const prefix = snakeCase(className);
  const count = (nameCounters.get(prefix) ?? 0) + 1;
  nameCounters.set(prefix, count);
  return `${prefix}_${count}`;
}

function checkSampleShape(where: string, name: string, value: unknown): (number | null)[] {
  if (!Array.isArray(value)) typeError(where, name, 'an array of positive integers (or null for any size)', value);
  return checkEach(arrayItems(where, name, value, MAX_RANK, 'dimensions'), (dim, i) => (dim === null ? null : checkInteger(where, `${name}[${i}]`, dim, 1, 2 ** 31 - 1)));
}

/**
 * The base class of all layers. Subclasses implement {@link Layer.call} and
 * {@link Layer.computeOutputShape}, create weights in {@link Layer.build} with
 * {@link Layer.addWeight}, and extend {@link Layer.getConfig}. `Out` is what the layer returns:
 * one tensor (the default), or an array for a layer with several outputs (`Layer<Tensor[]>`).
 */
export abstract class Layer<Out extends Tensor | Tensor[] = Tensor> {
  /** The registered class name ('Dense', 'Dropout', ...). */
  abstract readonly className: string;
  /** The layer's name (unique within a model). */
  readonly name: string;
  /** The input shape given to the layer (batch dimension first), if any. */
  readonly batchInputShape: Shape | null;
  private trainableFlag: boolean;
  private readonly variables: LayerVariable[] = [];
  private builtInputShape: Shape | Shape[] | null = null;
  /** @internal Every symbolic call of this layer, in order (see {@link Node}). */
  readonly inboundNodes: Node[] = [];

  protected constructor(where: string, options: LayerOptions, className: string) {
    this.name = options.name === undefined ? uniqueName(className) : checkLayerName(where, options.name);
    this.trainableFlag = options.trainable === undefined ? true : checkBoolean(where, 'trainable', options.trainable);
    if (options.inputShape !== undefined && options.batchInputShape !== undefined) {
      throw new ValueError(`${where}: give inputShape or batchInputShape, not both`);
    }
    if (options.inputShape !== undefined) {
      this.batchInputShape = [null, ...checkSampleShape(where, 'inputShape', options.inputShape)];
    } else if (options.batchInputShape !== undefined) {
      const shape = options.batchInputShape;
      if (!Array.isArray(shape) || shape.length < 2) typeError(where, 'batchInputShape', 'an array [batch, ...sampleShape] of at least two entries', shape);
      const batch = shape[0] === null ? null : checkInteger(where, 'batchInputShape[0]', shape[0], 1, 2 ** 31 - 1);
      this.batchInputShape = [batch, ...checkSampleShape(where, 'batchInputShape', shape.slice(1))];
    } else {
      this.batchInputShape = null;
    }
  }

  // --- weights --------------------------------------------------------------------------------

  /** Whether training updates this layer's weights. Changing it takes effect at the next `compile()`. */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    this.trainableFlag = checkBoolean(`${this.name}.trainable`, 'value', value);
  }

  /** Every weight, in creation order (kernel before bias). */
  get weights(): LayerVariable[] {
    return this.variables.slice();
  }

  /** The weights training updates (none when the layer is not trainable). */
  get trainableWeights(): LayerVariable[] {
    return this.trainableFlag ? this.weights.filter((v) => v.trainable) : [];
  }

  /** The weights training leaves alone. */
  get nonTrainableWeights(): LayerVariable[] {
    return this.trainableFlag ? this.weights.filter((v) => !v.trainable) : this.weights;
  }

  /**
   * Creates a weight from an initializer. Call it from {@link Layer.build}.
   * @param name the weight's name within the layer ('kernel', 'bias')
   */
  protected addWeight(
    name: string, shape: readonly number[], initializer: Initializer | string, options: { trainable?: boolean; regularizer?: Regularizer; dtype?: DType } = {},
  ): LayerVariable {
    const init = getInitializer(initializer);
    const value = weightSource === null ? init.apply(shape, options.dtype) : weightSource.take(`${this.name}/${name}`, shape, options.dtype ?? 'float32');
    if (!sameShape(value.shape, shape)) {
      throw new ShapeError(`${this.name}: initializer ${init.className} made shape ${formatShape(value.shape)} for ${name}, expected ${formatShape(shape)}`);
    }
    const variable = new LayerVariable(`${this.name}/${name}`, value.isContiguous ? value : contiguous(value), options.trainable ?? true, options.regularizer);
    layerOfVariable.set(variable, this);
    this.variables.push(variable);
    return variable;
  }

  /** Copies of the weights' values, in the order of {@link Layer.weights}. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.read());
  }

  /**
   * Sets the weights from tensors (or nested arrays) in the order of {@link Layer.getWeights}, with
   * the same shapes. Values are copied in place.
   */
  setWeights(weights: ReadonlyArray<Tensor | number[] | number[][]>): void {
    const where = `${this.name}.setWeights`;
    if (!Array.isArray(weights)) typeError(where, 'weights', 'an array of tensors', weights);
    this.assertBuilt(where);
    const variables = this.weights;
    if (weights.length !== variables.length) {
      throw new ValueError(
        `${where}: expected ${variables.length} weights (${variables.map((v) => `${v.name} ${formatShape(v.shape)}`).join(', ') || 'none'}), got ${weights.length}`,
      );
    }
    const tensors = weights.map((w, i) => toTensor(where, `weights[${i}]`, w));
    tensors.forEach((t, i) => {
      const v = variables[i];
      if (!sameShape(t.shape, v.shape)) {
        throw new ShapeError(`${where}: weights[${i}] (${v.name}) must have shape ${formatShape(v.shape)}, got shape ${formatShape(t.shape)}`);
      }
      checkFloat(where, `weights[${i}]`, t);
    });
    tensors.forEach((t, i) => variables[i].assign(t));
  }

  /** The number of weight elements (all weights, trainable or not). The layer must be built. */
  countParams(): number {
    this.assertBuilt(`${this.name}.countParams`);
    let total = 0;
    for (const v of this.weights) total += v.value.size;
    return total;
  }

  // --- building and calling -----------------------------------------------------------------

  /** Whether {@link Layer.build} has run. */
  get built(): boolean {
    return this.builtInputShape !== null;
  }

  /**
   * The input shape the layer was built for (batch dimension `null`; one shape per input for a
   * layer with several inputs), or null before build.
   */
  get inputShape(): Shape | Shape[] | null {
    const built = this.builtInputShape;
    if (built === null) return null;
    return isShapeList(built) ? built.map((s) => s.slice()) : built.slice();
  }

  /** The output shape for the built input shape (one per output for a layer with several), or null before build. */
  get outputShape(): Shape | Shape[] | null {
    return this.builtInputShape === null ? null : this.computeOutputShape(this.builtInputShape);
  }

  /**
   * Creates the weights for inputs of `inputShape` (batch dimension first; one shape per input for
   * a layer with several inputs). A layer is built once; building again with a compatible shape
   * does nothing, with an incompatible one is a ShapeError naming the layer and both shapes.
   * Subclasses create their weights in {@link Layer.buildWeights}.
   */
  build(inputShape: ShapeLike | readonly ShapeLike[]): void {
    const shape = withNullBatch(inputShape);
    // Validates the shape (and names the layer) before anything is created.
    this.computeOutputShape(shape);
    if (this.builtInputShape !== null) {
      this.checkInputShape(shape);
      return;
    }
    this.buildWeights(shape);
    this.builtInputShape = shape;
  }

  /** Creates the layer's weights for `inputShape`; the default creates none. */
  protected buildWeights(_inputShape: Shape | Shape[]): void {}

  /**
   * Throws a ShapeError naming this layer when inputs of `shape` (batch first) do not fit what the
   * layer was built for. The default compares every dimension but the batch.
   */
  checkInputShape(shape: ShapeLike | readonly ShapeLike[]): void {
    const built = this.builtInputShape;
    if (built === null) return;
    if (!shapesFit(built, shape)) {
      throw new ShapeError(`${this.name}: expected input with shape ${formatLayerShape(built)}, got shape ${formatLayerShape(shape)}`);
    }
  }

  // --- masks --------------------------------------------------------------------------------

  /**
   * Whether the layer's outputs carry a mask: what {@link Layer.computeMask} returns. False by default
   * (the layer drops any mask it is given); layers that keep the time axis and pass the mask on
   * (dense, dropout, activation) and layers that make or transform masks return true.
   */
  get supportsMasking(): boolean {
    return false;
  }

  /**
   * The mask of the layer's outputs, given its inputs and their mask (asked only when
   * {@link Layer.supportsMasking}): by default the input mask unchanged. A layer that makes a mask
   * (embedding with `maskZero`) computes it from the inputs; one with several outputs returns one
   * mask (or null) per output.
   */
  computeMask(_inputs: Tensor | Tensor[], mask: MaskInput): MaskOutput {
    return Array.isArray(mask) ? null : (mask as Tensor | null);
  }

  /**
   * The output shape for inputs of `inputShape` (batch first; one shape per input for a layer with
   * several inputs, and one per output for a layer with several outputs); a ShapeError names the
   * layer if they do not fit.
   */
  abstract computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[];

  /**
   * The layer's computation, with autograd: one tensor in and out for most layers (`call(x:
   * Tensor, context): Tensor`), an array in for a layer applied to several inputs. The inputs have
   * already been checked against the built input shape. Use {@link Layer.apply} to call a layer yourself.
   */
  abstract call(inputs: Tensor | Tensor[], context: CallContext): Out;

  /**
   * Applies the layer.
   *
   * To a batch (a tensor, or an array of tensors for a layer with several inputs): builds it on
   * first use, checks the input shape, computes, and records gradients (unless inside `dn.noGrad`).
   * To symbolic tensors (from `dn.input` or other layers applied to them): builds the layer for
   * their shapes and returns symbolic outputs, recording the call in the graph `dn.model` reads. A
   * shape that does not fit is a ShapeError naming the layer and both shapes. A layer applied twice
   * uses the same weights both times.
   *
   * ```ts
   * const layer = dn.layers.dense({ units: 3 });
   * const y = layer.apply(dn.randn([8, 4]));      // shape [8, 3]
   * const input = dn.input({ shape: [4] });
   * const hidden = layer.apply(input);             // a symbolic tensor of shape [null, 3]
   * ```
   * @param options `training: true` for training behaviour (dropout); default false
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[], options?: ApplyOptions): SymbolicOutput<Out>;
  apply(inputs: TensorLike | readonly Tensor[], options?: ApplyOptions): Out;
  apply(inputs: unknown, options: ApplyOptions = {}): unknown {
    const where = `${this.name}.apply`;
    const o = checkApplyOptions(where, options);
    const symbolic = symbolicInputs(where, inputs);
    if (symbolic !== null) {
      if (o.mask !== undefined) throw new ValueError(`${where}: a mask cannot be given to symbolic inputs; in a model, masks come from the layers that make them (embedding with maskZero, masking)`);
      return this.applySymbolic(symbolic, Array.isArray(inputs));
    }
    const input = isTensorList(inputs) ? inputs.slice() : toTensor(where, 'x', inputs);
    const mask = o.mask === undefined ? attachedMask(input) : checkMask(where, o.mask, input);
    this.prepareInput(input);
    const output = this.call(input, { training: o.training, trainable: this.trainable, workspace: null, logits: false, losses: null, mask });
    if (this.supportsMasking) attachMasks(output, this.computeMask(input, mask));
    return output;
  }

  /** Builds the layer for symbolic inputs and records the call as a node; returns its symbolic outputs. */
  private applySymbolic(inputs: readonly SymbolicTensor[], list: boolean): SymbolicTensor | SymbolicTensor[] {
    for (const t of inputs) if (!this.acceptsInputDType(t.dtype)) dtypeError(this.name, `the input ${t.name}`, 'float32', t.dtype);
    const shapes = list ? inputs.map((t) => t.shape) : inputs[0].shape;
    if (!this.built) {
      if (!list && this.batchInputShape !== null) this.checkDeclaredShape(inputs[0].shape);
      this.build(shapes);
    } else {
      this.checkInputShape(shapes);
    }
    const node = new Node(this, inputs, list, this.computeOutputShape(shapes));
    return node.outputs.length === 1 && !node.listOutput ? node.outputs[0] : node.outputs.slice();
  }

  /**
   * Whether the layer takes inputs of `dtype`: float32 only, except for layers that read integers
   * (embedding takes int32 token ids too).
   */
  acceptsInputDType(dtype: DType): boolean {
    return dtype === 'float32';
  }

  /** Builds on first use and checks the inputs' shapes and dtypes; throws naming the layer. */
  prepareInput(input: Tensor | readonly Tensor[]): void {
    const tensors = input instanceof Tensor ? [input] : input;
    for (const t of tensors) {
      if (t.rank < 1) throw new ShapeError(`${this.name}: expected input with a batch dimension, got a rank-0 tensor`);
      if (!this.acceptsInputDType(t.dtype)) dtypeError(this.name, 'the input', 'float32', t.dtype, `convert it with .cast('float32')`);
    }
    const shape = input instanceof Tensor ? input.shape : input.map((t) => t.shape);
    if (!this.built) {
      // Validate against the declared input shape before building from the data.
      if (this.batchInputShape !== null && input instanceof Tensor) this.checkDeclaredShape(input.shape);
      this.build(shape);
    }
    this.checkInputShape(shape);
  }

  private checkDeclaredShape(shape: ShapeLike): void {
    const declared = this.batchInputShape!;
    let ok = shape.length === declared.length;
    for (let i = 1; ok && i < declared.length; i++) if (shape[i] !== null && declared[i] !== null && declared[i] !== shape[i]) ok = false;
    if (!ok) throw new ShapeError(`${this.name}: expected input with shape ${formatLayerShape([null, ...declared.slice(1)])}, got shape ${formatLayerShape(shape)}`);
  }

  /** Throws a ValueError naming the layer unless it is built. */
  protected assertBuilt(where: string): void {
    if (!this.built) {
      throw new ValueError(
        `${where}: the layer is not built yet (it creates its weights once it knows its input shape): add it to a model whose first layer has an inputShape, or call it on data first`,
      );
    }
  }

  // --- serialization --------------------------------------------------------------------------

  /**
   * The options that rebuild this layer (plain JSON), as in Keras: `name`, `trainable`, the
   * `batchInputShape` if one was given, and the layer's own options.
   */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainableFlag };
    if (this.batchInputShape !== null) config.batchInputShape = this.batchInputShape.slice();
    return config;
  }

  /** A readable description for console.log. */
  toString(): string {
    const shape = this.built ? ` ${formatLayerShape(this.inputShape!)} -> ${formatLayerShape(this.outputShape!)}` : '';
    return `${this.className}(${this.name}${shape})`;
  }
}

function checkLayerName(where: string, value: unknown): string {
  const name = checkString(where, 'name', value);
  if (name.length === 0 || /[/\s]/.test(name)) valueError(where, 'name', 'a non-empty name without spaces or "/"', name);
  return name;
}

/** What `apply` returns for symbolic inputs: one symbolic tensor, or an array for a layer that returns an array. */
export type SymbolicOutput<Out extends Tensor | Tensor[]> = Out extends Tensor[] ? SymbolicTensor[] : SymbolicTensor;

/** A layer of any kind: one output or several (what a model's list of layers holds). */
export type AnyLayer = Layer<Tensor | Tensor[]>;

/** Options of `layer.apply`. */
export interface ApplyOptions {
  /** Training behaviour (dropout drops). Default false. */
  training?: boolean;
  /**
   * The input's mask (`[batch, steps]`, nonzero for real data), or one per input (or null) for a layer
   * applied to several; by default the mask attached to the input by the layer that made it.
   */
  mask?: TensorLike | null | readonly (TensorLike | null)[];
}

function checkApplyOptions(where: string, options: unknown): { training: boolean; mask: unknown } {
  const o = checkOptions<ApplyOptions>(where, options, ['training', 'mask']);
  return { training: o.training === undefined ? false : checkBoolean(where, 'training', o.training), mask: o.mask };
}

/** The masks attached to the inputs (see {@link getMask}): one, or one per input (null when none has any). */
function attachedMask(input: Tensor | Tensor[]): MaskInput {
  if (input instanceof Tensor) return getMask(input);
  const masks = input.map((t) => getMask(t));
  return masks.some((m) => m !== null) ? masks : null;
}

/** A mask given to `apply` as float32 0/1 tensors (nonzero counts as 1), one per input for a list. */
function checkMask(where: string, value: unknown, input: Tensor | Tensor[]): MaskInput {
  const one = (v: unknown, name: string): Tensor | null => {
    if (v === null) return null;
    const t = toTensor(where, name, v);
    const source = contiguous(t.detach()).storage;
    const values = allocateUninitialized('float32', t.size);
    for (let i = 0; i < values.length; i++) values[i] = source[i] !== 0 ? 1 : 0;
    return makeTensor(values, t.shape);
  };
  if (input instanceof Tensor) return one(value, 'mask');
  const masks = Array.isArray(value) ? arrayItems(where, 'mask', value, input.length, 'masks (one per input)') : null;
  if (masks === null || masks.length !== input.length) {
    typeError(where, 'mask', `an array of ${input.length} masks (or null), one per input`, value);
  }
  return checkEach(masks, (v, i) => one(v, `mask[${i}]`));
}

/** Attaches each output's mask to it (see {@link getMask}). */
export function attachMasks(output: Tensor | Tensor[], masks: MaskOutput): void {
  if (output instanceof Tensor) {
    setMask(output, Array.isArray(masks) ? masks[0] ?? null : masks);
    return;
  }
  output.forEach((t, i) => setMask(t, Array.isArray(masks) ? masks[i] ?? null : i === 0 ? masks : null));
}

/** Whether `value` is a non-empty array of tensors (the inputs of a layer with several inputs). */
export function isTensorList(value: unknown): value is Tensor[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const item of value) if (!(item instanceof Tensor)) return false;
  return true;
}

/** The shape (or shapes) with the batch dimension replaced by null. */
function withNullBatch(shape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
  if (isShapeList(shape)) return shape.map((s) => [null, ...s.slice(1)]);
  return [null, ...shape.slice(1)];
}

/**
 * Whether inputs of `shape` fit a layer built for `built`: the same number of inputs, each of the
 * same rank, and every dimension but the batch equal where both are known.
 */
export function shapesFit(built: ShapeLike | readonly ShapeLike[], shape: ShapeLike | readonly ShapeLike[]): boolean {
  const builtList = isShapeList(built);
  if (builtList !== isShapeList(shape)) return false;
  if (builtList) {
    const shapes = shape as readonly ShapeLike[];
    return built.length === shapes.length && built.every((b, i) => shapesFit(b, shapes[i]));
  }
  const one = shape as ShapeLike;
  if (one.length !== built.length) return false;
  for (let i = 1; i < built.length; i++) {
    const b = (built as ShapeLike)[i];
    if (b !== null && one[i] !== null && b !== one[i]) return false;
  }
  return true;
}

/** @internal The elements per sample of a shape with a null batch dimension (null if any other dimension is unknown). */
export function sampleSize(shape: readonly (number | null)[]): number | null {
  let size = 1;
  for (let i = 1; i < shape.length; i++) {
    const d = shape[i];
    if (d === null) return null;
    size *= d;
  }
  return size;
}
