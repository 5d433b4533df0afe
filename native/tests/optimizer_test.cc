// Optimizer updates: the reference against a double-precision implementation of each rule over several
// steps, every ISA against the reference, and results independent of the thread count.
#include <cmath>
#include <cstdint>
#include <vector>

#include "dendrite/thread_pool.h"
#include "native_test.h"

using namespace dendrite;

namespace {

struct Case {
  const char* name;
  OptimizerArgs args;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](const char* name, OptimizerKind kind, auto&& configure) {
    OptimizerArgs args;
    args.kind = kind;
    configure(args);
    cases.push_back({name, args});
  };
  add("sgd", OptimizerKind::kSgd, [](OptimizerArgs& a) { a.learning_rate = 0.1f; });
  add("sgd momentum + coupled decay + clip", OptimizerKind::kSgd, [](OptimizerArgs& a) {
    a.learning_rate = 0.05f, a.momentum = 0.9f, a.weight_decay = 0.01f, a.clip_value = 0.5f;
  });
  add("nesterov + grad scale", OptimizerKind::kSgd,
      [](OptimizerArgs& a) { a.learning_rate = 0.05f, a.momentum = 0.8f, a.nesterov = true, a.grad_scale = 0.5f; });
  add("adam", OptimizerKind::kAdam, [](OptimizerArgs& a) { a.learning_rate = 0.01f; });
  add("adamw", OptimizerKind::kAdam, [](OptimizerArgs& a) {
    a.learning_rate = 0.01f, a.weight_decay = 0.1f, a.decoupled_weight_decay = true, a.beta1 = 0.8f;
  });
  add("rmsprop", OptimizerKind::kRmsprop, [](OptimizerArgs& a) { a.learning_rate = 0.01f, a.beta2 = 0.9f; });
  add("rmsprop momentum + clip", OptimizerKind::kRmsprop,
      [](OptimizerArgs& a) { a.learning_rate = 0.01f, a.beta2 = 0.9f, a.momentum = 0.5f, a.clip_value = 0.3f; });
  add("adagrad + decoupled decay", OptimizerKind::kAdagrad, [](OptimizerArgs& a) {
    a.learning_rate = 0.1f, a.weight_decay = 0.05f, a.decoupled_weight_decay = true;
  });
  return cases;
}

// The rules of kernels.h in double, one element at a time.
void DoubleStep(const OptimizerArgs& a, double& p, double g, double& s1, double& s2) {
  g *= a.grad_scale;
  if (a.clip_value > 0) g = std::fmin(std::fmax(g, -double(a.clip_value)), double(a.clip_value));
  if (a.weight_decay != 0) {
    if (a.decoupled_weight_decay) {
      p -= double(a.learning_rate) * a.weight_decay * p;
    } else {
      g += double(a.weight_decay) * p;
    }
  }
  double lr = a.learning_rate, eps = a.epsilon;
  switch (a.kind) {
    case OptimizerKind::kSgd:
      if (a.momentum == 0) {
        p -= lr * g;
      } else {
        s1 = a.momentum * s1 + g;
        p -= lr * (a.nesterov ? g + a.momentum * s1 : s1);
      }
      break;
    case OptimizerKind::kAdam: {
      s1 = a.beta1 * s1 + (1 - double(a.beta1)) * g;
      s2 = a.beta2 * s2 + (1 - double(a.beta2)) * g * g;
      double mhat = s1 / (1 - std::pow(double(a.beta1), double(a.step)));
      double vhat = s2 / (1 - std::pow(double(a.beta2), double(a.step)));
      p -= lr * mhat / (std::sqrt(vhat) + eps);
      break;
    }
    case OptimizerKind::kRmsprop: {
      s1 = a.beta2 * s1 + (1 - double(a.beta2)) * g * g;
      double step = lr * g / (std::sqrt(s1) + eps);
      if (a.momentum != 0) {
        s2 = a.momentum * s2 + step;
        step = s2;
      }
      p -= step;
      break;
    }
    case OptimizerKind::kAdagrad:
      s1 += g * g;
      p -= lr * g / (std::sqrt(s1) + eps);
      break;
  }
}

bool NeedsState2(const OptimizerArgs& a) {
  return a.kind == OptimizerKind::kAdam || (a.kind == OptimizerKind::kRmsprop && a.momentum != 0);
}
bool NeedsState1(const OptimizerArgs& a) { return a.kind != OptimizerKind::kSgd || a.momentum != 0; }

float Value(int64_t i, int step, float scale) {
  return scale * static_cast<float>(((i * 37 + step * 11) % 29) - 14) / 14.0f;
}

}  // namespace

DN_TEST(OptimizerReferenceMatchesDoubleRulesOverSteps) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  const int64_t n = 37;
  for (const Case& c : Cases()) {
    std::vector<float> p(n), s1(n, 0.0f), s2(n, 0.0f);
    std::vector<double> pd(n), s1d(n, 0.0), s2d(n, 0.0);
    for (int64_t i = 0; i < n; ++i) pd[i] = p[i] = Value(i, 0, 2.0f);
    if (c.args.kind == OptimizerKind::kAdagrad) {
      std::fill(s1.begin(), s1.end(), 0.1f);  // Keras' initial accumulator
      std::fill(s1d.begin(), s1d.end(), double(0.1f));
    }
    OptimizerArgs args = c.args;
    for (int step = 1; step <= 5; ++step) {
      args.step = step;
      std::vector<float> g(n);
      for (int64_t i = 0; i < n; ++i) g[i] = Value(i, step, 1.5f);
      DN_EXPECT(reference.optimizer_update(args, p.data(), g.data(), NeedsState1(args) ? s1.data() : nullptr,
                                           NeedsState2(args) ? s2.data() : nullptr, n, nullptr) == Status::kOk);
      for (int64_t i = 0; i < n; ++i) DoubleStep(args, pd[i], g[i], s1d[i], s2d[i]);
    }
    for (int64_t i = 0; i < n; ++i) {
      // Tolerance: 1e-5 relative to 1 + |p| after five float steps.
      bool ok = std::fabs(p[i] - pd[i]) <= 1e-5 * (1.0 + std::fabs(pd[i])) &&
                std::fabs(s1[i] - s1d[i]) <= 1e-5 * (1.0 + std::fabs(s1d[i]));
      if (!ok) std::fprintf(stderr, "    %s index %lld: p %.9g vs %.9g\n", c.name, static_cast<long long>(i), p[i], pd[i]);
      DN_EXPECT(ok);
    }
  }
}

DN_TEST(OptimizerEveryIsaMatchesReferenceWhateverTheThreadCount) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ThreadPool pool(2);
  for (const Case& c : Cases()) {
    for (int64_t n : {0, 1, 15, 16, 17, 33, 100003}) {
      std::vector<float> g(n), p0(n), s10(n), s20(n);
      for (int64_t i = 0; i < n; ++i) {
        g[i] = Value(i, 1, 1.0f);
        p0[i] = Value(i, 2, 1.0f);
        s10[i] = std::fabs(Value(i, 3, 0.5f));
        s20[i] = std::fabs(Value(i, 4, 0.5f));
      }
      OptimizerArgs args = c.args;
      args.step = 3;
      auto run = [&](const KernelTable& table, ThreadPool* threads, std::vector<float>& p, std::vector<float>& s1,
                     std::vector<float>& s2) {
        p = p0, s1 = s10, s2 = s20;
        return table.optimizer_update(args, p.data(), g.data(), NeedsState1(args) ? s1.data() : nullptr,
                                      NeedsState2(args) ? s2.data() : nullptr, n, threads);
      };
      std::vector<float> p_ref, s1_ref, s2_ref;
      DN_EXPECT(run(reference, nullptr, p_ref, s1_ref, s2_ref) == Status::kOk);
      test::ForEachIsa([&](const KernelTable& table) {
        std::vector<float> p, s1, s2, p2, s12, s22;
        DN_EXPECT(run(table, nullptr, p, s1, s2) == Status::kOk);
        DN_EXPECT(run(table, &pool, p2, s12, s22) == Status::kOk);
        DN_EXPECT(p == p2 && s1 == s12 && s2 == s22);  // bitwise, one thread or two
        for (int64_t i = 0; i < n; ++i) {
          // Tolerance: fused multiply-adds in the SIMD paths: 2e-6 relative to 1 + |value|.
          bool ok = std::fabs(p[i] - p_ref[i]) <= 2e-6 * (1.0f + std::fabs(p_ref[i])) &&
                    std::fabs(s1[i] - s1_ref[i]) <= 2e-6 * (1.0f + std::fabs(s1_ref[i])) &&
                    std::fabs(s2[i] - s2_ref[i]) <= 2e-6 * (1.0f + std::fabs(s2_ref[i]));
          if (!ok) {
            std::fprintf(stderr, "    %s n %lld index %lld: p %.9g vs %.9g\n", c.name, static_cast<long long>(n),
                         static_cast<long long>(i), p[i], p_ref[i]);
            DN_EXPECT(ok);
            break;
          }
        }
      });
    }
  }
}

DN_TEST(OptimizerRejectsMissingState) {
  test::ForEachIsa([&](const KernelTable& table) {
    OptimizerArgs args;
    args.kind = OptimizerKind::kAdam;
    float p = 1.0f, g = 1.0f, s = 0.0f;
    DN_EXPECT(table.optimizer_update(args, &p, &g, &s, nullptr, 1, nullptr) == Status::kInvalidArgument);
    DN_EXPECT(p == 1.0f);
  });
}
