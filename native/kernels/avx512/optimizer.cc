// AVX-512 optimizer updates: the shared body kernels/simd/optimizer.inc over this ISA's vector vocabulary.
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/optimizer.inc"

}  // namespace dendrite::avx512
