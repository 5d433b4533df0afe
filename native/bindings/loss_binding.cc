// Bindings of the loss kernels: softmax, softmaxGrad, softmaxCrossEntropy, sigmoidCrossEntropy, regressionLoss,
// ctcLoss.
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>

#include "bindings/binding.h"
#include "dendrite/ctc.h"
#include "dendrite/parallel_kernels.h"

namespace dendrite::binding {

namespace {

std::string FormatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

// A number that is a finite float32 (a double past FLT_MAX would silently become inf).
float FiniteFloat(const Args& args, size_t index, const char* name) {
  double value = args.Number(index, name);
  if (!std::isfinite(value) || std::fabs(value) > FLT_MAX) {
    ThrowValueError(args.env(), args.Where(name) + " must be a finite float32 number, got " + FormatNumber(value));
  }
  return static_cast<float>(value);
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax", 5);
  int64_t rows = args.Integer(2, "rows");
  int64_t cols = args.Integer(3, "cols");
  int64_t size = MatrixSize(args, rows, cols);
  const float* x = args.Floats(0, "x", size);
  float* y = args.Floats(1, "y", size);
  bool log = args.Boolean(4, "log");
  // No element: nothing to do (a kernel would still walk `rows` empty rows, however many).
  if (size == 0) return info.Env().Undefined();
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "softmax", ParallelSoftmax(backend.kernels, backend.pool.get(), x, y, rows, cols, log));
  return info.Env().Undefined();
}

Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxGrad", 6);
  int64_t rows = args.Integer(3, "rows");
  int64_t cols = args.Integer(4, "cols");
  int64_t size = MatrixSize(args, rows, cols);
  const float* y = args.Floats(0, "y", size);
  const float* dy = args.Floats(1, "dy", size);
  float* dx = args.Floats(2, "dx", size);
  bool log = args.Boolean(5, "log");
  if (size == 0) return info.Env().Undefined();  // as in Softmax
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "softmaxGrad",
              ParallelSoftmaxGrad(backend.kernels, backend.pool.get(), y, dy, dx, rows, cols, log));
  return info.Env().Undefined();
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxCrossEntropy", 8);
  int64_t rows = args.Integer(3, "rows");
  int64_t cols = args.Integer(4, "cols", 1);
  int64_t size = MatrixSize(args, rows, cols);
  const float* logits = args.Floats(0, "logits", size);
  const int32_t* labels = args.OptionalInts(1, "labels", rows);
  const float* probs = args.OptionalFloats(2, "probs", size);
  float* row_loss = args.Floats(5, "rowLoss", rows);
  float* grad = args.OptionalFloats(6, "grad", size);
  float grad_scale = FiniteFloat(args, 7, "gradScale");
  // Presence comes from the JS values: an empty typed array may have no data pointer.
  bool has_labels = !info[1].IsNull() && !info[1].IsUndefined();
  bool has_probs = !info[2].IsNull() && !info[2].IsUndefined();
  if (has_labels == has_probs) {
    ThrowValueError(info.Env(), args.Where("labels/probs") + ": give exactly one of integer labels or probability targets, got " +
                                    (has_labels ? "both" : "neither"));
  }
  if (rows == 0) return info.Env().Undefined();
  if (has_labels) {
    for (int64_t r = 0; r < rows; ++r) {
      if (labels[r] < 0 || labels[r] >= cols) {
        ThrowValueError(info.Env(), args.Where("labels") + "[" + std::to_string(r) + "] must be a class index in [0, " +
                                        std::to_string(cols) + "), got " + std::to_string(labels[r]));
      }
    }
  }
  CheckStatus(info.Env(), "softmaxCrossEntropy",
              GetBackend(info.Env()).kernels.softmax_cross_entropy(logits, labels, probs, rows, cols, row_loss, grad,
                                                                   grad_scale));
  return info.Env().Undefined();
}

Napi::Value SigmoidCrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "sigmoidCrossEntropy", 6);
  int64_t n = args.Integer(2, "n");
  const float* logits = args.Floats(0, "logits", n);
  const float* targets = args.Floats(1, "targets", n);
  float* loss = args.Floats(3, "loss", n);
  float* grad = args.OptionalFloats(4, "grad", n);
  float grad_scale = FiniteFloat(args, 5, "gradScale");
  CheckStatus(info.Env(), "sigmoidCrossEntropy",
              GetBackend(info.Env()).kernels.sigmoid_cross_entropy(logits, targets, n, loss, grad, grad_scale));
  return info.Env().Undefined();
}

Napi::Value RegressionLoss(const Napi::CallbackInfo& info) {
  Args args(info, "regressionLoss", 7);
  auto kind = static_cast<LossKind>(args.Integer(0, "kind", 0, kLossCount - 1));
  float param = FiniteFloat(args, 1, "param");
  if (kind == LossKind::kHuber && !(param > 0.0f)) {
    ThrowValueError(info.Env(), args.Where("param") + " (huber delta) must be > 0, got " + FormatNumber(param));
  }
  int64_t n = args.Integer(4, "n");
  const float* pred = args.Floats(2, "pred", n);
  const float* target = args.Floats(3, "target", n);
  float* grad = args.OptionalFloats(5, "grad", n);
  float grad_scale = FiniteFloat(args, 6, "gradScale");
  double sum = 0.0;
  CheckStatus(info.Env(), "regressionLoss",
              GetBackend(info.Env()).kernels.regression_loss(kind, param, pred, target, n, &sum, grad, grad_scale));
  return Napi::Number::New(info.Env(), sum);
}

// ctcLoss(logits, labels, inputLengths, labelLengths, batch, time, classes, maxLabel, blank, zeroInfinity, loss,
// grad, gradScale): the kernel checks every length and label itself (kInvalidArgument, before writing).
Napi::Value CtcLoss(const Napi::CallbackInfo& info) {
  Args args(info, "ctcLoss", 13);
  CtcArgs a;
  a.batch = args.Integer(4, "batch");
  a.time = args.Integer(5, "time");
  a.classes = args.Integer(6, "classes", 1);
  a.max_label = args.Integer(7, "maxLabel");
  const int64_t sequence = MatrixSize(args, a.time, a.classes);
  const int64_t size = MatrixSize(args, a.batch, sequence);
  const int64_t label_count = MatrixSize(args, a.batch, a.max_label);
  a.blank = static_cast<int32_t>(args.Integer(8, "blank", 0, a.classes - 1));
  a.zero_infinity = args.Boolean(9, "zeroInfinity");
  a.logits = args.Floats(0, "logits", size);
  a.labels = args.Ints(1, "labels", label_count);
  a.input_lengths = args.Ints(2, "inputLengths", a.batch);
  a.label_lengths = args.Ints(3, "labelLengths", a.batch);
  a.loss = args.Floats(10, "loss", a.batch);
  a.grad = args.OptionalFloats(11, "grad", size);
  a.grad_scale = args.OptionalFloats(12, "gradScale", a.batch);
  if (a.batch == 0) return info.Env().Undefined();
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "ctcLoss", dendrite::CtcLoss(backend.kernels, backend.pool.get(), a));
  return info.Env().Undefined();
}

}  // namespace

void RegisterLoss(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxGrad, "softmaxGrad"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("sigmoidCrossEntropy", Napi::Function::New(env, SigmoidCrossEntropy, "sigmoidCrossEntropy"));
  exports.Set("regressionLoss", Napi::Function::New(env, RegressionLoss, "regressionLoss"));
  exports.Set("ctcLoss", Napi::Function::New(env, CtcLoss, "ctcLoss"));
}

}  // namespace dendrite::binding
