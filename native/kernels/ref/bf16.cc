// The reference bf16 GEMM (the straightforward triple loop over the packed weights, in the order every path
// accumulates: see Bf16GemmArgs), the reference float32 -> bf16 conversion, and the baseline helpers every ISA
// shares: weight packing and the argument checks.
#include <cstring>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

#include "kernels/ref/gemm_epilogue.inc"

namespace {

// vdpbf16ps flushes subnormal results to zero (keeping the sign); every path does the same after each fma.
float FlushSubnormal(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7F800000u) == 0) bits &= 0x80000000u;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

}  // namespace

uint16_t Bf16FromFloat(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7F800000u) == 0) return static_cast<uint16_t>((bits >> 16) & 0x8000u);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float FloatFromBf16(uint16_t value) {
  const uint32_t bits = static_cast<uint32_t>(value) << 16;
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

void PackBf16Weights(const float* weights, int64_t k, int64_t n, uint16_t* packed) {
  const int64_t pairs = Bf16Pairs(k);
  const int64_t length = Bf16PackedLength(k, n);
  if (length > 0) std::memset(packed, 0, static_cast<size_t>(length) * sizeof(uint16_t));
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t panel = j / kBf16PanelColumns, column = j % kBf16PanelColumns;
      const int64_t pair = p / kBf16GroupDepth, depth = p % kBf16GroupDepth;
      packed[((panel * pairs + pair) * kBf16PanelColumns + column) * kBf16GroupDepth + depth] = Bf16FromFloat(weights[p * n + j]);
    }
  }
}

bool Bf16GemmArgsAreValid(const Bf16GemmArgs& args) {
  if (args.m < 0 || args.n < 0 || args.k < 0) return false;
  if (static_cast<int32_t>(args.activation) < 0 || static_cast<int32_t>(args.activation) >= kUnaryOpCount) return false;
  if (args.m == 0 || args.n == 0) return true;
  if (args.c == nullptr || args.ldc < args.n) return false;
  if (args.k == 0) return true;
  return args.a != nullptr && args.lda >= args.k && args.packed_b != nullptr;
}

Status Bf16Gemm(const Bf16GemmArgs& args, ThreadPool* pool) {
  if (!Bf16GemmArgsAreValid(args)) return Status::kInvalidArgument;
  const int64_t pairs = Bf16Pairs(args.k);
  for (int64_t i = 0; i < args.m; ++i) {
    const uint16_t* a = args.a + i * args.lda;
    float* row = args.c + i * args.ldc;
    for (int64_t j = 0; j < args.n; ++j) {
      const uint16_t* column = args.packed_b + j / kBf16PanelColumns * Bf16PanelLength(args.k) + j % kBf16PanelColumns * kBf16GroupDepth;
      float acc = 0.0f;
      for (int64_t g = 0; g < pairs; ++g) {
        const uint16_t* w = column + g * kBf16PanelColumns * kBf16GroupDepth;
        const int64_t p = g * kBf16GroupDepth;
        const float odd = p + 1 < args.k ? FloatFromBf16(a[p + 1]) : 0.0f;  // past k: the padding (weights 0 there)
        acc = FlushSubnormal(__builtin_fmaf(odd, FloatFromBf16(w[1]), acc));
        acc = FlushSubnormal(__builtin_fmaf(FloatFromBf16(a[p]), FloatFromBf16(w[0]), acc));
      }
      row[j] = GemmActivateInline(args.activation, args.activation_param, acc + (args.bias != nullptr ? args.bias[j] : 0.0f));
    }
    if (!GemmActivationIsInline(args.activation)) {
      Status status = Unary(args.activation, args.activation_param, row, row, args.n);
      if (status != Status::kOk) return status;
    }
  }
  return Status::kOk;
}

Status ConvertBf16(const float* x, int64_t n, uint16_t* y) {
  if (n < 0 || (n > 0 && (x == nullptr || y == nullptr))) return Status::kInvalidArgument;
  for (int64_t i = 0; i < n; ++i) y[i] = Bf16FromFloat(x[i]);
  return Status::kOk;
}

}  // namespace dendrite::ref
