// AVX2 int8 GEMM, two exact paths (both equal the reference bit for bit):
//  - AVX-VNNI (Alder Lake and later, and this folder's CPUs that also have AVX-512): vpdpbusd on ymm
//    registers, four u8 x s8 products summed into each int32 lane without saturation. Tile: up to 6 rows
//    by one 16-column panel (12 accumulators, two weight vectors, one broadcast).
//  - Without VNNI: vpmaddwd on 16-bit values. The naive vpmaddubsw (u8 x s8 pairs summed into a
//    saturating int16) overflows: 255 * 127 * 2 = 64770 > 32767, so large activations against large
//    weights would be clipped. Here the weights are sign-extended and the activations zero-extended to 16
//    bits instead: each vpmaddwd product is at most 255 * 128 = 32640 in magnitude and each pair is summed
//    in 32 bits (at most 65280), so nothing saturates and nothing overflows (the depth limit
//    kInt8MaxDepth keeps the int32 sums in range). It costs twice the multiplies of vpmaddubsw, which
//    only CPUs without VNNI pay. Tile: up to 2 rows by one panel; each 32-bit lane holds the sum of two
//    of a column's four depths, and the pairs are added at the end.
#include <array>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/avx2/int8.h"
#include "kernels/avx2/simd_f32.h"
#include "kernels/ref/ref.h"

namespace dendrite::avx2 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/simd/int8.inc"
#include "kernels/ref/int8_driver.inc"

namespace {

using TileFunction = void (*)(const uint8_t*, int64_t, int64_t, const int8_t*, int64_t, int32_t*);

template <int kTileRows>
__attribute__((target("avxvnni"))) void AvxVnniTile(const uint8_t* a, int64_t lda, int64_t k, const int8_t* b,
                                                    int64_t panel_bytes, int32_t* acc) {
  __m256i sum[kTileRows][2];
#pragma GCC unroll 6
  for (int r = 0; r < kTileRows; ++r) sum[r][0] = sum[r][1] = _mm256_setzero_si256();
  const int64_t full = k / kInt8GroupDepth;
  const int64_t groups = ref::Int8Groups(k);
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + g * 64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + g * 64 + 32));
#pragma GCC unroll 6
    for (int r = 0; r < kTileRows; ++r) {
      const uint8_t* row = a + r * lda;
      const __m256i x = _mm256_set1_epi32(g < full ? Int8Group(row, g) : Int8TailGroup(row, k));
      sum[r][0] = _mm256_dpbusd_avx_epi32(sum[r][0], x, w0);
      sum[r][1] = _mm256_dpbusd_avx_epi32(sum[r][1], x, w1);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < kTileRows; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kInt8PanelColumns), sum[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kInt8PanelColumns + 8), sum[r][1]);
  }
}

template <int kTileRows>
void MaddwdTile(const uint8_t* a, int64_t lda, int64_t k, const int8_t* b, int64_t panel_bytes, int32_t* acc) {
  // sum[r][q]: columns 4q .. 4q + 3, two lanes each (depths 0-1 and 2-3 of every group).
  __m256i sum[kTileRows][4];
  for (int r = 0; r < kTileRows; ++r) {
    for (int q = 0; q < 4; ++q) sum[r][q] = _mm256_setzero_si256();
  }
  const int64_t full = k / kInt8GroupDepth;
  const int64_t groups = ref::Int8Groups(k);
  for (int64_t g = 0; g < groups; ++g) {
    __m256i w[4];
    for (int q = 0; q < 4; ++q) {
      w[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + g * 64 + q * 16)));
    }
    for (int r = 0; r < kTileRows; ++r) {
      const uint8_t* row = a + r * lda;
      const __m128i four = _mm_cvtsi32_si128(g < full ? Int8Group(row, g) : Int8TailGroup(row, k));
      const __m256i x = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(four));
      for (int q = 0; q < 4; ++q) sum[r][q] = _mm256_add_epi32(sum[r][q], _mm256_madd_epi16(x, w[q]));
    }
  }
  for (int r = 0; r < kTileRows; ++r) {
    // hadd gives columns 0 1 4 5 | 2 3 6 7 (per 128-bit half); the permute puts them in order.
    const __m256i low = _mm256_permute4x64_epi64(_mm256_hadd_epi32(sum[r][0], sum[r][1]), 0xD8);
    const __m256i high = _mm256_permute4x64_epi64(_mm256_hadd_epi32(sum[r][2], sum[r][3]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kInt8PanelColumns), low);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kInt8PanelColumns + 8), high);
  }
}

template <int... kRowsMinusOne>
constexpr std::array<TileFunction, sizeof...(kRowsMinusOne)> AvxVnniTiles(std::integer_sequence<int, kRowsMinusOne...>) {
  return {{AvxVnniTile<kRowsMinusOne + 1>...}};
}
constexpr auto kAvxVnniTiles = AvxVnniTiles(std::make_integer_sequence<int, 6>());

struct AvxVnniTraits {
  static constexpr int kRows = 6;
  static constexpr int kPanels = 1;
  static void Tile(int rows, int, const uint8_t* a, int64_t lda, int64_t k, const int8_t* b, int64_t panel_bytes,
                   int32_t* acc) {
    kAvxVnniTiles[rows - 1](a, lda, k, b, panel_bytes, acc);
  }
};

struct MaddwdTraits {
  static constexpr int kRows = 2;
  static constexpr int kPanels = 1;
  static void Tile(int rows, int, const uint8_t* a, int64_t lda, int64_t k, const int8_t* b, int64_t panel_bytes,
                   int32_t* acc) {
    if (rows == 2) {
      MaddwdTile<2>(a, lda, k, b, panel_bytes, acc);
    } else {
      MaddwdTile<1>(a, lda, k, b, panel_bytes, acc);
    }
  }
};

}  // namespace

bool HasAvxVnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avxvnni");
}

Status Int8GemmAvxVnni(const Int8GemmArgs& args, ThreadPool* pool) { return Int8GemmTiles<AvxVnniTraits>(args, pool); }
Status Int8GemmMaddwd(const Int8GemmArgs& args, ThreadPool* pool) { return Int8GemmTiles<MaddwdTraits>(args, pool); }

Status Int8Gemm(const Int8GemmArgs& args, ThreadPool* pool) {
  static const bool vnni = HasAvxVnni();
  return vnni ? Int8GemmAvxVnni(args, pool) : Int8GemmMaddwd(args, pool);
}

Status QuantizeU8(const float* x, int64_t n, float scale, int32_t zero_point, uint8_t* q) {
  return int8::Quantize(x, n, scale, zero_point, q);
}

}  // namespace dendrite::avx2
