// Convolution microbenchmark without Node: GFLOP/s of conv2d and its two gradients per geometry, ISA and
// thread count (median and best of timed runs). Usage:
//   conv_bench [--isa scalar|avx2|avx512] [--threads N] [--seconds S] [--cpu-time] [N H W C OUT K PAD STRIDE] ...
// Without geometries, runs bench:kernels' conv2d 3x3 [32, 28, 28, 32] -> 64 ('same') and the LeNet-style
// layers of bench:compare. --cpu-time measures the calling thread's CPU time instead of wall time (see
// gemm_bench.cc): single-thread figures stay comparable under load.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_common.h"

using namespace dendrite;

namespace {

ConvGeometry Square(int64_t n, int64_t h, int64_t w, int64_t c, int64_t out, int64_t k, int64_t pad, int64_t stride) {
  ConvGeometry g;
  g.batch = n, g.in_h = h, g.in_w = w, g.in_c = c, g.out_c = out, g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride, g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = pad;
  g.out_h = (h + 2 * pad - k) / stride + 1;
  g.out_w = (w + 2 * pad - k) / stride + 1;
  return g;
}

// Median seconds of one call of kernel `kind` (0 forward, 1 backward data, 2 backward filter); *best the fastest.
double TimeConv(const KernelTable& table, ThreadPool* pool, const ConvGeometry& g, int kind, double seconds, bool cpu_time, double* best) {
  std::vector<float> x(g.batch * g.in_h * g.in_w * g.in_c), y(g.batch * g.out_h * g.out_w * g.out_c),
      f(g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>((i * 6007) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
  auto call = [&] {
    if (kind == 0) table.conv2d(g, x.data(), f.data(), ConvEpilogue(), y.data(), pool);
    if (kind == 1) table.conv2d_backward_data(g, y.data(), f.data(), ConvEpilogue(), x.data(), pool);
    if (kind == 2) table.conv2d_backward_filter(g, x.data(), y.data(), f.data(), false, pool);
  };
  return bench::MedianSeconds(call, seconds, cpu_time, best);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Options options;
  options.seconds = 0.5;
  std::vector<ConvGeometry> geometries;
  for (int i = 1; i < argc; ++i) {
    bool bad = false;
    if (bench::ParseOption(argc, argv, &i, &options, &bad)) {
      if (bad) return 2;
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
  KernelTable table = MakeKernelTable(options.isa);
  ThreadPool pool(options.threads);
  bench::PrintHeader(options);
  const char* names[] = {"forward", "backward data", "backward filter"};
  for (const ConvGeometry& g : geometries) {
    const double flops = 2.0 * g.batch * g.out_h * g.out_w * g.out_c * g.kernel_h * g.kernel_w * (g.in_c / g.groups);
    std::printf("[%lld, %lld, %lld, %lld] -> %lld, %lldx%lld, stride %lld, pad %lld\n", static_cast<long long>(g.batch),
                static_cast<long long>(g.in_h), static_cast<long long>(g.in_w), static_cast<long long>(g.in_c),
                static_cast<long long>(g.out_c), static_cast<long long>(g.kernel_h), static_cast<long long>(g.kernel_w),
                static_cast<long long>(g.stride_h), static_cast<long long>(g.pad_top));
    for (int kind = 0; kind < 3; ++kind) {
      double best = 0.0;
      const double t = TimeConv(table, &pool, g, kind, options.seconds, options.cpu_time, &best);
      std::printf("  %-16s %10.1f us  %7.1f GFLOP/s (best %7.1f)\n", names[kind], t * 1e6, flops / t * 1e-9, flops / best * 1e-9);
    }
  }
  return 0;
}
