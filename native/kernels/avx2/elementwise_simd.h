// AVX2 + FMA primitives the elementwise kernels need beyond the shared vocabulary of simd_f32.h: rounding,
// exponent scaling and splitting, sign bits, and the double lanes of pow. The shared bodies
// (kernels/simd/elementwise_math.inc, kernels/simd/elementwise.inc) are written over these names.
// A nested namespace, so a name added to simd_f32.h later cannot collide with one defined here.
#pragma once

#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2::vmath {

using namespace simd;

inline Cond Eq(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline Cond Ge(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
inline Cond Both(Cond a, Cond b) { return _mm256_and_ps(a, b); }
inline Cond Either(Cond a, Cond b) { return _mm256_or_ps(a, b); }
inline Cond Differ(Cond a, Cond b) { return _mm256_xor_ps(a, b); }
inline Cond Negate(Cond a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))); }
// Lanes whose sign bit is set (-0 and negative NaNs included).
inline Cond SignBitSet(Vf a) { return _mm256_castsi256_ps(_mm256_srai_epi32(_mm256_castps_si256(a), 31)); }

inline Vf BitXor(Vf a, Vf b) { return _mm256_xor_ps(a, b); }
inline Vf BitOr(Vf a, Vf b) { return _mm256_or_ps(a, b); }
inline Vf Negative(Vf a) { return BitXor(a, Set(-0.0f)); }
// a * b - c, fused (the exact error of a product: MulSub(a, b, a * b)).
inline Vf MulSub(Vf a, Vf b, Vf c) { return _mm256_fmsub_ps(a, b, c); }
inline Vf RoundNearest(Vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

// p * 2^n for integral n in [-152, 130], rounded once: 2^n is applied as two normal factors
// 2^(n/2) and 2^(n - n/2); the first product is exact, so the second rounds once, with gradual
// underflow and overflow to inf (the same results as AVX-512's scalef).
inline Vf Ldexp(Vf p, Vf n) {
  __m256i whole = _mm256_cvtps_epi32(n);
  __m256i first = _mm256_srai_epi32(whole, 1);
  __m256i second = _mm256_sub_epi32(whole, first);
  __m256i bias = _mm256_set1_epi32(127);
  Vf scale1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(first, bias), 23));
  Vf scale2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(second, bias), 23));
  return Mul(Mul(p, scale1), scale2);
}
// x = m * 2^e with m in [1, 2), for finite x > 0. Denormals are first scaled by 2^23 into the normal range.
inline void Frexp(Vf x, Vf* m, Vf* e) {
  Cond denormal = Lt(x, Set(1.17549435e-38f));
  Vf scaled = Select(denormal, Mul(x, Set(8388608.0f)), x);
  __m256i bits = _mm256_castps_si256(scaled);
  Vf exponent = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  *e = Select(denormal, Sub(exponent, Set(23.0f)), exponent);
  *m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
}

// Double lanes: a float vector is two double vectors (ToDoubleLow / ToDoubleHigh in simd_f32.h).
inline Vd MulAddD(Vd a, Vd b, Vd c) { return _mm256_fmadd_pd(a, b, c); }
inline Vd DivD(Vd a, Vd b) { return _mm256_div_pd(a, b); }
// Clamps to [lo, hi]; NaN becomes lo (callers replace NaN lanes afterwards).
inline Vd ClampD(Vd a, double lo, double hi) { return _mm256_min_pd(_mm256_max_pd(a, SetD(lo)), SetD(hi)); }
inline Vd RoundNearestD(Vd a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// 2^n for integral n in [-1022, 1023], built from its exponent bits.
inline Vd Pow2D(Vd n) {
  __m256i whole = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));
  return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(whole, _mm256_set1_epi64x(1023)), 52));
}
// Rounds two double vectors (low lanes, high lanes) to one float vector: correct rounding, denormals, inf.
inline Vf Narrow(Vd low, Vd high) { return _mm256_set_m128(_mm256_cvtpd_ps(high), _mm256_cvtpd_ps(low)); }

}  // namespace dendrite::avx2::vmath
