// AVX2+FMA SGEMM: register tile 6 x 16 (12 ymm accumulators, two B vectors and one broadcast of A per
// k step: 15 of the 16 registers), packed panels sized to the caches, masked loads and stores
// (vmaskmov never touches masked-off lanes) at the edges. The loops, threading and epilogue order are
// the shared driver's (kernels/ref/gemm_driver.inc).
#include "dendrite/thread_pool.h"
#include "kernels/avx2/avx2.h"

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

alignas(32) const int32_t kMaskSource[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

// Lanes [0, count) set; count may be anything (<= 0: none, >= 8: all).
inline __m256i LowMask(int64_t count) {
  const int64_t clamped = count < 0 ? 0 : count > 8 ? 8 : count;
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskSource + 8 - clamped));
}

// A micro-panel of op(A), rows x kc: non-transposed A row by row into the row layout
// (a[i * kARowStride + p]), transposed A (stored k x m) k-row by k-row into the k layout (a[p * kMR + i]).
void PackA(const float* a, int64_t lda, bool trans, int rows, int64_t kc, float* dst) {
  if (trans) {
    const __m256i mask = LowMask(rows);
    for (int64_t p = 0; p < kc; ++p) _mm256_maskstore_ps(dst + p * kMR, mask, _mm256_maskload_ps(a + p * lda, mask));
    return;
  }
  for (int i = 0; i < rows; ++i) {
    const float* src = a + i * lda;
    float* out = dst + i * kARowStride;
    int64_t p = 0;
    for (; p + 16 <= kc; p += 16) {
      _mm256_storeu_ps(out + p, _mm256_loadu_ps(src + p));
      _mm256_storeu_ps(out + p + 8, _mm256_loadu_ps(src + p + 8));
    }
    for (; p < kc; p += 8) {
      const __m256i mask = LowMask(kc - p);
      _mm256_maskstore_ps(out + p, mask, _mm256_maskload_ps(src + p, mask));
    }
  }
}

inline void Transpose8x8(__m256 r[8]) {
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

// kc x cols of op(B) as panels of kc x kNR (zero-padded past cols): non-transposed B row by row,
// transposed B (stored n x k) 8 x 8 at a time in registers.
void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t cols, float* dst) {
  if (!trans) {
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = b + p * ldb;
      float* out = dst + p * kNR;
      int64_t j = 0;
      for (; j + kNR <= cols; j += kNR, out += kc * kNR) {
        _mm256_store_ps(out, _mm256_loadu_ps(src + j));
        _mm256_store_ps(out + 8, _mm256_loadu_ps(src + j + 8));
      }
      if (j < cols) {
        _mm256_store_ps(out, _mm256_maskload_ps(src + j, LowMask(cols - j)));
        _mm256_store_ps(out + 8, _mm256_maskload_ps(src + j + 8, LowMask(cols - j - 8)));
      }
    }
    return;
  }
  for (int64_t j0 = 0; j0 < cols; j0 += kNR) {
    float* panel = dst + j0 * kc;
    for (int half = 0; half < 2; ++half) {
      const int64_t first_col = j0 + 8 * half;
      const int64_t live_cols = cols - first_col;  // columns of this half that exist (may be <= 0)
      for (int64_t p0 = 0; p0 < kc; p0 += 8) {
        const int64_t depth = kc - p0 < 8 ? kc - p0 : 8;
        const __m256i mask = LowMask(depth);
        __m256 r[8];
        for (int q = 0; q < 8; ++q) {
          r[q] = q < live_cols ? _mm256_maskload_ps(b + (first_col + q) * ldb + p0, mask) : _mm256_setzero_ps();
        }
        Transpose8x8(r);
        for (int q = 0; q < depth; ++q) _mm256_store_ps(panel + (p0 + q) * kNR + 8 * half, r[q]);
      }
    }
  }
}

// One register tile: rows x cols of C from a packed A micro-panel and one packed B panel (or, with
// kDirectB, B itself: rows b_stride apart, masked past cols), then the epilogue. kVectors is the number
// of 8-float vectors across: 1 or 2 over a packed panel, up to 8 over B read in place.
template <int kRows, int kVectors, bool kTransposedA, bool kDirectB>
void Tile(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, int cols,
          const GemmTileEpilogue& e) {
  constexpr int64_t kRowStep = kTransposedA ? 1 : kARowStride;
  constexpr int64_t kDepthStep = kTransposedA ? kMR : 1;
  __m256 acc[kRows][kVectors];
#pragma GCC unroll 6
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) acc[i][v] = _mm256_setzero_ps();
  }
  // The tile of C is touched only after the k loop: fetch it now so the stores do not wait on memory.
#pragma GCC unroll 6
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; v += 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 8 * v), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 8 * kVectors - 1), _MM_HINT_T0);
  }
  // Only the last vector can be partial (the caller picks kVectors = ceil(cols / 8)).
  const __m256i tail = LowMask(cols - 8 * (kVectors - 1));
  const bool full = cols == 8 * kVectors;
  for (int64_t p = 0; p < kc; ++p) {
    __m256 bv[kVectors];
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) {
      if (!kDirectB) {
        bv[v] = _mm256_load_ps(b + 8 * v);
      } else if (v < kVectors - 1 || full) {
        bv[v] = _mm256_loadu_ps(b + 8 * v);
      } else {
        bv[v] = _mm256_maskload_ps(b + 8 * v, tail);
      }
    }
#pragma GCC unroll 6
    for (int i = 0; i < kRows; ++i) {
      __m256 a_i = _mm256_broadcast_ss(a + i * kRowStep);
#pragma GCC unroll 8
      for (int v = 0; v < kVectors; ++v) acc[i][v] = _mm256_fmadd_ps(a_i, bv[v], acc[i][v]);
    }
    a += kDepthStep;
    b += kDirectB ? b_stride : kNR;
  }

  const __m256 alpha = _mm256_set1_ps(e.alpha);
  const __m256 beta = _mm256_set1_ps(e.beta);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 slope = _mm256_set1_ps(e.slope);
  const bool read_c = !e.first || e.beta != 0.0f;
#pragma GCC unroll 6
  for (int i = 0; i < kRows; ++i) {
    float* row = c + i * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < kVectors; ++v) {
      const bool masked = v == kVectors - 1 && !full;
      __m256 x = acc[i][v];
      if (read_c) {
        __m256 old = masked ? _mm256_maskload_ps(row + 8 * v, tail) : _mm256_loadu_ps(row + 8 * v);
        x = _mm256_fmadd_ps(alpha, x, e.first ? _mm256_mul_ps(beta, old) : old);
      } else {
        x = _mm256_mul_ps(alpha, x);
      }
      if (e.last) {
        if (e.bias != nullptr) {
          x = _mm256_add_ps(x, masked ? _mm256_maskload_ps(e.bias + 8 * v, tail) : _mm256_loadu_ps(e.bias + 8 * v));
        }
        if (e.activation == UnaryOp::kRelu) {
          x = _mm256_max_ps(zero, x);
        } else if (e.activation == UnaryOp::kLeakyRelu) {
          x = _mm256_blendv_ps(x, _mm256_mul_ps(x, slope), _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
        }
      }
      if (masked) {
        _mm256_maskstore_ps(row + 8 * v, tail, x);
      } else {
        _mm256_storeu_ps(row + 8 * v, x);
      }
    }
  }
}

using TileFunction = void (*)(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc,
                              int cols, const GemmTileEpilogue& e);

#define DN_TILE_ROWS(V, T, D) \
  {Tile<1, V, T, D>, Tile<2, V, T, D>, Tile<3, V, T, D>, Tile<4, V, T, D>, Tile<5, V, T, D>, Tile<6, V, T, D>}
#define DN_TILE_VECTORS(T, D) {DN_TILE_ROWS(1, T, D), DN_TILE_ROWS(2, T, D)}
// [direct B][transposed A][vectors - 1][rows - 1]
const TileFunction kTiles[2][2][2][kMR] = {{DN_TILE_VECTORS(false, false), DN_TILE_VECTORS(true, false)},
                                           {DN_TILE_VECTORS(false, true), DN_TILE_VECTORS(true, true)}};
#undef DN_TILE_VECTORS
#undef DN_TILE_ROWS

// With one or two rows (batch-1 or batch-2 inference) a tile of 2 vectors has only 2 to 4 independent
// FMA chains: the k loop waits on FMA latency. Over B read in place, such tiles span 8 vectors (one
// row) or 4 (two rows) instead, as many accumulators as the 16 registers leave room for; each element
// is still summed in k order, so results do not change.
constexpr int kWideRows = 2;
constexpr int kWideVectors = 8;
inline int WideVectors(int rows) { return kWideVectors / rows; }
#define DN_WIDE_TILES(T)                                                                                      \
  {{Tile<1, 1, T, true>, Tile<1, 2, T, true>, Tile<1, 3, T, true>, Tile<1, 4, T, true>, Tile<1, 5, T, true>,  \
    Tile<1, 6, T, true>, Tile<1, 7, T, true>, Tile<1, 8, T, true>},                                            \
   {Tile<2, 1, T, true>, Tile<2, 2, T, true>, Tile<2, 3, T, true>, Tile<2, 4, T, true>}}
// [transposed A][rows - 1][vectors - 1] (two rows: up to 4 vectors)
const TileFunction kWideTiles[2][kWideRows][kWideVectors] = {DN_WIDE_TILES(false), DN_WIDE_TILES(true)};
#undef DN_WIDE_TILES

struct Avx2Gemm {
  static constexpr int64_t kMR = avx2::kMR;
  static constexpr int64_t kNR = avx2::kNR;
  static constexpr int64_t kKC = avx2::kKC;
  static constexpr int64_t kNB = avx2::kNB;
  static constexpr int64_t kPackedAFloats = kMR * kARowStride;

  static void PackA(const float* a, int64_t lda, bool trans, int rows, int64_t kc, float* dst) {
    avx2::PackA(a, lda, trans, rows, kc, dst);
  }
  static void PackB(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t cols, float* dst) {
    avx2::PackB(b, ldb, trans, kc, cols, dst);
  }
  // Columns of one tile over B read in place (a multiple of kNR that divides kNB).
  static int64_t DirectTileColumns(int rows) { return rows <= kWideRows ? 8 * WideVectors(rows) : kNR; }
  static void Tile(bool trans_a, int rows, int cols, int64_t kc, const float* a, const float* b, int64_t b_stride,
                   bool direct_b, float* c, int64_t ldc, const GemmTileEpilogue& e) {
    if (direct_b && rows <= kWideRows) {
      kWideTiles[trans_a ? 1 : 0][rows - 1][(cols + 7) / 8 - 1](kc, a, b, b_stride, c, ldc, cols, e);
      return;
    }
    kTiles[direct_b ? 1 : 0][trans_a ? 1 : 0][cols > 8 ? 1 : 0][rows - 1](kc, a, b, b_stride, c, ldc, cols, e);
  }
};

}  // namespace

Status Sgemm(const GemmArgs& args, ThreadPool* pool) { return GemmBlocked<Avx2Gemm>(args, pool); }

}  // namespace dendrite::avx2
