// SGEMM microbenchmark without Node: GFLOP/s per shape, ISA and thread count (median of timed runs).
// Usage: gemm_bench [--isa scalar|avx2|avx512] [--threads N] [--seconds S] [--cpu-time] [M N K [ta tb]] ...
// Without shapes, runs the square sizes and the MLP shapes of bench/kernels.ts. --cpu-time measures the
// calling thread's CPU time instead of wall time: on a shared machine it leaves out the time other
// processes held the core, so single-thread figures can be compared under load (meaningless with
// more than one thread).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_common.h"

using namespace dendrite;

namespace {

struct Shape {
  int64_t m, n, k;
  bool trans_a, trans_b;
};

// Returns the median; *best gets the fastest run (less sensitive to other load on a shared machine).
double TimeSgemm(const KernelTable& table, ThreadPool* pool, const Shape& s, double seconds, bool cpu_time, double* best) {
  const int64_t a_rows = s.trans_a ? s.k : s.m, a_cols = s.trans_a ? s.m : s.k;
  const int64_t b_rows = s.trans_b ? s.n : s.k, b_cols = s.trans_b ? s.k : s.n;
  std::vector<float> a(a_rows * a_cols), b(b_rows * b_cols), c(s.m * s.n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
  GemmArgs args;
  args.trans_a = s.trans_a;
  args.trans_b = s.trans_b;
  args.m = s.m;
  args.n = s.n;
  args.k = s.k;
  args.a = a.data();
  args.lda = a_cols;
  args.b = b.data();
  args.ldb = b_cols;
  args.c = c.data();
  args.ldc = s.n;
  return bench::MedianSeconds([&] { table.sgemm(args, pool); }, seconds, cpu_time, best);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options options;
  options.seconds = 0.3;
  std::vector<Shape> shapes;
  for (int i = 1; i < argc; ++i) {
    bool bad = false;
    if (bench::ParseOption(argc, argv, &i, &options, &bad)) {
      if (bad) return 2;
    } else if (i + 2 < argc) {
      Shape s{std::atoll(argv[i]), std::atoll(argv[i + 1]), std::atoll(argv[i + 2]), false, false};
      i += 2;
      if (i + 2 < argc && std::strlen(argv[i + 1]) == 1 && std::strlen(argv[i + 2]) == 1) {
        s.trans_a = argv[i + 1][0] == '1';
        s.trans_b = argv[i + 2][0] == '1';
        i += 2;
      }
      shapes.push_back(s);
    }
  }
  if (shapes.empty()) {
    for (int64_t size : {32, 64, 128, 256, 512, 1024, 2048}) shapes.push_back({size, size, size, false, false});
    shapes.push_back({128, 256, 784, false, false});
    shapes.push_back({784, 256, 128, true, false});
    shapes.push_back({128, 784, 256, false, true});
  }
  KernelTable table = MakeKernelTable(options.isa);
  ThreadPool pool(options.threads);
  bench::PrintHeader(options);
  for (const Shape& s : shapes) {
    double best = 0.0;
    double t = TimeSgemm(table, &pool, s, options.seconds, options.cpu_time, &best);
    double flops = 2.0 * s.m * s.n * s.k;
    std::printf("%5lld x %5lld x %5lld  %c%c  %10.2f us  %7.1f GFLOP/s (best %7.1f)\n", static_cast<long long>(s.m),
                static_cast<long long>(s.n), static_cast<long long>(s.k), s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N',
                t * 1e6, flops / t * 1e-9, flops / best * 1e-9);
  }
  return 0;
}
