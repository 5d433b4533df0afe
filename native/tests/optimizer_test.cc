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
  add("adam amsgrad", OptimizerKind::kAdam, [](OptimizerArgs& a) { a.learning_rate = 0.01f, a.amsgrad = true; });
  add("adamw amsgrad + clip", OptimizerKind::kAdam, [](OptimizerArgs& a) {
    a.learning_rate = 0.01f, a.amsgrad = true, a.weight_decay = 0.1f, a.decoupled_weight_decay = true, a.clip_value = 0.4f;
  });
  add("rmsprop centered", OptimizerKind::kRmsprop,
      [](OptimizerArgs& a) { a.learning_rate = 0.01f, a.beta2 = 0.9f, a.centered = true; });
  add("rmsprop centered + momentum + grad scale", OptimizerKind::kRmsprop, [](OptimizerArgs& a) {
    a.learning_rate = 0.01f, a.beta2 = 0.8f, a.centered = true, a.momentum = 0.5f, a.grad_scale = 2.0f;
  });
  add("adamax", OptimizerKind::kAdamax, [](OptimizerArgs& a) { a.learning_rate = 0.02f; });
  add("adamax + decoupled decay + clip", OptimizerKind::kAdamax, [](OptimizerArgs& a) {
    a.learning_rate = 0.02f, a.beta1 = 0.8f, a.beta2 = 0.95f, a.weight_decay = 0.1f, a.decoupled_weight_decay = true,
    a.clip_value = 0.5f;
  });
  add("adadelta", OptimizerKind::kAdadelta, [](OptimizerArgs& a) { a.learning_rate = 1.0f, a.beta2 = 0.95f; });
  add("adadelta + coupled decay", OptimizerKind::kAdadelta,
      [](OptimizerArgs& a) { a.learning_rate = 0.5f, a.beta2 = 0.8f, a.epsilon = 1e-6f, a.weight_decay = 0.01f; });
  add("nadam", OptimizerKind::kNadam, [](OptimizerArgs& a) { a.learning_rate = 0.01f; });
  add("nadam + decoupled decay + grad scale", OptimizerKind::kNadam, [](OptimizerArgs& a) {
    a.learning_rate = 0.01f, a.beta1 = 0.5f, a.beta2 = 0.67f, a.weight_decay = 0.1f, a.decoupled_weight_decay = true,
    a.grad_scale = 0.5f;
  });
  return cases;
}

// Nadam's momentum schedule and its product over steps 1..t, in double, by the definition.
double NadamMomentum(double beta1, double t) { return beta1 * (1 - 0.5 * std::pow(0.96, t)); }
double NadamProduct(double beta1, int64_t t) {
  double product = 1;
  for (int64_t i = 1; i <= t; ++i) product *= NadamMomentum(beta1, double(i));
  return product;
}

// The rules of kernels.h in double, one element at a time.
void DoubleStep(const OptimizerArgs& a, double& p, double g, double& s1, double& s2, double& s3) {
  g *= a.grad_scale;
  if (a.clip_value > 0) g = std::fmin(std::fmax(g, -double(a.clip_value)), double(a.clip_value));
  if (a.weight_decay != 0) {
    if (a.decoupled_weight_decay) {
      p -= double(a.learning_rate) * a.weight_decay * p;
    } else {
      g += double(a.weight_decay) * p;
    }
  }
  double lr = a.learning_rate, eps = a.epsilon, b1 = a.beta1, b2 = a.beta2, t = double(a.step);
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
      s1 = b1 * s1 + (1 - b1) * g;
      s2 = b2 * s2 + (1 - b2) * g * g;
      double v = s2;
      if (a.amsgrad) v = s3 = std::fmax(s3, s2);
      double mhat = s1 / (1 - std::pow(b1, t));
      double vhat = v / (1 - std::pow(b2, t));
      p -= lr * mhat / (std::sqrt(vhat) + eps);
      break;
    }
    case OptimizerKind::kRmsprop: {
      s1 = b2 * s1 + (1 - b2) * g * g;
      double denominator = s1;
      if (a.centered) {
        s3 = b2 * s3 + (1 - b2) * g;
        denominator = std::fmax(0.0, s1 - s3 * s3);
      }
      double step = lr * g / (std::sqrt(denominator) + eps);
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
    case OptimizerKind::kAdamax:
      s1 = b1 * s1 + (1 - b1) * g;
      s2 = std::fmax(b2 * s2, std::fabs(g));
      p -= lr * s1 / ((1 - std::pow(b1, t)) * (s2 + eps));
      break;
    case OptimizerKind::kAdadelta: {
      s1 = b2 * s1 + (1 - b2) * g * g;
      double delta = std::sqrt(s2 + eps) / std::sqrt(s1 + eps) * g;
      s2 = b2 * s2 + (1 - b2) * delta * delta;
      p -= lr * delta;
      break;
    }
    case OptimizerKind::kNadam: {
      s1 = b1 * s1 + (1 - b1) * g;
      s2 = b2 * s2 + (1 - b2) * g * g;
      double product = NadamProduct(b1, a.step), next = NadamMomentum(b1, t + 1);
      double estimate = next * s1 / (1 - product * next) + (1 - NadamMomentum(b1, t)) * g / (1 - product);
      p -= lr * estimate / (std::sqrt(s2 / (1 - std::pow(b2, t))) + eps);
      break;
    }
  }
}

bool NeedsState1(const OptimizerArgs& a) { return a.kind != OptimizerKind::kSgd || a.momentum != 0; }
bool NeedsState2(const OptimizerArgs& a) {
  return a.kind != OptimizerKind::kSgd && a.kind != OptimizerKind::kAdagrad &&
         (a.kind != OptimizerKind::kRmsprop || a.momentum != 0);
}
bool NeedsState3(const OptimizerArgs& a) { return a.amsgrad || a.centered; }

float Value(int64_t i, int step, float scale) {
  return scale * static_cast<float>(((i * 37 + step * 11) % 29) - 14) / 14.0f;
}

}  // namespace

DN_TEST(OptimizerReferenceMatchesDoubleRulesOverSteps) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  const int64_t n = 37;
  for (const Case& c : Cases()) {
    std::vector<float> p(n), s1(n, 0.0f), s2(n, 0.0f), s3(n, 0.0f);
    std::vector<double> pd(n), s1d(n, 0.0), s2d(n, 0.0), s3d(n, 0.0);
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
                                           NeedsState2(args) ? s2.data() : nullptr,
                                           NeedsState3(args) ? s3.data() : nullptr, n, nullptr) == Status::kOk);
      for (int64_t i = 0; i < n; ++i) DoubleStep(args, pd[i], g[i], s1d[i], s2d[i], s3d[i]);
    }
    for (int64_t i = 0; i < n; ++i) {
      // Tolerance: 1e-5 relative to 1 + |value| after five float steps.
      auto close = [](double got, double want) { return std::fabs(got - want) <= 1e-5 * (1.0 + std::fabs(want)); };
      bool ok = close(p[i], pd[i]) && close(s1[i], s1d[i]) && close(s2[i], s2d[i]) && close(s3[i], s3d[i]);
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
      std::vector<float> g(n), p0(n), s10(n), s20(n), s30(n);
      for (int64_t i = 0; i < n; ++i) {
        g[i] = Value(i, 1, 1.0f);
        p0[i] = Value(i, 2, 1.0f);
        s10[i] = std::fabs(Value(i, 3, 0.5f));
        s20[i] = std::fabs(Value(i, 4, 0.5f));
        // A mean gradient (centered rmsprop) well inside the root mean square it belongs to, so the variance
        // is not a cancellation; a vmax (amsgrad) above or below the second moment.
        s30[i] = c.args.centered ? 0.5f * std::sqrt(s10[i]) * (i % 2 == 0 ? 1.0f : -1.0f) : std::fabs(Value(i, 5, 0.5f));
      }
      OptimizerArgs args = c.args;
      args.step = 3;
      struct State {
        std::vector<float> p, s1, s2, s3;
        bool operator==(const State& o) const { return p == o.p && s1 == o.s1 && s2 == o.s2 && s3 == o.s3; }
      };
      auto run = [&](const KernelTable& table, ThreadPool* threads, State& x) {
        x = State{p0, s10, s20, s30};
        return table.optimizer_update(args, x.p.data(), g.data(), NeedsState1(args) ? x.s1.data() : nullptr,
                                      NeedsState2(args) ? x.s2.data() : nullptr,
                                      NeedsState3(args) ? x.s3.data() : nullptr, n, threads);
      };
      State want;
      DN_EXPECT(run(reference, nullptr, want) == Status::kOk);
      test::ForEachIsa([&](const KernelTable& table) {
        State one, two;
        DN_EXPECT(run(table, nullptr, one) == Status::kOk);
        DN_EXPECT(run(table, &pool, two) == Status::kOk);
        DN_EXPECT(one == two);  // bitwise, one thread or two
        // Tolerance: fused multiply-adds in the SIMD paths: 2e-6 relative to 1 + |value|.
        auto close = [](float got, float ref) { return std::fabs(got - ref) <= 2e-6 * (1.0f + std::fabs(ref)); };
        for (int64_t i = 0; i < n; ++i) {
          bool ok = close(one.p[i], want.p[i]) && close(one.s1[i], want.s1[i]) && close(one.s2[i], want.s2[i]) &&
                    close(one.s3[i], want.s3[i]);
          if (!ok) {
            std::fprintf(stderr, "    %s n %lld index %lld: p %.9g vs %.9g\n", c.name, static_cast<long long>(n),
                         static_cast<long long>(i), one.p[i], want.p[i]);
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
    DN_EXPECT(table.optimizer_update(args, &p, &g, &s, nullptr, nullptr, 1, nullptr) == Status::kInvalidArgument);
    args.amsgrad = true;  // amsgrad needs state3
    DN_EXPECT(table.optimizer_update(args, &p, &g, &s, &s, nullptr, 1, nullptr) == Status::kInvalidArgument);
    args.kind = OptimizerKind::kRmsprop;
    args.amsgrad = false;
    args.centered = true;  // centered needs state3
    DN_EXPECT(table.optimizer_update(args, &p, &g, &s, nullptr, nullptr, 1, nullptr) == Status::kInvalidArgument);
    for (OptimizerKind kind : {OptimizerKind::kAdamax, OptimizerKind::kAdadelta, OptimizerKind::kNadam}) {
      args.kind = kind;
      DN_EXPECT(table.optimizer_update(args, &p, &g, &s, nullptr, nullptr, 1, nullptr) == Status::kInvalidArgument);
    }
    DN_EXPECT(p == 1.0f);
  });
}
