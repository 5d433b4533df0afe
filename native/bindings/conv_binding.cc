// Bindings of the convolution, pooling and batch-normalization kernels: conv2d, conv2dBackwardData,
// conv2dBackwardFilter, pool2d, pool2dBackward, batchNormStatistics, batchNormBackward, channelAffine
// (lib/native.ts documents them). A geometry arrives as an Int32Array in the field order of
// ConvGeometry / PoolGeometry (dendrite/kernels.h), read with one Node-API call.
#include <cmath>
#include <string>

#include "bindings/binding.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

constexpr int kConvFields = 18;
constexpr int kPoolFields = 14;
const char* const kConvFieldNames[kConvFields] = {
    "batch", "inH", "inW", "inC", "outH", "outW", "outC", "kernelH", "kernelW", "strideH", "strideW",
    "dilationH", "dilationW", "padTop", "padBottom", "padLeft", "padRight", "groups"};
const char* const kPoolFieldNames[kPoolFields] = {"batch", "inH", "inW", "channels", "outH", "outW", "windowH",
                                                  "windowW", "strideH", "strideW", "padTop", "padBottom", "padLeft",
                                                  "padRight"};

// Reads `count` fields (each at least `minimum[i]`) from `value`, an Int32Array of exactly `count`.
void ReadFields(Napi::Env env, const Napi::Value& value, const std::string& where, int count, const char* const* names,
                const int64_t* minimum, int64_t* out) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowTypeError(env, where + " must be an Int32Array");
  }
  Napi::Int32Array fields = value.As<Napi::Int32Array>();
  if (static_cast<int64_t>(fields.ElementLength()) != count) {
    ThrowValueError(env, where + " must hold " + std::to_string(count) + " integers, got " + std::to_string(fields.ElementLength()));
  }
  for (int i = 0; i < count; ++i) {
    if (fields[i] < minimum[i]) {
      ThrowValueError(env, where + " " + names[i] + " must be at least " + std::to_string(minimum[i]) + ", got " +
                               std::to_string(fields[i]));
    }
    out[i] = fields[i];
  }
}

// The product of `factors`, or a ValueError naming `what` when it passes kMaxSize (so no product overflows).
int64_t Elements(const Args& args, const char* what, std::initializer_list<int64_t> factors) {
  __int128 product = 1;
  for (int64_t factor : factors) {
    product *= factor;
    if (product > static_cast<__int128>(kMaxSize)) {
      ThrowValueError(args.env(), args.Where(what) + " would hold more than " + std::to_string(kMaxSize) + " elements");
    }
  }
  return static_cast<int64_t>(product);
}

// A ValueError when the (dilated) window is larger than the padded input along one axis.
void CheckWindowFits(Napi::Env env, const std::string& where, const char* axis, int64_t input, int64_t pad_before,
                     int64_t pad_after, int64_t window) {
  const int64_t padded = input + pad_before + pad_after;
  if (padded < window) {
    ThrowValueError(env, where + ": the window (" + std::to_string(window) + ") is larger than the padded input along " + axis +
                             " (" + std::to_string(padded) + ")");
  }
}

}  // namespace

ConvGeometry ReadConvGeometry(Napi::Env env, const Napi::Value& value, const std::string& where) {
  static const int64_t kMinimum[kConvFields] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
  int64_t f[kConvFields];
  ReadFields(env, value, where, kConvFields, kConvFieldNames, kMinimum, f);
  ConvGeometry g;
  g.batch = f[0], g.in_h = f[1], g.in_w = f[2], g.in_c = f[3], g.out_h = f[4], g.out_w = f[5], g.out_c = f[6];
  g.kernel_h = f[7], g.kernel_w = f[8], g.stride_h = f[9], g.stride_w = f[10], g.dilation_h = f[11];
  g.dilation_w = f[12], g.pad_top = f[13], g.pad_bottom = f[14], g.pad_left = f[15], g.pad_right = f[16];
  g.groups = f[17];
  if (g.in_c % g.groups != 0 || g.out_c % g.groups != 0) {
    ThrowValueError(env, where + ": inC (" + std::to_string(g.in_c) + ") and outC (" + std::to_string(g.out_c) +
                             ") must be multiples of groups (" + std::to_string(g.groups) + ")");
  }
  const int64_t extent_h = (g.kernel_h - 1) * g.dilation_h + 1, extent_w = (g.kernel_w - 1) * g.dilation_w + 1;
  CheckWindowFits(env, where, "the height", g.in_h, g.pad_top, g.pad_bottom, extent_h);
  CheckWindowFits(env, where, "the width", g.in_w, g.pad_left, g.pad_right, extent_w);
  if (!ref::ConvGeometryIsValid(g)) {
    const int64_t out_h = (g.in_h + g.pad_top + g.pad_bottom - extent_h) / g.stride_h + 1;
    const int64_t out_w = (g.in_w + g.pad_left + g.pad_right - extent_w) / g.stride_w + 1;
    ThrowValueError(env, where + ": the padded input gives an output of " + std::to_string(out_h) + " x " +
                             std::to_string(out_w) + ", got outH " + std::to_string(g.out_h) + " and outW " +
                             std::to_string(g.out_w));
  }
  return g;
}

ConvGeometry ReadConvGeometry(const Args& args, size_t index) {
  return ReadConvGeometry(args.env(), args.Value(index), args.Where("geometry"));
}

PoolGeometry ReadPoolGeometry(Napi::Env env, const Napi::Value& value, const std::string& where, PoolKind kind) {
  static const int64_t kMinimum[kPoolFields] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0};
  int64_t f[kPoolFields];
  ReadFields(env, value, where, kPoolFields, kPoolFieldNames, kMinimum, f);
  PoolGeometry g;
  g.batch = f[0], g.in_h = f[1], g.in_w = f[2], g.channels = f[3], g.out_h = f[4], g.out_w = f[5];
  g.window_h = f[6], g.window_w = f[7], g.stride_h = f[8], g.stride_w = f[9], g.pad_top = f[10];
  g.pad_bottom = f[11], g.pad_left = f[12], g.pad_right = f[13];
  if (g.pad_top >= g.window_h || g.pad_bottom >= g.window_h || g.pad_left >= g.window_w || g.pad_right >= g.window_w) {
    ThrowValueError(env, where + ": each padding must be smaller than the window (" + std::to_string(g.window_h) + " x " +
                             std::to_string(g.window_w) + "), so that every window holds a pixel");
  }
  CheckWindowFits(env, where, "the height", g.in_h, g.pad_top, g.pad_bottom, g.window_h);
  CheckWindowFits(env, where, "the width", g.in_w, g.pad_left, g.pad_right, g.window_w);
  if (kind == PoolKind::kMax && g.in_h * g.in_w > INT32_MAX) {
    ThrowValueError(env, where + ": max pooling needs inH * inW <= 2^31 - 1 (its argmax positions are int32)");
  }
  if (!ref::PoolGeometryIsValid(kind, g)) {
    const int64_t out_h = (g.in_h + g.pad_top + g.pad_bottom - g.window_h) / g.stride_h + 1;
    const int64_t out_w = (g.in_w + g.pad_left + g.pad_right - g.window_w) / g.stride_w + 1;
    ThrowValueError(env, where + ": the padded input gives an output of " + std::to_string(out_h) + " x " +
                             std::to_string(out_w) + ", got outH " + std::to_string(g.out_h) + " and outW " +
                             std::to_string(g.out_w));
  }
  return g;
}

namespace {

// The epilogue's bias, scale and shift (each null or `channels` floats; scale and shift together) and
// activation, from arguments first..first+4.
ConvEpilogue ReadEpilogue(const Args& args, size_t first, int64_t channels) {
  ConvEpilogue e;
  e.bias = args.OptionalFloats(first, "bias", channels);
  e.scale = args.OptionalFloats(first + 1, "scale", channels);
  e.shift = args.OptionalFloats(first + 2, "shift", channels);
  e.activation = static_cast<UnaryOp>(args.Integer(first + 3, "activation", 0, kUnaryOpCount - 1));
  e.activation_param = static_cast<float>(args.Number(first + 4, "activationParam"));
  // (With no channel an empty array may have a null data pointer: nothing to compare.)
  if (channels > 0 && (e.scale == nullptr) != (e.shift == nullptr)) {
    ThrowValueError(args.env(), args.Where("scale") + " and shift must be given together (or both null)");
  }
  return e;
}

}  // namespace

// conv2d(geometry, x, filter, y, bias, scale, shift, activation, activationParam)
static void Conv2d(const Napi::CallbackInfo& info) {
  Args args(info, "conv2d", 9);
  const ConvGeometry g = ReadConvGeometry(args, 0);
  const float* x = args.Floats(1, "x", Elements(args, "x", {g.batch, g.in_h, g.in_w, g.in_c}));
  const float* filter = args.Floats(2, "filter", Elements(args, "filter", {g.kernel_h, g.kernel_w, g.in_c / g.groups, g.out_c}));
  const int64_t outputs = Elements(args, "y", {g.batch, g.out_h, g.out_w, g.out_c});
  float* y = args.Floats(3, "y", outputs);
  const ConvEpilogue e = ReadEpilogue(args, 4, g.out_c);
  if (outputs == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "conv2d", backend.kernels.conv2d(g, x, filter, e, y, backend.pool.get()));
}

// conv2dBackwardData(geometry, dy, filter, dx, bias, scale, shift, activation, activationParam)
static void Conv2dBackwardData(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardData", 9);
  const ConvGeometry g = ReadConvGeometry(args, 0);
  const float* dy = args.Floats(1, "dy", Elements(args, "dy", {g.batch, g.out_h, g.out_w, g.out_c}));
  const float* filter = args.Floats(2, "filter", Elements(args, "filter", {g.kernel_h, g.kernel_w, g.in_c / g.groups, g.out_c}));
  const int64_t inputs = Elements(args, "dx", {g.batch, g.in_h, g.in_w, g.in_c});
  float* dx = args.Floats(3, "dx", inputs);
  const ConvEpilogue e = ReadEpilogue(args, 4, g.in_c);
  if (inputs == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "conv2dBackwardData", backend.kernels.conv2d_backward_data(g, dy, filter, e, dx, backend.pool.get()));
}

// conv2dBackwardFilter(geometry, x, dy, dfilter, accumulate)
static void Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardFilter", 5);
  const ConvGeometry g = ReadConvGeometry(args, 0);
  const float* x = args.Floats(1, "x", Elements(args, "x", {g.batch, g.in_h, g.in_w, g.in_c}));
  const float* dy = args.Floats(2, "dy", Elements(args, "dy", {g.batch, g.out_h, g.out_w, g.out_c}));
  const int64_t weights = Elements(args, "dfilter", {g.kernel_h, g.kernel_w, g.in_c / g.groups, g.out_c});
  float* dfilter = args.Floats(3, "dfilter", weights);
  const bool accumulate = args.Boolean(4, "accumulate");
  if (weights == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "conv2dBackwardFilter",
              backend.kernels.conv2d_backward_filter(g, x, dy, dfilter, accumulate, backend.pool.get()));
}

// pool2d(kind, geometry, x, y, argmax)
static void Pool2d(const Napi::CallbackInfo& info) {
  Args args(info, "pool2d", 5);
  const auto kind = static_cast<PoolKind>(args.Integer(0, "kind", 0, kPoolCount - 1));
  const PoolGeometry g = ReadPoolGeometry(args.env(), args.Value(1), args.Where("geometry"), kind);
  const float* x = args.Floats(2, "x", Elements(args, "x", {g.batch, g.in_h, g.in_w, g.channels}));
  const int64_t outputs = Elements(args, "y", {g.batch, g.out_h, g.out_w, g.channels});
  float* y = args.Floats(3, "y", outputs);
  int32_t* argmax = args.OptionalInts(4, "argmax", outputs);
  if (kind != PoolKind::kMax && argmax != nullptr) {
    ThrowValueError(info.Env(), args.Where("argmax") + " is for max pooling only; pass null");
  }
  if (outputs == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "pool2d", backend.kernels.pool2d(kind, g, x, y, argmax, backend.pool.get()));
}

// pool2dBackward(kind, geometry, dy, argmax, dx)
static void Pool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "pool2dBackward", 5);
  const auto kind = static_cast<PoolKind>(args.Integer(0, "kind", 0, kPoolCount - 1));
  const PoolGeometry g = ReadPoolGeometry(args.env(), args.Value(1), args.Where("geometry"), kind);
  const int64_t outputs = Elements(args, "dy", {g.batch, g.out_h, g.out_w, g.channels});
  const float* dy = args.Floats(2, "dy", outputs);
  const int32_t* argmax = args.OptionalInts(3, "argmax", outputs);
  const int64_t inputs = Elements(args, "dx", {g.batch, g.in_h, g.in_w, g.channels});
  float* dx = args.Floats(4, "dx", inputs);
  const bool has_argmax = !info[3].IsNull() && !info[3].IsUndefined();
  if (kind == PoolKind::kMax && !has_argmax) {
    ThrowValueError(info.Env(), args.Where("argmax") + " (from pool2d) is required for max pooling, got null");
  }
  if (inputs == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "pool2dBackward", backend.kernels.pool2d_backward(kind, g, dy, argmax, dx, backend.pool.get()));
}

// batchNormStatistics(x, rows, channels, mean, variance)
static void BatchNormStatistics(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormStatistics", 5);
  const int64_t rows = args.Integer(1, "rows");
  const int64_t channels = args.Integer(2, "channels");
  const float* x = args.Floats(0, "x", Elements(args, "x", {rows, channels}));
  float* mean = args.Floats(3, "mean", channels);
  float* variance = args.Floats(4, "variance", channels);
  if (channels == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "batchNormStatistics",
              backend.kernels.batch_norm_statistics(x, rows, channels, mean, variance, backend.pool.get()));
}

// batchNormBackward(x, dy, rows, channels, mean, invStd, gamma, dx, sumDy, sumDyXhat)
static void BatchNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 10);
  const int64_t rows = args.Integer(2, "rows");
  const int64_t channels = args.Integer(3, "channels");
  const int64_t size = Elements(args, "x", {rows, channels});
  const float* x = args.Floats(0, "x", size);
  const float* dy = args.Floats(1, "dy", size);
  const float* mean = args.Floats(4, "mean", channels);
  const float* inv_std = args.Floats(5, "invStd", channels);
  const float* gamma = args.OptionalFloats(6, "gamma", channels);
  float* dx = args.OptionalFloats(7, "dx", size);
  float* sum_dy = args.Floats(8, "sumDy", channels);
  float* sum_dy_xhat = args.Floats(9, "sumDyXhat", channels);
  if (channels == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "batchNormBackward",
              backend.kernels.batch_norm_backward(x, dy, rows, channels, mean, inv_std, gamma, dx, sum_dy, sum_dy_xhat,
                                                  backend.pool.get()));
}

// channelAffine(x, rows, channels, scale, shift, y)
static void ChannelAffine(const Napi::CallbackInfo& info) {
  Args args(info, "channelAffine", 6);
  const int64_t rows = args.Integer(1, "rows");
  const int64_t channels = args.Integer(2, "channels");
  const int64_t size = Elements(args, "x", {rows, channels});
  const float* x = args.Floats(0, "x", size);
  const float* scale = args.Floats(3, "scale", channels);
  const float* shift = args.Floats(4, "shift", channels);
  float* y = args.Floats(5, "y", size);
  if (size == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "channelAffine", backend.kernels.channel_affine(x, rows, channels, scale, shift, y, backend.pool.get()));
}

void RegisterConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData, "conv2dBackwardData"));
  exports.Set("conv2dBackwardFilter", Napi::Function::New(env, Conv2dBackwardFilter, "conv2dBackwardFilter"));
  exports.Set("pool2d", Napi::Function::New(env, Pool2d, "pool2d"));
  exports.Set("pool2dBackward", Napi::Function::New(env, Pool2dBackward, "pool2dBackward"));
  exports.Set("batchNormStatistics", Napi::Function::New(env, BatchNormStatistics, "batchNormStatistics"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
  exports.Set("channelAffine", Napi::Function::New(env, ChannelAffine, "channelAffine"));
}

}  // namespace dendrite::binding
