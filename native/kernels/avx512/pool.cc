// AVX-512 pooling (pool2d, pool2d_backward): the shared body kernels/simd/pool.inc over this ISA's vector vocabulary.
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/pool.inc"

}  // namespace dendrite::avx512
