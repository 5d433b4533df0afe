// The digits data set scaled to [0, 1], and a classifier's accuracy on it: shared by the compression tests.
import * as dn from '../../lib/index.js';

/** Digits with pixels divided by 16 (x, xt) and the labels (y, yt). */
export function scaledDigits(): { x: dn.Tensor; y: dn.Tensor; xt: dn.Tensor; yt: dn.Tensor } {
  const digits = dn.datasets.digits();
  return { x: digits.xTrain.div(16), y: digits.yTrain, xt: digits.xTest.div(16), yt: digits.yTest };
}

/** The share of `x` a classifier labels as `labels` says. */
export function accuracy(model: dn.Model, x: dn.Tensor, labels: dn.Tensor): number {
  const predicted = (model.predict(x) as dn.Tensor).argmax(-1).toArray() as number[];
  const truth = labels.toArray() as number[];
  return predicted.filter((p, i) => p === truth[i]).length / truth.length;
}
