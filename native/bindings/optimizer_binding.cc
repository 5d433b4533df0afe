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
  kAmsgrad,
  kCentered,
  kHyperCount
};
const char* const kHyperNames[kHyperCount] = {"learningRate", "momentum",  "nesterov",  "beta1",
                                              "beta2",        "epsilon",   "weightDecay", "decoupled",
                                              "clipValue",    "gradScale", "step",        "amsgrad",
                                              "centered"};
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

// The state buffers a rule keeps (OptimizerArgs in kernels.h): what each is, or null where it keeps none.
struct StateRoles {
  const char* role[3] = {nullptr, nullptr, nullptr};
};
StateRoles RolesOf(const OptimizerArgs& o) {
  StateRoles r;
  bool momentum = o.momentum != 0.0f;
  switch (o.kind) {
    case OptimizerKind::kSgd: r.role[0] = momentum ? "the velocity" : nullptr; break;
    case OptimizerKind::kAdam:
      r.role[0] = "the first moment m";
      r.role[1] = "the second moment v";
      r.role[2] = o.amsgrad ? "the largest second moment vmax" : nullptr;
      break;
    case OptimizerKind::kRmsprop:
      r.role[0] = "the mean square";
      r.role[1] = momentum ? "the momentum buffer" : nullptr;
      r.role[2] = o.centered ? "the mean gradient" : nullptr;
      break;
    case OptimizerKind::kAdagrad: r.role[0] = "the accumulator"; break;
    case OptimizerKind::kAdamax:
      r.role[0] = "the first moment m";
      r.role[1] = "the infinity norm u";
      break;
    case OptimizerKind::kAdadelta:
      r.role[0] = "the mean square gradient";
      r.role[1] = "the mean square update";
      break;
    case OptimizerKind::kNadam:
      r.role[0] = "the first moment m";
      r.role[1] = "the second moment v";
      break;
  }
  return r;
}

// The rule as messages name it: "rmsprop with momentum, centered".
std::string RuleName(const OptimizerArgs& o) {
  std::string name = kOptimizerNames[static_cast<int>(o.kind)];
  if (o.kind == OptimizerKind::kSgd || o.kind == OptimizerKind::kRmsprop) {
    name += o.momentum != 0.0f ? " with momentum" : " without momentum";
  }
  if (o.kind == OptimizerKind::kAdam) name += o.amsgrad ? " with amsgrad" : " without amsgrad";
  if (o.kind == OptimizerKind::kRmsprop) name += o.centered ? ", centered" : ", not centered";
  return name;
}

Napi::Value OptimizerUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "optimizerUpdate", 8);
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
                                    "decoupled, clipValue, gradScale, step, amsgrad, centered], got " +
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
  options.amsgrad = read.Flag(kAmsgrad);
  options.centered = read.Flag(kCentered);
  bool betas = kind == OptimizerKind::kAdam || kind == OptimizerKind::kAdamax || kind == OptimizerKind::kNadam;
  if (betas) read.Rate(kBeta1);
  // beta2 is the second-moment decay of the Adam family and the rho of rmsprop and adadelta.
  if (betas || kind == OptimizerKind::kRmsprop || kind == OptimizerKind::kAdadelta) read.Rate(kBeta2);
  if (kind == OptimizerKind::kSgd && options.nesterov && options.momentum == 0.0f) {
    read.Fail(kMomentum, "> 0 when nesterov is 1 (Nesterov momentum needs a momentum)");
  }
  if (kind != OptimizerKind::kSgd && options.nesterov) read.Fail(kNesterov, std::string("0 for ") + kind_name + " (only sgd has it)");
  if (kind != OptimizerKind::kAdam && options.amsgrad) read.Fail(kAmsgrad, std::string("0 for ") + kind_name + " (only adam has it)");
  if (kind != OptimizerKind::kRmsprop && options.centered) {
    read.Fail(kCentered, std::string("0 for ") + kind_name + " (only rmsprop has it)");
  }

  int64_t n = args.Integer(7, "n");
  float* param = args.Floats(2, "param", n);
  const float* grad = args.Floats(3, "grad", n);
  StateRoles roles = RolesOf(options);
  std::string rule = RuleName(options);
  float* states[3];
  const char* names[3] = {"state1", "state2", "state3"};
  for (int s = 0; s < 3; ++s) {
    states[s] = args.OptionalFloats(4 + s, names[s], 0);  // a wrong type is an ArgumentTypeError first
    // Presence comes from the JS value: an empty typed array may have no data pointer.
    bool given = !info[4 + s].IsNull() && !info[4 + s].IsUndefined();
    if (roles.role[s] != nullptr && !given) {
      ThrowValueError(info.Env(), args.Where(names[s]) + " is required by " + rule + " (" + roles.role[s] + "), got " +
                                      (info[4 + s].IsNull() ? "null" : "undefined"));
    }
    if (roles.role[s] == nullptr && given) {
      ThrowValueError(info.Env(), args.Where(names[s]) + " must be null for " + rule + " (the rule keeps no such state)");
    }
    if (given) states[s] = args.Floats(4 + s, names[s], n);
  }
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "optimizerUpdate",
              backend.kernels.optimizer_update(options, param, grad, states[0], states[1], states[2], n,
                                               backend.pool.get()));
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptimizer(Napi::Env env, Napi::Object exports) {
  exports.Set("optimizerUpdate", Napi::Function::New(env, OptimizerUpdate, "optimizerUpdate"));
}

}  // namespace dendrite::binding
