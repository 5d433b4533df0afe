/**
 * The Transformer encoder block (KerasHub's `TransformerEncoder`, "Attention Is All You Need"):
 * self-attention, then a feedforward network, each with a residual connection and layer norm (post-norm
 * by default, pre-norm with `normalizeFirst`). The input's padding mask (from `embedding({ maskZero })`
 * or `masking`) keeps padded steps out of the attention and passes on to the output.
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { formatLayerShape, isShapeList, type CallContext, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import { optionsFromConfig, TransformerBlock, type AttentionPart, type TransformerBlockOptions } from './transformerBlock.js';

/** Options of {@link transformerEncoder}. */
export type TransformerEncoderOptions = TransformerBlockOptions;

/** A Transformer encoder block. Create one with `dn.layers.transformerEncoder({ intermediateDim, numHeads })`. */
export class TransformerEncoder extends TransformerBlock {
  readonly className = 'TransformerEncoder';
  private selfAttention: AttentionPart | null = null;

  constructor(options: TransformerEncoderOptions) {
    super('transformerEncoder', options, 'TransformerEncoder');
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    if (isShapeList(inputShape)) throw new ShapeError(`${this.name}: takes one input [batch, steps, features], got ${inputShape.length}`);
    if (inputShape.length !== 3 || inputShape[2] === null) {
      throw new ShapeError(`${this.name}: expected input with shape [batch, steps, features] (features known), got shape ${formatLayerShape(inputShape)}`);
    }
    this.headSize(inputShape[2]);
    return [...inputShape];
  }

  protected override buildWeights(inputShape: Shape): void {
    this.selfAttention = this.buildAttention('self_attention', inputShape, inputShape, false);
    this.buildFeedforward(inputShape);
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const contextMask = context.mask ?? null;
    const mask = Array.isArray(contextMask) ? contextMask[0] ?? null : (contextMask as Tensor | null);
    const attended = this.attend(this.selfAttention!, x, null, [mask, mask], context);
    return this.feedforwardStep(attended, context);
  }

  /** Rebuilds the block from {@link TransformerEncoder.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): TransformerEncoder {
    return new TransformerEncoder(optionsFromConfig(config) as unknown as TransformerEncoderOptions);
  }
}

/**
 * A Transformer encoder block (KerasHub's `TransformerEncoder`): `[batch, steps, features]` in and out,
 * `numHeads` heads of features / numHeads each, a feedforward network of `intermediateDim`.
 * ```ts
 * const tokens = dn.input({ shape: [64], dtype: 'int32' });
 * const x = dn.layers.embedding({ inputDim: 5000, outputDim: 64, maskZero: true }).apply(tokens);
 * const encoded = dn.layers.transformerEncoder({ intermediateDim: 128, numHeads: 4 }).apply(x);
 * ```
 */
export function transformerEncoder(options: TransformerEncoderOptions): TransformerEncoder {
  return new TransformerEncoder(options);
}

registerLayer('TransformerEncoder', TransformerEncoder);
