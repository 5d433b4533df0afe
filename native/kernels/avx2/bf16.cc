// AVX2 bf16 GEMM: no bf16 instruction, so each 32-bit lane of the packed weights is split into its two bf16
// halves as float32 (the odd depth by masking the low half, the even one by shifting it up) and two FMAs add
// the products in vdpbf16ps's order, odd first. A bf16 product is exact in float32, so an FMA's one rounding
// is the instruction's rounding; the subnormal sums it flushes are flushed explicitly after each FMA. The
// result equals the reference (and the AVX-512 paths) bit for bit. Tile: up to 4 rows by one 16-column panel
// (8 accumulators, four weight vectors, two broadcasts).
#include <array>
#include <cstring>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/avx2/bf16.h"
#include "kernels/avx2/simd_f32.h"
#include "kernels/ref/ref.h"

namespace dendrite::avx2 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/simd/bf16.inc"
#include "kernels/ref/bf16_driver.inc"

namespace {

constexpr int kRows = 4;
constexpr int64_t kPairValues = kBf16PanelColumns * kBf16GroupDepth;  // one depth pair of one panel: 32 bf16

// A subnormal sum becomes a zero of its sign (its magnitude bits cleared), as vdpbf16ps flushes it.
inline __m256 FlushSubnormal(__m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i tiny = _mm256_cmpeq_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
  return _mm256_castsi256_ps(_mm256_andnot_si256(_mm256_and_si256(tiny, _mm256_set1_epi32(0x7FFFFFFF)), bits));
}

template <int kTileRows>
void FmaTile(const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b, int64_t panel_length, float* acc) {
  const __m256i high = _mm256_set1_epi32(static_cast<int32_t>(0xFFFF0000u));
  __m256 sum[kTileRows][2];
#pragma GCC unroll 4
  for (int r = 0; r < kTileRows; ++r) sum[r][0] = sum[r][1] = _mm256_setzero_ps();
  const int64_t pairs = ref::Bf16Pairs(k);
  for (int64_t g = 0; g < pairs; ++g) {
    __m256 w_odd[2], w_even[2];
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + g * kPairValues + h * 16));
      w_odd[h] = _mm256_castsi256_ps(_mm256_and_si256(w, high));
      w_even[h] = _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
    }
#pragma GCC unroll 4
    for (int r = 0; r < kTileRows; ++r) {
      const __m256i x = _mm256_set1_epi32(static_cast<int32_t>(Bf16Pair(a + r * lda, g, k)));
      const __m256 x_odd = _mm256_castsi256_ps(_mm256_and_si256(x, high));
      const __m256 x_even = _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        sum[r][h] = FlushSubnormal(_mm256_fmadd_ps(x_odd, w_odd[h], sum[r][h]));
        sum[r][h] = FlushSubnormal(_mm256_fmadd_ps(x_even, w_even[h], sum[r][h]));
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < kTileRows; ++r) {
    _mm256_storeu_ps(acc + r * kBf16PanelColumns, sum[r][0]);
    _mm256_storeu_ps(acc + r * kBf16PanelColumns + 8, sum[r][1]);
  }
}

using TileFunction = void (*)(const uint16_t*, int64_t, int64_t, const uint16_t*, int64_t, float*);

template <int... kRowsMinusOne>
constexpr std::array<TileFunction, kRows> TileTable(std::integer_sequence<int, kRowsMinusOne...>) {
  return {{FmaTile<kRowsMinusOne + 1>...}};
}
constexpr auto kTiles = TileTable(std::make_integer_sequence<int, kRows>());

struct FmaTraits {
  static constexpr int kRows = avx2::kRows;
  static constexpr int kPanels = 1;
  static void Tile(int rows, int panels, const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b, int64_t panel_length,
                   float* acc) {
    kTiles[rows - 1](a, lda, k, b, panel_length, acc);
  }
};

// Bf16FromFloat (kernels/ref/bf16.cc) on 8 lanes: zero/subnormal -> signed zero, NaN -> quiet NaN, else
// round to nearest even by integer addition. The results (at most 0xFFFF) in the low 16 bits of each lane.
inline __m256i ConvertLanes(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i upper = _mm256_srli_epi32(bits, 16);
  const __m256i rounding = _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), _mm256_and_si256(upper, _mm256_set1_epi32(1)));
  __m256i result = _mm256_srli_epi32(_mm256_add_epi32(bits, rounding), 16);
  // Magnitudes compare as signed int32 once the sign is cleared.
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF)), _mm256_set1_epi32(0x7F800000));
  result = _mm256_blendv_epi8(result, _mm256_or_si256(upper, _mm256_set1_epi32(0x0040)), nan);
  const __m256i tiny = _mm256_cmpeq_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
  return _mm256_blendv_epi8(result, _mm256_and_si256(upper, _mm256_set1_epi32(0x8000)), tiny);
}

// The eight 16-bit results of ConvertLanes in order (packus keeps 0..0xFFFF; the permute undoes its lane split).
inline __m128i PackLanes(__m256i lanes) {
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(lanes, lanes), 0x08));
}

}  // namespace

Status Bf16Gemm(const Bf16GemmArgs& args, ThreadPool* pool) { return Bf16GemmTiles<FmaTraits>(args, pool); }

Status ConvertBf16(const float* x, int64_t n, uint16_t* y) {
  if (n < 0 || (n > 0 && (x == nullptr || y == nullptr))) return Status::kInvalidArgument;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), PackLanes(ConvertLanes(_mm256_loadu_ps(x + i))));
  }
  if (i < n) {  // the last 1..7 values through a zero-padded copy (never read or written past n)
    alignas(32) float tail[8] = {};
    alignas(16) uint16_t out[8];
    const size_t count = static_cast<size_t>(n - i);
    std::memcpy(tail, x + i, count * sizeof(float));
    _mm_store_si128(reinterpret_cast<__m128i*>(out), PackLanes(ConvertLanes(_mm256_load_ps(tail))));
    std::memcpy(y + i, out, count * sizeof(uint16_t));
  }
  return Status::kOk;
}

}  // namespace dendrite::avx2
