/**
 * Embedding layer (Keras `Embedding`): maps integer token ids to dense vectors, rows of a trained table
 * `embeddings` [inputDim, outputDim]. The lookup is one native gather; its gradient a scatter-add into
 * the looked-up rows only (straight into the optimizer's flat gradient buffer). With `maskZero`, id 0
 * is padding: the layer's output carries a mask (0 where the id is 0) that recurrent and attention
 * layers, and the loss, respect.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { allocateStorage, makeTensor, type DType, type Tensor } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { lookupRows, tokenIds } from '../ops/embedding.js';
import { checkBoolean, checkInteger, checkOptions, MAX_TENSOR_SIZE } from '../validate.js';
import { getInitializer, randomUniform, serializeInitializer, type Initializer, type InitializerConfig } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../regularizers.js';
import {
  formatLayerShape, Layer, LAYER_OPTION_NAMES, type CallContext, type LayerOptions, type LayerVariable, type MaskInput, type Shape,
} from './layer.js';
import { registerLayer } from './registry.js';

/** Options of {@link embedding}. */
export interface EmbeddingOptions extends LayerOptions {
  /** The vocabulary size: ids are in [0, inputDim). Required. */
  inputDim: number;
  /** The length of each vector. Required. */
  outputDim: number;
  /** Initializer of the table. Default: uniform in [-0.05, 0.05) (Keras' 'uniform'). */
  embeddingsInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on the table added to the loss. */
  embeddingsRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on the output added to the loss (divided by the batch size, as in Keras). */
  activityRegularizer?: string | Regularizer | RegularizerConfig;
  /**
   * Id 0 is padding: the output carries a mask that is 0 where the id is 0 (so inputDim is the
   * vocabulary size + 1). Default false.
   */
  maskZero?: boolean;
  /** The length of the id sequences, for a first layer (TensorFlow.js' option): same as `inputShape: [inputLength]`. */
  inputLength?: number;
}

const EMBEDDING_OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'activityRegularizer', 'maskZero', 'inputLength',
];

/** Token ids to vectors. Create one with `dn.layers.embedding({ inputDim, outputDim })`. */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  /** The table [inputDim, outputDim] (after build). */
  embeddings: LayerVariable | null = null;

  constructor(options: EmbeddingOptions) {
    const where = 'embedding';
    const o = checkOptions<EmbeddingOptions>(where, options, EMBEDDING_OPTION_NAMES);
    if (o.inputDim === undefined || o.outputDim === undefined) {
      throw new ValueError(`${where}: inputDim (the vocabulary size) and outputDim (the vector length) are required, e.g. embedding({ inputDim: 1000, outputDim: 16 })`);
    }
    const base: LayerOptions = { name: o.name, trainable: o.trainable, inputShape: o.inputShape, batchInputShape: o.batchInputShape };
    if (o.inputLength !== undefined) {
      if (o.inputShape !== undefined || o.batchInputShape !== undefined) throw new ValueError(`${where}: give inputLength or inputShape/batchInputShape, not both`);
      base.inputShape = [checkInteger(where, 'inputLength', o.inputLength, 1, MAX_TENSOR_SIZE)];
    }
    super(where, base, 'Embedding');
    this.inputDim = checkInteger(where, 'inputDim', o.inputDim, 1, MAX_TENSOR_SIZE);
    this.outputDim = checkInteger(where, 'outputDim', o.outputDim, 1, MAX_TENSOR_SIZE);
    if (this.inputDim * this.outputDim > MAX_TENSOR_SIZE) {
      throw new ValueError(`${where}: a table of inputDim ${this.inputDim} x outputDim ${this.outputDim} exceeds the largest tensor (${MAX_TENSOR_SIZE} elements)`);
    }
    this.maskZero = o.maskZero === undefined ? false : checkBoolean(where, 'maskZero', o.maskZero);
    this.embeddingsInitializer = o.embeddingsInitializer === undefined ? randomUniform() : getInitializer(o.embeddingsInitializer);
    this.embeddingsRegularizer = o.embeddingsRegularizer === undefined ? null : getRegularizer(o.embeddingsRegularizer);
    this.activityRegularizer = o.activityRegularizer === undefined ? null : getRegularizer(o.activityRegularizer);
  }

  /** Token ids come as int32 tensors, or float32 ones holding whole numbers. */
  override acceptsInputDType(dtype: DType): boolean {
    return dtype === 'float32' || dtype === 'int32';
  }

  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    if (inputShape.length < 1 || Array.isArray(inputShape[0])) {
      throw new ShapeError(`${this.name}: expected one input of token ids ([batch] or [batch, steps]), got shape ${formatLayerShape(inputShape)}`);
    }
    return [...inputShape, this.outputDim];
  }

  /** Ids of any shape fit (the table does not depend on it). */
  override checkInputShape(shape: readonly (number | null)[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, { regularizer: this.embeddingsRegularizer ?? undefined });
  }

  override call(x: Tensor, context: CallContext): Tensor {
    if (x.dtype !== 'int32' && x.dtype !== 'float32') throw new DTypeError(`${this.name}: token ids must be int32, got ${x.dtype}`);
    const ids = tokenIds(this.name, 'the input', x, this.inputDim, `inputDim ${this.inputDim}`);
    const output = lookupRows(this.name, this.embeddings!.value, ids, x.shape);
    if (this.activityRegularizer !== null && context.losses !== null) {
      context.losses.push(this.activityRegularizer.apply(output).div(Math.max(x.shape[0], 1)));
    }
    return output;
  }

  /** With maskZero the output carries a mask: 1 where the id is not 0. */
  override get supportsMasking(): boolean {
    return this.maskZero;
  }

  override computeMask(inputs: Tensor | Tensor[], _mask: MaskInput): Tensor | null {
    if (!this.maskZero || Array.isArray(inputs)) return null;
    const ids = contiguous(inputs.detach()).storage;
    const mask = allocateStorage('float32', ids.length) as Float32Array;
    for (let i = 0; i < ids.length; i++) mask[i] = ids[i] !== 0 ? 1 : 0;
    return makeTensor(mask, inputs.shape);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer === null ? null : serializeRegularizer(this.embeddingsRegularizer),
      activityRegularizer: this.activityRegularizer === null ? null : serializeRegularizer(this.activityRegularizer),
      maskZero: this.maskZero,
    };
  }
}

/**
 * A table of `inputDim` vectors of length `outputDim`, looked up by integer ids (Keras `Embedding`).
 * ```ts
 * const model = dn.sequential({ layers: [
 *   dn.layers.embedding({ inputDim: 10000, outputDim: 32, maskZero: true, inputShape: [40] }),
 *   dn.layers.lstm({ units: 32 }),
 *   dn.layers.dense({ units: 1, activation: 'sigmoid' }),
 * ] });
 * ```
 */
export function embedding(options: EmbeddingOptions): Embedding {
  return new Embedding(options);
}

registerLayer('Embedding', Embedding);
