// The reference SGEMM: the straightforward triple loop (k innermost, in order, float accumulation),
// the oracle the SIMD kernels are tested against. Slow on purpose: no blocking, no threads.
#include "kernels/ref/ref.h"

namespace dendrite::ref {

#include "kernels/ref/gemm_epilogue.inc"

Status Sgemm(const GemmArgs& args, ThreadPool* pool) {
  if (!GemmArgsAreValid(args)) return Status::kInvalidArgument;
  if (args.m == 0 || args.n == 0) return Status::kOk;  // not `batch` empty products
  const bool inline_activation = GemmActivationIsInline(args.activation);
  // alpha == 0 leaves A and B unread (as BLAS does), so an Inf or NaN in them cannot leak into C.
  const bool multiply = args.k > 0 && args.alpha != 0.0f;
  for (int64_t item = 0; item < args.batch; ++item) {
    const float* a = args.a + item * args.stride_a;
    const float* b = args.b + item * args.stride_b;
    float* c = args.c + item * args.stride_c;
    for (int64_t i = 0; i < args.m; ++i) {
      float* c_row = c + i * args.ldc;
      for (int64_t j = 0; j < args.n; ++j) {
        float product = 0.0f;
        if (multiply) {
          float sum = 0.0f;
          for (int64_t p = 0; p < args.k; ++p) {
            float a_ip = args.trans_a ? a[p * args.lda + i] : a[i * args.lda + p];
            float b_pj = args.trans_b ? b[j * args.ldb + p] : b[p * args.ldb + j];
            sum += a_ip * b_pj;
          }
          product = args.alpha * sum;
        }
        // beta == 0 overwrites: C is never read, so it may hold NaN.
        float value = args.beta == 0.0f ? product : product + args.beta * c_row[j];
        if (args.bias != nullptr) value += args.bias[j];
        if (inline_activation) value = GemmActivateInline(args.activation, args.activation_param, value);
        c_row[j] = value;
      }
      if (!inline_activation) {
        Status status = Unary(args.activation, args.activation_param, c_row, c_row, args.n);
        if (status != Status::kOk) return status;
      }
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
