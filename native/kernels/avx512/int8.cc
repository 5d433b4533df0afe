// AVX-512 int8 GEMM: vpdpbusd (AVX512_VNNI) multiplies 64 u8 activations by 64 s8 weights and adds each
// four adjacent products into one of 16 int32 lanes, with no intermediate rounding or saturation (the
// products are summed in 32 bits), so the sums equal the reference's exactly. A tile is up to 8 rows by 2
// panels (32 columns): 16 accumulators, two weight vectors and one broadcast of four activations per
// depth group, 16 vpdpbusd to 10 loads. Without AVX512_VNNI (Skylake-X) the AVX2 path runs instead: it is
// exact too, and 512-bit vpmaddubsw would saturate like its 256-bit form.
#include <array>
#include <utility>

#include "dendrite/thread_pool.h"
#include "kernels/avx2/int8.h"
#include "kernels/avx512/int8.h"
#include "kernels/avx512/simd_f32.h"
#include "kernels/ref/ref.h"

namespace dendrite::avx512 {

#include "kernels/ref/gemm_epilogue.inc"
#include "kernels/simd/int8.inc"
#include "kernels/ref/int8_driver.inc"

namespace {

constexpr int kRows = 8;
constexpr int kPanels = 2;

template <int kTileRows, int kTilePanels>
__attribute__((target("avx512vnni"))) void VnniTile(const uint8_t* a, int64_t lda, int64_t k, const int8_t* b,
                                                   int64_t panel_bytes, int32_t* acc) {
  __m512i sum[kTileRows][kTilePanels];
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) sum[r][t] = _mm512_setzero_si512();
  }
  const int64_t full = k / kInt8GroupDepth;
  const int64_t groups = ref::Int8Groups(k);
  for (int64_t g = 0; g < groups; ++g) {
    __m512i w[kTilePanels];
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) w[t] = _mm512_loadu_si512(b + t * panel_bytes + g * 64);
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) {
      const uint8_t* row = a + r * lda;
      const __m512i x = _mm512_set1_epi32(g < full ? Int8Group(row, g) : Int8TailGroup(row, k));
#pragma GCC unroll 2
      for (int t = 0; t < kTilePanels; ++t) sum[r][t] = _mm512_dpbusd_epi32(sum[r][t], x, w[t]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
#pragma GCC unroll 2
    for (int t = 0; t < kTilePanels; ++t) _mm512_storeu_si512(acc + (r * kPanels + t) * kInt8PanelColumns, sum[r][t]);
  }
}

using TileFunction = void (*)(const uint8_t*, int64_t, int64_t, const int8_t*, int64_t, int32_t*);

template <int... kRowsMinusOne>
constexpr std::array<std::array<TileFunction, kRows>, kPanels> TileTable(std::integer_sequence<int, kRowsMinusOne...>) {
  return {{{VnniTile<kRowsMinusOne + 1, 1>...}, {VnniTile<kRowsMinusOne + 1, 2>...}}};
}
constexpr auto kTiles = TileTable(std::make_integer_sequence<int, kRows>());

struct VnniTraits {
  static constexpr int kRows = avx512::kRows;
  static constexpr int kPanels = avx512::kPanels;
  static void Tile(int rows, int panels, const uint8_t* a, int64_t lda, int64_t k, const int8_t* b, int64_t panel_bytes,
                   int32_t* acc) {
    kTiles[panels - 1][rows - 1](a, lda, k, b, panel_bytes, acc);
  }
};

}  // namespace

bool HasVnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512vnni");
}

// In assembly, with one local variable per chain: written with intrinsics on an array in a loop, GCC 12 kept
// the accumulators in memory (a store per instruction), which measured the stores, not vpdpbusd.
int32_t VnniProbe(int64_t iterations) {
  static_assert(kVnniProbeChains == 24, "one variable per chain below");
  __m512i c0 = _mm512_set1_epi32(0);
  __m512i c1 = _mm512_set1_epi32(1);
  __m512i c2 = _mm512_set1_epi32(2);
  __m512i c3 = _mm512_set1_epi32(3);
  __m512i c4 = _mm512_set1_epi32(4);
  __m512i c5 = _mm512_set1_epi32(5);
  __m512i c6 = _mm512_set1_epi32(6);
  __m512i c7 = _mm512_set1_epi32(7);
  __m512i c8 = _mm512_set1_epi32(8);
  __m512i c9 = _mm512_set1_epi32(9);
  __m512i c10 = _mm512_set1_epi32(10);
  __m512i c11 = _mm512_set1_epi32(11);
  __m512i c12 = _mm512_set1_epi32(12);
  __m512i c13 = _mm512_set1_epi32(13);
  __m512i c14 = _mm512_set1_epi32(14);
  __m512i c15 = _mm512_set1_epi32(15);
  __m512i c16 = _mm512_set1_epi32(16);
  __m512i c17 = _mm512_set1_epi32(17);
  __m512i c18 = _mm512_set1_epi32(18);
  __m512i c19 = _mm512_set1_epi32(19);
  __m512i c20 = _mm512_set1_epi32(20);
  __m512i c21 = _mm512_set1_epi32(21);
  __m512i c22 = _mm512_set1_epi32(22);
  __m512i c23 = _mm512_set1_epi32(23);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-1);
  for (int64_t it = 0; it < iterations; ++it) {
    // Two statements of 12 chains: an asm statement takes at most 30 operands.
    asm volatile(
        "vpdpbusd %[b], %[a], %0\n\t"
        "vpdpbusd %[b], %[a], %1\n\t"
        "vpdpbusd %[b], %[a], %2\n\t"
        "vpdpbusd %[b], %[a], %3\n\t"
        "vpdpbusd %[b], %[a], %4\n\t"
        "vpdpbusd %[b], %[a], %5\n\t"
        "vpdpbusd %[b], %[a], %6\n\t"
        "vpdpbusd %[b], %[a], %7\n\t"
        "vpdpbusd %[b], %[a], %8\n\t"
        "vpdpbusd %[b], %[a], %9\n\t"
        "vpdpbusd %[b], %[a], %10\n\t"
        "vpdpbusd %[b], %[a], %11\n\t"
        : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11)
        : [a] "v"(a), [b] "v"(b));
    asm volatile(
        "vpdpbusd %[b], %[a], %0\n\t"
        "vpdpbusd %[b], %[a], %1\n\t"
        "vpdpbusd %[b], %[a], %2\n\t"
        "vpdpbusd %[b], %[a], %3\n\t"
        "vpdpbusd %[b], %[a], %4\n\t"
        "vpdpbusd %[b], %[a], %5\n\t"
        "vpdpbusd %[b], %[a], %6\n\t"
        "vpdpbusd %[b], %[a], %7\n\t"
        "vpdpbusd %[b], %[a], %8\n\t"
        "vpdpbusd %[b], %[a], %9\n\t"
        "vpdpbusd %[b], %[a], %10\n\t"
        "vpdpbusd %[b], %[a], %11\n\t"
        : "+v"(c12), "+v"(c13), "+v"(c14), "+v"(c15), "+v"(c16), "+v"(c17), "+v"(c18), "+v"(c19), "+v"(c20), "+v"(c21), "+v"(c22), "+v"(c23)
        : [a] "v"(a), [b] "v"(b));
  }
  __m512i sum = c0;
  sum = _mm512_add_epi32(sum, c1); sum = _mm512_add_epi32(sum, c2); sum = _mm512_add_epi32(sum, c3); sum = _mm512_add_epi32(sum, c4); sum = _mm512_add_epi32(sum, c5); sum = _mm512_add_epi32(sum, c6); sum = _mm512_add_epi32(sum, c7); sum = _mm512_add_epi32(sum, c8); sum = _mm512_add_epi32(sum, c9); sum = _mm512_add_epi32(sum, c10); sum = _mm512_add_epi32(sum, c11); sum = _mm512_add_epi32(sum, c12); sum = _mm512_add_epi32(sum, c13); sum = _mm512_add_epi32(sum, c14); sum = _mm512_add_epi32(sum, c15); sum = _mm512_add_epi32(sum, c16); sum = _mm512_add_epi32(sum, c17); sum = _mm512_add_epi32(sum, c18); sum = _mm512_add_epi32(sum, c19); sum = _mm512_add_epi32(sum, c20); sum = _mm512_add_epi32(sum, c21); sum = _mm512_add_epi32(sum, c22); sum = _mm512_add_epi32(sum, c23);
  return _mm512_reduce_add_epi32(sum);
}

Status Int8GemmVnni(const Int8GemmArgs& args, ThreadPool* pool) { return Int8GemmTiles<VnniTraits>(args, pool); }

Status Int8Gemm(const Int8GemmArgs& args, ThreadPool* pool) {
  static const bool vnni = HasVnni();
  return vnni ? Int8GemmVnni(args, pool) : avx2::Int8Gemm(args, pool);
}

Status QuantizeU8(const float* x, int64_t n, float scale, int32_t zero_point, uint8_t* q) {
  return int8::Quantize(x, n, scale, zero_point, q);
}

}  // namespace dendrite::avx512
