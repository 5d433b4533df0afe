#include "kernels/ref/ref.h"

namespace dendrite::ref {

Status SumSquares(const float* x, int64_t n, double* result) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  *result = sum;
  return Status::kOk;
}

}  // namespace dendrite::ref
