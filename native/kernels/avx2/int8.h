// The int8 GEMM paths of this folder by name (the kernel table's int8_gemm picks one by CPU feature bits),
// so the native tests can run each against the reference. Declarations only: call a path only when the CPU
// has its features (HasAvxVnni for the AVX-VNNI one; the vpmaddwd one needs AVX2 alone).
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::avx2 {

bool HasAvxVnni();  // AVX-VNNI (the VEX-encoded vpdpbusd on ymm registers)
Status Int8GemmAvxVnni(const Int8GemmArgs& args, ThreadPool* pool);
Status Int8GemmMaddwd(const Int8GemmArgs& args, ThreadPool* pool);
Status Int8Gemm(const Int8GemmArgs& args, ThreadPool* pool);

}  // namespace dendrite::avx2
