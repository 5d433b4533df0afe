/**
 * Bidirectional wrapper (Keras `Bidirectional`): runs a recurrent layer over the sequence forwards and a
 * copy of it backwards, and merges their outputs ('concat' by default, 'sum', 'mul', 'ave', or null for
 * both as a list). The copies are made from the wrapped layer's config, named `forward_<name>` and
 * `backward_<name>` (the backward one with `goBackwards` flipped); their weights are the wrapper's,
 * forward first. With returnSequences the backward outputs are reversed back into input order, and
 * masked steps output 0 on both sides (Keras sets zeroOutputForMask to returnSequences).
 */
import { ShapeError, ValueError } from '../errors.js';
import { makeTensor, Tensor } from '../tensor.js';
import { add, div, mul } from '../ops/elementwise.js';
import { concat, gather } from '../ops/shape.js';
import { checkChoice, checkObject, checkOptions, typeError } from '../validate.js';
import {
  isShapeList, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type MaskInput, type MaskOutput, type Shape,
  type ShapeLike,
} from './layer.js';
import { deserializeLayer, registerLayer, serializeLayer } from './registry.js';
import { RNN } from './recurrent/rnn.js';

/** How the two directions' outputs are merged. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;
const MERGE_MODES: readonly Exclude<MergeMode, null>[] = ['concat', 'sum', 'mul', 'ave'];

/** Options of {@link bidirectional}. */
export interface BidirectionalOptions extends LayerOptions {
  /** The recurrent layer to run both ways (its config is copied; the object itself is not used). Required. */
  layer: RNN<Tensor | Tensor[]>;
  /** 'concat' (default), 'sum', 'mul', 'ave', or null to return both outputs as a list. */
  mergeMode?: MergeMode;
  /** A layer to run backwards instead of a copy of `layer` (it must have goBackwards true and the same settings). */
  backwardLayer?: RNN<Tensor | Tensor[]>;
}

function copyOf(layer: RNN<Tensor | Tensor[]>, name: string, changes: Record<string, unknown>): RNN<Tensor | Tensor[]> {
  const { className, config } = serializeLayer(layer);
  return deserializeLayer({ className, config: { ...config, ...changes, name } }) as unknown as RNN<Tensor | Tensor[]>;
}

/** A recurrent layer run both ways. Create one with `dn.layers.bidirectional({ layer })`. */
export class Bidirectional<Out extends Tensor | Tensor[] = Tensor> extends Layer<Out> {
  readonly className = 'Bidirectional';
  readonly forwardLayer: RNN<Tensor | Tensor[]>;
  readonly backwardLayer: RNN<Tensor | Tensor[]>;
  readonly mergeMode: MergeMode;
  /** The wrapped layer's config (what getConfig saves). */
  private readonly layerConfig: Record<string, unknown>;
  private readonly customBackward: Record<string, unknown> | null;

  constructor(options: BidirectionalOptions) {
    const where = 'bidirectional';
    const o = checkOptions<BidirectionalOptions>(where, options, [...LAYER_OPTION_NAMES, 'layer', 'mergeMode', 'backwardLayer']);
    if (!(o.layer instanceof RNN)) typeError(where, 'layer', 'a recurrent layer (dn.layers.lstm, gru or simpleRNN)', o.layer);
    const layer = o.layer;
    const base: LayerOptions = { name: o.name, trainable: o.trainable, inputShape: o.inputShape, batchInputShape: o.batchInputShape };
    if (base.inputShape === undefined && base.batchInputShape === undefined && layer.batchInputShape !== null) base.batchInputShape = layer.batchInputShape;
    super(where, base, 'Bidirectional');
    this.mergeMode = o.mergeMode === undefined ? 'concat' : o.mergeMode === null ? null : checkChoice(where, 'mergeMode', o.mergeMode, MERGE_MODES);
    this.layerConfig = serializeLayer(layer) as unknown as Record<string, unknown>;
    const zero = { zeroOutputForMask: layer.returnSequences, inputShape: null, batchInputShape: null };
    this.forwardLayer = copyOf(layer, `forward_${layer.name.replace(/^forward_/, '')}`, zero);
    if (o.backwardLayer === undefined) {
      this.backwardLayer = copyOf(layer, `backward_${layer.name.replace(/^backward_/, '')}`, { ...zero, goBackwards: !layer.goBackwards });
      this.customBackward = null;
    } else {
      const backward = o.backwardLayer;
      if (!(backward instanceof RNN)) typeError(where, 'backwardLayer', 'a recurrent layer', backward);
      if (backward.goBackwards === layer.goBackwards) {
        throw new ValueError(`${where}: backwardLayer must have the opposite goBackwards of layer (both are ${layer.goBackwards})`);
      }
      for (const key of ['returnSequences', 'returnState'] as const) {
        if (backward[key] !== layer[key]) throw new ValueError(`${where}: backwardLayer must have the same ${key} as layer (${layer[key]}), got ${backward[key]}`);
      }
      this.customBackward = serializeLayer(backward) as unknown as Record<string, unknown>;
      this.backwardLayer = copyOf(backward, backward.name, zero);
    }
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  // --- weights: the two layers' ------------------------------------------------------------

  override get weights(): LayerVariable[] {
    return [...this.forwardLayer.weights, ...this.backwardLayer.weights];
  }

  override get trainableWeights(): LayerVariable[] {
    return this.trainable ? [...this.forwardLayer.trainableWeights, ...this.backwardLayer.trainableWeights] : [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.trainable ? [...this.forwardLayer.nonTrainableWeights, ...this.backwardLayer.nonTrainableWeights] : this.weights;
  }

  /** Each direction's input: the sequence, with half the initial states each (forward's first). */
  private split<T>(inputs: T | readonly T[], list: boolean): [T | T[], T | T[]] {
    if (!list) return [inputs as T, inputs as T];
    const states = (inputs as readonly T[]).slice(1);
    if (states.length % 2 !== 0) {
      throw new ShapeError(`${this.name}: expected an even number of initial states (the forward layer's, then the backward layer's), got ${states.length}`);
    }
    const half = states.length / 2;
    const first = (inputs as readonly T[])[0];
    return [[first, ...states.slice(0, half)], [first, ...states.slice(half)]];
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
    const [forwardShape, backwardShape] = this.split<ShapeLike>(inputShape as readonly ShapeLike[], isShapeList(inputShape));
    const forward = this.forwardLayer.computeOutputShape(forwardShape as never);
    this.backwardLayer.computeOutputShape(backwardShape as never);
    const returnState = this.returnState;
    const output = (returnState ? (forward as Shape[])[0] : forward) as Shape;
    const states = returnState ? (forward as Shape[]).slice(1) : [];
    let merged: Shape[];
    if (this.mergeMode === null) merged = [output, output.slice()];
    else if (this.mergeMode === 'concat') merged = [[...output.slice(0, -1), (output[output.length - 1] as number) * 2]];
    else merged = [output];
    if (!returnState) return merged.length === 1 ? merged[0] : merged;
    return [...merged, ...states, ...states.map((s) => s.slice())];
  }

  override build(inputShape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(inputShape);
    super.build(isShapeList(inputShape) ? inputShape[0] : inputShape);
  }

  override checkInputShape(shape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(shape);
    super.checkInputShape(isShapeList(shape) ? shape[0] : shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    this.forwardLayer.build(inputShape);
    this.backwardLayer.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], context: CallContext): Out {
    const [forwardInput, backwardInput] = this.split<Tensor>(inputs, Array.isArray(inputs));
    const contextMask = context.mask ?? null;
    const mask = Array.isArray(contextMask) ? contextMask[0] ?? null : (contextMask as Tensor | null);
    const workspace = context.workspace;
    const run = (layer: RNN<Tensor | Tensor[]>, input: Tensor | Tensor[], index: number): Tensor[] => {
      const masks = Array.isArray(input) ? [mask, ...input.slice(1).map(() => null)] : mask;
      const result = layer.call(input, { ...context, workspace: workspace === null ? null : workspace.nested(index), mask: masks });
      return Array.isArray(result) ? result : [result];
    };
    const forward = run(this.forwardLayer, forwardInput, 0);
    const backward = run(this.backwardLayer, backwardInput, 1);
    let y = forward[0];
    let yReverse = backward[0];
    if (this.returnSequences) {
      // The backward layer's outputs come last step first: put them back in input order.
      const steps = yReverse.shape[1];
      const order = new Int32Array(steps);
      for (let t = 0; t < steps; t++) order[t] = steps - 1 - t;
      yReverse = gather(yReverse, makeTensor(order, [steps]), 1);
    }
    let outputs: Tensor[];
    switch (this.mergeMode) {
      case 'concat': outputs = [concat([y, yReverse], -1)]; break;
      case 'sum': outputs = [add(y, yReverse)]; break;
      case 'mul': outputs = [mul(y, yReverse)]; break;
      case 'ave': outputs = [div(add(y, yReverse), 2)]; break;
      default: outputs = [y, yReverse];
    }
    if (this.returnState) outputs = [...outputs, ...forward.slice(1), ...backward.slice(1)];
    y = outputs[0];
    return (outputs.length === 1 ? y : outputs) as Out;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  /** Keras' rule: the sequence output(s) keep the input's mask; the last output and the states carry none. */
  override computeMask(_inputs: Tensor | Tensor[], mask: MaskInput): MaskOutput {
    const first = Array.isArray(mask) ? mask[0] ?? null : (mask as Tensor | null);
    const output = this.returnSequences ? first : null;
    const outputs: (Tensor | null)[] = this.mergeMode === null ? [output, output] : [output];
    if (this.returnState) outputs.push(...Array.from({ length: 2 * this.forwardLayer.stateCount }, () => null));
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { ...super.getConfig(), layer: this.layerConfig, mergeMode: this.mergeMode };
    if (this.customBackward !== null) config.backwardLayer = this.customBackward;
    return config;
  }

  /** Rebuilds a Bidirectional wrapper from {@link Bidirectional.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): Bidirectional<Tensor | Tensor[]> {
    const where = 'Bidirectional.fromConfig';
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null || key === 'mergeMode') options[key] = value;
    options.layer = deserializeLayer(checkObject(where, 'layer', config.layer));
    if (config.backwardLayer !== undefined && config.backwardLayer !== null) options.backwardLayer = deserializeLayer(checkObject(where, 'backwardLayer', config.backwardLayer));
    return new Bidirectional(options as unknown as BidirectionalOptions);
  }

  /** @internal Both layers' dropout generators (forward's state, then backward's). */
  getRandomState(): number[] {
    return [...this.forwardLayer.getRandomState(), ...this.backwardLayer.getRandomState()];
  }

  /** @internal Restores {@link Bidirectional.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    const half = state.length / 2;
    this.forwardLayer.setRandomState(state.slice(0, half));
    this.backwardLayer.setRandomState(state.slice(half));
  }
}

/**
 * A recurrent layer run forwards and backwards over the sequence, its two outputs merged (Keras
 * `Bidirectional`).
 * ```ts
 * dn.layers.bidirectional({ layer: dn.layers.lstm({ units: 32 }), mergeMode: 'concat' });   // 64 features out
 * ```
 * With mergeMode null, or a layer with returnState, it returns a list: the outputs, then the forward
 * layer's states, then the backward layer's.
 */
export function bidirectional(options: BidirectionalOptions & { mergeMode: null }): Bidirectional<Tensor[]>;
export function bidirectional(options: BidirectionalOptions & { layer: RNN<Tensor[]> }): Bidirectional<Tensor[]>;
export function bidirectional(options: BidirectionalOptions): Bidirectional;
export function bidirectional(options: BidirectionalOptions): Bidirectional<Tensor | Tensor[]> {
  return new Bidirectional(options);
}

registerLayer('Bidirectional', Bidirectional);
