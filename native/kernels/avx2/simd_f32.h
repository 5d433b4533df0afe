// Vector vocabulary of the shared SIMD kernel bodies (kernels/simd/*.inc) for AVX2 + FMA: 8 float lanes,
// tails through maskload/maskstore (never a read or write past a buffer), and vector exp / log.
// Included only by files of this folder; everything lives in dendrite::avx2::simd.
#pragma once

#include "kernels/avx2/avx2.h"

namespace dendrite::avx2::simd {

using Vf = __m256;
using Vi = __m256i;
using Vd = __m256d;
using Cond = __m256;    // all bits set in a true lane
using CondD = __m256d;
constexpr int64_t kLanes = 8;

// The first `count` lanes (count <= kLanes), as a maskload/maskstore mask.
struct Tail {
  __m256i mask;
};
inline Tail TailOf(int64_t count) {
  int32_t lanes = static_cast<int32_t>(count >= kLanes ? kLanes : count);
  return Tail{_mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))};
}

inline Vf Set(float value) { return _mm256_set1_ps(value); }
inline Vf Zero() { return _mm256_setzero_ps(); }
inline Vf Load(const float* p) { return _mm256_loadu_ps(p); }
inline void Store(float* p, Vf v) { _mm256_storeu_ps(p, v); }
// Lanes outside the tail read as `fill`; memory outside it is not touched.
inline Vf LoadTail(const float* p, Tail tail, float fill) {
  return _mm256_blendv_ps(Set(fill), _mm256_maskload_ps(p, tail.mask), _mm256_castsi256_ps(tail.mask));
}
// Whether LoadTailZero of a whole vector is as fast as Load (vmaskmovps loads are slower than plain ones).
constexpr bool kMaskedLoadIsFree = false;
// LoadTail with fill 0 in one instruction (a masked load zeroes the lanes it skips).
inline Vf LoadTailZero(const float* p, Tail tail) { return _mm256_maskload_ps(p, tail.mask); }
inline void StoreTail(float* p, Vf v, Tail tail) { _mm256_maskstore_ps(p, tail.mask, v); }
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
inline float First(Vf v) { return _mm256_cvtss_f32(v); }

inline Vf Add(Vf a, Vf b) { return _mm256_add_ps(a, b); }
inline Vf Sub(Vf a, Vf b) { return _mm256_sub_ps(a, b); }
inline Vf Mul(Vf a, Vf b) { return _mm256_mul_ps(a, b); }
inline Vf Div(Vf a, Vf b) { return _mm256_div_ps(a, b); }
inline Vf Sqrt(Vf a) { return _mm256_sqrt_ps(a); }
// a * b + c and c - a * b, fused.
inline Vf MulAdd(Vf a, Vf b, Vf c) { return _mm256_fmadd_ps(a, b, c); }
inline Vf NegMulAdd(Vf a, Vf b, Vf c) { return _mm256_fnmadd_ps(a, b, c); }
inline Vf Abs(Vf a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF))); }
// Max/Min return b where either is NaN (the x86 rule); callers that must propagate NaN track it.
inline Vf Max(Vf a, Vf b) { return _mm256_max_ps(a, b); }
inline Vf Min(Vf a, Vf b) { return _mm256_min_ps(a, b); }

inline Cond Gt(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline Cond Lt(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline Cond Le(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
inline Cond Ne(Vf a, Vf b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
inline Cond IsNan(Vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline Cond NoLanes() { return _mm256_setzero_ps(); }
inline Cond Or(Cond a, Cond b) { return _mm256_or_ps(a, b); }
inline Cond AndNot(Cond a, Cond b) { return _mm256_andnot_ps(b, a); }  // a and not b
inline bool Any(Cond a) { return _mm256_movemask_ps(a) != 0; }
inline Vf Select(Cond c, Vf if_true, Vf if_false) { return _mm256_blendv_ps(if_false, if_true, c); }

// Horizontal sums and extremes in a fixed order (halves, then quarters, ...), so results are reproducible.
enum class Fold { kAdd, kMax, kMin };
template <Fold kFold>
inline __m128 Combine(__m128 a, __m128 b) {
  if constexpr (kFold == Fold::kAdd) return _mm_add_ps(a, b);
  else if constexpr (kFold == Fold::kMax) return _mm_max_ps(a, b);
  else return _mm_min_ps(a, b);
}
template <Fold kFold>
inline float FoldLanes(Vf v) {
  __m128 q = Combine<kFold>(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = Combine<kFold>(q, _mm_movehl_ps(q, q));
  q = Combine<kFold>(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}
inline float ReduceAdd(Vf v) { return FoldLanes<Fold::kAdd>(v); }
inline float ReduceMax(Vf v) { return FoldLanes<Fold::kMax>(v); }
inline float ReduceMin(Vf v) { return FoldLanes<Fold::kMin>(v); }

// Integer lanes (argmax indices).
inline Vi SetI(int32_t value) { return _mm256_set1_epi32(value); }
inline Vi IotaI() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
inline Vi AddI(Vi a, Vi b) { return _mm256_add_epi32(a, b); }
inline Vi SelectI(Cond c, Vi if_true, Vi if_false) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(if_false), _mm256_castsi256_ps(if_true), c));
}
inline void StoreI(int32_t* p, Vi v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline void StoreTailI(int32_t* p, Vi v, Tail tail) { _mm256_maskstore_epi32(p, tail.mask, v); }
// int8 inference (kernels/simd/int8.inc): int32 lanes to and from floats, and bytes.
inline Vi LoadTailZeroI(const int32_t* p, Tail tail) { return _mm256_maskload_epi32(p, tail.mask); }
inline Vi SubI(Vi a, Vi b) { return _mm256_sub_epi32(a, b); }
inline Vi MulLowI(Vi a, Vi b) { return _mm256_mullo_epi32(a, b); }
inline Vf ToFloat(Vi v) { return _mm256_cvtepi32_ps(v); }
inline Vf RoundNearest(Vf v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline Vi ToInt(Vf v) { return _mm256_cvtps_epi32(v); }
// The low byte of each of the tail's lanes, to p[0 .. tail lanes).
inline void StoreTailU8(uint8_t* p, Vi v, Tail tail) {
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i bytes = _mm256_shuffle_epi8(v, pick);
  const __m128i packed = _mm_unpacklo_epi32(_mm256_castsi256_si128(bytes), _mm256_extracti128_si256(bytes, 1));
  const int lanes = __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(tail.mask))));
  if (lanes == kLanes) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), packed);
    return;
  }
  alignas(16) uint8_t staged[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(staged), packed);
  for (int i = 0; i < lanes; ++i) p[i] = staged[i];
}

// Double lanes (regression losses are summed in double): a float vector widens to two.
inline Vd ToDoubleLow(Vf v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline Vd ToDoubleHigh(Vf v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
inline Vd SetD(double value) { return _mm256_set1_pd(value); }
inline Vd ZeroD() { return _mm256_setzero_pd(); }
inline void StoreD(double* p, Vd v) { _mm256_storeu_pd(p, v); }
inline Vd AddD(Vd a, Vd b) { return _mm256_add_pd(a, b); }
inline Vd SubD(Vd a, Vd b) { return _mm256_sub_pd(a, b); }
inline Vd MulD(Vd a, Vd b) { return _mm256_mul_pd(a, b); }
inline Vd AbsD(Vd a) { return _mm256_and_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFF))); }
inline CondD LeD(Vd a, Vd b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
inline Vd SelectD(CondD c, Vd if_true, Vd if_false) { return _mm256_blendv_pd(if_false, if_true, c); }
inline double ReduceAddD(Vd v) {
  __m128d q = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2, exp(r) by Cephes' degree-6 polynomial
// (about 1 ulp). 2^n is applied as two factors 2^(n/2) 2^(n - n/2), each a normal float, so the one
// final rounding gives gradual underflow to 0 and overflow to inf: exp(-inf) = 0, exp(+inf) = inf.
// NaN propagates (max/min return their second operand for NaN).
inline Vf Exp(Vf x) {
  x = _mm256_max_ps(Set(-104.0f), x);
  x = _mm256_min_ps(Set(104.0f), x);
  Vf n = _mm256_round_ps(Mul(x, Set(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
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
  __m256i whole = _mm256_cvtps_epi32(n);
  __m256i first = _mm256_srai_epi32(whole, 1);
  __m256i second = _mm256_sub_epi32(whole, first);
  Vf scale1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(first, _mm256_set1_epi32(127)), 23));
  Vf scale2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(second, _mm256_set1_epi32(127)), 23));
  return Mul(Mul(p, scale1), scale2);
}

// log(x) = e ln 2 + log(m) with x = m 2^e, m in [sqrt(1/2), sqrt(2)); log(m) by Cephes' polynomial in
// f = m - 1 (about 1 ulp). Denormals are scaled by 2^23 first. log(0) = -inf, log(<0) = NaN, log(inf) = inf.
inline Vf Log(Vf x) {
  Cond tiny = Lt(x, Set(1.17549435e-38f));
  Vf scaled = Select(tiny, Mul(x, Set(8388608.0f)), x);
  __m256i bits = _mm256_castps_si256(scaled);
  Vf e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  e = Select(tiny, Sub(e, Set(23.0f)), e);
  Vf m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
  Cond large = Gt(m, Set(1.41421356237f));
  m = Select(large, Mul(m, Set(0.5f)), m);
  e = Select(large, Add(e, Set(1.0f)), e);
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
  result = Select(_mm256_cmp_ps(x, Zero(), _CMP_EQ_OQ), Set(-__builtin_inff()), result);
  result = Select(_mm256_cmp_ps(x, Set(__builtin_inff()), _CMP_EQ_OQ), Set(__builtin_inff()), result);
  result = Select(_mm256_cmp_ps(x, Zero(), _CMP_NGE_UQ), Set(__builtin_nanf("")), result);
  return result;
}

}  // namespace dendrite::avx2::simd
