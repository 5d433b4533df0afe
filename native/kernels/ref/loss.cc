// Sigmoid + binary cross-entropy from logits and the regression losses (mse, mae, huber), in plain C++.
#include <cmath>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

Status SigmoidCrossEntropy(const float* logits, const float* targets, int64_t n, float* loss, float* grad,
                           float grad_scale) {
  for (int64_t i = 0; i < n; ++i) {
    float x = logits[i];
    float t = targets[i];
    // exp(-|x|) <= 1 never overflows; log1p keeps full precision when it is tiny.
    float e = std::exp(-std::fabs(x));
    float value = (x > 0.0f ? x : 0.0f) - x * t + std::log1p(e);
    if (grad != nullptr) {
      float sigmoid = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
      grad[i] = (sigmoid - t) * grad_scale;
    }
    loss[i] = value;  // after the gradient, so loss may alias logits
  }
  return Status::kOk;
}

namespace {

// sign(d) with sign(0) = 0 (MAE has no gradient at 0) and NaN kept.
float Sign(float d) { return d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : d; }

}  // namespace

// Each element's loss is computed in double from the float difference d = pred - target (products of
// floats are exact in double), then summed in index order. The gradient is computed in float.
Status RegressionLoss(LossKind kind, float param, const float* pred, const float* target, int64_t n,
                      double* loss_sum, float* grad, float grad_scale) {
  if (kind != LossKind::kMse && kind != LossKind::kMae && kind != LossKind::kHuber) return Status::kInvalidArgument;
  double sum = 0.0;
  double delta = param;
  for (int64_t i = 0; i < n; ++i) {
    float d = pred[i] - target[i];
    double dd = d;
    float g;
    switch (kind) {
      case LossKind::kMse:
        sum += dd * dd;
        g = (d * 2.0f) * grad_scale;
        break;
      case LossKind::kMae:
        sum += std::fabs(dd);
        g = Sign(d) * grad_scale;
        break;
      default:  // huber, Keras' form: quadratic within delta, linear outside
        if (std::fabs(d) <= param) {
          sum += 0.5 * dd * dd;
          g = d * grad_scale;
        } else {
          sum += delta * std::fabs(dd) - 0.5 * delta * delta;
          g = (Sign(d) * param) * grad_scale;
        }
        break;
    }
    if (grad != nullptr) grad[i] = g;
  }
  *loss_sum = sum;
  return Status::kOk;
}

}  // namespace dendrite::ref
