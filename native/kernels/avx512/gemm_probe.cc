// Independent FMA chains, enough of them to cover the FMA latency on both pipes: the machine's
// reachable FMA rate, printed beside the GEMM figures.
#include "kernels/avx512/gemm_probe.h"
#include "kernels/avx512/avx512.h"

namespace dendrite::avx512 {

float FmaProbe(int64_t iterations) {
  __m512 acc[kFmaProbeChains];
  for (int i = 0; i < kFmaProbeChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 scale = _mm512_set1_ps(0.999f), shift = _mm512_set1_ps(0.001f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < kFmaProbeChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], scale, shift);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < kFmaProbeChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  float lanes[kFmaProbeLanes];
  _mm512_storeu_ps(lanes, sum);
  float total = 0.0f;
  for (float lane : lanes) total += lane;
  return total;
}

}  // namespace dendrite::avx512
