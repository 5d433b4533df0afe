// The bf16 GEMM paths of this folder by name (the kernel table's bf16_gemm picks one by CPU feature bits),
// so the native tests can run each against the reference. Declarations only: call the vdpbf16ps path only
// when the CPU has AVX512_BF16 (HasBf16); the FMA path needs the avx512 table's features alone.
#pragma once

#include "dendrite/kernels.h"

namespace dendrite::avx512 {

bool HasBf16();  // AVX512_BF16
Status Bf16GemmDpbf16(const Bf16GemmArgs& args, ThreadPool* pool);
Status Bf16GemmFma(const Bf16GemmArgs& args, ThreadPool* pool);
// float32 -> bf16 by vcvtneps2bf16 (needs HasBf16) or by integer arithmetic (AVX-512F/BW), same bits.
Status ConvertBf16Native(const float* x, int64_t n, uint16_t* y);
Status ConvertBf16Integer(const float* x, int64_t n, uint16_t* y);

// The vdpbf16ps peak probe of the benchmarks: `iterations` rounds of kBf16ProbeChains independent vdpbf16ps
// on full vectors (32 bf16 products each); returns a value that depends on all of them. Needs HasBf16.
constexpr int kBf16ProbeChains = 24;
float Bf16Probe(int64_t iterations);

}  // namespace dendrite::avx512
