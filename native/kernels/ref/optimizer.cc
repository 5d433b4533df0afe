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

bool OptimizerStateValid(const OptimizerArgs& args, const float* state1, const float* state2) {
  switch (args.kind) {
    case OptimizerKind::kSgd: return args.momentum == 0.0f || state1 != nullptr;
    case OptimizerKind::kAdam: return state1 != nullptr && state2 != nullptr;
    case OptimizerKind::kRmsprop: return state1 != nullptr && (args.momentum == 0.0f || state2 != nullptr);
    case OptimizerKind::kAdagrad: return state1 != nullptr;
  }
  return false;
}

namespace {

struct UpdateTask {
  const OptimizerArgs* args;
  float* param;
  const float* grad;
  float* state1;
  float* state2;
  int64_t n;
  float mhat_scale, vhat_scale;
};

void UpdateBlocks(void* arg, int64_t first_block, int64_t end_block, int) {
  const UpdateTask& task = *static_cast<const UpdateTask*>(arg);
  int64_t begin = first_block * kOptimizerBlock;
  int64_t end = end_block * kOptimizerBlock < task.n ? end_block * kOptimizerBlock : task.n;
  const OptimizerArgs& a = *task.args;
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
      case OptimizerKind::kAdam: {
        float m = a.beta1 * task.state1[i] + (1.0f - a.beta1) * g;
        float v = a.beta2 * task.state2[i] + (1.0f - a.beta2) * (g * g);
        task.state1[i] = m;
        task.state2[i] = v;
        p = p - lr * (m * task.mhat_scale) / (std::sqrt(v * task.vhat_scale) + a.epsilon);
        break;
      }
      case OptimizerKind::kRmsprop: {
        float v = a.beta2 * task.state1[i] + (1.0f - a.beta2) * (g * g);
        task.state1[i] = v;
        float step = lr * g / (std::sqrt(v) + a.epsilon);
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
    }
    task.param[i] = p;
  }
}

}  // namespace

Status OptimizerUpdate(const OptimizerArgs& args, float* param, const float* grad, float* state1, float* state2,
                       int64_t n, ThreadPool* pool) {
  if (n == 0) return Status::kOk;  // empty typed arrays may have no data pointer at all
  if (!OptimizerStateValid(args, state1, state2) || args.step < 1) return Status::kInvalidArgument;
  UpdateTask task{&args, param, grad, state1, state2, n, 1.0f, 1.0f};
  if (args.kind == OptimizerKind::kAdam) {
    task.mhat_scale = BiasCorrectionScale(args.beta1, args.step);
    task.vhat_scale = BiasCorrectionScale(args.beta2, args.step);
  }
  int64_t blocks = (n + kOptimizerBlock - 1) / kOptimizerBlock;
  if (pool != nullptr) {
    pool->ParallelFor(blocks, kOptimizerGrainBlocks, UpdateBlocks, &task);
  } else {
    UpdateBlocks(&task, 0, blocks, 0);
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
