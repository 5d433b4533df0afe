// The FMA-peak probe of the benchmarks (kernels/avx2/gemm_probe.cc). Declarations only, so baseline code
// (bindings/bench_binding.cc, native/bench) can include it; call it only when the CPU has avx2.
#pragma once

#include <cstdint>

namespace dendrite::avx2 {

// Runs `iterations` rounds of kFmaProbeChains independent FMAs on full vectors; returns a value that
// depends on all of them (so the loop cannot be removed).
constexpr int kFmaProbeChains = 12;
constexpr int kFmaProbeLanes = 8;
float FmaProbe(int64_t iterations);

}  // namespace dendrite::avx2
