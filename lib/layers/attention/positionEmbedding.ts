/**
 * Learned position embeddings (KerasHub's `PositionEmbedding`): a `[sequenceLength, features]` weight
 * whose first `steps` rows, broadcast over the batch, are the layer's output for a `[batch, steps,
 * features]` input. As in KerasHub the layer returns the embeddings only: add them to the token
 * embeddings (`dn.layers.add().apply([x, positions])`).
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { broadcastTo, slice } from '../../ops/shape.js';
import { checkInteger, checkOptions } from '../../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { formatLayerShape, isShapeList, Layer, LAYER_OPTION_NAMES, type LayerOptions, type LayerVariable, type Shape, type ShapeLike } from '../layer.js';
import { registerLayer } from '../registry.js';
import { optionsFromConfig } from './transformerBlock.js';

/** Options of {@link positionEmbedding}. */
export interface PositionEmbeddingOptions extends LayerOptions {
  /** The longest sequence the layer embeds (the weight's rows). Required. */
  sequenceLength: number;
  /** Initializer of the embeddings. Default 'glorotUniform' (KerasHub's). */
  initializer?: string | Initializer | InitializerConfig;
}

/** Learned position embeddings. Create one with `dn.layers.positionEmbedding({ sequenceLength })`. */
export class PositionEmbedding extends Layer {
  readonly className = 'PositionEmbedding';
  readonly sequenceLength: number;
  readonly initializer: Initializer;
  /** `[sequenceLength, features]` (after build). */
  embeddings: LayerVariable | null = null;

  constructor(options: PositionEmbeddingOptions) {
    const where = 'positionEmbedding';
    const o = checkOptions<PositionEmbeddingOptions>(where, options, [...LAYER_OPTION_NAMES, 'sequenceLength', 'initializer']);
    super(where, o, 'PositionEmbedding');
    if (o.sequenceLength === undefined) throw new ValueError(`${where}: sequenceLength is required, e.g. positionEmbedding({ sequenceLength: 128 })`);
    this.sequenceLength = checkInteger(where, 'sequenceLength', o.sequenceLength, 1, 2 ** 24);
    this.initializer = getInitializer(o.initializer ?? 'glorotUniform');
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape {
    if (isShapeList(inputShape)) throw new ShapeError(`${this.name}: takes one input [batch, steps, features], got ${inputShape.length}`);
    if (inputShape.length !== 3 || inputShape[2] === null) {
      throw new ShapeError(`${this.name}: expected input with shape [batch, steps, features] (features known), got shape ${formatLayerShape(inputShape)}`);
    }
    if (inputShape[1] !== null && inputShape[1] > this.sequenceLength) {
      throw new ShapeError(`${this.name}: the input has ${inputShape[1]} steps, more than sequenceLength (${this.sequenceLength})`);
    }
    return [...inputShape];
  }

  protected override buildWeights(inputShape: Shape): void {
    this.embeddings = this.addWeight('embeddings', [this.sequenceLength, inputShape[2] as number], this.initializer);
  }

  override call(x: Tensor): Tensor {
    return this.positionsFrom(x, 0);
  }

  /**
   * The embeddings of positions `start` to `start + steps - 1`, broadcast to `x`'s shape (KerasHub's
   * `start_index`: the next steps of a sequence decoded step by step).
   */
  positionsFrom(x: Tensor, start: number): Tensor {
    const [, steps, features] = x.shape;
    if (start + steps > this.sequenceLength) {
      throw new ValueError(`${this.name}: the sequence reaches ${start + steps} steps, past the ${this.sequenceLength} steps it embeds (sequenceLength)`);
    }
    return broadcastTo(slice(this.embeddings!.value, [start, 0], [steps, features]), x.shape);
  }

  /** The input's mask passes through. */
  override get supportsMasking(): boolean {
    return true;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), sequenceLength: this.sequenceLength, initializer: serializeInitializer(this.initializer) };
  }

  /** Rebuilds the layer from {@link PositionEmbedding.getConfig}'s output. */
  static fromConfig(config: Record<string, unknown>): PositionEmbedding {
    return new PositionEmbedding(optionsFromConfig(config) as unknown as PositionEmbeddingOptions);
  }
}

/**
 * Learned position embeddings (KerasHub's `PositionEmbedding`) for inputs of up to `sequenceLength`
 * steps; the output has the input's shape, to be added to it.
 */
export function positionEmbedding(options: PositionEmbeddingOptions): PositionEmbedding {
  return new PositionEmbedding(options);
}

registerLayer('PositionEmbedding', PositionEmbedding);
