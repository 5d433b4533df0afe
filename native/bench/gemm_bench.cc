// SGEMM microbenchmark without Node: GFLOP/s per shape, ISA and thread count (median of timed runs).
// Usage: gemm_bench [--isa scalar|avx2|avx512] [--threads N] [--seconds S] [--cpu-time] [M N K [ta tb]] ...
// Without shapes, runs the square sizes and the MLP shapes of bench/kernels.ts. --cpu-time measures the
// calling thread's CPU time instead of wall time: on a shared machine it leaves out the time other
// processes held the core, so single-thread figures can be compared under load (meaningless with
// more than one thread).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dendrite/backend.h"
#if defined(DENDRITE_HAVE_X86_KERNELS)
#include "kernels/avx2/gemm_probe.h"
#include "kernels/avx512/gemm_probe.h"
#endif

using namespace dendrite;

namespace {

bool use_cpu_time = false;

double Now() {
  if (use_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Shape {
  int64_t m, n, k;
  bool trans_a, trans_b;
};

// Returns the median; *best gets the fastest run (less sensitive to other load on a shared machine).
double TimeSgemm(const KernelTable& table, ThreadPool* pool, const Shape& s, double seconds, double* best) {
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
  auto run = [&] {
    double start = Now();
    table.sgemm(args, pool);
    return Now() - start;
  };
  double first = run();
  int reps = std::max(3, std::min(2000, static_cast<int>(seconds / std::max(first, 1e-7))));
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) times.push_back(run());
  std::sort(times.begin(), times.end());
  *best = times[0];
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Isa isa = AvailableIsas().back();
  int threads = 1;
  double seconds = 0.3;
  std::vector<Shape> shapes;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--isa" && i + 1 < argc) {
      if (!ParseIsa(argv[++i], &isa)) return 2;
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--cpu-time") {
      use_cpu_time = true;
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
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
  KernelTable table = MakeKernelTable(isa);
  ThreadPool pool(threads);
  std::printf("isa %s, %d thread(s)\n", IsaName(isa), threads);
#if defined(DENDRITE_HAVE_X86_KERNELS)
  if (isa == Isa::kAvx512 || isa == Isa::kAvx2) {
    const int64_t iterations = 20000000;
    double start = Now();
    float sink = isa == Isa::kAvx512 ? avx512::FmaProbe(iterations) : avx2::FmaProbe(iterations);
    double t = Now() - start;
    double flops = isa == Isa::kAvx512 ? 2.0 * iterations * avx512::kFmaProbeChains * avx512::kFmaProbeLanes
                                       : 2.0 * iterations * avx2::kFmaProbeChains * avx2::kFmaProbeLanes;
    std::printf("FMA probe (1 thread): %.1f GFLOP/s (%g)\n", flops / t * 1e-9, sink);
  }
#endif
  for (const Shape& s : shapes) {
    double best = 0.0;
    double t = TimeSgemm(table, &pool, s, seconds, &best);
    double flops = 2.0 * s.m * s.n * s.k;
    std::printf("%5lld x %5lld x %5lld  %c%c  %10.2f us  %7.1f GFLOP/s (best %7.1f)\n", static_cast<long long>(s.m),
                static_cast<long long>(s.n), static_cast<long long>(s.k), s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N',
                t * 1e6, flops / t * 1e-9, flops / best * 1e-9);
  }
  return 0;
}
