// AVX-512 SGEMM: register tile 14 x 32 (28 zmm accumulators, two B vectors and one broadcast of A per
// k step: 28 FMAs for 16 loads, enough independent chains to keep both FMA pipes busy), packed panels
// sized to the caches, masked loads and stores at the edges. The packing and tiles are the shared body
// kernels/simd/gemm.inc; the loops, threading and epilogue order are the shared driver's
// (kernels/ref/gemm_driver.inc). The convolutions run on the same tiles (kernels/simd/conv.inc).
#include <algorithm>
#include <array>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/ref/gemm_driver.inc"

namespace {

constexpr int kMR = 14;
constexpr int kNR = 32;
constexpr int64_t kKC = 512;  // a 14 x 512 A micro-panel is 29 KiB: it stays in L1 while B streams from L2
constexpr int64_t kNB = 384;  // a 512 x 384 packed B block is 768 KiB: it stays in L2
// Row stride of a packed A micro-panel in the row layout; the padding keeps the 14 rows out of each
// other's L1 sets.
constexpr int64_t kARowStride = kKC + 16;
// Accumulators a one- or two-row tile over B read in place may use (of 32 zmm registers): 8 vectors.
constexpr int kWideAccumulators = 16;
// The direct (unpacked) convolution blocks for few channels (kernels/simd/conv.inc): at most
// kDirectVectors vectors of channels, pixels x vectors accumulators, enough independent chains to cover
// the FMA latency and few enough to leave registers for the filter vectors and one broadcast.
constexpr int kDirectVectors = 4;
constexpr int kDirectAccumulators = 24;

// 16 x 16 floats transposed in registers (packing a transposed B at memory speed).
inline void TransposeSquare(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

}  // namespace

#include "kernels/simd/gemm.inc"
#include "kernels/simd/conv.inc"

}  // namespace dendrite::avx512
