// AVX-512 SGEMM: register tile 14 x 32 (28 zmm accumulators, two B vectors and one broadcast of A per
// k step: 28 FMAs for 16 loads, enough independent chains to keep both FMA pipes busy), packed panels
// sized to the caches, masked loads and stores at the edges. The loops, threading and epilogue order
// are the shared driver's (kernels/ref/gemm_driver.inc).
#include "dendrite/thread_pool.h"
#include "kernels/avx512/avx512.h"

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

// Lanes [0, count) set; count may be anything (<= 0: none, >= 16: all).
inline __mmask16 LowMask(int64_t count) {
  if (count <= 0) return 0;
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

// A micro-panel of op(A), rows x kc. Non-transposed A is copied row by row into the row layout
// (a[i * kARowStride + p]); transposed A (stored k x m) is copied k-row by k-row into the k layout
// (a[p * kMR + i]). Neither needs a transpose: the microkernel reads either layout.
void PackA(const float* a, int64_t lda, bool trans, int rows, int64_t kc, float* dst) {
  if (trans) {
    const __mmask16 mask = LowMask(rows);
    for (int64_t p = 0; p < kc; ++p) {
      _mm512_mask_storeu_ps(dst + p * kMR, mask, _mm512_maskz_loadu_ps(mask, a + p * lda));
    }
    return;
  }
  for (int i = 0; i < rows; ++i) {
    const float* src = a + i * lda;
    float* out = dst + i * kARowStride;
    int64_t p = 0;
    for (; p + 32 <= kc; p += 32) {
      _mm512_storeu_ps(out + p, _mm512_loadu_ps(src + p));
      _mm512_storeu_ps(out + p + 16, _mm512_loadu_ps(src + p + 16));
    }
    for (; p < kc; p += 16) {
      const __mmask16 mask = LowMask(kc - p);
      _mm512_mask_storeu_ps(out + p, mask, _mm512_maskz_loadu_ps(mask, src + p));
    }
  }
}

inline void Transpose16x16(__m512 r[16]) {
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

// kc x cols of op(B) as panels of kc x kNR (zero-padded past cols). Non-transposed B is copied row by
// row; transposed B (stored n x k) is transposed 16 x 16 at a time in registers, so all four cases pack
// at memory speed.
void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t cols, float* dst) {
  if (!trans) {
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = b + p * ldb;
      float* out = dst + p * kNR;
      int64_t j = 0;
      for (; j + kNR <= cols; j += kNR, out += kc * kNR) {
        _mm512_store_ps(out, _mm512_loadu_ps(src + j));
        _mm512_store_ps(out + 16, _mm512_loadu_ps(src + j + 16));
      }
      if (j < cols) {
        _mm512_store_ps(out, _mm512_maskz_loadu_ps(LowMask(cols - j), src + j));
        _mm512_store_ps(out + 16, _mm512_maskz_loadu_ps(LowMask(cols - j - 16), src + j + 16));
      }
    }
    return;
  }
  for (int64_t j0 = 0; j0 < cols; j0 += kNR) {
    float* panel = dst + j0 * kc;
    for (int half = 0; half < 2; ++half) {
      const int64_t first_col = j0 + 16 * half;
      const int64_t live_cols = cols - first_col;  // columns of this half that exist (may be <= 0)
      for (int64_t p0 = 0; p0 < kc; p0 += 16) {
        const int64_t depth = kc - p0 < 16 ? kc - p0 : 16;
        const __mmask16 mask = LowMask(depth);
        __m512 r[16];
        for (int q = 0; q < 16; ++q) {
          r[q] = q < live_cols ? _mm512_maskz_loadu_ps(mask, b + (first_col + q) * ldb + p0) : _mm512_setzero_ps();
        }
        Transpose16x16(r);
        for (int q = 0; q < depth; ++q) _mm512_store_ps(panel + (p0 + q) * kNR + 16 * half, r[q]);
      }
    }
  }
}

// One register tile: rows x cols of C from a packed A micro-panel and one packed B panel (or, with
// kDirectB, B itself: rows b_stride apart, masked past cols), then the epilogue. kVectors is the number
// of 16-float vectors across: 1 or 2 over a packed panel, up to kWideVectors over B read in place.
template <int kRows, int kVectors, bool kTransposedA, bool kDirectB>
void Tile(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, int cols,
          const GemmTileEpilogue& e) {
  constexpr int64_t kRowStep = kTransposedA ? 1 : kARowStride;
  constexpr int64_t kDepthStep = kTransposedA ? kMR : 1;
  __m512 acc[kRows][kVectors];
#pragma GCC unroll 14
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  // The tile of C is touched only after the k loop: fetch it now so the stores do not wait on memory.
#pragma GCC unroll 14
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * v), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * kVectors - 1), _MM_HINT_T0);
  }
  __mmask16 b_mask[kVectors];
#pragma GCC unroll 8
  for (int v = 0; v < kVectors; ++v) b_mask[v] = LowMask(cols - 16 * v);
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[kVectors];
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) {
      bv[v] = kDirectB ? _mm512_maskz_loadu_ps(b_mask[v], b + 16 * v) : _mm512_load_ps(b + 16 * v);
    }
#pragma GCC unroll 14
    for (int i = 0; i < kRows; ++i) {
      __m512 a_i = _mm512_set1_ps(a[i * kRowStep]);
#pragma GCC unroll 8
      for (int v = 0; v < kVectors; ++v) acc[i][v] = _mm512_fmadd_ps(a_i, bv[v], acc[i][v]);
    }
    a += kDepthStep;
    b += kDirectB ? b_stride : kNR;
  }

  const __m512 alpha = _mm512_set1_ps(e.alpha);
  const __m512 beta = _mm512_set1_ps(e.beta);
  const __m512 zero = _mm512_setzero_ps();
  const __m512 slope = _mm512_set1_ps(e.slope);
  const bool read_c = !e.first || e.beta != 0.0f;
#pragma GCC unroll 14
  for (int i = 0; i < kRows; ++i) {
    float* row = c + i * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) {
      const __mmask16 mask = b_mask[v];
      __m512 x = acc[i][v];
      if (read_c) {
        __m512 old = _mm512_maskz_loadu_ps(mask, row + 16 * v);
        x = _mm512_fmadd_ps(alpha, x, e.first ? _mm512_mul_ps(beta, old) : old);
      } else {
        x = _mm512_mul_ps(alpha, x);
      }
      if (e.last) {
        if (e.bias != nullptr) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, e.bias + 16 * v));
        if (e.activation == UnaryOp::kRelu) {
          x = _mm512_max_ps(zero, x);
        } else if (e.activation == UnaryOp::kLeakyRelu) {
          x = _mm512_mask_mul_ps(x, _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), x, slope);
        }
      }
      _mm512_mask_storeu_ps(row + 16 * v, mask, x);
    }
  }
}

using TileFunction = void (*)(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc,
                              int cols, const GemmTileEpilogue& e);

#define DN_TILE_ROWS(V, T, D)                                                                               \
  {Tile<1, V, T, D>, Tile<2, V, T, D>, Tile<3, V, T, D>, Tile<4, V, T, D>, Tile<5, V, T, D>,                \
   Tile<6, V, T, D>, Tile<7, V, T, D>, Tile<8, V, T, D>, Tile<9, V, T, D>, Tile<10, V, T, D>,              \
   Tile<11, V, T, D>, Tile<12, V, T, D>, Tile<13, V, T, D>, Tile<14, V, T, D>}
#define DN_TILE_VECTORS(T, D) {DN_TILE_ROWS(1, T, D), DN_TILE_ROWS(2, T, D)}
// [direct B][transposed A][vectors - 1][rows - 1]
const TileFunction kTiles[2][2][2][kMR] = {{DN_TILE_VECTORS(false, false), DN_TILE_VECTORS(true, false)},
                                           {DN_TILE_VECTORS(false, true), DN_TILE_VECTORS(true, true)}};
#undef DN_TILE_VECTORS
#undef DN_TILE_ROWS

// With one or two rows (batch-1 or batch-2 inference) a tile of 2 vectors has only 2 to 4 independent
// FMA chains: the k loop waits on FMA latency. Over B read in place, such tiles span up to
// kWideVectors vectors (128 columns) instead: 8 to 16 chains, each element still summed in k order,
// so results do not change.
constexpr int kWideRows = 2;
constexpr int kWideVectors = 8;
#define DN_WIDE_VECTORS(R, T) \
  {Tile<R, 1, T, true>, Tile<R, 2, T, true>, Tile<R, 3, T, true>, Tile<R, 4, T, true>, Tile<R, 5, T, true>, \
   Tile<R, 6, T, true>, Tile<R, 7, T, true>, Tile<R, 8, T, true>}
// [transposed A][rows - 1][vectors - 1]
const TileFunction kWideTiles[2][kWideRows][kWideVectors] = {{DN_WIDE_VECTORS(1, false), DN_WIDE_VECTORS(2, false)},
                                                             {DN_WIDE_VECTORS(1, true), DN_WIDE_VECTORS(2, true)}};
#undef DN_WIDE_VECTORS

struct Avx512Gemm {
  static constexpr int64_t kMR = avx512::kMR;
  static constexpr int64_t kNR = avx512::kNR;
  static constexpr int64_t kKC = avx512::kKC;
  static constexpr int64_t kNB = avx512::kNB;
  static constexpr int64_t kPackedAFloats = kMR * kARowStride;

  static void PackA(const float* a, int64_t lda, bool trans, int rows, int64_t kc, float* dst) {
    avx512::PackA(a, lda, trans, rows, kc, dst);
  }
  static void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t cols, float* dst) {
    avx512::PackB(b, ldb, trans, kc, cols, dst);
  }
  // Columns of one tile over B read in place (a multiple of kNR that divides kNB).
  static int64_t DirectTileColumns(int rows) { return rows <= kWideRows ? 16 * kWideVectors : kNR; }
  static void Tile(bool trans_a, int rows, int cols, int64_t kc, const float* a, const float* b, int64_t b_stride,
                   bool direct_b, float* c, int64_t ldc, const GemmTileEpilogue& e) {
    if (direct_b && rows <= kWideRows) {
      kWideTiles[trans_a ? 1 : 0][rows - 1][(cols + 15) / 16 - 1](kc, a, b, b_stride, c, ldc, cols, e);
      return;
    }
    kTiles[direct_b ? 1 : 0][trans_a ? 1 : 0][cols > 16 ? 1 : 0][rows - 1](kc, a, b, b_stride, c, ldc, cols, e);
  }
};

}  // namespace

Status Sgemm(const GemmArgs& args, ThreadPool* pool) { return GemmBlocked<Avx512Gemm>(args, pool); }

}  // namespace dendrite::avx512
