/**
 * Sequential: a model that is a stack of layers, each feeding the next — the one-path case of the
 * graph executor (its program: layer i reads what layer i - 1 wrote).
 *
 * Shapes are inferred from the first layer's `inputShape`: each added layer is built for the
 * previous layer's output shape, so a layer that does not fit is reported when it is added, naming
 * the layer and both shapes. Without an `inputShape`, the model builds on the first data it sees.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkObject, checkOptions, checkString, formatShape, typeError } from '../validate.js';
import { formatLayerShape, isShapeList, Layer, shapesFit, type Shape, type ShapeLike } from '../layers/layer.js';
import { deserializeLayer, registerLayer, serializeLayer } from '../layers/registry.js';
import { Model } from './training.js';
import { linearProgram, type Program } from './program.js';

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** The layers, first to last (more can be added with `add`). */
  layers?: Layer[];
  /** The model's name. Default `sequential_<n>`. */
  name?: string;
}

/** A stack of layers. Create one with `dn.sequential({ layers })`. */
export class Sequential extends Model<Tensor> {
  readonly className = 'Sequential';
  private readonly stack: Layer[] = [];
  private names: { inputs: readonly string[]; outputs: readonly string[] } | null = null;

  constructor(options: SequentialOptions = {}) {
    const where = 'sequential';
    const o = checkOptions<SequentialOptions>(where, options, ['layers', 'name']);
    super(where, o.name === undefined ? undefined : checkString(where, 'name', o.name), 'Sequential');
    if (o.layers !== undefined) {
      if (!Array.isArray(o.layers)) typeError(where, 'layers', 'an array of layers', o.layers);
      for (const layer of o.layers) this.add(layer);
    }
  }

  override get layers(): Layer[] {
    return this.stack.slice();
  }

  override get built(): boolean {
    return this.stack.length > 0 && this.stack.every((layer) => layer.built);
  }

  override get inputShape(): Shape | null {
    return this.built ? (this.stack[0].inputShape as Shape) : null;
  }

  override get outputShape(): Shape | null {
    return this.built ? (this.stack[this.stack.length - 1].outputShape as Shape) : null;
  }

  /** One input, named after the first layer (`dense_1_input`, as TensorFlow.js names it). */
  override get inputNames(): readonly string[] {
    return (this.names ??= this.namesNow()).inputs;
  }

  /** One output, named after the last layer. */
  override get outputNames(): readonly string[] {
    return (this.names ??= this.namesNow()).outputs;
  }

  /** The names for the current stack (kept until layers are added or removed). */
  private namesNow(): { inputs: readonly string[]; outputs: readonly string[] } {
    const stack = this.stack;
    return {
      inputs: Object.freeze([stack.length === 0 ? 'input' : `${stack[0].name}_input`]),
      outputs: Object.freeze([stack.length === 0 ? 'output' : stack[stack.length - 1].name]),
    };
  }

  protected override layersChanged(): void {
    super.layersChanged();
    this.names = null;
  }

  override get returnsList(): boolean {
    return false;
  }

  /**
   * Adds a layer on top. If the model's shapes are known, the layer is built for the previous
   * layer's output right away, and a ShapeError names the layer and both shapes if it does not fit.
   */
  add(layer: Layer): void {
    const where = `${this.name}.add`;
    if (!(layer instanceof Layer)) typeError(where, 'layer', 'a layer (e.g. dn.layers.dense({ units: 8 }))', layer);
    if (this.stack.includes(layer)) throw new ValueError(`${where}: layer '${layer.name}' is already in the model`);
    if (this.stack.some((l) => l.name === layer.name)) {
      throw new ValueError(`${where}: the model already has a layer named '${layer.name}'; layer names must be unique`);
    }
    if (this.stack.length === 0) {
      if (layer.batchInputShape !== null) layer.build(layer.batchInputShape);
    } else {
      const previous = this.stack[this.stack.length - 1];
      if (previous.built) {
        const shape = previous.outputShape!;
        if (isShapeList(shape)) throw new ValueError(`${where}: ${previous.name} has several outputs; a Sequential model needs one tensor between layers (use dn.model for graphs)`);
        if (layer.batchInputShape !== null && !shapesFit(layer.batchInputShape, shape)) {
          throw new ShapeError(`${layer.name}: expected input with shape ${formatLayerShape(layer.batchInputShape)}, got shape ${formatLayerShape(shape)} from ${previous.name}`);
        }
        layer.build(shape);
      }
    }
    this.stack.push(layer);
    this.layersChanged();
  }

  /** Removes the top layer and returns it. */
  pop(): Layer {
    const layer = this.stack.pop();
    if (layer === undefined) throw new ValueError(`${this.name}.pop: the model has no layers`);
    this.layersChanged();
    return layer;
  }

  override build(inputShape: ShapeLike): void {
    const where = `${this.name}.build`;
    if (!Array.isArray(inputShape) || inputShape.length < 1 || isShapeList(inputShape as ShapeLike | readonly ShapeLike[])) typeError(where, 'inputShape', 'a shape [batch, ...sampleShape]', inputShape);
    if (this.stack.length === 0) throw new ValueError(`${where}: the model has no layers`);
    let shape: Shape = [null, ...inputShape.slice(1)];
    for (const layer of this.stack) {
      layer.build(shape);
      shape = layer.computeOutputShape(shape) as Shape;
    }
    this.layersChanged();
  }

  override computeOutputShape(inputShape: ShapeLike): Shape {
    if (this.stack.length === 0) throw new ValueError(`${this.name}: the model has no layers`);
    let shape: Shape = inputShape.slice();
    for (const layer of this.stack) shape = layer.computeOutputShape(shape) as Shape;
    return shape;
  }

  override checkInputs(where: string, labels: readonly string[], inputs: readonly Tensor[]): void {
    const t = inputs[0];
    if (this.stack.length === 0) throw new ValueError(`${where}: the model has no layers`);
    // The first layer's dtype: float32, or int32 for a layer that reads integers (embedding's token ids).
    this.checkInputTensor(where, labels[0], t, t.dtype === 'int32' && this.stack[0].acceptsInputDType('int32') ? 'int32' : 'float32');
    if (!this.built) this.build([null, ...t.shape.slice(1)]);
    const first = this.stack[0];
    first.checkInputShape(t.shape);
    const declared = first.batchInputShape;
    if (declared !== null && !shapesFit(declared, t.shape)) {
      throw new ShapeError(`${first.name}: expected input with shape ${formatLayerShape([null, ...declared.slice(1)])}, got shape ${formatShape(t.shape)}`);
    }
  }

  protected override buildProgram(): Program {
    return linearProgram(this.stack);
  }

  /** `{ name, layers: [{ className, config }, ...] }`: what rebuilds the architecture (weights aside). */
  override getConfig(): Record<string, unknown> {
    return { name: this.name, layers: this.stack.map((layer) => serializeLayer(layer)) };
  }

  /** Rebuilds a model from {@link Sequential.getConfig}'s output, through the layer registry. */
  static fromConfig(config: Record<string, unknown>): Sequential {
    const where = 'Sequential.fromConfig';
    checkObject(where, 'config', config);
    if (!Array.isArray(config.layers)) typeError(where, 'config.layers', 'an array of layer configs', config.layers);
    const layers = config.layers.map((layerConfig) => deserializeLayer(layerConfig) as Layer);
    return new Sequential({ layers, ...(typeof config.name === 'string' ? { name: config.name } : {}) });
  }

  override toString(): string {
    return `Sequential(${this.name}: ${this.stack.map((l) => l.name).join(' -> ')})`;
  }
}

/**
 * A model that is a stack of layers.
 * ```ts
 * const model = dn.sequential({ layers: [
 *   dn.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }),
 *   dn.layers.dense({ units: 3, activation: 'softmax' }),
 * ] });
 * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export function sequential(options?: SequentialOptions): Sequential {
  return new Sequential(options);
}

registerLayer('Sequential', Sequential);
