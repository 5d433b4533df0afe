// Bindings of int8 inference: weight packing (once, when a model is quantised), u8 quantisation, the int8
// GEMM on u8 rows, and an int8 Dense layer's forward pass on float rows (dendrite/int8_dense.h).
#include <cmath>
#include <string>
#include <vector>

#include "bindings/binding.h"
#include "dendrite/int8_dense.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

constexpr int64_t kMaxUnits = (int64_t{1} << 31) - 1;

void CheckDepth(Args& args, const char* name, int64_t k) {
  if (k > kInt8MaxDepth) {
    ThrowValueError(args.env(), args.Where(name) + " must be at most " + std::to_string(kInt8MaxDepth) +
                                    " (the int32 sums stay exact up to that depth), got " + std::to_string(k));
  }
}

// rows * cols elements, checked against kMaxSize.
int64_t Elements(Args& args, const char* name, int64_t rows, int64_t cols) {
  const __int128 count = static_cast<__int128>(rows) * cols;
  if (count > kMaxSize) ThrowValueError(args.env(), args.Where(name) + " would need more than " + std::to_string(kMaxSize) + " elements");
  return static_cast<int64_t>(count);
}

}  // namespace

// packInt8Weights(weights Int8Array [k, n] row-major, k, n, packed Int8Array, columnSums Int32Array);
// int8PackedLength(k, n) gives packed's length.
static void PackInt8Weights(const Napi::CallbackInfo& info) {
  Args args(info, "packInt8Weights", 5);
  const int64_t k = args.Integer(1, "k", 0, kInt8MaxDepth);
  const int64_t n = args.Integer(2, "n", 0, kMaxUnits);
  int8_t* weights = args.Int8s(0, "weights", Elements(args, "weights", k, n));
  int8_t* packed = args.Int8s(3, "packed", ref::Int8PackedBytes(k, n));
  int32_t* column_sums = args.Ints(4, "columnSums", n);
  if (n == 0) return;
  ref::PackInt8Weights(weights, k, n, packed, column_sums);
}

static Napi::Value Int8PackedLength(const Napi::CallbackInfo& info) {
  Args args(info, "int8PackedLength", 2);
  const int64_t k = args.Integer(0, "k", 0, kInt8MaxDepth);
  const int64_t n = args.Integer(1, "n", 0, kMaxUnits);
  return Napi::Number::New(info.Env(), static_cast<double>(ref::Int8PackedBytes(k, n)));
}

// quantizeU8(x Float32Array, n, scale, zeroPoint, q Uint8Array)
static void QuantizeU8(const Napi::CallbackInfo& info) {
  Args args(info, "quantizeU8", 5);
  const int64_t n = args.Integer(1, "n");
  const double scale = args.Number(2, "scale");
  const int32_t zero_point = static_cast<int32_t>(args.Integer(3, "zeroPoint", 0, 255));
  float* x = args.Floats(0, "x", n);
  uint8_t* q = args.Uint8s(4, "q", n);
  const float scale_f = static_cast<float>(scale);
  if (!(scale_f > 0.0f) || !std::isfinite(scale_f)) {
    ThrowValueError(args.env(), args.Where("scale") + " must be a positive finite float32, got " + std::to_string(scale));
  }
  if (n == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "quantizeU8", backend.kernels.quantize_u8(x, n, scale_f, zero_point, q));
}

// The layer arguments shared by int8Gemm and int8Dense, from `first` on: packed, columnSums, scales, bias,
// activation, activationParam.
static void ReadLayer(Args& args, size_t first, int64_t k, int64_t n, const int8_t** packed, const int32_t** column_sums,
                      const float** scales, const float** bias, UnaryOp* activation, float* param) {
  *packed = args.Int8s(first, "packed", ref::Int8PackedBytes(k, n));
  *column_sums = args.Ints(first + 1, "columnSums", n);
  *scales = args.Floats(first + 2, "scales", n);
  *bias = args.OptionalFloats(first + 3, "bias", n);
  *activation = static_cast<UnaryOp>(args.Integer(first + 4, "activation", 0, kUnaryOpCount - 1));
  *param = static_cast<float>(args.Number(first + 5, "activationParam"));
}

// int8Gemm(m, n, k, a Uint8Array, lda, aZeroPoint, aScale, packed, columnSums, scales, bias, activation,
//          activationParam, c Float32Array, ldc)
static void Int8Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "int8Gemm", 15);
  Int8GemmArgs g;
  g.m = args.Integer(0, "m");
  g.n = args.Integer(1, "n", 0, kMaxUnits);
  g.k = args.Integer(2, "k");
  CheckDepth(args, "k", g.k);
  g.lda = args.Integer(4, "lda");
  if (g.lda < g.k) ThrowValueError(args.env(), args.Where("lda") + " must be at least k = " + std::to_string(g.k) + ", got " + std::to_string(g.lda));
  g.a_zero_point = static_cast<int32_t>(args.Integer(5, "aZeroPoint", 0, 255));
  g.a_scale = static_cast<float>(args.Number(6, "aScale"));
  g.ldc = args.Integer(14, "ldc");
  if (g.ldc < g.n) ThrowValueError(args.env(), args.Where("ldc") + " must be at least n = " + std::to_string(g.n) + ", got " + std::to_string(g.ldc));
  const int64_t a_needed = g.m == 0 || g.k == 0 ? 0 : Elements(args, "a", g.m - 1, g.lda) + g.k;
  g.a = args.Uint8s(3, "a", a_needed);
  ReadLayer(args, 7, g.k, g.n, &g.packed_b, &g.column_sums, &g.b_scales, &g.bias, &g.activation, &g.activation_param);
  const int64_t c_needed = g.m == 0 || g.n == 0 ? 0 : Elements(args, "c", g.m - 1, g.ldc) + g.n;
  g.c = args.Floats(13, "c", c_needed);
  if (g.m == 0 || g.n == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "int8Gemm", backend.kernels.int8_gemm(g, backend.pool.get()));
}

// int8Dense(x Float32Array [rows, inputs], rows, inputs, units, packed, columnSums, scales, bias, activation,
//           activationParam, aScale, aZeroPoint, y Float32Array [rows, units]); aScale 0: dynamic (from the rows).
static void Int8Dense(const Napi::CallbackInfo& info) {
  Args args(info, "int8Dense", 13);
  Int8DenseLayer layer;
  const int64_t rows = args.Integer(1, "rows");
  layer.inputs = args.Integer(2, "inputs");
  CheckDepth(args, "inputs", layer.inputs);
  layer.units = args.Integer(3, "units", 0, kMaxUnits);
  ReadLayer(args, 4, layer.inputs, layer.units, &layer.packed, &layer.column_sums, &layer.scales, &layer.bias,
            &layer.activation, &layer.activation_param);
  const double a_scale = args.Number(10, "aScale");
  layer.a_zero_point = static_cast<int32_t>(args.Integer(11, "aZeroPoint", 0, 255));
  layer.dynamic = a_scale == 0.0;
  layer.a_scale = static_cast<float>(a_scale);
  if (!layer.dynamic && !(layer.a_scale > 0.0f && std::isfinite(layer.a_scale))) {
    ThrowValueError(args.env(), args.Where("aScale") + " must be 0 (dynamic) or a positive finite float32, got " + std::to_string(a_scale));
  }
  float* x = args.Floats(0, "x", Elements(args, "x", rows, layer.inputs));
  float* y = args.Floats(12, "y", Elements(args, "y", rows, layer.units));
  if (rows == 0 || layer.units == 0) return;
  Backend& backend = GetBackend(info.Env());
  thread_local std::vector<uint8_t> activations;
  CheckStatus(info.Env(), "int8Dense", Int8DenseForward(backend.kernels, backend.pool.get(), layer, x, rows, y, &activations));
}

// int8Conv2d(x Float32Array [batch, inH, inW, inC], geometry Int32Array (as conv2d; groups 1), packed, columnSums,
//            scales, bias, activation, activationParam, aScale, aZeroPoint, y Float32Array [batch, outH, outW, outC]);
// the kernel [kh, kw, inC, outC] packed as [kh * kw * inC, outC]; aScale 0: dynamic (from the whole batch).
static void Int8Conv2d(const Napi::CallbackInfo& info) {
  Args args(info, "int8Conv2d", 11);
  const ConvGeometry g = ReadConvGeometry(args, 1);
  if (g.groups != 1) ThrowValueError(args.env(), args.Where("geometry") + ": the int8 convolution takes groups 1, got " + std::to_string(g.groups));
  Int8DenseLayer layer;
  layer.inputs = g.kernel_h * g.kernel_w * g.in_c;
  CheckDepth(args, "the kernel's depth kernelH * kernelW * inC", layer.inputs);
  layer.units = g.out_c;
  if (layer.units > kMaxUnits) ThrowValueError(args.env(), args.Where("geometry") + ": outC must be at most " + std::to_string(kMaxUnits));
  ReadLayer(args, 2, layer.inputs, layer.units, &layer.packed, &layer.column_sums, &layer.scales, &layer.bias,
            &layer.activation, &layer.activation_param);
  const double a_scale = args.Number(8, "aScale");
  layer.a_zero_point = static_cast<int32_t>(args.Integer(9, "aZeroPoint", 0, 255));
  layer.dynamic = a_scale == 0.0;
  layer.a_scale = static_cast<float>(a_scale);
  if (!layer.dynamic && !(layer.a_scale > 0.0f && std::isfinite(layer.a_scale))) {
    ThrowValueError(args.env(), args.Where("aScale") + " must be 0 (dynamic) or a positive finite float32, got " + std::to_string(a_scale));
  }
  float* x = args.Floats(0, "x", Elements(args, "x", g.batch, g.in_h * g.in_w * g.in_c));
  float* y = args.Floats(10, "y", Elements(args, "y", g.batch, g.out_h * g.out_w * g.out_c));
  Elements(args, "the patches", g.out_h * g.out_w, layer.inputs);
  if (g.batch == 0 || g.out_h * g.out_w * g.out_c == 0) return;
  Backend& backend = GetBackend(info.Env());
  thread_local std::vector<uint8_t> activations;
  CheckStatus(info.Env(), "int8Conv2d", Int8Conv2DForward(backend.kernels, backend.pool.get(), layer, g, x, y, &activations));
}

// The int8 functions sit in one object, binding.int8 (lib/native.ts: Int8Binding); they are fuzzed by
// test/native/int8-fuzz.test.ts.
void RegisterInt8(Napi::Env env, Napi::Object exports) {
  Napi::Object int8 = Napi::Object::New(env);
  int8.Set("packWeights", Napi::Function::New(env, PackInt8Weights, "packInt8Weights"));
  int8.Set("packedLength", Napi::Function::New(env, Int8PackedLength, "int8PackedLength"));
  int8.Set("quantizeU8", Napi::Function::New(env, QuantizeU8, "quantizeU8"));
  int8.Set("gemm", Napi::Function::New(env, Int8Gemm, "int8Gemm"));
  int8.Set("dense", Napi::Function::New(env, Int8Dense, "int8Dense"));
  int8.Set("conv2d", Napi::Function::New(env, Int8Conv2d, "int8Conv2d"));
  int8.Set("benchPeak", Napi::Function::New(env, BenchInt8Peak, "benchInt8Peak"));
  int8.Set("benchGemm", Napi::Function::New(env, BenchInt8Gemm, "benchInt8Gemm"));
  exports.Set("int8", int8);
}

}  // namespace dendrite::binding
