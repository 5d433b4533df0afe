/**
 * Categorical cross-entropy: `-sum_c t_c log p_c` per row (targets are one-hot or probabilities
 * over the last axis), then the reduction. From probabilities (normalised to sum 1 and clipped to
 * [1e-7, 1 - 1e-7], as Keras does) or, with `fromLogits`, from logits through the native fused
 * softmax + cross-entropy kernel (one pass for the loss and its gradient, exact for any logits).
 * When a model ends in a softmax, it trains on the logits with that kernel.
 */
import { ShapeError } from '../errors.js';
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions, formatShape } from '../validate.js';
import {
  checkFromLogits, checkLabelSmoothing, classGeometry, Loss, probabilityCrossEntropy, targetFloats, type LossGeometry, type LossInputs,
  type LossOptions,
} from './loss.js';

/** Options of {@link categoricalCrossentropy}. */
export interface CategoricalCrossentropyOptions extends LossOptions {
  /** Predictions are logits (no softmax applied). Default false: probabilities. */
  fromLogits?: boolean;
  /** Mixes the targets with the uniform distribution: `t * (1 - s) + s / classes`. Default 0. */
  labelSmoothing?: number;
}

/** Categorical cross-entropy (Keras `CategoricalCrossentropy`), for one-hot targets. */
export class CategoricalCrossentropy extends Loss {
  readonly className = 'CategoricalCrossentropy';
  readonly name = 'categoricalCrossentropy';
  override readonly fromLogits: boolean;
  /** The label smoothing factor. */
  readonly labelSmoothing: number;

  constructor(options: CategoricalCrossentropyOptions = {}) {
    const where = 'categoricalCrossentropy';
    const o = checkOptions<CategoricalCrossentropyOptions>(where, options, ['reduction', 'fromLogits', 'labelSmoothing']);
    super(where, o);
    this.fromLogits = checkFromLogits(where, o.fromLogits);
    this.labelSmoothing = checkLabelSmoothing(where, o.labelSmoothing);
  }

  override foldsActivation(activation: string): boolean {
    return !this.fromLogits && activation === 'softmax';
  }

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    const geometry = classGeometry(where, yPred);
    if (yTrue.rank !== yPred.rank || !yTrue.shape.every((d, i) => d === yPred.shape[i])) {
      const hint = yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1)
        ? ' (integer class labels need sparseCategoricalCrossentropy, or one-hot them with dn.oneHot)' : '';
      throw new ShapeError(`${where}: yTrue and yPred must have the same shape, got yTrue ${formatShape(yTrue.shape)} and yPred ${formatShape(yPred.shape)}${hint}`);
    }
    return geometry;
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    if (rows === 0) return 0;
    const pred = inputs.pred;
    let targets = targetFloats(inputs.yTrue);
    const smoothing = this.labelSmoothing;
    if (smoothing !== 0) {
      const smoothed = this.scratch('targets', rows * cols);
      for (let i = 0; i < smoothed.length; i++) smoothed[i] = targets[i] * (1 - smoothing) + smoothing / cols;
      targets = smoothed;
    }
    const losses = rowLoss ?? this.scratch('rowLoss', rows);
    if (this.fromLogits || inputs.logits) {
      binding.softmaxCrossEntropy(pred, null, targets, rows, cols, losses, grad, gradScale);
    } else {
      probabilityCrossEntropy(pred, targets, null, rows, cols, losses, grad, gradScale);
    }
    let total = 0;
    for (let r = 0; r < rows; r++) total += losses[r];
    return total;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

/**
 * Categorical cross-entropy of predicted probabilities (or logits with `{ fromLogits: true }`) against
 * one-hot targets of the same shape, averaged over samples: a scalar tensor.
 * ```ts
 * dn.losses.categoricalCrossentropy(dn.tensor([[0, 1]]), dn.tensor([[0.2, 0.8]])); // ≈ 0.223
 * ```
 */
export function categoricalCrossentropy(
  yTrue: TensorLike, yPred: TensorLike, options?: CategoricalCrossentropyOptions & { sampleWeight?: TensorLike },
): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new CategoricalCrossentropy(rest).call(yTrue, yPred, sampleWeight);
}
