// What the native microbenchmarks share: the clock (wall time, or with --cpu-time the calling thread's CPU
// time: on a shared machine it leaves out the time other processes held the core, so single-thread figures
// can be compared under load; meaningless with more than one thread), the common options (--isa, --threads,
// --seconds, --cpu-time), the median-of-timed-runs loop and the one-thread FMA probe line.
#ifndef DENDRITE_NATIVE_BENCH_BENCH_COMMON_H_
#define DENDRITE_NATIVE_BENCH_BENCH_COMMON_H_

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

namespace dendrite {
namespace bench {

struct Options {
  Isa isa = AvailableIsas().back();
  int threads = 1;
  double seconds;  // timed seconds per shape (each bench has its default)
  bool cpu_time = false;
};

// Reads one of the common options at argv[*i] (advancing *i past its value). Returns false when argv[*i]
// is not one of them; sets *bad when an --isa name is unknown.
inline bool ParseOption(int argc, char** argv, int* i, Options* options, bool* bad) {
  const std::string arg = argv[*i];
  if (arg == "--isa" && *i + 1 < argc) {
    if (!ParseIsa(argv[++*i], &options->isa)) *bad = true;
  } else if (arg == "--threads" && *i + 1 < argc) {
    options->threads = std::atoi(argv[++*i]);
  } else if (arg == "--cpu-time") {
    options->cpu_time = true;
  } else if (arg == "--seconds" && *i + 1 < argc) {
    options->seconds = std::atof(argv[++*i]);
  } else {
    return false;
  }
  return true;
}

inline double Now(bool cpu_time) {
  if (cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds of `call` over about `seconds` of runs (3 to 2000, after one untimed-for-the-median
// first run that sizes them); *best gets the fastest run (less sensitive to other load on a shared machine).
template <typename Call>
double MedianSeconds(const Call& call, double seconds, bool cpu_time, double* best) {
  auto run = [&] {
    const double start = Now(cpu_time);
    call();
    return Now(cpu_time) - start;
  };
  const double first = run();
  const int reps = std::max(3, std::min(2000, static_cast<int>(seconds / std::max(first, 1e-7))));
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) times.push_back(run());
  std::sort(times.begin(), times.end());
  *best = times[0];
  return times[times.size() / 2];
}

// Prints the ISA and thread count, then the one-thread FMA probe of the ISA (x86 vector ISAs only).
inline void PrintHeader(const Options& options) {
  std::printf("isa %s, %d thread(s)%s\n", IsaName(options.isa), options.threads, options.cpu_time ? ", CPU time" : "");
#if defined(DENDRITE_HAVE_X86_KERNELS)
  if (options.isa == Isa::kAvx512 || options.isa == Isa::kAvx2) {
    const int64_t iterations = 20000000;
    const double start = Now(options.cpu_time);
    const float sink = options.isa == Isa::kAvx512 ? avx512::FmaProbe(iterations) : avx2::FmaProbe(iterations);
    const double t = Now(options.cpu_time) - start;
    const double flops = options.isa == Isa::kAvx512 ? 2.0 * iterations * avx512::kFmaProbeChains * avx512::kFmaProbeLanes
                                                     : 2.0 * iterations * avx2::kFmaProbeChains * avx2::kFmaProbeLanes;
    std::printf("FMA probe (1 thread): %.1f GFLOP/s (%g)\n", flops / t * 1e-9, sink);
  }
#endif
}

}  // namespace bench
}  // namespace dendrite

#endif  // DENDRITE_NATIVE_BENCH_BENCH_COMMON_H_
