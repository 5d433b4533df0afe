// Reference normalization kernels. Batch normalization over a [rows, channels] matrix (NHWC activations
// with the batch and spatial axes flattened into rows): the per-channel statistics, the sums the
// gradients need, and the per-channel affine map that both the normalization and a folded convolution
// epilogue apply. Sums are in double, over blocks of kNormalizationBlockRows rows added in order, the
// same blocks the SIMD kernels split across threads. Layer normalization over the last axis of a
// [rows, cols] matrix (LayerNormArgs), its sums in double too.
#include <cmath>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

Status BatchNormStatistics(const float* x, int64_t rows, int64_t channels, float* mean, float* variance,
                           ThreadPool* pool) {
  if (rows < 0 || channels < 0) return Status::kInvalidArgument;
  for (int64_t c = 0; c < channels; ++c) {
    if (rows == 0) {
      mean[c] = variance[c] = __builtin_nanf("");
      continue;
    }
    // Sums of deviations from the first row's value: no cancellation when the mean is large.
    const double pivot = x[c];
    double sum = 0.0, sum_squares = 0.0;
    for (int64_t begin = 0; begin < rows; begin += kNormalizationBlockRows) {
      const int64_t end = begin + kNormalizationBlockRows < rows ? begin + kNormalizationBlockRows : rows;
      double block_sum = 0.0, block_squares = 0.0;
      for (int64_t r = begin; r < end; ++r) {
        const double deviation = static_cast<double>(x[r * channels + c]) - pivot;
        block_sum += deviation;
        block_squares += deviation * deviation;
      }
      sum += block_sum;
      sum_squares += block_squares;
    }
    const double shift = sum / static_cast<double>(rows);
    const double spread = sum_squares / static_cast<double>(rows) - shift * shift;
    mean[c] = static_cast<float>(pivot + shift);
    variance[c] = static_cast<float>(spread > 0.0 ? spread : 0.0);
  }
  return Status::kOk;
}

Status BatchNormBackward(const float* x, const float* dy, int64_t rows, int64_t channels, const float* mean,
                         const float* inv_std, const float* gamma, float* dx, float* sum_dy, float* sum_dy_xhat,
                         ThreadPool* pool) {
  if (rows < 0 || channels < 0) return Status::kInvalidArgument;
  for (int64_t c = 0; c < channels; ++c) {
    double total_dy = 0.0, total_dy_xhat = 0.0;
    for (int64_t begin = 0; begin < rows; begin += kNormalizationBlockRows) {
      const int64_t end = begin + kNormalizationBlockRows < rows ? begin + kNormalizationBlockRows : rows;
      double block_dy = 0.0, block_dy_xhat = 0.0;
      for (int64_t r = begin; r < end; ++r) {
        const float xhat = (x[r * channels + c] - mean[c]) * inv_std[c];
        const double g = dy[r * channels + c];
        block_dy += g;
        block_dy_xhat += g * static_cast<double>(xhat);
      }
      total_dy += block_dy;
      total_dy_xhat += block_dy_xhat;
    }
    sum_dy[c] = static_cast<float>(total_dy);
    sum_dy_xhat[c] = static_cast<float>(total_dy_xhat);
  }
  if (dx == nullptr || rows == 0) return Status::kOk;
  const float inverse_rows = 1.0f / static_cast<float>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = (gamma != nullptr ? gamma[c] : 1.0f) * inv_std[c];
      const float mean_dy = sum_dy[c] * inverse_rows, mean_dy_xhat = sum_dy_xhat[c] * inverse_rows;
      const float xhat = (x[r * channels + c] - mean[c]) * inv_std[c];
      dx[r * channels + c] = scale * (dy[r * channels + c] - mean_dy - xhat * mean_dy_xhat);
    }
  }
  return Status::kOk;
}

Status ChannelAffine(const float* x, int64_t rows, int64_t channels, const float* scale, const float* shift, float* y,
                     ThreadPool* pool) {
  if (rows < 0 || channels < 0 || scale == nullptr || shift == nullptr) return Status::kInvalidArgument;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < channels; ++c) y[r * channels + c] = x[r * channels + c] * scale[c] + shift[c];
  }
  return Status::kOk;
}

Status LayerNorm(const LayerNormArgs& a, ThreadPool* pool) {
  if (a.rows < 0 || a.cols < 0 || !(a.epsilon >= 0.0f)) return Status::kInvalidArgument;
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.cols;
    float* y = a.y + r * a.cols;
    double sum = 0.0;
    for (int64_t c = 0; c < a.cols; ++c) sum += x[c];
    const double mean = a.cols == 0 ? 0.0 : sum / static_cast<double>(a.cols);
    double squares = 0.0;
    for (int64_t c = 0; c < a.cols; ++c) squares += (x[c] - mean) * (x[c] - mean);
    const double variance = a.cols == 0 ? 0.0 : squares / static_cast<double>(a.cols);
    const float inv_std = static_cast<float>(1.0 / std::sqrt(variance + static_cast<double>(a.epsilon)));
    const float mean_f = static_cast<float>(mean);
    if (a.mean != nullptr) a.mean[r] = mean_f;
    if (a.inv_std != nullptr) a.inv_std[r] = inv_std;
    // y may alias x: each element is read before it is written.
    for (int64_t c = 0; c < a.cols; ++c) {
      const float xhat = (x[c] - mean_f) * inv_std;
      y[c] = xhat * (a.gamma != nullptr ? a.gamma[c] : 1.0f) + (a.beta != nullptr ? a.beta[c] : 0.0f);
    }
  }
  return Status::kOk;
}

Status LayerNormBackward(const LayerNormArgs& a, ThreadPool* pool) {
  if (a.rows < 0 || a.cols < 0 || (a.rows > 0 && (a.mean == nullptr || a.inv_std == nullptr))) return Status::kInvalidArgument;
  for (int64_t c = 0; c < a.cols && (a.dgamma != nullptr || a.dbeta != nullptr); ++c) {
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int64_t r = 0; r < a.rows; ++r) {
      const double g = a.dy[r * a.cols + c];
      sum_dy += g;
      sum_dy_xhat += g * static_cast<double>((a.x[r * a.cols + c] - a.mean[r]) * a.inv_std[r]);
    }
    if (a.dgamma != nullptr) a.dgamma[c] = static_cast<float>(a.accumulate ? a.dgamma[c] + sum_dy_xhat : sum_dy_xhat);
    if (a.dbeta != nullptr) a.dbeta[c] = static_cast<float>(a.accumulate ? a.dbeta[c] + sum_dy : sum_dy);
  }
  if (a.dx == nullptr || a.cols == 0) return Status::kOk;
  const double inverse_cols = 1.0 / static_cast<double>(a.cols);
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.cols;
    const float* dy = a.dy + r * a.cols;
    double sum_g = 0.0, sum_g_xhat = 0.0;
    for (int64_t c = 0; c < a.cols; ++c) {
      const double g = static_cast<double>(dy[c]) * (a.gamma != nullptr ? a.gamma[c] : 1.0f);
      sum_g += g;
      sum_g_xhat += g * static_cast<double>((x[c] - a.mean[r]) * a.inv_std[r]);
    }
    const double mean_g = sum_g * inverse_cols, mean_g_xhat = sum_g_xhat * inverse_cols;
    for (int64_t c = 0; c < a.cols; ++c) {
      const double g = static_cast<double>(dy[c]) * (a.gamma != nullptr ? a.gamma[c] : 1.0f);
      const double xhat = (x[c] - a.mean[r]) * a.inv_std[r];
      a.dx[r * a.cols + c] = static_cast<float>(a.inv_std[r] * (g - mean_g - xhat * mean_g_xhat));
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
