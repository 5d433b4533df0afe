// sum_squares here; reduce, argmax and column_sum from the shared body kernels/simd/reduce.inc.
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

Status SumSquares(const float* x, int64_t n, double* result) {
  // Accumulate in double so the result matches the reference up to the order of the sum.
  __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
    __m512d hi = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
    acc0 = _mm512_fmadd_pd(lo, lo, acc0);
    acc1 = _mm512_fmadd_pd(hi, hi, acc1);
  }
  for (; i < n; i += 8) {
    // Masked tail: no scalar loop, no read past the buffer.
    int64_t left = n - i < 8 ? n - i : 8;
    __mmask8 mask = static_cast<__mmask8>((1u << left) - 1);
    __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mask, x + i));
    acc0 = _mm512_fmadd_pd(v, v, acc0);
  }
  // Stored and summed in scalar code: GCC 12 warns falsely inside _mm512_reduce_add_pd (PR105593).
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, _mm512_add_pd(acc0, acc1));
  double sum = 0.0;
  for (double lane : lanes) sum += lane;
  *result = sum;
  return Status::kOk;
}

#include "kernels/simd/reduce.inc"

}  // namespace dendrite::avx512
