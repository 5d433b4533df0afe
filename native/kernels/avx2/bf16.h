// The AVX2 bf16 GEMM path by name (the kernel table's bf16_gemm), so the native tests can run it against the
// reference on CPUs that also have AVX-512.
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::avx2 {

Status Bf16Gemm(const Bf16GemmArgs& args, ThreadPool* pool);
Status ConvertBf16(const float* x, int64_t n, uint16_t* y);

}  // namespace dendrite::avx2
