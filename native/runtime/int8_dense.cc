#include "dendrite/int8_dense.h"

#include <cmath>
#include <cstring>

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

// Quantises n values of x to u8 into q (grown as needed) with the layer's static parameters or, dynamic, those
// of x's finite range; returns the parameters used.
static Status QuantizeInput(const KernelTable& kernels, const Int8DenseLayer& layer, const float* x, int64_t n,
                            std::vector<uint8_t>* q, float* scale, int32_t* zero_point) {
  *scale = layer.a_scale;
  *zero_point = layer.a_zero_point;
  if (n <= 0) return Status::kOk;
  if (layer.dynamic) {
    float lo, hi;
    FiniteRange(kernels, x, n, &lo, &hi);
    Int8RangeParameters(lo, hi, scale, zero_point);
  }
  if (q->size() < static_cast<size_t>(n)) q->resize(static_cast<size_t>(n));
  return kernels.quantize_u8(x, n, *scale, *zero_point, q->data());
}

// The int8 GEMM of `rows` u8 rows of layer.inputs values (a) by the layer's kernel, into y [rows, units].
static Status LayerGemm(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const uint8_t* a,
                        int64_t rows, float scale, int32_t zero_point, float* y) {
  Int8GemmArgs g;
  g.m = rows;
  g.n = layer.units;
  g.k = layer.inputs;
  g.a = a;
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

Status Int8DenseForward(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const float* x,
                        int64_t rows, float* y, std::vector<uint8_t>* activations) {
  if (rows <= 0 || layer.units <= 0) return Status::kOk;
  const int64_t n = rows * layer.inputs;
  float scale;
  int32_t zero_point;
  Status status = QuantizeInput(kernels, layer, x, n, activations, &scale, &zero_point);
  if (status != Status::kOk) return status;
  return LayerGemm(kernels, pool, layer, n > 0 ? activations->data() : nullptr, rows, scale, zero_point, y);
}

Status Int8Conv2DForward(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const ConvGeometry& g,
                         const float* x, float* y, std::vector<uint8_t>* activations) {
  if (g.groups != 1 || layer.units != g.out_c || layer.inputs != g.kernel_h * g.kernel_w * g.in_c) return Status::kInvalidArgument;
  const int64_t pixels = g.out_h * g.out_w, sample = g.in_h * g.in_w * g.in_c, depth = layer.inputs;
  if (g.batch <= 0 || pixels <= 0 || g.out_c <= 0) return Status::kOk;
  // One buffer: the quantised input, then one sample's patches.
  const int64_t n = g.batch * sample;
  float scale;
  int32_t zero_point;
  Status status = QuantizeInput(kernels, layer, x, n, activations, &scale, &zero_point);
  if (status != Status::kOk) return status;
  activations->resize(static_cast<size_t>(n + pixels * depth));
  const uint8_t* q = activations->data();
  uint8_t* patches = activations->data() + n;
  const uint8_t pad = static_cast<uint8_t>(zero_point);
  for (int64_t b = 0; b < g.batch; ++b) {
    const uint8_t* image = q + b * sample;
    uint8_t* row = patches;
    for (int64_t oy = 0; oy < g.out_h; ++oy) {
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
          const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) {
              std::memcpy(row, image + (iy * g.in_w + ix) * g.in_c, static_cast<size_t>(g.in_c));
            } else {
              std::memset(row, pad, static_cast<size_t>(g.in_c));
            }
            row += g.in_c;
          }
        }
      }
    }
    status = LayerGemm(kernels, pool, layer, patches, pixels, scale, zero_point, y + b * pixels * g.out_c);
    if (status != Status::kOk) return status;
  }
  return Status::kOk;
}

}  // namespace dendrite
