// Declarations of the reference kernels (one row of the kernel table each).
#pragma once

#include <type_traits>

#include "dendrite/kernels.h"

namespace dendrite::ref {

// The kernel table's functions (kernels/kernel_rows.def), one file per family (gemm.cc, elementwise.cc,
// softmax.cc, loss.cc, reduce.cc, optimizer.cc).
#include "kernels/kernel_declarations.inc"

// Which forward values unary_grad reads for an op (x, y, either, or neither), shared by every ISA and
// the binding; UnaryGradInputsValid says whether the given x / y (null when absent) are enough.
enum class UnaryGradInput { kNone, kX, kY, kXOrY };
UnaryGradInput UnaryGradInputOf(UnaryOp op);
bool UnaryGradInputsValid(UnaryOp op, float param, const float* x, const float* y);
// leakyRelu and elu: their `param` is alpha, the slope below 0 (y alone gives their slope only for alpha >= 0).
bool UnaryOpTakesAlpha(UnaryOp op);

// Shared with the ISA optimizer kernels (baseline code, so every ISA uses the same values):
// 1 / (1 - beta^step) computed in double; whether the state buffers the rule needs are present;
// the per-step factors of the rule (bias corrections, Nadam's momentum schedule), computed once per call;
// how the buffer is split across threads (whole blocks, so threads never share a cache line).
float BiasCorrectionScale(float beta, int64_t step);
bool OptimizerStateValid(const OptimizerArgs& args, const float* state1, const float* state2, const float* state3);
struct OptimizerStepFactors {
  float first_moment = 1.0f;   // adam, adamax: 1 / (1 - b1^t); nadam: u(t+1) / (1 - U(t+1))
  float second_moment = 1.0f;  // adam, nadam: 1 / (1 - b2^t)
  float gradient = 0.0f;       // nadam: (1 - u(t)) / (1 - U(t))
};
OptimizerStepFactors StepFactors(const OptimizerArgs& args);
constexpr int64_t kOptimizerBlock = 4096;
constexpr int64_t kOptimizerGrainBlocks = 8;

// Shared by every ISA's convolution, pooling and normalization kernels (baseline code, kernels/ref/conv.cc,
// pool.cc, normalization.cc): the checks a kernel makes itself (every size in [0, kMaxGeometry], the
// output size the padded input gives, channels divisible by the groups), and the blocks of rows the
// normalization statistics are summed over (fixed, so the sums do not depend on the thread count).
constexpr int64_t kMaxGeometry = (int64_t{1} << 31) - 1;
bool ConvGeometryIsValid(const ConvGeometry& g);
bool ConvEpilogueIsValid(const ConvEpilogue& e);
bool PoolGeometryIsValid(PoolKind kind, const PoolGeometry& g);
constexpr int64_t kNormalizationBlockRows = 256;

// Shared by every ISA's attention kernels (kernels/ref/attention.cc, baseline code): the checks a kernel
// makes itself, the pool's scratch slot they use, and dropout's decision for score (b, h, i, j), a hash
// (SplitMix64) of the seed and the score's index, so every ISA and thread count drops the same scores and
// the backward pass finds the forward pass's choice again without storing it.
bool AttentionArgsValid(const AttentionArgs& a, bool backward);
constexpr int kAttentionScratchSlot = 2;
// Scores whose hash falls below this are dropped: dropout_rate * 2^32.
uint32_t AttentionDropThreshold(float dropout_rate);
bool AttentionKeep(uint64_t seed, uint64_t index, uint32_t threshold);
// factors[j] = kept, or 0 for a dropped score, for the scores of indices first .. first + count - 1.
void AttentionDropoutRow(uint64_t seed, uint64_t first, int64_t count, uint32_t threshold, float kept, float* factors);

// Shared by every ISA's int8 GEMM (kernels/ref/int8.cc, baseline code): the packed weight layout of
// Int8GemmArgs, the packing (done once, when a model is quantised) and the checks a kernel makes itself.
constexpr int64_t Int8Groups(int64_t k) { return (k + kInt8GroupDepth - 1) / kInt8GroupDepth; }
constexpr int64_t Int8PanelBytes(int64_t k) { return Int8Groups(k) * kInt8GroupDepth * kInt8PanelColumns; }
constexpr int64_t Int8PackedBytes(int64_t k, int64_t n) {
  return (n + kInt8PanelColumns - 1) / kInt8PanelColumns * Int8PanelBytes(k);
}
// weights: k x n row-major; packed: Int8PackedBytes(k, n) bytes; column_sums: n.
void PackInt8Weights(const int8_t* weights, int64_t k, int64_t n, int8_t* packed, int32_t* column_sums);
bool Int8GemmArgsAreValid(const Int8GemmArgs& args);

// Shared by every ISA's bf16 GEMM (kernels/ref/bf16.cc, baseline code): the conversions, the packed weight
// layout of Bf16GemmArgs, the packing (once, when a model is quantised) and the checks a kernel makes itself.
// float32 -> bf16 exactly as vcvtneps2bf16: zero and subnormal inputs give a zero of their sign (the
// instruction treats denormals as zero); NaN keeps its sign and top payload bits with the quiet bit set;
// everything else (infinities included) rounds to nearest, ties to even, by adding 0x7FFF plus the lowest
// kept bit to the float's bits (a carry into the exponent is the correct rounding, up to infinity).
uint16_t Bf16FromFloat(float x);
float FloatFromBf16(uint16_t value);  // exact: the bf16's bits are the float's upper half
constexpr int64_t Bf16Pairs(int64_t k) { return (k + kBf16GroupDepth - 1) / kBf16GroupDepth; }
constexpr int64_t Bf16PanelLength(int64_t k) { return Bf16Pairs(k) * kBf16GroupDepth * kBf16PanelColumns; }
constexpr int64_t Bf16PackedLength(int64_t k, int64_t n) {
  return (n + kBf16PanelColumns - 1) / kBf16PanelColumns * Bf16PanelLength(k);
}
// weights: k x n float32, row-major; packed: Bf16PackedLength(k, n) values (converted by Bf16FromFloat).
void PackBf16Weights(const float* weights, int64_t k, int64_t n, uint16_t* packed);
bool Bf16GemmArgsAreValid(const Bf16GemmArgs& args);

}  // namespace dendrite::ref
