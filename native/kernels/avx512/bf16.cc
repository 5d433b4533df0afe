// AVX-512 bf16 GEMM, two paths that equal the reference bit for bit (the sequence is in Bf16GemmArgs):
//  - AVX512_BF16: vdpbf16ps multiplies 32 bf16 activations by 32 bf16 weights and adds each lane's two
//    products into its float32 accumulator, the odd product first, each add rounded to nearest even and
//    subnormal results flushed to zero. Tile: up to 8 rows by 2 panels (32 columns), 16 accumulators, two
//    weight vectors and one broadcast pair of activations per depth pair: 16 vdpbf16ps to 10 loads.
//  - Without it (Skylake-X, Ice Lake): each 32-bit lane of the packed weights is split into its two bf16
//    halves as float32 (the odd one by masking the low half, the even one by shifting it up), and two FMAs
//    compute the same adds in the same order; a bf16 product is exact in float32, so an FMA's one rounding is
//    the instruction's rounding, and the flush of subnormal sums is done explicitly after each FMA.
//    Tile: up to 6 rows by 2 panels.
// The tile functions that use vdpbf16ps or vcvtneps2bf16 carry target("avx512bf16") themselves, so the
// avx512 table stays runnable on CPUs without it.
#include <array>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/avx512/bf16.h"
#include "kernels/avx512/simd_f32.h"
#include "kernels/ref/ref.h"

namespace dendrite::avx512 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/simd/bf16.inc"
#include "kernels/ref/bf16_driver.inc"

namespace {

constexpr int kPanels = 2;
constexpr int kDpRows = 8;
constexpr int kFmaRows = 6;
constexpr int64_t kPairValues = kBf16PanelColumns * kBf16GroupDepth;  // one depth pair of one panel: 32 bf16

using TileFunction = void (*)(const uint16_t*, int64_t, int64_t, const uint16_t*, int64_t, float*);

template <int kTileRows, int kTilePanels>
__attribute__((target("avx512bf16"))) void DpTile(const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b,
                                                  int64_t panel_length, float* acc) {
  __m512 sum[kTileRows][kTilePanels];
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) sum[r][t] = _mm512_setzero_ps();
  }
  const int64_t pairs = ref::Bf16Pairs(k);
  for (int64_t g = 0; g < pairs; ++g) {
    __m512i w[kTilePanels];
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) w[t] = _mm512_loadu_si512(b + t * panel_length + g * kPairValues);
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) {
      const __m512i x = _mm512_set1_epi32(static_cast<int32_t>(Bf16Pair(a + r * lda, g, k)));
#pragma GCC unroll 2
      for (int t = 0; t < kTilePanels; ++t) sum[r][t] = _mm512_dpbf16_ps(sum[r][t], (__m512bh)x, (__m512bh)w[t]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) _mm512_storeu_ps(acc + (r * kPanels + t) * kBf16PanelColumns, sum[r][t]);
  }
}

// A subnormal sum becomes a zero of its sign, as vdpbf16ps flushes it.
inline __m512 FlushSubnormal(__m512 v) {
  const __mmask16 tiny = _mm512_fpclass_ps_mask(v, 0x20);  // 0x20: the denormal class
  return _mm512_castsi512_ps(_mm512_mask_and_epi32(_mm512_castps_si512(v), tiny, _mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)));
}

template <int kTileRows, int kTilePanels>
void FmaTile(const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b, int64_t panel_length, float* acc) {
  const __m512i high = _mm512_set1_epi32(static_cast<int32_t>(0xFFFF0000u));
  __m512 sum[kTileRows][kTilePanels];
#pragma GCC unroll 6
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) sum[r][t] = _mm512_setzero_ps();
  }
  const int64_t pairs = ref::Bf16Pairs(k);
  for (int64_t g = 0; g < pairs; ++g) {
    __m512 w_odd[kTilePanels], w_even[kTilePanels];
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) {
      const __m512i w = _mm512_loadu_si512(b + t * panel_length + g * kPairValues);
      w_odd[t] = _mm512_castsi512_ps(_mm512_and_si512(w, high));
      w_even[t] = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
    }
#pragma GCC unroll 6
    for (int r = 0; r < kTileRows; ++r) {
      const __m512i x = _mm512_set1_epi32(static_cast<int32_t>(Bf16Pair(a + r * lda, g, k)));
      const __m512 x_odd = _mm512_castsi512_ps(_mm512_and_si512(x, high));
      const __m512 x_even = _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
#pragma GCC unroll 2
      for (int t = 0; t < kTilePanels; ++t) {
        sum[r][t] = FlushSubnormal(_mm512_fmadd_ps(x_odd, w_odd[t], sum[r][t]));
        sum[r][t] = FlushSubnormal(_mm512_fmadd_ps(x_even, w_even[t], sum[r][t]));
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) _mm512_storeu_ps(acc + (r * kPanels + t) * kBf16PanelColumns, sum[r][t]);
  }
}

template <int kRows, template <int, int> class Tile, int... kRowsMinusOne>
constexpr std::array<std::array<TileFunction, kRows>, kPanels> TileTable(std::integer_sequence<int, kRowsMinusOne...>) {
  return {{{Tile<kRowsMinusOne + 1, 1>::Run...}, {Tile<kRowsMinusOne + 1, 2>::Run...}}};
}

template <int kTileRows, int kTilePanels>
struct DpTileOf {
  static constexpr TileFunction Run = DpTile<kTileRows, kTilePanels>;
};
template <int kTileRows, int kTilePanels>
struct FmaTileOf {
  static constexpr TileFunction Run = FmaTile<kTileRows, kTilePanels>;
};

constexpr auto kDpTiles = TileTable<kDpRows, DpTileOf>(std::make_integer_sequence<int, kDpRows>());
constexpr auto kFmaTiles = TileTable<kFmaRows, FmaTileOf>(std::make_integer_sequence<int, kFmaRows>());

struct DpTraits {
  static constexpr int kRows = kDpRows;
  static constexpr int kPanels = avx512::kPanels;
  static void Tile(int rows, int panels, const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b, int64_t panel_length,
                   float* acc) {
    kDpTiles[panels - 1][rows - 1](a, lda, k, b, panel_length, acc);
  }
};

struct FmaTraits {
  static constexpr int kRows = kFmaRows;
  static constexpr int kPanels = avx512::kPanels;
  static void Tile(int rows, int panels, const uint16_t* a, int64_t lda, int64_t k, const uint16_t* b, int64_t panel_length,
                   float* acc) {
    kFmaTiles[panels - 1][rows - 1](a, lda, k, b, panel_length, acc);
  }
};

bool ConvertArgsAreValid(const float* x, int64_t n, const uint16_t* y) {
  return n >= 0 && (n == 0 || (x != nullptr && y != nullptr));
}

}  // namespace

bool HasBf16() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16");
}

Status Bf16GemmDpbf16(const Bf16GemmArgs& args, ThreadPool* pool) { return Bf16GemmTiles<DpTraits>(args, pool); }
Status Bf16GemmFma(const Bf16GemmArgs& args, ThreadPool* pool) { return Bf16GemmTiles<FmaTraits>(args, pool); }

Status Bf16Gemm(const Bf16GemmArgs& args, ThreadPool* pool) {
  static const bool bf16 = HasBf16();
  return bf16 ? Bf16GemmDpbf16(args, pool) : Bf16GemmFma(args, pool);
}

__attribute__((target("avx512bf16"))) Status ConvertBf16Native(const float* x, int64_t n, uint16_t* y) {
  if (!ConvertArgsAreValid(x, n, y)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m256bh converted = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, x + i));
    _mm256_mask_storeu_epi16(y + i, mask, (__m256i)converted);
  }
  return Status::kOk;
}

// Bf16FromFloat (kernels/ref/bf16.cc) on 16 lanes: zero/subnormal -> signed zero, NaN -> quiet NaN, else
// round to nearest even by integer addition.
Status ConvertBf16Integer(const float* x, int64_t n, uint16_t* y) {
  if (!ConvertArgsAreValid(x, n, y)) return Status::kInvalidArgument;
  const __m512i exponent = _mm512_set1_epi32(0x7F800000), magnitude = _mm512_set1_epi32(0x7FFFFFFF);
  const __m512i one = _mm512_set1_epi32(1), half = _mm512_set1_epi32(0x7FFF);
  const __m512i quiet = _mm512_set1_epi32(0x0040), sign = _mm512_set1_epi32(0x8000);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, x + i));
    const __m512i upper = _mm512_srli_epi32(bits, 16);
    __m512i result = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(half, _mm512_and_si512(upper, one))), 16);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(bits, magnitude), exponent);
    result = _mm512_mask_or_epi32(result, nan, upper, quiet);
    const __mmask16 tiny = _mm512_testn_epi32_mask(bits, exponent);
    result = _mm512_mask_and_epi32(result, tiny, upper, sign);
    _mm512_mask_cvtepi32_storeu_epi16(y + i, mask, result);
  }
  return Status::kOk;
}

Status ConvertBf16(const float* x, int64_t n, uint16_t* y) {
  static const bool bf16 = HasBf16();
  return bf16 ? ConvertBf16Native(x, n, y) : ConvertBf16Integer(x, n, y);
}

// In assembly, with one local variable per chain (an array of intrinsics' accumulators was kept in memory by
// GCC 12, see VnniProbe), so the probe measures vdpbf16ps and nothing else.
float Bf16Probe(int64_t iterations) {
  static_assert(kBf16ProbeChains == 24, "one variable per chain below");
  __m512 c0 = _mm512_set1_ps(0.0f), c1 = _mm512_set1_ps(1.0f), c2 = _mm512_set1_ps(2.0f), c3 = _mm512_set1_ps(3.0f);
  __m512 c4 = _mm512_set1_ps(4.0f), c5 = _mm512_set1_ps(5.0f), c6 = _mm512_set1_ps(6.0f), c7 = _mm512_set1_ps(7.0f);
  __m512 c8 = _mm512_set1_ps(8.0f), c9 = _mm512_set1_ps(9.0f), c10 = _mm512_set1_ps(10.0f), c11 = _mm512_set1_ps(11.0f);
  __m512 c12 = _mm512_set1_ps(12.0f), c13 = _mm512_set1_ps(13.0f), c14 = _mm512_set1_ps(14.0f), c15 = _mm512_set1_ps(15.0f);
  __m512 c16 = _mm512_set1_ps(16.0f), c17 = _mm512_set1_ps(17.0f), c18 = _mm512_set1_ps(18.0f), c19 = _mm512_set1_ps(19.0f);
  __m512 c20 = _mm512_set1_ps(20.0f), c21 = _mm512_set1_ps(21.0f), c22 = _mm512_set1_ps(22.0f), c23 = _mm512_set1_ps(23.0f);
  // 1.0 x 2^-20 per product: the sums grow slowly and stay normal for any run length a benchmark uses.
  const __m512i a = _mm512_set1_epi16(0x3F80), b = _mm512_set1_epi16(0x35800000 >> 16);
  for (int64_t it = 0; it < iterations; ++it) {
    // Two statements of 12 chains: an asm statement takes at most 30 operands.
    asm volatile(
        "vdpbf16ps %[b], %[a], %0\n\t"
        "vdpbf16ps %[b], %[a], %1\n\t"
        "vdpbf16ps %[b], %[a], %2\n\t"
        "vdpbf16ps %[b], %[a], %3\n\t"
        "vdpbf16ps %[b], %[a], %4\n\t"
        "vdpbf16ps %[b], %[a], %5\n\t"
        "vdpbf16ps %[b], %[a], %6\n\t"
        "vdpbf16ps %[b], %[a], %7\n\t"
        "vdpbf16ps %[b], %[a], %8\n\t"
        "vdpbf16ps %[b], %[a], %9\n\t"
        "vdpbf16ps %[b], %[a], %10\n\t"
        "vdpbf16ps %[b], %[a], %11\n\t"
        : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11)
        : [a] "v"(a), [b] "v"(b));
    asm volatile(
        "vdpbf16ps %[b], %[a], %0\n\t"
        "vdpbf16ps %[b], %[a], %1\n\t"
        "vdpbf16ps %[b], %[a], %2\n\t"
        "vdpbf16ps %[b], %[a], %3\n\t"
        "vdpbf16ps %[b], %[a], %4\n\t"
        "vdpbf16ps %[b], %[a], %5\n\t"
        "vdpbf16ps %[b], %[a], %6\n\t"
        "vdpbf16ps %[b], %[a], %7\n\t"
        "vdpbf16ps %[b], %[a], %8\n\t"
        "vdpbf16ps %[b], %[a], %9\n\t"
        "vdpbf16ps %[b], %[a], %10\n\t"
        "vdpbf16ps %[b], %[a], %11\n\t"
        : "+v"(c12), "+v"(c13), "+v"(c14), "+v"(c15), "+v"(c16), "+v"(c17), "+v"(c18), "+v"(c19), "+v"(c20), "+v"(c21), "+v"(c22), "+v"(c23)
        : [a] "v"(a), [b] "v"(b));
  }
  __m512 sum = c0;
  sum = _mm512_add_ps(sum, c1); sum = _mm512_add_ps(sum, c2); sum = _mm512_add_ps(sum, c3); sum = _mm512_add_ps(sum, c4); sum = _mm512_add_ps(sum, c5); sum = _mm512_add_ps(sum, c6);
  sum = _mm512_add_ps(sum, c7); sum = _mm512_add_ps(sum, c8); sum = _mm512_add_ps(sum, c9); sum = _mm512_add_ps(sum, c10); sum = _mm512_add_ps(sum, c11); sum = _mm512_add_ps(sum, c12);
  sum = _mm512_add_ps(sum, c13); sum = _mm512_add_ps(sum, c14); sum = _mm512_add_ps(sum, c15); sum = _mm512_add_ps(sum, c16); sum = _mm512_add_ps(sum, c17); sum = _mm512_add_ps(sum, c18);
  sum = _mm512_add_ps(sum, c19); sum = _mm512_add_ps(sum, c20); sum = _mm512_add_ps(sum, c21); sum = _mm512_add_ps(sum, c22); sum = _mm512_add_ps(sum, c23);
  return _mm512_reduce_add_ps(sum);
}

}  // namespace dendrite::avx512
