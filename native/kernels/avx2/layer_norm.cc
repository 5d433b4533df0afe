// AVX2 layer normalization: the shared body kernels/simd/layer_norm.inc over this ISA's vector vocabulary.
#include <cmath>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/simd/layer_norm.inc"

}  // namespace dendrite::avx2
