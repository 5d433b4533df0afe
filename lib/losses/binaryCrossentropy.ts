/**
 * Binary cross-entropy: per element `-(t log p + (1 - t) log(1 - p))`, the mean over the last axis,
 * then the reduction. From probabilities (clipped to [1e-7, 1 - 1e-7] in float32, as Keras and
 * TensorFlow.js do) or, with `fromLogits`, from logits through the native fused sigmoid +
 * cross-entropy kernel, which is exact for any logit. When a model ends in a sigmoid, it trains on the logits with that kernel.
 */
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import {
  checkFromLogits, checkLabelSmoothing, clipProbability, elementwiseGeometry, Loss, targetFloats, type LossGeometry, type LossInputs,
  type LossOptions,
} from './loss.js';

/** Options of {@link binaryCrossentropy}. */
export interface BinaryCrossentropyOptions extends LossOptions {
  /** Predictions are logits (no sigmoid applied). Default false: probabilities. */
  fromLogits?: boolean;
  /** Moves targets toward 0.5: `t * (1 - s) + 0.5 * s`. Default 0. */
  labelSmoothing?: number;
}

/** Binary cross-entropy (Keras `BinaryCrossentropy`), for 0/1 (or probability) targets. */
export class BinaryCrossentropy extends Loss {
  readonly className = 'BinaryCrossentropy';
  readonly name = 'binaryCrossentropy';
  override readonly fromLogits: boolean;
  /** The label smoothing factor. */
  readonly labelSmoothing: number;

  constructor(options: BinaryCrossentropyOptions = {}) {
    const where = 'binaryCrossentropy';
    const o = checkOptions<BinaryCrossentropyOptions>(where, options, ['reduction', 'fromLogits', 'labelSmoothing']);
    super(where, o);
    this.fromLogits = checkFromLogits(where, o.fromLogits);
    this.labelSmoothing = checkLabelSmoothing(where, o.labelSmoothing);
  }

  override foldsActivation(activation: string): boolean {
    return !this.fromLogits && activation === 'sigmoid';
  }

  /** @internal */
  protected override geometry(where: string, yTrue: Tensor, yPred: Tensor): LossGeometry {
    return elementwiseGeometry(where, yTrue, yPred);
  }

  /** @internal */
  protected override evaluate(inputs: LossInputs, rowLoss: Float32Array | null, grad: Float32Array | null, gradScale: number): number {
    const { rows, cols } = inputs.geometry;
    const n = rows * cols;
    if (n === 0) return 0;
    const pred = inputs.pred;
    let targets = targetFloats(inputs.yTrue);
    const smoothing = this.labelSmoothing;
    if (smoothing !== 0) {
      const smoothed = this.scratch('targets', n);
      for (let i = 0; i < n; i++) smoothed[i] = targets[i] * (1 - smoothing) + 0.5 * smoothing;
      targets = smoothed;
    }
    const elementLoss = this.scratch('elementLoss', n);
    const scale = gradScale / cols;
    if (this.fromLogits || inputs.logits) {
      binding.sigmoidCrossEntropy(pred, targets, n, elementLoss, grad, scale);
    } else {
      for (let i = 0; i < n; i++) {
        const raw = pred[i];
        const p = clipProbability(raw);
        const t = targets[i];
        elementLoss[i] = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
        // Clipping stops the gradient outside [eps, 1 - eps], as TensorFlow's clip_by_value does.
        if (grad !== null) grad[i] = p === raw ? (-t / p + (1 - t) / (1 - p)) * scale : 0;
      }
    }
    let total = 0;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = r * cols, end = c + cols; c < end; c++) sum += elementLoss[c];
      const value = sum / cols;
      if (rowLoss !== null) rowLoss[r] = value;
      total += value;
    }
    return total;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

/**
 * Binary cross-entropy of predicted probabilities (or logits with `{ fromLogits: true }`) against
 * 0/1 targets of the same shape, averaged over samples: a scalar tensor.
 * ```ts
 * dn.losses.binaryCrossentropy(dn.tensor([[1], [0]]), dn.tensor([[0.9], [0.2]])); // ≈ 0.164
 * ```
 */
export function binaryCrossentropy(
  yTrue: TensorLike, yPred: TensorLike, options?: BinaryCrossentropyOptions & { sampleWeight?: TensorLike },
): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new BinaryCrossentropy(rest).call(yTrue, yPred, sampleWeight);
}
