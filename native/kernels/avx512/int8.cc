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

Status Int8GemmVnni(const Int8GemmArgs& args, ThreadPool* pool) { return Int8GemmTiles<VnniTraits>(args, pool); }

Status Int8Gemm(const Int8GemmArgs& args, ThreadPool* pool) {
  static const bool vnni = HasVnni();
  return vnni ? Int8GemmVnni(args, pool) : avx2::Int8Gemm(args, pool);
}

Status QuantizeU8(const float* x, int64_t n, float scale, int32_t zero_point, uint8_t* q) {
  return int8::Quantize(x, n, scale, zero_point, q);
}

}  // namespace dendrite::avx512
