// Bindings of the gemm kernels: sgemm.
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
  GemmArgs g;
  g.trans_a = args.Boolean(0, "transA");
  g.trans_b = args.Boolean(1, "transB");
  g.m = args.Integer(2, "m");
  g.n = args.Integer(3, "n");
  g.k = args.Integer(4, "k");
  g.alpha = static_cast<float>(args.Number(5, "alpha"));
  g.lda = args.Integer(7, "lda");
  g.ldb = args.Integer(9, "ldb");
  g.beta = static_cast<float>(args.Number(10, "beta"));
  g.ldc = args.Integer(12, "ldc");
  g.activation = static_cast<UnaryOp>(args.Integer(14, "activation", 0, kUnaryOpCount - 1));
  g.activation_param = static_cast<float>(args.Number(15, "activationParam"));
  g.batch = args.Integer(16, "batch");
  g.stride_a = args.Integer(17, "strideA");
  g.stride_b = args.Integer(18, "strideB");
  g.stride_c = args.Integer(19, "strideC");
  // Every argument's type is checked before any size, so a wrong type is always an ArgumentTypeError.
  args.Floats(6, "a", 0);
  args.Floats(8, "b", 0);
  args.Floats(11, "c", 0);
  args.OptionalFloats(13, "bias", 0);

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
  g.a = args.Floats(6, "a", MatrixSpan(args, "a", g.batch, g.stride_a, a_rows, a_cols, g.lda));
  g.b = args.Floats(8, "b", MatrixSpan(args, "b", g.batch, g.stride_b, b_rows, b_cols, g.ldb));
  g.c = args.Floats(11, "c", MatrixSpan(args, "c", g.batch, g.stride_c, g.m, g.n, g.ldc));
  g.bias = args.OptionalFloats(13, "bias", g.n);

  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "sgemm", backend.kernels.sgemm(g, backend.pool.get()));
}

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
}

}  // namespace dendrite::binding
