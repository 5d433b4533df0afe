// AVX-512 real-input FFT: the shared body kernels/simd/fft.inc over this ISA's vector vocabulary, one row per lane.
#include "dendrite/fft.h"
#include "dendrite/thread_pool.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/fft.inc"

}  // namespace dendrite::avx512
