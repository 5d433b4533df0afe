// The FMA-peak probe of the benchmarks (kernels/avx512/gemm_probe.cc). Declarations only, so baseline code
// (bindings/bench_binding.cc, native/bench) can include it; call it only when the CPU has avx512.
#pragma once

#include <cstdint>

namespace dendrite::avx512 {

// Runs `iterations` rounds of kFmaProbeChains independent FMAs on full vectors; returns a value that
// depends on all of them (so the loop cannot be removed).
constexpr int kFmaProbeChains = 24;
constexpr int kFmaProbeLanes = 16;
float FmaProbe(int64_t iterations);

}  // namespace dendrite::avx512
