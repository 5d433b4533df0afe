#include "dendrite/bf16_dense.h"

namespace dendrite {

Status Bf16DenseForward(const KernelTable& kernels, ThreadPool* pool, const Bf16DenseLayer& layer, const float* x,
                        int64_t rows, float* y, std::vector<uint16_t>* activations) {
  if (rows <= 0 || layer.units <= 0) return Status::kOk;
  const int64_t n = rows * layer.inputs;
  if (n > 0) {
    if (activations->size() < static_cast<size_t>(n)) activations->resize(static_cast<size_t>(n));
    Status status = kernels.convert_bf16(x, n, activations->data());
    if (status != Status::kOk) return status;
  }
  Bf16GemmArgs g;
  g.m = rows;
  g.n = layer.units;
  g.k = layer.inputs;
  g.a = n > 0 ? activations->data() : nullptr;
  g.lda = layer.inputs;
  g.packed_b = layer.packed;
  g.bias = layer.bias;
  g.activation = layer.activation;
  g.activation_param = layer.activation_param;
  g.c = y;
  g.ldc = layer.units;
  return kernels.bf16_gemm(g, pool);
}

}  // namespace dendrite
