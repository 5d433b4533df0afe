/**
 * What the Transformer encoder and decoder blocks share (KerasHub's `TransformerEncoder` and
 * `TransformerDecoder`): their options, the attention sublayers with their layer norm and dropout, the
 * feedforward network (Dense(intermediateDim, activation), Dense(hidden)), and the residual connections
 * with post-norm (Keras' default: `norm(x + f(x))`) or pre-norm (`normalizeFirst`: `x + f(norm(x))`, as
 * GPT-2). The blocks are composites: their weights are their sublayers', named `<block>_<part>` so a
 * saved model loads them back by name, in KerasHub's order.
 */
import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add } from '../../ops/elementwise.js';
import { checkInteger, checkNumber, checkOptions, checkBoolean } from '../../validate.js';
import { serializeActivation, getActivation, type ActivationIdentifier } from '../../activations.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { Dense } from '../dense.js';
import { Dropout } from '../dropout.js';
import { LayerNormalization } from '../layerNormalization.js';
import {
  Layer, LAYER_OPTION_NAMES, type AnyLayer, type CallContext, type LayerOptions, type LayerVariable, type MaskInput, type MaskOutput, type Shape,
} from '../layer.js';
import { MultiHeadAttention } from './multiHeadAttention.js';

/** Options of {@link transformerEncoder} and {@link transformerDecoder} (KerasHub's, camelCased). */
export interface TransformerBlockOptions extends LayerOptions {
  /** The hidden size of the feedforward network. Required. */
  intermediateDim: number;
  /** The number of attention heads (each of size features / numHeads). Required. */
  numHeads: number;
  /** Dropout after attention and after the feedforward network, and of the attention weights. Default 0. */
  dropout?: number;
  /** The feedforward network's activation. Default 'relu'. */
  activation?: ActivationIdentifier;
  /** The layer norms' epsilon. Default 1e-5 (KerasHub's). */
  layerNormEpsilon?: number;
  /** Initializer of every kernel. Default 'glorotUniform'. */
  kernelInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of every bias. Default 'zeros'. */
  biasInitializer?: string | Initializer | InitializerConfig;
  /** Pre-norm (normalize before each sublayer, as GPT-2) instead of post-norm (Keras' default). Default false. */
  normalizeFirst?: boolean;
  /** Seed of the block's dropout generators, for reproducible dropout. */
  seed?: number;
}

export const TRANSFORMER_OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'intermediateDim', 'numHeads', 'dropout', 'activation', 'layerNormEpsilon', 'kernelInitializer', 'biasInitializer',
  'normalizeFirst', 'seed',
];

/** One attention sublayer with its norm and dropout. */
export interface AttentionPart {
  attention: MultiHeadAttention;
  norm: LayerNormalization;
  dropout: Dropout;
}

interface RandomStateful {
  getRandomState(): number[];
  setRandomState(state: readonly number[]): void;
}

/** The base of the Transformer blocks. */
export abstract class TransformerBlock extends Layer {
  readonly intermediateDim: number;
  readonly numHeads: number;
  readonly dropoutRate: number;
  readonly activation: ActivationIdentifier;
  readonly layerNormEpsilon: number;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly normalizeFirst: boolean;
  /** The seed given, or null. */
  readonly seed: number | null;
  /** The sublayers in KerasHub's build order (after build). */
  protected parts: AnyLayer[] = [];
  protected feedforward: { norm: LayerNormalization; intermediate: Dense; output: Dense; dropout: Dropout } | null = null;
  private seedCount = 0;

  protected constructor(where: string, options: TransformerBlockOptions, className: string) {
    const o = checkOptions<TransformerBlockOptions>(where, options, TRANSFORMER_OPTION_NAMES);
    super(where, o, className);
    if (o.intermediateDim === undefined) throw new ValueError(`${where}: intermediateDim is required, e.g. ${where}({ intermediateDim: 128, numHeads: 4 })`);
    if (o.numHeads === undefined) throw new ValueError(`${where}: numHeads is required, e.g. ${where}({ intermediateDim: 128, numHeads: 4 })`);
    this.intermediateDim = checkInteger(where, 'intermediateDim', o.intermediateDim, 1, 2 ** 24);
    this.numHeads = checkInteger(where, 'numHeads', o.numHeads, 1, 2 ** 16);
    this.dropoutRate = o.dropout === undefined ? 0 : checkNumber(where, 'dropout', o.dropout);
    if (!(this.dropoutRate >= 0 && this.dropoutRate < 1)) throw new ValueError(`${where}: dropout must be in [0, 1), got ${this.dropoutRate}`);
    this.activation = o.activation ?? 'relu';
    getActivation(this.activation, where);
    this.layerNormEpsilon = o.layerNormEpsilon === undefined ? 1e-5 : checkNumber(where, 'layerNormEpsilon', o.layerNormEpsilon);
    if (!(this.layerNormEpsilon > 0)) throw new ValueError(`${where}: layerNormEpsilon must be positive, got ${this.layerNormEpsilon}`);
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros');
    this.normalizeFirst = o.normalizeFirst === undefined ? false : checkBoolean(where, 'normalizeFirst', o.normalizeFirst);
    this.seed = o.seed === undefined || o.seed === null ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 64);
  }

  /** The next sublayer's dropout seed (derived from the block's), or undefined for a drawn one. */
  private nextSeed(): number | undefined {
    return this.seed === null ? undefined : this.seed + this.seedCount++;
  }

  /** The features of the block's input, checked against the heads (KerasHub: each head has features / numHeads). */
  protected headSize(features: number): number {
    const keyDim = Math.floor(features / this.numHeads);
    if (keyDim < 1) throw new ValueError(`${this.name}: the input's ${features} features are fewer than numHeads (${this.numHeads})`);
    return keyDim;
  }

  /** Builds an attention sublayer (`<block>_<label>`, `<block>_<label>_layer_norm`, its dropout) for these shapes. */
  protected buildAttention(label: string, query: Shape, value: Shape, useCausalMask: boolean): AttentionPart {
    const features = query[2] as number;
    const attention = new MultiHeadAttention({
      name: `${this.name}_${label}`, numHeads: this.numHeads, keyDim: this.headSize(features), dropout: this.dropoutRate,
      kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer, seed: this.nextSeed(), useCausalMask,
    });
    attention.build([query, value]);
    const norm = new LayerNormalization({ name: `${this.name}_${label}_layer_norm`, epsilon: this.layerNormEpsilon });
    norm.build(query);
    const dropout = new Dropout({ name: `${this.name}_${label}_dropout`, rate: this.dropoutRate, seed: this.nextSeed() });
    this.parts.push(attention, norm, dropout);
    return { attention, norm, dropout };
  }

  /** Builds the feedforward network for `[batch, steps, features]` inputs. */
  protected buildFeedforward(shape: Shape): void {
    const features = shape[2] as number;
    const norm = new LayerNormalization({ name: `${this.name}_feedforward_layer_norm`, epsilon: this.layerNormEpsilon });
    norm.build(shape);
    const dense = (name: string, units: number, activation?: ActivationIdentifier) => {
      const layer = new Dense({ name: `${this.name}_${name}`, units, activation, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer });
      layer.build([shape[0], shape[1], name === 'feedforward_intermediate_dense' ? features : this.intermediateDim]);
      return layer;
    };
    const intermediate = dense('feedforward_intermediate_dense', this.intermediateDim, this.activation);
    const output = dense('feedforward_output_dense', features);
    const dropout = new Dropout({ name: `${this.name}_feedforward_dropout`, rate: this.dropoutRate, seed: this.nextSeed() });
    this.parts.push(norm, intermediate, output, dropout);
    this.feedforward = { norm, intermediate, output, dropout };
  }

  /** A sublayer's call within the block's (its own workspace, the mask given). */
  protected static run<T extends Tensor | Tensor[]>(layer: AnyLayer, x: Tensor | Tensor[], context: CallContext, mask: MaskInput, index: number): T {
    return layer.call(x, { ...context, workspace: context.workspace === null ? null : context.workspace.nested(index), mask }) as T;
  }

  /** `norm(x + f(x))` (post-norm) or `x + f(norm(x))` (pre-norm), f ending in the part's dropout. */
  protected residual(x: Tensor, norm: LayerNormalization, dropout: Dropout, context: CallContext, f: (input: Tensor) => Tensor): Tensor {
    const at = this.parts.indexOf(norm);
    const input = this.normalizeFirst ? TransformerBlock.run<Tensor>(norm, x, context, null, at) : x;
    const y = add(TransformerBlock.run<Tensor>(dropout, f(input), context, null, this.parts.indexOf(dropout)), x);
    return this.normalizeFirst ? y : TransformerBlock.run<Tensor>(norm, y, context, null, at);
  }

  /** Attention of `query` to `value` through one attention part, with its residual connection. */
  protected attend(part: AttentionPart, query: Tensor, value: Tensor | null, masks: [Tensor | null, Tensor | null], context: CallContext): Tensor {
    return this.residual(query, part.norm, part.dropout, context, (input) => {
      const source = value ?? input;
      return TransformerBlock.run<Tensor>(part.attention, [input, source], context, masks, this.parts.indexOf(part.attention));
    });
  }

  /** The feedforward network with its residual connection. */
  protected feedforwardStep(x: Tensor, context: CallContext): Tensor {
    const ff = this.feedforward!;
    return this.residual(x, ff.norm, ff.dropout, context, (input) => {
      const hidden = TransformerBlock.run<Tensor>(ff.intermediate, input, context, null, this.parts.indexOf(ff.intermediate));
      return TransformerBlock.run<Tensor>(ff.output, hidden, context, null, this.parts.indexOf(ff.output));
    });
  }

  override get weights(): LayerVariable[] {
    return this.parts.flatMap((part) => part.weights);
  }

  override get trainableWeights(): LayerVariable[] {
    return this.trainable ? this.parts.flatMap((part) => part.trainableWeights) : [];
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.trainable ? this.parts.flatMap((part) => part.nonTrainableWeights) : this.weights;
  }

  /** The sequence's padding mask passes through to the output. */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: MaskInput): MaskOutput {
    return Array.isArray(mask) ? (mask[0] ?? null) : (mask as Tensor | null);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      intermediateDim: this.intermediateDim,
      numHeads: this.numHeads,
      dropout: this.dropoutRate,
      activation: serializeActivation(getActivation(this.activation)),
      layerNormEpsilon: this.layerNormEpsilon,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      normalizeFirst: this.normalizeFirst,
      seed: this.seed,
    };
  }

  /** @internal The dropout generators' states (attention weights and the dropout sublayers), in build order. */
  getRandomState(): number[] {
    return this.parts.flatMap((part) => {
      const stateful = part as AnyLayer & Partial<RandomStateful>;
      const state = typeof stateful.getRandomState === 'function' ? stateful.getRandomState() : [];
      return [state.length, ...state];
    });
  }

  /** @internal Restores {@link TransformerBlock.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    let at = 0;
    for (const part of this.parts) {
      const length = state[at] ?? 0;
      const stateful = part as AnyLayer & Partial<RandomStateful>;
      if (typeof stateful.setRandomState === 'function' && length > 0) stateful.setRandomState(state.slice(at + 1, at + 1 + length));
      at += 1 + length;
    }
  }
}

/** Options from a saved config (nulls dropped). */
export function optionsFromConfig(config: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
  return options;
}
