// AVX-512 primitives the elementwise kernels need beyond the shared vocabulary of simd_f32.h: rounding,
// exponent scaling and splitting, sign bits, and the double lanes of pow. The shared bodies
// (kernels/simd/elementwise_math.inc, kernels/simd/elementwise.inc) are written over these names.
// A nested namespace, so a name added to simd_f32.h later cannot collide with one defined here.
// Only AVX-512F/BW/VL instructions (no DQ: the CPU check does not require it).
#pragma once

#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512::vmath {

using namespace simd;

inline Cond Eq(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
inline Cond Ge(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
inline Cond Both(Cond a, Cond b) { return static_cast<Cond>(a & b); }
inline Cond Either(Cond a, Cond b) { return static_cast<Cond>(a | b); }
inline Cond Differ(Cond a, Cond b) { return static_cast<Cond>(a ^ b); }
inline Cond Negate(Cond a) { return static_cast<Cond>(~a); }
// Lanes whose sign bit is set (-0 and negative NaNs included).
inline Cond SignBitSet(Vf a) { return _mm512_cmplt_epi32_mask(_mm512_castps_si512(a), _mm512_setzero_si512()); }

inline Vf BitXor(Vf a, Vf b) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
inline Vf BitOr(Vf a, Vf b) { return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
inline Vf Negative(Vf a) { return BitXor(a, Set(-0.0f)); }
// a * b - c, fused (the exact error of a product: MulSub(a, b, a * b)).
inline Vf MulSub(Vf a, Vf b, Vf c) { return _mm512_fmsub_ps(a, b, c); }
inline Vf RoundNearest(Vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

// p * 2^n for integral n in [-152, 130], rounded once: gradual underflow, overflow to inf.
inline Vf Ldexp(Vf p, Vf n) { return _mm512_scalef_ps(p, n); }
// x = m * 2^e with m in [1, 2), for finite x > 0 (denormals included).
inline void Frexp(Vf x, Vf* m, Vf* e) {
  *m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  *e = _mm512_getexp_ps(x);
}

// Double lanes: a float vector is two double vectors (ToDoubleLow / ToDoubleHigh in simd_f32.h).
inline Vd MulAddD(Vd a, Vd b, Vd c) { return _mm512_fmadd_pd(a, b, c); }
inline Vd DivD(Vd a, Vd b) { return _mm512_div_pd(a, b); }
// Clamps to [lo, hi]; NaN becomes lo (callers replace NaN lanes afterwards).
inline Vd ClampD(Vd a, double lo, double hi) { return _mm512_min_pd(_mm512_max_pd(a, SetD(lo)), SetD(hi)); }
inline Vd RoundNearestD(Vd a) { return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// 2^n for integral n in [-1022, 1023].
inline Vd Pow2D(Vd n) { return _mm512_scalef_pd(SetD(1.0), n); }
// Rounds two double vectors (low lanes, high lanes) to one float vector: correct rounding, denormals, inf.
inline Vf Narrow(Vd low, Vd high) {
  __m512d joined = _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(low))),
                                      _mm256_castps_pd(_mm512_cvtpd_ps(high)), 1);
  return _mm512_castpd_ps(joined);
}

}  // namespace dendrite::avx512::vmath
