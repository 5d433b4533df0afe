// Softmax, log-softmax, their gradients and the fused softmax + cross-entropy, in plain C++.
// Every row subtracts its maximum before exp, so large logits never overflow. A row whose maximum is
// -inf (all entries -inf) or +inf gives NaN (inf - inf), as in PyTorch; other -inf entries give
// probability 0. Sums are taken in double here: this is the oracle the SIMD paths are compared with.
#include <cmath>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

float RowMax(const float* x, int64_t cols) {
  float max = x[0];
  for (int64_t c = 1; c < cols; ++c) max = x[c] > max ? x[c] : max;
  return max;
}

}  // namespace

Status Softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log) {
  if (cols == 0) return Status::kOk;
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    float max = RowMax(in, cols);
    double sum = 0.0;
    if (log) {
      for (int64_t c = 0; c < cols; ++c) sum += std::exp(in[c] - max);
      float log_sum = static_cast<float>(std::log(sum));
      for (int64_t c = 0; c < cols; ++c) out[c] = (in[c] - max) - log_sum;
    } else {
      // out may alias in: each element is read before it is overwritten.
      for (int64_t c = 0; c < cols; ++c) {
        float e = std::exp(in[c] - max);
        out[c] = e;
        sum += e;
      }
      double inverse = 1.0 / sum;
      for (int64_t c = 0; c < cols; ++c) out[c] = static_cast<float>(out[c] * inverse);
    }
  }
  return Status::kOk;
}

Status SoftmaxGrad(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* out = y + r * cols;
    const float* grad_out = dy + r * cols;
    float* grad_in = dx + r * cols;
    if (log) {
      // y = log_softmax(x): dx = dy - softmax(x) * sum(dy).
      double sum = 0.0;
      for (int64_t c = 0; c < cols; ++c) sum += grad_out[c];
      float total = static_cast<float>(sum);
      for (int64_t c = 0; c < cols; ++c) grad_in[c] = grad_out[c] - std::exp(out[c]) * total;
    } else {
      // y = softmax(x): dx = y * (dy - sum(dy * y)).
      double dot = 0.0;
      for (int64_t c = 0; c < cols; ++c) dot += static_cast<double>(grad_out[c]) * out[c];
      float total = static_cast<float>(dot);
      for (int64_t c = 0; c < cols; ++c) grad_in[c] = out[c] * (grad_out[c] - total);
    }
  }
  return Status::kOk;
}

Status SoftmaxCrossEntropy(const float* logits, const int32_t* labels, const float* probs, int64_t rows,
                           int64_t cols, float* row_loss, float* grad, float grad_scale) {
  if (rows == 0) return Status::kOk;
  if ((labels == nullptr) == (probs == nullptr) || cols == 0) return Status::kInvalidArgument;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * cols;
    const float* target = probs != nullptr ? probs + r * cols : nullptr;
    float max = RowMax(x, cols);
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum += std::exp(x[c] - max);
    double log_sum = std::log(sum);
    // loss = -sum_c t_c * log_softmax(x)_c, with log_softmax = (x - max) - log_sum. Classes with t_c == 0
    // contribute nothing (0 * log 0 = 0), so a masked -inf logit with a zero target does not give NaN.
    double loss = 0.0;
    if (labels != nullptr) {
      loss = log_sum - static_cast<double>(x[labels[r]] - max);
    } else {
      for (int64_t c = 0; c < cols; ++c) {
        if (target[c] != 0.0f) loss += static_cast<double>(target[c]) * (log_sum - static_cast<double>(x[c] - max));
      }
    }
    row_loss[r] = static_cast<float>(loss);
    if (grad != nullptr) {
      // Written after the loss is known, so grad may alias logits.
      float* g = grad + r * cols;
      for (int64_t c = 0; c < cols; ++c) {
        float p = static_cast<float>(std::exp(static_cast<double>(x[c] - max)) / sum);
        float t = labels != nullptr ? (c == labels[r] ? 1.0f : 0.0f) : target[c];
        g[c] = (p - t) * grad_scale;
      }
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
