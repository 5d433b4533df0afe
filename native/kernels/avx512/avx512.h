// Declarations of the avx512 kernels. Only files in this folder are compiled with avx512 flags.
#pragma once

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__)
#error "kernels/avx512 must be compiled with its ISA flags (see native/sources.json)"
#endif

#include <immintrin.h>

#include "dendrite/kernels.h"

namespace dendrite::avx512 {

Status SumSquares(const float* x, int64_t n, double* result);

}  // namespace dendrite::avx512
