// Elementwise, softmax and reduction kernels over the thread pool.
//
// The kernel table's elementwise, softmax and reduce kernels run on the thread that calls them. These
// wrappers split a large call into ranges of whole elements (unary, unary_grad, affine), whole output
// rows along the outermost dimension (binary), whole rows (softmax, softmax_grad) or whole outer slices
// (reduce), and run each range as one call of the same kernel on a thread of the pool. Each element,
// row or slice is computed by the same code, on the same inputs, whatever range it falls in (the
// kernels' tails go through lane masks, never through different arithmetic, and a row or slice is never
// split), so the results are bit-identical for every thread count. Below kParallelMinElements
// elements a call runs on the calling thread: waking a worker costs more than the work saves.
//
// A full reduction (one output, or the columns of a single outer slice) is not split: splitting its
// sum would change the order of the additions.
#pragma once

#include <cstdint>

#include "dendrite/kernels.h"
#include "dendrite/thread_pool.h"

namespace dendrite {

// The fewest elements (of the output, or read per output row) worth a second thread.
constexpr int64_t kParallelMinElements = int64_t{1} << 15;
// Element ranges start at multiples of this many floats (256 bytes): no two threads write the same
// cache line.
constexpr int64_t kParallelElementAlign = 64;

// Each runs kernels.<row> over the pool (pool may be null: the calling thread alone) and returns the
// first failing status of its ranges (kOk when all succeed). Arguments as in KernelTable.
Status ParallelUnary(const KernelTable& kernels, ThreadPool* pool, UnaryOp op, float param, const float* x, float* y,
                     int64_t n);
Status ParallelUnaryGrad(const KernelTable& kernels, ThreadPool* pool, UnaryOp op, float param, const float* x,
                         const float* y, const float* dy, float* dx, int64_t n);
Status ParallelAffine(const KernelTable& kernels, ThreadPool* pool, const float* x, float scale, float shift, float* y,
                      int64_t n);
Status ParallelBinary(const KernelTable& kernels, ThreadPool* pool, const BinaryArgs& args);
Status ParallelSoftmax(const KernelTable& kernels, ThreadPool* pool, const float* x, float* y, int64_t rows,
                       int64_t cols, bool log);
Status ParallelSoftmaxGrad(const KernelTable& kernels, ThreadPool* pool, const float* y, const float* dy, float* dx,
                           int64_t rows, int64_t cols, bool log);
Status ParallelReduce(const KernelTable& kernels, ThreadPool* pool, ReduceOp op, const float* x, int64_t outer,
                      int64_t axis, int64_t inner, float* out);

}  // namespace dendrite
