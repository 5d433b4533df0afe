/**
 * The Transformer decoder block (KerasHub's `TransformerDecoder`): causal self-attention (each step sees
 * itself and earlier steps), then, when it is applied to `[decoderSequence, encoderSequence]`,
 * cross-attention to the encoder's output, then a feedforward network; each with a residual connection
 * and layer norm (post-norm by default, pre-norm with `normalizeFirst`, as GPT-2). Applied to one
 * sequence it is a GPT block. Padding masks of the inputs keep padded steps out of the attention; the
 * output carries the decoder sequence's mask.
 */
import { ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { formatLayerShape, isShapeList, type CallContext, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import type { AttentionCache } from './multiHeadAttention.js';
import { optionsFromConfig, TransformerBlock, type AttentionPart, type TransformerBlockOptions } from './transformerBlock.js';

/** Options of {@link transformerDecoder}. */
export type TransformerDecoderOptions = TransformerBlockOptions;

/** A Transformer decoder block. Create one with `dn.layers.transformerDecoder({ intermediateDim, numHeads })`. */
export class TransformerDecoder extends TransformerBlock {
  readonly className = 'TransformerDecoder';
  private selfAttention: AttentionPart | null = null;
  private crossAttention: AttentionPart | null = null;

  constructor(options: TransformerDecoderOptions) {
    super('transformerDecoder', options, 'TransformerDecoder');
  }

  /** The decoder and (if given) encoder sequence shapes, checked. */
  private shapesOf(inputShape: ShapeLike | readonly ShapeLike[]): [ShapeLike, ShapeLike | null] {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    if (shapes.length > 2) throw new ShapeError(`${this.name}: takes the decoder sequence, or [decoderSequence, encoderSequence], got ${shapes.length} inputs`);
    shapes.forEach((shape, i) => {
      if (shape.length !== 3 || shape[2] === null) {
        throw new ShapeError(`${this.name}: expected the ${i === 0 ? 'decoder' : 'encoder'} sequence with shape [batch, steps, features] (features known), got shape ${formatLayerShape(shape)}`);
      }
    });
    return [shapes[0], shapes[1] ?? null];
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    const [decoder, encoder] = this.shapesOf(inputShape);
    this.headSize(decoder[2] as number);
    if (this.built && (encoder === null) !== (this.crossAttention === null)) {
      throw new ShapeError(`${this.name}: was built ${this.crossAttention === null ? 'without' : 'with'} an encoder sequence; apply it the same way`);
    }
    return [...decoder];
  }

  protected override buildWeights(inputShape: Shape | Shape[]): void {
    const [decoder, encoder] = this.shapesOf(inputShape) as [Shape, Shape | null];
    this.selfAttention = this.buildAttention('self_attention', decoder, decoder, true);
    if (encoder !== null) this.crossAttention = this.buildAttention('cross_attention', decoder, encoder, false);
    this.buildFeedforward(decoder);
  }

  override call(inputs: Tensor | Tensor[], context: CallContext): Tensor {
    const [decoder, encoder = null] = Array.isArray(inputs) ? inputs : [inputs];
    const contextMask = context.mask ?? null;
    const [decoderMask = null, encoderMask = null] = Array.isArray(contextMask) ? contextMask : [contextMask as Tensor | null];
    let x = this.attend(this.selfAttention!, decoder, null, [decoderMask, decoderMask], context);
    if (this.crossAttention !== null && encoder !== null) x = this.attend(this.crossAttention, x, encoder, [decoderMask, encoderMask], context);
    return this.feedforwardStep(x, context);
  }

  /** Whether the block has cross-attention (it was built on `[decoderSequence, encoderSequence]`). */
  get hasCrossAttention(): boolean {
    return this.crossAttention !== null;
  }

  /**
   * @internal Continues a decoder-only block's sequence with new steps `x` at inference, the keys and
   * values of the earlier steps in `cache` (`dn.generate`'s key/value cache): for those steps, what the
   * block gives on the whole sequence.
   */
  continueSequence(x: Tensor, cache: AttentionCache, context: CallContext): Tensor {
    const part = this.selfAttention!;
    const attended = this.residual(x, part.norm, part.dropout, context, (input) => part.attention.continueSequence(input, cache));
    return this.feedforwardStep(attended, context);
  }

  /** Rebuilds the block from {@link TransformerDecoder.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): TransformerDecoder {
    return new TransformerDecoder(optionsFromConfig(config) as unknown as TransformerDecoderOptions);
  }
}

/**
 * A Transformer decoder block (KerasHub's `TransformerDecoder`): apply it to one sequence for a
 * decoder-only (GPT) block, or to `[decoderSequence, encoderSequence]` for cross-attention too.
 * ```ts
 * const tokens = dn.input({ shape: [32], dtype: 'int32' });
 * let x = dn.layers.embedding({ inputDim: 30, outputDim: 64 }).apply(tokens);
 * x = dn.layers.add().apply([x, dn.layers.positionEmbedding({ sequenceLength: 32 }).apply(x)]);
 * x = dn.layers.transformerDecoder({ intermediateDim: 128, numHeads: 4, normalizeFirst: true }).apply(x);
 * ```
 */
export function transformerDecoder(options: TransformerDecoderOptions): TransformerDecoder {
  return new TransformerDecoder(options);
}

registerLayer('TransformerDecoder', TransformerDecoder);
