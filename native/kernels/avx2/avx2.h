// Declarations of the avx2 kernels. Only files in this folder are compiled with avx2 flags.
#pragma once

#if !defined(__AVX2__) || !defined(__FMA__)
#error "kernels/avx2 must be compiled with its ISA flags (see native/sources.json)"
#endif

#include <immintrin.h>

#include <type_traits>

#include "dendrite/kernels.h"

namespace dendrite::avx2 {

// The kernel table's functions (kernels/kernel_rows.def), implemented here from the shared bodies in
// kernels/simd/ (sum_squares in reduce.cc).
#include "kernels/kernel_declarations.inc"

}  // namespace dendrite::avx2
