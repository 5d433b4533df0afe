// Declarations of the reference kernels (one row of the kernel table each).
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::ref {

Status SumSquares(const float* x, int64_t n, double* result);

}  // namespace dendrite::ref
