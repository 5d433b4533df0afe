// The reference real-input FFT: the shared body kernels/simd/fft.inc over a one-lane (plain float)
// vocabulary, so the scalar path runs the same passes as the SIMD paths, one row at a time.
#include "dendrite/fft.h"
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace simd {
using Vf = float;
constexpr int64_t kLanes = 1;
inline Vf Set(float value) { return value; }
inline Vf Zero() { return 0.0f; }
inline Vf Load(const float* p) { return *p; }
inline void Store(float* p, Vf v) { *p = v; }
inline Vf Add(Vf a, Vf b) { return a + b; }
inline Vf Sub(Vf a, Vf b) { return a - b; }
inline Vf Mul(Vf a, Vf b) { return a * b; }
}  // namespace simd

#include "kernels/simd/fft.inc"

}  // namespace dendrite::ref
