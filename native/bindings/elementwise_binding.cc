// Bindings of the elementwise kernels: unary, unaryGrad, binary, affine (lib/native.ts documents them).
#include <cmath>
#include <string>

#include "bindings/binding.h"
#include "dendrite/parallel_kernels.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

const char* UnaryOpName(UnaryOp op) {
  switch (op) {
#define DN_UNARY_OP(name, js, code) \
  case UnaryOp::name: return js;
#include "dendrite/ops.def"
  }
  return "unknown";
}

std::string NumberText(Napi::Env env, double value) { return Napi::Number::New(env, value).ToString().Utf8Value(); }

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 5);
  auto op = static_cast<UnaryOp>(args.Integer(0, "op", 0, kUnaryOpCount - 1));
  auto param = static_cast<float>(args.Number(1, "param"));
  int64_t n = args.Integer(4, "n");
  const float* x = args.Floats(2, "x", n);
  float* y = args.Floats(3, "y", n);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "unary", ParallelUnary(backend.kernels, backend.pool.get(), op, param, x, y, n));
  return info.Env().Undefined();
}

Napi::Value UnaryGrad(const Napi::CallbackInfo& info) {
  Args args(info, "unaryGrad", 7);
  auto op = static_cast<UnaryOp>(args.Integer(0, "op", 0, kUnaryOpCount - 1));
  double param = args.Number(1, "param");
  int64_t n = args.Integer(6, "n");
  const float* x = args.OptionalFloats(2, "x", n);
  const float* y = args.OptionalFloats(3, "y", n);
  const float* dy = args.Floats(4, "dy", n);
  float* dx = args.Floats(5, "dx", n);
  const std::string name = UnaryOpName(op);
  switch (ref::UnaryGradInputOf(op)) {
    case ref::UnaryGradInput::kNone: break;
    case ref::UnaryGradInput::kX:
      if (x == nullptr) ThrowValueError(info.Env(), args.Where("x") + " (the forward input) is required for " + name + ", got null");
      break;
    case ref::UnaryGradInput::kY:
      if (y == nullptr) ThrowValueError(info.Env(), args.Where("y") + " (the forward output) is required for " + name + ", got null");
      break;
    case ref::UnaryGradInput::kXOrY:
      if (x == nullptr && y == nullptr) {
        ThrowValueError(info.Env(), "unaryGrad: " + name + " needs x (the forward input) or y (the forward output), got neither");
      }
      if (x == nullptr && ref::UnaryOpTakesAlpha(op) && !(param >= 0.0)) {
        ThrowValueError(info.Env(), "unaryGrad: " + name + " with alpha < 0 needs x (y alone does not give the sign of x), got alpha " +
                                        NumberText(info.Env(), param));
      }
      break;
  }
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "unaryGrad",
              ParallelUnaryGrad(backend.kernels, backend.pool.get(), op, static_cast<float>(param), x, y, dy, dx, n));
  return info.Env().Undefined();
}

// Reads one whole number from the layout: in [0, max], else a ValueError naming the entry.
int64_t LayoutInteger(const Args& args, const double* layout, size_t index, const std::string& name, int64_t max) {
  double value = layout[index];
  if (!std::isfinite(value) || value != std::floor(value) || value < 0 || value > static_cast<double>(max)) {
    ThrowValueError(args.env(), "binary: layout " + name + " must be an integer from 0 to " + std::to_string(max) +
                                    ", got " + NumberText(args.env(), value));
  }
  return static_cast<int64_t>(value);
}

// 1 + the largest element offset reachable with these strides (0 when the output is empty), or a
// ValueError when it passes kMaxSize.
int64_t RequiredLength(const Args& args, const BinaryArgs& binary, const int64_t* strides, const char* input) {
  int64_t last = 0;
  for (int d = 0; d < binary.rank; ++d) {
    int64_t steps = binary.shape[d] - 1;
    if (steps == 0 || strides[d] == 0) continue;
    if (steps > (kMaxSize - last) / strides[d]) {
      ThrowValueError(args.env(), std::string("binary: ") + input + "'s strides reach past " + std::to_string(kMaxSize) +
                                      " elements");
    }
    last += steps * strides[d];
  }
  return last + 1;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 5);
  BinaryArgs binary;
  binary.op = static_cast<BinaryOp>(args.Integer(0, "op", 0, kBinaryOpCount - 1));
  Napi::Value layout_value = info[4];
  if (!layout_value.IsTypedArray() || layout_value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    ThrowTypeError(info.Env(), args.Where("layout") + " must be a Float64Array [rank, shape..., aStrides..., bStrides...]");
  }
  auto layout = layout_value.As<Napi::Float64Array>();
  const double* values = layout.Data();
  const size_t length = layout.ElementLength();
  if (length == 0) ThrowValueError(info.Env(), "binary: layout must start with the rank, got an empty Float64Array");
  binary.rank = static_cast<int32_t>(LayoutInteger(args, values, 0, "rank", kMaxRank));
  const size_t expected = 1 + 3 * static_cast<size_t>(binary.rank);
  if (length != expected) {
    ThrowValueError(info.Env(), "binary: layout must hold [rank, shape..., aStrides..., bStrides...], " +
                                    std::to_string(expected) + " numbers for rank " + std::to_string(binary.rank) +
                                    ", got " + std::to_string(length));
  }
  int64_t count = 1;
  for (int d = 0; d < binary.rank; ++d) {
    const std::string index = "[" + std::to_string(d) + "]";
    binary.shape[d] = LayoutInteger(args, values, 1 + d, "shape" + index, kMaxSize);
    binary.a_strides[d] = LayoutInteger(args, values, 1 + binary.rank + d, "aStrides" + index, kMaxSize);
    binary.b_strides[d] = LayoutInteger(args, values, 1 + 2 * binary.rank + d, "bStrides" + index, kMaxSize);
    if (binary.shape[d] != 0 && count > kMaxSize / binary.shape[d]) {
      ThrowValueError(info.Env(), "binary: the output shape has more than " + std::to_string(kMaxSize) + " elements");
    }
    count *= binary.shape[d];
  }
  const bool empty = count == 0;
  binary.a = args.Floats(1, "a", empty ? 0 : RequiredLength(args, binary, binary.a_strides, "a"));
  binary.b = args.Floats(2, "b", empty ? 0 : RequiredLength(args, binary, binary.b_strides, "b"));
  binary.out = args.Floats(3, "out", count);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "binary", ParallelBinary(backend.kernels, backend.pool.get(), binary));
  return info.Env().Undefined();
}

Napi::Value Affine(const Napi::CallbackInfo& info) {
  Args args(info, "affine", 5);
  auto scale = static_cast<float>(args.Number(1, "scale"));
  auto shift = static_cast<float>(args.Number(2, "shift"));
  int64_t n = args.Integer(4, "n");
  const float* x = args.Floats(0, "x", n);
  float* y = args.Floats(3, "y", n);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "affine", ParallelAffine(backend.kernels, backend.pool.get(), x, scale, shift, y, n));
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("unaryGrad", Napi::Function::New(env, UnaryGrad, "unaryGrad"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("affine", Napi::Function::New(env, Affine, "affine"));
}

}  // namespace dendrite::binding
