// AVX-512 batch normalization (batch_norm_statistics, batch_norm_backward, channel_affine): the shared body kernels/simd/normalization.inc over this ISA's vector vocabulary.
#include <algorithm>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/normalization.inc"

}  // namespace dendrite::avx512
