// Convolution, pooling and batch-normalization rows of the avx2 table: the reference kernels until the
// SIMD versions land (the table needs every row from this namespace).
#include "kernels/ref/ref.h"
#include "kernels/avx2/avx2.h"

namespace dendrite::avx2 {

Status Conv2d(const ConvGeometry& g, const float* x, const float* filter, const ConvEpilogue& e, float* y,
              ThreadPool* pool) {
  return ref::Conv2d(g, x, filter, e, y, pool);
}
Status Conv2dBackwardData(const ConvGeometry& g, const float* dy, const float* filter, const ConvEpilogue& e,
                          float* dx, ThreadPool* pool) {
  return ref::Conv2dBackwardData(g, dy, filter, e, dx, pool);
}
Status Conv2dBackwardFilter(const ConvGeometry& g, const float* x, const float* dy, float* dfilter, bool accumulate,
                            ThreadPool* pool) {
  return ref::Conv2dBackwardFilter(g, x, dy, dfilter, accumulate, pool);
}
Status Pool2d(PoolKind kind, const PoolGeometry& g, const float* x, float* y, int32_t* argmax, ThreadPool* pool) {
  return ref::Pool2d(kind, g, x, y, argmax, pool);
}
Status Pool2dBackward(PoolKind kind, const PoolGeometry& g, const float* dy, const int32_t* argmax, float* dx,
                      ThreadPool* pool) {
  return ref::Pool2dBackward(kind, g, dy, argmax, dx, pool);
}
Status BatchNormStatistics(const float* x, int64_t rows, int64_t channels, float* mean, float* variance,
                           ThreadPool* pool) {
  return ref::BatchNormStatistics(x, rows, channels, mean, variance, pool);
}
Status BatchNormBackward(const float* x, const float* dy, int64_t rows, int64_t channels, const float* mean,
                         const float* inv_std, const float* gamma, float* dx, float* sum_dy, float* sum_dy_xhat,
                         ThreadPool* pool) {
  return ref::BatchNormBackward(x, dy, rows, channels, mean, inv_std, gamma, dx, sum_dy, sum_dy_xhat, pool);
}
Status ChannelAffine(const float* x, int64_t rows, int64_t channels, const float* scale, const float* shift, float* y,
                     ThreadPool* pool) {
  return ref::ChannelAffine(x, rows, channels, scale, shift, y, pool);
}

}  // namespace dendrite::avx2
