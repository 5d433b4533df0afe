// AVX2 + FMA recurrent cells and embedding row gather / scatter-add: the shared body kernels/simd/recurrent.inc over this ISA's vector vocabulary.
#include <cstring>
#include <type_traits>

#include "kernels/avx2/simd_f32.h"

namespace dendrite::avx2 {

#include "kernels/simd/recurrent.inc"

}  // namespace dendrite::avx2
