// The pool-split kernels (dendrite/parallel_kernels.h): on every ISA, for 1, 2, 3 and 5 threads, each
// gives the same bits as one call of the kernel on the calling thread, over sizes around the split
// threshold and with odd row lengths (ranges that end inside a SIMD vector); a failing range's status
// comes back; the kernels never write outside the output.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dendrite/parallel_kernels.h"
#include "native_test.h"

using namespace dendrite;

namespace {

constexpr int kThreadCounts[] = {1, 2, 3, 5};
constexpr float kGuard = 12345.0f;

std::vector<float> Random(int64_t n, uint32_t seed, float low, float high) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = distribution(generator);
  return values;
}

// Output buffers carry kGuard values past their end, to catch a write outside [0, n).
std::vector<float> Output(int64_t n) { return std::vector<float>(static_cast<size_t>(n) + 16, kGuard); }

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool GuardIntact(const std::vector<float>& out, int64_t n) {
  for (size_t i = static_cast<size_t>(n); i < out.size(); ++i) {
    if (out[i] != kGuard) return false;
  }
  return true;
}

// Element counts: below the threshold, at it, just above twice it (split), and a large odd one.
const int64_t kSizes[] = {1000, 2 * kParallelMinElements - 1, 2 * kParallelMinElements + 7,
                          5 * kParallelMinElements + 333};

}  // namespace

DN_TEST(ParallelElementwiseMatchesOneCallForEveryThreadCount) {
  test::ForEachIsa([](const KernelTable& kernels) {
    for (int64_t n : kSizes) {
      const std::vector<float> x = Random(n, 1, 0.1f, 3.0f);
      const std::vector<float> dy = Random(n, 2, -1.0f, 1.0f);
      for (UnaryOp op : {UnaryOp::kGeluErf, UnaryOp::kGeluTanh, UnaryOp::kLog, UnaryOp::kExp, UnaryOp::kRelu}) {
        std::vector<float> expected = Output(n), expected_grad = Output(n);
        DN_EXPECT(kernels.unary(op, 0.0f, x.data(), expected.data(), n) == Status::kOk);
        DN_EXPECT(kernels.unary_grad(op, 0.0f, x.data(), expected.data(), dy.data(), expected_grad.data(), n) ==
                  Status::kOk);
        for (int threads : kThreadCounts) {
          ThreadPool pool(threads);
          std::vector<float> y = Output(n), dx = Output(n);
          DN_EXPECT(ParallelUnary(kernels, &pool, op, 0.0f, x.data(), y.data(), n) == Status::kOk);
          DN_EXPECT(ParallelUnaryGrad(kernels, &pool, op, 0.0f, x.data(), y.data(), dy.data(), dx.data(), n) ==
                    Status::kOk);
          DN_EXPECT(SameBits(y, expected));
          DN_EXPECT(SameBits(dx, expected_grad));
          DN_EXPECT(GuardIntact(y, n) && GuardIntact(dx, n));
        }
      }
      // unary_grad with only the output (sigmoid's derivative reads y): the missing x stays null.
      std::vector<float> y = Output(n), expected_grad = Output(n);
      DN_EXPECT(kernels.unary(UnaryOp::kSigmoid, 0.0f, x.data(), y.data(), n) == Status::kOk);
      DN_EXPECT(kernels.unary_grad(UnaryOp::kSigmoid, 0.0f, nullptr, y.data(), dy.data(), expected_grad.data(), n) ==
                Status::kOk);
      std::vector<float> expected_affine = Output(n);
      DN_EXPECT(kernels.affine(x.data(), 2.0f, 1.0f, expected_affine.data(), n) == Status::kOk);
      for (int threads : kThreadCounts) {
        ThreadPool pool(threads);
        std::vector<float> dx = Output(n), affine = Output(n);
        DN_EXPECT(ParallelUnaryGrad(kernels, &pool, UnaryOp::kSigmoid, 0.0f, nullptr, y.data(), dy.data(), dx.data(),
                                    n) == Status::kOk);
        DN_EXPECT(SameBits(dx, expected_grad));
        DN_EXPECT(ParallelAffine(kernels, &pool, x.data(), 2.0f, 1.0f, affine.data(), n) == Status::kOk);
        DN_EXPECT(SameBits(affine, expected_affine));
        // In place, as `out` may be the input.
        std::vector<float> in_place = x;
        in_place.resize(static_cast<size_t>(n) + 16, kGuard);
        DN_EXPECT(ParallelAffine(kernels, &pool, in_place.data(), 2.0f, 1.0f, in_place.data(), n) == Status::kOk);
        DN_EXPECT(SameBits(in_place, expected_affine));
      }
    }
  });
}

DN_TEST(ParallelBinaryMatchesOneCallForEveryThreadCount) {
  test::ForEachIsa([](const KernelTable& kernels) {
    struct Layout {
      int rank;
      int64_t shape[3];
      int64_t a_strides[3];
      int64_t b_strides[3];
    };
    const int64_t big = 2 * kParallelMinElements + 7;
    const Layout layouts[] = {
        {1, {big, 0, 0}, {1, 0, 0}, {1, 0, 0}},                 // same shape
        {1, {big, 0, 0}, {1, 0, 0}, {0, 0, 0}},                 // a scalar b
        {2, {301, 257, 0}, {257, 1, 0}, {0, 1, 0}},             // a row vector b (a bias)
        {2, {257, 301, 0}, {1, 257, 0}, {1, 0, 0}},             // a transposed, b a column
        {3, {1, 3, 40001}, {0, 40001, 1}, {0, 1, 0}},           // a leading 1: the split is dim 1
        {2, {3, 30000, 0}, {30000, 1, 0}, {30000, 1, 0}},       // fewer rows than threads
    };
    for (const Layout& layout : layouts) {
      int64_t count = 1;
      int64_t a_length = 1, b_length = 1;
      for (int d = 0; d < layout.rank; ++d) {
        count *= layout.shape[d];
        a_length += (layout.shape[d] - 1) * layout.a_strides[d];
        b_length += (layout.shape[d] - 1) * layout.b_strides[d];
      }
      const std::vector<float> a = Random(a_length, 3, 0.5f, 2.0f);
      const std::vector<float> b = Random(b_length, 4, 0.5f, 2.0f);
      for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kPow}) {
        BinaryArgs args;
        args.op = op;
        args.rank = layout.rank;
        for (int d = 0; d < layout.rank; ++d) {
          args.shape[d] = layout.shape[d];
          args.a_strides[d] = layout.a_strides[d];
          args.b_strides[d] = layout.b_strides[d];
        }
        args.a = a.data();
        args.b = b.data();
        std::vector<float> expected = Output(count);
        args.out = expected.data();
        DN_EXPECT(kernels.binary(args) == Status::kOk);
        for (int threads : kThreadCounts) {
          ThreadPool pool(threads);
          std::vector<float> out = Output(count);
          args.out = out.data();
          DN_EXPECT(ParallelBinary(kernels, &pool, args) == Status::kOk);
          DN_EXPECT(SameBits(out, expected));
          DN_EXPECT(GuardIntact(out, count));
        }
      }
    }
  });
}

DN_TEST(ParallelSoftmaxAndReduceMatchOneCallForEveryThreadCount) {
  test::ForEachIsa([](const KernelTable& kernels) {
    // rows x cols, odd widths; the last is one long row (nothing to split).
    const int64_t shapes[][2] = {{100, 10}, {3000, 37}, {257, 1001}, {1, 3 * kParallelMinElements}};
    for (const auto& shape : shapes) {
      const int64_t rows = shape[0], cols = shape[1], n = rows * cols;
      const std::vector<float> x = Random(n, 5, -4.0f, 4.0f);
      const std::vector<float> dy = Random(n, 6, -1.0f, 1.0f);
      for (bool log : {false, true}) {
        std::vector<float> expected = Output(n), expected_grad = Output(n);
        DN_EXPECT(kernels.softmax(x.data(), expected.data(), rows, cols, log) == Status::kOk);
        DN_EXPECT(kernels.softmax_grad(expected.data(), dy.data(), expected_grad.data(), rows, cols, log) == Status::kOk);
        for (int threads : kThreadCounts) {
          ThreadPool pool(threads);
          std::vector<float> y = Output(n), dx = Output(n);
          DN_EXPECT(ParallelSoftmax(kernels, &pool, x.data(), y.data(), rows, cols, log) == Status::kOk);
          DN_EXPECT(ParallelSoftmaxGrad(kernels, &pool, y.data(), dy.data(), dx.data(), rows, cols, log) == Status::kOk);
          DN_EXPECT(SameBits(y, expected) && SameBits(dx, expected_grad));
          DN_EXPECT(GuardIntact(y, n) && GuardIntact(dx, n));
        }
      }
      // The same data as [outer, axis, inner] reductions: over the rows' length, and over a middle axis.
      const int64_t splits[][3] = {{rows, cols, 1}, {rows, 1, cols}, {1, rows, cols}};
      for (const auto& split : splits) {
        for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMax}) {
          const int64_t outputs = split[0] * split[2];
          std::vector<float> expected = Output(outputs);
          DN_EXPECT(kernels.reduce(op, x.data(), split[0], split[1], split[2], expected.data()) == Status::kOk);
          for (int threads : kThreadCounts) {
            ThreadPool pool(threads);
            std::vector<float> out = Output(outputs);
            DN_EXPECT(ParallelReduce(kernels, &pool, op, x.data(), split[0], split[1], split[2], out.data()) ==
                      Status::kOk);
            DN_EXPECT(SameBits(out, expected));
            DN_EXPECT(GuardIntact(out, outputs));
          }
        }
      }
    }
  });
}

DN_TEST(ParallelKernelsReportAFailingRange) {
  // A table whose unary kernel fails: split over 3 threads, the failure comes back.
  KernelTable kernels = MakeKernelTable(Isa::kScalar);
  kernels.unary = [](UnaryOp, float, const float*, float*, int64_t) { return Status::kUnsupported; };
  ThreadPool pool(3);
  const int64_t n = 4 * kParallelMinElements;
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  DN_EXPECT(ParallelUnary(kernels, &pool, UnaryOp::kRelu, 0.0f, x.data(), y.data(), n) == Status::kUnsupported);
  // Without a pool, the calling thread alone.
  const KernelTable scalar = MakeKernelTable(Isa::kScalar);
  DN_EXPECT(ParallelUnary(scalar, nullptr, UnaryOp::kRelu, 0.0f, x.data(), y.data(), n) == Status::kOk);
}
