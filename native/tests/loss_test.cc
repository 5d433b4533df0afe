// Softmax, cross-entropy and regression-loss kernels: the reference against double-precision formulas,
// every ISA against the reference, on edge sizes (lane multiples +-1), large logits and -inf entries.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "native_test.h"

using namespace dendrite;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Random {
  uint64_t state;
  float Uniform(float low, float high) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return low + (high - low) * static_cast<float>((state >> 40) * (1.0 / 16777216.0));
  }
};

// |a - b| <= abs + rel * |b|, NaN only against NaN, equal infinities.
bool Close(double a, double b, double abs, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= abs + rel * std::fabs(b);
}

bool AllClose(const std::vector<float>& got, const std::vector<float>& want, double abs, double rel) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (!Close(got[i], want[i], abs, rel)) {
      std::fprintf(stderr, "    index %zu: got %.9g, want %.9g\n", i, got[i], want[i]);
      return false;
    }
  }
  return true;
}

const int64_t kColumns[] = {1, 2, 7, 8, 15, 16, 17, 31, 33, 100};

std::vector<float> Logits(Random& random, int64_t rows, int64_t cols, int variant) {
  std::vector<float> x(rows * cols);
  for (float& v : x) v = random.Uniform(-6.0f, 6.0f);
  if (variant == 1) {
    for (float& v : x) v *= 2000.0f;  // +-1e4: exp would overflow without the max shift
  } else if (variant == 2) {
    for (int64_t i = 0; i < rows * cols; i += 3) x[i] = -kInf;  // masked entries
    for (int64_t r = 0; r < rows; ++r) x[r * cols + cols - 1] = 1.0f;  // keep every row finite somewhere
  }
  return x;
}

}  // namespace

DN_TEST(SoftmaxReferenceMatchesDoubleFormula) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  Random random{1};
  for (int64_t cols : kColumns) {
    for (int variant = 0; variant < 3; ++variant) {
      int64_t rows = 3;
      std::vector<float> x = Logits(random, rows, cols, variant);
      for (bool log : {false, true}) {
        std::vector<float> y(x.size()), want(x.size());
        for (int64_t r = 0; r < rows; ++r) {
          double max = -INFINITY, sum = 0.0;
          for (int64_t c = 0; c < cols; ++c) max = std::fmax(max, x[r * cols + c]);
          for (int64_t c = 0; c < cols; ++c) sum += std::exp(double(x[r * cols + c]) - max);
          for (int64_t c = 0; c < cols; ++c) {
            double shifted = double(x[r * cols + c]) - max;
            want[r * cols + c] = static_cast<float>(log ? shifted - std::log(sum) : std::exp(shifted) / sum);
          }
        }
        DN_EXPECT(ref.softmax(x.data(), y.data(), rows, cols, log) == Status::kOk);
        // Tolerance: softmax 1e-6 absolute + 1e-6 relative; log-softmax 2e-6 relative (of values up to 2e4).
        DN_EXPECT(AllClose(y, want, log ? 1e-5 : 1e-6, log ? 2e-6 : 1e-6));
      }
    }
  }
}

DN_TEST(SoftmaxAllMinusInfinityRowIsNan) {
  test::ForEachIsa([&](const KernelTable& table) {
    std::vector<float> x = {-kInf, -kInf, -kInf, 0.0f, 1.0f, -kInf};
    std::vector<float> y(6);
    DN_EXPECT(table.softmax(x.data(), y.data(), 2, 3, false) == Status::kOk);
    DN_EXPECT(std::isnan(y[0]) && std::isnan(y[1]) && std::isnan(y[2]));
    DN_EXPECT(Close(y[3], 1.0 / (1.0 + std::exp(1.0)), 1e-7, 1e-6) && y[5] == 0.0f);
  });
}

DN_TEST(SoftmaxEveryIsaMatchesReference) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  Random random{2};
  for (int64_t cols : kColumns) {
    for (int variant = 0; variant < 3; ++variant) {
      int64_t rows = 4;
      std::vector<float> x = Logits(random, rows, cols, variant);
      std::vector<float> dy(x.size());
      for (float& v : dy) v = random.Uniform(-1.0f, 1.0f);
      for (bool log : {false, true}) {
        std::vector<float> y_ref(x.size()), dx_ref(x.size());
        ref.softmax(x.data(), y_ref.data(), rows, cols, log);
        ref.softmax_grad(y_ref.data(), dy.data(), dx_ref.data(), rows, cols, log);
        test::ForEachIsa([&](const KernelTable& table) {
          std::vector<float> y(x.size()), dx(x.size());
          DN_EXPECT(table.softmax(x.data(), y.data(), rows, cols, log) == Status::kOk);
          DN_EXPECT(AllClose(y, y_ref, log ? 1e-5 : 1e-6, 4e-6));
          DN_EXPECT(table.softmax_grad(y_ref.data(), dy.data(), dx.data(), rows, cols, log) == Status::kOk);
          DN_EXPECT(AllClose(dx, dx_ref, 1e-6, 1e-5));
          // In place (y aliases x) gives the same result.
          std::vector<float> inplace = x;
          table.softmax(inplace.data(), inplace.data(), rows, cols, log);
          DN_EXPECT(AllClose(inplace, y, 0.0, 0.0));
        });
      }
    }
  }
}

DN_TEST(SoftmaxCrossEntropyMatchesDoubleFormulaOnEveryIsa) {
  Random random{3};
  for (int64_t cols : kColumns) {
    for (int variant = 0; variant < 3; ++variant) {
      int64_t rows = 5;
      std::vector<float> x = Logits(random, rows, cols, variant);
      std::vector<int32_t> labels(rows);
      std::vector<float> probs(x.size(), 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        labels[r] = static_cast<int32_t>(r * 7 % cols);
        if (variant == 2) labels[r] = static_cast<int32_t>(cols - 1);  // a finite logit
        // Soft targets on finite logits only (t = 0 on -inf entries contributes nothing).
        double total = 0.0;
        for (int64_t c = 0; c < cols; ++c) {
          float t = std::isinf(x[r * cols + c]) ? 0.0f : random.Uniform(0.0f, 1.0f);
          probs[r * cols + c] = t;
          total += t;
        }
        for (int64_t c = 0; c < cols; ++c) probs[r * cols + c] = static_cast<float>(probs[r * cols + c] / total);
      }
      const float grad_scale = 0.25f;
      for (bool use_labels : {true, false}) {
        std::vector<float> want_loss(rows), want_grad(x.size());
        for (int64_t r = 0; r < rows; ++r) {
          double max = -INFINITY, sum = 0.0;
          for (int64_t c = 0; c < cols; ++c) max = std::fmax(max, x[r * cols + c]);
          for (int64_t c = 0; c < cols; ++c) sum += std::exp(double(x[r * cols + c]) - max);
          double loss = 0.0;
          for (int64_t c = 0; c < cols; ++c) {
            double t = use_labels ? (c == labels[r] ? 1.0 : 0.0) : probs[r * cols + c];
            double log_p = double(x[r * cols + c]) - max - std::log(sum);
            if (t != 0.0) loss -= t * log_p;
            want_grad[r * cols + c] = static_cast<float>((std::exp(log_p) - t) * grad_scale);
          }
          want_loss[r] = static_cast<float>(loss);
        }
        test::ForEachIsa([&](const KernelTable& table) {
          std::vector<float> loss(rows), grad(x.size());
          Status status = table.softmax_cross_entropy(x.data(), use_labels ? labels.data() : nullptr,
                                                      use_labels ? nullptr : probs.data(), rows, cols, loss.data(),
                                                      grad.data(), grad_scale);
          DN_EXPECT(status == Status::kOk);
          // Tolerance: loss 1e-5 absolute + 1e-5 relative (float sums), grad 1e-6 absolute.
          DN_EXPECT(AllClose(loss, want_loss, 1e-5, 1e-5));
          DN_EXPECT(AllClose(grad, want_grad, 1e-6, 1e-5));
          // grad may alias logits; the loss alone needs no grad buffer.
          std::vector<float> inplace = x, loss_only(rows);
          table.softmax_cross_entropy(inplace.data(), use_labels ? labels.data() : nullptr,
                                      use_labels ? nullptr : probs.data(), rows, cols, loss.data(), inplace.data(),
                                      grad_scale);
          DN_EXPECT(AllClose(inplace, grad, 0.0, 0.0));
          table.softmax_cross_entropy(x.data(), use_labels ? labels.data() : nullptr,
                                      use_labels ? nullptr : probs.data(), rows, cols, loss_only.data(), nullptr,
                                      grad_scale);
          DN_EXPECT(AllClose(loss_only, loss, 0.0, 0.0));
        });
      }
    }
  }
}

DN_TEST(SigmoidCrossEntropyMatchesDoubleFormulaOnEveryIsa) {
  Random random{4};
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 200}) {
    std::vector<float> x(n), t(n), want_loss(n), want_grad(n);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = random.Uniform(-20.0f, 20.0f);
      if (i % 5 == 0) x[i] *= 100.0f;
      if (i % 7 == 0) x[i] *= 1e-6f;
      t[i] = i % 3 == 0 ? random.Uniform(0.0f, 1.0f) : static_cast<float>(i % 2);
      double xd = x[i];
      want_loss[i] = static_cast<float>(std::fmax(xd, 0.0) - xd * t[i] + std::log1p(std::exp(-std::fabs(xd))));
      want_grad[i] = static_cast<float>((1.0 / (1.0 + std::exp(-xd)) - t[i]) * 0.5);
    }
    test::ForEachIsa([&](const KernelTable& table) {
      std::vector<float> loss(n), grad(n);
      DN_EXPECT(table.sigmoid_cross_entropy(x.data(), t.data(), n, loss.data(), grad.data(), 0.5f) == Status::kOk);
      // Tolerance: 1e-6 absolute + 2e-6 relative.
      DN_EXPECT(AllClose(loss, want_loss, 1e-6, 2e-6));
      DN_EXPECT(AllClose(grad, want_grad, 1e-7, 2e-6));
    });
  }
}

DN_TEST(RegressionLossMatchesDoubleFormulaOnEveryIsa) {
  Random random{5};
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 1000}) {
    std::vector<float> pred(n), target(n);
    for (int64_t i = 0; i < n; ++i) {
      pred[i] = random.Uniform(-3.0f, 3.0f);
      target[i] = i % 4 == 0 ? pred[i] : random.Uniform(-3.0f, 3.0f);  // some exact zeros of the difference
    }
    for (LossKind kind : {LossKind::kMse, LossKind::kMae, LossKind::kHuber}) {
      const float delta = 1.5f, scale = 0.125f;
      double want_sum = 0.0;
      std::vector<float> want_grad(n);
      for (int64_t i = 0; i < n; ++i) {
        double d = double(pred[i] - target[i]);
        double sign = d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
        if (kind == LossKind::kMse) {
          want_sum += d * d;
          want_grad[i] = static_cast<float>(2 * d * scale);
        } else if (kind == LossKind::kMae) {
          want_sum += std::fabs(d);
          want_grad[i] = static_cast<float>(sign * scale);
        } else {
          bool quadratic = std::fabs(d) <= delta;
          want_sum += quadratic ? 0.5 * d * d : delta * std::fabs(d) - 0.5 * delta * delta;
          want_grad[i] = static_cast<float>((quadratic ? d : delta * sign) * scale);
        }
      }
      test::ForEachIsa([&](const KernelTable& table) {
        std::vector<float> grad(n);
        double sum = -1.0;
        DN_EXPECT(table.regression_loss(kind, delta, pred.data(), target.data(), n, &sum, grad.data(), scale) ==
                  Status::kOk);
        // Tolerance: the sum 1e-12 relative (double accumulation); gradients are exact float products.
        DN_EXPECT(Close(sum, want_sum, 1e-12, 1e-12));
        DN_EXPECT(AllClose(grad, want_grad, 0.0, 0.0));
        double again = -1.0;
        table.regression_loss(kind, delta, pred.data(), target.data(), n, &again, nullptr, scale);
        DN_EXPECT(again == sum);  // deterministic, and the gradient is optional
      });
    }
  }
}

#if defined(__linux__)
namespace {

// `count` floats that end exactly where an inaccessible page begins: any read or write past the end
// (a tail handled without a mask) crashes the test binary.
class GuardedFloats {
 public:
  explicit GuardedFloats(int64_t count) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t bytes = static_cast<size_t>(count) * sizeof(float);
    size_t data_pages = (bytes + page - 1) / page;
    size_ = (data_pages + 1) * page;
    void* base = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base_ = static_cast<char*>(base);
    mprotect(base_ + data_pages * page, page, PROT_NONE);
    data_ = reinterpret_cast<float*>(base_ + data_pages * page - bytes);
    for (int64_t i = 0; i < count; ++i) data_[i] = 0.25f * static_cast<float>((i * 13) % 17) - 2.0f;
  }
  ~GuardedFloats() { munmap(base_, size_); }
  GuardedFloats(const GuardedFloats&) = delete;
  GuardedFloats& operator=(const GuardedFloats&) = delete;
  float* get() { return data_; }
  int32_t* ints() { return reinterpret_cast<int32_t*>(data_); }

 private:
  char* base_ = nullptr;
  size_t size_ = 0;
  float* data_ = nullptr;
};

}  // namespace

DN_TEST(LossReduceAndOptimizerKernelsStayInsideTheirBuffers) {
  for (int64_t rows : {1, 3}) {
    for (int64_t cols : {1, 3, 15, 17, 33}) {
      int64_t size = rows * cols;
      test::ForEachIsa([&](const KernelTable& table) {
        GuardedFloats x(size), y(size), dy(size), grad(size), probs(size), loss(rows), labels(rows), out(size);
        for (int64_t r = 0; r < rows; ++r) labels.ints()[r] = static_cast<int32_t>(r % cols);
        for (bool log : {false, true}) {
          DN_EXPECT(table.softmax(x.get(), y.get(), rows, cols, log) == Status::kOk);
          DN_EXPECT(table.softmax_grad(y.get(), dy.get(), grad.get(), rows, cols, log) == Status::kOk);
        }
        DN_EXPECT(table.softmax_cross_entropy(x.get(), labels.ints(), nullptr, rows, cols, loss.get(), grad.get(), 1.0f) ==
                  Status::kOk);
        DN_EXPECT(table.softmax_cross_entropy(x.get(), nullptr, probs.get(), rows, cols, loss.get(), grad.get(), 1.0f) ==
                  Status::kOk);
        DN_EXPECT(table.sigmoid_cross_entropy(x.get(), probs.get(), size, y.get(), grad.get(), 1.0f) == Status::kOk);
        double sum = 0.0;
        for (LossKind kind : {LossKind::kMse, LossKind::kMae, LossKind::kHuber}) {
          DN_EXPECT(table.regression_loss(kind, 1.0f, x.get(), y.get(), size, &sum, grad.get(), 1.0f) == Status::kOk);
        }
        for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin}) {
          DN_EXPECT(table.reduce(op, x.get(), 1, rows, cols, out.get()) == Status::kOk);  // strided
          DN_EXPECT(table.reduce(op, x.get(), rows, cols, 1, out.get() + size - rows) == Status::kOk);  // contiguous
        }
        DN_EXPECT(table.argmax(x.get(), 1, rows, cols, out.ints() + size - cols) == Status::kOk);
        DN_EXPECT(table.argmax(x.get(), rows, cols, 1, out.ints() + size - rows) == Status::kOk);
        DN_EXPECT(table.column_sum(x.get(), rows, cols, out.get() + size - cols, true) == Status::kOk);
        for (int32_t code = 0; code < kOptimizerCount; ++code) {
          OptimizerArgs args;
          args.kind = static_cast<OptimizerKind>(code);
          args.momentum = 0.9f;
          // Every rule with every state it can keep (amsgrad and centered use state3).
          args.amsgrad = args.kind == OptimizerKind::kAdam;
          args.centered = args.kind == OptimizerKind::kRmsprop;
          GuardedFloats param(size), state1(size), state2(size), state3(size);
          for (int64_t i = 0; i < size; ++i) state1.get()[i] = state2.get()[i] = state3.get()[i] = 0.5f;
          DN_EXPECT(table.optimizer_update(args, param.get(), dy.get(), state1.get(), state2.get(), state3.get(), size,
                                           nullptr) == Status::kOk);
        }
      });
    }
  }
}
#endif
