// Bindings of the gemm kernels: sgemm.
#include <cmath>
#include <string>

#include "bindings/binding.h"

namespace dendrite::binding {

namespace {

// Elements a row-major rows x cols matrix with leading dimension ld needs, `batch` times at `stride`
// apart: (batch - 1) * stride + (rows - 1) * ld + cols, or 0 when it has no element. Computed in 128
// bits, so no size a caller can pass overflows.
int64_t MatrixSpan(Args& args, const char* name, int64_t batch, int64_t stride, int64_t rows, int64_t cols,
                   int64_t ld) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  __int128 span = static_cast<__int128>(batch - 1) * stride + static_cast<__int128>(rows - 1) * ld + cols;
  if (span > static_cast<__int128>(kMaxSize)) {
    ThrowValueError(args.env(), args.Where(name) + " would need more than " + std::to_string(kMaxSize) +
                                    " elements with these sizes and strides");
  }
  return static_cast<int64_t>(span);
}

// sgemm is called several times per training step with small matrices, so its 20 arguments are read
// with one Node-API call each. Anything unexpected goes to Args, which throws its usual typed error.
class FastArgs {
 public:
  FastArgs(const Napi::CallbackInfo& info, Args& args) : info_(info), args_(args), env_(info.Env()) {}

  bool Boolean(size_t index, const char* name) const {
    bool value;
    if (napi_get_value_bool(env_, info_[index], &value) == napi_ok) return value;
    return args_.Boolean(index, name);
  }
  double Number(size_t index, const char* name) const {
    double value;
    if (napi_get_value_double(env_, info_[index], &value) == napi_ok) return value;
    return args_.Number(index, name);
  }
  int64_t Integer(size_t index, const char* name, int64_t min = 0, int64_t max = kMaxSize) const {
    double value;
    if (napi_get_value_double(env_, info_[index], &value) == napi_ok && value >= static_cast<double>(min) &&
        value <= static_cast<double>(max) && value == std::floor(value)) {
      return static_cast<int64_t>(value);
    }
    return args_.Integer(index, name, min, max);
  }
  // A Float32Array (or, when `optional`, null / undefined: *present = false). Its length is checked
  // later, once the sizes are known. An empty array may have a null data pointer.
  float* Floats(size_t index, const char* name, bool optional, int64_t* length, bool* present = nullptr) const {
    napi_typedarray_type type;
    size_t elements;
    void* data;
    if (napi_get_typedarray_info(env_, info_[index], &type, &elements, &data, nullptr, nullptr) == napi_ok &&
        type == napi_float32_array) {
      *length = static_cast<int64_t>(elements);
      if (present != nullptr) *present = true;
      return static_cast<float*>(data);
    }
    *length = 0;
    if (present != nullptr) *present = false;
    if (optional) return args_.OptionalFloats(index, name, 0);  // null / undefined, or throws
    return args_.Floats(index, name, 0);                        // throws
  }
  void CheckLength(size_t index, const char* name, int64_t length, int64_t needed) const {
    if (length < needed) args_.Floats(index, name, needed);  // throws the usual message
  }

 private:
  const Napi::CallbackInfo& info_;
  Args& args_;
  napi_env env_;
};

void CheckLeadingDimension(Args& args, const char* name, int64_t ld, int64_t row_length, const char* what) {
  if (ld < row_length) {
    ThrowValueError(args.env(), args.Where(name) + " must be at least " + std::to_string(row_length) + " (" + what +
                                    "), got " + std::to_string(ld));
  }
}

}  // namespace

// sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, activation, activationParam,
//       batch, strideA, strideB, strideC)
static void Sgemm(const Napi::CallbackInfo& info) {
  Args args(info, "sgemm", 20);
  FastArgs fast(info, args);
  GemmArgs g;
  g.trans_a = fast.Boolean(0, "transA");
  g.trans_b = fast.Boolean(1, "transB");
  g.m = fast.Integer(2, "m");
  g.n = fast.Integer(3, "n");
  g.k = fast.Integer(4, "k");
  g.alpha = static_cast<float>(fast.Number(5, "alpha"));
  g.lda = fast.Integer(7, "lda");
  g.ldb = fast.Integer(9, "ldb");
  g.beta = static_cast<float>(fast.Number(10, "beta"));
  g.ldc = fast.Integer(12, "ldc");
  g.activation = static_cast<UnaryOp>(fast.Integer(14, "activation", 0, kUnaryOpCount - 1));
  g.activation_param = static_cast<float>(fast.Number(15, "activationParam"));
  g.batch = fast.Integer(16, "batch");
  g.stride_a = fast.Integer(17, "strideA");
  g.stride_b = fast.Integer(18, "strideB");
  g.stride_c = fast.Integer(19, "strideC");
  // Every argument's type is checked before any size, so a wrong type is always an ArgumentTypeError.
  int64_t a_length, b_length, c_length, bias_length;
  float* a = fast.Floats(6, "a", false, &a_length);
  float* b = fast.Floats(8, "b", false, &b_length);
  float* c = fast.Floats(11, "c", false, &c_length);
  bool has_bias;
  float* bias = fast.Floats(13, "bias", true, &bias_length, &has_bias);

  const int64_t a_rows = g.trans_a ? g.k : g.m, a_cols = g.trans_a ? g.m : g.k;
  const int64_t b_rows = g.trans_b ? g.n : g.k, b_cols = g.trans_b ? g.k : g.n;
  CheckLeadingDimension(args, "lda", g.lda, a_cols, g.trans_a ? "A is stored k x m" : "A is m x k");
  CheckLeadingDimension(args, "ldb", g.ldb, b_cols, g.trans_b ? "B is stored n x k" : "B is k x n");
  CheckLeadingDimension(args, "ldc", g.ldc, g.n, "C is m x n");
  if (g.batch > 1 && g.m > 0 && g.n > 0) {
    const int64_t item = MatrixSpan(args, "c", 1, 0, g.m, g.n, g.ldc);
    if (g.stride_c < item) {
      ThrowValueError(args.env(), args.Where("strideC") + " must be at least " + std::to_string(item) +
                                      " so that the batch's outputs do not overlap, got " + std::to_string(g.stride_c));
    }
  }
  fast.CheckLength(6, "a", a_length, MatrixSpan(args, "a", g.batch, g.stride_a, a_rows, a_cols, g.lda));
  fast.CheckLength(8, "b", b_length, MatrixSpan(args, "b", g.batch, g.stride_b, b_rows, b_cols, g.ldb));
  fast.CheckLength(11, "c", c_length, MatrixSpan(args, "c", g.batch, g.stride_c, g.m, g.n, g.ldc));
  if (has_bias) fast.CheckLength(13, "bias", bias_length, g.n);
  g.a = a;
  g.b = b;
  g.c = c;
  g.bias = has_bias ? bias : nullptr;
  // C has no element: nothing to do (the reference kernel would still walk `batch` empty products).
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;

  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "sgemm", backend.kernels.sgemm(g, backend.pool.get()));
}

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
}

}  // namespace dendrite::binding
