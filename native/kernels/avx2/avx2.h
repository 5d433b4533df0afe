// Declarations of the avx2 kernels. Only files in this folder are compiled with avx2 flags.
#pragma once

#if !defined(__AVX2__) || !defined(__FMA__)
#error "kernels/avx2 must be compiled with its ISA flags (see native/sources.json)"
#endif

#include <immintrin.h>

#include "dendrite/kernels.h"

namespace dendrite::avx2 {

Status SumSquares(const float* x, int64_t n, double* result);

// Loss, softmax, reduction and optimizer kernels (softmax.cc, loss.cc, reduce.cc, optimizer.cc, built from
// the shared bodies in kernels/simd/).
Status Softmax(const float* x, float* y, int64_t rows, int64_t cols, bool log);
Status SoftmaxGrad(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols, bool log);
Status SoftmaxCrossEntropy(const float* logits, const int32_t* labels, const float* probs, int64_t rows, int64_t cols,
                           float* row_loss, float* grad, float grad_scale);
Status SigmoidCrossEntropy(const float* logits, const float* targets, int64_t n, float* loss, float* grad,
                           float grad_scale);
Status RegressionLoss(LossKind kind, float param, const float* pred, const float* target, int64_t n,
                      double* loss_sum, float* grad, float grad_scale);
Status Reduce(ReduceOp op, const float* x, int64_t outer, int64_t axis, int64_t inner, float* out);
Status Argmax(const float* x, int64_t outer, int64_t axis, int64_t inner, int32_t* out);
Status ColumnSum(const float* x, int64_t rows, int64_t cols, float* out, bool accumulate);
Status OptimizerUpdate(const OptimizerArgs& args, float* param, const float* grad, float* state1, float* state2,
                       int64_t n, ThreadPool* pool);
// SGEMM (gemm.cc): C = alpha*op(A)*op(B) + beta*C, + bias, then the activation.
Status Sgemm(const GemmArgs& args, ThreadPool* pool);
// y = op(x) elementwise; sgemm's epilogue calls it for the activations it does not apply in registers.
Status Unary(UnaryOp op, float param, const float* x, float* y, int64_t n);
// Elementwise kernels (elementwise.cc): unary_grad, binary, affine.
Status UnaryGrad(UnaryOp op, float param, const float* x, const float* y, const float* dy, float* dx, int64_t n);
Status Binary(const BinaryArgs& args);
Status Affine(const float* x, float scale, float shift, float* y, int64_t n);

}  // namespace dendrite::avx2
