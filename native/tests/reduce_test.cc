#include <cstdint>
#include <vector>

#include "native_test.h"

using namespace dendrite;

DN_TEST(SumSquaresMatchesReferenceOnEveryIsa) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 31, 33, 1000}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37 % 101) - 50) * 0.125f;
    double expected = 0.0;
    reference.sum_squares(x.data(), n, &expected);
    test::ForEachIsa([&](const KernelTable& table) {
      double got = -1.0;
      DN_EXPECT(table.sum_squares(x.data(), n, &got) == Status::kOk);
      DN_EXPECT(std::fabs(got - expected) <= 1e-12 * (1.0 + expected));
    });
  }
}

namespace {

struct ReduceRandom {
  uint64_t state;
  float Uniform(float low, float high) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return low + (high - low) * static_cast<float>((state >> 40) * (1.0 / 16777216.0));
  }
};

bool SameOrClose(float got, double want, double rel) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  return std::fabs(got - want) <= rel * (1.0 + std::fabs(want));
}

struct Shape {
  int64_t outer, axis, inner;
};
const Shape kShapes[] = {{1, 1, 1},  {3, 0, 2},  {2, 1, 5},   {1, 15, 1},  {2, 16, 1}, {3, 17, 1}, {1, 33, 1},
                         {2, 7, 15}, {1, 9, 16}, {2, 5, 17},  {1, 3, 33},  {2, 40, 65}, {1, 1000, 1}, {1, 300, 3},
                         {4, 2, 100}, {1, 513, 31}};

}  // namespace

DN_TEST(ReduceMatchesDoubleSumsAndEveryIsaMatchesReference) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ReduceRandom random{11};
  for (const Shape& s : kShapes) {
    std::vector<float> x(s.outer * s.axis * s.inner);
    for (float& v : x) v = random.Uniform(-10.0f, 10.0f);
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin}) {
      if ((op == ReduceOp::kMax || op == ReduceOp::kMin) && s.axis == 0) continue;
      std::vector<float> want(s.outer * s.inner);
      DN_EXPECT(reference.reduce(op, x.data(), s.outer, s.axis, s.inner, want.data()) == Status::kOk);
      for (int64_t o = 0; o < s.outer; ++o) {
        for (int64_t i = 0; i < s.inner; ++i) {
          double sum = 0.0, max = -INFINITY, min = INFINITY;
          for (int64_t a = 0; a < s.axis; ++a) {
            double v = x[(o * s.axis + a) * s.inner + i];
            sum += v;
            max = std::fmax(max, v);
            min = std::fmin(min, v);
          }
          double exact = op == ReduceOp::kSum ? sum : op == ReduceOp::kMean ? sum / s.axis : op == ReduceOp::kMax ? max : min;
          // Tolerance: pairwise float sums of |x| <= 10 stay within 1e-5 of the double sum, relative to 1 + |sum|
          // scaled by sqrt(axis)-ish growth; 1e-5 * axis bounds it loosely.
          DN_EXPECT(SameOrClose(want[o * s.inner + i], exact, 1e-6 * (10.0 + s.axis)));
        }
      }
      test::ForEachIsa([&](const KernelTable& table) {
        std::vector<float> got(want.size(), -7.0f);
        DN_EXPECT(table.reduce(op, x.data(), s.outer, s.axis, s.inner, got.data()) == Status::kOk);
        for (size_t k = 0; k < got.size(); ++k) {
          // The strided path (inner > 1) sums in the reference's order: bitwise equal. The contiguous path sums
          // lane-parallel: within 1e-6 relative of 10 + axis.
          bool ok = s.inner > 1 || op == ReduceOp::kMax || op == ReduceOp::kMin
                        ? (got[k] == want[k] || (std::isnan(got[k]) && std::isnan(want[k])))
                        : SameOrClose(got[k], want[k], 1e-6 * (10.0 + s.axis));
          if (!ok) std::fprintf(stderr, "    op %d shape [%lld,%lld,%lld] index %zu: got %.9g, want %.9g\n",
                                static_cast<int>(op), static_cast<long long>(s.outer), static_cast<long long>(s.axis),
                                static_cast<long long>(s.inner), k, got[k], want[k]);
          DN_EXPECT(ok);
        }
      });
    }
  }
}

DN_TEST(ReduceMaxMinPropagateNanAndArgmaxTakesFirstMaximum) {
  const float nan = std::nanf("");
  // [2, 5, 3]: column (o=0, i=1) holds a NaN; (o=1, i=0) ties between a=1 and a=3.
  std::vector<float> x(2 * 5 * 3);
  for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>((k * 7) % 11);
  x[(0 * 5 + 2) * 3 + 1] = nan;
  x[(1 * 5 + 1) * 3 + 0] = 20.0f;
  x[(1 * 5 + 3) * 3 + 0] = 20.0f;
  test::ForEachIsa([&](const KernelTable& table) {
    std::vector<float> max(6), min(6);
    std::vector<int32_t> index(6);
    table.reduce(ReduceOp::kMax, x.data(), 2, 5, 3, max.data());
    table.reduce(ReduceOp::kMin, x.data(), 2, 5, 3, min.data());
    table.argmax(x.data(), 2, 5, 3, index.data());
    DN_EXPECT(std::isnan(max[1]) && std::isnan(min[1]) && !std::isnan(max[0]) && !std::isnan(max[2]));
    DN_EXPECT(index[1] == 2 && index[3] == 1 && max[3] == 20.0f);
    // Contiguous rows: a tie and a NaN after the maximum.
    for (int64_t n : {1, 5, 16, 17, 40}) {
      std::vector<float> row(n, 1.0f);
      row[n / 2] = 3.0f;
      row[n - 1] = 3.0f;
      int32_t first = -1;
      table.argmax(row.data(), 1, n, 1, &first);
      DN_EXPECT(first == (n == 1 ? 0 : n / 2));
      if (n > 2) {
        row[n - 2] = nan;
        table.argmax(row.data(), 1, n, 1, &first);
        DN_EXPECT(first == n - 2);
        float result = 0.0f;
        table.reduce(ReduceOp::kMin, row.data(), 1, n, 1, &result);
        DN_EXPECT(std::isnan(result));
      }
    }
  });
}

DN_TEST(ArgmaxEveryIsaMatchesReference) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ReduceRandom random{12};
  for (const Shape& s : kShapes) {
    if (s.axis == 0) continue;
    std::vector<float> x(s.outer * s.axis * s.inner);
    // Few distinct values, so ties are common.
    for (float& v : x) v = std::floor(random.Uniform(0.0f, 4.0f));
    std::vector<int32_t> want(s.outer * s.inner);
    reference.argmax(x.data(), s.outer, s.axis, s.inner, want.data());
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        int64_t best = 0;
        for (int64_t a = 1; a < s.axis; ++a) {
          if (x[(o * s.axis + a) * s.inner + i] > x[(o * s.axis + best) * s.inner + i]) best = a;
        }
        DN_EXPECT(want[o * s.inner + i] == best);
      }
    }
    test::ForEachIsa([&](const KernelTable& table) {
      std::vector<int32_t> got(want.size(), -1);
      DN_EXPECT(table.argmax(x.data(), s.outer, s.axis, s.inner, got.data()) == Status::kOk);
      DN_EXPECT(got == want);
    });
  }
}

DN_TEST(ColumnSumEveryIsaMatchesReferenceAndAccumulates) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ReduceRandom random{13};
  for (int64_t rows : {0, 1, 3, 16, 17, 100}) {
    for (int64_t cols : {1, 2, 15, 16, 17, 33, 130}) {
      std::vector<float> x(rows * cols), start(cols);
      for (float& v : x) v = random.Uniform(-1.0f, 1.0f);
      for (float& v : start) v = random.Uniform(-1.0f, 1.0f);
      std::vector<float> want(cols), want_accumulated = start;
      reference.column_sum(x.data(), rows, cols, want.data(), false);
      reference.column_sum(x.data(), rows, cols, want_accumulated.data(), true);
      for (int64_t c = 0; c < cols; ++c) {
        double sum = 0.0;
        for (int64_t r = 0; r < rows; ++r) sum += x[r * cols + c];
        DN_EXPECT(SameOrClose(want[c], sum, 1e-6 * (1.0 + rows)));
        DN_EXPECT(want_accumulated[c] == start[c] + want[c]);
      }
      test::ForEachIsa([&](const KernelTable& table) {
        std::vector<float> got(cols, 5.0f), accumulated = start;
        table.column_sum(x.data(), rows, cols, got.data(), false);
        table.column_sum(x.data(), rows, cols, accumulated.data(), true);
        for (int64_t c = 0; c < cols; ++c) {
          // cols > 1 sums in the reference's order (bitwise); cols == 1 is a contiguous lane-parallel sum.
          DN_EXPECT(cols > 1 ? got[c] == want[c] : SameOrClose(got[c], want[c], 1e-6 * (1.0 + rows)));
          DN_EXPECT(accumulated[c] == start[c] + got[c]);
        }
      });
    }
  }
}
