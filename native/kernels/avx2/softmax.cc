// AVX2 + FMA softmax, log-softmax, their gradients and the fused softmax + cross-entropy: the shared body kernels/simd/softmax.inc over this ISA's vector vocabulary.
#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/simd/softmax.inc"

}  // namespace dendrite::avx2
