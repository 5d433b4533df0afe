// Bindings of bf16 inference: weight packing (once, when a model is quantised), float32 -> bf16 conversion,
// the bf16 GEMM on bf16 rows, and a bf16 Dense layer's forward pass on float rows (dendrite/bf16_dense.h).
#include <string>
#include <vector>

#include "bindings/binding.h"
#include "dendrite/bf16_dense.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

constexpr int64_t kMaxUnits = (int64_t{1} << 31) - 1;

// rows * cols elements, checked against kMaxSize.
int64_t Count(Args& args, const char* name, int64_t rows, int64_t cols) {
  const __int128 count = static_cast<__int128>(rows) * cols;
  if (count > kMaxSize) ThrowValueError(args.env(), args.Where(name) + " would need more than " + std::to_string(kMaxSize) + " elements");
  return static_cast<int64_t>(count);
}

// The packed length of a k x n layer, checked against kMaxSize like every other length.
int64_t PackedLength(Args& args, int64_t k, int64_t n) {
  const int64_t panels = (n + kBf16PanelColumns - 1) / kBf16PanelColumns;
  return Count(args, "packed", panels, ref::Bf16PanelLength(k));
}

void ReadActivation(Args& args, size_t index, UnaryOp* activation, float* param) {
  *activation = static_cast<UnaryOp>(args.Integer(index, "activation", 0, kUnaryOpCount - 1));
  *param = static_cast<float>(args.Number(index + 1, "activationParam"));
}

}  // namespace

// bf16.packWeights(weights Float32Array [k, n] row-major, k, n, packed Uint16Array); bf16.packedLength(k, n)
// gives packed's length.
static void PackBf16Weights(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.packWeights", 4);
  const int64_t k = args.Integer(1, "k");
  const int64_t n = args.Integer(2, "n", 0, kMaxUnits);
  float* weights = args.Floats(0, "weights", Count(args, "weights", k, n));
  uint16_t* packed = args.Uint16s(3, "packed", PackedLength(args, k, n));
  if (n == 0 || k == 0) return;
  ref::PackBf16Weights(weights, k, n, packed);
}

static Napi::Value Bf16PackedLength(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.packedLength", 2);
  const int64_t k = args.Integer(0, "k");
  const int64_t n = args.Integer(1, "n", 0, kMaxUnits);
  return Napi::Number::New(info.Env(), static_cast<double>(PackedLength(args, k, n)));
}

// bf16.convert(x Float32Array, n, y Uint16Array): y = bf16 of x, rounded to nearest even (Bf16FromFloat).
static void ConvertBf16(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.convert", 3);
  const int64_t n = args.Integer(1, "n");
  float* x = args.Floats(0, "x", n);
  uint16_t* y = args.Uint16s(2, "y", n);
  if (n == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "bf16.convert", backend.kernels.convert_bf16(x, n, y));
}

// bf16.gemm(m, n, k, a Uint16Array, lda, packed, bias, activation, activationParam, c Float32Array, ldc)
static void Bf16Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.gemm", 11);
  Bf16GemmArgs g;
  g.m = args.Integer(0, "m");
  g.n = args.Integer(1, "n", 0, kMaxUnits);
  g.k = args.Integer(2, "k");
  g.lda = args.Integer(4, "lda");
  if (g.lda < g.k) ThrowValueError(args.env(), args.Where("lda") + " must be at least k = " + std::to_string(g.k) + ", got " + std::to_string(g.lda));
  g.ldc = args.Integer(10, "ldc");
  if (g.ldc < g.n) ThrowValueError(args.env(), args.Where("ldc") + " must be at least n = " + std::to_string(g.n) + ", got " + std::to_string(g.ldc));
  const int64_t a_needed = g.m == 0 || g.k == 0 ? 0 : Count(args, "a", g.m - 1, g.lda) + g.k;
  g.a = args.Uint16s(3, "a", a_needed);
  g.packed_b = args.Uint16s(5, "packed", PackedLength(args, g.k, g.n));
  g.bias = args.OptionalFloats(6, "bias", g.n);
  ReadActivation(args, 7, &g.activation, &g.activation_param);
  const int64_t c_needed = g.m == 0 || g.n == 0 ? 0 : Count(args, "c", g.m - 1, g.ldc) + g.n;
  g.c = args.Floats(9, "c", c_needed);
  if (g.m == 0 || g.n == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "bf16.gemm", backend.kernels.bf16_gemm(g, backend.pool.get()));
}

// bf16.dense(x Float32Array [rows, inputs], rows, inputs, units, packed, bias, activation, activationParam,
//            y Float32Array [rows, units])
static void Bf16Dense(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.dense", 9);
  Bf16DenseLayer layer;
  const int64_t rows = args.Integer(1, "rows");
  layer.inputs = args.Integer(2, "inputs");
  layer.units = args.Integer(3, "units", 0, kMaxUnits);
  layer.packed = args.Uint16s(4, "packed", PackedLength(args, layer.inputs, layer.units));
  layer.bias = args.OptionalFloats(5, "bias", layer.units);
  ReadActivation(args, 6, &layer.activation, &layer.activation_param);
  float* x = args.Floats(0, "x", Count(args, "x", rows, layer.inputs));
  float* y = args.Floats(8, "y", Count(args, "y", rows, layer.units));
  if (rows == 0 || layer.units == 0) return;
  Backend& backend = GetBackend(info.Env());
  thread_local std::vector<uint16_t> activations;
  CheckStatus(info.Env(), "bf16.dense", Bf16DenseForward(backend.kernels, backend.pool.get(), layer, x, rows, y, &activations));
}

// The bf16 functions sit in one object, binding.bf16 (lib/native.ts: Bf16Binding), as binding.int8 does; they
// are fuzzed by test/native/bf16-fuzz.test.ts.
void RegisterBf16(Napi::Env env, Napi::Object exports) {
  Napi::Object bf16 = Napi::Object::New(env);
  bf16.Set("packWeights", Napi::Function::New(env, PackBf16Weights, "bf16PackWeights"));
  bf16.Set("packedLength", Napi::Function::New(env, Bf16PackedLength, "bf16PackedLength"));
  bf16.Set("convert", Napi::Function::New(env, ConvertBf16, "bf16Convert"));
  bf16.Set("gemm", Napi::Function::New(env, Bf16Gemm, "bf16Gemm"));
  bf16.Set("dense", Napi::Function::New(env, Bf16Dense, "bf16Dense"));
  bf16.Set("benchPeak", Napi::Function::New(env, BenchBf16Peak, "bf16BenchPeak"));
  bf16.Set("benchGemm", Napi::Function::New(env, BenchBf16Gemm, "bf16BenchGemm"));
  exports.Set("bf16", bf16);
}

}  // namespace dendrite::binding
