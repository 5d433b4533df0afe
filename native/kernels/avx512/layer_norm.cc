// AVX-512 layer normalization: the shared body kernels/simd/layer_norm.inc over this ISA's vector vocabulary.
#include <cmath>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/layer_norm.inc"

}  // namespace dendrite::avx512
