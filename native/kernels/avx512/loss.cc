// AVX-512 sigmoid + binary cross-entropy and the regression losses: the shared body kernels/simd/loss.inc over this ISA's vector vocabulary.
#include "kernels/avx512/simd_f32.h"

namespace dendrite::avx512 {

#include "kernels/simd/loss.inc"

}  // namespace dendrite::avx512
