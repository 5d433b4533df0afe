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

// The extended labelling (blank, l1, blank, l2, ..., lL, blank) of one sequence.
struct Extended {
  const int32_t* labels;
  int32_t blank;
  // Label of state s: the blank at even s, label (s - 1) / 2 at odd s.
  int32_t LabelOf(int64_t s) const { return (s & 1) == 0 ? blank : labels[s >> 1]; }
  // Whether state s may be entered from s - 2 (skipping a blank): a label differing from the previous one.
  bool CanSkip(int64_t s) const { return (s & 1) == 1 && s >= 2 && labels[s >> 1] != labels[(s >> 1) - 1]; }
};

// The states of step t that the start reaches and from which the end stays reachable (the lattice's
// band); the others have probability 0.
inline int64_t BandFirst(int64_t states, int64_t t_len, int64_t t) { return std::max<int64_t>(0, states - 2 * (t_len - t)); }
inline int64_t BandLast(int64_t states, int64_t t) { return std::min<int64_t>(states, 2 * (t + 1)); }

// Offset in floats of the double-precision work area behind the log-probabilities (8-byte aligned).
inline int64_t ScaledWorkOffset(int64_t t_len, int64_t classes) { return (t_len * classes + 1) & ~int64_t{1}; }

// The recursion in linear space, in double, each step's forward and backward variables rescaled to sum
// to 1 (Rabiner's scaling, which Graves et al. use): a multiply-add per state instead of log-sum-exps,
// and the occupancies come out as ratios. Returns false when a step's sum is 0 (an infeasible
// labelling, or probabilities below double's range): the caller then runs the log-space recursion, which
// is exact for every input. `lp` holds the log-softmax of the t_len >= 1 steps.
bool ScaledSequence(const float* lp, int64_t classes, int64_t time, int64_t t_len, const Extended& ext,
                    int64_t label_length, float grad_scale, double* work, float* loss, float* grad) {
  const int64_t states = 2 * label_length + 1;
  double* prob = work;                       // [t_len, classes]
  double* alpha = prob + t_len * classes;    // [t_len, states], each step sums to 1
  double* beta = alpha + t_len * states;     // [t_len, states]: the suffixes after step t, each step sums to 1
  double* class_sum = beta + t_len * states; // [classes]
  for (int64_t i = 0; i < t_len * classes; ++i) prob[i] = std::exp(static_cast<double>(lp[i]));

  // Forward: log p(l | x) = sum over steps of log(step sum) + log(the final states' share).
  double log_likelihood = 0.0;
  for (int64_t s = 0; s < states; ++s) alpha[s] = 0.0;
  alpha[0] = prob[ext.blank];
  if (states > 1) alpha[1] = prob[ext.LabelOf(1)];
  double sum = alpha[0] + (states > 1 ? alpha[1] : 0.0);
  if (!(sum > 0.0)) return false;
  for (int64_t s = 0; s < states; ++s) alpha[s] /= sum;
  log_likelihood += std::log(sum);
  for (int64_t t = 1; t < t_len; ++t) {
    const double* prev = alpha + (t - 1) * states;
    double* cur = alpha + t * states;
    const double* p_t = prob + t * classes;
    const int64_t first = BandFirst(states, t_len, t), last = BandLast(states, t);
    for (int64_t s = 0; s < states; ++s) cur[s] = 0.0;
    sum = 0.0;
    for (int64_t s = first; s < last; ++s) {
      double into = prev[s];
      if (s >= 1) into += prev[s - 1];
      if (ext.CanSkip(s)) into += prev[s - 2];
      cur[s] = into * p_t[ext.LabelOf(s)];
      sum += cur[s];
    }
    if (!(sum > 0.0)) return false;
    for (int64_t s = first; s < last; ++s) cur[s] /= sum;
    log_likelihood += std::log(sum);
  }
  const double* end = alpha + (t_len - 1) * states;
  const double final_share = end[states - 1] + (states > 1 ? end[states - 2] : 0.0);
  if (!(final_share > 0.0)) return false;
  log_likelihood += std::log(final_share);

  if (grad != nullptr) {
    // Backward: the suffixes after step t (step t's own probability excluded), so alpha_t(s) beta_t(s) is
    // proportional to the probability of the alignments through state s at step t.
    double* tail = beta + (t_len - 1) * states;
    for (int64_t s = 0; s < states; ++s) tail[s] = 0.0;
    tail[states - 1] = 1.0;
    if (states > 1) tail[states - 2] = 1.0;
    for (int64_t t = t_len - 2; t >= 0; --t) {
      const double* next = beta + (t + 1) * states;
      double* cur = beta + t * states;
      const double* p_next = prob + (t + 1) * classes;
      const int64_t first = BandFirst(states, t_len, t), last = BandLast(states, t);
      for (int64_t s = 0; s < states; ++s) cur[s] = 0.0;
      sum = 0.0;
      for (int64_t s = first; s < last; ++s) {
        double out = next[s] * p_next[ext.LabelOf(s)];
        if (s + 1 < states) out += next[s + 1] * p_next[ext.LabelOf(s + 1)];
        if (s + 2 < states && ext.CanSkip(s + 2)) out += next[s + 2] * p_next[ext.LabelOf(s + 2)];
        cur[s] = out;
        sum += out;
      }
      if (!(sum > 0.0)) return false;
      for (int64_t s = first; s < last; ++s) cur[s] /= sum;
    }
    // d loss / d logit[t, c] = softmax[t, c] - (share of step t's alignments in a state labelled c).
    for (int64_t t = 0; t < t_len; ++t) {
      const double* a_t = alpha + t * states;
      const double* b_t = beta + t * states;
      for (int64_t c = 0; c < classes; ++c) class_sum[c] = 0.0;
      double total = 0.0;
      for (int64_t s = 0; s < states; ++s) {
        const double ab = a_t[s] * b_t[s];
        class_sum[ext.LabelOf(s)] += ab;
        total += ab;
      }
      if (!(total > 0.0)) return false;
      const double* p_t = prob + t * classes;
      float* g_t = grad + t * classes;
      for (int64_t c = 0; c < classes; ++c) g_t[c] = static_cast<float>((p_t[c] - class_sum[c] / total) * grad_scale);
    }
    // Steps past the input length take no part in the loss.
    for (int64_t i = t_len * classes; i < time * classes; ++i) grad[i] = 0.0f;
  }
  *loss = static_cast<float>(-log_likelihood);
  return true;
}

// The recursion in log space (float): exact for any input, including infeasible labellings.
void LogSpaceSequence(const float* lp, int64_t classes, int64_t time, int64_t t_len, const Extended& ext,
                      int64_t label_length, bool zero_infinity, float grad_scale, float* work, float* loss,
                      float* grad) {
  const int64_t states = 2 * label_length + 1;
  auto label_of = [&](int64_t s) -> int32_t { return ext.LabelOf(s); };
  auto can_skip = [&](int64_t s) -> bool { return ext.CanSkip(s); };
  float* alpha = work;                       // [t_len, states]
  float* beta = alpha + t_len * states;     // [t_len, states]
  float* class_sum = beta + t_len * states; // [classes]
  float* class_max = class_sum + classes;   // [classes]

  float log_likelihood;
  if (t_len == 0) {
    // No step: only the empty labelling is produced (with probability 1).
    log_likelihood = label_length == 0 ? 0.0f : kNegInf;
  } else {
    for (int64_t s = 0; s < states; ++s) alpha[s] = kNegInf;
    alpha[0] = lp[ext.blank];
    if (states > 1) alpha[1] = lp[label_of(1)];
    for (int64_t t = 1; t < t_len; ++t) {
      const float* prev = alpha + (t - 1) * states;
      float* cur = alpha + t * states;
      const float* lp_t = lp + t * classes;
      // Only the states the start can reach by step t and from which the end stays reachable are
      // visited (the lattice's band); the others stay -inf, which saves their exps and logs.
      const int64_t first = BandFirst(states, t_len, t);
      const int64_t last = BandLast(states, t);
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
  last[states - 1] = lp[(t_len - 1) * classes + ext.blank];
  if (states > 1) last[states - 2] = lp[(t_len - 1) * classes + label_of(states - 2)];
  for (int64_t t = t_len - 2; t >= 0; --t) {
    const float* next = beta + (t + 1) * states;
    float* cur = beta + t * states;
    const float* lp_t = lp + t * classes;
    const int64_t first = BandFirst(states, t_len, t);
    const int64_t last = BandLast(states, t);
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
    // Per class, sum exp(alpha + beta - m_c) in linear space, m_c the class's largest alpha + beta at this
    // step (its largest term is 1: none overflows, and a class far below the others keeps its share),
    // then one log per class instead of one per state.
    for (int64_t c = 0; c < classes; ++c) {
      class_sum[c] = 0.0f;
      class_max[c] = kNegInf;
    }
    for (int64_t s = 0; s < states; ++s) class_max[label_of(s)] = std::max(class_max[label_of(s)], a_t[s] + b_t[s]);
    for (int64_t s = 0; s < states; ++s) {
      const float ab = a_t[s] + b_t[s];
      if (ab != kNegInf) class_sum[label_of(s)] += std::exp(ab - class_max[label_of(s)]);
    }
    float* g_t = grad + t * classes;
    for (int64_t c = 0; c < classes; ++c) {
      const float p = std::exp(lp_t[c]);
      const float occupancy = class_sum[c] == 0.0f ? 0.0f : std::exp(std::log(class_sum[c]) + class_max[c] + nll - lp_t[c]);
      g_t[c] = (p - occupancy) * grad_scale;
    }
  }
}

}  // namespace

void CtcSequence(const KernelTable& kernels, const float* logits, int64_t classes, int64_t time,
                 int64_t input_length, const int32_t* labels, int64_t label_length, int32_t blank,
                 bool zero_infinity, float grad_scale, float* scratch, float* loss, float* grad) {
  const Extended ext{labels, blank};
  float* lp = scratch;  // [input_length, classes]
  if (input_length > 0) {
    kernels.softmax(logits, lp, input_length, classes, true);
    double* work = reinterpret_cast<double*>(scratch + ScaledWorkOffset(input_length, classes));
    if (ScaledSequence(lp, classes, time, input_length, ext, label_length, grad_scale, work, loss, grad)) return;
  }
  LogSpaceSequence(lp, classes, time, input_length, ext, label_length, zero_infinity, grad_scale,
                   scratch + input_length * classes, loss, grad);
}

int64_t CtcSequenceScratchFloats(int64_t time, int64_t classes, int64_t max_label) {
  const int64_t states = 2 * max_label + 1;
  // The log-probabilities, then the larger of the two work areas: doubles (two floats each) for the
  // scaled recursion (probabilities, alpha, beta, class sums), floats for the log-space one (alpha, beta,
  // class sums and maxima).
  return ScaledWorkOffset(time, classes) + 2 * (time * classes + 2 * time * states + classes);
}

}  // namespace dendrite::ref
