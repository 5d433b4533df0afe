// AVX2 + FMA optimizer updates: the shared body kernels/simd/optimizer.inc over this ISA's vector vocabulary.
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/simd/optimizer.inc"

}  // namespace dendrite::avx2
