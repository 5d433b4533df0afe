// AVX-512 softmax, log-softmax, their gradients and the fused softmax + cross-entropy: the shared body kernels/simd/softmax.inc over this ISA's vector vocabulary.
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/softmax.inc"

}  // namespace dendrite::avx512
