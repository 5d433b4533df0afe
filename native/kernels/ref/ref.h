// Declarations of the reference kernels (one row of the kernel table each).
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::ref {

Status SumSquares(const float* x, int64_t n, double* result);
// SGEMM (gemm.cc): C = alpha*op(A)*op(B) + beta*C, + bias, then the activation.
Status Sgemm(const GemmArgs& args, ThreadPool* pool);
// y = op(x) elementwise; sgemm's epilogue calls it for the activations it does not apply in registers.
Status Unary(UnaryOp op, float param, const float* x, float* y, int64_t n);
// Elementwise kernels (elementwise.cc): unary_grad, binary, affine.
Status UnaryGrad(UnaryOp op, float param, const float* x, const float* y, const float* dy, float* dx, int64_t n);
Status Binary(const BinaryArgs& args);
Status Affine(const float* x, float scale, float shift, float* y, int64_t n);
// Which forward values unary_grad reads for an op (x, y, either, or neither), shared by every ISA and
// the binding; UnaryGradInputsValid says whether the given x / y (null when absent) are enough.
enum class UnaryGradInput { kNone, kX, kY, kXOrY };
UnaryGradInput UnaryGradInputOf(UnaryOp op);
bool UnaryGradInputsValid(UnaryOp op, float param, const float* x, const float* y);

// Loss, softmax, reduction and optimizer kernels (softmax.cc, loss.cc, reduce.cc, optimizer.cc).
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
// Shared with the ISA optimizer kernels (baseline code, so every ISA uses the same values):
// 1 / (1 - beta^step) computed in double; whether the state buffers the rule needs are present;
// how the buffer is split across threads (whole blocks, so threads never share a cache line).
float BiasCorrectionScale(float beta, int64_t step);
bool OptimizerStateValid(const OptimizerArgs& args, const float* state1, const float* state2);
constexpr int64_t kOptimizerBlock = 4096;
constexpr int64_t kOptimizerGrainBlocks = 8;

}  // namespace dendrite::ref
