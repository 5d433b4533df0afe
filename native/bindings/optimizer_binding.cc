// Bindings of the optimizer kernels: optimizerUpdate.
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>

#include "bindings/binding.h"

namespace dendrite::binding {

namespace {

// The layout of optimizerUpdate's `hyper` Float64Array (lib/native.ts documents the same).
enum Hyper {
  kLearningRate,
  kMomentum,
  kNesterov,
  kBeta1,
  kBeta2,
  kEpsilon,
  kWeightDecay,
  kDecoupled,
  kClipValue,
  kGradScale,
  kStep,
  kHyperCount
};
const char* const kHyperNames[kHyperCount] = {"learningRate", "momentum",  "nesterov",  "beta1",
                                              "beta2",        "epsilon",   "weightDecay", "decoupled",
                                              "clipValue",    "gradScale", "step"};
const char* const kOptimizerNames[kOptimizerCount] = {
#define DN_OPTIMIZER(name, js, code) js,
#include "dendrite/ops.def"
};

std::string FormatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

class HyperReader {
 public:
  HyperReader(const Args& args, const double* values) : args_(args), values_(values) {}

  std::string Name(int index) const {
    return args_.Where("hyper") + "[" + std::to_string(index) + "] (" + kHyperNames[index] + ")";
  }
  [[noreturn]] void Fail(int index, const std::string& expected) const {
    ThrowValueError(args_.env(), Name(index) + " must be " + expected + ", got " + FormatNumber(values_[index]));
  }
  // Every entry must be a finite float32 (step is checked as an integer instead).
  float Float(int index) const {
    double value = values_[index];
    if (!std::isfinite(value) || std::fabs(value) > FLT_MAX) Fail(index, "a finite float32 number");
    return static_cast<float>(value);
  }
  float NonNegative(int index) const {
    float value = Float(index);
    if (value < 0.0f) Fail(index, ">= 0");
    return value;
  }
  // In [0, 1): a decay rate whose powers the bias correction divides by 1 - beta^step.
  float Rate(int index) const {
    float value = Float(index);
    if (!(value >= 0.0f && value < 1.0f)) Fail(index, "in [0, 1)");
    return value;
  }
  bool Flag(int index) const {
    double value = values_[index];
    if (value != 0.0 && value != 1.0) Fail(index, "0 or 1");
    return value == 1.0;
  }
  int64_t Step() const {
    double value = values_[kStep];
    if (!std::isfinite(value) || value != std::floor(value) || value < 1.0 || value > 9007199254740992.0) {
      Fail(kStep, "an integer >= 1 (the 1-based step count)");
    }
    return static_cast<int64_t>(value);
  }

 private:
  const Args& args_;
  const double* values_;
};

Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "optimizerUpdate", 7);
  auto kind = static_cast<OptimizerKind>(args.Integer(0, "kind", 0, kOptimizerCount - 1));
  const char* kind_name = kOptimizerNames[static_cast<int>(kind)];
  Napi::Value hyper_value = info[1];
  if (!hyper_value.IsTypedArray() || hyper_value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    ThrowTypeError(info.Env(), args.Where("hyper") + " must be a Float64Array");
  }
  auto hyper = hyper_value.As<Napi::Float64Array>();
  if (hyper.ElementLength() != kHyperCount) {
    ThrowValueError(info.Env(), args.Where("hyper") + " must have " + std::to_string(kHyperCount) +
                                    " elements [learningRate, momentum, nesterov, beta1, beta2, epsilon, weightDecay, "
                                    "decoupled, clipValue, gradScale, step], got " +
                                    std::to_string(hyper.ElementLength()));
  }
  HyperReader read(args, hyper.Data());
  OptimizerArgs options;
  options.kind = kind;
  options.learning_rate = read.NonNegative(kLearningRate);
  options.momentum = read.NonNegative(kMomentum);
  options.nesterov = read.Flag(kNesterov);
  options.beta1 = read.Float(kBeta1);
  options.beta2 = read.Float(kBeta2);
  options.epsilon = read.NonNegative(kEpsilon);
  options.weight_decay = read.NonNegative(kWeightDecay);
  options.decoupled_weight_decay = read.Flag(kDecoupled);
  options.clip_value = read.NonNegative(kClipValue);
  options.grad_scale = read.Float(kGradScale);
  options.step = read.Step();
  if (kind == OptimizerKind::kAdam) {
    read.Rate(kBeta1);
    read.Rate(kBeta2);
  }
  if (kind == OptimizerKind::kRmsprop) read.Rate(kBeta2);  // rho
  if (kind == OptimizerKind::kSgd && options.nesterov && options.momentum == 0.0f) {
    read.Fail(kMomentum, "> 0 when nesterov is 1 (Nesterov momentum needs a momentum)");
  }

  int64_t n = args.Integer(6, "n");
  float* param = args.Floats(2, "param", n);
  const float* grad = args.Floats(3, "grad", n);
  bool has_momentum = options.momentum != 0.0f;
  bool needs_state1 = kind != OptimizerKind::kSgd || has_momentum;
  bool needs_state2 = kind == OptimizerKind::kAdam || (kind == OptimizerKind::kRmsprop && has_momentum);
  const char* state_roles[2];
  switch (kind) {
    case OptimizerKind::kSgd: state_roles[0] = "the velocity"; state_roles[1] = ""; break;
    case OptimizerKind::kAdam: state_roles[0] = "the first moment m"; state_roles[1] = "the second moment v"; break;
    case OptimizerKind::kRmsprop: state_roles[0] = "the mean square"; state_roles[1] = "the momentum buffer"; break;
    default: state_roles[0] = "the accumulator"; state_roles[1] = ""; break;
  }
  float* states[2];
  const bool needed[2] = {needs_state1, needs_state2};
  const char* names[2] = {"state1", "state2"};
  for (int s = 0; s < 2; ++s) {
    states[s] = args.OptionalFloats(4 + s, names[s], 0);  // a wrong type is an ArgumentTypeError first
    std::string rule = std::string(kind_name) +
                       (kind == OptimizerKind::kSgd || kind == OptimizerKind::kRmsprop
                            ? (has_momentum ? " with momentum" : " without momentum")
                            : "");
    // Presence comes from the JS value: an empty typed array may have no data pointer.
    bool given = !info[4 + s].IsNull() && !info[4 + s].IsUndefined();
    if (needed[s] && !given) {
      ThrowValueError(info.Env(), args.Where(names[s]) + " is required by " + rule + " (" + state_roles[s] + "), got " +
                                      (info[4 + s].IsNull() ? "null" : "undefined"));
    }
    if (!needed[s] && given) {
      ThrowValueError(info.Env(), args.Where(names[s]) + " must be null for " + rule + " (the rule keeps no such state)");
    }
    if (given) states[s] = args.Floats(4 + s, names[s], n);
  }
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "optimizerUpdate",
              backend.kernels.optimizer_update(options, param, grad, states[0], states[1], n, backend.pool.get()));
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptimizer(Napi::Env env, Napi::Object exports) {
  exports.Set("optimizerUpdate", Napi::Function::New(env, OptimizerUpdate, "optimizerUpdate"));
}

}  // namespace dendrite::binding
