// Optimizer update rules over a flat parameter buffer, in plain C++ (see OptimizerArgs in kernels.h).
// Per element, in this order: g = grad * grad_scale; clamp g to [-clip_value, clip_value] if clip_value > 0;
// weight decay: decoupled p -= (lr * wd) * p, or coupled g += wd * p (PyTorch's order: after clipping);
// then the rule. Elementwise, so splitting the buffer across threads cannot change any result.
#include <cmath>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"

namespace dendrite::ref {

float BiasCorrectionScale(float beta, int64_t step) {
  return static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta), static_cast<double>(step))));
}

bool OptimizerStateValid(const OptimizerArgs& args, const float* state1, const float* state2, const float* state3) {
  switch (args.kind) {
    case OptimizerKind::kSgd: return args.momentum == 0.0f || state1 != nullptr;
    case OptimizerKind::kAdam: return state1 != nullptr && state2 != nullptr && (!args.amsgrad || state3 != nullptr);
    case OptimizerKind::kRmsprop:
      return state1 != nullptr && (args.momentum == 0.0f || state2 != nullptr) && (!args.centered || state3 != nullptr);
    case OptimizerKind::kAdagrad: return state1 != nullptr;
    case OptimizerKind::kAdamax:
    case OptimizerKind::kAdadelta:
    case OptimizerKind::kNadam: return state1 != nullptr && state2 != nullptr;
  }
  return false;
}

namespace {

// Nadam's momentum schedule u(t) = b1 * (1 - 0.5 * 0.96^t) (Dozat; Keras' constants).
double NadamMomentum(double beta1, double t) { return beta1 * (1.0 - 0.5 * std::pow(0.96, t)); }

// U(t) = u(1) * ... * u(t), what Keras keeps as the variable `u_product`. Once 0.5 * 0.96^i is below half
// an ulp of 1 (i > ~880) every further factor is exactly b1 in double, so the product needs at most ~900
// multiplications whatever the step.
double NadamMomentProduct(double beta1, int64_t step) {
  double product = 1.0;
  int64_t i = 1;
  for (; i <= step; ++i) {
    double decay = std::pow(0.96, static_cast<double>(i));
    if (decay < 0x1p-54) break;
    product *= beta1 * (1.0 - 0.5 * decay);
  }
  if (i <= step) product *= std::pow(beta1, static_cast<double>(step - i + 1));
  return product;
}

}  // namespace

OptimizerStepFactors StepFactors(const OptimizerArgs& args) {
  OptimizerStepFactors factors;
  switch (args.kind) {
    case OptimizerKind::kAdam:
      factors.first_moment = BiasCorrectionScale(args.beta1, args.step);
      factors.second_moment = BiasCorrectionScale(args.beta2, args.step);
      break;
    case OptimizerKind::kAdamax: factors.first_moment = BiasCorrectionScale(args.beta1, args.step); break;
    case OptimizerKind::kNadam: {
      double beta1 = args.beta1, t = static_cast<double>(args.step);
      double product = NadamMomentProduct(beta1, args.step);
      double next = NadamMomentum(beta1, t + 1.0);
      factors.first_moment = static_cast<float>(next / (1.0 - product * next));
      factors.gradient = static_cast<float>((1.0 - NadamMomentum(beta1, t)) / (1.0 - product));
      factors.second_moment = BiasCorrectionScale(args.beta2, args.step);
      break;
    }
    default: break;
  }
  return factors;
}

namespace {

struct UpdateTask {
  const OptimizerArgs* args;
  float* param;
  const float* grad;
  float* state1;
  float* state2;
  float* state3;
  int64_t n;
  OptimizerStepFactors factors;
};

// max(a, b) as the x86 max instruction computes it (b when either is NaN), so the vector paths agree.
float MaxOf(float a, float b) { return a > b ? a : b; }

void UpdateBlocks(void* arg, int64_t first_block, int64_t end_block, int) {
  const UpdateTask& task = *static_cast<const UpdateTask*>(arg);
  int64_t begin = first_block * kOptimizerBlock;
  int64_t end = end_block * kOptimizerBlock < task.n ? end_block * kOptimizerBlock : task.n;
  const OptimizerArgs& a = *task.args;
  const OptimizerStepFactors& f = task.factors;
  const float lr = a.learning_rate;
  const float clip = a.clip_value;
  const float decay = a.learning_rate * a.weight_decay;
  const bool coupled = a.weight_decay != 0.0f && !a.decoupled_weight_decay;
  const bool decoupled = a.weight_decay != 0.0f && a.decoupled_weight_decay;
  for (int64_t i = begin; i < end; ++i) {
    float g = task.grad[i] * a.grad_scale;
    if (clip > 0.0f) g = g < -clip ? -clip : (g > clip ? clip : g);
    float p = task.param[i];
    if (coupled) g = g + a.weight_decay * p;
    if (decoupled) p = p - decay * p;
    switch (a.kind) {
      case OptimizerKind::kSgd:
        if (a.momentum == 0.0f) {
          p = p - lr * g;
        } else {
          float v = a.momentum * task.state1[i] + g;
          task.state1[i] = v;
          p = p - lr * (a.nesterov ? g + a.momentum * v : v);
        }
        break;
      case OptimizerKind::kAdam:
      case OptimizerKind::kNadam: {
        float m = a.beta1 * task.state1[i] + (1.0f - a.beta1) * g;
        float v = a.beta2 * task.state2[i] + (1.0f - a.beta2) * (g * g);
        task.state1[i] = m;
        task.state2[i] = v;
        if (a.amsgrad) {
          v = MaxOf(task.state3[i], v);
          task.state3[i] = v;
        }
        // Adam's bias-corrected m, or Nadam's Nesterov estimate from m and g.
        float estimate = a.kind == OptimizerKind::kAdam ? m * f.first_moment : f.first_moment * m + f.gradient * g;
        p = p - lr * estimate / (std::sqrt(v * f.second_moment) + a.epsilon);
        break;
      }
      case OptimizerKind::kRmsprop: {
        float v = a.beta2 * task.state1[i] + (1.0f - a.beta2) * (g * g);
        task.state1[i] = v;
        float denominator = v;
        if (a.centered) {
          float mean = a.beta2 * task.state3[i] + (1.0f - a.beta2) * g;
          task.state3[i] = mean;
          // The variance estimate is >= 0 in exact arithmetic; rounding may take it just below.
          denominator = MaxOf(0.0f, v - mean * mean);
        }
        float step = lr * g / (std::sqrt(denominator) + a.epsilon);
        if (a.momentum != 0.0f) {
          step = a.momentum * task.state2[i] + step;
          task.state2[i] = step;
        }
        p = p - step;
        break;
      }
      case OptimizerKind::kAdagrad: {
        float accumulator = task.state1[i] + g * g;
        task.state1[i] = accumulator;
        p = p - lr * g / (std::sqrt(accumulator) + a.epsilon);
        break;
      }
      case OptimizerKind::kAdamax: {
        float m = a.beta1 * task.state1[i] + (1.0f - a.beta1) * g;
        float u = MaxOf(a.beta2 * task.state2[i], std::fabs(g));
        task.state1[i] = m;
        task.state2[i] = u;
        p = p - lr * (m * f.first_moment) / (u + a.epsilon);
        break;
      }
      case OptimizerKind::kAdadelta: {
        float accumulator = a.beta2 * task.state1[i] + (1.0f - a.beta2) * (g * g);
        float delta = g * std::sqrt(task.state2[i] + a.epsilon) / std::sqrt(accumulator + a.epsilon);
        task.state1[i] = accumulator;
        task.state2[i] = a.beta2 * task.state2[i] + (1.0f - a.beta2) * (delta * delta);
        p = p - lr * delta;
        break;
      }
    }
    task.param[i] = p;
  }
}

}  // namespace

Status OptimizerUpdate(const OptimizerArgs& args, float* param, const float* grad, float* state1, float* state2,
                       float* state3, int64_t n, ThreadPool* pool) {
  if (n == 0) return Status::kOk;  // empty typed arrays may have no data pointer at all
  if (!OptimizerStateValid(args, state1, state2, state3) || args.step < 1) return Status::kInvalidArgument;
  UpdateTask task{&args, param, grad, state1, state2, state3, n, StepFactors(args)};
  int64_t blocks = (n + kOptimizerBlock - 1) / kOptimizerBlock;
  if (pool != nullptr) {
    pool->ParallelFor(blocks, kOptimizerGrainBlocks, UpdateBlocks, &task);
  } else {
    UpdateBlocks(&task, 0, blocks, 0);
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
