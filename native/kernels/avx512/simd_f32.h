// Vector vocabulary of the shared SIMD kernel bodies (kernels/simd/*.inc) for AVX-512: 16 float lanes,
// tails through lane masks (never a read or write past a buffer), and vector exp / log.
// Included only by files of this folder; everything lives in dendrite::avx512::simd.
#pragma once

#include "kernels/avx512/avx512.h"

namespace dendrite::avx512::simd {

using Vf = __m512;
using Vi = __m512i;
using Vd = __m512d;
using Cond = __mmask16;   // one bit per float lane
using CondD = __mmask8;   // one bit per double lane
constexpr int64_t kLanes = 16;

// The first `count` lanes (count <= kLanes).
struct Tail {
  __mmask16 mask;
};
inline Tail TailOf(int64_t count) {
  return Tail{static_cast<__mmask16>(count >= kLanes ? 0xFFFFu : (1u << count) - 1u)};
}

inline Vf Set(float value) { return _mm512_set1_ps(value); }
inline Vf Zero() { return _mm512_setzero_ps(); }
inline Vf Load(const float* p) { return _mm512_loadu_ps(p); }
inline void Store(float* p, Vf v) { _mm512_storeu_ps(p, v); }
// Lanes outside the tail read as `fill`; memory outside it is not touched.
inline Vf LoadTail(const float* p, Tail tail, float fill) { return _mm512_mask_loadu_ps(Set(fill), tail.mask, p); }
// Whether LoadTailZero of a whole vector is as fast as Load (a masked load costs what a plain one does).
constexpr bool kMaskedLoadIsFree = true;
// LoadTail with fill 0 in one instruction (a masked load zeroes the lanes it skips).
inline Vf LoadTailZero(const float* p, Tail tail) { return _mm512_maskz_loadu_ps(tail.mask, p); }
inline void StoreTail(float* p, Vf v, Tail tail) { _mm512_mask_storeu_ps(p, tail.mask, v); }
// Full vector or tail, chosen at compile time, so one loop body serves both.
template <bool kTail>
inline Vf LoadAt(const float* p, Tail tail, float fill) {
  if constexpr (kTail) return LoadTail(p, tail, fill);
  else return Load(p);
}
template <bool kTail>
inline void StoreAt(float* p, Vf v, Tail tail) {
  if constexpr (kTail) StoreTail(p, v, tail);
  else Store(p, v);
}
inline float First(Vf v) { return _mm512_cvtss_f32(v); }

inline Vf Add(Vf a, Vf b) { return _mm512_add_ps(a, b); }
inline Vf Sub(Vf a, Vf b) { return _mm512_sub_ps(a, b); }
inline Vf Mul(Vf a, Vf b) { return _mm512_mul_ps(a, b); }
inline Vf Div(Vf a, Vf b) { return _mm512_div_ps(a, b); }
inline Vf Sqrt(Vf a) { return _mm512_sqrt_ps(a); }
// a * b + c and c - a * b, fused.
inline Vf MulAdd(Vf a, Vf b, Vf c) { return _mm512_fmadd_ps(a, b, c); }
inline Vf NegMulAdd(Vf a, Vf b, Vf c) { return _mm512_fnmadd_ps(a, b, c); }
inline Vf Abs(Vf a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7FFFFFFF))); }
// Max/Min return b where either is NaN (the x86 rule); callers that must propagate NaN track it.
inline Vf Max(Vf a, Vf b) { return _mm512_max_ps(a, b); }
inline Vf Min(Vf a, Vf b) { return _mm512_min_ps(a, b); }

inline Cond Gt(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline Cond Lt(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline Cond Le(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
inline Cond Ne(Vf a, Vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ); }
inline Cond IsNan(Vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline Cond NoLanes() { return 0; }
inline Cond Or(Cond a, Cond b) { return static_cast<Cond>(a | b); }
inline Cond AndNot(Cond a, Cond b) { return static_cast<Cond>(a & ~b); }  // a and not b
inline bool Any(Cond a) { return a != 0; }
inline Vf Select(Cond c, Vf if_true, Vf if_false) { return _mm512_mask_blend_ps(c, if_false, if_true); }

// Horizontal sums and extremes in a fixed order (halves, then quarters, ...), so results are reproducible.
// Halves through zero-masked extracts: GCC 12 warns falsely (-Wuninitialized, PR105593) about the
// _undefined_ source operand inside the plain extract, cast and shuffle intrinsics.
inline __m256 LowerHalf(Vf v) { return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 0)); }
inline __m256 UpperHalf(Vf v) { return _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 1)); }

enum class Fold { kAdd, kMax, kMin };
template <Fold kFold>
inline __m128 Combine(__m128 a, __m128 b) {
  if constexpr (kFold == Fold::kAdd) return _mm_add_ps(a, b);
  else if constexpr (kFold == Fold::kMax) return _mm_max_ps(a, b);
  else return _mm_min_ps(a, b);
}
template <Fold kFold>
inline float FoldLanes(Vf v) {
  __m256 lo = LowerHalf(v);
  __m256 hi = UpperHalf(v);
  __m128 q = Combine<kFold>(Combine<kFold>(_mm256_castps256_ps128(lo), _mm256_castps256_ps128(hi)),
                            Combine<kFold>(_mm256_extractf128_ps(lo, 1), _mm256_extractf128_ps(hi, 1)));
  q = Combine<kFold>(q, _mm_movehl_ps(q, q));
  q = Combine<kFold>(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}
inline float ReduceAdd(Vf v) { return FoldLanes<Fold::kAdd>(v); }
inline float ReduceMax(Vf v) { return FoldLanes<Fold::kMax>(v); }
inline float ReduceMin(Vf v) { return FoldLanes<Fold::kMin>(v); }

// Integer lanes (argmax indices).
inline Vi SetI(int32_t value) { return _mm512_set1_epi32(value); }
inline Vi IotaI() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
inline Vi AddI(Vi a, Vi b) { return _mm512_add_epi32(a, b); }
inline Vi SelectI(Cond c, Vi if_true, Vi if_false) { return _mm512_mask_blend_epi32(c, if_false, if_true); }
inline void StoreI(int32_t* p, Vi v) { _mm512_storeu_si512(p, v); }
inline void StoreTailI(int32_t* p, Vi v, Tail tail) { _mm512_mask_storeu_epi32(p, tail.mask, v); }
// int8 inference (kernels/simd/int8.inc): int32 lanes to and from floats, and bytes.
inline Vi LoadTailZeroI(const int32_t* p, Tail tail) { return _mm512_maskz_loadu_epi32(tail.mask, p); }
inline Vi SubI(Vi a, Vi b) { return _mm512_sub_epi32(a, b); }
inline Vi MulLowI(Vi a, Vi b) { return _mm512_mullo_epi32(a, b); }
inline Vf ToFloat(Vi v) { return _mm512_cvtepi32_ps(v); }
inline Vf RoundNearest(Vf v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Vi ToInt(Vf v) { return _mm512_cvtps_epi32(v); }
// The low byte of each of the tail's lanes, to p[0 .. tail lanes).
inline void StoreTailU8(uint8_t* p, Vi v, Tail tail) { _mm512_mask_cvtepi32_storeu_epi8(p, tail.mask, v); }

// Double lanes (regression losses are summed in double): a float vector widens to two.
inline Vd ToDoubleLow(Vf v) { return _mm512_cvtps_pd(LowerHalf(v)); }
inline Vd ToDoubleHigh(Vf v) { return _mm512_cvtps_pd(UpperHalf(v)); }
inline Vd SetD(double value) { return _mm512_set1_pd(value); }
inline Vd ZeroD() { return _mm512_setzero_pd(); }
inline void StoreD(double* p, Vd v) { _mm512_storeu_pd(p, v); }
inline Vd AddD(Vd a, Vd b) { return _mm512_add_pd(a, b); }
inline Vd SubD(Vd a, Vd b) { return _mm512_sub_pd(a, b); }
inline Vd MulD(Vd a, Vd b) { return _mm512_mul_pd(a, b); }
inline Vd AbsD(Vd a) { return _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(0x7FFFFFFFFFFFFFFF))); }
inline CondD LeD(Vd a, Vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
inline Vd SelectD(CondD c, Vd if_true, Vd if_false) { return _mm512_mask_blend_pd(c, if_false, if_true); }
inline double ReduceAddD(Vd v) {
  __m256d h = _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xF, v, 0), _mm512_maskz_extractf64x4_pd(0xF, v, 1));
  __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2, exp(r) by Cephes' degree-6 polynomial
// (about 1 ulp). scalef applies 2^n with correct overflow to inf and gradual underflow to 0, so
// exp(-inf) = 0 and exp(+inf) = inf; NaN propagates (max/min return their second operand for NaN).
inline Vf Exp(Vf x) {
  x = _mm512_max_ps(Set(-104.0f), x);
  x = _mm512_min_ps(Set(104.0f), x);
  Vf n = _mm512_roundscale_ps(Mul(x, Set(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  Vf r = NegMulAdd(n, Set(0.693145751953125f), x);
  r = NegMulAdd(n, Set(1.428606765330187e-06f), r);
  Vf p = Set(1.9875691500e-4f);
  p = MulAdd(p, r, Set(1.3981999507e-3f));
  p = MulAdd(p, r, Set(8.3334519073e-3f));
  p = MulAdd(p, r, Set(4.1665795894e-2f));
  p = MulAdd(p, r, Set(1.6666665459e-1f));
  p = MulAdd(p, r, Set(5.0000001201e-1f));
  p = MulAdd(p, Mul(r, r), r);
  p = Add(p, Set(1.0f));
  return _mm512_scalef_ps(p, n);
}

// log(x) = e ln 2 + log(m) with x = m 2^e, m in [sqrt(1/2), sqrt(2)); log(m) by Cephes' polynomial in
// f = m - 1 (about 1 ulp). getexp/getmant handle denormals. log(0) = -inf, log(<0) = NaN, log(inf) = inf.
inline Vf Log(Vf x) {
  Vf m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  Vf e = _mm512_getexp_ps(x);
  Cond large = Gt(m, Set(1.41421356237f));
  m = _mm512_mask_mul_ps(m, large, m, Set(0.5f));
  e = _mm512_mask_add_ps(e, large, e, Set(1.0f));
  Vf f = Sub(m, Set(1.0f));
  Vf z = Mul(f, f);
  Vf p = Set(7.0376836292e-2f);
  p = MulAdd(p, f, Set(-1.1514610310e-1f));
  p = MulAdd(p, f, Set(1.1676998740e-1f));
  p = MulAdd(p, f, Set(-1.2420140846e-1f));
  p = MulAdd(p, f, Set(1.4249322787e-1f));
  p = MulAdd(p, f, Set(-1.6668057665e-1f));
  p = MulAdd(p, f, Set(2.0000714765e-1f));
  p = MulAdd(p, f, Set(-2.4999993993e-1f));
  p = MulAdd(p, f, Set(3.3333331174e-1f));
  Vf y = Mul(Mul(p, f), z);
  y = MulAdd(e, Set(-2.12194440e-4f), y);
  y = NegMulAdd(Set(0.5f), z, y);
  Vf result = Add(f, y);
  result = MulAdd(e, Set(0.693359375f), result);
  result = Select(_mm512_cmp_ps_mask(x, Zero(), _CMP_EQ_OQ), Set(-__builtin_inff()), result);
  result = Select(_mm512_cmp_ps_mask(x, Set(__builtin_inff()), _CMP_EQ_OQ), Set(__builtin_inff()), result);
  result = Select(_mm512_cmp_ps_mask(x, Zero(), _CMP_NGE_UQ), Set(__builtin_nanf("")), result);
  return result;
}

}  // namespace dendrite::avx512::simd
