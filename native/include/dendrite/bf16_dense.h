// A bf16 Dense layer's forward pass on float rows: convert the activations to bf16 (round to nearest even),
// then the bf16 GEMM (float32 accumulation) with bias and activation. Shared by the bf16 dense binding
// (predict) and any forward plan step, so both compute the same.
#pragma once

#include <cstdint>
#include <vector>

#include "dendrite/kernels.h"

namespace dendrite {

struct Bf16DenseLayer {
  int64_t inputs = 0, units = 0;
  const uint16_t* packed = nullptr;  // Bf16PackedLength(inputs, units) values (PackBf16Weights)
  const float* bias = nullptr;       // units, or null
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
};

// y[rows, units] from x[rows, inputs]; `activations` is scratch for the converted rows (grown as needed).
Status Bf16DenseForward(const KernelTable& kernels, ThreadPool* pool, const Bf16DenseLayer& layer, const float* x,
                        int64_t rows, float* y, std::vector<uint16_t>* activations);

}  // namespace dendrite
