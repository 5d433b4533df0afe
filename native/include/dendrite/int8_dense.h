// An int8 Dense layer's forward pass on float rows: quantise the activations to u8 (with the layer's static
// scale and zero point, or per call from the rows' range), then the int8 GEMM with its float epilogue.
// Shared by the int8Dense binding (predict) and the forward plan (predictAsync), so both compute the same.
#pragma once

#include <cstdint>
#include <vector>

#include "dendrite/kernels.h"

namespace dendrite {

struct Int8DenseLayer {
  int64_t inputs = 0, units = 0;
  const int8_t* packed = nullptr;        // Int8PackedBytes(inputs, units) bytes (PackInt8Weights)
  const int32_t* column_sums = nullptr;  // units
  const float* scales = nullptr;         // units: the weights' per-channel scales
  const float* bias = nullptr;           // units, or null
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
  bool dynamic = true;                   // activations' scale and zero point from each call's rows
  float a_scale = 1.0f;                  // static: the activations' scale and zero point
  int32_t a_zero_point = 0;
};

// The u8 parameters of the range [lo, hi] widened to hold 0 (so 0 is exact, as padding and relu need):
// scale = (hi - lo) / 255 (1 for an all-zero range), zero point = nearbyint(-lo / scale) in [0, 255].
// lib/quantization/calibration.ts computes the static parameters with the same formula.
void Int8RangeParameters(float lo, float hi, float* scale, int32_t* zero_point);

// y[rows, units] from x[rows, inputs]; `activations` is scratch for the quantised rows (grown as needed).
// Non-finite inputs are left out of a dynamic range (they clamp to its ends).
Status Int8DenseForward(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const float* x,
                        int64_t rows, float* y, std::vector<uint8_t>* activations);

// An int8 convolution (groups 1, NHWC, geometry g; the filter [kh, kw, in_c, out_c] packed as the layer's
// [kh * kw * in_c, out_c] kernel, so layer.inputs = kh * kw * in_c and layer.units = out_c): x [batch, in_h,
// in_w, in_c] is quantised to u8 (dynamic: over the whole batch), each sample's patches are gathered (im2col,
// padding as the zero point, which stands for 0.0) and multiplied by the int8 GEMM with the same epilogue.
// `activations` is scratch (grown as needed).
Status Int8Conv2DForward(const KernelTable& kernels, ThreadPool* pool, const Int8DenseLayer& layer, const ConvGeometry& g,
                         const float* x, float* y, std::vector<uint8_t>* activations);

}  // namespace dendrite
