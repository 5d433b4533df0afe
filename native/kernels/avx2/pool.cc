// AVX2 + FMA pooling (pool2d, pool2d_backward): the shared body kernels/simd/pool.inc over this ISA's vector vocabulary.
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/simd/pool.inc"

}  // namespace dendrite::avx2
