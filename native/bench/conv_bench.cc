// Convolution microbenchmark without Node: GFLOP/s of conv2d and its two gradients per geometry, ISA and
// thread count (median and best of timed runs). Usage:
//   conv_bench [--isa scalar|avx2|avx512] [--threads N] [--seconds S] [--cpu-time] [N H W C OUT K PAD STRIDE] ...
// Without geometries, runs bench:kernels' conv2d 3x3 [32, 28, 28, 32] -> 64 ('same') and the LeNet-style
// layers of bench:compare. --cpu-time measures the calling thread's CPU time instead of wall time (see
// gemm_bench.cc): single-thread figures stay comparable under load.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

ConvGeometry Square(int64_t n, int64_t h, int64_t w, int64_t c, int64_t out, int64_t k, int64_t pad, int64_t stride) {
  ConvGeometry g;
  g.batch = n, g.in_h = h, g.in_w = w, g.in_c = c, g.out_c = out, g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride, g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = pad;
  g.out_h = (h + 2 * pad - k) / stride + 1;
  g.out_w = (w + 2 * pad - k) / stride + 1;
  return g;
}

// Median seconds of one call of kernel `kind` (0 forward, 1 backward data, 2 backward filter); *best the fastest.
double TimeConv(const KernelTable& table, ThreadPool* pool, const ConvGeometry& g, int kind, double seconds, double* best) {
  std::vector<float> x(g.batch * g.in_h * g.in_w * g.in_c), y(g.batch * g.out_h * g.out_w * g.out_c),
      f(g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>((i * 6007) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
  auto run = [&] {
    double start = Now();
    if (kind == 0) table.conv2d(g, x.data(), f.data(), ConvEpilogue(), y.data(), pool);
    if (kind == 1) table.conv2d_backward_data(g, y.data(), f.data(), ConvEpilogue(), x.data(), pool);
    if (kind == 2) table.conv2d_backward_filter(g, x.data(), y.data(), f.data(), false, pool);
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
  double seconds = 0.5;
  std::vector<ConvGeometry> geometries;
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
    } else if (i + 7 < argc) {
      int64_t v[8];
      for (int j = 0; j < 8; ++j) v[j] = std::atoll(argv[i + j]);
      geometries.push_back(Square(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
      i += 7;
    }
  }
  if (geometries.empty()) {
    geometries.push_back(Square(32, 28, 28, 32, 64, 3, 1, 1));
    geometries.push_back(Square(64, 28, 28, 1, 6, 5, 2, 1));
    geometries.push_back(Square(64, 14, 14, 6, 16, 5, 0, 1));
  }
  KernelTable table = MakeKernelTable(isa);
  ThreadPool pool(threads);
  std::printf("isa %s, %d thread(s)%s\n", IsaName(isa), threads, use_cpu_time ? ", CPU time" : "");
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
  const char* names[] = {"forward", "backward data", "backward filter"};
  for (const ConvGeometry& g : geometries) {
    const double flops = 2.0 * g.batch * g.out_h * g.out_w * g.out_c * g.kernel_h * g.kernel_w * (g.in_c / g.groups);
    std::printf("[%lld, %lld, %lld, %lld] -> %lld, %lldx%lld, stride %lld, pad %lld\n", static_cast<long long>(g.batch),
                static_cast<long long>(g.in_h), static_cast<long long>(g.in_w), static_cast<long long>(g.in_c),
                static_cast<long long>(g.out_c), static_cast<long long>(g.kernel_h), static_cast<long long>(g.kernel_w),
                static_cast<long long>(g.stride_h), static_cast<long long>(g.pad_top));
    for (int kind = 0; kind < 3; ++kind) {
      double best = 0.0;
      const double t = TimeConv(table, &pool, g, kind, seconds, &best);
      std::printf("  %-16s %10.1f us  %7.1f GFLOP/s (best %7.1f)\n", names[kind], t * 1e6, flops / t * 1e-9, flops / best * 1e-9);
    }
  }
  return 0;
}
