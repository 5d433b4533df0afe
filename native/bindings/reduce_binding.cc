// Reductions: sumSquares (and, with the kernel issue, reduce / argmax / columnSum).
#include "bindings/binding.h"

namespace dendrite::binding {

static Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares", 2);
  int64_t n = args.Integer(1, "n");
  const float* x = args.Floats(0, "x", n);
  double result = 0.0;
  CheckStatus(info.Env(), "sumSquares", GetBackend(info.Env()).kernels.sum_squares(x, n, &result));
  return Napi::Number::New(info.Env(), result);
}

void RegisterReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
}

}  // namespace dendrite::binding
