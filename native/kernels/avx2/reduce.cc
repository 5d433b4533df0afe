// sum_squares here; reduce, argmax and column_sum from the shared body kernels/simd/reduce.inc.
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

Status SumSquares(const float* x, int64_t n, double* result) {
  // Accumulate in double (4 lanes) so the result matches the reference to rounding of the sum order.
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    acc0 = _mm256_fmadd_pd(lo, lo, acc0);
    acc1 = _mm256_fmadd_pd(hi, hi, acc1);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
  double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  *result = sum;
  return Status::kOk;
}

#include "kernels/simd/reduce.inc"

}  // namespace dendrite::avx2
