// Declarations of the avx512 kernels. Only files in this folder are compiled with avx512 flags.
#pragma once

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__)
#error "kernels/avx512 must be compiled with its ISA flags (see native/sources.json)"
#endif

#include <immintrin.h>

#include <type_traits>

#include "dendrite/kernels.h"

namespace dendrite::avx512 {

// The kernel table's functions (kernels/kernel_rows.def), implemented here from the shared bodies in
// kernels/simd/ (sum_squares in reduce.cc).
#include "kernels/kernel_declarations.inc"

}  // namespace dendrite::avx512
