#include <cmath>
#include <limits>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

Status SumSquares(const float* x, int64_t n, double* result) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  *result = sum;
  return Status::kOk;
}

namespace {

// Sums along the axis use pairwise summation in float: leaves of kPairwiseLeaf consecutive items are
// summed in order, leaf sums are merged like a binary counter (leaf 1 joins leaf 0, then leaves 2+3 join
// 0+1, ...), and the partial sums left at the end are added from the latest to the earliest. The error
// grows with log2(axis) rather than axis. The SIMD paths that vectorise across `inner` use exactly this
// order per lane (so they match this reference bit for bit); the contiguous (inner == 1) paths sum
// lane-parallel in their own fixed order.
constexpr int64_t kPairwiseLeaf = 16;
constexpr int kMaxLevels = 64;

float PairwiseSum(const float* x, int64_t axis, int64_t stride) {
  float partial[kMaxLevels];
  int64_t leaves = 0;
  for (int64_t start = 0; start < axis; start += kPairwiseLeaf) {
    int64_t end = start + kPairwiseLeaf < axis ? start + kPairwiseLeaf : axis;
    float sum = 0.0f;
    for (int64_t a = start; a < end; ++a) sum += x[a * stride];
    ++leaves;
    int level = 0;
    for (; ((leaves >> level) & 1) == 0; ++level) sum = partial[level] + sum;
    partial[level] = sum;
  }
  float total = 0.0f;
  bool first = true;
  for (int level = 0; level < kMaxLevels && (leaves >> level) != 0; ++level) {
    if (((leaves >> level) & 1) == 0) continue;
    total = first ? partial[level] : partial[level] + total;
    first = false;
  }
  return total;
}

}  // namespace

Status Reduce(ReduceOp op, const float* x, int64_t outer, int64_t axis, int64_t inner, float* out) {
  if ((op == ReduceOp::kMax || op == ReduceOp::kMin) && axis == 0 && outer * inner > 0) {
    return Status::kInvalidArgument;  // no identity a user would expect; the binding rejects it first
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* column = x + o * axis * inner + i;
      float result;
      switch (op) {
        case ReduceOp::kSum: result = PairwiseSum(column, axis, inner); break;
        case ReduceOp::kMean:
          // An empty axis gives 0/0 = NaN, as NumPy and PyTorch do.
          result = PairwiseSum(column, axis, inner) / static_cast<float>(axis);
          break;
        case ReduceOp::kMax:
        case ReduceOp::kMin: {
          bool is_max = op == ReduceOp::kMax;
          result = column[0];
          for (int64_t a = 1; a < axis && result == result; ++a) {
            float v = column[a * inner];
            // NaN propagates: once seen, it is the result.
            if (v != v || (is_max ? v > result : v < result)) result = v;
          }
          break;
        }
        default: return Status::kInvalidArgument;
      }
      out[o * inner + i] = result;
    }
  }
  return Status::kOk;
}

Status Argmax(const float* x, int64_t outer, int64_t axis, int64_t inner, int32_t* out) {
  if (axis == 0 && outer * inner > 0) return Status::kInvalidArgument;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* column = x + o * axis * inner + i;
      float best = column[0];
      int64_t best_index = 0;
      for (int64_t a = 1; a < axis && best == best; ++a) {
        float v = column[a * inner];
        // Strictly greater keeps the first maximum; the first NaN wins and ends the search.
        if (v > best || v != v) {
          best = v;
          best_index = a;
        }
      }
      out[o * inner + i] = static_cast<int32_t>(best_index);
    }
  }
  return Status::kOk;
}

Status ColumnSum(const float* x, int64_t rows, int64_t cols, float* out, bool accumulate) {
  for (int64_t c = 0; c < cols; ++c) {
    float sum = PairwiseSum(x + c, rows, cols);
    out[c] = accumulate ? out[c] + sum : sum;
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
