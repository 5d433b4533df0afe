// The CTC forward-backward recursion for one sequence, in log space (see dendrite/ctc.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "dendrite/ctc.h"

namespace dendrite::ref {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// log(exp(a) + exp(b)), exact for -inf operands.
float LogAddExp(float a, float b) {
  if (a < b) {
    float t = a;
    a = b;
    b = t;
  }
  if (b == kNegInf) return a;
  return a + std::log1p(std::exp(b - a));
}

// log(exp(a) + exp(b) + exp(c)).
float LogAddExp3(float a, float b, float c) {
  float m = a > b ? a : b;
  m = m > c ? m : c;
  if (m == kNegInf) return kNegInf;
  // exp(-inf) is 0: the -inf terms (unreachable states, no skip) cost no exp.
  float sum = 0.0f;
  if (a != kNegInf) sum += std::exp(a - m);
  if (b != kNegInf) sum += std::exp(b - m);
  if (c != kNegInf) sum += std::exp(c - m);
  return m + std::log(sum);
}

}  // namespace

void CtcSequence(const KernelTable& kernels, const float* logits, int64_t classes, int64_t time,
                 int64_t input_length, const int32_t* labels, int64_t label_length, int32_t blank,
                 bool zero_infinity, float grad_scale, float* scratch, float* loss, float* grad) {
  const int64_t t_len = input_length;
  const int64_t states = 2 * label_length + 1;
  // Extended label of state s: the blank at even s, label (s - 1) / 2 at odd s.
  auto label_of = [&](int64_t s) -> int32_t { return (s & 1) == 0 ? blank : labels[s >> 1]; };
  // Whether state s may be entered from s - 2 (skipping a blank): a label differing from the previous one.
  auto can_skip = [&](int64_t s) -> bool { return (s & 1) == 1 && s >= 2 && labels[s >> 1] != labels[(s >> 1) - 1]; };

  float* lp = scratch;                      // [t_len, classes]
  float* alpha = lp + t_len * classes;      // [t_len, states]
  float* beta = alpha + t_len * states;     // [t_len, states]
  float* class_sum = beta + t_len * states; // [classes]

  float log_likelihood;
  if (t_len == 0) {
    // No step: only the empty labelling is produced (with probability 1).
    log_likelihood = label_length == 0 ? 0.0f : kNegInf;
  } else {
    kernels.softmax(logits, lp, t_len, classes, true);
    for (int64_t s = 0; s < states; ++s) alpha[s] = kNegInf;
    alpha[0] = lp[blank];
    if (states > 1) alpha[1] = lp[label_of(1)];
    for (int64_t t = 1; t < t_len; ++t) {
      const float* prev = alpha + (t - 1) * states;
      float* cur = alpha + t * states;
      const float* lp_t = lp + t * classes;
      // Only the states the start can reach by step t and from which the end stays reachable are
      // visited (the lattice's band); the others stay -inf, which saves their exps and logs.
      const int64_t first = std::max<int64_t>(0, states - 2 * (t_len - t));
      const int64_t last = std::min<int64_t>(states, 2 * (t + 1));
      for (int64_t s = 0; s < first; ++s) cur[s] = kNegInf;
      for (int64_t s = first; s < last; ++s) {
        float a = prev[s];
        float b = s >= 1 ? prev[s - 1] : kNegInf;
        float c = can_skip(s) ? prev[s - 2] : kNegInf;
        float sum = LogAddExp3(a, b, c);
        cur[s] = sum == kNegInf ? kNegInf : sum + lp_t[label_of(s)];
      }
      for (int64_t s = std::max(first, last); s < states; ++s) cur[s] = kNegInf;
    }
    const float* last = alpha + (t_len - 1) * states;
    log_likelihood = states > 1 ? LogAddExp(last[states - 1], last[states - 2]) : last[0];
  }

  const bool infeasible = log_likelihood == kNegInf;
  *loss = infeasible && zero_infinity ? 0.0f : -log_likelihood;
  if (grad == nullptr) return;
  // Steps past the input length take no part in the loss.
  for (int64_t i = t_len * classes; i < time * classes; ++i) grad[i] = 0.0f;
  if (t_len == 0) return;
  if (infeasible) {
    const float value = zero_infinity ? 0.0f : std::numeric_limits<float>::quiet_NaN();
    for (int64_t i = 0; i < t_len * classes; ++i) grad[i] = value;
    return;
  }

  // Backward variables: the suffixes from state s at step t, including step t's probability.
  float* last = beta + (t_len - 1) * states;
  for (int64_t s = 0; s < states; ++s) last[s] = kNegInf;
  last[states - 1] = lp[(t_len - 1) * classes + blank];
  if (states > 1) last[states - 2] = lp[(t_len - 1) * classes + label_of(states - 2)];
  for (int64_t t = t_len - 2; t >= 0; --t) {
    const float* next = beta + (t + 1) * states;
    float* cur = beta + t * states;
    const float* lp_t = lp + t * classes;
    const int64_t first = std::max<int64_t>(0, states - 2 * (t_len - t));
    const int64_t last = std::min<int64_t>(states, 2 * (t + 1));
    for (int64_t s = 0; s < first; ++s) cur[s] = kNegInf;
    for (int64_t s = first; s < last; ++s) {
      float a = next[s];
      float b = s + 1 < states ? next[s + 1] : kNegInf;
      float c = s + 2 < states && can_skip(s + 2) ? next[s + 2] : kNegInf;
      float sum = LogAddExp3(a, b, c);
      cur[s] = sum == kNegInf ? kNegInf : sum + lp_t[label_of(s)];
    }
    for (int64_t s = std::max(first, last); s < states; ++s) cur[s] = kNegInf;
  }

  // d loss / d logit[t, c] = softmax - exp(log sum_{s: l'_s = c} alpha beta - lp + loss).
  const float nll = -log_likelihood;
  for (int64_t t = 0; t < t_len; ++t) {
    const float* a_t = alpha + t * states;
    const float* b_t = beta + t * states;
    const float* lp_t = lp + t * classes;
    // Per class, sum exp(alpha + beta - m) in linear space, m the step's largest alpha + beta (the largest
    // term is 1, none overflows), then one log per class instead of one per state.
    float m = kNegInf;
    for (int64_t s = 0; s < states; ++s) m = std::max(m, a_t[s] + b_t[s]);
    for (int64_t c = 0; c < classes; ++c) class_sum[c] = 0.0f;
    for (int64_t s = 0; s < states; ++s) {
      const float ab = a_t[s] + b_t[s];
      if (ab != kNegInf) class_sum[label_of(s)] += std::exp(ab - m);
    }
    float* g_t = grad + t * classes;
    for (int64_t c = 0; c < classes; ++c) {
      const float p = std::exp(lp_t[c]);
      const float occupancy = class_sum[c] == 0.0f ? 0.0f : std::exp(std::log(class_sum[c]) + m + nll - lp_t[c]);
      g_t[c] = (p - occupancy) * grad_scale;
    }
  }
}

}  // namespace dendrite::ref
