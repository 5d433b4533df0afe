#include "dendrite/parallel_kernels.h"

#include <algorithm>
#include <atomic>

namespace dendrite {

namespace {

// Runs body(begin, end) over [0, units) split by the pool into ranges of at least `grain` units, and
// keeps the first failing status. Body is any callable returning a Status.
template <class Body>
struct RangeTask {
  const Body* body;
  std::atomic<int32_t> status{static_cast<int32_t>(Status::kOk)};

  static void Run(void* self, int64_t begin, int64_t end, int /*thread_index*/) {
    auto* task = static_cast<RangeTask*>(self);
    const Status status = (*task->body)(begin, end);
    if (status != Status::kOk) {
      int32_t ok = static_cast<int32_t>(Status::kOk);
      task->status.compare_exchange_strong(ok, static_cast<int32_t>(status), std::memory_order_relaxed);
    }
  }
};

template <class Body>
Status SplitUnits(ThreadPool* pool, int64_t units, int64_t grain, const Body& body) {
  if (pool == nullptr || pool->num_threads() <= 1 || units <= grain) return body(0, units);
  RangeTask<Body> task;
  task.body = &body;
  pool->ParallelFor(units, grain, RangeTask<Body>::Run, &task);
  return static_cast<Status>(task.status.load(std::memory_order_relaxed));
}

// The units per range that give at least kParallelMinElements elements when a unit is `unit_elements`.
int64_t GrainFor(int64_t unit_elements) {
  return std::max<int64_t>(1, kParallelMinElements / std::max<int64_t>(1, unit_elements));
}

// Splits n elements into aligned blocks and calls body(first, count) on each range of them.
template <class Body>
Status SplitElements(ThreadPool* pool, int64_t n, const Body& body) {
  if (n < 2 * kParallelMinElements) return body(0, n);
  const int64_t blocks = (n + kParallelElementAlign - 1) / kParallelElementAlign;
  return SplitUnits(pool, blocks, GrainFor(kParallelElementAlign), [&](int64_t begin, int64_t end) {
    const int64_t first = begin * kParallelElementAlign;
    return body(first, std::min(n, end * kParallelElementAlign) - first);
  });
}

// p + offset, or null for a null p (an optional input: offsetting null is undefined behaviour).
template <class T>
T* Offset(T* p, int64_t offset) {
  return p == nullptr ? nullptr : p + offset;
}

}  // namespace

Status ParallelUnary(const KernelTable& kernels, ThreadPool* pool, UnaryOp op, float param, const float* x, float* y,
                     int64_t n) {
  return SplitElements(pool, n, [&](int64_t first, int64_t count) {
    return kernels.unary(op, param, x + first, y + first, count);
  });
}

Status ParallelUnaryGrad(const KernelTable& kernels, ThreadPool* pool, UnaryOp op, float param, const float* x,
                         const float* y, const float* dy, float* dx, int64_t n) {
  return SplitElements(pool, n, [&](int64_t first, int64_t count) {
    return kernels.unary_grad(op, param, Offset(x, first), Offset(y, first), dy + first, dx + first, count);
  });
}

Status ParallelAffine(const KernelTable& kernels, ThreadPool* pool, const float* x, float scale, float shift, float* y,
                      int64_t n) {
  return SplitElements(pool, n, [&](int64_t first, int64_t count) {
    return kernels.affine(x + first, scale, shift, y + first, count);
  });
}

Status ParallelBinary(const KernelTable& kernels, ThreadPool* pool, const BinaryArgs& args) {
  // Split along the first dimension longer than 1 (the ones before it are 1: nothing to offset there).
  // Anything the kernel would reject (a bad rank, a negative size or stride) goes to it whole, to be rejected.
  if (args.rank < 0 || args.rank > kMaxRank) return kernels.binary(args);
  for (int d = 0; d < args.rank; ++d) {
    if (args.shape[d] < 0 || args.a_strides[d] < 0 || args.b_strides[d] < 0) return kernels.binary(args);
  }
  int split = 0;
  while (split < args.rank && args.shape[split] <= 1) ++split;
  if (split >= args.rank) return kernels.binary(args);
  int64_t row = 1;  // output elements per index of the split dimension
  for (int d = split + 1; d < args.rank; ++d) row *= args.shape[d];
  const int64_t rows = args.shape[split];
  if (row == 0 || rows * row < 2 * kParallelMinElements) return kernels.binary(args);
  return SplitUnits(pool, rows, GrainFor(row), [&](int64_t begin, int64_t end) {
    BinaryArgs part = args;
    part.shape[split] = end - begin;
    part.a = args.a + begin * args.a_strides[split];
    part.b = args.b + begin * args.b_strides[split];
    part.out = args.out + begin * row;
    return kernels.binary(part);
  });
}

Status ParallelSoftmax(const KernelTable& kernels, ThreadPool* pool, const float* x, float* y, int64_t rows,
                       int64_t cols, bool log) {
  if (rows * cols < 2 * kParallelMinElements) return kernels.softmax(x, y, rows, cols, log);
  return SplitUnits(pool, rows, GrainFor(cols), [&](int64_t begin, int64_t end) {
    return kernels.softmax(x + begin * cols, y + begin * cols, end - begin, cols, log);
  });
}

Status ParallelSoftmaxGrad(const KernelTable& kernels, ThreadPool* pool, const float* y, const float* dy, float* dx,
                           int64_t rows, int64_t cols, bool log) {
  if (rows * cols < 2 * kParallelMinElements) return kernels.softmax_grad(y, dy, dx, rows, cols, log);
  return SplitUnits(pool, rows, GrainFor(cols), [&](int64_t begin, int64_t end) {
    return kernels.softmax_grad(y + begin * cols, dy + begin * cols, dx + begin * cols, end - begin, cols, log);
  });
}

Status ParallelReduce(const KernelTable& kernels, ThreadPool* pool, ReduceOp op, const float* x, int64_t outer,
                      int64_t axis, int64_t inner, float* out) {
  const int64_t slice = axis * inner;  // elements read per outer slice
  if (outer <= 1 || outer * slice < 2 * kParallelMinElements) return kernels.reduce(op, x, outer, axis, inner, out);
  return SplitUnits(pool, outer, GrainFor(slice), [&](int64_t begin, int64_t end) {
    return kernels.reduce(op, x + begin * slice, end - begin, axis, inner, out + begin * inner);
  });
}

}  // namespace dendrite
