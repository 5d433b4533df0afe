/** Mean absolute error: the mean over the last axis of `|yPred - yTrue|`, then the reduction. */
import { binding } from '../native.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { checkOptions } from '../validate.js';
import { RegressionLoss, type LossOptions } from './loss.js';

const MAE = binding.opCodes.loss.mae;

/** Mean absolute error (Keras `MeanAbsoluteError`). Its gradient at `yPred == yTrue` is 0. */
export class MeanAbsoluteError extends RegressionLoss {
  readonly className = 'MeanAbsoluteError';
  readonly name = 'meanAbsoluteError';
  protected readonly kind = MAE;

  constructor(options: LossOptions = {}) {
    const o = checkOptions<LossOptions>('meanAbsoluteError', options, ['reduction']);
    super('meanAbsoluteError', o);
  }
}

/** Mean absolute error of `yPred` against `yTrue` (same shape), averaged over samples: a scalar tensor. */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike, options?: LossOptions & { sampleWeight?: TensorLike }): Tensor {
  const { sampleWeight, ...rest } = options ?? {};
  return new MeanAbsoluteError(rest).call(yTrue, yPred, sampleWeight);
}
