/**
 * Sparse categorical cross-entropy: `-log p[label]` per row, with integer class labels (int32, or
 * float32 holding whole numbers) of shape `[batch]` (or `[batch, 1]`), then the reduction. From
 * probabilities (each row divided by its sum, then clipped to [1e-7, 1 - 1e-7], as Keras and
 * categoricalCrossentropy do) or, with `fromLogits`, from logits through the native
 * fused softmax + cross-entropy kernel. When a model ends in a softmax, it trains on the logits.
 */
import { ShapeError, ValueError } from '../errors.js';
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { checkOptions, describe, formatShape } from '../validate.js';
import {
  checkFromLogits, classGeometry, Loss, probabilityCrossEntropy, type LossGeometry, type LossInputs, type LossOptions,
} from './loss.js';

/** Options of {@link sparseCategoricalCrossentropy}. */
export interface SparseCategoricalCrossentropyOptions extends LossOptions {
  /** Predictions are logits (no softmax applied). Default false: probabilities. */
  fromLogits?: boolean;
}

/** Sparse categorical cross-entropy (Keras `SparseCategoricalCrossentropy`), for integer class labels. */
export class SparseCategoricalCrossentropy extends Loss {
  readonly className = 'SparseCategoricalCrossentropy';
  readonly name = 'sparseCategoricalCrossentropy';
  override readonly fromLogits: boolean;
  private labelBuffer: Int32Array | null = null;

  constructor(options: SparseCategoricalCrossentropyOptions = {}) {
    const where = 'sparseCategoricalCrossentropy';
    const o = checkOptions<SparseCategoricalCrossentropyOptions>(where, options, ['reduction', 'fromLogits']);
    super(where, o);
    this.fromLogits = checkFromLogits(where, o.fromLogits);
  }

  override foldsActivation(activation: string): boolean {
    return !this.fromLogits && activation === 'softmax';
  }

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    const geometry = classGeometry(where, yPred);
    const expected = yPred.shape.slice(0, -1);
    const labels = yTrue.rank === expected.length + 1 && yTrue.shape[yTrue.rank - 1] === 1 ? yTrue.shape.slice(0, -1) : yTrue.shape;
    if (labels.length !== expected.length || !labels.every((d, i) => d === expected[i])) {
      const hint = yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === yPred.shape[yPred.rank - 1]
        ? ' (one-hot targets need categoricalCrossentropy)' : '';
      throw new ShapeError(
        `${where}: yTrue must hold one class label per row (shape ${formatShape(expected)}) for yPred ${formatShape(yPred.shape)}, got yTrue ${formatShape(yTrue.shape)}${hint}`,
      );
    }
    return geometry;
  }

  /** The labels as an Int32Array, each checked to be a class index. */
  private labels(where: string, yTrue: Tensor, rows: number, cols: number): Int32Array {
    const source = contiguous(yTrue.detach()).storage;
    if (source instanceof Int32Array) {
      for (let r = 0; r < rows; r++) {
        const label = source[r];
        if (label < 0 || label >= cols) throw new ValueError(`${where}: yTrue[${r}] must be a class index in [0, ${cols}), got ${label}`);
      }
      return source;
    }
    if (this.labelBuffer === null || this.labelBuffer.length !== rows) this.labelBuffer = new Int32Array(rows);
    const labels = this.labelBuffer;
    for (let r = 0; r < rows; r++) {
      const value = source[r];
      if (!Number.isInteger(value) || value < 0 || value >= cols) {
        throw new ValueError(`${where}: yTrue[${r}] must be a class index in [0, ${cols}), got ${describe(value)}`);
      }
      labels[r] = value;
    }
    return labels;
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    if (rows === 0) return 0;
    const labels = this.labels(this.name, inputs.yTrue, rows, cols);
    const pred = inputs.pred;
    const losses = rowLoss ?? this.scratch('rowLoss', rows);
    if (this.fromLogits || inputs.logits) {
      binding.softmaxCrossEntropy(pred, labels, null, rows, cols, losses, grad, gradScale);
    } else {
      probabilityCrossEntropy(pred, null, labels, rows, cols, losses, grad, gradScale);
    }
    let total = 0;
    for (let r = 0; r < rows; r++) total += losses[r];
    return total;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits };
  }
}

/**
 * Sparse categorical cross-entropy of predicted probabilities (or logits with `{ fromLogits: true }`)
 * `[batch, classes]` against integer labels `[batch]`, averaged over samples: a scalar tensor.
 * ```ts
 * dn.losses.sparseCategoricalCrossentropy(dn.tensor([1], undefined, 'int32'), dn.tensor([[0.2, 0.8]])); // ≈ 0.223
 * ```
 */
export function sparseCategoricalCrossentropy(
  yTrue: TensorLike, yPred: TensorLike, options?: SparseCategoricalCrossentropyOptions & { sampleWeight?: TensorLike },
): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new SparseCategoricalCrossentropy(rest).call(yTrue, yPred, sampleWeight);
}
