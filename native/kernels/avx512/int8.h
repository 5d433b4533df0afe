// The int8 GEMM paths of this folder by name (the kernel table's int8_gemm picks one by CPU feature bits),
// so the native tests can run each against the reference. Declarations only: call a path only when the CPU
// has its features (HasVnni).
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::avx512 {

bool HasVnni();  // AVX512_VNNI
Status Int8GemmVnni(const Int8GemmArgs& args, ThreadPool* pool);

// The vpdpbusd peak probe of the benchmarks (beside the FMA probe): `iterations` rounds of kVnniProbeChains
// independent vpdpbusd on full vectors (64 u8 x s8 products each); returns a value that depends on all of them.
constexpr int kVnniProbeChains = 24;
int32_t VnniProbe(int64_t iterations);

}  // namespace dendrite::avx512
