/**
 * Multi-head attention (Keras 3 `MultiHeadAttention`): the query, key and value are each projected into
 * `numHeads` heads (`[features, numHeads, keyDim]` kernels and `[numHeads, keyDim]` biases, Keras' weight
 * layout, so Keras weights load with `setWeights` in Keras' order), each head attends with scaled
 * dot-product attention, and the heads are projected back (`[numHeads, valueDim, outputDim]`).
 *
 * The attention itself is one fused native kernel each way (dn.scaledDotProductAttention), which reads
 * the projections' `[batch, steps, heads, dim]` layout in place and writes its output in the layout the
 * output projection reads, so no transpose is copied. Masks: the padding masks the inputs carry (query,
 * value, key), an explicit attention mask and the causal mask combine as in Keras; a query that may
 * attend to nothing outputs 0 before the output projection.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { makeTensor, Tensor, toTensor } from '../../tensor.js';
import { add, mul } from '../../ops/elementwise.js';
import { matmul } from '../../ops/matmul.js';
import { notEqual } from '../../ops/compare.js';
import { broadcastTo, contiguous } from '../../ops/shape.js';
import { attention, checkAttentionMask, drawDropoutSeed } from '../../ops/attention.js';
import { Generator, random } from '../../random.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, typeError } from '../../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../../regularizers.js';
import {
  formatLayerShape, isShapeList, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type MaskInput,
  type MaskOutput, type Shape, type ShapeLike,
} from '../layer.js';
import { registerLayer } from '../registry.js';

/** Options of {@link multiHeadAttention}. */
export interface MultiHeadAttentionOptions extends LayerOptions {
  /** The number of attention heads. Required. */
  numHeads: number;
  /** The size of each head's query and key projections. Required. */
  keyDim: number;
  /** The size of each head's value projection. Default keyDim. */
  valueDim?: number;
  /** Fraction of the attention weights dropped in training. Default 0. */
  dropout?: number;
  /** Whether the projections have biases. Default true. */
  useBias?: boolean;
  /** The output's last dimension. Default: the query's last dimension. */
  outputShape?: number | readonly [number];
  /** Each query attends only to itself and earlier steps (Keras' call argument `use_causal_mask`). Default false. */
  useCausalMask?: boolean;
  /** Return `[output, attentionScores]` (scores `[batch, numHeads, queryLen, valueLen]`) instead of the output. Default false. */
  returnAttentionScores?: boolean;
  /** Initializer of the four kernels. Default `'glorotUniform'`. */
  kernelInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of the four biases. Default `'zeros'`. */
  biasInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on the kernels added to the loss. */
  kernelRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on the biases added to the loss. */
  biasRegularizer?: string | Regularizer | RegularizerConfig;
  /** Seed of the layer's dropout generator, for reproducible dropout. */
  seed?: number;
}

const OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'useCausalMask', 'returnAttentionScores',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'seed',
];

/** Options of {@link MultiHeadAttention.attend}, the eager form of Keras' call arguments. */
export interface AttendOptions {
  /** The keys (default: the value). */
  key?: Tensor;
  /** `[batch, queryLen, valueLen]`: nonzero where a query may attend to a value. */
  attentionMask?: Tensor | null;
  /** Padding masks `[batch, steps]` of the query, value and key (nonzero for real steps). */
  queryMask?: Tensor | null;
  valueMask?: Tensor | null;
  keyMask?: Tensor | null;
  /** Default: the layer's `useCausalMask`. */
  useCausalMask?: boolean;
  /** Default: the layer's `returnAttentionScores`. */
  returnAttentionScores?: boolean;
  /** Training behaviour (dropout). Default false. */
  training?: boolean;
}

/**
 * The keys and values of the steps a causal self-attention has seen (see {@link MultiHeadAttention.continueSequence}),
 * in buffers allocated once for `capacity` steps: each new step is written in place, and attention reads
 * the first `length` steps as a view (no concatenation per step). Start one with {@link attentionCache}.
 */
export interface AttentionCache {
  /** Steps the buffers hold room for (they grow, doubling, if a sequence outruns it). */
  capacity: number;
  /** Steps seen so far. */
  length: number;
  /** `[batch, capacity, numHeads, keyDim]`, or null before the first steps. */
  key: Float32Array | null;
  /** `[batch, capacity, numHeads, valueDim]`, or null before the first steps. */
  value: Float32Array | null;
}

/** @internal An empty cache with room for `capacity` steps (allocated on the first steps, when the batch is known). */
export function attentionCache(capacity: number): AttentionCache {
  return { capacity: Math.max(1, capacity), length: 0, key: null, value: null };
}

/**
 * Writes `fresh` `[batch, steps, heads, width]` (contiguous) after the `length` steps of `buffer`
 * `[batch, capacity, heads, width]`, growing the buffer (doubling) when it is full. Returns the buffer
 * (a new one if it grew) and the view of its first `length + steps` steps.
 */
function appendSteps(buffer: Float32Array | null, capacity: number, length: number, fresh: Tensor): { buffer: Float32Array; capacity: number; view: Tensor } {
  const [batch, steps, heads, width] = fresh.shape;
  const row = heads * width;
  const needed = length + steps;
  if (buffer === null || needed > capacity) {
    const grown = buffer === null ? Math.max(capacity, needed) : Math.max(2 * capacity, needed);
    const next = new Float32Array(batch * grown * row);
    if (buffer !== null && length > 0) {
      for (let b = 0; b < batch; b++) next.set(buffer.subarray(b * capacity * row, (b * capacity + length) * row), b * grown * row);
    }
    buffer = next;
    capacity = grown;
  }
  const source = contiguous(fresh).storage as Float32Array;
  for (let b = 0; b < batch; b++) buffer.set(source.subarray(b * steps * row, (b + 1) * steps * row), (b * capacity + length) * row);
  const view = makeTensor(buffer, [batch, needed, heads, width], [capacity * row, row, width, 1]);
  return { buffer, capacity, view };
}

/** The three inputs of one call and the masks that apply to it. */
interface AttentionInputs {
  query: Tensor;
  value: Tensor;
  key: Tensor;
  queryMask: Tensor | null;
  valueMask: Tensor | null;
  keyMask: Tensor | null;
  attentionMask: Tensor | null;
  causal: boolean;
}

/** x · kernel + bias over the last axis, with `kernel` of shape [features, ...] read as [features, rest]. */
function project(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
  const features = x.shape[x.rank - 1];
  const width = kernel.size / features;
  const rows = x.size / Math.max(features, 1);
  let y = matmul(x.reshape([rows, features]), kernel.reshape([features, width]));
  if (bias !== null) y = add(y, bias.reshape([width]));
  return y.reshape([...x.shape.slice(0, -1), width]);
}

/** Multi-head attention. Create one with `dn.layers.multiHeadAttention({ numHeads, keyDim })`. */
export class MultiHeadAttention<Out extends Tensor | Tensor[] = Tensor> extends Layer<Out> {
  readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  /** The output dimension given, or null for the query's. */
  readonly outputDim: number | null;
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  /** The seed given, or null. */
  readonly seed: number | null;
  private readonly generator: Generator;
  /** The weights, by Keras' sublayer name (after build). */
  private parts: Record<'query' | 'key' | 'value' | 'attention_output', { kernel: LayerVariable; bias: LayerVariable | null }> | null = null;

  constructor(options: MultiHeadAttentionOptions) {
    const where = 'multiHeadAttention';
    const o = checkOptions<MultiHeadAttentionOptions>(where, options, OPTION_NAMES);
    super(where, o, 'MultiHeadAttention');
    if (o.numHeads === undefined) throw new ValueError(`${where}: numHeads is required, e.g. multiHeadAttention({ numHeads: 4, keyDim: 16 })`);
    if (o.keyDim === undefined) throw new ValueError(`${where}: keyDim is required (the size of each head), e.g. multiHeadAttention({ numHeads: 4, keyDim: 16 })`);
    this.numHeads = checkInteger(where, 'numHeads', o.numHeads, 1, 2 ** 16);
    this.keyDim = checkInteger(where, 'keyDim', o.keyDim, 1, 2 ** 20);
    this.valueDim = o.valueDim === undefined || o.valueDim === null ? this.keyDim : checkInteger(where, 'valueDim', o.valueDim, 1, 2 ** 20);
    this.dropout = o.dropout === undefined ? 0 : checkNumber(where, 'dropout', o.dropout);
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new ValueError(`${where}: dropout must be in [0, 1), got ${this.dropout}`);
    this.useBias = o.useBias === undefined ? true : checkBoolean(where, 'useBias', o.useBias);
    const shape = o.outputShape;
    if (shape === undefined || shape === null) this.outputDim = null;
    else if (typeof shape === 'number') this.outputDim = checkInteger(where, 'outputShape', shape, 1, 2 ** 31 - 1);
    else if (Array.isArray(shape) && shape.length === 1) this.outputDim = checkInteger(where, 'outputShape[0]', shape[0], 1, 2 ** 31 - 1);
    else typeError(where, 'outputShape', 'a positive integer (the output\'s last dimension) or [integer]', shape);
    this.useCausalMask = o.useCausalMask === undefined ? false : checkBoolean(where, 'useCausalMask', o.useCausalMask);
    this.returnAttentionScores = o.returnAttentionScores === undefined ? false : checkBoolean(where, 'returnAttentionScores', o.returnAttentionScores);
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros');
    this.kernelRegularizer = o.kernelRegularizer === undefined ? null : getRegularizer(o.kernelRegularizer);
    this.biasRegularizer = o.biasRegularizer === undefined ? null : getRegularizer(o.biasRegularizer);
    this.seed = o.seed === undefined || o.seed === null ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
  }

  /** Query, value and key shapes from the input shape(s): one (self-attention), [query, value] or [query, value, key]. */
  private shapesOf(inputShape: ShapeLike | readonly ShapeLike[]): [ShapeLike, ShapeLike, ShapeLike] {
    if (!isShapeList(inputShape)) return [inputShape, inputShape, inputShape];
    if (inputShape.length < 2 || inputShape.length > 3) {
      throw new ShapeError(`${this.name}: expected one input (self-attention), [query, value] or [query, value, key], got ${inputShape.length} inputs`);
    }
    return [inputShape[0], inputShape[1], inputShape[2] ?? inputShape[1]];
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
    const [query, value, key] = this.shapesOf(inputShape);
    for (const [name, shape] of [['query', query], ['value', value], ['key', key]] as const) {
      if (shape.length !== 3) throw new ShapeError(`${this.name}: expected the ${name} with shape [batch, steps, features], got shape ${formatLayerShape(shape)}`);
      if (shape[2] === null) throw new ShapeError(`${this.name}: the ${name}'s last dimension must be known, got shape ${formatLayerShape(shape)}`);
    }
    if (value[1] !== null && key[1] !== null && value[1] !== key[1]) {
      throw new ShapeError(`${this.name}: the key and the value must have the same number of steps, got shapes ${formatLayerShape(key)} and ${formatLayerShape(value)}`);
    }
    const parts = this.parts;
    if (parts !== null) {
      const expected = [parts.query.kernel.shape[0], parts.value.kernel.shape[0], parts.key.kernel.shape[0]];
      [query, value, key].forEach((shape, i) => {
        if (shape[2] !== expected[i]) {
          throw new ShapeError(`${this.name}: expected the ${['query', 'value', 'key'][i]}'s last dimension ${expected[i]}, got shape ${formatLayerShape(shape)}`);
        }
      });
    }
    const output: Shape = [query[0], query[1], this.outputDim ?? query[2]];
    return this.returnAttentionScores ? [output, [query[0], this.numHeads, query[1], value[1]]] : output;
  }

  override checkInputShape(shape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape | Shape[]): void {
    const [query, value, key] = this.shapesOf(inputShape);
    const heads = this.numHeads;
    const outputDim = this.outputDim ?? (query[2] as number);
    const part = (name: string, kernelShape: number[], biasShape: number[]) => ({
      kernel: this.addWeight(`${name}/kernel`, kernelShape, this.kernelInitializer, { regularizer: this.kernelRegularizer ?? undefined }),
      bias: this.useBias ? this.addWeight(`${name}/bias`, biasShape, this.biasInitializer, { regularizer: this.biasRegularizer ?? undefined }) : null,
    });
    // Keras' order: query, key, value, then the output projection.
    const q = part('query', [query[2] as number, heads, this.keyDim], [heads, this.keyDim]);
    const k = part('key', [key[2] as number, heads, this.keyDim], [heads, this.keyDim]);
    const v = part('value', [value[2] as number, heads, this.valueDim], [heads, this.valueDim]);
    const o = part('attention_output', [heads, this.valueDim, outputDim], [outputDim]);
    this.parts = { query: q, key: k, value: v, attention_output: o };
  }

  override call(inputs: Tensor | Tensor[], context: CallContext): Out {
    const [query, value, key] = Array.isArray(inputs) ? [inputs[0], inputs[1], inputs[2] ?? inputs[1]] : [inputs, inputs, inputs];
    // The padding masks the inputs carry (Keras' query_mask, value_mask, key_mask): padded keys get no weight.
    const [queryMask, valueMask, keyMask] = this.inputMasks(context.mask ?? null);
    const { output, scores } = this.compute(
      { query, value, key, queryMask, valueMask, keyMask, attentionMask: null, causal: this.useCausalMask },
      context.training, this.returnAttentionScores,
    );
    return (this.returnAttentionScores ? [output, scores!] : output) as Out;
  }

  /** The query, value and key masks from the mask(s) the inputs carry (one input: the same for all three). */
  private inputMasks(mask: MaskInput): [Tensor | null, Tensor | null, Tensor | null] {
    if (!Array.isArray(mask)) return [mask as Tensor | null, mask as Tensor | null, mask as Tensor | null];
    const [query = null, value = null, key = value] = mask as (Tensor | null)[];
    return [query, value, key];
  }

  /** The output keeps the query's steps, so it carries the query's mask (as Keras); the scores carry none. */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: MaskInput): MaskOutput {
    const [queryMask] = this.inputMasks(mask);
    return this.returnAttentionScores ? [queryMask, null] : queryMask;
  }

  /**
   * Applies the layer eagerly with Keras' call arguments: `layer.attend(query, value, { key, attentionMask,
   * useCausalMask, returnAttentionScores, training })`. Returns the output, or `{ output, scores }`.
   * ```ts
   * const mha = dn.layers.multiHeadAttention({ numHeads: 2, keyDim: 8 });
   * const { output, scores } = mha.attend(x, x, { useCausalMask: true, returnAttentionScores: true });
   * ```
   */
  attend(query: Tensor, value: Tensor, options: AttendOptions & { returnAttentionScores: true }): { output: Tensor; scores: Tensor };
  attend(query: Tensor, value: Tensor, options?: AttendOptions): Tensor | { output: Tensor; scores: Tensor };
  attend(query0: Tensor, value0: Tensor, options: AttendOptions = {}): Tensor | { output: Tensor; scores: Tensor } {
    const where = `${this.name}.attend`;
    const o = checkOptions<AttendOptions>(where, options, ['key', 'attentionMask', 'queryMask', 'valueMask', 'keyMask', 'useCausalMask', 'returnAttentionScores', 'training']);
    const query = toTensor(where, 'query', query0);
    const value = toTensor(where, 'value', value0);
    const key = o.key === undefined ? value : toTensor(where, 'key', o.key);
    this.prepareInput([query, value, key]);
    const batch = query.shape[0], steps = query.shape[1], valueSteps = value.shape[1];
    const padding = (name: string, mask: unknown, length: number) => checkAttentionMask(this.name, name, mask, [batch, length]);
    const inputs: AttentionInputs = {
      query, value, key,
      queryMask: padding('queryMask', o.queryMask, steps),
      valueMask: padding('valueMask', o.valueMask, valueSteps),
      keyMask: padding('keyMask', o.keyMask, valueSteps),
      attentionMask: checkAttentionMask(this.name, 'attentionMask', o.attentionMask, [batch, steps, valueSteps]),
      causal: o.useCausalMask === undefined ? this.useCausalMask : checkBoolean(where, 'useCausalMask', o.useCausalMask),
    };
    const withScores = o.returnAttentionScores === undefined ? this.returnAttentionScores : checkBoolean(where, 'returnAttentionScores', o.returnAttentionScores);
    const training = o.training === undefined ? false : checkBoolean(where, 'training', o.training);
    const { output, scores } = this.compute(inputs, training, withScores);
    return withScores ? { output, scores: scores! } : output;
  }

  /** The mask of the scores `[batch, 1, queryLen | 1, valueLen | 1]` (1 where attending is allowed), or null. */
  private combinedMask(inputs: AttentionInputs): Tensor | null {
    const { query, value } = inputs;
    const batch = query.shape[0];
    let mask: Tensor | null = null;
    // Each mask as 0/1, broadcast to its full shape, then given the axes of [batch, heads, queries, keys] it lacks.
    const combine = (m: Tensor | null, full: number[], shape: number[]) => {
      if (m === null) return;
      const binary = broadcastTo(notEqual(m.detach(), 0), full).reshape(shape);
      mask = mask === null ? binary : mul(mask, binary);
    };
    const queries = query.shape[1], keys = value.shape[1];
    combine(inputs.queryMask, [batch, queries], [batch, 1, queries, 1]);
    combine(inputs.valueMask, [batch, keys], [batch, 1, 1, keys]);
    combine(inputs.keyMask, [batch, keys], [batch, 1, 1, keys]);
    combine(inputs.attentionMask, [batch, queries, keys], [batch, 1, queries, keys]);
    return mask;
  }

  /** The whole layer: projections, attention (the fused kernel) and the output projection. */
  private compute(inputs: AttentionInputs, training: boolean, withScores: boolean): { output: Tensor; scores: Tensor | null } {
    const parts = this.parts!;
    const heads = this.numHeads;
    const { query, value, key } = inputs;
    const batch = query.shape[0];
    const split = (x: Tensor, width: number) => x.reshape([batch, x.shape[1], heads, width]).transpose([0, 2, 1, 3]);
    const q = split(project(query, parts.query.kernel.value, parts.query.bias?.value ?? null), this.keyDim);
    const k = split(project(key, parts.key.kernel.value, parts.key.bias?.value ?? null), this.keyDim);
    const v = split(project(value, parts.value.kernel.value, parts.value.bias?.value ?? null), this.valueDim);
    const dropout = training ? this.dropout : 0;
    const { output, scores } = attention({
      q, k, v, mask: this.combinedMask(inputs), causal: inputs.causal, causalOffset: 0, scale: 1 / Math.sqrt(this.keyDim), dropout,
      dropoutSeed: dropout === 0 ? 0 : drawDropoutSeed(this.generator),
    }, { headsLast: true, withScores });
    const merged = output.reshape([batch, query.shape[1], heads * this.valueDim]);
    return { output: project(merged, parts.attention_output.kernel.value, parts.attention_output.bias?.value ?? null), scores };
  }

  /**
   * @internal Causal self-attention of new steps `x` `[batch, n, features]` to the steps whose keys and
   * values `cache` holds and to themselves, at inference (no dropout, no masks): for those steps, what the
   * layer gives on the whole sequence. Appends their keys and values to the cache, so decoding a sequence
   * one step at a time projects each step once (`dn.generate`'s key/value cache).
   */
  continueSequence(x: Tensor, cache: AttentionCache): Tensor {
    const parts = this.parts!;
    const heads = this.numHeads, batch = x.shape[0], steps = x.shape[1];
    const projected = (part: 'query' | 'key' | 'value', width: number) =>
      project(x, parts[part].kernel.value, parts[part].bias?.value ?? null).reshape([batch, steps, heads, width]);
    const keys = appendSteps(cache.key, cache.capacity, cache.length, projected('key', this.keyDim));
    const values = appendSteps(cache.value, cache.capacity, cache.length, projected('value', this.valueDim));
    cache.key = keys.buffer;
    cache.value = values.buffer;
    cache.capacity = keys.capacity;
    cache.length += steps;
    const [q, k, v] = [projected('query', this.keyDim), keys.view, values.view].map((t) => t.transpose([0, 2, 1, 3]));
    // The new steps are the last of the sequence: query i sees keys up to its own position.
    const { output } = attention({
      q, k, v, mask: null, causal: true, causalOffset: k.shape[2] - steps, scale: 1 / Math.sqrt(this.keyDim), dropout: 0, dropoutSeed: 0,
    }, { headsLast: true, withScores: false });
    const merged = output.reshape([batch, steps, heads * this.valueDim]);
    return project(merged, parts.attention_output.kernel.value, parts.attention_output.bias?.value ?? null);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputDim,
      useCausalMask: this.useCausalMask,
      returnAttentionScores: this.returnAttentionScores,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer === null ? null : serializeRegularizer(this.kernelRegularizer),
      biasRegularizer: this.biasRegularizer === null ? null : serializeRegularizer(this.biasRegularizer),
      seed: this.seed,
    };
  }

  /** Rebuilds the layer from {@link MultiHeadAttention.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): MultiHeadAttention<Tensor | Tensor[]> {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    return new MultiHeadAttention(options as unknown as MultiHeadAttentionOptions);
  }

  /** @internal The dropout generator's state, saved with the optimizer so resumed training drops the same weights. */
  getRandomState(): number[] {
    return this.generator.getState();
  }

  /** @internal Restores {@link MultiHeadAttention.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    this.generator.setState(state);
  }
}

/**
 * A multi-head attention layer (Keras 3 `MultiHeadAttention`). Apply it to one sequence (self-attention),
 * to `[query, value]` or to `[query, value, key]`; with `returnAttentionScores` it returns `[output,
 * scores]`.
 * ```ts
 * const x = dn.input({ shape: [16, 64] });
 * const y = dn.layers.multiHeadAttention({ numHeads: 4, keyDim: 16, useCausalMask: true }).apply(x);
 * ```
 */
export function multiHeadAttention(options: MultiHeadAttentionOptions & { returnAttentionScores: true }): MultiHeadAttention<Tensor[]>;
export function multiHeadAttention(options: MultiHeadAttentionOptions): MultiHeadAttention;
export function multiHeadAttention(options: MultiHeadAttentionOptions): MultiHeadAttention<Tensor | Tensor[]> {
  return new MultiHeadAttention(options);
}

registerLayer('MultiHeadAttention', MultiHeadAttention);
