/**
 * Sequential: a model that is a stack of layers, each feeding the next.
 *
 * Shapes are inferred from the first layer's `inputShape`: each added layer is built for the
 * previous layer's output shape, so a layer that does not fit is reported when it is added, naming
 * the layer and both shapes. Without an `inputShape`, the model builds on the first data it sees.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkObject, checkOptions, checkString, formatShape, typeError, valueError } from '../validate.js';
import type { Activation } from '../activations.js';
import { formatLayerShape, Layer, uniqueName, Workspace, type Shape } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { ActivationLayer } from '../layers/activation.js';
import { deserializeLayer, serializeLayer } from '../layers/registry.js';
import { Model, type ForwardOptions } from './training.js';
import { inferencePlan, type InferencePlan } from './plan.js';

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /** The layers, first to last (more can be added with `add`). */
  layers?: Layer[];
  /** The model's name. Default `sequential_<n>`. */
  name?: string;
}

/** A stack of layers. Create one with `dn.sequential({ layers })`. */
export class Sequential extends Model {
  readonly className = 'Sequential';
  private readonly stack: Layer[] = [];

  constructor(options: SequentialOptions = {}) {
    const where = 'sequential';
    const o = checkOptions<SequentialOptions>(where, options, ['layers', 'name']);
    super(o.name === undefined ? uniqueName('Sequential') : checkString(where, 'name', o.name));
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
    return this.built ? this.stack[0].inputShape : null;
  }

  override get outputShape(): Shape | null {
    return this.built ? this.stack[this.stack.length - 1].outputShape : null;
  }

  /** The layer with this name, or at this index. */
  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const layer = this.stack[nameOrIndex];
      if (!Number.isInteger(nameOrIndex) || layer === undefined) valueError('getLayer', 'index', `an integer from 0 to ${this.stack.length - 1}`, nameOrIndex);
      return layer;
    }
    const name = checkString('getLayer', 'name', nameOrIndex);
    const layer = this.stack.find((l) => l.name === name);
    if (layer === undefined) throw new ValueError(`getLayer: no layer named '${name}'; layers: ${this.stack.map((l) => l.name).join(', ') || 'none'}`);
    return layer;
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
        if (layer.batchInputShape !== null && !fits(layer.batchInputShape, shape)) {
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

  override build(inputShape: readonly (number | null)[]): void {
    const where = `${this.name}.build`;
    if (!Array.isArray(inputShape) || inputShape.length < 1) typeError(where, 'inputShape', 'a shape [batch, ...sampleShape]', inputShape);
    if (this.stack.length === 0) throw new ValueError(`${where}: the model has no layers`);
    let shape: Shape = [null, ...inputShape.slice(1)];
    for (const layer of this.stack) {
      layer.build(shape);
      shape = layer.computeOutputShape(shape);
    }
    this.layersChanged();
  }

  protected override checkInput(shape: readonly number[]): void {
    const first = this.stack[0];
    first.checkInputShape(shape);
    const declared = first.batchInputShape;
    if (declared !== null && !fits(declared, [null, ...shape.slice(1)])) {
      throw new ShapeError(`${first.name}: expected input with shape ${formatLayerShape([null, ...declared.slice(1)])}, got shape ${formatShape(shape)}`);
    }
  }

  /** @internal */
  protected override forward(x: Tensor, options: ForwardOptions): Tensor {
    const layers = this.stack;
    const last = layers.length - 1;
    const workspaces = options.workspaces;
    let h = x;
    for (let i = 0; i <= last; i++) {
      let workspace: Workspace | null = null;
      if (workspaces !== null) workspace = workspaces[i] ??= new Workspace();
      h = layers[i].call(h, { training: options.training, workspace, logits: options.logits && i === last, losses: options.losses });
    }
    return h;
  }

  protected override inferencePlan(sampleShape: readonly number[]): InferencePlan | null {
    return inferencePlan(this.stack, sampleShape);
  }

  /** @internal */
  protected override outputActivation(): Activation | null {
    const last = this.stack[this.stack.length - 1];
    // An activity penalty on the output must see the activation's output, so it is not folded away.
    if (last instanceof Dense) return last.activityRegularizer === null ? last.activation : null;
    if (last instanceof ActivationLayer) return last.activation;
    return null;
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
    const layers = config.layers.map((layerConfig) => deserializeLayer(layerConfig));
    return new Sequential({ layers, ...(typeof config.name === 'string' ? { name: config.name } : {}) });
  }

  override toString(): string {
    return `Sequential(${this.name}: ${this.stack.map((l) => l.name).join(' -> ')})`;
  }
}

/** Whether a declared shape (batch first) accepts `shape`: equal ranks, equal known dimensions but the batch. */
function fits(declared: readonly (number | null)[], shape: readonly (number | null)[]): boolean {
  if (declared.length !== shape.length) return false;
  for (let i = 1; i < declared.length; i++) {
    if (declared[i] !== null && shape[i] !== null && declared[i] !== shape[i]) return false;
  }
  return true;
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
