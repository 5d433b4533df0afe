// The reference int8 GEMM (the straightforward triple loop over the packed weights, exact int32 sums),
// the reference u8 quantisation, and the baseline helpers every ISA shares: weight packing and the
// argument checks.
#include <cmath>
#include <cstring>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

#include "kernels/ref/gemm_epilogue.inc"

namespace {

// The epilogue of one element, exactly as the SIMD paths compute it (the zero-point correction wraps in
// 32 bits like theirs; the depth limit keeps the true value in range, so nothing actually wraps).
float Int8Finish(int32_t sum, int32_t column_sum, const Int8GemmArgs& args, int64_t j) {
  const uint32_t corrected = static_cast<uint32_t>(sum) - static_cast<uint32_t>(args.a_zero_point) * static_cast<uint32_t>(column_sum);
  const float scale = args.a_scale * args.b_scales[j];
  return __builtin_fmaf(static_cast<float>(static_cast<int32_t>(corrected)), scale, args.bias != nullptr ? args.bias[j] : 0.0f);
}

}  // namespace

void PackInt8Weights(const int8_t* weights, int64_t k, int64_t n, int8_t* packed, int32_t* column_sums) {
  const int64_t groups = Int8Groups(k);
  const int64_t bytes = Int8PackedBytes(k, n);
  if (bytes > 0) std::memset(packed, 0, static_cast<size_t>(bytes));
  for (int64_t j = 0; j < n; ++j) {
    const int64_t panel = j / kInt8PanelColumns, column = j % kInt8PanelColumns;
    int32_t sum = 0;
    for (int64_t p = 0; p < k; ++p) {
      const int8_t w = weights[p * n + j];
      sum += w;
      const int64_t group = p / kInt8GroupDepth, depth = p % kInt8GroupDepth;
      packed[((panel * groups + group) * kInt8PanelColumns + column) * kInt8GroupDepth + depth] = w;
    }
    column_sums[j] = sum;
  }
}

bool Int8GemmArgsAreValid(const Int8GemmArgs& args) {
  if (args.m < 0 || args.n < 0 || args.k < 0 || args.k > kInt8MaxDepth) return false;
  if (args.a_zero_point < 0 || args.a_zero_point > 255) return false;
  if (static_cast<int32_t>(args.activation) < 0 || static_cast<int32_t>(args.activation) >= kUnaryOpCount) return false;
  if (args.m == 0 || args.n == 0) return true;
  if (args.c == nullptr || args.ldc < args.n || args.b_scales == nullptr || args.column_sums == nullptr) return false;
  if (args.k == 0) return true;
  return args.a != nullptr && args.lda >= args.k && args.packed_b != nullptr;
}

Status Int8Gemm(const Int8GemmArgs& args, ThreadPool* pool) {
  if (!Int8GemmArgsAreValid(args)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < args.m; ++i) {
    float* row = args.c + i * args.ldc;
    for (int64_t j = 0; j < args.n; ++j) {
      const int8_t* panel = args.packed_b + j / kInt8PanelColumns * Int8PanelBytes(args.k);
      const int64_t column = j % kInt8PanelColumns;
      int32_t sum = 0;
      for (int64_t p = 0; p < args.k; ++p) {
        const int8_t w = panel[((p / kInt8GroupDepth) * kInt8PanelColumns + column) * kInt8GroupDepth + p % kInt8GroupDepth];
        sum += static_cast<int32_t>(args.a[i * args.lda + p]) * w;
      }
      row[j] = GemmActivateInline(args.activation, args.activation_param, Int8Finish(sum, args.column_sums[j], args, j));
    }
    if (!GemmActivationIsInline(args.activation)) {
      Status status = Unary(args.activation, args.activation_param, row, row, args.n);
      if (status != Status::kOk) return status;
    }
  }
  return Status::kOk;
}

Status QuantizeU8(const float* x, int64_t n, float scale, int32_t zero_point, uint8_t* q) {
  if (n < 0 || zero_point < 0 || zero_point > 255 || !(scale > 0.0f) || (n > 0 && (x == nullptr || q == nullptr))) {
    return Status::kInvalidArgument;
  }
  const float zero = static_cast<float>(zero_point);
  for (int64_t i = 0; i < n; ++i) {
    float v = std::nearbyint(x[i] / scale) + zero;
    v = v > 0.0f ? v : 0.0f;  // NaN goes to 0, as the SIMD max(v, 0) does
    v = v < 255.0f ? v : 255.0f;
    q[i] = static_cast<uint8_t>(v);
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
