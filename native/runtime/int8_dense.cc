#include "dendrite/int8_dense.h"

#include <cmath>

namespace dendrite {

void Int8RangeParameters(float lo, float hi, float* scale, int32_t* zero_point) {
  lo = lo < 0.0f ? lo : 0.0f;
  hi = hi > 0.0f ? hi : 0.0f;
  const float s = (hi - lo) / 255.0f;
  if (!(s > 0.0f) || !std::isfinite(s)) {
    *scale = 1.0f;
    *zero_point = 0;
    return;
  }
  const float z = std::nearbyint(-lo / s);
  *scale = s;
  *zero_point = static_cast<int32_t>(z < 0.0f ? 0.0f : z > 255.0f ? 255.0f : z);
}

// The range of the finite values of x (0 when there are none).
static void FiniteRange(const KernelTable& kernels, const float* x, int64_t n, float* lo, float* hi) {
  if (kernels.reduce(ReduceOp::kMin, x, 1, n, 1, lo) == Status::kOk &&
      kernels.reduce(ReduceOp::kMax, x, 1, n, 1, hi) == Status::kOk && std::isfinite(*lo) && std::isfinite(*hi)) {
    return;
  }
  *lo = 0.0f;
  *hi = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    *lo = x[i] < *lo ? x[i] : *lo;
    *hi = x[i] > *hi ? x[i] : *hi;
  }
}

Status Int8DenseForward(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const float* x,
                        int64_t rows, float* y, std::vector<uint8_t>* activations) {
  if (rows <= 0 || layer.units <= 0) return Status::kOk;
  const int64_t n = rows * layer.inputs;
  float scale = layer.a_scale;
  int32_t zero_point = layer.a_zero_point;
  if (layer.dynamic && n > 0) {
    float lo, hi;
    FiniteRange(kernels, x, n, &lo, &hi);
    Int8RangeParameters(lo, hi, &scale, &zero_point);
  }
  if (n > 0) {
    if (activations->size() < static_cast<size_t>(n)) activations->resize(static_cast<size_t>(n));
    Status status = kernels.quantize_u8(x, n, scale, zero_point, activations->data());
    if (status != Status::kOk) return status;
  }
  Int8GemmArgs g;
  g.m = rows;
  g.n = layer.units;
  g.k = layer.inputs;
  g.a = n > 0 ? activations->data() : nullptr;
  g.lda = layer.inputs;
  g.a_zero_point = zero_point;
  g.a_scale = scale;
  g.packed_b = layer.packed;
  g.column_sums = layer.column_sums;
  g.b_scales = layer.scales;
  g.bias = layer.bias;
  g.activation = layer.activation;
  g.activation_param = layer.activation_param;
  g.c = y;
  g.ldc = layer.units;
  return kernels.int8_gemm(g, pool);
}

}  // namespace dendrite
