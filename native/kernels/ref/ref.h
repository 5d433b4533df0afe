// Declarations of the reference kernels (one row of the kernel table each).
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::ref {

Status SumSquares(const float* x, int64_t n, double* result);

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
