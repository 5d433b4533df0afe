// Independent FMA chains, enough of them to cover the FMA latency on both pipes: the machine's
// reachable FMA rate, printed beside the GEMM figures.
#include "kernels/avx2/gemm_probe.h"
#include "kernels/avx2/avx2.h"

namespace dendrite::avx2 {

float FmaProbe(int64_t iterations) {
  __m256 acc[kFmaProbeChains];
  for (int i = 0; i < kFmaProbeChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 scale = _mm256_set1_ps(0.999f), shift = _mm256_set1_ps(0.001f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < kFmaProbeChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < kFmaProbeChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float lanes[kFmaProbeLanes];
  _mm256_storeu_ps(lanes, sum);
  float total = 0.0f;
  for (float lane : lanes) total += lane;
  return total;
}

}  // namespace dendrite::avx2
