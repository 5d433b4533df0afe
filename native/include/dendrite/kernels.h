// The kernel API: status codes, op codes, argument structs and the kernel table.
//
// Rules every kernel follows (see DESIGN.md, "Native core"):
//  - never throw, never abort, never allocate on the hot path; return a Status;
//  - trust the sizes it is given: the bindings have already checked every buffer length;
//  - results must not depend on the number of threads (never split a reduction across threads
//    unless the order is fixed), so training is bitwise reproducible for a seed and an ISA.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dendrite {

enum class Status : int32_t {
  kOk = 0,
  kInvalidArgument = 1,  // a size or option the kernel cannot handle
  kOutOfMemory = 2,      // scratch memory could not be allocated
  kUnsupported = 3,      // this op is not available on this ISA/table
};

enum class Isa : int32_t { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3 };
constexpr int kIsaCount = 4;
const char* IsaName(Isa isa);

enum class UnaryOp : int32_t {
#define DN_UNARY_OP(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class BinaryOp : int32_t {
#define DN_BINARY_OP(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class ReduceOp : int32_t {
#define DN_REDUCE_OP(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class OptimizerKind : int32_t {
#define DN_OPTIMIZER(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class LossKind : int32_t {
#define DN_LOSS(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class PoolKind : int32_t {
#define DN_POOL(name, js, code) name = code,
#include "dendrite/ops.def"
};
enum class CellKind : int32_t {
#define DN_CELL(name, js, code) name = code,
#include "dendrite/ops.def"
};
constexpr int32_t kUnaryOpCount = 22;
constexpr int32_t kBinaryOpCount = 7;
constexpr int32_t kReduceOpCount = 4;
constexpr int32_t kOptimizerCount = 7;
constexpr int32_t kLossCount = 3;
constexpr int32_t kPoolCount = 2;
constexpr int32_t kCellCount = 3;

class ThreadPool;

// C = alpha * op(A) * op(B) + beta * C, then C += bias (per column), then C = act(C).
// Row-major. op(A) is m x k, op(B) is k x n. A is stored m x k (lda >= k) or, transposed,
// k x m (lda >= m); likewise B. `batch` products with element strides between them.
struct GemmArgs {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
  const float* bias = nullptr;  // length n, or null
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
  // >= 0: run on the calling thread alone, which is thread `serial_thread` of the pool, with that
  // thread's packing buffers (a product inside a ParallelFor task, such as one batch slice's step of a
  // recurrent layer). -1: the pool's threads as the product's size warrants.
  int32_t serial_thread = -1;
};

// Elementwise binary op with NumPy broadcasting already resolved to strides: `out` is a
// contiguous tensor of `rank` dims `shape`; a[i] is read at sum(idx * a_strides) (stride 0 on
// broadcast dims), likewise b. rank <= kMaxRank.
constexpr int kMaxRank = 8;
struct BinaryArgs {
  BinaryOp op = BinaryOp::kAdd;
  int32_t rank = 0;
  int64_t shape[kMaxRank] = {};
  const float* a = nullptr;
  int64_t a_strides[kMaxRank] = {};
  const float* b = nullptr;
  int64_t b_strides[kMaxRank] = {};
  float* out = nullptr;
};

// One optimizer step over a flat buffer of n parameters.
//  sgd:      v = momentum*v + g (state1 = v, only if momentum != 0); nesterov: step = g + momentum*v.
//  adam:     m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr * mhat / (sqrt(vhat) + eps),
//            bias-corrected with `step` (1-based). state1 = m, state2 = v. With amsgrad, state3 = vmax:
//            vmax = max(vmax, v) and vhat is vmax's correction instead of v's.
//  rmsprop:  v = rho*v + (1-rho)*g^2 (rho = beta2); centered: mg = rho*mg + (1-rho)*g and the denominator
//            uses the variance max(v - mg^2, 0) instead of v; step = lr*g/(sqrt(denominator)+eps); with
//            momentum: mom = momentum*mom + step. state1 = v, state2 = mom (only if momentum != 0),
//            state3 = mg (only if centered).
//  adagrad:  acc += g^2; p -= lr * g / (sqrt(acc) + eps). state1 = acc.
//  adamax:   m = b1*m + (1-b1)*g; u = max(b2*u, |g|); p -= lr * mhat / (u + eps). state1 = m, state2 = u.
//  adadelta: acc = rho*acc + (1-rho)*g^2 (rho = beta2); delta = g * sqrt(acc_delta + eps) / sqrt(acc + eps);
//            acc_delta = rho*acc_delta + (1-rho)*delta^2; p -= lr * delta. state1 = acc, state2 = acc_delta.
//  nadam:    adam's m and v (state1, state2); p -= lr * mbar / (sqrt(vhat) + eps) with Dozat's Nesterov
//            estimate mbar = u(t+1)*m / (1 - U(t+1)) + (1 - u(t))*g / (1 - U(t)), the momentum schedule
//            u(t) = b1 * (1 - 0.5 * 0.96^t) and its running product U(t) = u(1)...u(t) (Keras' Nadam).
// weight_decay: coupled (added to the gradient, L2) unless `decoupled` (AdamW: p -= lr*wd*p first).
// clip_value > 0 clamps each gradient element to [-clip_value, clip_value]; grad_scale multiplies
// the gradient before everything (used for clipnorm and loss scaling).
struct OptimizerArgs {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
  float weight_decay = 0.0f;
  bool decoupled_weight_decay = false;
  float clip_value = 0.0f;
  float grad_scale = 1.0f;
  int64_t step = 1;
  bool amsgrad = false;   // adam only
  bool centered = false;  // rmsprop only
};

// A 2-D convolution in NHWC (a 1-D one has height 1): x [batch, in_h, in_w, in_c], filter
// [kernel_h, kernel_w, in_c / groups, out_c] (TensorFlow's layout: row (kh, kw, c) of a
// [kernel_h * kernel_w * in_c / groups, out_c] matrix), y [batch, out_h, out_w, out_c]. Cross-correlation:
// y[n, oh, ow, o] = sum over kh, kw, c of x[n, oh * stride_h - pad_top + kh * dilation_h,
// ow * stride_w - pad_left + kw * dilation_w, g * in_c / groups + c] * filter[kh, kw, c, o], where
// g = o / (out_c / groups) and input pixels outside the image (the padding) read as 0. The output size
// follows from the padded input: out_h = (in_h + pad_top + pad_bottom - ((kernel_h - 1) * dilation_h + 1))
// / stride_h + 1 (the bindings check it), and likewise out_w.
struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t out_h = 0, out_w = 0, out_c = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t groups = 1;
};

// What a convolution does to each output element after the sum, per output channel c:
// v = sum + bias[c], then v = v * scale[c] + shift[c] (a batch normalization folded in at inference),
// then the activation. Each of bias, scale (with shift) may be null.
struct ConvEpilogue {
  const float* bias = nullptr;
  const float* scale = nullptr;
  const float* shift = nullptr;
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
};

// 2-D pooling in NHWC: x [batch, in_h, in_w, channels], y [batch, out_h, out_w, channels]; window
// (oh, ow) covers input rows oh * stride_h - pad_top .. + window_h - 1 (likewise columns), clipped to the
// image: padding never takes part (max ignores it, average divides by the pixels inside the image, as
// TensorFlow does). out_h = (in_h + pad_top + pad_bottom - window_h) / stride_h + 1, and every window
// holds at least one input pixel (the bindings check both).
struct PoolGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t window_h = 1, window_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// One time step of a recurrent cell over `rows` batch rows of `units` units. Every buffer is row-major
// with its rows packed: a buffer of width w holds row r at r * w. `gates` arrive holding the
// pre-activations z (x·W + b plus the recurrent product) and leave holding the activations the
// backward pass reads; `pre`, when not null, receives z as it arrived (an activation whose gradient
// needs its input, such as gelu, reads it there). A row whose `mask` entry is 0 does not step: its
// state is carried over from the previous one. `mask` null means every row steps.
// Activations are UnaryOp codes with their parameter; the recurrent activation drives the gates (i, f, o
// of an LSTM, z, r of a GRU), the activation the candidate (and an LSTM's output of c).
struct CellActivations {
  UnaryOp activation = UnaryOp::kTanh;
  float activation_param = 0.0f;
  UnaryOp recurrent_activation = UnaryOp::kSigmoid;
  float recurrent_param = 0.0f;
};

// LSTM, gates in Keras order i, f, c (the candidate g), o over [rows, 4 units]:
//   i, f, o = ra(z_i, z_f, z_o); g = a(z_g); c = f c_prev + i g; h = o a(c).
struct LstmCellArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  float* gates = nullptr;         // [rows, 4u] in z, out i f g o
  float* pre = nullptr;           // [rows, 4u] or null
  const float* c_prev = nullptr;  // [rows, u]
  const float* h_prev = nullptr;  // [rows, u]
  const float* mask = nullptr;    // [rows] or null
  float* c = nullptr;             // [rows, u] out
  float* c_act = nullptr;         // [rows, u] out: a(c), which the backward pass reads
  float* h = nullptr;             // [rows, u] out
};
// Its gradient: from dh (the total gradient of h) and dc (of c from later steps, or null for none),
// writes dgates = dL/dz [rows, 4u], dc_prev, and dh_carry = dh on masked rows (0 elsewhere: the driver
// adds dgates · Rᵀ). dc_prev may be dc (each element is read before it is written).
struct LstmCellGradArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  const float* gates = nullptr;   // [rows, 4u] activations i f g o
  const float* pre = nullptr;     // [rows, 4u] z, or null when neither activation's gradient needs it
  const float* c_prev = nullptr, *c = nullptr, *c_act = nullptr;  // [rows, u]
  const float* mask = nullptr;
  const float* dh = nullptr;      // [rows, u]
  const float* dc = nullptr;      // [rows, u] or null
  float* dgates = nullptr;        // [rows, 4u] out
  float* dc_prev = nullptr;       // [rows, u] out
  float* dh_carry = nullptr;      // [rows, u] out
};

// GRU, gates in Keras order z (update), r (reset), h (candidate) over [rows, 3u]; h = z h_prev + (1 - z) hh.
//  reset_after (Keras' default, cuDNN's form): one call. `gates` hold x·W + b_in, `recurrent` holds
//    h_in·R + b_rec [rows, 3u]; z = ra(gz + rz), r = ra(gr + rr), hh = a(gh + r rh).
//  reset before (Keras' reset_after=False), two calls around the driver's second product:
//    phase 0: `gates` z and r parts hold x·W + b + h_in·R_zr; computes z, r and reset_hidden = r h_in;
//    phase 1: `gates` h part holds x·W_h + b_h + reset_hidden·R_h; computes hh and h.
// h_in is the hidden state the recurrent products read (h_prev, or h_prev times a recurrent-dropout mask).
struct GruCellArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  bool reset_after = true;
  int32_t phase = 0;
  float* gates = nullptr;            // [rows, 3u] in z, out z r hh activations
  float* pre = nullptr;              // [rows, 3u] or null
  const float* recurrent = nullptr;  // reset_after: [rows, 3u]
  const float* h_prev = nullptr;     // [rows, u]
  const float* h_in = nullptr;       // [rows, u] (reset before, phase 0)
  const float* mask = nullptr;
  float* reset_hidden = nullptr;     // [rows, u] out (reset before, phase 0)
  float* h = nullptr;                // [rows, u] out (reset_after, or phase 1)
};
// Its gradient from dh. reset_after: dgates = dL/d(x-side z) [rows, 3u], drecurrent = dL/d(h_in·R +
// b_rec) [rows, 3u], dh_carry = dh z (dh on masked rows). Reset before: phase 0 writes the z and h parts
// of dgates (its r part 0) and dh_carry; phase 1 reads dreset_hidden = dL/d(reset_hidden) (the
// driver's dgates_h · R_hᵀ) and writes the r part of dgates and dh_in = dreset_hidden r (the gradient
// reaching h_in through the reset product; 0 on masked rows).
struct GruCellGradArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  bool reset_after = true;
  int32_t phase = 0;
  const float* gates = nullptr;          // [rows, 3u] activations z r hh
  const float* pre = nullptr;            // [rows, 3u] or null
  const float* recurrent = nullptr;      // reset_after: [rows, 3u] h_in·R + b_rec
  const float* h_prev = nullptr;         // [rows, u]
  const float* h_in = nullptr;           // [rows, u] (reset before, phase 1)
  const float* mask = nullptr;
  const float* dh = nullptr;             // [rows, u]
  const float* dreset_hidden = nullptr;  // [rows, u] (reset before, phase 1)
  float* dgates = nullptr;               // [rows, 3u] out
  float* drecurrent = nullptr;           // [rows, 3u] out (reset_after)
  float* dh_carry = nullptr;             // [rows, u] out (reset_after, or phase 0)
  float* dh_in = nullptr;                // [rows, u] out (reset before, phase 1)
};

// Simple RNN over [rows, u]: h = a(z). Its gradient: dgates = a'(z) dh (0 on masked rows), dh_carry =
// dh on masked rows (0 elsewhere).
struct RnnCellArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  float* gates = nullptr;         // [rows, u] in z, out a(z)
  float* pre = nullptr;           // [rows, u] or null
  const float* h_prev = nullptr;  // [rows, u]
  const float* mask = nullptr;
  float* h = nullptr;             // [rows, u] out
};
struct RnnCellGradArgs {
  int64_t rows = 0, units = 0;
  CellActivations act;
  const float* gates = nullptr;  // [rows, u] a(z)
  const float* pre = nullptr;    // [rows, u] or null
  const float* mask = nullptr;
  const float* dh = nullptr;
  float* dgates = nullptr;
  float* dh_carry = nullptr;
};

// Layer normalization over the last axis of a [rows, cols] matrix (Keras LayerNormalization over the
// last axis; other axes are moved last by the caller). Forward: per row, the mean and the biased
// variance (two passes over the row, so a large mean does not cancel), inv_std = 1 / sqrt(variance +
// epsilon), y = (x - mean) * inv_std * gamma + beta (gamma null: 1, beta null: 0); `mean` and `inv_std`
// (rows floats each, or null) receive the statistics the backward pass reads. y may alias x.
// Backward, from dy and the forward pass's statistics, with xhat = (x - mean) * inv_std and g = dy * gamma:
//   dx = inv_std * (g - mean over the row of g - xhat * mean over the row of g * xhat)   (if dx is not null),
//   dgamma[c] = sum over rows of dy * xhat, dbeta[c] = sum over rows of dy   (each if not null; written, or
//   added to what is there with `accumulate`).
// Each row is computed whole by one thread and the column sums run over the rows in order, so no result
// depends on the thread count. dx must not alias x or dy.
struct LayerNormArgs {
  int64_t rows = 0, cols = 0;
  float epsilon = 1e-3f;
  const float* x = nullptr;
  const float* gamma = nullptr;  // [cols] or null
  const float* beta = nullptr;   // [cols] or null (forward only)
  float* y = nullptr;            // forward output
  float* mean = nullptr;         // [rows]: forward output (or null), backward input
  float* inv_std = nullptr;      // [rows]: likewise
  const float* dy = nullptr;     // backward input
  float* dx = nullptr;           // backward outputs, each optional
  float* dgamma = nullptr;
  float* dbeta = nullptr;
  bool accumulate = false;
};

// Scaled dot-product attention over batch x heads independent problems. For query row i of problem
// (b, h), over the keys j in [0, kv_len) the row may attend to (mask[b, h, i, j] != 0 when a mask is
// given, and j <= i + causal_offset when causal):
//   s_ij = scale * q_i . k_j,  p_ij = exp(s_ij) / sum over those keys of exp(s_ij)  (0 for the others),
//   out_i = sum_j p_ij * keep_ij * v_j,  keep_ij = AttentionKeep(...) / (1 - dropout_rate) (1 without dropout),
// and logsumexp_i = log sum_j exp(s_ij). A row that may attend to no key outputs 0, with logsumexp -inf.
// Forward (attention_forward) writes out, logsumexp (if not null: [batch, heads, q_len] contiguous, which the
// backward pass reads) and probs (if not null: p_ij as [batch, heads, q_len, kv_len] contiguous, before dropout).
// Backward (attention_backward) writes d_q, d_k, d_v (overwritten) from d_out, out and logsumexp, recomputing
// the scores block by block (FlashAttention's algorithm: memory grows linearly with the lengths).
// Element (b, h, i, e) of q lives at b * q_stride[0] + h * q_stride[1] + i * q_stride[2] + e; likewise k, v,
// out and the gradients (each with its own strides); the mask (b, h, i, j) at mask_stride . (b, h, i, j), a
// stride of 0 broadcasting. Every output row is computed whole by one thread in a fixed order (the
// backward pass keeps each (b, h) problem on one thread), so no result depends on the thread count.
struct AttentionArgs {
  int64_t batch = 0, heads = 0, q_len = 0, kv_len = 0, head_dim = 0, value_dim = 0;
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* out = nullptr;
  int64_t q_stride[3] = {}, k_stride[3] = {}, v_stride[3] = {}, out_stride[3] = {};
  const float* mask = nullptr;  // or null
  int64_t mask_stride[4] = {};
  bool causal = false;
  int64_t causal_offset = 0;
  float scale = 1.0f;
  float dropout_rate = 0.0f;  // in [0, 1)
  uint64_t dropout_seed = 0;
  float* logsumexp = nullptr;
  float* probs = nullptr;        // forward only, or null
  const float* d_out = nullptr;  // backward input
  float* d_q = nullptr;          // backward outputs
  float* d_k = nullptr;
  float* d_v = nullptr;
  int64_t d_out_stride[3] = {}, d_q_stride[3] = {}, d_k_stride[3] = {}, d_v_stride[3] = {};
};

// The kernel table. The reference (scalar) kernels fill every row; each ISA overrides the rows
// it implements. Adding an op: one row here, one `ref` kernel, then any ISA versions.
// int8 inference (u8 activations x s8 weights, int32 accumulation):
//   c[i, j] = act(fma(float(sum_p a[i, p] * B[p, j] - a_zero_point * column_sums[j]), a_scale * b_scales[j], bias[j]))
// (bias 0 when null; the activation as GemmArgs applies it). A is m x k u8, row-major (lda >= k). B (k x n s8) is
// stored packed once by PackInt8Weights (kernels/ref/ref.h) in panels of kInt8PanelColumns columns: the byte for
// B[4 g + q, 16 t + col] is packed_b[((t * groups + g) * 16 + col) * 4 + q] (groups = ceil(k / 4); zero past k
// and n), the layout vpdpbusd reads (four consecutive depths of one column in one 32-bit lane).
// column_sums[j] = sum_p B[p, j] (the zero-point correction). The integer sum is exact on every path (no
// saturation anywhere), and k <= kInt8MaxDepth keeps it and the correction within int32, so every ISA returns
// bit-identical results.
constexpr int64_t kInt8PanelColumns = 16;
constexpr int64_t kInt8GroupDepth = 4;
constexpr int64_t kInt8MaxDepth = 32768;
struct Int8GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const uint8_t* a = nullptr;
  int64_t lda = 0;
  int32_t a_zero_point = 0;  // in [0, 255]
  float a_scale = 1.0f;
  const int8_t* packed_b = nullptr;     // Int8PackedBytes(k, n) bytes
  const int32_t* column_sums = nullptr;  // length n
  const float* b_scales = nullptr;       // length n
  const float* bias = nullptr;           // length n, or null
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
};

// bf16 inference (bf16 activations x bf16 weights, float32 accumulation):
//   c[i, j] = act(acc[i, j] + bias[j]), acc = 0 then, for each depth pair p = 2g, 2g + 1 in order,
//   acc = ftz(fma(a[i, p + 1], B[p + 1, j], acc)); acc = ftz(fma(a[i, p], B[p, j], acc))
// where ftz flushes a subnormal result to zero of the same sign. That is exactly what vdpbf16ps computes
// (AVX512_BF16: the odd product first, each add rounded to nearest even, denormals flushed), and the FMA
// paths and the reference compute the same sequence, so every ISA returns the same bits (a bf16 product is
// exact in float32, so each fma is the one rounding of the add). bf16 values are the upper halves of
// float32s (Bf16FromFloat in kernels/ref/ref.h converts: round to nearest even, subnormals to signed zero,
// NaN stays NaN). A is m x k bf16, row-major (lda >= k). B (k x n) is stored packed once by PackBf16Weights
// in panels of kBf16PanelColumns columns: B[2 g + q, 16 t + col] is packed_b[((t * pairs + g) * 16 + col) * 2 + q]
// (pairs = ceil(k / 2); zero past k and n), the layout vdpbf16ps reads (two depths of one column per 32-bit lane).
constexpr int64_t kBf16PanelColumns = 16;
constexpr int64_t kBf16GroupDepth = 2;
struct Bf16GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const uint16_t* a = nullptr;
  int64_t lda = 0;
  const uint16_t* packed_b = nullptr;  // Bf16PackedLength(k, n) values
  const float* bias = nullptr;         // length n, or null
  UnaryOp activation = UnaryOp::kIdentity;
  float activation_param = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
};

// Real-input FFT over rows (dendrite/fft.h has the plan). Forward (real_fft): signal [rows, samples] with
// samples <= plan->n (the rest of each row is zero) gives real and imag [rows, plan->bins], unnormalised
// (numpy.fft.rfft). Inverse (inverse_real_fft): real and imag [rows, plan->bins] give signal [rows, plan->n]
// (samples must be plan->n), scaled by 1 / n; the imaginary parts of bin 0 and (even n) bin n/2 are
// ignored (numpy.fft.irfft). Rows are transformed in groups (one row per SIMD lane); a row's arithmetic
// does not depend on its group, so no result depends on the thread count.
struct FftPlan;
struct RealFftArgs {
  const FftPlan* plan = nullptr;
  int64_t rows = 0, samples = 0;
  float* signal = nullptr;  // forward input, inverse output
  float* real = nullptr;    // forward outputs, inverse inputs
  float* imag = nullptr;
  int64_t spectrum_stride = 0;
};

struct KernelTable {
  Isa isa = Isa::kScalar;

  // Squared L2 norm, accumulated in double in a fixed order (gradient clipping).
  Status (*sum_squares)(const float* x, int64_t n, double* result) = nullptr;

  Status (*sgemm)(const GemmArgs& args, ThreadPool* pool) = nullptr;

  // y = op(x); x and y may alias.
  Status (*unary)(UnaryOp op, float param, const float* x, float* y, int64_t n) = nullptr;
  // dx = dy * op'(x), given the forward input x and output y (either may be what the op needs).
  Status (*unary_grad)(UnaryOp op, float param, const float* x, const float* y, const float* dy, float* dx,
                       int64_t n) = nullptr;
  Status (*binary)(const BinaryArgs& args) = nullptr;
  // y = x * scale + shift (elementwise affine with scalars; also fills, copies and scales).
  Status (*affine)(const float* x, float scale, float shift, float* y, int64_t n) = nullptr;

  // Softmax / log-softmax over the last axis of a rows x cols matrix; x and y may alias.
  Status (*softmax)(const float* x, float* y, int64_t rows, int64_t cols, bool log) = nullptr;
  // dx from y = softmax(x) (or log-softmax) and dy.
  Status (*softmax_grad)(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols,
                         bool log) = nullptr;
  // Fused softmax + cross-entropy over rows x cols logits. Targets are integer labels (labels != null,
  // each in [0, cols); the binding checks) or a rows x cols probability matrix (probs != null).
  // row_loss[r] = -sum_c t[r,c] * log_softmax(x)[r,c]; if grad != null, grad = (softmax(x) - t) * grad_scale.
  Status (*softmax_cross_entropy)(const float* logits, const int32_t* labels, const float* probs, int64_t rows,
                                  int64_t cols, float* row_loss, float* grad, float grad_scale) = nullptr;
  // Sigmoid + binary cross-entropy from logits, elementwise: loss[i] = max(x,0) - x*t + log1p(exp(-|x|));
  // if grad != null, grad[i] = (sigmoid(x) - t) * grad_scale.
  Status (*sigmoid_cross_entropy)(const float* logits, const float* targets, int64_t n, float* loss, float* grad,
                                  float grad_scale) = nullptr;
  // Regression losses: *loss_sum = sum of the elementwise loss (double, fixed order);
  // if grad != null, grad = d(loss_i)/d(pred_i) * grad_scale. param = delta for huber.
  Status (*regression_loss)(LossKind kind, float param, const float* pred, const float* target, int64_t n,
                            double* loss_sum, float* grad, float grad_scale) = nullptr;

  // Reduce the middle axis of an [outer, axis, inner] tensor into out[outer, inner].
  Status (*reduce)(ReduceOp op, const float* x, int64_t outer, int64_t axis, int64_t inner, float* out) = nullptr;
  // Index of the first maximum along the middle axis (NaN counts as the maximum).
  Status (*argmax)(const float* x, int64_t outer, int64_t axis, int64_t inner, int32_t* out) = nullptr;
  // out[c] (+)= sum_r x[r, c]: the bias gradient. accumulate adds to out instead of overwriting.
  Status (*column_sum)(const float* x, int64_t rows, int64_t cols, float* out, bool accumulate) = nullptr;

  // state1..state3 as OptimizerArgs describes per rule; a state the rule does not keep is null.
  Status (*optimizer_update)(const OptimizerArgs& args, float* param, const float* grad, float* state1,
                             float* state2, float* state3, int64_t n, ThreadPool* pool) = nullptr;

  // y = epilogue(conv(x, filter)) (ConvGeometry, ConvEpilogue). The reference sums each output's terms in
  // the order (kh, kw, c); the SIMD kernels in k blocks with fused multiply-adds.
  Status (*conv2d)(const ConvGeometry& g, const float* x, const float* filter, const ConvEpilogue& e, float* y,
                   ThreadPool* pool) = nullptr;
  // dx = epilogue(the gradient of conv2d's input, from dy): dx[n, ih, iw, c] sums dy[n, oh, ow, o] *
  // filter[kh, kw, c, o] over every (kh, kw, o) whose window puts tap (kh, kw) at (ih, iw) (the reference in
  // the order (kh, kw, o)). The epilogue runs per input channel; with bias and an activation this is a
  // transposed convolution's forward pass.
  Status (*conv2d_backward_data)(const ConvGeometry& g, const float* dy, const float* filter, const ConvEpilogue& e,
                                 float* dx, ThreadPool* pool) = nullptr;
  // dfilter (+)= the gradient of conv2d's filter: dfilter[kh, kw, c, o] sums x[n, ih, iw, c'] * dy[n, oh, ow, o]
  // over the output pixels in order (padding reads 0). `accumulate` adds to dfilter instead of overwriting.
  Status (*conv2d_backward_filter)(const ConvGeometry& g, const float* x, const float* dy, float* dfilter,
                                   bool accumulate, ThreadPool* pool) = nullptr;

  // y = the max or average of each window. For kMax, argmax (if not null) receives the position
  // ih * in_w + iw of each window's first maximum (NaN counts as the maximum), for pool2d_backward.
  Status (*pool2d)(PoolKind kind, const PoolGeometry& g, const float* x, float* y, int32_t* argmax,
                   ThreadPool* pool) = nullptr;
  // dx = the gradient of pool2d's input (dx is overwritten): kMax sends each dy to its window's argmax
  // position (adding where windows share it), kAverage spreads it evenly over the window's pixels.
  Status (*pool2d_backward)(PoolKind kind, const PoolGeometry& g, const float* dy, const int32_t* argmax, float* dx,
                            ThreadPool* pool) = nullptr;

  // Per-channel mean and (biased) variance of a [rows, channels] matrix, accumulated in double over
  // blocks of rows in a fixed order (the same for any thread count).
  Status (*batch_norm_statistics)(const float* x, int64_t rows, int64_t channels, float* mean, float* variance,
                                  ThreadPool* pool) = nullptr;
  // The sums batch normalization's gradients need, per channel over the rows (double, fixed order):
  // sum_dy = sum dy, sum_dy_xhat = sum dy * xhat with xhat = (x - mean) * inv_std. If dx is not null, also
  // dx = gamma * inv_std * (dy - sum_dy / rows - xhat * sum_dy_xhat / rows) (the gradient through batch
  // statistics); gamma null means 1.
  Status (*batch_norm_backward)(const float* x, const float* dy, int64_t rows, int64_t channels, const float* mean,
                                const float* inv_std, const float* gamma, float* dx, float* sum_dy, float* sum_dy_xhat,
                                ThreadPool* pool) = nullptr;
  // y[r, c] = x[r, c] * scale[c] + shift[c] over a [rows, channels] matrix (batch normalization's output;
  // the same arithmetic as ConvEpilogue's scale and shift). x and y may alias.
  Status (*channel_affine)(const float* x, int64_t rows, int64_t channels, const float* scale, const float* shift,
                           float* y, ThreadPool* pool) = nullptr;

  // Recurrent cells, one time step (see the argument structs above).
  Status (*lstm_cell)(const LstmCellArgs& args) = nullptr;
  Status (*lstm_cell_grad)(const LstmCellGradArgs& args) = nullptr;
  Status (*gru_cell)(const GruCellArgs& args) = nullptr;
  Status (*gru_cell_grad)(const GruCellGradArgs& args) = nullptr;
  Status (*rnn_cell)(const RnnCellArgs& args) = nullptr;
  Status (*rnn_cell_grad)(const RnnCellGradArgs& args) = nullptr;

  // Embedding lookups: out[i, :] = table[indices[i], :] for `count` rows of `width`; and the gradient,
  // table_grad[indices[i], :] += grad[i, :] in order of i (so repeated indices sum in a fixed order).
  // Indices are trusted (the bindings check each against the table's rows).
  Status (*gather_rows)(const float* table, int64_t width, const int32_t* indices, int64_t count, float* out) = nullptr;
  Status (*scatter_add_rows)(const float* grad, int64_t width, const int32_t* indices, int64_t count,
                             float* table_grad) = nullptr;
  // Layer normalization over rows, forward and backward, one pass each (LayerNormArgs).
  Status (*layer_norm)(const LayerNormArgs& args, ThreadPool* pool) = nullptr;
  Status (*layer_norm_backward)(const LayerNormArgs& args, ThreadPool* pool) = nullptr;

  // Scaled dot-product attention, forward and backward (AttentionArgs).
  Status (*attention_forward)(const AttentionArgs& args, ThreadPool* pool) = nullptr;
  Status (*attention_backward)(const AttentionArgs& args, ThreadPool* pool) = nullptr;

  // int8 GEMM with its float epilogue (Int8GemmArgs).
  Status (*int8_gemm)(const Int8GemmArgs& args, ThreadPool* pool) = nullptr;
  // Affine u8 quantisation: q[i] = clamp(nearbyint(x[i] / scale) + zero_point, 0, 255), ties to even, NaN to 0.
  Status (*quantize_u8)(const float* x, int64_t n, float scale, int32_t zero_point, uint8_t* q) = nullptr;

  // bf16 GEMM with float32 accumulation and its epilogue (Bf16GemmArgs).
  Status (*bf16_gemm)(const Bf16GemmArgs& args, ThreadPool* pool) = nullptr;
  // float32 -> bf16, y[i] = Bf16FromFloat(x[i]) (kernels/ref/ref.h: round to nearest even, subnormals to
  // signed zero, NaN to a quiet NaN), as vcvtneps2bf16 converts.
  Status (*convert_bf16)(const float* x, int64_t n, uint16_t* y) = nullptr;
  // Real-input FFT and its inverse over rows (RealFftArgs).
  Status (*real_fft)(const RealFftArgs& args, ThreadPool* pool) = nullptr;
  Status (*inverse_real_fft)(const RealFftArgs& args, ThreadPool* pool) = nullptr;
};

// Each ISA folder provides Fill() in its own namespace (kernels/<isa>/table.cc), which sets the rows
// it implements. Everything an ISA folder defines lives in dendrite::<isa>, so the ISA-isolation
// check (scripts/check-isa.mjs) can tell its functions from baseline code in the binary.
namespace ref { void Fill(KernelTable* table); }
namespace avx2 { void Fill(KernelTable* table); }
namespace avx512 { void Fill(KernelTable* table); }

}  // namespace dendrite
