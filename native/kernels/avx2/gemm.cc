// AVX2+FMA SGEMM: register tile 6 x 16 (12 ymm accumulators, two B vectors and one broadcast of A per
// k step: 15 of the 16 registers), packed panels sized to the caches, masked loads and stores
// (vmaskmov never touches masked-off lanes) at the edges. The packing and tiles are the shared body
// kernels/simd/gemm.inc; the loops, threading and epilogue order are the shared driver's
// (kernels/ref/gemm_driver.inc). The convolutions run on the same tiles (kernels/simd/conv.inc).
#include <algorithm>
#include <array>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/ref/gemm_driver.inc"

namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;
constexpr int64_t kKC = 512;  // a 6 x 512 A micro-panel is 12 KiB: it stays in L1 while B streams from L2
constexpr int64_t kNB = 384;  // a 512 x 384 packed B block is 768 KiB: it stays in L2
// Row stride of a packed A micro-panel in the row layout; the padding keeps its rows out of each
// other's L1 sets.
constexpr int64_t kARowStride = kKC + 16;
// Accumulators a one- or two-row tile over B read in place may use (of 16 ymm registers): 8 vectors
// for one row, 4 for two.
constexpr int kWideAccumulators = 8;
// The direct (unpacked) convolution blocks for few channels (kernels/simd/conv.inc): at most
// kDirectVectors vectors of channels, pixels x vectors accumulators, enough independent chains to cover
// the FMA latency and few enough to leave registers for the filter vectors and one broadcast.
constexpr int kDirectVectors = 2;
constexpr int kDirectAccumulators = 12;

// 8 x 8 floats transposed in registers (packing a transposed B at memory speed).
inline void TransposeSquare(__m256 r[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
  }
}

}  // namespace

#include "kernels/simd/gemm.inc"
#include "kernels/simd/conv.inc"

}  // namespace dendrite::avx2
