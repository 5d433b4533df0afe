// CTC loss: the forward-backward kernel against a brute-force sum over every alignment (loss and gradient),
// the same bits for every thread count, infeasible labellings, and rejected arguments.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "dendrite/ctc.h"
#include "native_test.h"

using namespace dendrite;

namespace {

std::vector<float> RandomLogits(int64_t n, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(n));
  uint64_t state = seed;
  for (float& v : x) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = -3.0f + 6.0f * static_cast<float>((state >> 40) * (1.0 / 16777216.0));
  }
  return x;
}

// -log p(labels) and its gradient over the logits of one sequence [time, classes], by enumerating all
// classes^time alignments in double.
void BruteForce(const float* logits, int64_t time, int64_t classes, const std::vector<int32_t>& labels, int32_t blank,
                double* loss, std::vector<double>* grad) {
  std::vector<double> lp(static_cast<size_t>(time * classes));
  for (int64_t t = 0; t < time; ++t) {
    double m = -1e300, sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) m = std::fmax(m, logits[t * classes + c]);
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(logits[t * classes + c] - m);
    for (int64_t c = 0; c < classes; ++c) lp[t * classes + c] = logits[t * classes + c] - m - std::log(sum);
  }
  std::vector<double> occupancy(static_cast<size_t>(time * classes), 0.0);  // sum of p(path) with path_t = c
  double total = 0.0;
  std::vector<int32_t> path(static_cast<size_t>(time), 0);
  int64_t count = 1;
  for (int64_t t = 0; t < time; ++t) count *= classes;
  for (int64_t index = 0; index < count; ++index) {
    int64_t rest = index;
    for (int64_t t = 0; t < time; ++t) {
      path[t] = static_cast<int32_t>(rest % classes);
      rest /= classes;
    }
    std::vector<int32_t> collapsed;
    for (int64_t t = 0; t < time; ++t) {
      if (path[t] != blank && (t == 0 || path[t] != path[t - 1])) collapsed.push_back(path[t]);
    }
    if (collapsed != labels) continue;
    double log_p = 0.0;
    for (int64_t t = 0; t < time; ++t) log_p += lp[t * classes + path[t]];
    const double p = std::exp(log_p);
    total += p;
    for (int64_t t = 0; t < time; ++t) occupancy[t * classes + path[t]] += p;
  }
  *loss = -std::log(total);
  grad->assign(static_cast<size_t>(time * classes), 0.0);
  for (int64_t i = 0; i < time * classes; ++i) (*grad)[i] = std::exp(lp[i]) - occupancy[i] / total;
}

// -log p(labels) by the forward recursion in log space in double (for inputs too long to enumerate).
double ForwardInDouble(const float* logits, int64_t time, int64_t classes, const std::vector<int32_t>& labels, int32_t blank) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto log_add = [&](double a, double b) {
    if (a < b) std::swap(a, b);
    return b == neg_inf ? a : a + std::log1p(std::exp(b - a));
  };
  const int64_t states = 2 * static_cast<int64_t>(labels.size()) + 1;
  auto label_of = [&](int64_t s) { return (s & 1) == 0 ? blank : labels[s >> 1]; };
  std::vector<double> alpha(states, neg_inf), next(states);
  for (int64_t t = 0; t < time; ++t) {
    double m = -1e300, sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) m = std::fmax(m, logits[t * classes + c]);
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(logits[t * classes + c] - m);
    auto lp = [&](int32_t c) { return logits[t * classes + c] - m - std::log(sum); };
    for (int64_t s = 0; s < states; ++s) {
      double into;
      if (t == 0) {
        into = s < 2 ? 0.0 : neg_inf;
      } else {
        into = alpha[s];
        if (s >= 1) into = log_add(into, alpha[s - 1]);
        if ((s & 1) == 1 && s >= 2 && labels[s >> 1] != labels[(s >> 1) - 1]) into = log_add(into, alpha[s - 2]);
      }
      next[s] = into == neg_inf ? neg_inf : into + lp(label_of(s));
    }
    alpha.swap(next);
  }
  return -(states > 1 ? log_add(alpha[states - 1], alpha[states - 2]) : alpha[0]);
}

bool Near(double got, double want, double tolerance) { return std::fabs(got - want) <= tolerance * (1.0 + std::fabs(want)); }

}  // namespace

DN_TEST(CtcLossAndGradientMatchEveryAlignmentSummed) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(2);
    // Two sequences of 5 steps over 4 classes (blank 0): a repeated label (needs a blank between) and a
    // shorter input length; a third with blank 2 and an empty labelling.
    const int64_t batch = 3, time = 5, classes = 4, max_label = 3;
    const std::vector<float> logits = RandomLogits(batch * time * classes, 11);
    const std::vector<std::vector<int32_t>> labels = {{1, 1, 3}, {2, 3}, {}};
    const std::vector<int32_t> blanks = {0, 0, 2};
    const std::vector<int32_t> input_lengths = {5, 4, 3};
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<int32_t> padded(max_label, 1);
      for (size_t i = 0; i < labels[b].size(); ++i) padded[i] = labels[b][i];
      const int32_t label_length = static_cast<int32_t>(labels[b].size());
      CtcArgs a;
      a.logits = logits.data() + b * time * classes;
      a.labels = padded.data();
      a.input_lengths = &input_lengths[b];
      a.label_lengths = &label_length;
      a.batch = 1, a.time = time, a.classes = classes, a.max_label = max_label;
      a.blank = blanks[b];
      float loss = 0.0f;
      std::vector<float> grad(time * classes, -7.0f);
      a.loss = &loss;
      a.grad = grad.data();
      DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kOk);
      double want = 0.0;
      std::vector<double> want_grad;
      BruteForce(a.logits, input_lengths[b], classes, labels[b], blanks[b], &want, &want_grad);
      DN_EXPECT(Near(loss, want, 1e-5));
      for (int64_t i = 0; i < time * classes; ++i) {
        const double expected = i < input_lengths[b] * classes ? want_grad[i] : 0.0;
        DN_EXPECT(Near(grad[i], expected, 1e-5));
      }
    }
  });
}

// Probabilities below double's range: the scaled linear-space recursion gives up and the log-space one
// computes the sequence. The blank has logit 1000 at every step and the labels 0, so every alignment of
// "1 2" costs exp(-2000): the ten that emit each label at one step (t1 < t2) dominate, and
// loss = 2000 - log(10); the occupancy of label 1 at step t is the share of those with t1 = t.
// Long inputs (200 steps, 50 labels, logits spread over [-24, 24]): the rescaled recursion keeps the loss to
// float precision, as a log-space recursion in double computes it, and each step's gradient sums to 0.
DN_TEST(CtcLossOfLongSequencesMatchesALogSpaceRecursionInDouble) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(2);
    const int64_t batch = 2, time = 200, classes = 29, max_label = 50;
    std::vector<float> logits = RandomLogits(batch * time * classes, 5);
    for (float& v : logits) v *= 8.0f;
    std::vector<int32_t> labels(batch * max_label);
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = 1 + static_cast<int32_t>((i * 11 + i / 3) % (classes - 1));
    const std::vector<int32_t> input_lengths = {200, 150}, label_lengths = {50, 20};
    CtcArgs a;
    a.logits = logits.data();
    a.labels = labels.data();
    a.input_lengths = input_lengths.data();
    a.label_lengths = label_lengths.data();
    a.batch = batch, a.time = time, a.classes = classes, a.max_label = max_label;
    std::vector<float> loss(batch), grad(batch * time * classes);
    a.loss = loss.data();
    a.grad = grad.data();
    DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kOk);
    for (int64_t b = 0; b < batch; ++b) {
      const std::vector<int32_t> row(labels.begin() + b * max_label, labels.begin() + b * max_label + label_lengths[b]);
      DN_EXPECT(Near(loss[b], ForwardInDouble(logits.data() + b * time * classes, input_lengths[b], classes, row, 0), 1e-5));
      for (int64_t t = 0; t < input_lengths[b]; ++t) {
        double sum = 0.0;
        for (int64_t c = 0; c < classes; ++c) sum += grad[(b * time + t) * classes + c];
        DN_EXPECT(Near(sum, 0.0, 1e-5));
      }
    }
  });
}

DN_TEST(CtcLossBelowDoublesRangeFallsBackToLogSpace) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(1);
    const int64_t time = 5, classes = 4;
    std::vector<float> logits(time * classes, 0.0f);
    for (int64_t t = 0; t < time; ++t) logits[t * classes] = 1000.0f;
    const std::vector<int32_t> labels = {1, 2};
    const int32_t input_length = 5, label_length = 2;
    CtcArgs a;
    a.logits = logits.data();
    a.labels = labels.data();
    a.input_lengths = &input_length;
    a.label_lengths = &label_length;
    a.batch = 1, a.time = time, a.classes = classes, a.max_label = 2;
    float loss = 0.0f;
    std::vector<float> grad(time * classes, -7.0f);
    a.loss = &loss;
    a.grad = grad.data();
    DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kOk);
    DN_EXPECT(Near(loss, 2000.0 - std::log(10.0), 1e-6));
    const double first_label_share[5] = {0.4, 0.3, 0.2, 0.1, 0.0};
    for (int64_t t = 0; t < time; ++t) {
      DN_EXPECT(Near(grad[t * classes + 1], -first_label_share[t], 1e-4));
      DN_EXPECT(Near(grad[t * classes + 3], 0.0, 1e-6));
      double row = 0.0;
      for (int64_t c = 0; c < classes; ++c) row += grad[t * classes + c];
      DN_EXPECT(Near(row, 0.0, 1e-4));
    }
  });
}

DN_TEST(CtcLossIsTheSameForEveryThreadCount) {
  test::ForEachIsa([](const KernelTable& kernels) {
    const int64_t batch = 7, time = 30, classes = 6, max_label = 8;
    const std::vector<float> logits = RandomLogits(batch * time * classes, 5);
    std::vector<int32_t> labels(batch * max_label);
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = 1 + static_cast<int32_t>((i * 7) % (classes - 1));
    const std::vector<int32_t> input_lengths = {30, 29, 17, 30, 1, 0, 25};
    const std::vector<int32_t> label_lengths = {8, 3, 8, 0, 1, 0, 5};
    const std::vector<float> scale = {1.0f, 0.5f, 2.0f, 1.0f, 1.0f, 1.0f, 0.25f};
    std::vector<float> first_loss, first_grad;
    for (int threads : {1, 2, 3, 7}) {
      ThreadPool pool(threads);
      CtcArgs a;
      a.logits = logits.data(), a.labels = labels.data();
      a.input_lengths = input_lengths.data(), a.label_lengths = label_lengths.data();
      a.batch = batch, a.time = time, a.classes = classes, a.max_label = max_label;
      std::vector<float> loss(batch), grad(batch * time * classes);
      a.loss = loss.data(), a.grad = grad.data(), a.grad_scale = scale.data();
      DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kOk);
      for (float v : loss) DN_EXPECT(std::isfinite(v));
      if (first_loss.empty()) {
        first_loss = loss, first_grad = grad;
        continue;
      }
      DN_EXPECT(std::memcmp(loss.data(), first_loss.data(), loss.size() * sizeof(float)) == 0);
      DN_EXPECT(std::memcmp(grad.data(), first_grad.data(), grad.size() * sizeof(float)) == 0);
    }
  });
}

DN_TEST(CtcLossOfAnInfeasibleLabellingIsInfinityOrZero) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(1);
    // Labels 1, 1 need 3 steps (1, blank, 1); 2 are given.
    const std::vector<float> logits = RandomLogits(2 * 3, 3);
    const std::vector<int32_t> labels = {1, 1};
    const int32_t input_length = 2, label_length = 2;
    for (bool zero_infinity : {false, true}) {
      CtcArgs a;
      a.logits = logits.data(), a.labels = labels.data();
      a.input_lengths = &input_length, a.label_lengths = &label_length;
      a.batch = 1, a.time = 2, a.classes = 3, a.max_label = 2, a.zero_infinity = zero_infinity;
      float loss = 0.0f;
      std::vector<float> grad(6, 5.0f);
      a.loss = &loss, a.grad = grad.data();
      DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kOk);
      if (zero_infinity) {
        DN_EXPECT(loss == 0.0f);
        for (float g : grad) DN_EXPECT(g == 0.0f);
      } else {
        DN_EXPECT(loss == std::numeric_limits<float>::infinity());
        for (float g : grad) DN_EXPECT(std::isnan(g));
      }
    }
  });
}

DN_TEST(CtcLossRejectsBadLabelsAndLengthsBeforeWriting) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(2);
    const std::vector<float> logits = RandomLogits(2 * 4 * 3, 9);
    struct Case {
      std::vector<int32_t> labels, input_lengths, label_lengths;
      int32_t blank;
    };
    const Case cases[] = {
        {{1, 0, 2, 1}, {4, 4}, {2, 2}, 0},   // a blank among the labels
        {{1, 3, 2, 1}, {4, 4}, {2, 2}, 0},   // a class out of range
        {{1, -1, 2, 1}, {4, 4}, {2, 2}, 0},  // a negative label
        {{1, 2, 2, 1}, {5, 4}, {2, 2}, 0},   // an input length past the logits
        {{1, 2, 2, 1}, {4, -1}, {2, 2}, 0},  // a negative input length
        {{1, 2, 2, 1}, {4, 4}, {2, 3}, 0},   // a label length past the labels
        {{1, 2, 2, 1}, {4, 4}, {2, 2}, 3},   // a blank out of range
    };
    for (const Case& c : cases) {
      CtcArgs a;
      a.logits = logits.data(), a.labels = c.labels.data();
      a.input_lengths = c.input_lengths.data(), a.label_lengths = c.label_lengths.data();
      a.batch = 2, a.time = 4, a.classes = 3, a.max_label = 2, a.blank = c.blank;
      std::vector<float> loss(2, 42.0f);
      a.loss = loss.data();
      DN_EXPECT(CtcLoss(kernels, &pool, a) == Status::kInvalidArgument);
      DN_EXPECT(loss[0] == 42.0f && loss[1] == 42.0f);
    }
  });
}
