// Reductions: sumSquares, reduce (sum/mean/max/min over the middle axis), argmax, columnSum.
#include <cstdint>
#include <string>

#include "bindings/binding.h"
#include "dendrite/parallel_kernels.h"

namespace dendrite::binding {

namespace {

// a * b, rejected (ValueError) when it exceeds kMaxSize, so no later product overflows.
int64_t CheckedProduct(const Args& args, const char* what, int64_t a, int64_t b) {
  if (b != 0 && a > kMaxSize / b) {
    ThrowValueError(args.env(), args.Where(what) + " must be at most " + std::to_string(kMaxSize) + ", got " +
                                    std::to_string(a) + " * " + std::to_string(b));
  }
  return a * b;
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares", 2);
  int64_t n = args.Integer(1, "n");
  const float* x = args.Floats(0, "x", n);
  double result = 0.0;
  CheckStatus(info.Env(), "sumSquares", GetBackend(info.Env()).kernels.sum_squares(x, n, &result));
  return Napi::Number::New(info.Env(), result);
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args args(info, "reduce", 6);
  auto op = static_cast<ReduceOp>(args.Integer(0, "op", 0, kReduceOpCount - 1));
  int64_t outer = args.Integer(2, "outer");
  int64_t axis = args.Integer(3, "axis");
  int64_t inner = args.Integer(4, "inner");
  int64_t outputs = CheckedProduct(args, "outer * inner", outer, inner);
  int64_t size = CheckedProduct(args, "outer * axis * inner", outputs, axis);
  if ((op == ReduceOp::kMax || op == ReduceOp::kMin) && axis == 0 && outputs > 0) {
    ThrowValueError(info.Env(), args.Where("axis") + " must be at least 1 for " +
                                    (op == ReduceOp::kMax ? "max" : "min") + " (an empty axis has no extreme), got 0");
  }
  const float* x = args.Floats(1, "x", size);
  float* out = args.Floats(5, "out", outputs);
  // No output: nothing to do (the kernels would still walk `outer` empty rows, however many).
  if (outputs == 0) return info.Env().Undefined();
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "reduce", ParallelReduce(backend.kernels, backend.pool.get(), op, x, outer, axis, inner, out));
  return info.Env().Undefined();
}

Napi::Value Argmax(const Napi::CallbackInfo& info) {
  Args args(info, "argmax", 5);
  int64_t outer = args.Integer(1, "outer");
  int64_t axis = args.Integer(2, "axis", 0, INT32_MAX);  // indices are int32
  int64_t inner = args.Integer(3, "inner");
  int64_t outputs = CheckedProduct(args, "outer * inner", outer, inner);
  int64_t size = CheckedProduct(args, "outer * axis * inner", outputs, axis);
  if (axis == 0 && outputs > 0) {
    ThrowValueError(info.Env(), args.Where("axis") + " must be at least 1 (an empty axis has no argmax), got 0");
  }
  const float* x = args.Floats(0, "x", size);
  int32_t* out = args.Ints(4, "out", outputs);
  if (outputs == 0) return info.Env().Undefined();  // as in Reduce
  CheckStatus(info.Env(), "argmax", GetBackend(info.Env()).kernels.argmax(x, outer, axis, inner, out));
  return info.Env().Undefined();
}

Napi::Value ColumnSum(const Napi::CallbackInfo& info) {
  Args args(info, "columnSum", 5);
  int64_t rows = args.Integer(1, "rows");
  int64_t cols = args.Integer(2, "cols");
  int64_t size = CheckedProduct(args, "rows * cols", rows, cols);
  const float* x = args.Floats(0, "x", size);
  float* out = args.Floats(3, "out", cols);
  bool accumulate = args.Boolean(4, "accumulate");
  CheckStatus(info.Env(), "columnSum", GetBackend(info.Env()).kernels.column_sum(x, rows, cols, out, accumulate));
  return info.Env().Undefined();
}

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("argmax", Napi::Function::New(env, Argmax, "argmax"));
  exports.Set("columnSum", Napi::Function::New(env, ColumnSum, "columnSum"));
}

}  // namespace dendrite::binding
