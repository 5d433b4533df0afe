// AVX-512 scaled dot-product attention: the shared blocked body kernels/simd/attention.inc over this ISA's vector vocabulary.
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/attention.inc"

}  // namespace dendrite::avx512
