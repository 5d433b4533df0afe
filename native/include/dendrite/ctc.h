// Connectionist temporal classification (Graves et al. 2006): the negative log-likelihood of each
// labelling under per-step class distributions, and its exact gradient with respect to the logits.
//
// For sequence b, with T = input_lengths[b] steps, L = label_lengths[b] labels and the extended
// labelling l' = (blank, l1, blank, l2, ..., lL, blank) of S = 2L + 1 states, the forward variables
//   alpha_t(s) = log sum over the prefixes of alignments that are in state s at step t
// and the backward variables beta_t(s) (the suffixes from state s at step t), both including the
// log-probability of step t, give
//   loss_b = -log p(l | x) = -logsumexp(alpha_{T-1}(S-1), alpha_{T-1}(S-2))
//   d loss_b / d logit[t, c] = softmax[t, c] - exp(logsumexp_{s: l'_s = c}(alpha_t(s) + beta_t(s)) - lp[t, c] + loss_b)
// with lp the log-softmax of the logits (taken here: the caller passes raw logits). Steps t >= T get a
// zero gradient. The recursion runs in linear space in double, each step's variables rescaled to sum to 1
// (a multiply-add per state; the occupancies come out as ratios, with no exp or log per state); when a
// step's sum is 0 (an infeasible labelling, or probabilities below double's range) the sequence is
// computed again in log space (float), which is exact for every input, so long inputs never underflow.
//
// A labelling that no alignment of T steps produces (L plus its adjacent repeats exceeds T) has
// probability 0: its loss is +inf and its gradient NaN, or 0 and 0 with zero_infinity (PyTorch's
// ctc_loss). Labels must be class indices other than the blank: the kernel returns kInvalidArgument
// otherwise, before writing anything.
//
// The batch is split over the thread pool, one sequence per unit; each sequence is computed by the
// same code whatever thread runs it, so the results do not depend on the thread count. The recursion
// itself is scalar code shared by every ISA (each state reads a data-dependent label); the log-softmax
// of each sequence's steps goes through the kernel table's (SIMD) softmax.
#pragma once

#include <cstdint>

#include "dendrite/kernels.h"
#include "dendrite/thread_pool.h"

namespace dendrite {

struct CtcArgs {
  const float* logits = nullptr;         // [batch, time, classes]
  const int32_t* labels = nullptr;       // [batch, max_label], row b's first label_lengths[b] entries used
  const int32_t* input_lengths = nullptr;  // [batch], each in [0, time]
  const int32_t* label_lengths = nullptr;  // [batch], each in [0, max_label]
  int64_t batch = 0, time = 0, classes = 0, max_label = 0;
  int32_t blank = 0;
  bool zero_infinity = false;
  float* loss = nullptr;                 // [batch]: -log p(labels_b | logits_b)
  float* grad = nullptr;                 // [batch, time, classes] or null: d loss_b / d logits_b, times grad_scale[b]
  const float* grad_scale = nullptr;     // [batch] or null (1 for every sequence)
};

// Scratch floats one sequence needs (log-probabilities, then the probabilities, alpha, beta and
// per-class sums in double, or the log-space recursion's float alpha, beta and sums), or -1 when the sizes
// overflow.
int64_t CtcScratchFloats(int64_t time, int64_t classes, int64_t max_label);

// Checks every size, length and label; then computes the losses (and gradient) of the whole batch.
Status CtcLoss(const KernelTable& kernels, ThreadPool* pool, const CtcArgs& args);

namespace ref {

// One sequence: logits [time, classes] (only the first input_length steps are read), its labels, its
// loss and gradient rows ([time, classes], or null). `scratch` holds CtcScratchFloats(input_length,
// classes, label_length) floats, 8-byte aligned. The log-softmax is computed with `kernels.softmax`.
void CtcSequence(const KernelTable& kernels, const float* logits, int64_t classes, int64_t time,
                 int64_t input_length, const int32_t* labels, int64_t label_length, int32_t blank,
                 bool zero_infinity, float grad_scale, float* scratch, float* loss, float* grad);

// CtcScratchFloats without the overflow checks.
int64_t CtcSequenceScratchFloats(int64_t time, int64_t classes, int64_t max_label);

}  // namespace ref

}  // namespace dendrite
