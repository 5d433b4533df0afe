// avx512 elementwise kernels over 16 float lanes (AVX-512): the shared bodies of kernels/simd/elementwise_math.inc and
// kernels/simd/elementwise.inc compiled into dendrite::avx512::vmath.
#include "kernels/avx512/elementwise_simd.h"
#include "kernels/ref/ref.h"

namespace dendrite::avx512 {
namespace vmath {
#include "kernels/simd/elementwise_math.inc"
#include "kernels/simd/elementwise.inc"
}  // namespace vmath

Status Unary(UnaryOp op, float param, const float* x, float* y, int64_t n) {
  return vmath::UnaryBody(op, param, x, y, n);
}
Status UnaryGrad(UnaryOp op, float param, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  return vmath::UnaryGradBody(op, param, x, y, dy, dx, n);
}
Status Binary(const BinaryArgs& args) { return vmath::BinaryBody(args); }
Status Affine(const float* x, float scale, float shift, float* y, int64_t n) {
  return vmath::AffineBody(x, scale, shift, y, n);
}

}  // namespace dendrite::avx512
