// Declarations of the avx2 kernels. Only files in this folder are compiled with avx2 flags.
#pragma once

#if !defined(__AVX2__) || !defined(__FMA__)
#error "kernels/avx2 must be compiled with its ISA flags (see native/sources.json)"
#endif

#include <immintrin.h>

#include "dendrite/kernels.h"

namespace dendrite::avx2 {

Status SumSquares(const float* x, int64_t n, double* result);

}  // namespace dendrite::avx2
