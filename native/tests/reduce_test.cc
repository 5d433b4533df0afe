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
