// Reference scaled dot-product attention (AttentionArgs in dendrite/kernels.h): one query row at a time,
// every score of the row in double, then the exact softmax and the weighted sum; the backward pass the
// same way, accumulating the key and value gradients of a (batch, head) problem in double. Memory is
// per row (the row's scores) plus the gradient accumulators: linear in the lengths, like the blocked
// SIMD kernels, which this is the oracle of.
#include <cmath>
#include <limits>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// Offsets of row i of problem (b, h) in a tensor with these strides.
inline int64_t RowOffset(const int64_t* stride, int64_t b, int64_t h, int64_t i) {
  return b * stride[0] + h * stride[1] + i * stride[2];
}

inline bool Allowed(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, int64_t j) {
  if (a.causal && j > i + a.causal_offset) return false;
  if (a.mask == nullptr) return true;
  const int64_t* s = a.mask_stride;
  return a.mask[b * s[0] + h * s[1] + i * s[2] + j * s[3]] != 0.0f;
}

inline double Dot(const float* x, const float* y, int64_t n) {
  double sum = 0.0;
  for (int64_t e = 0; e < n; ++e) sum += static_cast<double>(x[e]) * y[e];
  return sum;
}

// The dropout factor of score (b, h, i, j): 0, or 1 / (1 - rate) for a kept score (1 without dropout).
inline double DropoutFactor(const AttentionArgs& a, uint32_t threshold, int64_t b, int64_t h, int64_t i, int64_t j) {
  if (a.dropout_rate == 0.0f) return 1.0;
  const uint64_t index = static_cast<uint64_t>(((b * a.heads + h) * a.q_len + i) * a.kv_len + j);
  return AttentionKeep(a.dropout_seed, index, threshold) ? 1.0 / (1.0 - static_cast<double>(a.dropout_rate)) : 0.0;
}

// Scores of row i into s (kv_len values, -inf where the row may not attend); returns their maximum.
double RowScores(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, double* s) {
  const float* q = a.q + RowOffset(a.q_stride, b, h, i);
  double max = kMinusInfinity;
  for (int64_t j = 0; j < a.kv_len; ++j) {
    s[j] = Allowed(a, b, h, i, j) ? static_cast<double>(a.scale) * Dot(q, a.k + RowOffset(a.k_stride, b, h, j), a.head_dim)
                                  : kMinusInfinity;
    if (s[j] > max) max = s[j];
  }
  return max;
}

}  // namespace

uint32_t AttentionDropThreshold(float dropout_rate) {
  const double threshold = std::floor(static_cast<double>(dropout_rate) * 4294967296.0);
  return threshold >= 4294967295.0 ? 4294967295u : static_cast<uint32_t>(threshold);
}

bool AttentionKeep(uint64_t seed, uint64_t index, uint32_t threshold) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z >> 32) >= threshold;
}

void AttentionDropoutRow(uint64_t seed, uint64_t first, int64_t count, uint32_t threshold, float kept, float* factors) {
  for (int64_t j = 0; j < count; ++j) factors[j] = AttentionKeep(seed, first + static_cast<uint64_t>(j), threshold) ? kept : 0.0f;
}

bool AttentionArgsValid(const AttentionArgs& a, bool backward) {
  if (a.batch < 0 || a.heads < 0 || a.q_len < 0 || a.kv_len < 0 || a.head_dim < 0 || a.value_dim < 0) return false;
  if (a.causal_offset < -kMaxGeometry || a.causal_offset > kMaxGeometry) return false;
  if (!(a.dropout_rate >= 0.0f && a.dropout_rate < 1.0f) || !std::isfinite(a.scale)) return false;
  if (a.q == nullptr || a.k == nullptr || a.v == nullptr || a.out == nullptr) return false;
  if (backward && (a.logsumexp == nullptr || a.d_out == nullptr || a.d_q == nullptr || a.d_k == nullptr || a.d_v == nullptr)) {
    return false;
  }
  return true;
}

Status AttentionForward(const AttentionArgs& a, ThreadPool* pool) {
  if (a.batch * a.heads * a.q_len == 0) return Status::kOk;
  if (!AttentionArgsValid(a, false) || pool == nullptr) return Status::kInvalidArgument;
  double* s = reinterpret_cast<double*>(pool->Scratch(0, kAttentionScratchSlot, 2 * (a.kv_len + a.value_dim)));
  if (s == nullptr) return Status::kOutOfMemory;
  double* acc = s + a.kv_len;
  const uint32_t threshold = AttentionDropThreshold(a.dropout_rate);
  for (int64_t b = 0; b < a.batch; ++b) {
    for (int64_t h = 0; h < a.heads; ++h) {
      for (int64_t i = 0; i < a.q_len; ++i) {
        const int64_t row = (b * a.heads + h) * a.q_len + i;
        float* out = a.out + RowOffset(a.out_stride, b, h, i);
        float* probs = a.probs == nullptr ? nullptr : a.probs + row * a.kv_len;
        const double max = RowScores(a, b, h, i, s);
        for (int64_t e = 0; e < a.value_dim; ++e) acc[e] = 0.0;
        double log_sum = kMinusInfinity;
        if (max != kMinusInfinity) {
          double sum = 0.0;
          for (int64_t j = 0; j < a.kv_len; ++j) sum += std::exp(s[j] - max);
          log_sum = max + std::log(sum);
          for (int64_t j = 0; j < a.kv_len; ++j) {
            const double p = std::exp(s[j] - log_sum);
            if (probs != nullptr) probs[j] = static_cast<float>(p);
            const double weight = p * DropoutFactor(a, threshold, b, h, i, j);
            if (weight == 0.0) continue;
            const float* v = a.v + RowOffset(a.v_stride, b, h, j);
            for (int64_t e = 0; e < a.value_dim; ++e) acc[e] += weight * v[e];
          }
        } else if (probs != nullptr) {
          for (int64_t j = 0; j < a.kv_len; ++j) probs[j] = 0.0f;
        }
        for (int64_t e = 0; e < a.value_dim; ++e) out[e] = static_cast<float>(acc[e]);
        if (a.logsumexp != nullptr) a.logsumexp[row] = static_cast<float>(log_sum);
      }
    }
  }
  return Status::kOk;
}

Status AttentionBackward(const AttentionArgs& a, ThreadPool* pool) {
  if (a.batch * a.heads == 0) return Status::kOk;
  if (!AttentionArgsValid(a, true) || pool == nullptr) return Status::kInvalidArgument;
  const int64_t d = a.head_dim, dv = a.value_dim;
  // Per problem: the row's scores and probabilities, dq of the row, and dk, dv of every key, in double.
  double* s = reinterpret_cast<double*>(pool->Scratch(0, kAttentionScratchSlot, 2 * (a.kv_len * (2 + d + dv) + d)));
  if (s == nullptr) return Status::kOutOfMemory;
  double* p = s + a.kv_len;
  double* dq = p + a.kv_len;
  double* dk = dq + d;
  double* dv_acc = dk + a.kv_len * d;
  const uint32_t threshold = AttentionDropThreshold(a.dropout_rate);
  const double scale = a.scale;
  for (int64_t b = 0; b < a.batch; ++b) {
    for (int64_t h = 0; h < a.heads; ++h) {
      for (int64_t n = 0; n < a.kv_len * (d + dv); ++n) dk[n] = 0.0;
      for (int64_t i = 0; i < a.q_len; ++i) {
        const float* q = a.q + RowOffset(a.q_stride, b, h, i);
        const float* d_out = a.d_out + RowOffset(a.d_out_stride, b, h, i);
        const double log_sum = a.logsumexp[(b * a.heads + h) * a.q_len + i];
        RowScores(a, b, h, i, s);
        for (int64_t j = 0; j < a.kv_len; ++j) p[j] = s[j] == kMinusInfinity || log_sum == kMinusInfinity ? 0.0 : std::exp(s[j] - log_sum);
        // The softmax's gradient needs sum_j p_ij dp_ij, which equals d_out_i . out_i.
        const double delta = Dot(d_out, a.out + RowOffset(a.out_stride, b, h, i), dv);
        for (int64_t e = 0; e < d; ++e) dq[e] = 0.0;
        for (int64_t j = 0; j < a.kv_len; ++j) {
          if (p[j] == 0.0) continue;
          const double factor = DropoutFactor(a, threshold, b, h, i, j);
          const float* k = a.k + RowOffset(a.k_stride, b, h, j);
          const float* v = a.v + RowOffset(a.v_stride, b, h, j);
          const double ds = p[j] * (factor * Dot(d_out, v, dv) - delta);
          for (int64_t e = 0; e < d; ++e) {
            dq[e] += ds * k[e];
            dk[j * d + e] += scale * ds * q[e];
          }
          for (int64_t e = 0; e < dv; ++e) dv_acc[j * dv + e] += p[j] * factor * d_out[e];
        }
        float* d_q = a.d_q + RowOffset(a.d_q_stride, b, h, i);
        for (int64_t e = 0; e < d; ++e) d_q[e] = static_cast<float>(scale * dq[e]);
      }
      for (int64_t j = 0; j < a.kv_len; ++j) {
        float* d_k = a.d_k + RowOffset(a.d_k_stride, b, h, j);
        float* d_v = a.d_v + RowOffset(a.d_v_stride, b, h, j);
        for (int64_t e = 0; e < d; ++e) d_k[e] = static_cast<float>(dk[j * d + e]);
        for (int64_t e = 0; e < dv; ++e) d_v[e] = static_cast<float>(dv_acc[j * dv + e]);
      }
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
